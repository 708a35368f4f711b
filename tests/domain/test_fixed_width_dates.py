"""The fixed-width fast path reads dates exactly as the one-by-one rules do (``domain.dates``).

Property test: any text in (or near) a fixed-width form — impossible months and days, leap
days, hours past 23, odd separators, years pandas cannot hold — gives the same date-time or
the same refusal through ``parse_dates`` (fast path first) as through ``parse_datetime`` one
cell at a time and through the general path alone.
"""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicetools.domain.dates import _parse_dates_general, parse_dates, parse_datetime
from invoicetools.domain.errors import InvalidFormat
from invoicetools.domain.fixed_width_dates import fixed_width_datetimes
from invoicetools.sources.register import parse_dates_fast

_TIME = st.one_of(
    st.just(""),
    st.builds(lambda sep, h, m: f"{sep}{h:02d}:{m:02d}", st.sampled_from(" T_:"), st.integers(0, 25),
              st.integers(0, 61)),
    st.builds(lambda sep, h, m, s, c: f"{sep}{h:02d}:{m:02d}{c}{s:02d}", st.sampled_from(" T"),
              st.integers(0, 25), st.integers(0, 61), st.integers(0, 61), st.sampled_from("::.")),
)
FIXED = st.builds(
    lambda y, m, d, s1, s2, t: f"{y:04d}{s1}{m:02d}{s2}{d:02d}{t}",
    st.integers(1500, 2400) | st.sampled_from([1677, 1678, 2261, 2262, 1900, 2000, 2100]),
    st.integers(0, 13), st.integers(0, 32), st.sampled_from("-/.x"), st.sampled_from("-/.:"), _TIME,
)
CELL = FIXED | st.sampled_from(["", " 2024-01-05", "2024/1/5", "113/01/05", "１１３／０１／０５", "45296", "x" * 10])


def _one_by_one(text: str) -> datetime.datetime | None:
    try:
        value = parse_datetime(text)
    except (InvalidFormat, ValueError):
        return None
    return value if pd.Timestamp.min <= pd.Timestamp(value) <= pd.Timestamp.max else None


@settings(max_examples=300, deadline=None)
@given(st.lists(CELL, min_size=1, max_size=40))
def test_fast_path_agrees_with_the_rules(cells: list[str]) -> None:
    series = pd.Series(cells, dtype="str")
    fast, fast_ok = parse_dates(series)
    general, general_ok = _parse_dates_general(series)
    assert fast.tolist() == general.tolist() or fast.equals(general)
    assert fast_ok.tolist() == general_ok.tolist()
    register, register_ok = parse_dates_fast(series)
    stamps, parsed = fixed_width_datetimes(series)
    for i, text in enumerate(cells):
        expected = _one_by_one(text)
        if parsed[i]:  # what the fast path reads, it reads as the rules do
            assert expected is not None and stamps[i] == np.datetime64(expected, "ns"), text
            assert register.iat[i] == pd.Timestamp(expected) and register_ok[i], text
        if text.strip() and expected is not None:
            assert fast.iat[i] == pd.Timestamp(expected) and fast_ok[i], text


def test_a_whole_column_in_one_form_is_read_from_its_bytes() -> None:
    days = pd.date_range("2024-01-01", periods=1000, freq="7h")
    series = pd.Series(days.strftime("%Y/%m/%d %H:%M:%S"), dtype="str")
    stamps, parsed = fixed_width_datetimes(series)
    assert parsed.all() and (stamps == days.to_numpy()).all()
    object_series = pd.Series(list(days.strftime("%Y-%m-%d")), dtype="object")
    stamps, parsed = fixed_width_datetimes(object_series)
    assert parsed.all() and (stamps == days.normalize().to_numpy()).all()
    mixed = pd.Series([datetime.date(2024, 1, 5), "2024-01-05", None], dtype="object")
    assert not fixed_width_datetimes(mixed)[1].any()  # not text: left to the general path


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), CELL), min_size=1, max_size=20))
def test_a_big_column_of_repeated_values_reads_each_value_once_with_the_same_answer(cells: list[str | None]) -> None:
    """Above 4,096 rows a column of few distinct values is parsed once per value: same answers, row by row."""
    size = 5000
    big = pd.Series([cells[i % len(cells)] for i in range(size)], dtype="str")
    for parse in (parse_dates, parse_dates_fast):
        small_values, small_ok = parse(pd.Series(cells, dtype="str"))
        values, ok = parse(big)
        expected = [small_values.iat[i % len(cells)] for i in range(size)]
        assert [None if pd.isna(v) else v for v in values] == [None if pd.isna(v) else v for v in expected]
        assert ok.tolist() == [bool(small_ok[i % len(cells)]) for i in range(size)]
