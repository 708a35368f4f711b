"""``invoicetools demo``: the whole bimonthly run on built-in sample data."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="以內建示範資料執行所有步驟",
        description="建立示範活頁簿（虛構公司、兩個帳別、三台機台、約兩萬張發票），依序執行每個步驟並輸出結果。",
    )
    p.add_argument("--dir", default="demo-out", metavar="DIR", help="輸出資料夾（預設 demo-out）")
    p.add_argument("--quiet", "-q", action="store_true", help="只顯示錯誤")
    p.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from .demo_run import run_demo

    return run_demo(Path(args.dir), quiet=args.quiet)
