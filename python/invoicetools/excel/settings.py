"""Excel entry points of the 設定 buttons: 儲存登入資訊 (settings_open) and 診斷 (diagnose).

``settings_open`` keeps the provider login in the operating system's keyring (Windows
認證管理員) through ``actions.tracks.login``: the account and secrets are asked with Excel's
input boxes and go straight to the keyring; the 設定 sheet's 登入資訊 shows only
已儲存 / 未儲存. ``diagnose`` runs the ``invoicetools doctor`` checks on this machine, the open
workbook and the loaded add-in, and shows them in a message box.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..actions.base import ActionResult, Context

__all__ = ["diagnose", "settings_open"]


def _save_login(ctx: Context) -> ActionResult:
    from ..actions.base import ActionResult
    from ..actions.tracks import LOGIN_STEP, login
    from ..domain.errors import InputError
    from ..sources import credentials

    credentials.require_backend()  # no keyring: say so before anyone types a secret
    cancelled: list[bool] = []

    def ask_text(prompt: str, default: str) -> str | None:
        answer = ctx.ask_text(prompt, default)
        if answer is None:
            cancelled.append(True)
        return answer

    def ask_secret(prompt: str) -> str | None:
        answer = ctx.ask_secret(prompt)
        if answer is None:
            cancelled.append(True)
        return answer

    asking = dataclasses.replace(ctx, ask_text=ask_text, ask_secret=ask_secret)
    try:
        return login(asking)
    except InputError:
        if cancelled:
            return ActionResult(LOGIN_STEP, "已取消，登入資訊沒有變更。")
        raise


def _addin_paths(ctx: Context) -> list[Path]:
    """The workbook itself (an .xlsm carries the VBA too) and the loaded add-in, as Excel knows them."""
    from ..book.xlwings_io import XlwingsBook

    paths: list[Path] = []
    io = ctx.io
    if not isinstance(io, XlwingsBook):
        return paths
    for kind in ("book", "addin"):
        try:
            full = str(io.book.fullname if kind == "book" else io.app.api.Workbooks("InvoiceTools.xlam").FullName)
        except Exception:  # an unsaved book, the add-in not loaded
            continue
        if "://" not in full:
            paths.append(Path(full))
    return paths


def _diagnose(ctx: Context, **environment: Any) -> ActionResult:
    from ..actions.base import ActionResult
    from ..actions.doctor import STEP, environment_for, exit_code, render, run_checks

    checks = run_checks(ctx.io, env=environment_for(_addin_paths(ctx), **environment))
    code = exit_code(checks)
    head = "全部正常。" if code == 0 else "有需要處理的項目（標示「錯誤」），請依「→」後的說明修正："
    return ActionResult(STEP, f"{head}\n\n{render(checks)}", exit_code=code)


def settings_open() -> None:
    """[儲存登入資訊]: ask the provider login and keep it in the OS keyring only."""
    from ._entry import run_in_excel

    run_in_excel("settings_open", _save_login)


def diagnose() -> None:
    """[診斷]: the doctor checks, shown in a message box."""
    from ._entry import run_in_excel

    run_in_excel("diagnose", _diagnose)
