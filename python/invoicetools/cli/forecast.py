"""``invoicetools forecast``: booklets used per machine, trend and the recommended 組數 for the next period."""

from __future__ import annotations

import argparse
from typing import Any

from ..domain.dates import parse_date
from ._common import add_book, add_common, context, emit

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("forecast", help="預估組數：各機台用量、趨勢與下期建議組數",
                       description="依發票資料計算各帳別 × 機台每期用掉的組數與趨勢，建議下期組數，"
                                   "並警告以目前速度會在期末前用完的機台；結果寫入[配號設定]。")
    add_book(p)
    p.add_argument("--period", metavar="PERIOD", help="本期（預設取[配號設定]或[設定]的申報年月）")
    p.add_argument("--today", metavar="DATE", help="以這一天為今天")
    add_common(p)
    p.set_defaults(handler=_forecast)


def _forecast(args: argparse.Namespace) -> int:
    from ..actions.forecast import update_forecast

    ctx = context(args)
    today = parse_date(args.today) if args.today else None
    return emit(update_forecast(ctx, today=today, period=args.period), args)
