"""SpreadsheetML cell and row XML, written by hand for speed (no openpyxl on the write path).

Strings are inline (``t="inlineStr"``) so ``sharedStrings.xml`` is never touched; numbers and
dates are ``<v>`` values; each cell takes its column's style (from the sheet's ``<cols>``).
Text that a spreadsheet would take as a formula (``= + - @``, tab, CR) takes the style's
quote-prefixed twin (``xlsx_styles.QuoteStyles``) when one is given, so that editing the
cell in Excel keeps it text.

>>> cell_xml("B3", "AB00000001", 2)
'<c r="B3" s="2" t="inlineStr"><is><t>AB00000001</t></is></c>'
>>> cell_xml("C3", datetime.date(2024, 1, 5), None)
'<c r="C3"><v>45296</v></c>'
>>> cell_xml("D3", " a<b & _x0041_ ", None)
'<c r="D3" t="inlineStr"><is><t xml:space="preserve"> a&lt;b &amp; _x005F_x0041_ </t></is></c>'
>>> cell_xml("E3", "bell\\x07", None)
'<c r="E3" t="inlineStr"><is><t>bell_x0007_</t></is></c>'
>>> cell_xml("F3", None, 4)
''
>>> class Twins:
...     def get(self, style): return 40 + (style or 0)
>>> cell_xml("G3", "=1+1", 2, Twins()), cell_xml("G4", "1+1", 2, Twins())
('<c r="G3" s="42" t="inlineStr"><is><t>=1+1</t></is></c>', '<c r="G4" s="2" t="inlineStr"><is><t>1+1</t></is></c>')
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from ..domain.dates import EXCEL_EPOCH
from ..domain.errors import InputError
from .xlwings_io import looks_like_formula

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MAX_CELL_TEXT", "Quote", "cell_xml", "escape_text", "excel_serial", "rows_xml"]


class Quote(Protocol):
    """Style index → the style with Excel's quote prefix (``xlsx_styles.QuoteStyles``)."""

    def get(self, style: int | None) -> int: ...


MAX_CELL_TEXT = 32767  # Excel's limit per cell
_ESCAPE_SEQ = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()


def escape_text(text: str) -> str:
    """XML-escape, keep literal ``_xHHHH_`` literal, store control characters as Excel does."""
    text = _ESCAPE_SEQ.sub(r"_x005F_\1", text)
    text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def excel_serial(value: datetime.date | datetime.datetime) -> str:
    """Excel's serial day number (1900 system); date-times keep whole seconds."""
    if isinstance(value, datetime.datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        days = value.toordinal() - _EPOCH_ORDINAL
        if seconds == 0:
            return str(days)
        return repr(round(days + seconds / 86400, 10))
    return str(value.toordinal() - _EPOCH_ORDINAL)


def _text_cell(ref: str, style: str, text: str) -> str:
    if len(text) > MAX_CELL_TEXT:
        raise InputError(f"儲存格 {ref} 的文字超過 Excel 上限 {MAX_CELL_TEXT:,} 字", found=text)
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{escape_text(text)}</t></is></c>'


def cell_xml(ref: str, value: object, style: int | None, quote: Quote | None = None) -> str:
    """One ``<c>`` element, or ``''`` for a blank value."""
    s = "" if style is None else f' s="{style}"'
    if value is None:
        return ""
    if isinstance(value, str):
        if quote is not None and looks_like_formula(value):
            return _text_cell(ref, f' s="{quote.get(style)}"', value)
        return _text_cell(ref, s, value) if value != "" else ""
    if isinstance(value, bool):
        return _text_cell(ref, s, "是" if value else "否")
    if isinstance(value, int):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            raise InputError(f"儲存格 {ref} 的數值無效", found=value)
        return f'<c r="{ref}"{s}><v>{int(value) if value.is_integer() else repr(value)}</v></c>'
    if isinstance(value, Decimal):
        if not value.is_finite():
            return ""
        return f'<c r="{ref}"{s}><v>{format(value.normalize(), "f")}</v></c>'
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f'<c r="{ref}"{s}><v>{excel_serial(value)}</v></c>'
    # numpy / pandas scalars
    import numpy as np
    import pandas as pd

    if value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, pd.Timestamp):
        return cell_xml(ref, value.to_pydatetime(), style, quote)
    if isinstance(value, np.generic):
        return cell_xml(ref, value.item(), style, quote)
    return cell_xml(ref, str(value), style, quote)


def _column_cells(values: Sequence[object], letter: str, rows: Sequence[int], style: int | None,
                  quote: Quote | None) -> list[str]:
    return [cell_xml(f"{letter}{r}", v, style, quote) for v, r in zip(values, rows, strict=True)]


