"""``invoicetools doctor``: check this machine (and optionally a workbook) and say how to fix what is wrong."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ._common import add_book

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser(
        "doctor", help="診斷安裝與設定",
        description="檢查 Python、InvoiceTools 與 xlwings 版本、增益集巨集的版本、下載標記與巨集設定（Windows）、"
                    "Excel 使用的 Python、密碼儲存區、LibreOffice，以及活頁簿[設定]中的 Turnkey資料夾。"
                    "每一項顯示 正常／注意／錯誤 與修正方法；有錯誤時結束碼為 1。不會顯示任何密碼。",
    )
    add_book(p, required=False)
    p.add_argument("--addin", action="append", default=[], metavar="FILE",
                   help="另外檢查的 .xlam/.xlsm（可重複）")
    p.add_argument("--json", action="store_true", help="以 JSON 輸出每一項結果")
    p.add_argument("--strict", action="store_true", help="有「注意」時結束碼也是 1")
    p.set_defaults(handler=_doctor)


def _repository_builds() -> list[Path]:
    """The built add-in and workbook of a source checkout, when they are there."""
    try:
        from ..build.product import default_paths
    except Exception:  # the builder cannot be imported: nothing to check
        return []
    return [p for p in default_paths().values() if p.is_file()]


def _doctor(args: argparse.Namespace) -> int:
    from ..actions.doctor import environment_for, exit_code, render, run_checks
    from ._common import open_book

    files = [Path(f) for f in args.addin]
    io = None
    if args.book:
        io = open_book(args.book, writer=False)
        if Path(args.book).suffix.lower() == ".xlsm":
            files.append(Path(args.book))
    checks = run_checks(io, env=environment_for([*files, *_repository_builds()]))
    if args.json:
        json.dump([c.as_dict() for c in checks], sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render(checks) + "\n")
    return exit_code(checks, strict=args.strict)
