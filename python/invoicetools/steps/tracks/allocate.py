"""配號: hand each machine of 機台配號設定 exactly its 組數 of the period's booklets — all or nothing.

Deterministic, never one booklet twice, contiguous where possible. :func:`allocate` runs in
stages: the period's own booklets (:func:`_own_booklets`), those another 帳別 keeps, the
machines' requests (``machines.machine_requests``), what the used numbers hold in place
(``holding``), the preferred tracks, the hand-out (:func:`assign_booklets`, or
``placing.place_booklets`` around held booklets), then either the shortage report, a
refusal, or the 配號設定 rows.

In the middle of a period (DESIGN "Allocation never moves used numbers") a booklet with a
used number stays with the machine holding it in the current 配號設定, and no machine gets a
booklet below a number it has already used; what cannot be placed so is refused, naming
the booklet and the machines. Without used numbers the allocation is the plain one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ...domain import periods
from ...domain.errors import Finding, Location, Severity
from ...domain.invoice_number import KEY_BASE, from_key, track_code, track_from_code
from ...domain.ranges import BOOKLET, contains, split_booklets
from .columns import (
    A_ACCOUNT,
    A_BAN,
    A_BEGIN,
    A_COUNT,
    A_END,
    A_KIND,
    A_MACHINE,
    A_PERIOD,
    A_SCOPE,
    A_TRACK,
    A_TYPE,
    ALLOCATION_HEADERS,
    BAN,
    BOOKLETS,
    KEY_BEGIN,
    KEY_END,
    M_COUNT,
    M_TRACK,
    MACHINE_NO,
    OWNER,
    PERIOD,
    TYPE,
    is_own,
    range_keys,
    row_periods,
    text_column,
)
from .designated import designate
from .holding import Holding, holding, stuck_finding
from .machines import MachineRequest, machine_requests
from .parse import parse_track_rows
from .placing import place_booklets

if TYPE_CHECKING:
    import pandas as pd

    from ..allocation import PeriodAllocation

__all__ = ["AllocationResult", "allocate", "assign_booklets", "merge_allocation"]

Int64s = npt.NDArray[np.int64]


def assign_booklets(
    keys: Int64s, counts: Sequence[int], preferred: Sequence[int | None], groups: Int64s | None = None
) -> tuple[list[list[tuple[int, int]]], list[int]]:
    """Hand out booklets (sorted, unique first-number keys) to requests, in three passes.

    1. requests with a preferred track (track code), in order: the first free run of that
       track long enough for all of its booklets;
    2. every request still open, in order: the first free run anywhere long enough;
    3. every request still open, in order: the lowest free booklets, its track's first.

    A *run* is a stretch of consecutive booklets (keys 50 apart) of one track and one
    ``groups`` value (e.g. UBN × invoice type). Runs are always taken from their start,
    so free booklets stay runs. Returns per request its segments ``(index, count)`` and the
    number of booklets it got (less than asked only when there are not enough in all).

    >>> keys = np.array([0, 50, 100, 150, 10**8, 10**8 + 50], dtype=np.int64)
    >>> assign_booklets(keys, [1, 2, 3], [None, 1, None])
    ([[(0, 1)], [(4, 2)], [(1, 3)]], [1, 2, 3])
    """
    n = int(keys.size)
    if n:
        tracks_all = keys // KEY_BASE
        step = np.diff(keys) != BOOKLET
        step |= np.diff(tracks_all) != 0
        if groups is not None:
            step |= np.diff(groups) != 0
        run_first = np.flatnonzero(np.r_[True, step]).astype(np.int64)
    else:
        run_first = np.empty(0, dtype=np.int64)
    run_len = np.diff(np.r_[run_first, n]).astype(np.int64)
    run_track = keys[run_first] // KEY_BASE if n else np.empty(0, dtype=np.int64)
    cursor = run_first.copy()
    left = run_len.copy()
    segments: list[list[tuple[int, int]]] = [[] for _ in counts]
    got = [0] * len(counts)
    done = [c <= 0 for c in counts]

    def take(i: int, r: int, k: int) -> None:
        segments[i].append((int(cursor[r]), k))
        cursor[r] += k
        left[r] -= k
        got[i] += k

    for i, (count, pref) in enumerate(zip(counts, preferred, strict=True)):
        if done[i] or pref is None:
            continue
        cand = np.flatnonzero((left >= count) & (run_track == pref))
        if cand.size:
            take(i, int(cand[0]), count)
            done[i] = True
    for i, count in enumerate(counts):
        if done[i]:
            continue
        cand = np.flatnonzero(left >= count)
        if cand.size:
            take(i, int(cand[0]), count)
            done[i] = True
    for i, (count, pref) in enumerate(zip(counts, preferred, strict=True)):
        if done[i]:
            continue
        free = np.flatnonzero(left > 0)
        if pref is not None:
            free = np.r_[free[run_track[free] == pref], free[run_track[free] != pref]]
        need = count
        for r in free.tolist():
            k = int(min(left[r], need))
            take(i, r, k)
            need -= k
            if need == 0:
                break
        done[i] = True
    return segments, got


@dataclass
class AllocationResult:
    """The rows of one period's allocation (配號設定 columns), the findings, the counts."""

    rows: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    machines: int = 0
    needed: int = 0  # booklets asked for
    available: int = 0  # free booklets of the period
    missing: int = 0  # needed − available when short
    written: bool = False  # False when nothing may be written (errors or too few booklets)
    refused: bool = False  # used numbers forbid what 機台配號設定 asks (the findings say which booklet and machines)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]


