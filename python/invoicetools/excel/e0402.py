"""Excel entry point of the E0402 sheet: [轉出]."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..actions.base import ActionResult, Context

__all__ = ["e0402_export"]


def export(ctx: Context) -> ActionResult:
    """Period and folder from the sheet (blank: 設定); what changed is confirmed in a dialog before writing."""
    from ..actions.e0402 import export_e0402
    from ..book import layout
    from ..book.io import param_text
    from ._entry import with_reason_on_refusal

    values = ctx.io.read_params(layout.sheet("E0402"))
    period, out_dir = param_text(values.get("period")), param_text(values.get("out_dir"))
    return with_reason_on_refusal(ctx, lambda c: export_e0402(c, period, out_dir))


def e0402_export() -> None:
    from ._entry import run_in_excel

    run_in_excel("e0402_export", export)
