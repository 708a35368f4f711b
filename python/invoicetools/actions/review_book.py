"""The review workbook: what the 審閱 export writes, as values only, one sheet per exported sheet.

Each sheet: the sheet's title, a header block (公司名稱 + 統一編號, 申報年月, 製表人, 匯出時間,
the sheet's parameters and the step's result line as the sheet shows it), then the table
with its Chinese headers and number formats (IDs as text), a frozen header row, filters,
landscape A4 at 100 % (``review_layout``: columns narrowed to the page, long text wrapped,
rows as tall as their text), header rows repeated on every page and a footer with
第 x / y 頁. Cells use 微軟正黑體 declared as a Traditional-Chinese font (charset 136, Big5).

Every text cell is written with ``write_string`` (never as a formula); text that a spreadsheet
would take as a formula (``= + - @``, tab, CR) also carries Excel's quote prefix.

``printable=True`` builds the copy that is printed to PDF: the same values, with the line
breaks of the wrapped text written into the cells (so that no renderer wraps differently and
clips), and a cell longer than :data:`~review_layout.MAX_LINES` lines going on in the rows
below it (marked 「（續）」): a row never outgrows a page, so nothing is cut off.
"""

from __future__ import annotations

import datetime
import io as _io
import math
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..book import layout
from ..book.layout import Kind, Sheet
from ..book.settings import Settings
from ..domain.errors import InputError, Location
from .base import Context
from .review_layout import (
    EXCEL,
    FONT_SIZE,
    MAX_LINES,
    Metrics,
    fit_widths,
    longest_token,
    row_height,
    wrap_text,
)

if TYPE_CHECKING:
    import pandas as pd
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

__all__ = ["NO_ROWS", "ReviewHeader", "SheetData", "build_review_xlsx", "needs_quote_prefix", "sheet_data"]

NO_ROWS = "（無資料）"
CONTINUED = "（續）"
BIG5_CHARSET = 136  # the font's script: Traditional Chinese
_WIDE_CAP = 60  # no column wider than this, however long its text
_SAMPLE = 5_000  # rows measured for the column widths of the .xlsx (the printed copy measures every row)


def needs_quote_prefix(text: str) -> bool:
    """Text a spreadsheet would read as a formula (or that starts with tab/CR)."""
    from ..book.xlwings_io import looks_like_formula

    return looks_like_formula(text)


@dataclass(frozen=True)
class ReviewHeader:
    """What the header block and the page header/footer show."""

    company: str = ""
    ubn: str = ""
    period_code: str = ""
    period_label: str = ""
    preparer: str = ""
    exported_at: datetime.datetime = field(default_factory=datetime.datetime.now)

    @classmethod
    def from_settings(cls, settings: Settings, now: datetime.datetime) -> ReviewHeader:
        raw_ubn = settings.values.get("統一編號") or ""
        raw_period = settings.values.get("申報年月") or ""
        try:
            ubn = settings.ubn or ""
        except InputError:
            ubn = str(raw_ubn).strip()  # shown as typed; the export is not the place to refuse it
        try:
            period = settings.period
            code, label = (period.code, period.label) if period else ("", "")
        except InputError:
            code, label = str(raw_period).strip(), ""
        return cls(settings.company, ubn, code, label, settings.preparer, now.replace(microsecond=0))

    @property
    def period_text(self) -> str:
        if self.period_code and self.period_label:
            return f"{self.period_code}（{self.period_label}）"
        return self.period_code or "（未設定）"

    @property
    def lines(self) -> list[str]:
        return [
            f"公司名稱：{self.company or '（未設定）'}　統一編號：{self.ubn or '（未設定）'}",
            f"申報年月：{self.period_text}",
            f"製表人：{self.preparer or '（未設定）'}",
            f"匯出時間：{self.exported_at:%Y/%m/%d %H:%M}",
        ]


