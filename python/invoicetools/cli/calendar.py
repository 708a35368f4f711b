"""``invoicetools calendar``: the dates that matter for the current and the next period."""

from __future__ import annotations

import argparse
import datetime
from typing import Any

from ..domain.dates import parse_date
from ._common import add_book, add_common, context, emit

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("calendar", help="行事曆：本期與下期的重要日期",
                       description="列出本期與下期的重要日期、剩餘天數與該做的事，寫入[行事曆]工作表。")
    add_book(p)
    p.add_argument("--today", metavar="DATE", help="以這一天為今天（例如 2025-03-03 或 114/03/03）")
    add_common(p)
    p.set_defaults(handler=_calendar)


def _calendar(args: argparse.Namespace) -> int:
    from ..actions.calendar import refresh_calendar

    today: datetime.date | None = parse_date(args.today) if args.today else None
    ctx = context(args)
    return emit(refresh_calendar(ctx, today), args)
