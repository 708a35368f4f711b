"""The checks of 漏上傳檢核: one small function per problem, run from :data:`CHECKS`.

Each takes the :class:`~.join.Joined` register and platform and returns the rows it finds
(:class:`~.model.Part`) and the findings that are not rows. A new rule is a new function
and a line in the tuple (as beancount runs its ``VALIDATIONS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ...domain.errors import Finding, Location, Severity
from .join import Joined, in_sorted, reduce_platform
from .model import (
    CANCEL_LIVE,
    DUPLICATE,
    FAILED,
    MAX_ROW_FINDINGS,
    MISSING,
    OUTSIDE,
    PLATFORM_CANCELLED,
    PLATFORM_ONLY,
    Part,
    RegisterStatus,
    State,
)

__all__ = ["CHECKS", "Outcome"]


@dataclass
class Outcome:
    """What one check found: rows (parts) and findings."""

    parts: list[Part] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    late: int = 0  # invoices uploaded after their deadline
    pending: int = 0  # invoices whose upload result is still pending


def _part(j: Joined, mask: npt.NDArray[np.bool_], problem: str, note: object, *, due: bool) -> list[Part]:
    """Rows of the representative rows in ``mask``; ``note`` one text or one per row."""
    if not mask.any():
        return []
    n = int(mask.sum())
    notes = np.full(n, note, dtype=object) if isinstance(note, str) else np.asarray(note, dtype=object)
    return [Part(problem, j.r_keys[mask], None, j.r_day[mask], notes, j.r_due[mask] if due else None, j.rep[mask])]


def _row_findings(j: Joined, rows: npt.NDArray[np.intp], code: str, message: Callable[[int], str],
                  column: str, more: str) -> list[Finding]:
    """A finding per representative row up to MAX_ROW_FINDINGS, then one that counts the rest."""
    out = [Finding(code, message(int(i)), j.where.with_row(j.row(int(i)), column), Severity.WARNING)
           for i in rows[:MAX_ROW_FINDINGS]]
    if len(rows) > MAX_ROW_FINDINGS:
        out.append(Finding(code, f"另有 {len(rows) - MAX_ROW_FINDINGS:,} {more}", j.where, Severity.WARNING))
    return out


def missing(j: Joined) -> Outcome:
    """未上傳: the platform has no record of the number (any register status)."""
    return Outcome(_part(j, j.r_state < 0, MISSING, "平台查無此發票", due=True))


def pending(j: Joined) -> Outcome:
    """Sent, the platform's result still pending (a source's documented "處理中"): not 已上傳 and not a
    problem row yet — counted, so the summary can say to download the status again later."""
    return Outcome(pending=int((j.r_state == State.PENDING).sum()))


def failed(j: Joined) -> Outcome:
    """上傳失敗: the platform's record says the upload failed."""
    mask = j.r_state == State.FAILED
    said = j.r_detail()[mask]
    notes = np.full(len(said), "平台上傳失敗", dtype=object)
    has_said = said != ""
    notes[has_said] = "平台狀態：" + said[has_said].astype(str).astype(object)
    return Outcome(_part(j, mask, FAILED, notes, due=True))


def cancel_not_uploaded(j: Joined) -> Outcome:
    """作廢未上傳: 作廢 in the register, live on the platform (with the platform's latest failure of a cancel)."""
    mask = (j.r_state == State.ON_PLATFORM) & (j.r_status == RegisterStatus.CANCELLED)
    if not mask.any():
        return Outcome()
    keys = j.r_keys[mask]
    base = "發票資料為作廢，平台上仍為開立（作廢未上傳）"
    notes = np.full(len(keys), base, dtype=object)
    platform = j.platform
    failures = platform[(platform["state"].to_numpy() == State.FAILED) & (platform["key"].to_numpy() >= 0)]
    if not failures.empty:
        last = reduce_platform(failures)
        f_keys = failures["key"].to_numpy(dtype=np.int64)[last]
        i = np.searchsorted(f_keys, keys)
        i[i >= len(f_keys)] = 0
        hit = f_keys[i] == keys
        detail = failures["detail"].astype("string").fillna("").iloc[last].to_numpy(dtype=object)[i]
        notes[hit] = [f"{base}；平台失敗訊息：{d}" if d else base for d in detail[hit]]
    return Outcome(_part(j, mask, CANCEL_LIVE, notes, due=True))


def platform_cancelled(j: Joined) -> Outcome:
    """平台已作廢: the platform holds as 作廢 what the register has 開立 (the ERP may have missed the void)."""
    mask = (j.r_state == State.CANCELLED) & (j.r_status == RegisterStatus.ISSUED)
    return Outcome(_part(j, mask, PLATFORM_CANCELLED, "平台上已作廢，發票資料仍為開立：請確認 ERP 是否漏記作廢", due=False))