@dataclass
class SheetData:
    """One exported sheet: its table (typed where possible), parameters and result line."""

    sheet: Sheet
    headers: list[str]
    kinds: list[Kind | None]  # None: a column the layout does not know
    columns: list[list[Any]]
    params: list[str]
    status: str | None = None  # the step's result line, as the sheet shows it

    @property
    def n_rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0


def _shown_param(value: object) -> str:
    if isinstance(value, datetime.datetime):
        return f"{value:%Y/%m/%d}" if value.time() == datetime.time() else f"{value:%Y/%m/%d %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%Y/%m/%d}"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()


def _display_columns(raw: pd.DataFrame, typed: pd.DataFrame, headers: Sequence[str]) -> list[list[Any]]:
    """The typed values, and the cell as found where it could not be typed (nothing is dropped)."""
    import pandas as pd

    from ..book.tables import blank_mask

    out: list[list[Any]] = []
    for h in headers:
        values = typed[h]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            col: list[Any] = [None if pd.isna(v) else v.to_pydatetime() for v in values]
        else:
            col = [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v
                   for v in values.astype(object).tolist()]
        if h in raw.columns:
            raw_values = raw[h].tolist()
            raw_blank = blank_mask(raw[h])
            col = [r if (v is None and not b) else v
                   for v, r, b in zip(col, raw_values, raw_blank.tolist(), strict=True)]
        out.append(col)
    return out


def sheet_data(ctx: Context, sheet: Sheet) -> SheetData:
    """Read one sheet for the export: nothing on it is dropped."""
    from ..book.tables import typed

    assert sheet.table is not None
    table = sheet.table
    raw = ctx.io.read_table(table)
    frame, _ = typed(raw, table, Location(file=ctx.io.name, sheet=sheet.name))
    headers = list(table.headers) + [str(c) for c in frame.columns if c not in table.headers]
    kinds: list[Kind | None] = [table.column(h).kind if h in table.headers else None for h in headers]
    params = []
    if sheet.params:
        values = ctx.io.read_params(sheet)
        for p in sheet.params:
            v = values.get(p.key)
            if v is not None and _shown_param(v):
                params.append(f"{p.label} {_shown_param(v)}")
    status = ctx.io.read_status(sheet) if sheet.status_row is not None else None
    return SheetData(sheet, headers, kinds, _display_columns(raw, frame, headers), params, status)


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------
_DATES = (Kind.DATE, Kind.DATETIME)
_TEXTS = (Kind.TEXT, Kind.ID)


class _Formats:
    """XlsxWriter formats, made once per workbook."""

    def __init__(self, wb: Workbook) -> None:
        self.base: dict[str, Any] = {"font_name": layout.FONT, "font_charset": BIG5_CHARSET, "font_size": FONT_SIZE}
        self.wb = wb
        self.title = wb.add_format({**self.base, "bold": True, "font_size": 14})
        self.info = wb.add_format(self.base)
        self.header = wb.add_format({**self.base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                     "valign": "vcenter", "align": "center"})
        self._cells: dict[tuple[str, bool], Format] = {}

    def cell(self, kind: Kind | None, *, quoted: bool = False) -> Format:
        num = kind.number_format if kind is not None else "General"
        key = (num, quoted)
        if key not in self._cells:
            props: dict[str, Any] = {**self.base, "num_format": num, "border": 1, "valign": "top", "text_wrap": True}
            if quoted:
                props["quote_prefix"] = True
            self._cells[key] = self.wb.add_format(props)
        return self._cells[key]


def _escape_header_footer(text: str) -> str:
    return text.replace("&", "&&")


