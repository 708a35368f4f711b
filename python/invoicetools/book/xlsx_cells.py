"""SpreadsheetML cell and row XML, written by hand for speed (no openpyxl on the write path).

Strings are inline (``t="inlineStr"``) so ``sharedStrings.xml`` is never touched; numbers and
dates are ``<v>`` values; each cell takes its column's style (from the sheet's ``<cols>``).

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
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from ..domain.dates import EXCEL_EPOCH
from ..domain.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MAX_CELL_TEXT", "cell_xml", "escape_text", "excel_serial", "rows_xml"]

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


def cell_xml(ref: str, value: object, style: int | None) -> str:
    """One ``<c>`` element, or ``''`` for a blank value."""
    s = "" if style is None else f' s="{style}"'
    if value is None:
        return ""
    if isinstance(value, str):
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
        return cell_xml(ref, value.to_pydatetime(), style)
    if isinstance(value, np.generic):
        return cell_xml(ref, value.item(), style)
    return _text_cell(ref, s, str(value))


def _column_cells(values: Sequence[object], letter: str, rows: Sequence[int], style: int | None) -> list[str]:
    return [cell_xml(f"{letter}{r}", v, style) for v, r in zip(values, rows, strict=True)]


def rows_xml(
    frame: pd.DataFrame,
    first_row: int,
    letters: Sequence[str],
    styles: Sequence[int | None],
    *,
    chunk: int = 20_000,
) -> Iterator[str]:
    """Yield ``<row>`` XML for a DataFrame, in chunks (memory stays bounded for 1M rows)."""
    import pandas as pd

    n = len(frame)
    for start in range(0, n, chunk):
        part = frame.iloc[start : start + chunk]
        rows = list(range(first_row + start, first_row + start + len(part)))
        columns: list[Iterable[str]] = []
        for j, letter in enumerate(letters):
            series = part.iloc[:, j]
            if pd.api.types.is_datetime64_any_dtype(series.dtype):
                values: list[object] = [None if pd.isna(v) else v.to_pydatetime() for v in series]
            else:
                values = series.astype(object).where(series.notna(), None).tolist()
            columns.append(_column_cells(values, letter, rows, styles[j]))
        yield "".join(
            f'<row r="{r}">{"".join(cells)}</row>' for r, *cells in zip(rows, *columns, strict=True)
        )
