"""Export for review from the open workbook: the selected tabs (or the step sheets) into the usual folder.

The folder is [設定] 輸出資料夾, else the workbook's own folder (a local file, not
OneDrive/SharePoint), else one the accountant chooses; the file is named
``<統編>_<申報年月>_審閱_<yyyymmdd-HHMM>``. The PDF is printed by the host's own printer when it
has one (Excel), else by LibreOffice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..book.settings import read_settings
from .base import ActionResult, Context

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["export_review_here"]


def _chosen_sheets(ctx: Context) -> list[str] | None:
    from .export import exportable_sheets

    allowed = exportable_sheets()
    chosen = [name for name in ctx.host.selected_sheets() if name in allowed]
    return chosen or None


def _folder(ctx: Context) -> Path | None:
    configured = read_settings(ctx.io).output_dir
    if configured is not None:
        return configured
    return ctx.host.workbook_folder() or ctx.host.choose_folder("選擇匯出審閱檔案的資料夾")


def export_review_here(ctx: Context, ext: str) -> ActionResult:
    """[匯出PDF] / [匯出xlsx]: ``ext`` is ``pdf`` or ``xlsx``."""
    from .export import STEP, export_review, review_file_name

    folder = _folder(ctx)
    if folder is None:
        return ActionResult(STEP, "沒有選擇資料夾，未匯出。")
    path = folder / review_file_name(read_settings(ctx.io), ctx.now(), ext)
    sheets = _chosen_sheets(ctx)
    if ext == "pdf":
        from .review_layout import EXCEL, LIBREOFFICE

        renderer = ctx.host.pdf_renderer  # the host's own printer is Excel's; without one, LibreOffice prints
        return export_review(ctx, pdf=path, sheets=sheets, pdf_renderer=renderer,
                             pdf_metrics=EXCEL if renderer is not None else LIBREOFFICE)
    return export_review(ctx, xlsx=path, sheets=sheets)
