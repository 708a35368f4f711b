"""異常跳號整批作廢: list the 跳號 of a period, void them in one confirmed action, or take that back.

``check_gaps`` recomputes the 跳號作廢 sheet for a period (and optionally one 帳別), keeping
the 已作廢 state of ranges voided before. ``void_gaps`` marks every listed 跳號 that was never
issued 已作廢, after the accountant confirmed the count and ranges; it refuses while
漏上傳檢核 still has rows for the period and 帳別 (an invoice never uploaded looks like a
gap) or while no platform status was downloaded, unless forced with a reason (logged).
``unvoid_gaps`` takes a void back. Every run is logged in 執行紀錄 with the ranges.

The period's machine ranges and its used numbers are ``actions.reading``'s (the rules in
``steps.allocation`` and ``steps.used``); the sheet's reading, writing and words are
``actions.gaps_sheet``'s.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..book import layout
from ..book.settings import Settings, read_settings
from ..domain.errors import ExitCode, Finding, InputError, Location, RefusalError, Severity
from ..domain.periods import Period
from ..steps import gaps as steps
from .base import ActionResult, Context, finish
from .gaps_sheet import (
    SHEET,
    TABLE,
    describe,
    log_ranges,
    next_step,
    read_sheet,
    records,
    scope_label,
    sheet_rows,
    summary,
    text,
)
from .reading import read_allocation, read_used_numbers, resolve_period

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from ..steps.allocation import PeriodAllocation
    from ..steps.blanks import UsedNumbers

__all__ = ["STEP", "GapsRun", "check_gaps", "compute_gaps", "unvoid_gaps", "void_gaps"]

STEP = "跳號作廢"
_DIALOG_RANGES = 20


@dataclass
class GapsRun:
    """One computation of a period's gaps, with what is needed to write the sheet."""

    period: Period
    account: str | None
    allocation: PeriodAllocation
    used: UsedNumbers
    result: steps.GapResult
    kept: pd.DataFrame  # sheet rows outside the scope, kept as they are
    findings: list[Finding]
    latest_issued: datetime.date | None = None  # the newest 發票日期 of the period in the register

    @property
    def scope(self) -> str:
        return scope_label(self.period, self.account)

    @property
    def params(self) -> dict[str, object]:
        return {"period": self.period.code, "account": self.account}

    def summary(self, result: steps.GapResult | None = None) -> tuple[str, list[str]]:
        return summary(self.period, self.account, self.allocation, self.used.platform_known, result or self.result)


def _in_scope(sheet: pd.DataFrame, period: Period, account: str | None) -> npt.NDArray[np.bool_]:
    import numpy as np

    mask: npt.NDArray[np.bool_] = np.array(sheet["_period"] == period.code, dtype=bool)
    if account is not None:
        mask &= np.array(text(sheet["帳別"]) == account, dtype=bool)
    return mask


