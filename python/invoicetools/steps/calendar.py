"""行事曆: every date that matters for the current and the next period, with days left and what to do.

Dates come from ``domain.periods``: the odd month's first days (fetch and allocate the
new tracks; upload the last period's blank numbers by the 10th, the platform's warning
mail on the 7th, VAT filing by the 15th – the 10th and the 15th moved to the next working
day when they fall on a weekend or holiday) and the 18th of the even month (the MOF
allocates the next period from the current booklet count). Per-invoice upload deadlines
(48 h / 7 days) still open are added from the register and the platform status.

>>> rows = calendar(datetime.date(2025, 3, 3))
>>> [(r.day.isoformat(), r.title) for r in rows[:4]]
[('2025-03-01', '下載字軌並配號'), ('2025-03-01', '上傳空白未使用字軌（1–10 日）'), ('2025-03-07', '平台寄發未上傳通知'), ('2025-03-10', '空白字軌上傳期限')]
>>> next_deadline(rows, datetime.date(2025, 3, 3)).title
'空白字軌上傳期限'
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..domain import periods
from ..domain.periods import Period

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Event", "calendar", "next_deadline", "open_upload_deadlines", "to_frame"]

WEEKDAYS = "一二三四五六日"
SOON_DAYS = 3


@dataclass(frozen=True, order=True)
class Event:
    day: datetime.date
    period: str
    title: str
    todo: str
    deadline: bool = True  # counts for the "next deadline" shown on the ribbon
    count: int = 0  # invoices concerned (upload deadlines)

    def status(self, today: datetime.date) -> str:
        left = (self.day - today).days
        if left < 0:
            return "已過" if not self.count else "逾期"
        if left == 0:
            return "今天"
        if left <= SOON_DAYS:
            return "即將到期"
        return "未到"


def _rolled(deadline: datetime.date, nominal_day: int) -> str:
    """What to add when a day-of-month deadline moved past a weekend or holiday."""
    if deadline.day == nominal_day:
        return ""
    return f"（{nominal_day} 日適逢例假日，依行政程序法第 48 條順延至 {deadline.month}/{deadline.day}）"


def _period_events(p: Period) -> list[Event]:
    """The dates a period brings: its odd month (for the last period's filing) and its even month's 18th.

    The 10th and the 15th are the rolled deadlines of ``domain.periods`` (the E0402 sheet's
    期限 and the batch summary use the same properties, so they always agree).
    """
    prev = p.previous()
    blank, vat = prev.blank_deadline, prev.vat_deadline
    return [
        Event(p.first_day, p.code, "下載字軌並配號",
              f"取得 {p.label} 的字軌（財政部配號檔、Turnkey E0501 或加值中心），按[配號]分給各機台", False),
        Event(p.first_day, prev.code, f"上傳空白未使用字軌（1–{blank.day} 日）",
              f"{prev.label}：完成漏上傳檢核與跳號作廢後，按 E0402[轉出]", False),
        Event(prev.warning_mail_day, prev.code, "平台寄發未上傳通知",
              f"財政部平台會寄信通知 {prev.label} 尚未上傳的發票與空白字軌；請在此之前完成", False),
        Event(blank, prev.code, "空白字軌上傳期限",
              f"{prev.label} 的空白未使用字軌（E0402）須在今天以前上傳；逾期會被通知並可能受罰{_rolled(blank, 10)}"),
        Event(vat, prev.code, "營業稅申報期限",
              f"{prev.label} 營業稅申報（401/403）{_rolled(vat, 15)}"),
        Event(p.allocation_day, p.next().code, "配號基準日（18 日）",
              f"財政部依目前組數配發 {p.next().label} 的字軌；要增減組數請在今天以前到平台設定"),
    ]


def calendar(today: datetime.date, upload_deadlines: list[Event] | None = None) -> list[Event]:
    """Events of the current and the next period (plus open upload deadlines), by date."""
    current = periods.of(today)
    events = _period_events(current) + _period_events(current.next())
    events += upload_deadlines or []
    return sorted(events, key=lambda e: (e.day, not e.deadline))


def next_deadline(events: list[Event], today: datetime.date) -> Event | None:
    upcoming = [e for e in events if e.deadline and e.day >= today]
    return min(upcoming, key=lambda e: e.day) if upcoming else None


def open_upload_deadlines(
    register: pd.DataFrame, platform_numbers: object, today: datetime.date, *, limit_days: int = 60
) -> list[Event]:
    """Invoices of the register not (yet) on the platform, grouped by upload deadline day.

    ``register`` needs 發票號碼, 發票日期 (datetime) and optionally 開立時間, 買方統編, 狀態.
    Voided-before-reissue (註銷) rows are skipped. Overdue ones are kept (status 逾期).
    """
    import numpy as np
    import pandas as pd

    from ..domain.invoice_number import keys_from_strings

    if register is None or len(register) == 0:
        return []
    keys, ok = keys_from_strings(register["發票號碼"])
    on_platform = np.isin(keys, np.asarray(platform_numbers, dtype=np.int64))
    status = register["狀態"].astype("string").fillna("") if "狀態" in register else pd.Series("", index=register.index)
    todo = ok & ~on_platform & (status != "註銷").to_numpy()
    if not todo.any():
        return []
    rows = register[todo]
    issued = pd.to_datetime(rows["發票日期"], errors="coerce")
    if "開立時間" in rows:
        times = pd.to_timedelta(rows["開立時間"].astype("string").fillna(""), errors="coerce")
        has_time = times.notna()
    else:
        times = pd.Series(pd.NaT, index=rows.index, dtype="timedelta64[ns]")
        has_time = pd.Series(False, index=rows.index)
    buyer = rows["買方統編"].astype("string").fillna("").str.strip() if "買方統編" in rows else pd.Series("", index=rows.index)
    b2b = buyer.str.fullmatch(r"\d{8}") & (buyer != "00000000")
    days = np.where(b2b, 7, 2)
    deadline = issued + pd.to_timedelta(days, unit="D")
    deadline = deadline.where(~has_time, issued + times + pd.to_timedelta(days, unit="D"))
    deadline = deadline.where(has_time, deadline + pd.Timedelta(hours=23, minutes=59, seconds=59))
    day = deadline.dt.date
    horizon = today + datetime.timedelta(days=limit_days)
    out: list[Event] = []
    for d, group in pd.DataFrame({"day": day, "b2b": b2b}).dropna().groupby("day"):
        assert isinstance(d, datetime.date)
        if d > horizon:
            continue
        n = len(group)
        n_b2b = int(group["b2b"].sum())
        kind = f"（B2B {n_b2b} 張、B2C {n - n_b2b} 張）" if n_b2b and n_b2b < n else ("（B2B）" if n_b2b else "（B2C）")
        out.append(Event(d, periods.of(d).code, f"{n} 張發票上傳期限{kind}",
                         "這些發票還不在平台上：請確認 ERP/加值中心已上傳，之後重新[下載平台發票狀況]",
                         True, n))
    return out


def to_frame(events: list[Event], today: datetime.date) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "日期": e.day,
                "星期": WEEKDAYS[e.day.weekday()],
                "剩餘天數": (e.day - today).days,
                "期別": e.period,
                "事項": e.title,
                "該做的事": e.todo,
                "狀態": e.status(today),
            }
            for e in events
        ],
        columns=["日期", "星期", "剩餘天數", "期別", "事項", "該做的事", "狀態"],
    )
