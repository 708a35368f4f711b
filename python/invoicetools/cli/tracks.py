"""``invoicetools tracks …``: 配號設定 from a terminal.

    invoicetools tracks import FILE_OR_DIR... --book BOOK [--period 11402] [--all-year] [--replace]
    invoicetools tracks login  --book BOOK --provider ecpay [--merchant-id ID] [--url URL]
    invoicetools tracks logout --book BOOK --provider ecpay
    invoicetools tracks fetch  --book BOOK --provider ecpay [--year 114] [--all-year] [--period 11402] [--replace]
    invoicetools tracks allocate --book BOOK [--period 11402] [--account A] [--reuse-counts]
    invoicetools tracks e0401  --book BOOK [--period 11402] [--out DIR]
    invoicetools tracks owner  --book BOOK TRACK[:起號-迄號] OWNER [--period 11402]

``login`` asks for the secrets with a hidden prompt (never an option: options end up in the
shell history) and keeps them in the OS keyring. ``import`` and ``fetch`` add ranges to
字軌配號; ``--replace`` (the flag is the accountant's confirmation) replaces the ranges of each
營業人統編 × 申報年月 they bring and lists what was added, changed and removed.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from ._common import add_book, add_common, context, emit

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser(
        "tracks", help="配號設定：匯入或下載字軌配號、分配給機台、轉出 E0401",
        description="配號設定：匯入財政部配號檔／E0501、從加值中心下載配號、依機台配號設定分配 50 張一組的發票、轉出 E0401。",
    )
    tsub = p.add_subparsers(dest="tracks_command", metavar="SUBCOMMAND")
    tsub.required = True

    imp = tsub.add_parser(
        "import", help="手動匯入：財政部配號檔（CSV/xlsx）、E0501 檔或 Turnkey 資料夾",
        description="匯入財政部電子發票整合服務平台的配號檔（CSV：Big5 或 UTF-8；或 xlsx）、"
                    "Turnkey 的 E0501 檔，或整個 Turnkey 下載資料夾（會往下層尋找 E0501）。"
                    "匯入只會新增區間：已匯入的相同區間不變，與不同區間重疊則不匯入；要取代已匯入的配號請加 --replace。",
    )
    imp.add_argument("files", nargs="+", metavar="FILE_OR_DIR", help="配號檔、E0501 檔或資料夾（可多個）")
    add_book(imp)
    _period_options(imp)
    add_common(imp)
    imp.set_defaults(handler=_import)

    fetch = tsub.add_parser(
        "fetch", help="自動匯入：從加值中心下載配號（[F9] 下載&轉入）",
        description="從加值中心下載財政部配號結果並轉入[字軌配號]。登入資訊取自作業系統的密碼儲存區"
                    "（先執行 invoicetools tracks login）。只會新增區間；要取代已匯入的配號請加 --replace。",
    )
    add_book(fetch)
    fetch.add_argument("--provider", metavar="NAME", help="加值中心，例如 ecpay（預設為[設定]的加值中心）")
    fetch.add_argument("--year", type=int, metavar="YYY", help="民國年，例如 114（下載全年資料時使用）")
    _period_options(fetch)
    fetch.add_argument("--base-url", help=argparse.SUPPRESS)  # tests and staging: another service address
    add_common(fetch)
    fetch.set_defaults(handler=_fetch)

    login = tsub.add_parser(
        "login", help="輸入並儲存加值中心登入資訊（存在作業系統的密碼儲存區）",
        description="輸入加值中心的帳號與密碼（或 HashKey/HashIV），存入作業系統的密碼儲存區；"
                    "活頁簿只顯示是否已儲存。",
    )
    add_book(login)
    login.add_argument("--provider", metavar="NAME", help="加值中心，例如 ecpay（預設為[設定]的加值中心）")
    login.add_argument("--merchant-id", metavar="ID", help="特店編號／登入帳號（不填則詢問）")
    login.add_argument("--url", metavar="URL", default="", help="登入網址（留空使用正式環境網址）")
    add_common(login, json_output=False)
    login.set_defaults(handler=_login)

    logout = tsub.add_parser("logout", help="刪除已儲存的加值中心登入資訊",
                             description="從作業系統的密碼儲存區（Windows 認證管理員）刪除[設定]統一編號的加值中心"
                                         "登入資訊；[設定]的登入資訊隨之更新。")
    add_book(logout)
    logout.add_argument("--provider", metavar="NAME", help="加值中心，例如 ecpay（預設為[設定]的加值中心）")
    add_common(logout, json_output=False)
    logout.set_defaults(handler=_logout)

    alloc = tsub.add_parser(
        "allocate", help="配號：依[機台配號設定]把 50 張一組的發票分配給各帳別與機台",
        description="把本期配號（擁有者空白或本系統）依[機台配號設定]的順序分配給各機台：每台剛好拿到所要的組數、"
                    "同一組不會給兩台、盡量連號；配號不足時不寫入任何結果。期中重新配號時，已開立發票（發票資料或平台）"
                    "的組留在原機台，機台只拿到它已開立號碼之後的組；做不到時拒絕（結束碼 1），寫出是哪一組、哪些機台。",
    )
    add_book(alloc)
    alloc.add_argument("--period", metavar="YYYMM", help="申報年月，例如 11402（預設為[配號設定]或[設定]的申報年月）")
    alloc.add_argument("--account", metavar="帳別", help="只分配這個帳別的機台（預設為[配號設定]的帳別）")
    alloc.add_argument("--reuse-counts", action=argparse.BooleanOptionalAction, default=None,
                       help="按當期數量配號：各機台的組數沿用上期配號結果")
    add_common(alloc)
    alloc.set_defaults(handler=_allocate)

    e0401 = tsub.add_parser(
        "e0401", help="轉出 E0401 分支機構配號檔",
        description="把分配給分支機構（[機台配號設定]填有分支機構統編）的配號轉成 E0401，"
                    "驗證 XSD 後寫入 Turnkey 的 UpCast/B2PMESSAGE/E0401/SRC，或 --out 指定的資料夾。",
    )
    add_book(e0401)
    e0401.add_argument("--period", metavar="YYYMM", help="申報年月，例如 11402")
    e0401.add_argument("--out", metavar="DIR", help="輸出資料夾（Turnkey 根目錄或任一資料夾）")
    add_common(e0401)
    e0401.set_defaults(handler=_e0401)

    _register_owner(tsub)


def _period_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--period", metavar="YYYMM", help="申報年月，例如 11402（預設為[配號設定]或[設定]的申報年月）")
    parser.add_argument("--all-year", action=argparse.BooleanOptionalAction, default=None,
                        help="下載全年資料：申報年月所在年度的六期都匯入")
    parser.add_argument("--replace", action="store_true",
                        help="取代匯入：以這次的資料取代同一營業人統編與申報年月已匯入的配號，並列出新增、變更與移除的區間")


def _ask_secret(prompt: str) -> str | None:
    try:
        return getpass.getpass(prompt)
    except (EOFError, KeyboardInterrupt):
        return None


def _ask_text(prompt: str, default: str) -> str | None:
    try:
        sys.stderr.write(prompt)
        sys.stderr.flush()
        line = sys.stdin.readline()
    except (EOFError, KeyboardInterrupt):
        return None
    if not line:
        return None
    return line.rstrip("\r\n") or default


def _register_owner(tsub: Any) -> None:
    owner = tsub.add_parser(
        "owner", help="標明字軌（或其中幾組）的擁有者：由誰申報空白號碼",
        description="在[字軌配號]標明擁有者：本系統（空白號碼列入本系統的 E0402）、其他系統，或加值中心名稱。"
                    "範圍可寫整個字軌（KA）或其中幾組（KA:12340150-12340199，整本 50 張）；部分範圍會把該列拆開。",
    )
    owner.add_argument("range", metavar="字軌[:起號-迄號]", help="例如 KA 或 KA:12340150-12340199")
    owner.add_argument("owner", metavar="擁有者", help="本系統、其他系統或加值中心名稱")
    add_book(owner)
    owner.add_argument("--period", metavar="申報年月", help="申報年月，例如 11402（預設為[配號設定]或[設定]的申報年月）")
    add_common(owner)
    owner.set_defaults(handler=_owner)


def _owner(args: argparse.Namespace) -> int:
    from ..actions.track_owner import set_track_owner

    return emit(set_track_owner(context(args), args.range, args.owner, period=args.period), args)


def _import(args: argparse.Namespace) -> int:
    from ..actions.tracks import import_tracks

    ctx = context(args)
    result = import_tracks(ctx, [Path(f) for f in args.files], period=args.period, all_year=args.all_year,
                           replace=args.replace)
    return emit(result, args)


def _fetch(args: argparse.Namespace) -> int:
    from ..actions.tracks import fetch_tracks

    ctx = context(args)
    result = fetch_tracks(ctx, provider=args.provider, year=args.year, period=args.period, all_year=args.all_year,
                          base_url=args.base_url, replace=args.replace)
    return emit(result, args)


def _login(args: argparse.Namespace) -> int:
    from ..actions.provider_login import login

    ctx = context(args, ask_secret=_ask_secret, ask_text=_ask_text)
    return emit(login(ctx, provider=args.provider, merchant_id=args.merchant_id, url=args.url), args)


def _logout(args: argparse.Namespace) -> int:
    from ..actions.provider_login import logout

    ctx = context(args)
    return emit(logout(ctx, provider=args.provider), args)


def _allocate(args: argparse.Namespace) -> int:
    from ..actions.allocation import allocate_tracks

    ctx = context(args)
    return emit(allocate_tracks(ctx, period=args.period, account=args.account, reuse_counts=args.reuse_counts), args)


def _e0401(args: argparse.Namespace) -> int:
    from ..actions.e0401 import export_e0401

    ctx = context(args)
    return emit(export_e0401(ctx, period=args.period, out_dir=args.out), args)
