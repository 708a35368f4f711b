r"""Install and uninstall the Excel add-in for the current Windows user (``invoicetools addin``).

Install, and uninstall undoes each step:

1. ``InvoiceTools.xlam`` goes into the user's XLSTART folder
   (``%APPDATA%\Microsoft\Excel\XLSTART``), where xlwings' own ``xlwings addin install`` puts
   its add-in: Excel opens every file there when it starts (no ticking in the add-ins dialog),
   and the folder is one of Excel's default trusted locations. The copy is written fresh, so
   it carries no Mark-of-the-Web.
2. If Excel's settings do not trust that folder (the default entry was removed), the folder is
   registered as a trusted location under our own key (``office_registry``); when IT has
   switched trusted locations off, install says so (the macros then run only when signed).
3. ``%USERPROFILE%\.invoicetools\invoicetools.conf`` gets the interpreter, PYTHONPATH and
   ``ADD_WORKBOOK_TO_PYTHONPATH=False`` (``xlwings_conf``), other lines kept.
4. A copy an earlier version put into ``%APPDATA%\Microsoft\AddIns`` is removed (Excel would
   otherwise load both).

Everything is done through :class:`Places` and a :class:`Registry`, so the tests run it on
any system; :func:`install` and :func:`uninstall` return the lines to show.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..domain.errors import InputError, Location
from . import office_registry as R
from . import xlwings_conf as C

__all__ = ["ADDIN_NAME", "Places", "install", "uninstall"]

ADDIN_NAME = "InvoiceTools.xlam"


@dataclass(frozen=True)
class Places:
    """Where things go for this user."""

    addin_dir: Path  # XLSTART
    conf_dir: Path  # %USERPROFILE%\.invoicetools
    legacy_addin_dir: Path | None = None  # %APPDATA%\Microsoft\AddIns (earlier versions)
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def conf_file(self) -> Path:
        return self.conf_dir / f"{C.CONF_NAME}.conf"

    @property
    def addin(self) -> Path:
        return self.addin_dir / ADDIN_NAME


def xlstart_folder(env: Mapping[str, str]) -> Path | None:
    """The user's XLSTART folder (Excel's ``Application.StartupPath``), from %APPDATA%."""
    appdata = env.get("APPDATA")
    return Path(appdata) / "Microsoft" / "Excel" / "XLSTART" if appdata else None


def legacy_addins_folder(env: Mapping[str, str]) -> Path | None:
    appdata = env.get("APPDATA")
    return Path(appdata) / "Microsoft" / "AddIns" if appdata else None


def _write(path: Path, data: bytes) -> None:
    from .files import write_atomic

    try:
        write_atomic(path, data)
    except InputError as exc:
        raise InputError(f"{exc.message}；若 Excel 正在使用增益集，請先關閉 Excel 再執行",
                         where=Location(file=str(path))) from exc


def _remove(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        path.unlink()
    except OSError as exc:
        raise InputError(f"無法刪除增益集（{exc.strerror or exc}）；請先關閉 Excel 再執行",
                         where=Location(file=str(path))) from exc
    return True


def _remove_download_mark(path: Path) -> None:
    """Drop a Zone.Identifier stream (Windows) so Excel does not block the macros."""
    if sys.platform.startswith("win"):
        with contextlib.suppress(OSError):
            os.remove(f"{path}:Zone.Identifier")


def _trust_lines(reg: R.Registry, places: Places, today: str) -> list[str]:
    lines = []
    folder = str(places.addin_dir)
    for version in R.excel_versions(reg):
        state = R.trust(reg, folder, version, places.env)
        if state.all_disabled:
            lines.append(f"注意：公司原則停用了 Excel {version} 的所有受信任位置；增益集的巨集只有在以公司信任的"
                         "憑證簽章後才能執行，請洽 IT（見 addin/README.md 的簽章步驟）。")
        elif state.trusted:
            lines.append(f"Excel {version} 信任增益集資料夾（{state.trusted_by}）。")
        elif state.user_locations_off:
            lines.append(f"注意：公司原則只允許 IT 設定的受信任位置；請 IT 把 {folder} 加為 Excel {version} 的受信任位置，"
                         "否則增益集的巨集會被封鎖。")
        else:
            key = R.register(reg, folder, version, today)
            lines.append(f"已把 {folder} 設為 Excel {version} 的受信任位置（登錄 HKCU\\{key}）。")
    return lines


def install(
    places: Places,
    data: bytes,
    values: Mapping[str, str],
    reg: R.Registry,
    *,
    today: Callable[[], date] = date.today,
) -> list[str]:
    """Put the add-in, its trust and its settings in place; the lines to show."""
    lines: list[str] = []
    _write(places.addin, data)
    _remove_download_mark(places.addin)
    lines.append(f"已安裝增益集：{places.addin}（Excel 啟動時會自動載入）")
    lines += _trust_lines(reg, places, today().isoformat())
    conf = C.read_conf(places.conf_file)
    conf.update(values)
    try:
        conf_bytes = C.conf_text(conf).encode(C.conf_encoding())
    except UnicodeEncodeError:
        raise InputError(
            "Python 的路徑含有設定檔無法儲存的字元；請把 Python 裝在只有英文字母的資料夾"
            "（例如 %LOCALAPPDATA%\\InvoiceTools\\venv）", where=Location(file=values.get("INTERPRETER_WIN", "")),
        ) from None
    _write(places.conf_file, conf_bytes)
    lines.append(f"已寫入設定檔：{places.conf_file}")
    lines.append(f"  Excel 會使用的 Python：{values['INTERPRETER_WIN']}")
    legacy = places.legacy_addin_dir / ADDIN_NAME if places.legacy_addin_dir else None
    if legacy is not None and legacy != places.addin and _remove(legacy):
        lines.append(f"已移除舊版位置的增益集：{legacy}。若 Excel 啟動時說找不到 {ADDIN_NAME}，請在 檔案 → 選項 → "
                     "增益集 → 管理 Excel 增益集 中取消勾選它。")
    return lines


def uninstall(places: Places, reg: R.Registry) -> list[str]:
    """Undo :func:`install`; the lines to show (empty when nothing was installed)."""
    lines: list[str] = []
    for path in (places.addin, places.legacy_addin_dir / ADDIN_NAME if places.legacy_addin_dir else None):
        if path is not None and _remove(path):
            lines.append(f"已刪除增益集：{path}")
    for version in R.OFFICE_VERSIONS:
        key = R.unregister(reg, version)
        if key:
            lines.append(f"已移除 Excel {version} 的受信任位置（登錄 HKCU\\{key}）")
    conf = C.read_conf(places.conf_file)
    if C.INSTALLED_MARKER in conf:
        rest = {k: v for k, v in conf.items() if k not in (*C.INSTALL_KEYS, C.INSTALLED_MARKER)}
        if rest:
            _write(places.conf_file, C.conf_text(rest).encode(C.conf_encoding()))
            lines.append(f"已從 {places.conf_file} 移除 Python 位置（其他設定保留）")
        else:
            places.conf_file.unlink()
            lines.append(f"已刪除設定檔：{places.conf_file}")
            with contextlib.suppress(OSError):
                places.conf_dir.rmdir()
    elif conf:
        lines.append(f"設定檔 {places.conf_file} 不是 invoicetools addin install 寫的，保留不動")
    return lines
