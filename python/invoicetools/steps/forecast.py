"""預估組數: booklets each 帳別 × 機台 used per period, the trend, a recommended 組數 for the next period,
and a warning when a machine will run out of numbers before its period ends at the current pace.

Usage of a machine range is counted from its first number to the highest number issued in
it (skipped numbers use booklets too), in booklets of 50, rounded up.

>>> import pandas as pd, datetime
>>> alloc = pd.DataFrame({"帳別": ["A", "A"], "機台號": ["1", "1"], "發票字軌": ["AB", "AB"],
...     "起號": ["00000000", "00001000"], "迄號": ["00000999", "00001999"], "申報年月": ["11312", "11402"]})
>>> reg = pd.DataFrame({"發票號碼": ["AB00000499", "AB00001799"],
...     "發票日期": pd.to_datetime(["2024-12-20", "2025-01-20"])})
>>> f = forecast(alloc, reg, today=datetime.date(2025, 1, 20), current="11402")
>>> f[["帳別", "機台號", "本期已用組數", "預估下期組數"]].values.tolist()
[['A', '1', 16, 27]]
>>> print(f["預估說明"].iloc[0])
近 2 期用量 10→16 組（趨勢 +6）；建議 27 組（含 20% 安全量）
"""

from __future__ import annotations

import datetime
import math
from typing import TYPE_CHECKING

from ..domain import periods

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MARGIN", "counted", "forecast", "usage_by_range"]

MARGIN = 0.20  # safety margin on the recommended count
HISTORY = 6  # periods looked at for the trend


def usage_by_range(allocation: pd.DataFrame, register: pd.DataFrame) -> pd.DataFrame:
    """Per allocation row: issued count, highest issued number, booklets used, and the last issue date."""
    import numpy as np

    from ..domain.invoice_number import keys_from_strings, track_code

    out = allocation.copy()
    begin = np.array([track_code(t) * 10**8 + int(b) for t, b in zip(out["發票字軌"], out["起號"], strict=True)],
                     dtype=np.int64)
    end = np.array([track_code(t) * 10**8 + int(e) for t, e in zip(out["發票字軌"], out["迄號"], strict=True)],
                   dtype=np.int64)
    keys, ok = keys_from_strings(register["發票號碼"]) if len(register) else (np.empty(0, np.int64),) * 2
    keys = np.asarray(keys)[np.asarray(ok, dtype=bool)] if len(register) else np.empty(0, np.int64)
    dates = register["發票日期"].to_numpy()[np.asarray(ok, dtype=bool)] if len(register) else np.empty(0)
    order = np.argsort(keys, kind="stable")
    keys, dates = keys[order], dates[order]
    lo = np.searchsorted(keys, begin, "left")
    hi = np.searchsorted(keys, end, "right")
    count = hi - lo
    top = np.where(count > 0, keys[np.maximum(hi - 1, 0)] if keys.size else 0, begin - 1)
    out["已開立張數"] = count
    out["最高號碼"] = top
    out["已用組數"] = np.where(count > 0, np.ceil((top - begin + 1) / 50).astype(int), 0)
    out["總組數"] = ((end - begin + 1) // 50).astype(int)
    out["剩餘張數"] = np.where(count > 0, end - top, end - begin + 1)
    last_day = []
    first_day = []
    for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
        seg = dates[a:b]
        last_day.append(seg.max() if b > a else None)
        first_day.append(seg.min() if b > a else None)
    out["最後開立日"] = last_day
    out["最早開立日"] = first_day
    return out


def counted(register: pd.DataFrame, today: datetime.date) -> pd.DataFrame:
    """The invoices a forecast made on ``today`` counts: issued on or before that day (a register
    holding later dates, or a forecast run for a past day, must not count the future)."""
    import pandas as pd

    if not len(register):
        return register
    days = pd.to_datetime(register["發票日期"], errors="coerce")
    return register[(days <= pd.Timestamp(today)).to_numpy()]


def forecast(
    allocation: pd.DataFrame, register: pd.DataFrame, *, today: datetime.date, current: str, margin: float = MARGIN
) -> pd.DataFrame:
    """One row per 帳別 × 機台 of the current period: usage history, trend, recommendation, run-out warning.

    Invoices count up to ``today`` (:func:`counted`), the day the pace is measured on.
    """
    import pandas as pd

    if allocation.empty:
        return pd.DataFrame(columns=["帳別", "機台號", "本期已用組數", "預估下期組數", "預估說明"])
    usage = usage_by_range(allocation, counted(register, today))
    per = (
        usage.groupby(["帳別", "機台號", "申報年月"], dropna=False)
        .agg(used=("已用組數", "sum"), total=("總組數", "sum"), left=("剩餘張數", "sum"), issued=("已開立張數", "sum"),
             first=("最早開立日", "min"), last=("最後開立日", "max"))
        .reset_index()
    )
    period = periods.parse(current)
    rows = []
    for (account, machine), group in per.groupby(["帳別", "機台號"], dropna=False, sort=False):
        group = group.sort_values("申報年月")
        now = group[group["申報年月"] == period.code]
        history = group[group["申報年月"] <= period.code].tail(HISTORY)
        used_now = int(now["used"].sum()) if len(now) else 0
        series = [int(v) for v in history["used"]]
        if not any(series):
            series = []  # a machine that never issued an invoice has no history
        notes: list[str] = []
        if len(series) >= 2:
            xs = list(range(len(series)))
            mean_x, mean_y = sum(xs) / len(xs), sum(series) / len(series)
            slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, series, strict=True)) / sum(
                (x - mean_x) ** 2 for x in xs)
            projected = max(series[-1] + slope, max(series[-1], 1) * 0.5)
            notes.append(f"近 {len(series)} 期用量 {'→'.join(map(str, series))} 組（趨勢 {slope:+.0f}）")
        elif series:
            projected = series[-1]
            notes.append(f"只有 1 期資料（{series[-1]} 組）")
        else:
            projected = 0
            notes.append("無歷史資料")
        # the period in progress: project its usage to the period end at the current pace
        pace = 0.0
        if len(now) and pd.notna(now["first"].iloc[0]):
            start = max(period.first_day, pd.Timestamp(now["first"].iloc[0]).date())
            elapsed = max((min(today, period.last_day) - start).days + 1, 1)
            pace = float(now["issued"].sum()) / elapsed
            if today < period.last_day:
                days_left = (period.last_day - today).days
                projected = max(projected, (float(now["issued"].sum()) + pace * days_left) / 50)
                left = int(now["left"].sum())
                if pace * days_left > left:
                    run_out = today + datetime.timedelta(days=math.floor(left / pace) if pace else days_left)
                    notes_tail = f"以目前速度（每天約 {pace:.0f} 張）本期約 {run_out:%Y/%m/%d} 用完，請儘速增配"
                else:
                    notes_tail = ""
            else:
                notes_tail = ""
        else:
            notes_tail = ""
        recommended = max(1, math.ceil(projected * (1 + margin))) if projected else None
        if recommended is not None:
            notes.append(f"建議 {recommended} 組（含 {margin:.0%} 安全量）")
        else:
            notes.append("沿用目前組數")
        if notes_tail:
            notes.append(notes_tail)
        rows.append({"帳別": account, "機台號": machine, "本期已用組數": used_now, "預估下期組數": recommended,
                     "預估說明": "；".join(notes)})
    return pd.DataFrame(rows, columns=["帳別", "機台號", "本期已用組數", "預估下期組數", "預估說明"])
