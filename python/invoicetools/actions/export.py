"""Export for review (審閱): a values-only .xlsx and a PDF of chosen sheets.

The .xlsx (XlsxWriter, no macros, no formulas) holds, on each exported sheet, a header
block (公司名稱 + 統一編號, 申報年月, 製表人, 匯出時間, the sheet's parameters), then the
table with its Chinese headers and number formats (IDs as text), a frozen header row,
filters, landscape A4 fitted to the page width, header rows repeated on every page and a
footer with 第 x / y 頁. Every text cell is written with ``write_string`` (never as a
formula); text that a spreadsheet would take as a formula (``= + - @``, tab, CR) also
carries Excel's quote prefix, so editing the cell later keeps it text.

The PDF is that same .xlsx printed: by LibreOffice headless on the command line
(:func:`render_pdf_libreoffice`: a fresh profile in a temp folder, a timeout, zh-TW CJK
shaping with Noto Sans CJK TC standing in for 微軟正黑體), or by Excel itself inside Excel
(``excel/review.py``). One section (page run) per sheet.

Outputs are written atomically (``actions.files``) and recorded with their sha256 in
執行紀錄 (``finish``).

>>> default_name("04595257", "11402", datetime.datetime(2025, 3, 3, 9, 5), "pdf")
'04595257_11402_審閱_20250303-0905.pdf'
>>> default_name(None, None, datetime.datetime(2025, 3, 3, 9, 5), "xlsx")
'InvoiceTools_審閱_20250303-0905.xlsx'
>>> needs_quote_prefix("=1+1"), needs_quote_prefix("-"), needs_quote_prefix("AB00000001")
(True, True, False)
"""

from __future__ import annotations

import datetime
import io as _io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..book import layout
from ..book.layout import Kind, Sheet
from ..book.settings import Settings, read_settings
from ..domain.errors import InputError, Location, describe_os_error
from .base import ActionResult, Context, finish
from .files import transaction

if TYPE_CHECKING:
    import pandas as pd
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

__all__ = [
    "DEFAULT_SHEETS",
    "PDF_MAX_ROWS",
    "SOFFICE_MISSING",
    "STEP",
    "PdfRenderer",
    "ReviewHeader",
    "build_review_xlsx",
    "default_name",
    "export_review",
    "exportable_sheets",
    "find_soffice",
    "needs_quote_prefix",
    "parse_sheet_list",
    "render_pdf_libreoffice",
    "resolve_sheets",
    "review_file_name",
]

STEP = "審閱匯出"
DEFAULT_SHEETS = ("配號設定", "漏上傳檢核", "跳號作廢", "E0402")
PDF_MAX_ROWS = 20_000  # beyond this a PDF is no longer something to read: export the .xlsx
PDF_TIMEOUT = 180.0  # seconds
FALLBACK_FONT = "Noto Sans CJK TC"
SOFFICE_ENV = "INVOICETOOLS_SOFFICE"
NO_ROWS = "（無資料）"

SOFFICE_MISSING = (
    "找不到 LibreOffice（soffice），無法在命令列產生 PDF。"
    "安裝方法：Windows／macOS 請到 https://zh-tw.libreoffice.org/download/ 下載安裝；"
    "Debian／Ubuntu 請執行 sudo apt-get install libreoffice-calc-nogui fonts-noto-cjk。"
    f"已安裝在其他位置時，請把環境變數 {SOFFICE_ENV} 設為 soffice 執行檔的完整路徑。"
    "也可以先用 --xlsx 匯出，或在 Excel 中按[匯出PDF]。"
)

PdfRenderer = Callable[[bytes], bytes]  # the values-only .xlsx → the PDF


def needs_quote_prefix(text: str) -> bool:
    """Text a spreadsheet would read as a formula (or that starts with tab/CR)."""
    from ..book.xlwings_io import looks_like_formula

    return looks_like_formula(text)


def default_name(ubn: str | None, period: str | None, when: datetime.datetime, ext: str) -> str:
    """``<統編>_<申報年月>_審閱_<yyyymmdd-HHMM>.<ext>`` (parts that are not set are left out)."""
    parts = [p for p in (ubn, period) if p] or ["InvoiceTools"]
    return "_".join([*parts, "審閱", when.strftime("%Y%m%d-%H%M")]) + f".{ext}"


