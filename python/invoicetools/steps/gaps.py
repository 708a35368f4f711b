"""跳號 (skipped numbers) per 帳別 × 機台 × 字軌, the 未使用 tails, their cause and their state.

A machine issues its numbers in order. Within the numbers allocated to one 帳別 × 機台 in
one track (its 配號設定 rows, merged, so a run that crosses a booklet boundary is one row),
the *used* numbers are those in the register with any status (開立, 作廢, 註銷) or on the
platform. The numbers never used that lie below the machine's highest used number are
**跳號**; those above it are **未使用** (information: they go to E0402 as blanks). A machine
range with no used number is wholly 未使用.

Each 跳號 gets its cause from the platform status (issue #10): a number the platform holds
but the register lacks is *not* a skipped number but a hole in the ERP export (類型 跳號,
原因 平台有此發票, 處理 待補ERP資料, never voided); a number on neither is never issued
(處理 待確認 until 整批作廢 marks it 已作廢). Without any platform status the cause is
unknown. Ranges are split by cause.

The 已作廢 state lives on the 跳號作廢 sheet. A rerun recomputes the runs and carries the
state over *by number* (a number lies in one machine range only, so renaming a machine
keeps it): the part of a new run that was voided before stays 已作廢, the rest is 待確認.
Voided numbers that are no longer skipped are reported, never silently lost.

Everything is computed on int64 keys with ``steps.blanks`` (sort, binary search of the
range bounds, one bitmap): no loop over single numbers.

>>> import pandas as pd
>>> from invoicetools.domain.invoice_number import to_key
>>> from invoicetools.steps.blanks import UsedNumbers
>>> ab = to_key("AB00000000")
>>> machines = pd.DataFrame({"account": ["A", "A"], "machine": ["01", "01"],
...                          "begin": [ab, ab + 50], "end": [ab + 49, ab + 99]})
>>> used = UsedNumbers.of([ab + n for n in (0, 1, 2, 5, 6, 52, 53)], platform=[ab + 3])
>>> result = find_gaps(machines, used)
>>> show = lambda r: [(from_key(b)[2:], from_key(e)[2:], k, s) for b, e, k, s
...                   in r.rows[["begin", "end", "kind", "state"]].itertuples(index=False)]
>>> for line in show(result):
...     print(line)
('00000003', '00000003', '跳號', '待補ERP資料')
('00000004', '00000004', '跳號', '待確認')
('00000007', '00000051', '跳號', '待確認')
('00000054', '00000099', '未使用', '')
>>> voided = pd.DataFrame({"account": ["A"], "machine": ["01"], "begin": [ab + 7], "end": [ab + 20]})
>>> for line in show(find_gaps(machines, used, voided)):
...     print(line)
('00000003', '00000003', '跳號', '待補ERP資料')
('00000004', '00000004', '跳號', '待確認')
('00000007', '00000020', '跳號', '已作廢')
('00000021', '00000051', '跳號', '待確認')
('00000054', '00000099', '未使用', '')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..domain import ranges as _ranges
from ..domain.errors import Finding, Location, Severity
from ..domain.invoice_number import KEY_BASE, from_key
from .blanks import (
    GROUP_BASE,
    Segments,
    UsedNumbers,
    classify,
    group_max,
    overlap_pieces,
    segment_max,
    segments,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CAUSE_IDLE",
    "CAUSE_NEVER",
    "CAUSE_PLATFORM",
    "CAUSE_TAIL",
    "CAUSE_UNKNOWN",
    "COLUMNS",
    "FIX_ERP",
    "KIND_GAP",
    "KIND_UNUSED",
    "NO_GAPS",
    "PENDING",
    "VOIDED",
    "GapResult",
    "find_gaps",
    "mark_unvoid",
    "mark_void",
    "range_text",
]

Int64s = npt.NDArray[np.int64]

KIND_GAP = "跳號"
KIND_UNUSED = "未使用"
PENDING = "待確認"
VOIDED = "已作廢"
FIX_ERP = "待補ERP資料"
CAUSE_NEVER = "從未開立（平台也沒有此號碼）"
CAUSE_PLATFORM = "平台有此發票：ERP 發票資料缺漏，請補匯入（不可作廢）"
CAUSE_UNKNOWN = "尚未下載平台發票狀況，無法確認是否曾開立"
CAUSE_TAIL = "最後已開號碼之後，本期未使用"
CAUSE_IDLE = "此機台本期沒有開立發票"
NO_GAPS = "無任何異常跳號資料"

COLUMNS = ("account", "machine", "track", "begin", "end", "count", "kind", "state", "cause")
_TRACKS = 676
_MAX_FINDINGS = 200


def range_text(begin: int, end: int) -> str:
    """``AB00000007–AB00000051``, or one number.

    >>> range_text(100000007, 100000051), range_text(100000007, 100000007)
    ('AB00000007–AB00000051', 'AB00000007')
    """
    return from_key(begin) if begin == end else f"{from_key(begin)}–{from_key(end)}"


@dataclass
class GapResult:
    """The rows of the 跳號作廢 sheet (as keys, see ``COLUMNS``) and the findings."""

    rows: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    machines: int = 0  # 帳別 × 機台 × 字軌 groups looked at

    def _mask(self, kind: str, state: str | None = None) -> npt.NDArray[np.bool_]:
        mask: npt.NDArray[np.bool_] = np.array(self.rows["kind"] == kind, dtype=bool)
        if state is not None:
            mask &= np.array(self.rows["state"] == state, dtype=bool)
        return mask

    @property
    def pending(self) -> pd.DataFrame:
        """跳號 still 待確認 (never issued, or cause unknown)."""
        return self.rows[self._mask(KIND_GAP, PENDING)]

    @property
    def voided(self) -> pd.DataFrame:
        return self.rows[self._mask(KIND_GAP, VOIDED)]

    @property
    def fix_erp(self) -> pd.DataFrame:
        """Numbers the platform holds and the register lacks."""
        return self.rows[self._mask(KIND_GAP, FIX_ERP)]

    @property
    def gaps(self) -> pd.DataFrame:
        return self.rows[self._mask(KIND_GAP)]

    @property
    def unused(self) -> pd.DataFrame:
        return self.rows[self._mask(KIND_UNUSED)]

    def counts(self) -> dict[str, int]:
        def numbers(frame: pd.DataFrame) -> int:
            return int(frame["count"].sum()) if len(frame) else 0

        return {
            "跳號組數": len(self.gaps),
            "跳號張數": numbers(self.gaps),
            "待確認張數": numbers(self.pending),
            "已作廢張數": numbers(self.voided),
            "待補ERP張數": numbers(self.fix_erp),
            "未使用張數": numbers(self.unused),
        }


def _group_codes(account: pd.Series, machine: pd.Series) -> tuple[Int64s, list[tuple[str, str]]]:
    """One integer per 帳別 × 機台 pair, and the pairs in code order."""
    import pandas as pd

    acc = account.astype("string").fillna("").str.strip()
    mac = machine.astype("string").fillna("").str.strip()
    index = pd.MultiIndex.from_arrays([acc, mac])
    codes, uniques = pd.factorize(index)
    return np.asarray(codes, dtype=np.int64), [(str(a), str(m)) for a, m in uniques]


def _track_of(begin: Int64s, end: Int64s) -> Int64s:
    track = begin // KEY_BASE
    if (end // KEY_BASE != track).any():
        raise ValueError("a range crosses a track")
    return track


def _overlap_findings(seg: Segments, pairs: list[tuple[str, str]], where: Location) -> list[Finding]:
    out = []
    for ov in seg.overlaps[:_MAX_FINDINGS]:
        (a1, m1), (a2, m2) = pairs[ov.kept // _TRACKS], pairs[ov.dropped // _TRACKS]
        out.append(Finding(
            "gaps_overlap",
            f"帳別 {a2} 機台 {m2 or '（空白）'} 的配號 {range_text(ov.begin, ov.end)} 與帳別 {a1} 機台 "
            f"{m1 or '（空白）'} 重疊；重疊的號碼先算給帳別 {a1} 機台 {m1 or '（空白）'}，請修正[配號設定]",
            where, Severity.ERROR))
    return out


def _frame(group: Int64s, begin: Int64s, end: Int64s, kind: str, state: object, cause: object) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({
        "group": group, "begin": begin, "end": end,
        "kind": kind, "state": state, "cause": cause,
    })


def _carry_findings(
    voided: pd.DataFrame,
    skipped: tuple[Int64s, Int64s],
    unused: tuple[Int64s, Int64s],
    seg: Segments,
    pairs: list[tuple[str, str]],
    where: Location,
    report_outside: bool,
) -> list[Finding]:
    """Voided numbers that are no longer skipped: now 未使用 (warning), now used (error), or no longer allocated."""
    vb = voided["begin"].to_numpy(dtype=np.int64)
    ve = voided["end"].to_numpy(dtype=np.int64)
    lb, le = _ranges.subtract(vb, ve, *skipped)
    if lb.size == 0:
        return []
    ib, ie = _ranges.intersect(lb, le, seg.begin, seg.end)  # still allocated to a machine in scope
    tb, te = _ranges.intersect(ib, ie, *unused)
    ub, ue = _ranges.subtract(ib, ie, *unused)
    ob, oe = _ranges.subtract(lb, le, seg.begin, seg.end) if report_outside else (lb[:0], le[:0])
    order = np.argsort(vb, kind="stable")
    rows = voided["row"].tolist() if "row" in voided.columns else [None] * len(voided)

    def place(b: int) -> Location:
        i = int(_ranges.locate(vb[order], ve[order], [b])[0])
        row = rows[int(order[i])] if i >= 0 else None
        return where.with_row(int(row), "處理") if row is not None and row == row else where

    out: list[Finding] = []
    for bs, es, code, severity, text in (
        (ub, ue, "gaps_voided_used", Severity.ERROR,
         "先前已作廢，但現在發票資料或平台上有此號碼：請確認是否誤作廢"),
        (tb, te, "gaps_voided_unused", Severity.WARNING,
         "先前已作廢，重新計算後位於最後已開號碼之後（未使用）：仍會列入 E0402 空白號碼"),
        (ob, oe, "gaps_voided_machine", Severity.WARNING,
         "先前已作廢，但已不在本期任何機台的配號範圍內（[配號設定]已變更）：作廢紀錄保留在執行紀錄"),
    ):
        pieces = list(zip(bs.tolist(), es.tolist(), strict=True))[:_MAX_FINDINGS]
        for b, e in pieces:
            who = ""
            if code != "gaps_voided_machine":
                holder = int(_ranges.locate(seg.begin, seg.end, [b])[0])  # b lies in a segment in scope
                account, machine = pairs[int(seg.group[holder]) // _TRACKS]
                who = f"帳別 {account} 機台 {machine or '（空白）'} "
            out.append(Finding(code, f"{who}{range_text(b, e)}：{text}", place(b), severity))
    return out


def find_gaps(
    machines: pd.DataFrame,
    used: UsedNumbers,
    voided: pd.DataFrame | None = None,
    *,
    where: Location | None = None,
    voided_where: Location | None = None,
    report_outside: bool = True,
) -> GapResult:
    """跳號 and 未使用 runs per 帳別 × 機台 × 字軌.

    ``machines``: one row per allocated range with ``account``, ``machine``, ``begin``,
    ``end`` (inclusive int64 keys) and optionally ``row`` (its Excel row, for findings).
    ``voided``: the ranges marked 已作廢 before (``begin``, ``end``, optionally ``row`` = the
    sheet row); the state is carried over by number. ``report_outside``: also report voided
    numbers that no machine range holds any more (off when only one 帳別 is computed).
    """
    import pandas as pd

    where = where or Location(sheet="配號設定")
    voided_where = voided_where or Location(sheet="跳號作廢")
    empty = pd.DataFrame({c: pd.Series(dtype="int64" if c in ("track", "begin", "end", "count") else "object")
                          for c in COLUMNS})
    if machines.empty:
        return GapResult(empty)
    codes, pairs = _group_codes(machines["account"], machines["machine"])
    begin = machines["begin"].to_numpy(dtype=np.int64)
    end = machines["end"].to_numpy(dtype=np.int64)
    group = codes * _TRACKS + _track_of(begin, end)
    seg = segments(group, begin, end)
    findings = _overlap_findings(seg, pairs, where)

    runs, plat = classify(seg, used)
    groups, high = group_max(seg, segment_max(seg, used))
    run_group = seg.group[runs.segment]
    run_high = high[np.searchsorted(groups, run_group)]
    is_gap = runs.end < run_high
    gap_cause = CAUSE_NEVER if used.platform_known else CAUSE_UNKNOWN

    parts: list[pd.DataFrame] = []
    gg, gb, ge = run_group[is_gap], runs.begin[is_gap], runs.end[is_gap]
    unused = ~is_gap
    ug, ub, ue = run_group[unused], runs.begin[unused], runs.end[unused]
    parts.append(_frame(ug, ub, ue, KIND_UNUSED, "", np.where(run_high[unused] < 0, CAUSE_IDLE, CAUSE_TAIL)))
    parts.append(_frame(seg.group[plat.segment], plat.begin, plat.end, KIND_GAP, FIX_ERP, CAUSE_PLATFORM))

    if voided is not None and len(voided):
        # the state is carried by number: a number lies in one machine range only, whatever it is called now
        vb = voided["begin"].to_numpy(dtype=np.int64)
        ve = voided["end"].to_numpy(dtype=np.int64)
        at, ib, ie = overlap_pieces(gb, ge, vb, ve)  # voided parts, each inside one gap run
        ig = gg[at]
        # the rest of each run (group-tagged keys, so that runs of two machines never merge)
        cb, ce = _ranges.subtract(gg * GROUP_BASE + gb, gg * GROUP_BASE + ge, ig * GROUP_BASE + ib, ig * GROUP_BASE + ie)
        parts.append(_frame(ig, ib, ie, KIND_GAP, VOIDED, gap_cause))
        parts.append(_frame(cb // GROUP_BASE, cb % GROUP_BASE, ce % GROUP_BASE, KIND_GAP, PENDING, gap_cause))
        findings += _carry_findings(voided, (gb, ge), (ub, ue), seg, pairs, voided_where, report_outside)
    else:
        parts.append(_frame(gg, gb, ge, KIND_GAP, PENDING, gap_cause))

    rows = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else None
    if rows is None:
        return GapResult(empty, findings, machines=len(groups))
    pair_code = rows["group"].to_numpy(dtype=np.int64) // _TRACKS
    rows["account"] = [pairs[c][0] for c in pair_code.tolist()]
    rows["machine"] = [pairs[c][1] for c in pair_code.tolist()]
    rows["track"] = rows["group"].to_numpy(dtype=np.int64) % _TRACKS
    rows["count"] = rows["end"] - rows["begin"] + 1
    rows = rows.sort_values(["account", "machine", "track", "begin"], kind="stable").reset_index(drop=True)
    return GapResult(rows.loc[:, list(COLUMNS)], findings, machines=len(groups))


def mark_void(rows: pd.DataFrame, *, include_unknown: bool = False) -> tuple[pd.DataFrame, npt.NDArray[np.bool_]]:
    """整批作廢: every 待確認 跳號 that was never issued becomes 已作廢. Returns the rows and what changed.

    Numbers the platform holds (待補ERP資料) are never voided; numbers whose cause is unknown
    (no platform status) only with ``include_unknown`` (a forced void).
    """
    cause_ok = rows["cause"] == CAUSE_NEVER
    if include_unknown:
        cause_ok |= rows["cause"] == CAUSE_UNKNOWN
    target = ((rows["kind"] == KIND_GAP) & (rows["state"] == PENDING) & cause_ok).to_numpy(dtype=bool)
    out = rows.copy()
    out.loc[target, "state"] = VOIDED
    return out, target


def mark_unvoid(rows: pd.DataFrame) -> tuple[pd.DataFrame, npt.NDArray[np.bool_]]:
    """Take 整批作廢 back: 已作廢 → 待確認."""
    target = ((rows["kind"] == KIND_GAP) & (rows["state"] == VOIDED)).to_numpy(dtype=bool)
    out = rows.copy()
    out.loc[target, "state"] = PENDING
    return out, target