def _text(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return f"{value:%Y/%m/%d %H:%M}" if value.time() != datetime.time() else f"{value:%Y/%m/%d}"
    if isinstance(value, datetime.date):
        return f"{value:%Y/%m/%d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "item"):  # numpy scalars
        return _text(value.item())
    return str(value)


def _as_text(value: Any, kind: Kind | None) -> str | None:
    """The text a cell shows when it is written as a string; ``None`` for numbers, dates and blanks."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (datetime.datetime, datetime.date, int, float)) and kind not in _TEXTS:
        return None
    return _text(value)


def _write_value(ws: Worksheet, row: int, col: int, value: Any, kind: Kind | None, plain: Format,
                 fmt: _Formats, text: str | None) -> None:
    """One cell: numbers and dates as such (unless the column is text), everything else as a string."""
    if text is not None:
        ws.write_string(row, col, text, fmt.cell(kind, quoted=True) if needs_quote_prefix(text) else plain)
    elif value is None:
        ws.write_blank(row, col, None, plain)
    elif isinstance(value, (datetime.datetime, datetime.date)):
        ws.write_datetime(row, col, value, plain if kind in _DATES else fmt.cell(Kind.DATE))
    else:
        ws.write_number(row, col, value, plain)


def _natural_widths(data: SheetData, metrics: Metrics, sample: int | None) -> tuple[list[float], list[float]]:
    """Per column: the width its longest value asks for, and the least it may get (``sample``: rows looked at)."""
    natural, minimum = [], []
    for h, kind, values in zip(data.headers, data.kinds, data.columns, strict=True):
        texts = [_text(v) for v in (values if sample is None else values[:sample]) if v is not None]
        longest = max((metrics.width(t) for t in texts), default=0.0)
        head = metrics.width(h)
        # a header of up to four characters (機台號, 空白區間) and the header of an empty column stay on
        # one line; a longer one may take two (發票類別 / 代號)
        head_min = head + 1.5 if len(h) <= 4 or not texts else math.ceil(head / 2) + 1
        want = min(max(longest + 1.5, head_min, 5.0), _WIDE_CAP)
        natural.append(want)
        # IDs, numbers and dates are not broken when that can be helped; text wraps, but a range
        # (12345240~12345299), a number or a part of a file name is never cut in two
        if kind in (Kind.ID, Kind.INT, Kind.MONEY, Kind.DATE, Kind.DATETIME):
            least = min(want, 13.0)
        else:
            least = min(want, max(8.0, min(20.0, max((longest_token(t, metrics) for t in texts), default=0.0) + 1.5)))
        minimum.append(max(least, head_min if len(h) <= 4 else math.ceil(head / 3) + 1))
    return natural, minimum


def _header_block(data: SheetData, header: ReviewHeader, width: float, metrics: Metrics) -> list[str]:
    """The rows above the table, wrapped to the table's width (one row per line: the print area ends there)."""
    lines = [*header.lines, f"條件：{'；'.join(data.params) or '（無）'}"]
    if data.status:
        lines += [("結果：" if i == 0 else "　　　") + part for i, part in enumerate(data.status.splitlines())]
    out: list[str] = []
    for line in lines:
        first, *more = wrap_text(line, width, metrics)
        out += [first, *("　　　" + w for w in more)]
    return out


def _write_rows(ws: Worksheet, data: SheetData, first: int, widths: list[float], fmt: _Formats,
                printable: bool, metrics: Metrics) -> int:
    """Write the table's rows from row ``first``; returns the last row written."""
    kinds = data.kinds
    plain = [fmt.cell(k) for k in kinds]
    r = first
    for values in zip(*data.columns, strict=True):  # row by row: constant_memory mode
        texts = [_as_text(v, k) for v, k in zip(values, kinds, strict=True)]
        wrapped = [None if t is None or metrics.width(t) <= w - 1 else wrap_text(t, w - 1, metrics)
                   for t, w in zip(texts, widths, strict=True)]
        lines = max((len(w) for w in wrapped if w is not None), default=1)
        if not printable or lines <= MAX_LINES:
            ws.set_row(r, row_height(min(lines, MAX_LINES + 3)))
            for j, (value, cell_lines) in enumerate(zip(values, wrapped, strict=True)):
                shown = "\n".join(cell_lines) if printable and cell_lines is not None else texts[j]
                _write_value(ws, r, j, value, kinds[j], plain[j], fmt, shown)
            r += 1
            continue
        for part in range(0, lines, MAX_LINES):  # a cell taller than a page goes on in the rows below
            ws.set_row(r, row_height(min(MAX_LINES, lines - part)))
            for j, value in enumerate(values):
                chunk = wrapped[j]
                if chunk is not None:
                    piece = chunk[part:part + MAX_LINES]
                    _write_value(ws, r, j, None, kinds[j], plain[j], fmt, "\n".join(piece) if piece else None)
                elif part == 0:
                    _write_value(ws, r, j, value, kinds[j], plain[j], fmt, texts[j])
                elif j == 0:
                    ws.write_string(r, j, CONTINUED, fmt.cell(Kind.TEXT))
                else:
                    ws.write_blank(r, j, None, plain[j])
            r += 1
    return r - 1


def _write_sheet(wb: Workbook, data: SheetData, header: ReviewHeader, fmt: _Formats, printable: bool,
                 metrics: Metrics) -> None:
    sheet = data.sheet
    ws = wb.add_worksheet(sheet.name)
    ws.write_string(0, 0, sheet.title, fmt.title)
    widths, scale = fit_widths(*_natural_widths(data, metrics, None if printable else _SAMPLE), metrics)
    lines = _header_block(data, header, sum(widths) + metrics.pad * (len(widths) - 1) - 4, metrics)
    for i, line in enumerate(lines, start=1):
        ws.write_string(i, 0, line, fmt.info)
    head = len(lines) + 2  # a blank row between the block and the table
    n_cols = len(data.headers)
    head_lines = max(len(wrap_text(h, w - 1, metrics)) for h, w in zip(data.headers, widths, strict=True))
    ws.set_row(head, row_height(head_lines))
    for j, h in enumerate(data.headers):
        ws.set_column(j, j, widths[j])
        ws.write_string(head, j, "\n".join(wrap_text(h, widths[j] - 1, metrics)) if printable else h, fmt.header)
    first = head + 1
    if data.n_rows == 0:
        ws.write_string(first, 0, NO_ROWS, fmt.info)  # not wrapped: it runs on over the empty cells
        last = first
    else:
        last = _write_rows(ws, data, first, widths, fmt, printable, metrics)
    ws.freeze_panes(first, 0)
    ws.autofilter(head, 0, last, n_cols - 1)
    ws.repeat_rows(head)
    ws.print_area(0, 0, last, n_cols - 1)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.set_print_scale(scale)  # 100 % unless the narrowest columns do not fit; never below 80 %
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    company = _escape_header_footer(" ".join(p for p in (header.company, header.ubn) if p))
    ws.set_header(f"&L{company}&C{_escape_header_footer(sheet.title)}&R申報年月 {_escape_header_footer(header.period_code)}")
    ws.set_footer(f"&L製表人：{_escape_header_footer(header.preparer)}&C第 &P / &N 頁"
                  f"&R匯出時間：{header.exported_at:%Y/%m/%d %H:%M}")


def build_review_xlsx(sheets: Iterable[SheetData], header: ReviewHeader, *, printable: bool = False,
                      metrics: Metrics = EXCEL) -> bytes:
    """The values-only workbook, as bytes, laid out for ``metrics``' renderer (``printable``: the copy printed to PDF)."""
    import xlsxwriter

    buffer = _io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {
        "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
        "constant_memory": True, "tmpdir": tempfile.gettempdir(),
    })
    wb.set_properties({
        "title": "InvoiceTools 審閱",
        "author": header.preparer,
        "company": header.company,
        "created": header.exported_at,
        "comments": f"統一編號 {header.ubn}；申報年月 {header.period_code}",
    })
    fmt = _Formats(wb)
    for data in sheets:
        _write_sheet(wb, data, header, fmt, printable, metrics)
    wb.close()
    return buffer.getvalue()
