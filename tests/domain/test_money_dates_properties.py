"""Property tests for money and dates: what Excel and ERP exports write comes back exactly."""

from __future__ import annotations

import contextlib
import datetime
from decimal import Decimal

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from invoicetools.domain import dates, money
from invoicetools.domain.errors import InvalidFormat

amounts = st.integers(-10**12, 10**12)
days = st.dates(datetime.date(1990, 1, 1), datetime.date(2099, 12, 31))


@given(amounts)
def test_money_forms_round_trip(n: int) -> None:
    forms = [str(n), f"{n:,}", f"NT${n:,}", f" {n} ", float(n), n, f"{n}.0", f"{n:,}元"]
    if n < 0:
        forms.append(f"({-n:,})")
    for form in forms:
        assert money.parse(form) == Decimal(n), form
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in str(n))
    assert money.parse(fullwidth) == Decimal(n)


@given(st.text(max_size=20))
def test_money_never_crashes(text: str) -> None:
    try:
        value = money.parse(text)
    except InvalidFormat:
        return
    assert value is None or value.is_finite()


@given(days)
def test_date_forms_round_trip(day: datetime.date) -> None:
    roc = day.year - 1911
    forms = [
        day.isoformat(), f"{day.year}/{day.month}/{day.day}", f"{day:%Y%m%d}", f"{roc}/{day.month:02d}/{day.day:02d}",
        f"{roc}{day.month:02d}{day.day:02d}", f"{roc}年{day.month}月{day.day}日", dates.to_roc(day),
        (day - dates.EXCEL_EPOCH).days, str((day - dates.EXCEL_EPOCH).days),
    ]
    for form in forms:
        assert dates.parse_date(form) == day, form
    parsed, ok = dates.parse_dates(pd.Series(forms, dtype=object))
    assert ok.all() and all(v.date() == day for v in parsed)


@given(days, st.integers(0, 23), st.integers(0, 59), st.integers(0, 59))
def test_date_times_with_a_space_keep_their_time(day: datetime.date, h: int, m: int, s: int) -> None:
    text = f"{day.year}/{day.month}/{day.day} {h}:{m:02d}:{s:02d}"
    assert dates.parse_datetime(text) == datetime.datetime(day.year, day.month, day.day, h, m, s)


@given(st.text(max_size=24))
def test_dates_never_crash(text: str) -> None:
    with contextlib.suppress(InvalidFormat):
        dates.parse_date(text)
    _, ok = dates.parse_dates(pd.Series([text], dtype=object))
    assert ok.shape == (1,)
