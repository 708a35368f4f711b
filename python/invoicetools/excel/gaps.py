"""Excel entry points of the 跳號作廢 sheet: [檢查] and [確定] (整批作廢)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..actions.base import ActionResult, Context

__all__ = ["gaps_check", "gaps_unvoid", "gaps_void"]


def _params(ctx: Context) -> tuple[str | None, str | None]:
    from ..book import layout
    from ..book.io import param_text

    values = ctx.io.read_params(layout.sheet("跳號作廢"))
    return param_text(values.get("period")), param_text(values.get("account"))


def check(ctx: Context) -> ActionResult:
    from ..actions.gaps import check_gaps

    period, account = _params(ctx)
    return check_gaps(ctx, period, account)


def void(ctx: Context) -> ActionResult:
    """整批作廢 after the dialog; a refusal can be overridden with a reason the accountant types."""
    from ..actions.gaps import void_gaps
    from ._entry import with_reason_on_refusal

    period, account = _params(ctx)
    return with_reason_on_refusal(ctx, lambda c: void_gaps(c, period, account))


def unvoid(ctx: Context) -> ActionResult:
    """取消作廢: the voided 跳號 of the sheet's period and 帳別 go back to 待確認."""
    from ..actions.gaps import unvoid_gaps

    period, account = _params(ctx)
    return unvoid_gaps(ctx, period, account)


def gaps_check() -> None:
    from ._entry import run_in_excel

    run_in_excel("gaps_check", check)


def gaps_void() -> None:
    from ._entry import run_in_excel

    run_in_excel("gaps_void", void)


def gaps_unvoid() -> None:
    from ._entry import run_in_excel

    run_in_excel("gaps_unvoid", unvoid)
