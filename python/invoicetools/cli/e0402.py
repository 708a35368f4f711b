"""``invoicetools e0402``: the period's blank unused numbers (空白未使用字軌) as validated E0402 files."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._common import add_book, add_common, context, emit

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser(
        "e0402",
        help="E0402 空白未使用字軌檔：每個字軌一個 XML（通過 XSD 驗證）",
        description=(
            "依[字軌配號]、[配號設定]、[發票資料]與[平台狀況]計算本系統負責字軌的空白未使用號碼"
            "（已作廢的跳號與最後已開號碼之後未使用的號碼），每個 營業人×發票類別×期別×字軌 產生一個 E0402 檔。"
            "--out 的資料夾是 Turnkey 資料夾（含 UpCast）時寫入 UpCast/B2PMESSAGE/E0402/SRC，否則直接寫入該資料夾。"
            "還有待確認的跳號、平台發票狀況未下載或過舊、有字軌不知由誰申報、或營業人統編不符時拒絕轉出（結束碼 1）。"
        ),
    )
    add_book(p)
    p.add_argument("--period", metavar="YYYMM", help="申報年月，例如 11302（預設：[設定]的申報年月）")
    p.add_argument("--out", metavar="DIR", help="輸出資料夾或 Turnkey 資料夾（預設：[E0402]的輸出資料夾、[設定]的 Turnkey資料夾或輸出資料夾）")
    p.add_argument("--mig", choices=("4.1", "4.0", "3.2"), help="MIG 版本（預設：[設定]的 MIG版本，未填為 4.1）")
    p.add_argument("--dry-run", action="store_true", help="只預覽會產生的檔案與異動，不寫入檔案與活頁簿")
    p.add_argument("--yes", action="store_true",
                   help="空白號碼與上次轉出的不同時，確認取代（沒有 --yes 時只顯示差異，不寫入任何檔案，結束碼 1）")
    add_common(p, force=True)
    p.set_defaults(handler=_e0402)


def _e0402(args: argparse.Namespace) -> int:
    import getpass

    from ..actions.e0402 import export_e0402

    def ask_secret(prompt: str) -> str | None:
        # only at an interactive terminal; scripts and --json runs are never stopped by a prompt
        if args.json or not sys.stdin.isatty():
            return None
        return getpass.getpass(prompt + " ") or None

    # replacing files of different content needs --yes (Excel asks in a dialog instead)
    ctx = context(args, confirm=lambda prompt: bool(args.yes), ask_secret=ask_secret)
    return emit(export_e0402(ctx, args.period, args.out, args.mig, dry_run=args.dry_run), args)
