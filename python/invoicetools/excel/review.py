"""Excel entry points of the 審閱 buttons: 匯出PDF and 匯出xlsx.

The sheets are the tabs the accountant has selected (Ctrl-click to group several) when they
can be exported, else the step sheets (``actions.export.DEFAULT_SHEETS``). The file goes to
[設定] 輸出資料夾, else next to the workbook (when it is a local file, not OneDrive/SharePoint),
else to a folder the accountant picks, named ``<統編>_<申報年月>_審閱_<yyyymmdd-HHMM>``. The PDF is
printed by Excel itself from the same values-only workbook the xlsx export writes (opened
hidden behind the screen-updating pause, exported, closed), so both look the same.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..actions.base import ActionResult, Context
    from ..actions.export import PdfRenderer

__all__ = ["excel_pdf_renderer", "export_pdf", "export_xlsx"]


def excel_pdf_renderer(app: Any) -> PdfRenderer:
    """Print the values-only workbook to PDF with Excel (``Book.to_pdf``), in a temp folder."""

    def render(xlsx: bytes) -> bytes:
        with tempfile.TemporaryDirectory(prefix="invoicetools-pdf-") as tmp:
            source = Path(tmp) / "審閱.xlsx"
            source.write_bytes(xlsx)
            pdf = Path(tmp) / "審閱.pdf"
            book = app.books.open(str(source), read_only=True)
            try:
                book.to_pdf(str(pdf))
            finally:
                book.close()
            return pdf.read_bytes()

    return render


def _chosen_sheets(ctx: Context) -> list[str] | None:
    from ..actions.export import exportable_sheets
    from ..book.xlwings_io import XlwingsBook

    if not isinstance(ctx.io, XlwingsBook):
        return None
    allowed = exportable_sheets()
    chosen = [name for name in ctx.io.selected_sheets() if name in allowed]
    return chosen or None


def _folder(ctx: Context) -> Path | None:
    from ..book.settings import read_settings
    from ..book.xlwings_io import XlwingsBook

    configured = read_settings(ctx.io).output_dir
    if configured is not None:
        return configured
    if isinstance(ctx.io, XlwingsBook) and ctx.io.folder is not None:
        return ctx.io.folder
    return ctx.choose_folder("選擇匯出審閱檔案的資料夾")


def _export(ctx: Context, ext: str) -> ActionResult:
    from ..actions.base import ActionResult
    from ..actions.export import STEP, export_review, review_file_name
    from ..book.settings import read_settings
    from ..book.xlwings_io import XlwingsBook

    folder = _folder(ctx)
    if folder is None:
        return ActionResult(STEP, "沒有選擇資料夾，未匯出。")
    now = ctx.now()
    ctx.now = lambda: now  # the file name and the header block show the same minute
    path = folder / review_file_name(read_settings(ctx.io), now, ext)
    sheets = _chosen_sheets(ctx)
    if ext == "pdf":
        from ..actions.review_layout import EXCEL, LIBREOFFICE

        renderer = excel_pdf_renderer(ctx.io.app) if isinstance(ctx.io, XlwingsBook) else None
        return export_review(ctx, pdf=path, sheets=sheets, pdf_renderer=renderer,
                             pdf_metrics=LIBREOFFICE if renderer is None else EXCEL)
    return export_review(ctx, xlsx=path, sheets=sheets)


def export_pdf() -> None:
    """[匯出PDF]: the selected (or the step) sheets as a PDF for review."""
    from ._entry import run_in_excel

    run_in_excel("export_pdf", lambda ctx: _export(ctx, "pdf"))


def export_xlsx() -> None:
    """[匯出xlsx]: the selected (or the step) sheets as a values-only .xlsx with the header block."""
    from ._entry import run_in_excel

    run_in_excel("export_xlsx", lambda ctx: _export(ctx, "xlsx"))
