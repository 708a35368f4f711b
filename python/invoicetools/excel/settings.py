"""Excel entry points of the 設定 buttons: 儲存登入資訊 (settings_open) and 診斷 (diagnose).

``settings_open`` keeps the provider login in the operating system's keyring (Windows
認證管理員) through ``actions.tracks.login``: the account and secrets are asked with Excel's
input boxes and go straight to the keyring; the 設定 sheet's 登入資訊 shows only
已儲存 / 未儲存. ``diagnose`` runs the ``invoicetools doctor`` checks on this machine, the open
workbook and the loaded add-in, and shows them in a message box.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..actions.base import ActionResult, Context

__all__ = ["diagnose", "settings_open"]


def _save_login(ctx: Context) -> ActionResult:
    """The login action with Excel's input boxes; pressing Cancel ends it quietly, nothing changed."""
    from ..actions.base import ActionResult
    from ..actions.tracks import LOGIN_STEP, login
    from ..domain.errors import InputError

    cancelled: list[bool] = []

    def ask_text(prompt: str, default: str) -> str | None:
        answer = ctx.host.ask_text(prompt, default)
        cancelled.append(answer is None)
        return answer

    def ask_secret(prompt: str) -> str | None:
        answer = ctx.host.ask_secret(prompt)
        cancelled.append(answer is None)
        return answer

    asking = dataclasses.replace(ctx, host=dataclasses.replace(ctx.host, ask_text=ask_text, ask_secret=ask_secret))
    try:
        return login(asking)
    except InputError:
        if any(cancelled):
            return ActionResult(LOGIN_STEP, "已取消，登入資訊沒有變更。")
        raise


def _diagnose(ctx: Context, **environment: Any) -> ActionResult:
    from ..actions.diagnose import diagnose_here

    return diagnose_here(ctx, **environment)


def settings_open() -> None:
    """[儲存登入資訊]: ask the provider login and keep it in the OS keyring only."""
    from ._entry import run_in_excel

    run_in_excel("settings_open", _save_login)


def diagnose() -> None:
    """[診斷]: the doctor checks, shown in a message box."""
    from ._entry import run_in_excel

    run_in_excel("diagnose", _diagnose)
