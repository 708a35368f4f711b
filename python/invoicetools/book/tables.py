"""Raw tables → typed tables, with a finding (file/sheet, row, column) for every cell that cannot be read.

Conversions follow the layout's column kinds. Nothing is guessed silently: a cell that
cannot be read becomes blank in the typed table *and* a finding that says where it is and
what was found; the sheet itself is never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..domain.errors import Finding, Location, Severity, show_found
from .io import WorkbookIO
from .layout import Kind, Table

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = ["blank_mask", "clean_ids", "read_typed", "typed"]

_TRUE = {"是", "y", "yes", "true", "1", "v", "✓", "t"}
_FALSE = {"否", "n", "no", "false", "0", "", "f"}


def blank_mask(series: pd.Series) -> npt.NDArray[np.bool_]:
    """True where a cell is empty (None, NaN or only spaces).

    Text columns (a sheet or file read) are judged by two Arrow kernels, without a pandas string
    operation per step; anything else through pandas' text conversion.
    """
    import numpy as np
    import pandas as pd

    if isinstance(series.dtype, pd.StringDtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(series.array)
        empty = pc.equal(pc.utf8_trim_whitespace(arr), "")
        return np.asarray(pc.fill_null(empty, True).to_numpy(zero_copy_only=False), dtype=bool)
    as_text = series.astype("string")
    mask: npt.NDArray[np.bool_] = as_text.isna().to_numpy() | (
        as_text.str.strip().fillna("") == ""
    ).to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


def clean_ids(series: pd.Series) -> pd.Series:
    """Identifier text: trimmed, full-width → ASCII, Excel's ``12345678.0`` back to ``12345678``; blank → NA."""
    import pandas as pd

    from ..domain._text import to_ascii

    text = series.astype("string").str.strip()
    needs = _needs_repair(text)
    if needs.any():
        fixed = text[needs].map(lambda v: None if v is pd.NA else to_ascii(str(v)))
        fixed = fixed.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
        text = text.astype(object)
        text[needs] = fixed
        text = text.astype("string")
    return text.mask(text == "")


# What a repair may change in an identifier: ASCII whitespace inside it (Python's ``\s`` among
# ASCII characters; anything beyond ASCII is caught by the ASCII test) or Excel's 12345678.0.
_ODD_ID = r"[\t\n\v\f\r \x1c-\x1f]|\.0+$"


def _needs_repair(text: pd.Series) -> npt.NDArray[np.bool_]:
    """Trimmed identifier text that ``clean_ids`` must repair (Arrow kernels: no Python call per cell)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.array)
    odd = pc.or_(pc.invert(pc.string_is_ascii(arr)), pc.match_substring_regex(arr, _ODD_ID))
    return np.asarray(odd.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _numbers(text: pd.Series) -> pd.Series:
    """Trimmed text without thousands separators → float (NaN where it is not a number).

    Plain integers (the usual amount) are cast by Arrow; everything else as ``pd.to_numeric`` reads it.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.array)
    plain = np.asarray(pc.match_substring_regex(arr, r"^-?\d{1,15}$").fill_null(False).to_numpy(
        zero_copy_only=False), dtype=bool)
    values = np.full(len(text), np.nan)
    if plain.any():
        values[plain] = pc.cast(arr.filter(pa.array(plain)), pa.int64()).to_numpy().astype(np.float64)
    rest = ~plain & text.notna().to_numpy()
    if rest.any():
        values[rest] = pd.to_numeric(text[rest], errors="coerce").astype("float64").to_numpy(na_value=np.nan)
    return pd.Series(values, index=text.index)


def _where(where: Location, row: object, column: str) -> Location:
    return where.with_row(int(row) if isinstance(row, (int,)) or hasattr(row, "__index__") else None, column)


def typed(raw: pd.DataFrame, table: Table, where: Location) -> tuple[pd.DataFrame, list[Finding]]:
    """Convert a raw table to the layout's types. Extra columns are kept as text after the known ones."""
    import pandas as pd

    from ..domain import money
    from ..domain.dates import parse_dates

    findings: list[Finding] = []
    out = pd.DataFrame(index=raw.index)
    for col in table.columns:
        if col.header not in raw.columns:
            out[col.header] = pd.Series(pd.NA, index=raw.index, dtype="object")
            continue
        series = raw[col.header]
        blank = blank_mask(series)
        if col.kind in (Kind.ID,):
            out[col.header] = clean_ids(series)
        elif col.kind is Kind.TEXT:
            text = series.astype("string").str.strip()
            out[col.header] = text.mask(text == "")
        elif col.kind in (Kind.DATE, Kind.DATETIME):
            values, ok = parse_dates(series)
            out[col.header] = values.dt.normalize() if col.kind is Kind.DATE else values
            for row in raw.index[~ok & ~blank]:
                findings.append(Finding(
                    "bad_date", f"日期無法辨識（讀到「{show_found(series.at[row])}」）",
                    _where(where, row, col.header)))
        elif col.kind in (Kind.INT, Kind.MONEY):
            text = series.astype("string").str.strip().str.replace(",", "", regex=False)
            numbers = _numbers(text)
            bad = numbers.isna().to_numpy() & ~blank
            for row in raw.index[bad]:
                try:  # full-width digits, NT$, (1,000) …
                    value = money.parse(series.at[row])
                    numbers.at[row] = float(value) if value is not None else None
                except Exception:
                    findings.append(Finding(
                        "bad_number", f"應為數字（讀到「{show_found(series.at[row])}」）",
                        _where(where, row, col.header)))
            if col.kind is Kind.INT:
                whole = numbers.dropna()
                fractional = whole[whole != whole.round()]
                for row in fractional.index:
                    findings.append(Finding(
                        "bad_integer", f"應為整數（讀到「{show_found(series.at[row])}」）",
                        _where(where, row, col.header)))
                out[col.header] = numbers.where(numbers == numbers.round()).round().astype("Int64")
            else:
                out[col.header] = numbers.astype("Float64")
        elif col.kind is Kind.BOOL:
            text = series.astype("string").str.strip().str.lower().fillna("")
            out[col.header] = text.isin(_TRUE)
            for row in raw.index[~text.isin(_TRUE | _FALSE).to_numpy()]:
                findings.append(Finding(
                    "bad_bool", f"應填「是」或「否」（讀到「{show_found(series.at[row])}」）",
                    _where(where, row, col.header), Severity.WARNING))
    for extra in raw.columns:
        if extra not in table.headers:
            out[extra] = raw[extra]
    return out, findings


def read_typed(io: WorkbookIO, table: Table) -> tuple[pd.DataFrame, list[Finding]]:
    """Read a table from a workbook and type it."""
    raw = io.read_table(table)
    return typed(raw, table, Location(file=io.name, sheet=table.sheet))


def required_present(frame: pd.DataFrame, headers: Sequence[str]) -> bool:
    return all(h in frame.columns for h in headers)
