"""行事曆 action: write the calendar sheet and the next deadline (which the ribbon shows on open)."""

from __future__ import annotations

import datetime

from ..book import layout
from ..book.tables import read_typed
from ..domain.errors import ExitCode
from ..steps import calendar as cal
from .base import ActionResult, Context, finish

__all__ = ["refresh_calendar"]

STEP = "行事曆"
_SHEET = layout.sheet("行事曆")


def _platform_keys(ctx: Context) -> object:
    import numpy as np

    from ..domain.invoice_number import keys_from_strings

    frame, _ = read_typed(ctx.io, layout.table("平台狀況"))
    if frame.empty:
        return np.empty(0, dtype=np.int64)
    state = frame["狀態"].astype("string").fillna("")
    keys, ok = keys_from_strings(frame["發票號碼"])
    return keys[ok & (state != "上傳失敗").to_numpy()]


def refresh_calendar(ctx: Context, today: datetime.date | None = None) -> ActionResult:
    today = today or ctx.now().date()
    register, _ = read_typed(ctx.io, layout.table("發票資料"))
    uploads = cal.open_upload_deadlines(register, _platform_keys(ctx), today)
    events = cal.calendar(today, uploads)
    frame = cal.to_frame(events, today)
    nxt = cal.next_deadline(events, today)
    label = (
        f"{nxt.day:%Y/%m/%d} {nxt.title}（還有 {(nxt.day - today).days} 天）" if nxt is not None else "沒有即將到期的事項"
    )
    ctx.io.write_table(_SHEET.table, frame)  # type: ignore[arg-type]
    ctx.io.write_params(_SHEET, {"today": today, "next_deadline": label})
    overdue = [e for e in uploads if e.day < today]
    status = f"以 {today:%Y/%m/%d} 起算，下一個期限：{label}"
    if overdue:
        n = sum(e.count for e in overdue)
        status += f"；另有 {n:,} 張發票已超過上傳期限仍不在平台上"
    ctx.io.set_status(_SHEET, status)
    result = ActionResult(
        STEP,
        status,
        exit_code=ExitCode.FINDINGS if overdue else ExitCode.OK,
        counts={"事項": len(events), "待上傳發票": sum(e.count for e in uploads)},
        params={"today": today.isoformat()},
        rows=frame.to_dict("records"),
        next_step="逾期的發票請儘速上傳，並重新[下載平台發票狀況]。" if overdue else "",
    )
    return finish(ctx, result)
