"""``invoicetools addin install|uninstall``: put the Excel add-in in place and tell it where Python is (Windows).

Install copies ``InvoiceTools.xlam`` into ``%APPDATA%\\Microsoft\\AddIns`` (a trusted location
by default; written fresh, so it carries no Mark-of-the-Web) and writes the interpreter
(this Python's ``pythonw.exe``) and ``PYTHONPATH`` into ``%USERPROFILE%\\.invoicetools\\invoicetools.conf``,
the user-level settings file xlwings' add-in module reads for PROJECT_NAME ``invoicetools``
(the add-in itself holds no settings, so this file wins). Paths under %LOCALAPPDATA%,
%APPDATA% or %USERPROFILE% are written with the variable (xlwings expands it), so a
Chinese user name does not matter; the file is in the ANSI code page VBA reads.

The .xlam comes from ``--xlam``, else the repository's ``addin/InvoiceTools.xlam``, else it is
built on the spot from the sources shipped in the package (``invoicetools.build``). An add-in
whose VBA is stamped with another xlwings version than the installed one is refused.

Other operating systems: exit 2 with an explanation, unless ``--target`` and ``--config-dir``
are both given (that is how the tests run it on Linux).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..domain.errors import ExitCode, InputError, Location

__all__ = ["INSTALLED_MARKER", "register"]

INSTALLED_MARKER = "INVOICETOOLS_INSTALLED"  # our line in the conf file: uninstall removes only what we wrote
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
        description="把 InvoiceTools.xlam 複製到 %APPDATA%\\Microsoft\\AddIns，並把 Python（pythonw.exe）與 PYTHONPATH "
                    "寫入 %USERPROFILE%\\.invoicetools\\invoicetools.conf。",
    )
    pi.add_argument("--xlam", metavar="FILE", help="要安裝的 InvoiceTools.xlam（預設：專案 addin/ 的檔案；沒有時當場建立）")
    pi.add_argument("--python", metavar="PYTHON", help="Excel 要使用的 Python（預設：目前這個 Python 的 pythonw.exe）")
    _targets(pi)
    pi.set_defaults(handler=_install)
    pu = asub.add_parser("uninstall", help="移除增益集與設定檔中的 Python 位置",
                         description="刪除 AddIns 資料夾中的 InvoiceTools.xlam，並移除 invoicetools addin install 寫入的設定。")
    _targets(pu)
    pu.set_defaults(handler=_uninstall)


def _targets(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", metavar="DIR", help="增益集資料夾（預設 %%APPDATA%%\\Microsoft\\AddIns）")
    p.add_argument("--config-dir", metavar="DIR", help="設定檔資料夾（預設 %%USERPROFILE%%\\.invoicetools）")


def _folders(args: argparse.Namespace) -> tuple[Path, Path] | None:
    from ..actions.doctor import Environment

    env = Environment(addins_dir=Path(args.target) if args.target else None,
                      config_dir=Path(args.config_dir) if args.config_dir else None)
    if not env.windows and (args.target is None or args.config_dir is None):
        return None
    addins, conf = env.addins_folder(), env.conf_folder()
    if addins is None or conf is None:
        raise InputError("找不到 %APPDATA% 或 %USERPROFILE%；請用 --target 與 --config-dir 指定資料夾")
    return addins, conf


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


def _write(path: Path, data: bytes) -> None:
    from ..actions.files import write_atomic

    try:
        write_atomic(path, data)
    except InputError as exc:
        raise InputError(f"{exc.message}；若 Excel 正在使用增益集，請先關閉 Excel 再執行",
                         where=Location(file=str(path))) from exc


def _install(args: argparse.Namespace) -> int:
    from .. import XLWINGS_VERSION, __version__
    from ..actions.doctor import (
        ADDIN_NAME,
        CONF_NAME,
        conf_encoding,
        conf_text,
        installed_xlwings,
        pythonw_for,
        read_conf,
        with_env_vars,
    )

    folders = _folders(args)
    if folders is None:
        sys.stderr.write(NOT_WINDOWS + "\n")
        return ExitCode.BAD_INPUT
    addins, conf_dir = folders
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
    conf = conf_dir / f"{CONF_NAME}.conf"
    values = read_conf(conf)
    values.update({
        "INTERPRETER_WIN": with_env_vars(str(python), os.environ),
        "PYTHONPATH": with_env_vars(str(package_root), os.environ),
        INSTALLED_MARKER: __version__,
    })
    try:
        conf_bytes = conf_text(values).encode(conf_encoding())
    except UnicodeEncodeError:
        raise InputError(
            "Python 的路徑含有設定檔無法儲存的字元；請把 Python 裝在只有英文字母的資料夾"
            "（例如 %LOCALAPPDATA%\\InvoiceTools\\venv）", where=Location(file=str(python)),
        ) from None
    target = addins / ADDIN_NAME
    _write(target, data)
    _remove_download_mark(target)
    _write(conf, conf_bytes)
    print(f"已安裝增益集：{target}（xlwings {stamp}；來源 {source}）")
    print(f"已寫入設定檔：{conf}")
    print(f"  Excel 會使用的 Python：{values['INTERPRETER_WIN']}")
    print("下一步：")
    print("  1. 開啟 Excel → 檔案 → 選項 → 增益集 → 下方「管理：Excel 增益集」按[執行] → 勾選 InvoiceTools → 確定。")
    print("  2. 功能區會出現「電子發票」索引標籤；有問題時按[診斷]，或執行 invoicetools doctor。")
    return ExitCode.OK


def _remove_download_mark(path: Path) -> None:
    """Drop a Zone.Identifier stream (Windows) so Excel does not block the macros."""
    if sys.platform.startswith("win"):
        with contextlib.suppress(OSError):
            os.remove(f"{path}:Zone.Identifier")


def _uninstall(args: argparse.Namespace) -> int:
    from ..actions.doctor import ADDIN_NAME, CONF_KEYS, CONF_NAME, conf_encoding, conf_text, read_conf

    folders = _folders(args)
    if folders is None:
        sys.stderr.write(NOT_WINDOWS + "\n")
        return ExitCode.BAD_INPUT
    addins, conf_dir = folders
    done: list[str] = []
    target = addins / ADDIN_NAME
    if target.exists():
        try:
            target.unlink()
        except OSError as exc:
            raise InputError(f"無法刪除增益集（{exc.strerror or exc}）；請先關閉 Excel 再執行",
                             where=Location(file=str(target))) from exc
        done.append(f"已刪除增益集：{target}")
    conf = conf_dir / f"{CONF_NAME}.conf"
    values = read_conf(conf)
    if INSTALLED_MARKER in values:
        rest = {k: v for k, v in values.items() if k not in (*CONF_KEYS, INSTALLED_MARKER)}
        if rest:
            _write(conf, conf_text(rest).encode(conf_encoding()))
            done.append(f"已從 {conf} 移除 Python 位置（其他設定保留）")
        else:
            conf.unlink()
            done.append(f"已刪除設定檔：{conf}")
            with contextlib.suppress(OSError):
                conf_dir.rmdir()
    elif values:
        done.append(f"設定檔 {conf} 不是 invoicetools addin install 寫的，保留不動")
    if not done:
        print("沒有找到已安裝的 InvoiceTools 增益集或設定檔。")
        return ExitCode.OK
    print("\n".join(done))
    print("若 Excel 的增益集清單仍列出 InvoiceTools，請在 檔案 → 選項 → 增益集 中取消勾選。")
    return ExitCode.OK
