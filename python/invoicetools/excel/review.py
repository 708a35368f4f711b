"""Excel entry points of the 審閱 buttons: 匯出PDF and 匯出xlsx.

The sheets are the tabs the accountant has selected (Ctrl-click to group several) when they
can be exported, else the step sheets (``actions.export.DEFAULT_SHEETS``). The file goes to
[設定] 輸出資料夾, else next to the workbook (when it is a local file, not OneDrive/SharePoint),
else to a folder the accountant picks, named ``<統編>_<申報年月>_審閱_<yyyymmdd-HHMM>``. The PDF is
printed by Excel itself (the host's PDF printer) from the same values-only workbook the xlsx
export writes, so both look the same.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..actions.base import ActionResult, Context

__all__ = ["export_pdf", "export_xlsx"]


def _export(ctx: Context, ext: str) -> ActionResult:
    from ..actions.review import export_review_here

    now = ctx.now()
    # the file name and the header block show the same minute
    return export_review_here(dataclasses.replace(ctx, now=lambda: now), ext)


def export_pdf() -> None:
    """[匯出PDF]: the selected (or the step) sheets as a PDF for review."""
    from ._entry import run_in_excel

    run_in_excel("export_pdf", lambda ctx: _export(ctx, "pdf"))


def export_xlsx() -> None:
    """[匯出xlsx]: the selected (or the step) sheets as a values-only .xlsx with the header block."""
    from ._entry import run_in_excel

    run_in_excel("export_xlsx", lambda ctx: _export(ctx, "xlsx"))
