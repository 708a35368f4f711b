"""Page layout of the review export: column widths that fit a landscape A4 page, text wrapped to them.

The text stays 10 pt where the page allows (never below 8 pt): the columns are narrowed to
the page width and long text wraps inside them, each row as tall as its longest cell; only
when the columns cannot get narrower (IDs and dates are not broken) is the page printed at
a smaller scale, 80 % at the least. Widths are in spreadsheet column units, whose size
depends on the renderer (:class:`Metrics`, measured: LibreOffice draws a unit as 7 pt plus
5 pt of padding per column, Excel as 5.25 pt plus 3.75 pt); text is measured generously for
the renderer's fonts, so that it never needs more lines than counted here.

>>> EXCEL.width("發票AB12"), LIBREOFFICE.width("發票AB12")
(8.4, 7.0)
>>> wrap_text("12343630~12343633、12347832、12349103", 22, EXCEL)
['12343630~12343633、', '12347832、12349103']
>>> wrap_text("E0402_53212539_11402_KA_07.xml", 18, EXCEL)
['E0402_53212539_', '11402_KA_07.xml']
>>> wrap_text("7fedf24de8cfae124b3d8fff8aaaaaaa", 12, EXCEL)
['7fedf24de8', 'cfae124b3d', '8fff8aaaaa', 'aa']
>>> fit_widths([8, 40, 130, 6], [4, 6, 6, 3], EXCEL, available=100)
([5.8, 22.1, 64.7, 4.4], 100)
>>> fit_widths([12, 30, 30], [12, 20, 20], EXCEL, available=50)  # minimums do not fit: printed smaller
([12.0, 20.0, 20.0], 92)
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "DEFAULT_SHEETS",
    "EXCEL",
    "FONT_SIZE",
    "LIBREOFFICE",
    "LINE_HEIGHT",
    "MAX_LINES",
    "MIN_SCALE",
    "PDF_TIMEOUT",
    "Metrics",
    "fit_widths",
    "longest_token",
    "row_height",
    "wrap_text",
]

DEFAULT_SHEETS = ("配號設定", "漏上傳檢核", "跳號作廢", "E0402")  # what a review exports unless told
PDF_TIMEOUT = 180.0  # seconds LibreOffice may take for the PDF
FONT_SIZE = 10  # pt, every cell of the review workbook
LINE_HEIGHT = 15.0  # pt per line of 10 pt text (Noto Sans CJK's line is 1.45 em)
MAX_LINES = 18  # lines of one printed row (it fits a page below the header block); more go on below
MIN_SCALE = 80  # % : 10 pt text is never printed below 8 pt
_PAGE_PT = (11.69 - 0.4 - 0.4) * 72 * 0.96  # landscape A4 less the side margins, 4 % to spare
_BREAK_AFTER = re.compile(r"(?<=[、，,；;。：:\s_/\\|）)])")


@dataclass(frozen=True)
class Metrics:
    """How a renderer sizes columns and 10 pt text, in column units."""

    unit_pt: float  # one column unit
    pad_pt: float  # the padding every column adds
    cjk: float  # a CJK (or full-width) character
    other: float  # any other character (generously: digits and most letters are narrower)

    @property
    def page_units(self) -> float:
        return _PAGE_PT / self.unit_pt

    @property
    def pad(self) -> float:
        return self.pad_pt / self.unit_pt

    def width(self, text: str) -> float:
        """Width of ``text`` in column units."""
        wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
        return round(wide * self.cjk + (len(text) - wide) * self.other, 2)


LIBREOFFICE = Metrics(7.0, 5.0, 1.5, 1.0)  # Noto Sans CJK TC for CJK, DejaVu Sans (≤ 6.9 pt) for the rest
EXCEL = Metrics(5.25, 3.75, 2.0, 1.1)  # 微軟正黑體 10 pt on a 7-pixel column unit


def _hard_split(token: str, width: float, metrics: Metrics) -> list[str]:
    out, line, used = [], "", 0.0
    for ch in token:
        w = metrics.width(ch)
        if line and used + w > width:
            out.append(line)
            line, used = "", 0.0
        line += ch
        used += w
    return [*out, line] if line else out


def longest_token(text: str, metrics: Metrics) -> float:
    """Width of the widest piece of ``text`` that :func:`wrap_text` keeps whole (a range, a file name part).

    >>> longest_token("12343630~12343633、12347832", LIBREOFFICE)
    18.5
    """
    return max((metrics.width(t) for t in _BREAK_AFTER.split(text) if t), default=0.0)


def wrap_text(text: str, width: float, metrics: Metrics) -> list[str]:
    """``text`` in lines no wider than ``width``: breaks after 、，；: spaces _ / and the like,
    a token longer than a line is cut by characters, line breaks in the text are kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if metrics.width(paragraph) <= width:
            lines.append(paragraph)
            continue
        line, used = "", 0.0
        for token in (t for t in _BREAK_AFTER.split(paragraph) if t):
            w = metrics.width(token)
            if line and used + w > width:
                lines.append(line.rstrip())
                line, used = "", 0.0
            if w > width:
                *full, token = _hard_split(token, width, metrics)
                lines.extend(full)
                w = metrics.width(token)
            line += token
            used += w
        if line:
            lines.append(line.rstrip())
    return lines or [""]


def fit_widths(natural: Sequence[float], minimum: Sequence[float], metrics: Metrics, *,
               available: float | None = None) -> tuple[list[float], int]:
    """Column widths that fit the page (``available`` units, padding included), and the print scale in %.

    Every column gets at least its ``minimum``; what the page has left goes to the columns in
    proportion to how much more they want (up to ``natural``). When the minimums do not fit,
    the page is printed at the scale that fits them (not below :data:`MIN_SCALE`), and as a
    last resort every column is narrowed alike.
    """
    room = (metrics.page_units if available is None else available) - metrics.pad * len(natural)
    least = [min(m, n) for m, n in zip(minimum, natural, strict=True)]
    scale = 100
    if sum(least) > room:
        scale = max(MIN_SCALE, math.floor(100 * room / sum(least)))
        room = room * 100 / scale
    extra = room - sum(least)
    if extra < 0:
        factor = room / sum(least)
        return [math.floor(w * factor * 10) / 10 for w in least], scale
    want = [n - m for n, m in zip(natural, least, strict=True)]
    if sum(want) <= extra:
        return list(natural), scale
    share = extra / sum(want)
    return [m + math.floor(w * share * 10) / 10 for m, w in zip(least, want, strict=True)], scale


def row_height(lines: int) -> float:
    """Height in points of a row whose tallest cell has ``lines`` lines."""
    return round(max(lines, 1) * LINE_HEIGHT + 3, 1)
