"""The wrapper every button goes through: caller workbook → Context (Excel as the host) → action → message box.

xlwings shows whatever reaches stderr as a raw log popup (decoded in the ANSI code page),
so user-facing text never travels through stderr: messages are shown with ``app.alert``
over COM, which is Unicode-safe, and the function returns normally.
"""

from __future__ import annotations

import dataclasses
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..domain.errors import InvoiceToolsError
from .host import TITLE

if TYPE_CHECKING:
    from ..actions.base import ActionResult, Context

__all__ = ["excel_context", "run_in_excel", "with_reason_on_refusal"]


def _caller() -> Any:
    import xlwings as xw

    return xw.Book.caller()


def excel_context(book: Any, **host_overrides: Any) -> Context:
    """The Context of a button: the open workbook (``XlwingsBook``) with Excel as the host."""
    from ..actions.base import Context
    from ..book.xlwings_io import XlwingsBook
    from .host import excel_host

    return Context(io=XlwingsBook(book), host=excel_host(book, **host_overrides))


def run_in_excel(action_key: str, body: Callable[[Context], ActionResult], *, book: Any = None) -> ActionResult | None:
    """Run ``body`` for the workbook that pressed the button; show its message; never raise."""
    from ..book import layout
    from .host import busy

    label = layout.action(action_key).label
    try:
        wb = book if book is not None else _caller()
    except Exception:  # not called from Excel
        return None
    app = wb.app
    try:
        ctx = excel_context(wb)
        with busy(app, f"{label}：執行中…"):
            result = body(ctx)
        # xlwings knows only the modes "info" and "critical" (a warning icon); anything else is a KeyError
        app.alert(result.full_message(), title=f"{TITLE} – {label}", mode="info" if result.exit_code == 0 else "critical")
        return result
    except InvoiceToolsError as exc:
        app.alert(f"{exc}\n\n請修正後再按一次[{label}]。", title=f"{TITLE} – {label}", mode="critical")
    except Exception as exc:  # a bug: no traceback for the accountant, but keep it for support
        from ..actions.crash_report import crash_report

        path = crash_report(exc)
        app.alert(
            f"程式發生未預期的錯誤，工作已停止，活頁簿沒有被修改。\n錯誤摘要：{type(exc).__name__}: {exc}\n"
            f"詳細資料已存到 {path}，請提供給維護人員；也可以先按[診斷]檢查安裝。",
            title=f"{TITLE} – {label}", mode="critical",
        )
        traceback.print_exc(limit=0)
    return None


def with_reason_on_refusal(ctx: Context, run: Callable[[Context], ActionResult]) -> ActionResult:
    """Run an action; when it refuses, show why and offer to go on with a reason (logged in 執行紀錄)."""
    from ..domain.errors import RefusalError

    try:
        return run(ctx)
    except RefusalError as exc:
        if not exc.overridable:
            raise
        reason = ctx.host.ask_text(f"{exc.message}\n\n若仍要執行，請輸入原因（會寫入執行紀錄）；按取消則不執行。", "")
        if not reason or not reason.strip():
            raise
        return run(dataclasses.replace(ctx, force_reason=reason.strip()))