# text the fast path leaves to cell_xml: control characters, _xHHHH_, edge spaces (tab and CR starts too)
_NEEDS_SLOW_TEXT = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}\n]|_x[0-9A-Fa-f]{4}_|^\s|\s$"
_FORMULA_START = r"^[=+\-@]"  # with tab and CR (edge spaces above): ``xlwings_io.looks_like_formula``


def _fast_column(series: pd.Series, refs: Any, style: int | None, quote: Quote | None = None) -> Any:
    """Cell XML for a whole column with Arrow string kernels, or ``None`` when a value needs the careful path."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    s = "" if style is None else f' s="{style}"'
    n = len(series)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series.to_numpy(dtype="datetime64[ns]")
        valid = ~np.isnat(values)
        ns = (values - np.datetime64(EXCEL_EPOCH, "ns")).astype("int64")
        days = ns // 86_400_000_000_000
        seconds = (ns % 86_400_000_000_000) // 1_000_000_000  # whole seconds, as excel_serial
        fraction = np.round(days + seconds / 86400, 10)
        text = np.where(seconds == 0, days.astype(str), fraction.astype(str))
        body = pa.array(text, type=pa.string())
        cells = pc.binary_join_element_wise('<c r="', refs, f'"{s}><v>', body, "</v></c>", "")
        return pc.if_else(pa.array(valid), cells, "")
    if pd.api.types.is_bool_dtype(series.dtype):
        return None
    if pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_float_dtype(series.dtype):
        arr = pa.array(series.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True)
        finite = pc.is_finite(arr)
        if pc.any(pc.and_(finite, pc.greater_equal(pc.abs(arr), 1e15))).as_py():
            return None
        if pc.any(pc.is_inf(arr)).as_py():
            return None
        body = pc.cast(arr, pa.string())
        cells = pc.binary_join_element_wise('<c r="', refs, f'"{s}><v>', body, "</v></c>", "")
        return pc.fill_null(cells, "")
    # text: only plain strings take the fast path
    obj = series.astype(object)
    kinds = {type(v) for v in obj.dropna().head(1000)}
    if kinds - {str}:
        return None
    arr = pa.array(obj.where(obj.notna(), None).tolist() if n < 1000 else obj, type=pa.string(), from_pandas=True)
    if pc.any(pc.match_substring_regex(arr, _NEEDS_SLOW_TEXT)).as_py():
        return None
    if pc.any(pc.greater(pc.utf8_length(arr), MAX_CELL_TEXT)).as_py():
        return None
    esc = pc.replace_substring(pc.replace_substring(pc.replace_substring(arr, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")
    cells = pc.binary_join_element_wise('<c r="', refs, f'"{s} t="inlineStr"><is><t>', esc, "</t></is></c>", "")
    if quote is not None:
        formula = pc.fill_null(pc.match_substring_regex(arr, _FORMULA_START), False)
        if pc.any(formula).as_py():  # Excel's quote prefix: the style's twin
            quoted = pc.binary_join_element_wise('<c r="', refs, f'" s="{quote.get(style)}" t="inlineStr"><is><t>', esc,
                                                 "</t></is></c>", "")
            cells = pc.if_else(formula, quoted, cells)
    empty = pc.or_kleene(pc.is_null(arr), pc.equal(arr, ""))
    return pc.if_else(empty, "", pc.fill_null(cells, ""))


def rows_xml(
    frame: pd.DataFrame,
    first_row: int,
    letters: Sequence[str],
    styles: Sequence[int | None],
    *,
    chunk: int = 50_000,
    quote: Quote | None = None,
) -> Iterator[str]:
    """Yield ``<row>`` XML for a DataFrame, in chunks (memory stays bounded for 1M rows).

    Columns are turned into cell XML with Arrow string kernels; a column holding anything
    unusual (control characters, ``_xHHHH_``, edge spaces, huge numbers, Decimals, bools)
    goes through ``cell_xml`` one value at a time, so the output is the same either way.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(frame)
    for start in range(0, n, chunk):
        part = frame.iloc[start : start + chunk]
        rows = np.arange(first_row + start, first_row + start + len(part))
        row_text = pa.array(rows.astype(str), type=pa.string())
        columns: list[Any] = []
        for j, letter in enumerate(letters):
            series = part.iloc[:, j]
            refs = pc.binary_join_element_wise(letter, row_text, "")
            fast = _fast_column(series, refs, styles[j], quote)
            if fast is None:
                if pd.api.types.is_datetime64_any_dtype(series.dtype):
                    values: list[object] = [None if pd.isna(v) else v.to_pydatetime() for v in series]
                else:
                    values = series.astype(object).where(series.notna(), None).tolist()
                fast = pa.array(_column_cells(values, letter, rows.tolist(), styles[j], quote), type=pa.string())
            columns.append(fast)
        opened = pc.binary_join_element_wise('<row r="', row_text, '">', "")
        joined = pc.binary_join_element_wise(opened, *columns, "</row>", "")
        yield "".join(joined.to_pylist())
