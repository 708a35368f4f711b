"""Excel entry point for the 預估組數 button (配號設定)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..actions.base import ActionResult, Context

__all__ = ["forecast_update"]


def forecast(ctx: Context) -> ActionResult:
    from ..actions.forecast import update_forecast
    from ..book import layout
    from ..book.io import param_text

    return update_forecast(ctx, period=param_text(ctx.io.read_params(layout.sheet("配號設定")).get("period")))


def forecast_update() -> None:
    from ._entry import run_in_excel

    run_in_excel("forecast_update", forecast)
