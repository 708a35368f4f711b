"""Dates and date-times in their fixed-width forms, a whole column at once (numpy on the Arrow buffer).

A 1M-row register or platform download writes its dates the same way on every row:
``2024-01-05``, ``2024/01/05``, ``2024.01.05``, with `` 13:45`` or `` 13:45:10`` after them (a
``T`` instead of the space), or as the file backend reads a date cell back
(``2024-01-05 00:00:00``). Those cells are parsed here from their bytes, without a Python
call or a regular expression per cell; every other cell (``2024/1/5``, ROC years, Excel
serials, full-width digits, spaces around it, an impossible date …) is left to
``domain.dates``, which has the last word. A cell parsed here gives what
``domain.dates.parse_datetime`` gives for it.

>>> import pandas as pd
>>> values, parsed = fixed_width_datetimes(pd.Series(
...     ["2024-01-05", "2024/02/29 13:45", "2024.01.05T13:45:10", "2023-02-29", "2024/1/5", None, "113/01/05"]))
>>> [str(v) for v in values], parsed.tolist()
(['2024-01-05T00:00:00.000000000', '2024-02-29T13:45:00.000000000', '2024-01-05T13:45:10.000000000', 'NaT', 'NaT', 'NaT', 'NaT'], [True, True, True, False, False, False, False])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = ["fixed_width_datetimes", "with_fixed_width"]

# width → positions of the digits, of the date separators, of the date/time separator and of the colons
_FORMS = {
    10: ((0, 1, 2, 3, 5, 6, 8, 9), (4, 7), None, ()),
    16: ((0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15), (4, 7), 10, (13,)),
    19: ((0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18), (4, 7), 10, (13, 16)),
}
_DATE_SEPARATORS = b"-/."
_TIME_SEPARATORS = b" T"
# the years datetime64[ns] holds whole (pandas: 1677-09-21 .. 2262-04-11)
_FIRST_YEAR, _LAST_YEAR = 1678, 2261


def _arrow_text(values: object) -> object | None:
    """The values as one Arrow string array (zero-copy from pandas' Arrow strings), or None when not text."""
    import pandas as pd
    import pyarrow as pa

    try:
        arr = pa.array(values if isinstance(values, pd.Series) else pd.Series(values, dtype="object"),
                       from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # not text: numbers, dates, huge ints …
        return None
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_null(arr.type):
        return None
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    text: object = arr
    return text


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _parse_rows(cells: npt.NDArray[np.uint8], width: int) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.bool_]]:
    """``cells``: one row of ``width`` bytes per cell → date-times and which of them are valid."""
    import numpy as np

    digits_at, date_seps, time_sep, colons = _FORMS[width]
    digit = {i: cells[:, i].astype(np.int64) - 48 for i in digits_at}
    good = np.ones(len(cells), dtype=bool)
    for v in digit.values():
        good &= (v >= 0) & (v <= 9)
    for at in date_seps:
        good &= np.isin(cells[:, at], np.frombuffer(_DATE_SEPARATORS, np.uint8))
    if time_sep is not None:
        good &= np.isin(cells[:, time_sep], np.frombuffer(_TIME_SEPARATORS, np.uint8))
    for at in colons:
        good &= cells[:, at] == ord(":")

    def number(*at: int) -> npt.NDArray[np.int64]:
        if not at or at[0] not in digit:
            return np.zeros(len(cells), dtype=np.int64)
        out = digit[at[0]]
        for i in at[1:]:
            out = out * 10 + digit[i]
        return out

    year, month, day = number(0, 1, 2, 3), number(5, 6), number(8, 9)
    hour, minute, second = number(11, 12), number(14, 15), number(17, 18)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    good &= (year >= _FIRST_YEAR) & (year <= _LAST_YEAR) & (month >= 1) & (month <= 12) & (day >= 1)
    month = np.where(good, month, 1)
    good &= day <= np.asarray(_DAYS_IN_MONTH, dtype=np.int64)[month] + (leap & (month == 2))
    good &= (hour < 24) & (minute < 60) & (second < 60)
    # days since 1970-01-01 (the proleptic Gregorian calendar, as datetime64 counts)
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    ns = ((days * 86400 + hour * 3600 + minute * 60 + second) * 1_000_000_000).view("datetime64[ns]")
    ns[~good] = np.datetime64("NaT")
    return ns, good


def fixed_width_datetimes(values: object) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.bool_]]:
    """``(datetime64[ns] array, parsed mask)`` for the cells in a fixed-width form (module docstring)."""
    import numpy as np
    import pyarrow as pa

    arr = _arrow_text(values)
    n = len(values)  # type: ignore[arg-type]
    stamps = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    parsed = np.zeros(n, dtype=bool)
    if arr is None or n == 0 or arr.buffers()[2] is None:  # type: ignore[attr-defined]
        return stamps, parsed
    assert isinstance(arr, pa.Array)
    wide = pa.types.is_large_string(arr.type)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if wide else np.int32, count=n + 1,
                            offset=arr.offset * (8 if wide else 4)).astype(np.int64)
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)
    lengths = np.diff(offsets)
    valid = arr.is_valid().to_numpy(zero_copy_only=False)
    for width in _FORMS:
        rows = np.flatnonzero((lengths == width) & valid)
        if not rows.size:
            continue
        if rows.size == n and offsets[-1] - offsets[0] == n * width:  # every cell this wide: a view, no copy
            cells = np.lib.stride_tricks.as_strided(data[offsets[0]:], shape=(n, width), strides=(width, 1))
        else:
            cells = data[offsets[rows][:, None] + np.arange(width)]
        got, good = _parse_rows(cells, width)
        stamps[rows[good]] = got[good]
        parsed[rows[good]] = True
    return stamps, parsed


def with_fixed_width(
    values: pd.Series, general: Callable[[pd.Series], tuple[pd.Series, npt.NDArray[np.bool_]]]
) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """The fixed-width cells parsed here, the others by ``general`` (same contract: date-times, ok mask).

    A column of few distinct values (a register's dates: one per day of the period) is parsed
    once per distinct value.
    """
    import numpy as np
    import pandas as pd

    distinct = _distinct(values)
    if distinct is not None:
        words, codes = distinct
        got, good = with_fixed_width(words, general)
        blank = codes < 0
        stamps = got.to_numpy(dtype="datetime64[ns]")[np.where(blank, 0, codes)]
        stamps[blank] = np.datetime64("NaT")
        return pd.Series(stamps, index=values.index), good[np.where(blank, 0, codes)] | blank
    stamps, parsed = fixed_width_datetimes(values)
    ok = np.ones(len(values), dtype=bool)
    if not parsed.all():
        rest = np.flatnonzero(~parsed)
        got, rest_ok = general(values.iloc[rest])
        stamps[rest] = got.to_numpy(dtype="datetime64[ns]")
        ok[rest] = rest_ok
    return pd.Series(stamps, index=values.index), ok


def _distinct(values: pd.Series) -> tuple[pd.Series, npt.NDArray[np.int64]] | None:
    """``(distinct texts, each row's index into them or -1 when blank)`` when a big column repeats itself."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(values) < 4096:
        return None
    arr = _arrow_text(values)
    if arr is None:
        return None
    assert isinstance(arr, pa.Array)
    encoded = pc.dictionary_encode(arr)
    if not len(encoded.dictionary) or len(encoded.dictionary) * 8 > len(arr):
        return None
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return pd.Series(encoded.dictionary.to_pylist(), dtype="str"), codes
