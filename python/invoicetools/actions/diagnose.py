"""[診斷] in Excel: the ``invoicetools doctor`` checks on this machine, the open workbook and the
files the host has loaded (the workbook and the add-in), as one message."""

from __future__ import annotations

from typing import Any

from .base import ActionResult, Context

__all__ = ["diagnose_here"]


def diagnose_here(ctx: Context, **environment: Any) -> ActionResult:
    """Every check; the head line says whether anything needs fixing."""
    from .doctor import STEP, environment_for, exit_code, render, run_checks

    checks = run_checks(ctx.io, env=environment_for(ctx.host.loaded_files(), **environment))
    code = exit_code(checks)
    head = "全部正常。" if code == 0 else "有需要處理的項目（標示「錯誤」），請依「→」後的說明修正："
    return ActionResult(STEP, f"{head}\n\n{render(checks)}", exit_code=code)