def review_file_name(settings: Settings, when: datetime.datetime, ext: str) -> str:
    """:func:`default_name` from [設定]; a 統一編號/申報年月 that does not validate is left out of the name."""
    try:
        ubn = settings.ubn
    except InputError:
        ubn = None
    try:
        period = settings.period
    except InputError:
        period = None
    return default_name(ubn, period.code if period else None, when, ext)


# --------------------------------------------------------------------------------------------
# which sheets
# --------------------------------------------------------------------------------------------
def exportable_sheets() -> tuple[str, ...]:
    """Every sheet with a table, except the hidden xlwings settings."""
    return tuple(s.name for s in layout.SHEETS if s.table is not None and s.role is not layout.Role.HIDDEN)


def parse_sheet_list(text: str) -> list[str]:
    """``漏上傳檢核,跳號作廢`` (also 、，; and spaces) → names.

    >>> parse_sheet_list("漏上傳檢核、跳號作廢, E0402")
    ['漏上傳檢核', '跳號作廢', 'E0402']
    """
    return [p for p in (x.strip() for x in re.split(r"[,，、;；\s]+", text)) if p]


def resolve_sheets(names: Sequence[str] | None) -> list[Sheet]:
    """Layout sheets by name, in the order given (duplicates dropped); unknown names refused."""
    if not names:
        return [layout.sheet(n) for n in DEFAULT_SHEETS]
    allowed = exportable_sheets()
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise InputError(
            f"無法匯出的工作表「{'、'.join(unknown)}」；可匯出的工作表：{'、'.join(allowed)}"
        )
    return [layout.sheet(n) for n in dict.fromkeys(names)]


# --------------------------------------------------------------------------------------------
# the values-only workbook
# --------------------------------------------------------------------------------------------
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
class _SheetData:
    sheet: Sheet
    headers: list[str]
    kinds: list[Kind | None]  # None: a column the layout does not know
    columns: list[list[Any]]
    params: list[str]

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


def _sheet_data(ctx: Context, sheet: Sheet) -> _SheetData:
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
    return _SheetData(sheet, headers, kinds, _display_columns(raw, frame, headers), params)


class _Formats:
    """XlsxWriter formats, made once per workbook."""

    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": layout.FONT, "font_size": 10}
        self.wb = wb
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.info = wb.add_format(base)
        self.header = wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                     "valign": "vcenter", "align": "center"})
        self._cells: dict[tuple[str, bool], Format] = {}

    def cell(self, kind: Kind | None, *, quoted: bool = False) -> Format:
        num = kind.number_format if kind is not None else "General"
        key = (num, quoted)
        if key not in self._cells:
            props: dict[str, Any] = {"font_name": layout.FONT, "font_size": 10, "num_format": num, "border": 1}
            if quoted:
                props["quote_prefix"] = True
            self._cells[key] = self.wb.add_format(props)
        return self._cells[key]


def _escape_header_footer(text: str) -> str:
    return text.replace("&", "&&")


_DATES = (Kind.DATE, Kind.DATETIME)
_TEXTS = (Kind.TEXT, Kind.ID)


def _write_value(ws: Worksheet, row: int, col: int, value: Any, kind: Kind | None, plain: Format,
                 fmt: _Formats) -> None:
    """One cell: numbers and dates as such (unless the column is text), everything else as a string."""
    if value is None:
        ws.write_blank(row, col, None, plain)
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt.cell(kind, quoted=True) if needs_quote_prefix(value) else plain)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", plain)
    elif isinstance(value, (datetime.datetime, datetime.date)) and kind not in _TEXTS:
        ws.write_datetime(row, col, value, plain if kind in _DATES else fmt.cell(Kind.DATE))
    elif isinstance(value, (int, float)) and kind not in _TEXTS:
        ws.write_number(row, col, value, plain)
    else:
        text = _text(value)
        ws.write_string(row, col, text, fmt.cell(kind, quoted=True) if needs_quote_prefix(text) else plain)


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