def late_upload(j: Joined) -> Outcome:
    """On the platform, but uploaded after its deadline: a warning per invoice."""
    import pandas as pd

    if not len(j.p_keys):
        return Outcome()
    up_time = j.platform["time"].to_numpy(dtype="datetime64[ns]")[j.p_at][j.r_at]
    late = np.flatnonzero(j.r_found & (j.r_state >= State.ON_PLATFORM) & ~np.isnat(up_time) & (up_time > j.r_due))
    return Outcome(late=len(late), findings=_row_findings(
        j, late, "late_upload",
        lambda i: (f"發票 {j.number(i)} 逾期上傳：上傳時間 {pd.Timestamp(up_time[i]):%Y/%m/%d %H:%M}，"
                   f"期限 {pd.Timestamp(j.r_due[i]):%Y/%m/%d %H:%M}"),
        "發票號碼", "張發票逾期上傳（已在平台上）"))


def duplicates(j: Joined) -> Outcome:
    """重號: every row in scope whose number has two or more register rows that are not 註銷."""
    import pandas as pd

    keys, status = j.keys, j.status
    not_void_all = (keys >= 0) & (status != RegisterStatus.VOIDED)
    nv_sorted = np.sort(keys[not_void_all])
    repeated = nv_sorted[1:][nv_sorted[1:] == nv_sorted[:-1]]
    if not len(repeated):
        return Outcome()
    dup_keys = repeated[np.r_[True, repeated[1:] != repeated[:-1]]]
    s_keys = keys[j.pick]
    is_dup = (status[j.pick] != RegisterStatus.VOIDED) & in_sorted(s_keys, dup_keys)
    if not is_dup.any():
        return Outcome()
    at = j.pick[is_dup]
    rows_all = j.register["row"].to_numpy()
    every = np.flatnonzero(not_void_all & in_sorted(keys, dup_keys))
    listed = pd.Series(rows_all[every], index=keys[every]).groupby(level=0).agg(
        lambda r: "、".join(str(int(x)) for x in r))
    note = ("發票資料第 " + listed.reindex(keys[at]).astype(str) + " 列重複").to_numpy(dtype=object)
    return Outcome([Part(DUPLICATE, keys[at], None, j.day[at].astype("datetime64[ns]"), note, None, at)])


def outside_allocation(j: Joined) -> Outcome:
    """不在配號範圍: a number outside the period's allocation (skipped, with a note, when there is none)."""
    if j.allocation is None or j.allocation.empty:
        return Outcome(findings=[Finding(
            "no_allocation",
            f"[配號設定] 與 [字軌配號] 都沒有 {j.scope.period.code} 的配號資料，未檢核「{OUTSIDE}」",
            Location(sheet="配號設定"), Severity.INFO)])
    mask = ~j.allocation.contains(j.r_keys)
    return Outcome(_part(j, mask, OUTSIDE, f"不在 {j.scope.period.code} 的任何配號區間", due=False))


def platform_only(j: Joined) -> Outcome:
    """平台有帳上無: held by the platform (uploaded or cancelled), nowhere in the register, dated in
    the range (or undated but inside the period's allocation), with the 帳別 of the machine range."""
    if not len(j.p_keys):
        return Outcome()
    reg_keys = np.sort(j.keys[j.keys >= 0])  # duplicates do no harm to a sorted lookup
    p_day = j.platform["date"].to_numpy(dtype="datetime64[ns]")[j.p_at].astype("datetime64[D]")
    dated = ~np.isnat(p_day)
    undated_ok = ~dated
    allocation = j.allocation if j.allocation is not None and not j.allocation.empty else None
    if undated_ok.any():
        undated_ok[undated_ok] = allocation.contains(j.p_keys[undated_ok]) if allocation is not None else False
    held = (j.p_state >= State.ON_PLATFORM) & ((dated & (p_day >= j.lo) & (p_day <= j.hi)) | undated_ok)
    only = np.flatnonzero(held & ~in_sorted(j.p_keys, reg_keys))
    o_keys = j.p_keys[only]
    o_account = allocation.account_of(o_keys) if allocation is not None else np.full(len(only), None, dtype=object)
    if j.scope.account:
        keep = np.asarray(o_account == j.scope.account, dtype=bool)
        only, o_keys, o_account = only[keep], o_keys[keep], o_account[keep]
    if not len(only):
        return Outcome()
    note = np.where(j.p_state[only] == State.CANCELLED, "平台上為已作廢；發票資料沒有這張發票",
                    "平台已有這張發票；發票資料沒有這張發票").astype(object)
    return Outcome([Part(PLATFORM_ONLY, o_keys, o_account, p_day[only].astype("datetime64[ns]"), note)])


CHECKS: tuple[Callable[[Joined], Outcome], ...] = (
    missing,
    pending,
    failed,
    cancel_not_uploaded,
    platform_cancelled,
    late_upload,
    duplicates,
    outside_allocation,
    platform_only,
)
