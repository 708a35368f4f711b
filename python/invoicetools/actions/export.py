"""Export for review (審閱): a values-only .xlsx and a PDF of chosen sheets.

The workbook is built by ``review_book`` (header block with the step's result line, the
table, landscape A4 at 100 % with the columns fitted to the page and long text wrapped,
header rows repeated, 第 x / y 頁). The PDF is the printable copy of it printed: by
LibreOffice headless on the command line (:func:`render_pdf_libreoffice`: a fresh profile
in a temp folder, a timeout, zh-TW as the document language and for CJK shaping, Noto Sans
CJK TC standing in for 微軟正黑體), or by Excel itself inside Excel (``excel/review.py``).
One section (page run) per sheet.

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
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from ..book import layout
from ..book.layout import Sheet
from ..book.settings import Settings, read_settings
from ..domain.errors import InputError, Location, describe_os_error
from .base import ActionResult, Context, finish
from .files import transaction
from .review_book import NO_ROWS, ReviewHeader, build_review_xlsx, needs_quote_prefix, sheet_data
from .review_layout import DEFAULT_SHEETS, LIBREOFFICE, PDF_TIMEOUT, Metrics

__all__ = [
    "DEFAULT_SHEETS",
    "NO_ROWS",
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
PDF_MAX_ROWS = 20_000  # beyond this a PDF is no longer something to read: export the .xlsx
FALLBACK_FONT = "Noto Sans CJK TC"
SOFFICE_ENV = "INVOICETOOLS_SOFFICE"

SOFFICE_MISSING = (
    "找不到 LibreOffice（soffice），無法在命令列產生 PDF。"
    "安裝方法：Windows／macOS 請到 https://zh-tw.libreoffice.org/download/ 下載安裝；"
    "Debian／Ubuntu 請執行 sudo apt-get install libreoffice-calc-nogui fonts-noto-cjk。"
    f"已安裝在其他位置時，請把環境變數 {SOFFICE_ENV} 設為 soffice 執行檔的完整路徑。"
    "也可以先用 --xlsx 匯出，或在 Excel 中按[匯出PDF]。"
)

PdfRenderer = Callable[[bytes], bytes]  # the values-only .xlsx → the PDF


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
    """LibreOffice settings for the throw-away profile: zh-TW as the locale (the PDF's /Lang)
    and as the CJK language (Traditional glyph shapes from the Noto CJK fonts), and Noto Sans
    CJK TC where 微軟正黑體 is missing."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>zh-TW</value></prop></item>
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
    pdf_metrics: Metrics = LIBREOFFICE,
) -> ActionResult:
    """Export ``sheets`` (default :data:`DEFAULT_SHEETS`) to a values-only .xlsx and/or a PDF.

    ``pdf_metrics`` says how the PDF renderer sizes columns and text (LibreOffice by default;
    Excel when Excel prints it), so that the printable copy fits its pages.
    """
    if pdf is None and xlsx is None:
        raise InputError("請指定匯出的檔案：--pdf OUT.pdf 和／或 --xlsx OUT.xlsx")
    for path, ext in ((pdf, ".pdf"), (xlsx, ".xlsx")):
        if path is not None and path.suffix.lower() != ext:
            raise InputError(f"匯出檔的副檔名應為 {ext}", where=Location(file=str(path)))
    chosen = resolve_sheets(sheets)
    now = ctx.now()
    header = ReviewHeader.from_settings(read_settings(ctx.io), now)
    ctx.progress("讀取工作表", None, None)
    data = [sheet_data(ctx, s) for s in chosen]
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
        printable = build_review_xlsx(data, header, printable=True, metrics=pdf_metrics)  # line breaks as printed
        pdf_bytes = (pdf_renderer or render_pdf_libreoffice)(printable)
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