def _write_sheet(wb: Workbook, data: _SheetData, header: ReviewHeader, fmt: _Formats) -> None:
    sheet = data.sheet
    ws = wb.add_worksheet(sheet.name)
    ws.write_string(0, 0, sheet.title, fmt.title)
    lines = [*header.lines, f"條件：{'；'.join(data.params) or '（無）'}"]  # the same rows on every sheet
    for i, line in enumerate(lines, start=1):
        ws.write_string(i, 0, line, fmt.info)
    head = len(lines) + 2  # a blank row between the block and the table
    n_cols = len(data.headers)
    for j, (h, kind) in enumerate(zip(data.headers, data.kinds, strict=True)):
        width = sheet.table.column(h).width if sheet.table is not None and kind is not None else 12
        ws.set_column(j, j, width)
        ws.write_string(head, j, h, fmt.header)
    first = head + 1
    if data.n_rows == 0:
        ws.write_string(first, 0, NO_ROWS, fmt.cell(Kind.TEXT))
        last = first
    else:
        kinds = data.kinds
        plain = [fmt.cell(k) for k in kinds]
        for i, row in enumerate(zip(*data.columns, strict=True)):  # row by row: constant_memory mode
            for j, value in enumerate(row):
                _write_value(ws, first + i, j, value, kinds[j], plain[j], fmt)
        last = first + data.n_rows - 1
    ws.freeze_panes(first, 0)
    ws.autofilter(head, 0, last, n_cols - 1)
    ws.repeat_rows(head)
    ws.print_area(0, 0, last, n_cols - 1)
    ws.set_paper(9)  # A4
    if sheet.landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    company = _escape_header_footer(" ".join(p for p in (header.company, header.ubn) if p))
    ws.set_header(f"&L{company}&C{_escape_header_footer(sheet.title)}&R申報年月 {_escape_header_footer(header.period_code)}")
    ws.set_footer(f"&L製表人：{_escape_header_footer(header.preparer)}&C第 &P / &N 頁"
                  f"&R匯出時間：{header.exported_at:%Y/%m/%d %H:%M}")


def build_review_xlsx(sheets: Iterable[_SheetData], header: ReviewHeader) -> bytes:
    """The values-only workbook, as bytes."""
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
        _write_sheet(wb, data, header, fmt)
    wb.close()
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# PDF through LibreOffice
# --------------------------------------------------------------------------------------------
def find_soffice() -> Path | None:
    """LibreOffice's ``soffice``: ``$INVOICETOOLS_SOFFICE``, the PATH, then the usual install folders."""
    configured = os.environ.get(SOFFICE_ENV)
    if configured:
        path = Path(configured)
        return path if path.is_file() else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Path(found)
    candidates: list[Path] = []
    if sys.platform.startswith("win"):
        for var in ("ProgramFiles", "ProgramFiles(x86)", "ProgramW6432"):
            base = os.environ.get(var)
            if base:
                candidates.append(Path(base) / "LibreOffice" / "program" / "soffice.exe")
    elif sys.platform == "darwin":
        candidates.append(Path("/Applications/LibreOffice.app/Contents/MacOS/soffice"))
    return next((c for c in candidates if c.is_file()), None)


