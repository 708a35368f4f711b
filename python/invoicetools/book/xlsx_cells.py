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
>>> cell_xml("E4", "a\\r\\nb", None)
'<c r="E4" t="inlineStr"><is><t xml:space="preserve">a_x000D_\\nb</t></is></c>'
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
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from ..domain.dates import EXCEL_EPOCH
from ..domain.errors import InputError
from .xlwings_io import looks_like_formula

if TYPE_CHECKING:
    pass

__all__ = ["MAX_CELL_TEXT", "Quote", "cell_xml", "escape_text", "excel_serial"]


class Quote(Protocol):
    """Style index → the style with Excel's quote prefix (``xlsx_styles.QuoteStyles``)."""

    def get(self, style: int | None) -> int: ...


MAX_CELL_TEXT = 32767  # Excel's limit per cell
_ESCAPE_SEQ = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
# characters XML 1.0 cannot hold, and CR, which a reader turns into LF: stored as Excel stores them
_ILLEGAL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_EPOCH_ORDINAL = EXCEL_EPOCH.toordinal()


def escape_text(text: str) -> str:
    """XML-escape, keep literal ``_xHHHH_`` literal, store control characters as Excel does."""
    text = _ESCAPE_SEQ.sub(r"_x005F_\1", text)
    text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def excel_serial(value: datetime.date | datetime.datetime) -> str:
    """Excel's serial day number (1900 system); date-times keep whole seconds.

    The day fraction is rounded to 10 places the way numpy's ``round`` does it (scale, round
    half to even, scale back), so that a whole column written at once (``xlsx_columns``) gives
    the same digits: 45296.5729166667 for 2024-01-05 13:45:00.

    >>> excel_serial(datetime.datetime(2024, 1, 5, 13, 45)), excel_serial(datetime.date(2024, 1, 5))
    ('45296.5729166667', '45296')
    """
    if isinstance(value, datetime.datetime):
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        days = value.toordinal() - _EPOCH_ORDINAL
        if seconds == 0:
            return str(days)
        return repr(round((days + seconds / 86400) * 1e10) / 1e10)
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
