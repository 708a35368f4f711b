"""Excel entry points for the 配號設定 buttons: 手動匯入, 自動匯入, 配號, 轉出E0401."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..actions.base import ActionResult, Context

__all__ = ["e0401_export", "tracks_allocate", "tracks_fetch", "tracks_import"]

FILE_KINDS = "配號檔 (*.csv;*.xlsx;*.xml),*.csv;*.xlsx;*.xml"


def _import(ctx: Context) -> ActionResult:
    from ..actions.base import ActionResult
    from ..actions.tracks import IMPORT_STEP, import_tracks

    files = ctx.host.choose_files("選擇配號檔：財政部配號檔（CSV/xlsx）或 E0501", FILE_KINDS, True)
    if not files:
        folder = ctx.host.choose_folder("沒有選擇檔案。要匯入 Turnkey 下載資料夾中的 E0501 嗎？請選擇資料夾（取消則結束）")
        if folder is None:
            return ActionResult(IMPORT_STEP, "沒有選擇檔案，未匯入任何資料。")
        files = [folder]
    return import_tracks(ctx, files, replace=None)  # replacing ranges is confirmed in a dialog with the diff


def _e0401(ctx: Context) -> ActionResult:
    from ..actions.base import ActionResult
    from ..actions.e0401 import E0401_STEP, e0401_folder, export_e0401
    from ..book.settings import read_settings
    from ..domain.errors import InputError

    try:
        e0401_folder(read_settings(ctx.io), None)
        out = None
    except InputError:
        out = ctx.host.choose_folder("選擇 E0401 的輸出資料夾（Turnkey 根目錄或任一資料夾）")
        if out is None:
            return ActionResult(E0401_STEP, "沒有選擇輸出資料夾，未轉出 E0401。")
    return export_e0401(ctx, out_dir=out)


def tracks_import() -> None:
    """[手動匯入]: choose MOF files or E0501 files (or a Turnkey folder) and add their ranges; replacing
    ranges already imported is asked in a Yes/No box that lists what would be added, changed and removed."""
    from ._entry import run_in_excel

    run_in_excel("tracks_import", _import)


def tracks_fetch() -> None:
    """[自動匯入] ([F9] 下載&轉入): asks for the login once (kept in the OS keyring); replacing is asked as for 手動匯入."""
    from ..actions.tracks import fetch_tracks
    from ._entry import run_in_excel

    run_in_excel("tracks_fetch", lambda ctx: fetch_tracks(ctx, replace=None))


def tracks_allocate() -> None:
    """[配號]: booklets to 帳別 × 機台 with the parameters on 配號設定."""
    from ..actions.allocation import allocate_tracks
    from ._entry import run_in_excel

    run_in_excel("tracks_allocate", lambda ctx: allocate_tracks(ctx))


def e0401_export() -> None:
    """[轉出E0401]: into 設定's Turnkey folder, or a folder the accountant chooses."""
    from ._entry import run_in_excel

    run_in_excel("e0401_export", _e0401)
