"""``invoicetools build``: the add-in (.xlam) and the workbook template (.xlsm), byte-reproducibly;
``invoicetools build --release DIR``: the folder an office installs from offline (``build.release``)."""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

from ..domain.errors import ExitCode, InputError

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser(
        "build",
        help="建立增益集 InvoiceTools.xlam 與活頁簿範本 InvoiceTools.xlsm",
        description="由 book/layout 與 addin/ 的原始檔建立 InvoiceTools.xlam 與 InvoiceTools.xlsm；"
                    "兩次建立的檔案位元組相同。在原始碼資料夾中預設寫入 addin/ 與 workbook/。",
    )
    p.add_argument("--out", metavar="DIR", help="把兩個檔案寫到這個資料夾")
    p.add_argument("--check", action="store_true", help="只檢查已提交的檔案是否與重新建立的相同（不同時結束碼 1）")
    p.add_argument("--release", metavar="資料夾",
                   help="建立安裝資料夾：本程式的安裝檔、Windows 64 位元的離線套件庫、增益集、活頁簿範本、"
                        "install.cmd、uninstall.cmd 與 安裝說明.txt（需要連上 Python 套件庫；資料夾必須是空的或不存在）")
    p.add_argument("--python", metavar="X.Y", action="append",
                   help="--release 只準備這些 Python 版本的套件（可重複；預設 3.11、3.12、3.13）")
    p.set_defaults(handler=_build)


def _build(args: argparse.Namespace) -> int:
    from ..build import check_committed, main
    from ..build.sources import repo_root

    in_checkout = (repo_root() / "addin" / "customUI14.xml").exists()
    if args.release:
        return _release(Path(args.release), args.python)
    if args.check:
        if not in_checkout:
            raise InputError("--check 只能在原始碼資料夾中使用（要比對 addin/ 與 workbook/ 的檔案）")
        problems = check_committed()
        for problem in problems:
            sys.stderr.write(f"{problem}：請執行 invoicetools build 後提交\n")
        if not problems:
            print("addin/InvoiceTools.xlam 與 workbook/InvoiceTools.xlsm 與重新建立的檔案相同。")
        return ExitCode.FINDINGS if problems else ExitCode.OK
    if args.out is None and not in_checkout:
        raise InputError("這裡不是原始碼資料夾：請用 --out 指定輸出資料夾")
    out = Path(args.out) if args.out else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    for key, path in main(out).items():
        print(f"{key}: {path}  sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}")
    return ExitCode.OK


def _say(what: str) -> None:
    sys.stderr.write(f"準備：{what}\n")


def _release(out: Path, pythons: list[str] | None) -> int:
    from ..build.release import build_release
    from ..build.release_check import SUPPORTED_PYTHONS
    from ..build.sources import BuildError

    try:
        problems = build_release(out, tuple(pythons or SUPPORTED_PYTHONS), progress=_say)
    except BuildError as exc:
        raise InputError(f"無法建立安裝資料夾：{exc}") from exc
    for problem in problems:
        sys.stderr.write(f"安裝資料夾有問題：{problem}\n")
    if problems:
        return ExitCode.FINDINGS
    print(f"安裝資料夾已建立：{out}（Python {'、'.join(pythons or SUPPORTED_PYTHONS)}，64 位元 Windows）")
    return ExitCode.OK
