"""``invoicetools addin install|uninstall``: put the Excel add-in in place and tell it where Python is (Windows).

The work is ``actions.addin_setup``: the add-in goes into the user's XLSTART folder (as xlwings'
own installer does; Excel loads it at start and trusts the folder; install checks that trust in
the registry and adds it when missing), the interpreter (this Python's ``pythonw.exe``),
``PYTHONPATH`` and ``ADD_WORKBOOK_TO_PYTHONPATH=False`` go into
``%USERPROFILE%\\.invoicetools\\invoicetools.conf``, which the add-in and the workbook both read.
Uninstall undoes each step.

The .xlam comes from ``--xlam``, else the repository's ``addin/InvoiceTools.xlam``, else it is
built on the spot from the sources shipped in the package (``invoicetools.build``). An add-in
whose VBA is stamped with another xlwings version than the installed one is refused.

Other operating systems: exit 2 with an explanation, unless ``--target`` and ``--config-dir``
are both given (that is how the tests run it on Linux, with an in-memory registry).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.errors import ExitCode, InputError, Location

if TYPE_CHECKING:
    from ..actions.addin_setup import Places

__all__ = ["register"]

NOT_WINDOWS = (
    "Excel 增益集只支援 Windows 版 Excel；這台電腦請直接使用命令列 invoicetools（每個步驟都有對應的指令）。"
    "（測試時可用 --target 與 --config-dir 指定資料夾。）"
)


def register(sub: Any) -> None:
    p = sub.add_parser("addin", help="安裝或移除 Excel 增益集（Windows）",
                       description="安裝或移除 Excel 增益集 InvoiceTools.xlam，並寫入 Excel 要使用的 Python 位置。")
    asub = p.add_subparsers(dest="addin_command", metavar="SUBCOMMAND")
    asub.required = True
    pi = asub.add_parser(
        "install", help="安裝增益集並寫入 Python 位置",
        description="把 InvoiceTools.xlam 複製到 Excel 的啟動資料夾 %APPDATA%\\Microsoft\\Excel\\XLSTART"
                    "（Excel 啟動時自動載入、預設受信任），並把 Python（pythonw.exe）、PYTHONPATH 與 "
                    "ADD_WORKBOOK_TO_PYTHONPATH=False 寫入 %USERPROFILE%\\.invoicetools\\invoicetools.conf。",
    )
    pi.add_argument("--xlam", metavar="FILE", help="要安裝的 InvoiceTools.xlam（預設：專案 addin/ 的檔案；沒有時當場建立）")
    pi.add_argument("--python", metavar="PYTHON", help="Excel 要使用的 Python（預設：目前這個 Python 的 pythonw.exe）")
    _targets(pi)
    pi.set_defaults(handler=_install)
    pu = asub.add_parser("uninstall", help="移除增益集、受信任位置與設定檔中的 Python 位置",
                         description="刪除 XLSTART（與舊版 AddIns）資料夾中的 InvoiceTools.xlam、安裝時加入的受信任位置，"
                                     "並移除 invoicetools addin install 寫入的設定。")
    _targets(pu)
    pu.set_defaults(handler=_uninstall)


def _targets(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", metavar="DIR", help="增益集資料夾（預設 %%APPDATA%%\\Microsoft\\Excel\\XLSTART）")
    p.add_argument("--config-dir", metavar="DIR", help="設定檔資料夾（預設 %%USERPROFILE%%\\.invoicetools）")


def _places(args: argparse.Namespace) -> Places | None:
    from ..actions.addin_setup import Places, legacy_addins_folder, xlstart_folder

    windows = sys.platform.startswith("win")
    if not windows and (args.target is None or args.config_dir is None):
        return None
    env = dict(os.environ)
    addin_dir = Path(args.target) if args.target else xlstart_folder(env)
    home = env.get("USERPROFILE")
    conf_dir = Path(args.config_dir) if args.config_dir else (Path(home) / ".invoicetools" if home else None)
    if addin_dir is None or conf_dir is None:
        raise InputError("找不到 %APPDATA% 或 %USERPROFILE%；請用 --target 與 --config-dir 指定資料夾")
    return Places(addin_dir, conf_dir, legacy_addins_folder(env) if windows else None, env)


def _xlam(arg: str | None) -> tuple[bytes, str]:
    """The add-in's bytes and where they came from."""
    if arg:
        path = Path(arg)
        if not path.is_file():
            raise InputError("找不到指定的增益集檔案", where=Location(file=str(path)))
        return path.read_bytes(), str(path)
    from ..build.product import default_paths

    built = default_paths()["xlam"]
    if built.is_file():
        return built.read_bytes(), str(built)
    try:
        from ..build.product import build_xlam

        return build_xlam(), "由套件內的原始檔當場建立"
    except Exception as exc:
        raise InputError(
            f"找不到 InvoiceTools.xlam，也無法當場建立（{exc}）。請在專案資料夾執行 "
            "python -m invoicetools.build（會產生 addin/InvoiceTools.xlam），或用 --xlam 指定檔案"
        ) from exc