def _voided_before(sheet: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Every voided row of the period: the state is carried by number, whichever 帳別/機台 holds it now."""
    import pandas as pd

    state = text(sheet["處理"]).to_numpy() if len(sheet) else []
    rows = sheet[_in_scope(sheet, period, None) & (state == steps.VOIDED) & sheet["_ok"].to_numpy(dtype=bool)] \
        if len(sheet) else sheet
    return pd.DataFrame({
        "account": text(rows["帳別"]), "machine": text(rows["機台號"]),
        "begin": rows["_begin"].astype("int64"), "end": rows["_end"].astype("int64"), "row": rows["_row"],
    })


def compute_gaps(ctx: Context, period: Period, account: str | None, settings: Settings) -> GapsRun:
    """Recompute the period's gaps and carry the 已作廢 state of the sheet over (by number)."""
    allocation = read_allocation(ctx, period, settings, account)
    use = read_used_numbers(ctx, allocation)
    sheet, sheet_findings = read_sheet(ctx)
    result = steps.find_gaps(
        allocation.for_account(account), use.used, _voided_before(sheet, period),
        where=allocation.machines_where, voided_where=Location(file=ctx.io.name, sheet=TABLE.sheet),
        report_outside=account is None)
    # outside the scope: the same period's other 帳別 stay as they are; other periods keep their voided rows
    if len(sheet):
        state = text(sheet["處理"]).to_numpy()
        keep = ~_in_scope(sheet, period, account) & (_in_scope(sheet, period, None) | (state == steps.VOIDED))
        kept = sheet[keep].loc[:, list(TABLE.headers)]
    else:
        kept = sheet.loc[:, list(TABLE.headers)]
    findings = allocation.findings + use.findings + sheet_findings + result.findings
    return GapsRun(period, account, allocation, use.used, result, kept, findings, use.latest_issued)


def _write_sheet(ctx: Context, run: GapsRun, rows: pd.DataFrame, status: str) -> pd.DataFrame:
    """Write the scope's rows first, then the kept rows; returns the scope's rows as written."""
    import pandas as pd

    new = sheet_rows(rows, run.period)
    kept = run.kept.reindex(columns=list(TABLE.headers))
    frame = pd.concat([new, kept], ignore_index=True) if len(kept) else new
    frame["序號"] = range(1, len(frame) + 1)
    frame = frame.astype(object).where(frame.notna(), None)
    ctx.io.write_table(TABLE, frame)
    ctx.io.write_params(SHEET, {"account": run.account, "period": run.period.code})
    ctx.io.set_status(SHEET, status)
    return frame.iloc[: len(new)]


# ----------------------------------------------------------------------------------------------
# Actions
# ----------------------------------------------------------------------------------------------
def _start(ctx: Context, period: str | None, account: str | None) -> GapsRun:
    settings = read_settings(ctx.io)
    p = resolve_period(period, settings, where="--period 或[跳號作廢]的申報年月")
    acc = account.strip() if account is not None and account.strip() else None
    run = compute_gaps(ctx, p, acc, settings)
    machines = run.allocation.machines
    if machines.empty:
        raise InputError(f"{p.label} 沒有配號資料：請先在[配號設定]按[配號]，或匯入[字軌配號]")
    if acc is not None and run.allocation.for_account(acc).empty:
        accounts = sorted(set(machines["account"].tolist()))
        raise InputError(f"帳別 {acc} 在 {p.code} 沒有配號；有配號的帳別：{'、'.join(a or '（空白）' for a in accounts)}")
    return run


def check_gaps(ctx: Context, period: str | None = None, account: str | None = None) -> ActionResult:
    """[檢查]: recompute the 跳號作廢 sheet for the period (and 帳別). Exit 1 while 跳號 need action."""
    run = _start(ctx, period, account)
    result = run.result
    head, lines = run.summary()
    written = _write_sheet(ctx, run, result.rows, head)
    needs_action = len(result.pending) > 0 or len(result.fix_erp) > 0
    errors = any(f.severity is Severity.ERROR for f in run.findings)
    return finish(ctx, ActionResult(
        STEP, "\n".join([head, *lines]),
        exit_code=ExitCode.FINDINGS if needs_action or errors else ExitCode.OK,
        counts=result.counts(), findings=run.findings, params=run.params,
        rows=records(written), next_step=next_step(result),
    ))


def _refusals(ctx: Context, run: GapsRun) -> list[str]:
    """Why the void may not go ahead: 漏上傳檢核 is run here, for the period and 帳別, with its
    freshness guard — an invoice that never reached the platform looks exactly like a 跳號."""
    from .upload_check import PREREQUISITE_MESSAGE, upload_check_scope, upload_problems

    problems = upload_problems(ctx, upload_check_scope(ctx, run.period, run.account))
    reasons = []
    if problems.stale:
        reasons.append(f"{PREREQUISITE_MESSAGE}（{problems.stale}）：無法確認跳號是否曾開立")
    rows = problems.out.rows
    if len(rows):
        kinds = "、".join(f"{k} {v:,} 筆" for k, v in problems.out.counts.items() if v)
        reasons.append(f"漏上傳檢核（{run.scope}）有 {len(rows):,} 筆待處理：{kinds}；"
                       "漏上傳的發票看起來就像跳號，請先補上傳、重新[下載平台發票狀況]並按[查詢]")
    if problems.out.pending:
        reasons.append(f"有 {problems.out.pending:,} 張發票平台仍在處理中：請稍後重新[下載平台發票狀況]")
    return reasons


def void_gaps(ctx: Context, period: str | None = None, account: str | None = None) -> ActionResult:
    """[確定] / ``gaps --void``: mark every 待確認 跳號 that was never issued 已作廢, in one confirmed action."""
    from .check_inputs import read_ahead

    read_ahead(ctx)  # the upload check below reads both tables whole: the gaps' columns come from them
    run = _start(ctx, period, account)
    forced = bool(ctx.force_reason)
    # numbers of unknown cause (no platform status) are targets too: the refusal below guards them
    rows, changed = steps.mark_void(run.result.rows, include_unknown=True)
    targets = run.result.rows[changed]
    if not len(targets):
        head, lines = run.summary()
        written = _write_sheet(ctx, run, run.result.rows, head)
        message = "沒有待確認的跳號，不需要作廢。" + ("\n" + head if steps.NO_GAPS not in head else "")
        return finish(ctx, ActionResult(STEP, "\n".join([message, *lines]), counts=run.result.counts(),
                                        findings=run.findings, params={**run.params, "action": "void"},
                                        rows=records(written), next_step=next_step(run.result)))
    reasons = _refusals(ctx, run)
    if reasons and not forced:
        raise RefusalError("不能整批作廢：" + "；".join(reasons) + "。若確定要作廢，需提供原因（會寫入執行紀錄）。")
    total = int(targets["count"].sum())
    prompt = "\n".join([
        f"將把 {run.scope} 下列 {len(targets):,} 組、共 {total:,} 張跳號標為「已作廢」（從未開立，列入 E0402 空白號碼）：",
        *describe(targets, _DIALOG_RANGES),
        *([f"強制執行，原因：{ctx.force_reason}"] if forced else []),
        "確定要整批作廢嗎？",
    ])
    if not ctx.host.confirm(prompt):
        return ActionResult(STEP, "已取消，沒有作廢任何號碼。", params={**run.params, "action": "void"})
    after = steps.GapResult(rows, run.result.findings, run.result.machines)
    message = f"已整批作廢 {len(targets):,} 組、共 {total:,} 張跳號（{run.scope}），已寫入執行紀錄。"
    written = _write_sheet(ctx, run, rows, message)
    lines = describe(targets, _DIALOG_RANGES)
    if len(after.fix_erp):
        lines.append(f"平台有但 ERP 缺漏的 {int(after.fix_erp['count'].sum()):,} 張未作廢：請補匯入[發票資料]。")
    if reasons:
        lines.append("強制作廢（" + "；".join(reasons) + "）")
    return finish(ctx, ActionResult(
        STEP, "\n".join([message, *lines]), exit_code=ExitCode.OK,
        counts={"作廢組數": len(targets), "作廢張數": total, **after.counts()},
        findings=run.findings,
        params={**run.params, "action": "void", "作廢區間": log_ranges(targets)},
        rows=records(written), next_step="到[E0402]按[轉出]產生空白未使用字軌檔。" if not len(after.pending) else "",
    ))


def unvoid_gaps(ctx: Context, period: str | None = None, account: str | None = None) -> ActionResult:
    """``gaps --unvoid``: take 整批作廢 back (已作廢 → 待確認), logged with the ranges."""
    run = _start(ctx, period, account)
    rows, changed = steps.mark_unvoid(run.result.rows)
    targets = run.result.rows[changed]
    if not len(targets):
        head, _ = run.summary()
        written = _write_sheet(ctx, run, run.result.rows, head)
        return finish(ctx, ActionResult(STEP, f"{run.scope} 沒有已作廢的跳號，不需要取消。",
                                        counts=run.result.counts(), findings=run.findings,
                                        params={**run.params, "action": "unvoid"}, rows=records(written)))
    total = int(targets["count"].sum())
    prompt = "\n".join([f"將取消 {run.scope} {len(targets):,} 組、共 {total:,} 張跳號的作廢（改回待確認）：",
                        *describe(targets, _DIALOG_RANGES), "確定要取消作廢嗎？"])
    if not ctx.host.confirm(prompt):
        return ActionResult(STEP, "已取消，沒有變更。", params={**run.params, "action": "unvoid"})
    message = f"已取消作廢 {len(targets):,} 組、共 {total:,} 張跳號（{run.scope}），已寫入執行紀錄。"
    written = _write_sheet(ctx, run, rows, message)
    lines = [*describe(targets, _DIALOG_RANGES),
             "這些號碼回到待確認；E0402 要等再次整批作廢後才能轉出。"]
    if _e0402_rows(ctx, run.period):
        lines.append(f"注意：{run.period.code} 已轉出過 E0402，其中含這些空白號碼。")
    return finish(ctx, ActionResult(
        STEP, "\n".join([message, *lines]), exit_code=ExitCode.OK,
        counts={"取消作廢組數": len(targets), "取消作廢張數": total},
        findings=run.findings,
        params={**run.params, "action": "unvoid", "取消作廢區間": log_ranges(targets)},
        rows=records(written),
    ))


def _e0402_rows(ctx: Context, period: Period) -> int:
    from ..steps.allocation import row_periods

    raw = ctx.io.read_table(layout.table("E0402"))
    if raw.empty or "申報年月" not in raw.columns:
        return 0
    return int((row_periods(raw, "申報年月") == period.code).sum())
