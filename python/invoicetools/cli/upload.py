"""漏上傳檢核 from a terminal: ``invoices import``, ``status import``/``status fetch``, ``check-upload``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..domain.dates import parse_date
from ..domain.errors import InputError
from ._common import add_book, add_common, context, emit

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("invoices", help="發票資料：匯入 ERP 開立發票資料",
                       description="匯入 ERP 開立發票資料（CSV Big5/UTF-8 或 xlsx，欄位依標題辨認）到[發票資料]。")
    isub = p.add_subparsers(dest="invoices_command", metavar="SUBCOMMAND")
    isub.required = True
    pi = isub.add_parser("import", help="由 CSV/xlsx 匯入發票資料（取代[發票資料]）",
                         description="匯入 ERP 開立發票資料；無法辨識的列會保留並列在[檢核訊息]。")
    pi.add_argument("file", metavar="FILE", help="ERP 匯出的發票資料檔（CSV Big5/UTF-8 或 xlsx）")
    add_book(pi)
    add_common(pi, json_output=False)
    pi.set_defaults(handler=_invoices_import)

    p = sub.add_parser("status", help="下載平台發票狀況",
                       description="取得平台上的發票狀況：狀況檔、Turnkey 結果（SummaryResult/ProcessResult、"
                                   "TURNKEY_MESSAGE_LOG 匯出檔）或加值中心 API，寫入[平台狀況]。")
    ssub = p.add_subparsers(dest="status_command", metavar="SUBCOMMAND")
    ssub.required = True
    si = ssub.add_parser("import", help="由狀況檔、Turnkey 結果檔或資料夾匯入",
                         description="匯入平台發票狀況：CSV/xlsx 狀況檔、TURNKEY_MESSAGE_LOG 匯出檔、"
                                     "SummaryResult/ProcessResult 檔或資料夾（資料夾：其中每個狀況檔；Turnkey "
                                     "資料夾：其結果檔）。可指定多個，合併為一次下載；同一張發票以較新的狀態為準。")
    si.add_argument("paths", nargs="+", metavar="FILE_OR_DIR",
                    help="狀況檔、Turnkey 結果檔或資料夾（可多個，合併為一次下載）")
    add_book(si)
    add_common(si, json_output=False)
    si.set_defaults(handler=_status_import)
    sf = ssub.add_parser("fetch", help="從加值中心下載（例如綠界）",
                         description="從加值中心 API 下載本期發票狀況；登入資訊取自 Windows 認證管理員（或作業系統的密碼儲存區）。")
    add_book(sf)
    sf.add_argument("--provider", metavar="NAME", help="加值中心，例如 ecpay（預設用[設定]的加值中心）")
    sf.add_argument("--period", metavar="YYYMM", help="申報年月，例如 11402（預設用[設定]）")
    sf.add_argument("--from", dest="date_from", metavar="DATE", help="發票日期起日（預設為期初）")
    sf.add_argument("--to", dest="date_to", metavar="DATE", help="發票日期迄日（預設為期末或今天）")
    add_common(sf, json_output=False)
    sf.set_defaults(handler=_status_fetch)

    p = sub.add_parser("check-upload", help="漏上傳檢核",
                       description="發票資料漏上傳檢核：比對[發票資料]與[平台狀況]，列出未上傳、上傳失敗、作廢未上傳、"
                                   "平台有帳上無、重號與不在配號範圍的發票。有問題時結束碼為 1。")
    add_book(p)
    p.add_argument("--period", metavar="YYYMM", help="資料申報年月，例如 11302 或 \"113 01~02\"（預設用[設定]）")
    p.add_argument("--account", metavar="A", help="帳別（預設全部）")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="發票日期起日，例如 2024-01-01 或 113/01/01")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="發票日期迄日")
    add_common(p, force=True)
    p.set_defaults(handler=_check_upload)


def _date(value: str | None, label: str) -> Any:
    if not value:
        return None
    try:
        return parse_date(value)
    except InputError as exc:
        raise InputError(f"{label}：{exc.message}", found=value) from None


def _invoices_import(args: argparse.Namespace) -> int:
    from ..actions.invoices import import_invoices

    return emit(import_invoices(context(args), Path(args.file)), args)


def _status_import(args: argparse.Namespace) -> int:
    from ..actions.platform_status import import_status

    return emit(import_status(context(args), [Path(p) for p in args.paths]), args)


def _status_fetch(args: argparse.Namespace) -> int:
    from ..actions.platform_status import fetch_status

    result = fetch_status(context(args), args.provider, period=args.period,
                          date_from=_date(args.date_from, "--from"), date_to=_date(args.date_to, "--to"))
    return emit(result, args)


def _check_upload(args: argparse.Namespace) -> int:
    from ..actions.upload_check import reconcile_uploads

    result = reconcile_uploads(context(args), period=args.period, account=args.account,
                          date_from=_date(args.date_from, "--from"), date_to=_date(args.date_to, "--to"))
    return emit(result, args)
