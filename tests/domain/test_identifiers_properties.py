"""Property tests for identifiers and periods."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicetools.domain import dates, invoice_number, periods, ubn
from invoicetools.domain.errors import ValidationError

period_st = st.builds(periods.Period, st.integers(100, 200), st.sampled_from([2, 4, 6, 8, 10, 12]))


@given(period_st)
def test_period_parse_of_every_format_is_identity(p: periods.Period) -> None:
    forms = [
        p.code,
        p.label,
        p.label.replace(" ", ""),
        f"{p.roc_year} {p.start_month:02d}~{p.end_month:02d}",
        f"{p.roc_year}{p.start_month:02d}-{p.end_month:02d}",
        f"{p.year}-{p.start_month:02d}",
        f"{p.year}-{p.end_month:02d}",
        p.zh,
    ]
    for form in forms:
        assert periods.parse(form) == p, form
    assert periods.from_term(p.roc_year, p.term) == p
    assert periods.from_amego(p.roc_year, p.term - 1) == p


@given(period_st)
def test_period_calendar(p: periods.Period) -> None:
    assert p.next().previous() == p
    assert p.next().first_day == p.last_day + datetime.timedelta(days=1)
    assert periods.of(p.first_day) == p and periods.of(p.last_day) == p
    # the 10th (blank numbers) and the 15th (VAT) of the next odd month, moved to the first working day
    for deadline, nominal_day in ((p.blank_deadline, 10), (p.vat_deadline, 15)):
        nominal = p.next().first_day.replace(day=nominal_day)
        assert nominal <= deadline <= nominal + datetime.timedelta(days=10)
        assert dates.is_working_day(deadline)
        skipped = [nominal + datetime.timedelta(days=i) for i in range((deadline - nominal).days)]
        assert not any(dates.is_working_day(d) for d in skipped)
        assert all(d.weekday() >= 5 or d in dates._taiwan_calendar() for d in skipped)
    assert p.blank_deadline > p.last_day and p.blank_deadline.month % 2 == 1


def test_leap_year_february() -> None:
    assert periods.parse("11302").last_day == datetime.date(2024, 2, 29)
    assert periods.parse("11402").last_day == datetime.date(2025, 2, 28)


def test_year_end_rollover() -> None:
    p = periods.parse("11312")
    assert p.next().code == "11402"
    assert p.blank_deadline == datetime.date(2025, 1, 10)


@pytest.mark.parametrize("bad", ["", "114", "11413", "114/05~114/08", "abc", None, 3.5, "115/02~114/03"])
def test_period_rejects(bad: object) -> None:
    with pytest.raises(ValidationError):
        periods.parse(bad)


letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2)


@given(letters, st.integers(0, 99_999_999))
def test_invoice_number_key_roundtrip(track: str, n: int) -> None:
    number = f"{track}{n:08d}"
    assert invoice_number.from_key(invoice_number.to_key(number)) == number
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert invoice_number.validate(fullwidth.lower()) == number
    keys, ok = invoice_number.keys_from_strings([number, fullwidth])
    assert ok.all() and (keys == invoice_number.to_key(number)).all()


@given(letters, st.integers(10_000_000, 99_999_999))
def test_excel_floats_are_repaired(track: str, n: int) -> None:
    assert invoice_number.validate(f"{track}{n}.0") == f"{track}{n}"
    mantissa = f"{n / 10**7:.7f}".rstrip("0").rstrip(".")
    assert invoice_number.validate(f"{track}{mantissa}E7") == f"{track}{n}"


@given(st.text(max_size=14))
def test_invoice_number_never_crashes(text: str) -> None:
    assert invoice_number.is_valid(text) in (True, False)
    keys, ok = invoice_number.keys_from_strings([text])
    assert ok[0] == invoice_number.is_valid(text)
    if ok[0]:
        assert invoice_number.from_key(int(keys[0])) == invoice_number.validate(text)


@given(st.integers(0, 99_999_999))
def test_ubn_rules(n: int) -> None:
    s = f"{n:08d}"
    new, old = ubn.is_valid(s), ubn.is_valid(s, rule=2013)
    assert not old or new  # everything valid under the old rule is valid under the new one
    assert ubn.is_valid(n) == new


def test_ubn_new_rule_only_exists() -> None:
    found = [f"{n:08d}" for n in range(10458500, 10458700) if ubn.is_valid(n) and not ubn.is_valid(n, rule=2013)]
    assert "10458570" in found


def test_keys_vectorised_matches_scalar() -> None:
    values = ["AB00000001", "ab 00000002", "XY1.2345678E7", "12345678", "", None, "ZZ99999999", "AB0000000１"]
    keys, ok = invoice_number.keys_from_strings(values)
    for v, k, good in zip(values, keys.tolist(), ok.tolist(), strict=True):
        assert good == invoice_number.is_valid(v)
        if good:
            assert k == invoice_number.to_key(invoice_number.validate(v))
    assert np.asarray(keys).dtype == np.int64
