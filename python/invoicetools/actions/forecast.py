"""預估組數 action: fill the forecast columns of 配號設定 (shown there before the 18th)."""

from __future__ import annotations

import datetime

from ..book import layout
from ..book.settings import read_settings
from ..book.tables import read_typed
from ..domain import periods
from ..domain.errors import ExitCode, InputError
from ..steps.forecast import counted, forecast
from .base import ActionResult, Context, finish

__all__ = ["update_forecast"]

STEP = "預估組數"
_SHEET = layout.sheet("配號設定")


def update_forecast(ctx: Context, *, today: datetime.date | None = None, period: str | None = None) -> ActionResult:
    import pandas as pd

    today = today or ctx.now().date()
    settings = read_settings(ctx.io)
    params = ctx.io.read_params(_SHEET)
    raw_period = period or params.get("period") or (settings.period.code if settings.period else None)
    current = periods.parse(raw_period) if raw_period else periods.of(today)
    table = layout.table("配號設定")
    allocation = ctx.io.read_table(table)
    if allocation.empty or not {"帳別", "機台號", "發票字軌", "起號", "迄號", "申報年月"} <= set(allocation.columns):
        raise InputError("[配號設定] 沒有配號結果；請先[配號]後再預估組數")
    typed_alloc = allocation.copy()
    for col in ("帳別", "機台號", "發票字軌", "起號", "迄號", "申報年月"):
        typed_alloc[col] = typed_alloc[col].astype("string").str.strip()
    register, _ = read_typed(ctx.io, layout.table("發票資料"))
    result_frame = forecast(typed_alloc.dropna(subset=["發票字軌", "起號", "迄號"]), register, today=today,
                            current=current.code)
    merged = allocation.drop(columns=[c for c in ("預估下期組數", "預估說明") if c in allocation.columns])
    keys = result_frame.set_index(["帳別", "機台號"])
    est, note = [], []
    for account, machine, ym in zip(typed_alloc["帳別"], typed_alloc["機台號"], typed_alloc["申報年月"], strict=True):
        if ym == current.code and (account, machine) in keys.index:
            est.append(keys.loc[(account, machine), "預估下期組數"])
            note.append(keys.loc[(account, machine), "預估說明"])
        else:
            est.append(None)
            note.append(None)
    merged["預估下期組數"] = pd.array(est, dtype="Int64")
    merged["預估說明"] = note
    ctx.io.write_table(table, merged.reindex(columns=list(table.headers)))
    warnings = result_frame[result_frame["預估說明"].astype("string").str.contains("用完", na=False)]
    deadline = periods.next_allocation_day(today)
    n_counted = len(counted(register, today))
    msg = (f"已更新 {len(result_frame)} 台機台的預估組數（{current.label}，發票計算到 {today:%Y/%m/%d}，共 {n_counted:,} 張）。"
           f"財政部在 {deadline:%Y/%m/%d} 依當時組數配發 {periods.of(deadline).next().label} 的字軌，"
           "要調整請在此之前到平台設定。")
    if len(warnings):
        msg += f"\n注意：{len(warnings)} 台機台以目前速度會在期末前用完字軌。"
    ctx.io.set_status(_SHEET, msg.splitlines()[0])
    result = ActionResult(STEP, msg, exit_code=ExitCode.FINDINGS if len(warnings) else ExitCode.OK,
                          counts={"機台": len(result_frame), "可能用完": len(warnings)},
                          params={"period": current.code, "today": today.isoformat()},
                          rows=result_frame.to_dict("records"))
    return finish(ctx, result)
