"""配號: hand the period's booklets to the 帳別 × 機台 of 機台配號設定 (``steps.tracks.allocate``), and
who reports each allocated range (``owned_ranges``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..book import layout
from ..book.io import param_text
from ..book.settings import read_settings
from ..book.tables import read_typed
from ..domain.errors import ExitCode, Finding, Location, Severity
from .allocation_sheet import SHEET, blank, cell_values, exit_code, flag, period_of, records
from .base import ActionResult, Context, finish

if TYPE_CHECKING:
    import pandas as pd

    from ..steps.tracks import AllocationResult

__all__ = ["ALLOCATE_STEP", "allocate_tracks", "owned_ranges"]

ALLOCATE_STEP = "配號"
_TRACKS = layout.table("字軌配號")
_MACHINES = layout.table("機台配號設定")
_ALLOCATION = layout.table("配號設定")
_SHOWN = 3  # refusals shown in the message box (all of them on 檢核訊息)


def allocate_tracks(
    ctx: Context, *, period: str | None = None, account: str | None = None, reuse_counts: bool | None = None
) -> ActionResult:
    """配號: hand the period's booklets to the machines of 機台配號設定 → 配號設定 (all or nothing).

    ``account`` (配號設定's 帳別 when not given) allocates only that 帳別 and keeps the others'
    rows; ``reuse_counts`` (按當期數量配號) takes each machine's 組數 from the previous
    period's rows of 配號設定. In the middle of a period the used numbers (``reading``:
    register and platform) stay on the machines holding them in the current 配號設定 and no
    machine gets a booklet below a number it has used; otherwise it refuses (exit 1, nothing
    written), naming the booklet and machines.
    """
    import numpy as np

    from ..steps.tracks import ALLOCATION_HEADERS, allocate, merge_allocation
    from .reading import read_allocation, read_used_numbers, sheet_period

    settings = read_settings(ctx.io)
    the_period = period_of(ctx, settings, period, required=True)
    assert the_period is not None
    params = ctx.io.read_params(SHEET)
    acc = account if account is not None else param_text(params.get("account"))
    reuse = reuse_counts if reuse_counts is not None else flag(params.get("reuse_counts"))
    tracks, _ = read_typed(ctx.io, _TRACKS)
    machines = ctx.io.read_table(_MACHINES)  # 組數 is judged by the step (it knows 按當期數量配號)
    existing, _ = read_typed(ctx.io, _ALLOCATION)
    current = read_allocation(ctx, the_period, settings)
    use = read_used_numbers(ctx, current)
    ctx.progress(f"配號 {the_period.label}…", None, None)
    res = allocate(
        tracks, machines, period=the_period.code, company_ubn=settings.ubn, account=acc, reuse_counts=reuse,
        previous=existing, tracks_where=Location(file=ctx.io.name, sheet=_TRACKS.sheet),
        machines_where=Location(file=ctx.io.name, sheet=_MACHINES.sheet),
        used=np.concatenate(use.used.arrays()), current=current, sheet_period=sheet_period(ctx),
    )
    # a number that cannot be read is not known as used: allocation cannot keep it in place
    findings = [f for f in use.findings if f.code == "gaps_bad_number"] + list(res.findings)
    run_params: dict[str, object] = {"period": the_period.code, "account": acc, "reuse_counts": reuse}
    result = ActionResult(ALLOCATE_STEP, "", params=run_params, findings=findings)
    result.counts = {"機台": res.machines, "需要組數": res.needed, "可用組數": res.available}
    if not res.written:
        _not_written(result, res, the_period.label)
        ctx.io.set_status(SHEET, result.message.splitlines()[0])
        return finish(ctx, result)

    table, changed = merge_allocation(existing, res.rows, period=the_period.code, account=acc,
                                      sheet_period=sheet_period(ctx))
    ctx.io.write_table(_ALLOCATION, cell_values(table.reindex(columns=list(_ALLOCATION.headers))))
    if blank(params.get("period")):
        ctx.io.write_params(SHEET, {"period": the_period.code})
    spare = res.available - res.needed
    if spare:
        findings.append(Finding("alloc_spare", _spare_note(spare, settings.other_systems),
                                Location(file=ctx.io.name, sheet=_TRACKS.sheet), Severity.INFO))
    who = f"帳別 {acc} 的 " if acc else ""
    result.message = (f"已完成 {the_period.label} 配號：{who}{res.machines} 台機台，共 {res.needed:,} 組"
                      f"（{len(res.rows)} 個區間）；剩餘 {spare:,} 組未分配。")
    if changed and len(existing):
        result.message += f"\n與上次的配號結果相比有 {changed} 個區間不同。"
    result.counts = {"機台": res.machines, "區間": len(res.rows), "組數": res.needed, "剩餘組數": spare}
    result.exit_code = exit_code(findings)
    result.next_step = "需要分支機構配號檔時按[轉出E0401]；發票開立後做[漏上傳檢核]。"
    ctx.io.set_status(SHEET, result.message.splitlines()[0])
    result.rows = records(res.rows, ALLOCATION_HEADERS)
    return finish(ctx, result)


def _not_written(result: ActionResult, res: AllocationResult, label: str) -> None:
    """Why nothing was written: used numbers forbid it (exit 1), too few booklets (exit 1), or bad rows (exit 2)."""
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    if res.refused:
        refusals = [f for f in res.findings if f.code.startswith("alloc_used_") and f.severity is Severity.ERROR]
        result.message = "\n".join([
            f"無法配號：已開立的發票不能移到其他機台（{len(refusals)} 個問題），配號結果沒有變更。",
            *(f.message for f in refusals[:_SHOWN]),
            *([f"…另有 {len(refusals) - _SHOWN} 個問題，請見[檢核訊息]"] if len(refusals) > _SHOWN else []),
        ])
        result.exit_code = ExitCode.FINDINGS
        result.next_step = "依訊息修正[機台配號設定]的組數或機台後再按[配號]；已開立的號碼會留在原機台。"
    elif res.missing:
        result.message = (f"{label} 的配號不足：需要 {res.needed:,} 組，只有 {res.available:,} 組，"
                          f"不足 {res.missing:,} 組。配號結果沒有變更。")
        result.exit_code = ExitCode.FINDINGS
        result.next_step = "向財政部申請增加本數並重新匯入配號，或減少[機台配號設定]的組數後再按[配號]。"
    else:
        result.message = f"無法配號：有 {len(errors)} 個問題，配號結果沒有變更。" + (
            f"\n{errors[0].message}" if errors else "")
        result.exit_code = ExitCode.BAD_INPUT


def owned_ranges(ctx: Context, period: str | None = None) -> pd.DataFrame:
    """Every allocated range of the period with who reports its blanks (``PeriodAllocation.reporters``).

    Columns 發票字軌, 起號, 迄號, 張數, 擁有者 (本系統, 其他系統 or the owner typed on 字軌配號),
    營業人統編, 發票類別代號; neighbouring parts with the same owner are one row.
    """
    import pandas as pd

    from ..domain.invoice_number import KEY_BASE, track_from_code
    from ..steps.allocation import OWNER_OTHER
    from .reading import read_allocation

    settings = read_settings(ctx.io)
    the_period = period_of(ctx, settings, period, required=True)
    assert the_period is not None
    pieces = read_allocation(ctx, the_period, settings).reporters(OWNER_OTHER)
    joined = pieces["begin"].to_numpy()[1:] == pieces["end"].to_numpy()[:-1] + 1
    same = joined & (pieces["reporter"].to_numpy()[1:] == pieces["reporter"].to_numpy()[:-1]) \
        & (pieces["ban"].to_numpy()[1:] == pieces["ban"].to_numpy()[:-1]) \
        & (pieces["type"].to_numpy()[1:] == pieces["type"].to_numpy()[:-1])
    starts = [i for i in range(len(pieces)) if i == 0 or not same[i - 1]]
    ends = [*[i - 1 for i in starts[1:]], len(pieces) - 1] if starts else []
    b, e = pieces["begin"].to_numpy(), pieces["end"].to_numpy()
    return pd.DataFrame([{
        "發票字軌": track_from_code(int(b[i]) // KEY_BASE), "起號": f"{int(b[i]) % KEY_BASE:08d}",
        "迄號": f"{int(e[j]) % KEY_BASE:08d}", "張數": int(e[j] - b[i] + 1), "擁有者": pieces["reporter"].iat[i],
        "營業人統編": pieces["ban"].iat[i], "發票類別代號": pieces["type"].iat[i],
    } for i, j in zip(starts, ends, strict=True)],
        columns=["發票字軌", "起號", "迄號", "張數", "擁有者", "營業人統編", "發票類別代號"])


def _spare_note(spare: int, other_systems: bool | None) -> str:
    """What becomes of the booklets no machine got: who reports their blanks (擁有者, else 設定)."""
    head = f"還有 {spare:,} 組沒有分配給機台（[字軌配號]擁有者欄有填的，依擁有者）"
    if other_systems is False:
        return head + "：依[設定]其他系統開立發票＝否，由本系統申報空白，會列入 E0402"
    if other_systems is True:
        return head + "：依[設定]其他系統開立發票＝是，由其他系統申報空白，不列入本系統的 E0402"
    return (head + "：由誰申報空白尚未決定，轉出 E0402 前請在[設定]填「其他系統開立發票」（否／是），"
            "或在[字軌配號]的擁有者欄標明（invoicetools tracks owner）")