@dataclass
class _Booklets:
    """Free booklets of the period: sorted first-number keys, each with its UBN and invoice type."""

    keys: Int64s
    bans: list[str]
    types: list[str]
    machines: list[str | None] = field(default_factory=list)  # the MOF file's 機台號碼 of the booklet's row

    def without(self, drop: npt.NDArray[np.bool_]) -> _Booklets:
        keep = ~drop
        machines = self.machines or [None] * self.keys.size
        return _Booklets(self.keys[keep], [b for b, k in zip(self.bans, keep.tolist(), strict=True) if k],
                         [t for t, k in zip(self.types, keep.tolist(), strict=True) if k],
                         [m for m, k in zip(machines, keep.tolist(), strict=True) if k])

    def group_ids(self) -> Int64s:
        """One integer per (UBN, invoice type): a run of booklets never crosses either."""
        codes: dict[tuple[str, str], int] = {}
        return np.array([codes.setdefault((b, t), len(codes)) for b, t in zip(self.bans, self.types, strict=True)],
                        dtype=np.int64)


def _empty_allocation() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=list(ALLOCATION_HEADERS))


def _own_booklets(
    tracks: pd.DataFrame, period: str, company_ubn: str | None, where: Location
) -> tuple[_Booklets, list[Finding], int]:
    """The period's own booklets (擁有者 blank or 本系統), the findings, and how many have another owner."""
    parsed, bad = parse_track_rows(tracks, where)
    findings = [Finding(f.code, f"[字軌配號] {f.message}", f.where, Severity.WARNING) for f in bad]
    parsed = parsed[parsed[PERIOD] == period]
    if company_ubn:
        parsed = parsed[parsed[BAN] == company_ubn]
    own = np.array([is_own(o) is not False for o in parsed[OWNER]], dtype=bool)
    others = int(parsed.loc[~own, BOOKLETS].sum()) if (~own).any() else 0
    parsed = parsed[own]
    if not len(parsed):
        return _Booklets(np.empty(0, np.int64), [], []), findings, others
    starts, _ = split_booklets(parsed[KEY_BEGIN].to_numpy(np.int64), parsed[KEY_END].to_numpy(np.int64))
    sizes = ((parsed[KEY_END] - parsed[KEY_BEGIN] + 1) // BOOKLET).to_numpy(np.int64)
    owner_row = np.repeat(np.arange(len(parsed)), sizes)
    order = np.argsort(starts, kind="stable")
    starts, owner_row = starts[order], owner_row[order]
    uniq = np.r_[True, np.diff(starts) != 0] if starts.size else np.empty(0, bool)
    starts, owner_row = starts[uniq], owner_row[uniq]
    bans = parsed[BAN].to_numpy(dtype=object)[owner_row].tolist()
    types = parsed[TYPE].to_numpy(dtype=object)[owner_row].tolist()
    machines = [m.strip() if isinstance(m, str) and m.strip() else None
                for m in parsed[MACHINE_NO].to_numpy(dtype=object)[owner_row].tolist()]
    return _Booklets(starts.astype(np.int64), bans, types, machines), findings, others


def _held_by_other_accounts(booklets: _Booklets, previous: pd.DataFrame | None, period: periods.Period,
                            account: str | None, sheet_period: periods.Period | None) -> _Booklets:
    """When one 帳別 is allocated, the booklets other 帳別 hold in 配號設定 for the period stay theirs
    (a row with a blank 申報年月 is the sheet's period, as ``steps.allocation`` reads it)."""
    if account is None or previous is None or not len(previous) or not booklets.keys.size:
        return booklets
    pb, pe, pok = range_keys(previous, A_TRACK, A_BEGIN, A_END)
    per = row_periods(previous, A_PERIOD, default=sheet_period or period)
    acc = np.array(text_column(previous, A_ACCOUNT, ident=True), dtype=object)
    held = pok & (per == period.code) & (acc != account)
    if not held.any():
        return booklets
    return booklets.without(contains(pb[held], pe[held], booklets.keys))


def _preferred_tracks(requests: list[MachineRequest], keys: Int64s, p: periods.Period,
                      findings: list[Finding]) -> list[int | None]:
    """Each request's preferred track code; a track the period does not have is ignored, with a warning."""
    present_tracks = set((keys // KEY_BASE).tolist())
    preferred: list[int | None] = []
    for r in requests:
        code = track_code(r.track) if r.track is not None else None
        if code is not None and code not in present_tracks:
            findings.append(Finding(
                "alloc_track_unknown", f"{r.name} 指定的字軌 {r.track} 不在 {p.label} 的配號中，改由其他字軌配號",
                Location(r.where.file, r.where.sheet, r.where.row, M_TRACK), Severity.WARNING))
            code = None
        preferred.append(code)
    return preferred


def _report_shortage(result: AllocationResult, requests: list[MachineRequest], got: list[int],
                     p: periods.Period, machines_where: Location) -> None:
    result.missing = result.needed - result.available
    short = [(r, g) for r, g in zip(requests, got, strict=True) if g < r.count]
    names = "、".join(f"{r.name}（需要 {r.count} 組，只剩 {g} 組）" for r, g in short)
    result.findings.append(Finding(
        "alloc_shortage",
        f"{p.label} 可分配的配號只有 {result.available} 組，機台共需要 {result.needed} 組，不足 {result.missing} 組："
        f"{names}。請向財政部申請增加本數後重新匯入，或減少組數；配號結果沒有變更",
        Location(machines_where.file, machines_where.sheet)))
    for r, g in short:
        result.findings.append(Finding(
            "alloc_machine_short", f"{r.name} 需要 {r.count} 組，只能配到 {g} 組（不足 {r.count - g} 組）",
            Location(r.where.file, r.where.sheet, r.where.row, M_COUNT)))


def _allocation_rows(requests: list[MachineRequest], segments: list[list[tuple[int, int]]],
                     preferred: list[int | None], booklets: _Booklets, p: periods.Period,
                     findings: list[Finding], fallback: list[bool] | None = None) -> pd.DataFrame:
    """One 配號設定 row per machine segment (a branch machine's rows carry the branch UBN).

    ``fallback``: which requests did not get their preferred track (default: those with
    more than one segment or one of another track)."""
    import pandas as pd

    keys = booklets.keys
    records: list[dict[str, Any]] = []
    for i, (r, segs, pref) in enumerate(zip(requests, segments, preferred, strict=True)):
        if fallback[i] if fallback is not None else (
                pref is not None and (len(segs) != 1 or int(keys[segs[0][0]] // KEY_BASE) != pref)):
            findings.append(Finding(
                "alloc_track_fallback",
                f"{r.name} 指定的字軌 {r.track} 剩下的連續組數不足 {r.count} 組，已改用其他號碼",
                Location(r.where.file, r.where.sheet, r.where.row, M_TRACK), Severity.WARNING))
        for start, k in segs:
            first = int(keys[start])
            last = int(keys[start + k - 1]) + BOOKLET - 1
            records.append({
                A_ACCOUNT: r.account, A_MACHINE: r.machine, A_TRACK: track_from_code(first // KEY_BASE),
                A_BEGIN: f"{first % KEY_BASE:08d}", A_END: f"{last % KEY_BASE:08d}", A_COUNT: k,
                A_PERIOD: p.code, A_TYPE: booklets.types[start], A_BAN: r.branch or booklets.bans[start],
                A_KIND: r.kind, A_SCOPE: r.scope,
            })
    return pd.DataFrame(records, columns=list(ALLOCATION_HEADERS))


def _hold(booklets: _Booklets, requests: list[MachineRequest], used: Int64s | None,
          current: PeriodAllocation | None, account: str | None, reuse_counts: bool,
          result: AllocationResult, where: Location) -> tuple[_Booklets, Holding | None]:
    """The booklets the used numbers hold in place; those no request may get leave ``booklets``."""
    if used is None:
        return booklets, None
    held = holding(booklets.keys, requests, current, used, account=account, reuse_counts=reuse_counts, where=where)
    result.findings += held.findings + held.refusals
    if held.excluded.any():
        keep = ~held.excluded
        held = Holding(held.fixed[keep], held.excluded[keep], held.floors, held.findings, held.refusals)
        booklets = booklets.without(~keep)
    return booklets, held


def _with_designation(booklets: _Booklets, requests: list[MachineRequest], held: Holding | None,
                      result: AllocationResult, where: Location) -> Holding | None:
    """Booklets the MOF file gives to a machine (機台號碼) join the held ones; a conflict is a refusal."""
    designation = designate(booklets.keys, booklets.machines or [None] * booklets.keys.size, requests, where)
    if not designation.any and not designation.refusals:
        return held
    result.findings += designation.refusals
    if designation.refusals:
        result.refused = True
        return held
    if held is None:
        return Holding(designation.fixed, np.zeros(booklets.keys.size, dtype=bool), [{} for _ in requests])
    clash = (held.fixed >= 0) & (designation.fixed >= 0) & (held.fixed != designation.fixed)
    for b in np.flatnonzero(clash)[:20].tolist():
        result.findings.append(Finding(
            "alloc_mof_used", f"財政部配號檔指定 {from_key(int(booklets.keys[b]))} 那組給{requests[int(designation.fixed[b])].name}，"
            f"但它已由{requests[int(held.fixed[b])].name}開立：已開立的號碼不能移到其他機台；配號結果沒有變更",
            Location(where.file, where.sheet, None, MACHINE_NO)))
    if clash.any():
        result.refused = True
        return held
    fixed = np.where(held.fixed >= 0, held.fixed, designation.fixed)
    kept = np.bincount(fixed[fixed >= 0], minlength=len(requests))
    for i in np.flatnonzero(kept > np.array([r.count for r in requests], dtype=np.int64)).tolist():
        r = requests[i]
        result.findings.append(Finding(
            "alloc_mof_count", f"{r.name} 要保留已開立的組數加上財政部配號檔指定的組數，共 {int(kept[i])} 組，比組數 {r.count} 組多："
            "請把組數改為至少這麼多；配號結果沒有變更", Location(r.where.file, r.where.sheet, r.where.row, M_COUNT)))
        result.refused = True
    return Holding(fixed, held.excluded, held.floors, held.findings, held.refusals)


def _place(booklets: _Booklets, requests: list[MachineRequest], preferred: list[int | None], held: Holding | None,
           current: PeriodAllocation | None, result: AllocationResult
           ) -> tuple[list[list[tuple[int, int]]], list[int], list[bool] | None]:
    """The hand-out: the plain one when nothing is held, else around the held booklets (a refusal when impossible)."""
    counts = [r.count for r in requests]
    if held is None or not held.constrained:
        segments, got = assign_booklets(booklets.keys, counts, preferred, booklets.group_ids())
        return segments, got, None
    placed = place_booklets(booklets.keys, booklets.group_ids(), counts, preferred, held.fixed, held.floors)
    if placed.stuck is not None and placed.stuck[1] >= 0 and result.needed <= result.available:
        i, b = placed.stuck
        assert current is not None  # held booklets come from the current allocation
        result.findings.append(stuck_finding(requests[i], counts[i] - placed.got[i], int(booklets.keys[b]),
                                             held.floors[i], current))
        result.refused = True
    fallback = [pref is not None and bool((booklets.keys[new] // KEY_BASE != pref).any())
                for pref, new in zip(preferred, placed.fresh, strict=True)]
    return placed.segments, placed.got, fallback


def allocate(
    tracks: pd.DataFrame,
    machines: pd.DataFrame,
    *,
    period: str,
    company_ubn: str | None = None,
    account: str | None = None,
    reuse_counts: bool = False,
    previous: pd.DataFrame | None = None,
    tracks_where: Location | None = None,
    machines_where: Location | None = None,
    used: Int64s | None = None,
    current: PeriodAllocation | None = None,
    sheet_period: periods.Period | None = None,
) -> AllocationResult:
    """Assign the period's own booklets to the machines: all or nothing.

    Booklets: the rows of 字軌配號 for ``period`` (and ``company_ubn`` when given) whose
    擁有者 is blank or 本系統, sorted by track then number. When ``account`` is given only
    that 帳別's machines are allocated and the booklets other 帳別 hold in ``previous``
    (配號設定) for the period stay theirs. The result has one row per machine range, in
    machine order; ``written`` is False (and ``rows`` empty) when there are errors or too
    few booklets — then a finding says how many are missing and for which machines.

    ``used`` (the used numbers, ``steps.used``) and ``current`` (the period's allocation,
    ``steps.allocation``) keep every booklet with a used number on the machine holding it
    and never give a machine a booklet below a number it has used; ``refused`` is True,
    with findings naming the booklet and machines, when 機台配號設定 asks what cannot be so.
    """
    tracks_where = tracks_where or Location(sheet="字軌配號")
    machines_where = machines_where or Location(sheet="機台配號設定")
    p = periods.parse(period)
    result = AllocationResult(_empty_allocation())
    booklets, track_findings, others = _own_booklets(tracks, p.code, company_ubn, tracks_where)
    result.findings += track_findings
    if others:
        result.findings.append(Finding(
            "alloc_other_owner", f"{others} 組的擁有者不是本系統（見[字軌配號]擁有者欄），不分配給機台",
            Location(tracks_where.file, tracks_where.sheet), Severity.INFO))
    booklets = _held_by_other_accounts(booklets, previous, p, account, sheet_period)
    requests, machine_findings = machine_requests(
        machines, period=p.code, where=machines_where, reuse_counts=reuse_counts, previous=previous, account=account)
    result.findings += machine_findings
    result.machines = len(requests)
    result.needed = sum(r.count for r in requests)
    if any(f.severity is Severity.ERROR for f in machine_findings):
        result.available = int(booklets.keys.size)
        return result
    booklets, held = _hold(booklets, requests, used, current, account, reuse_counts, result, tracks_where)
    held = _with_designation(booklets, requests, held, result, tracks_where)
    result.available = int(booklets.keys.size)
    if result.refused or (held is not None and held.refusals):
        result.refused = True
        return result
    if not requests:
        who = f"帳別 {account} " if account else ""
        result.findings.append(Finding("alloc_no_machines", f"[機台配號設定]沒有{who}適用於 {p.label} 的機台",
                                       Location(machines_where.file, machines_where.sheet)))
        return result
    if booklets.keys.size == 0:
        result.findings.append(Finding(
            "alloc_no_tracks",
            f"[字軌配號]沒有 {p.label} 可分配的配號" + (f"（營業人統編 {company_ubn}）" if company_ubn else "")
            + "；請先按[手動匯入]或[自動匯入]取得配號",
            Location(tracks_where.file, tracks_where.sheet)))
        return result
    preferred = _preferred_tracks(requests, booklets.keys, p, result.findings)
    segments, got, fallback = _place(booklets, requests, preferred, held, current, result)
    if result.needed > result.available:
        _report_shortage(result, requests, got, p, machines_where)
        return result
    if result.refused:
        return result
    result.rows = _allocation_rows(requests, segments, preferred, booklets, p, result.findings, fallback)
    result.written = not result.errors
    if not result.written:
        result.rows = _empty_allocation()
    return result


def merge_allocation(
    existing: pd.DataFrame, rows: pd.DataFrame, *, period: str, account: str | None = None,
    sheet_period: periods.Period | None = None,
) -> tuple[pd.DataFrame, int]:
    """The new 配號設定 table: ``rows`` replace the period's rows (only ``account``'s when given).

    A row's period is read as ``steps.allocation`` reads it: its 申報年月, else ``sheet_period``
    (the sheet's own 申報年月), else ``period`` — so a hand-typed row with a blank 申報年月 that the
    allocation counts as the period's is replaced too, never left to overlap the new rows.

    Rows of other periods (the previous period's are what 按當期數量配號 reads) and of other
    帳別 stay. Columns this step does not write (預估下期組數 …) keep their values for the
    same 帳別 × 機台號 × 申報年月. Returns the table (periods ascending, machine order kept)
    and how many of the period's rows changed.
    """
    import pandas as pd

    old = existing.copy()
    per = pd.Series(row_periods(old, A_PERIOD, default=sheet_period or periods.parse(period)), index=old.index,
                    dtype="object")
    acc = pd.Series(text_column(old, A_ACCOUNT, ident=True), index=old.index, dtype="object")
    mine = per == periods.parse(period).code
    if account is not None:
        mine &= acc == account
    replaced = old[mine.to_numpy(dtype=bool)]
    kept = old[~mine.to_numpy(dtype=bool)]
    new = rows.copy()
    extra = [c for c in old.columns if c not in ALLOCATION_HEADERS]
    if extra and len(replaced):
        carry: dict[tuple[str | None, str | None], dict[str, Any]] = {}
        for a, m, (_, rec) in zip(text_column(replaced, A_ACCOUNT, ident=True),
                                  text_column(replaced, A_MACHINE, ident=True), replaced.iterrows(), strict=True):
            carry.setdefault((a, m), {c: rec[c] for c in extra})
        for c in extra:
            new[c] = [carry.get((a, m), {}).get(c) for a, m in zip(new[A_ACCOUNT], new[A_MACHINE], strict=True)]
    changed = _changed_rows(replaced, new)
    parts = [f for f in (kept, new) if len(f)]
    table = pd.concat(parts, ignore_index=True) if parts else new
    sort_key = pd.Series(text_column(table, A_PERIOD, ident=True), dtype="object").fillna("~")
    table = table.assign(_p=sort_key.to_numpy()).sort_values("_p", kind="stable").drop(columns="_p")
    return table.reset_index(drop=True), changed


def _changed_rows(before: pd.DataFrame, after: pd.DataFrame) -> int:
    cols = [A_ACCOUNT, A_MACHINE, A_TRACK, A_BEGIN, A_END]

    def as_set(frame: pd.DataFrame) -> set[tuple[str | None, ...]]:
        columns = [text_column(frame, c, ident=True) for c in cols]
        return set(zip(*columns, strict=True))

    return len(as_set(before) ^ as_set(after))