def _stamp(data: bytes) -> str | None:
    from ..actions.doctor import stamped_xlwings_version

    with tempfile.TemporaryDirectory(prefix="invoicetools-addin-") as tmp:
        path = Path(tmp) / "InvoiceTools.xlam"
        path.write_bytes(data)
        return stamped_xlwings_version(path)


def _install(args: argparse.Namespace) -> int:
    from .. import XLWINGS_VERSION, __version__
    from ..actions import addin_setup, office_registry
    from ..actions.doctor import installed_xlwings, pythonw_for
    from ..actions.xlwings_conf import install_values

    places = _places(args)
    if places is None:
        sys.stderr.write(NOT_WINDOWS + "\n")
        return ExitCode.BAD_INPUT
    data, source = _xlam(args.xlam)
    stamp = _stamp(data)
    installed = installed_xlwings()
    if stamp is None:
        raise InputError("這個檔案沒有 xlwings 巨集模組，不是 InvoiceTools 的增益集", where=Location(file=source))
    if installed != stamp:
        raise InputError(
            f"增益集的巨集是 xlwings {stamp}，這個 Python 裝的是 {installed or '（沒有安裝）'}；兩邊必須相同。"
            f"請執行 pip install xlwings=={XLWINGS_VERSION}，或用相同版本重建增益集（python -m invoicetools.build）",
            where=Location(file=source),
        )
    python = Path(args.python) if args.python else pythonw_for(Path(sys.executable))
    if not python.is_file():
        raise InputError("找不到指定的 Python", where=Location(file=str(python)))

    import invoicetools

    package_root = Path(invoicetools.__file__).resolve().parents[1]
    values = install_values(str(python), str(package_root), __version__, places.env)
    lines = addin_setup.install(places, data, values, office_registry.current())
    print("\n".join(lines))
    print(f"（增益集的巨集是 xlwings {stamp}；來源 {source}）")
    print("下一步：")
    print("  1. 關閉所有 Excel 視窗後重新開啟 Excel：功能區會出現「電子發票」索引標籤。")
    print("  2. 有問題時按[診斷]，或執行 invoicetools doctor。")
    return ExitCode.OK


def _uninstall(args: argparse.Namespace) -> int:
    from ..actions import addin_setup, office_registry

    places = _places(args)
    if places is None:
        sys.stderr.write(NOT_WINDOWS + "\n")
        return ExitCode.BAD_INPUT
    lines = addin_setup.uninstall(places, office_registry.current())
    if not lines:
        print("沒有找到已安裝的 InvoiceTools 增益集或設定檔。")
        return ExitCode.OK
    print("\n".join(lines))
    print("請關閉所有 Excel 視窗後重新開啟 Excel。")
    return ExitCode.OK
