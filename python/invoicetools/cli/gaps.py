"""``invoicetools gaps``: 異常跳號整批作廢 — list the 跳號, void them all at once, or take that back."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import add_book, add_common, context, emit

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser(
        "gaps",
        help="異常跳號：列出跳號、整批作廢（--void）或取消作廢（--unvoid）",
        description=(
            "依[配號設定]的帳別×機台範圍與[發票資料]（開立、作廢、註銷都算已使用）、[平台狀況]，"
            "列出最後已開號碼之前從未開立的跳號與之後未使用的號碼，寫入[跳號作廢]工作表。"
            "有待確認的跳號時結束碼為 1。加 --void 把列出的跳號一次標為已作廢（寫入執行紀錄）。"
        ),
    )
    add_book(p)
    p.add_argument("--period", metavar="YYYMM", help="申報年月，例如 11302 或 113/01 ~ 113/02（預設：[設定]的申報年月）")
    p.add_argument("--account", metavar="A", help="只處理這個帳別（預設：全部帳別）")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--void", action="store_true", help="整批作廢：把待確認的跳號標為已作廢（此參數即為確認）")
    mode.add_argument("--unvoid", action="store_true", help="取消作廢：把已作廢的跳號改回待確認")
    add_common(p, force=True)
    p.set_defaults(handler=_gaps)


def _gaps(args: argparse.Namespace) -> int:
    from ..actions import gaps as actions

    # On the command line the flag itself is the accountant's confirmation.
    ctx = context(args, confirm=lambda prompt: True)
    if args.void:
        result = actions.void_gaps(ctx, args.period, args.account)
    elif args.unvoid:
        result = actions.unvoid_gaps(ctx, args.period, args.account)
    else:
        result = actions.check_gaps(ctx, args.period, args.account)
    return emit(result, args)
