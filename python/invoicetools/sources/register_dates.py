"""Register dates and times read a whole column at once: the forms ERP exports use most.

``parse_dates_fast`` is ``domain.dates.parse_dates`` with column-wise fast paths: the
fixed-width forms from their bytes (``domain.fixed_width_dates``), then ``2024/1/5``,
``113/01/05`` and ``1130105`` with Arrow regular expressions; whatever is left goes through
``parse_dates``, which has the last word. ``parse_times`` reads 開立時間.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = ["parse_dates_fast", "parse_times"]

_SEPARATED = (r"^(?P<y>\d{4}|\d{2,3})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
              r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$")
_COMPACT = r"^(?P<y>\d{3,4})(?P<m>\d{2})(?P<d>\d{2})$"
_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _assemble(parts: object, compact: bool) -> npt.NDArray[np.datetime64]:
    """Date-times from extracted ``y m d [H M S]`` text (ROC when the year has 2–3 digits); NaT when invalid."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    assert isinstance(parts, pa.StructArray | pa.ChunkedArray)
    names = ("y", "m", "d", "H", "M", "S") if not compact else ("y", "m", "d")

    def number(name: str) -> npt.NDArray[np.int64]:
        field = pc.struct_field(parts, name)
        filled = pc.if_else(pc.or_(pc.is_null(field), pc.equal(field, "")), "0", field)
        return np.asarray(pc.cast(filled, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)

    values = {n: number(n) for n in names}
    width = np.asarray(pc.utf8_length(pc.struct_field(parts, "y")).to_numpy(zero_copy_only=False), dtype=np.int64)
    year = np.where(width == 4, values["y"], values["y"] + 1911)
    hour, minute, second = (values.get(n, np.zeros(len(year), dtype=np.int64)) for n in ("H", "M", "S"))
    good = (hour < 24) & (minute < 60) & (second < 60) & (year >= 1678) & (year <= 2261)
    if compact:  # an 8-digit number is a Gregorian date only for years 1900–2199 (domain.dates)
        good &= (width == 3) | ((year >= 1900) & (year <= 2199))
    frame = pd.DataFrame({"year": np.where(good, year, 2000), "month": values["m"], "day": values["d"],
                          "hour": hour, "minute": minute, "second": second})
    stamps: npt.NDArray[np.datetime64] = np.asarray(
        pd.to_datetime(frame, errors="coerce").to_numpy(dtype="datetime64[ns]"), dtype="datetime64[ns]")
    stamps[~good] = np.datetime64("NaT")
    return stamps


def parse_dates_fast(values: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """``domain.dates.parse_dates`` with column-wise fast paths (pyarrow) for the forms registers use most.

    ``2024-01-05 13:45:00`` (a date cell read back from a workbook), ``2024-01-05``,
    ``2024/1/5``, ``113/01/05`` and ``1130105`` are parsed and validated for the whole
    column at once; everything else (Excel serials, ``113年1月5日`` …) and anything the fast
    path refuses goes through ``parse_dates``, which has the last word. Blank = NaT, ok.

    >>> import pandas as pd
    >>> v, ok = parse_dates_fast(pd.Series(["2024-01-05 13:45:00", "113/1/5", "1130105", "45296", "", "x"]))
    >>> [str(x) for x in v], ok.tolist()
    (['2024-01-05 13:45:00', '2024-01-05 00:00:00', '2024-01-05 00:00:00', '2024-01-05 00:00:00', 'NaT', 'NaT'], [True, True, True, True, True, False])
    """
    import pandas as pd

    from ..domain.dates import parse_dates
    from ..domain.fixed_width_dates import with_fixed_width

    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return parse_dates(values)
    return with_fixed_width(values, _parse_other_dates)


def _parse_other_dates(values: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """``parse_dates_fast`` for the cells that are not in a fixed-width form."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..domain.dates import parse_dates

    n = len(values)
    result = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.ones(n, dtype=bool)
    if n == 0:
        return pd.Series(result, index=values.index), ok
    if isinstance(values.dtype, pd.StringDtype):  # text only (a sheet or file read): no object round trip
        obj = values
        is_dt = np.zeros(n, dtype=bool)
    else:
        obj = values.astype("object")
        if pd.api.types.infer_dtype(obj, skipna=True) in ("string", "empty", "integer", "floating",
                                                          "mixed-integer-float"):
            is_dt = np.zeros(n, dtype=bool)
        else:
            is_dt = obj.map(lambda v: isinstance(v, (datetime.date, datetime.datetime))).to_numpy(dtype=bool)
    if is_dt.any():
        result[is_dt] = pd.to_datetime(obj[is_dt].map(_as_datetime)).to_numpy(dtype="datetime64[ns]")
    text = (obj.where(~is_dt, None) if is_dt.any() else obj).astype("string").str.strip()
    blank = text.isna().to_numpy() | (text.fillna("") == "").to_numpy(dtype=bool)
    todo = np.flatnonzero(~blank & ~is_dt)
    if len(todo) and _ISO_DATE_TIME.fullmatch(str(text.iat[int(todo[0])])):
        # a date cell read back from a workbook: one exact-format pass (the regexes below cost 4× as much)
        sub = text.iloc[todo]
        iso = pd.to_datetime(sub.where(sub.str.len() == 19), format="%Y-%m-%d %H:%M:%S", errors="coerce")
        year = iso.dt.year
        hit = (iso.notna() & (year >= 1678) & (year <= 2261)).to_numpy(dtype=bool)
        result[todo[hit]] = iso[hit].to_numpy(dtype="datetime64[ns]")
        todo = todo[~hit]
    if not len(todo):
        return pd.Series(result, index=values.index), ok
    arr = pa.array(text.iloc[todo].to_numpy(dtype=object), type=pa.string())
    fast = np.full(len(todo), np.datetime64("NaT"), dtype="datetime64[ns]")
    for pattern, compact in ((_SEPARATED, False), (_COMPACT, True)):
        left = np.flatnonzero(np.isnat(fast))
        if not len(left):
            break
        sub = arr if len(left) == len(arr) else arr.take(pa.array(left))
        parts = pc.extract_regex(sub, pattern)
        matched = np.asarray(pc.is_valid(parts).to_numpy(zero_copy_only=False), dtype=bool)
        if matched.any():
            hit = left[matched]
            fast[hit] = _assemble(parts.filter(pa.array(matched)), compact)
    result[todo] = fast
    slow = todo[np.isnat(fast)]
    if len(slow):
        parsed, slow_ok = parse_dates(obj.iloc[slow])
        result[slow] = parsed.to_numpy(dtype="datetime64[ns]")
        ok[slow] = slow_ok
    return pd.Series(result, index=values.index), ok


def _as_datetime(value: object) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    assert isinstance(value, datetime.date)
    return datetime.datetime.combine(value, datetime.time())


def parse_times(values: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """``13:45:10`` / ``13:45`` / ``134510`` / a time cell (``0.5`` of a day) → offsets from midnight."""
    import numpy as np
    import pandas as pd

    out = pd.Series(pd.NaT, index=values.index, dtype="timedelta64[ns]")
    ok = np.ones(len(values), dtype=bool)
    if isinstance(values.dtype, pd.StringDtype) and not values.notna().any():
        return out, ok  # an empty 開立時間 column (no Python object per cell)
    obj = values.astype("object")
    text = obj.astype("string").str.strip()
    blank = text.isna().to_numpy() | (text.fillna("") == "").to_numpy(dtype=bool)
    todo = ~blank
    if not todo.any():
        return out, ok
    t = text[todo]
    base = pd.Timestamp("2000-01-01")

    def clock_times(values: pd.Series) -> pd.Series:
        return pd.to_datetime("2000-01-01 " + values, format="%Y-%m-%d %H:%M:%S", errors="coerce") - base

    parsed = clock_times(t)
    miss = parsed.isna().to_numpy()
    if miss.any():  # 134510, 13:45, a time cell read back as a date-time
        odd = t[miss].str.replace(r"^(\d{2})(\d{2})(\d{2})$", r"\1:\2:\3", regex=True)
        odd = odd.str.replace(r"^(\d{1,2}:\d{2})$", r"\1:00", regex=True)
        odd = odd.str.replace(r"^\d{4}-\d{2}-\d{2} ", "", regex=True)
        parsed[miss] = clock_times(odd).to_numpy()
    still = parsed.isna().to_numpy()
    if still.any():  # a time cell as Excel keeps it: a fraction of a day
        fraction = pd.to_numeric(t[still], errors="coerce")
        is_fraction = (fraction.notna() & (fraction >= 0) & (fraction < 1)).to_numpy(dtype=bool)
        if is_fraction.any():
            where_fraction = np.flatnonzero(still)[is_fraction]
            parsed.iloc[where_fraction] = pd.to_timedelta(
                (fraction[is_fraction] * 86400).round(), unit="s").to_numpy()
    parsed = parsed.where((parsed >= pd.Timedelta(0)) & (parsed < pd.Timedelta(days=1)))
    out[todo] = parsed.to_numpy()
    ok[np.flatnonzero(todo)[parsed.isna().to_numpy()]] = False
    return out, ok