def _profile_settings() -> str:
    """LibreOffice settings for the throw-away profile: zh-TW as the CJK language (Traditional
    glyph shapes from the Noto CJK fonts) and Noto Sans CJK TC where 微軟正黑體 is missing."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Linguistic/General"><prop oor:name="DefaultLocale_CJK" oor:op="fuse"><value>zh-TW</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/I18N/CJK"><prop oor:name="CJKFont" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Font/Substitution"><prop oor:name="Replacement" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Font/Substitution/FontPairs"><node oor:name="_0" oor:op="replace"><prop oor:name="Always" oor:op="fuse"><value>false</value></prop><prop oor:name="OnScreenOnly" oor:op="fuse"><value>false</value></prop><prop oor:name="ReplaceFont" oor:op="fuse"><value>{layout.FONT}</value></prop><prop oor:name="SubstituteFont" oor:op="fuse"><value>{FALLBACK_FONT}</value></prop></node></item>
</oor:items>
"""


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop soffice and what it started (soffice is a launcher for soffice.bin)."""
    try:
        if sys.platform.startswith("win"):
            proc.kill()
        else:
            os.killpg(proc.pid, 9)
    except OSError:
        pass
    proc.wait()


def render_pdf_libreoffice(xlsx: bytes, *, soffice: Path | None = None, timeout: float = PDF_TIMEOUT) -> bytes:
    """Print the values-only workbook to PDF with LibreOffice headless; every sheet in order."""
    exe = soffice or find_soffice()
    if exe is None:
        raise InputError(SOFFICE_MISSING)
    with tempfile.TemporaryDirectory(prefix="invoicetools-pdf-") as tmp:
        folder = Path(tmp)
        profile = folder / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_profile_settings(), encoding="utf-8")
        source = folder / "review.xlsx"
        source.write_bytes(xlsx)
        out_dir = folder / "out"
        command = [
            str(exe), f"-env:UserInstallation={profile.as_uri()}",
            "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
            "--convert-to", "pdf", "--outdir", str(out_dir), str(source),
        ]
        try:
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=not sys.platform.startswith("win"))
        except OSError as exc:
            raise InputError(f"無法啟動 LibreOffice（{exe}）：{exc.strerror or exc}。{SOFFICE_MISSING}") from exc
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(proc)
            raise InputError(
                f"LibreOffice 在 {timeout:g} 秒內沒有完成 PDF，已停止；請改用 --xlsx 匯出，"
                "或用 --sheets 只匯出需要的工作表"
            ) from None
        pdf = out_dir / "review.pdf"
        if proc.returncode != 0 or not pdf.is_file():
            detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] if err else []
            raise InputError(
                "LibreOffice 無法產生 PDF" + (f"（{detail[0]}）" if detail else "") + "；請確認 LibreOffice 可正常開啟"
            )
        return pdf.read_bytes()


# --------------------------------------------------------------------------------------------
# the action
# --------------------------------------------------------------------------------------------
def export_review(
    ctx: Context,
    *,
    pdf: Path | None = None,
    xlsx: Path | None = None,
    sheets: Sequence[str] | None = None,
    pdf_renderer: PdfRenderer | None = None,
) -> ActionResult:
    """Export ``sheets`` (default :data:`DEFAULT_SHEETS`) to a values-only .xlsx and/or a PDF."""
    if pdf is None and xlsx is None:
        raise InputError("請指定匯出的檔案：--pdf OUT.pdf 和／或 --xlsx OUT.xlsx")
    for path, ext in ((pdf, ".pdf"), (xlsx, ".xlsx")):
        if path is not None and path.suffix.lower() != ext:
            raise InputError(f"匯出檔的副檔名應為 {ext}", where=Location(file=str(path)))
    chosen = resolve_sheets(sheets)
    now = ctx.now()
    header = ReviewHeader.from_settings(read_settings(ctx.io), now)
    ctx.progress("讀取工作表", None, None)
    data = [_sheet_data(ctx, s) for s in chosen]
    total = sum(d.n_rows for d in data)
    if pdf is not None and total > PDF_MAX_ROWS:
        raise InputError(
            f"要匯出的資料共 {total:,} 列，超過 PDF 上限 {PDF_MAX_ROWS:,} 列；"
            "請改匯出 xlsx（--xlsx），或只選需要的工作表（--sheets）"
        )
    ctx.progress("產生 xlsx", None, None)
    try:
        book = build_review_xlsx(data, header)
    except Exception as exc:  # XlsxWriter keeps big sheets in temp files (and wraps their errors)
        cause = exc if isinstance(exc, OSError) else next((a for a in exc.args if isinstance(a, OSError)), None)
        if cause is None:
            raise
        raise InputError(f"無法產生審閱用 xlsx（暫存資料夾 {tempfile.gettempdir()}）：{describe_os_error(cause)}") from exc
    pdf_bytes = None
    if pdf is not None:
        ctx.progress("產生 PDF", None, None)
        pdf_bytes = (pdf_renderer or render_pdf_libreoffice)(book)
    with transaction() as tx:  # the files are taken back if the workbook cannot be written
        if xlsx is not None:
            tx.add(xlsx, book)
        if pdf is not None and pdf_bytes is not None:
            tx.add(pdf, pdf_bytes)
        outputs = tx.commit()
        names = [d.sheet.name for d in data]
        kinds = "、".join(k for k, p in (("PDF", pdf), ("xlsx", xlsx)) if p is not None)
        result = ActionResult(
            STEP,
            f"已匯出 {len(names)} 張工作表（{'、'.join(names)}）共 {total:,} 列為 {kinds}。",
            counts={d.sheet.name: d.n_rows for d in data},
            outputs=outputs,
            params={"sheets": ",".join(names), "pdf": pdf.name if pdf else None, "xlsx": xlsx.name if xlsx else None},
            rows=[{"檔案": str(o.path), "sha256": o.sha256} for o in outputs],
        )
        return finish(ctx, result, files=tx)
