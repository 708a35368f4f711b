"""E0401: the booklets 配號設定 hands to each branch, grouped by the head office's range."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ...domain import periods, ubn
from ...domain.errors import Finding, Location, ValidationError, show_found
from ...domain.invoice_number import KEY_BASE
from ...domain.ranges import BOOKLET, merge
from .columns import (
    A_BAN,
    A_BEGIN,
    A_END,
    A_PERIOD,
    A_TRACK,
    BAN,
    KEY_BEGIN,
    KEY_END,
    PERIOD,
    TRACK,
    TYPE,
    key_range,
    range_keys,
    text_column,
    where_of,
)
from .parse import parse_track_rows

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BranchPlan", "branch_plans"]


@dataclass(frozen=True)
class BranchPlan:
    """One E0401 message: the head office range and the booklets of it handed to one branch."""

    head_ban: str
    branch_ban: str
    invoice_type: str
    year_month: str
    track: str
    begin: int  # 8-digit numbers, as integers
    end: int
    items: tuple[tuple[int, int], ...]

    @property
    def booklets(self) -> int:
        return sum((e - b + 1) // BOOKLET for b, e in self.items)


def branch_plans(
    tracks: pd.DataFrame,
    allocation: pd.DataFrame,
    *,
    head_ban: str,
    period: str,
    tracks_where: Location | None = None,
    allocation_where: Location | None = None,
) -> tuple[list[BranchPlan], list[Finding]]:
    """Group the period's 配號設定 rows held by branches (營業人統編 ≠ ``head_ban``) by head range.

    Each head-office range of 字軌配號 (營業人統編 = ``head_ban``) that hands booklets to a
    branch gives one plan per branch, with the branch's ranges in it merged and ascending.
    A branch range outside every head range is an error finding.
    """
    tracks_where = tracks_where or Location(sheet="字軌配號")
    allocation_where = allocation_where or Location(sheet="配號設定")
    code = periods.parse(period).code
    findings: list[Finding] = []
    parsed, _ = parse_track_rows(tracks, tracks_where)
    head = parsed[(parsed[PERIOD] == code) & (parsed[BAN] == head_ban)].sort_values(KEY_BEGIN, kind="stable")
    hb, he = head[KEY_BEGIN].to_numpy(np.int64), head[KEY_END].to_numpy(np.int64)
    ab, ae, aok = range_keys(allocation, A_TRACK, A_BEGIN, A_END)
    aper = text_column(allocation, A_PERIOD, ident=True)
    aban = text_column(allocation, A_BAN, ident=True)
    pieces: dict[tuple[str, int], list[tuple[int, int]]] = {}
    rows = list(allocation.index)
    for i in range(len(allocation)):
        if aper[i] != code or aban[i] is None or aban[i] == head_ban:
            continue
        here = where_of(allocation_where, rows[i], None)
        if not aok[i]:
            findings.append(Finding("e0401_bad_row", "發票字軌、起號或迄號無法辨識", here))
            continue
        try:
            branch = ubn.validate(aban[i])
        except ValidationError as exc:
            findings.append(Finding("e0401_branch_ubn", f"營業人統編：{exc.message}（讀到「{show_found(aban[i])}」）",
                                    Location(here.file, here.sheet, here.row, A_BAN)))
            continue
        lo, hi = int(ab[i]), int(ae[i])
        first = int(np.searchsorted(he, lo, side="left"))
        covered = 0
        for h in range(first, hb.size):
            if hb[h] > hi:
                break
            b, e = max(lo, int(hb[h])), min(hi, int(he[h]))
            if b <= e:
                pieces.setdefault((branch, h), []).append((b, e))
                covered += e - b + 1
        if covered != hi - lo + 1:
            findings.append(Finding(
                "e0401_outside", f"{key_range(lo, hi)} 不在總公司（{head_ban}）{periods.parse(code).label} 的配號範圍內",
                here))
    plans: list[BranchPlan] = []
    for (branch, h), ranges in sorted(pieces.items(), key=lambda kv: (int(hb[kv[0][1]]), kv[0][0])):
        mb, me = merge([r[0] for r in ranges], [r[1] for r in ranges])
        rec = head.iloc[h]
        plans.append(BranchPlan(
            head_ban=head_ban, branch_ban=branch, invoice_type=str(rec[TYPE]), year_month=code,
            track=str(rec[TRACK]), begin=int(rec[KEY_BEGIN]) % KEY_BASE, end=int(rec[KEY_END]) % KEY_BASE,
            items=tuple((int(b) % KEY_BASE, int(e) % KEY_BASE) for b, e in zip(mb.tolist(), me.tolist(), strict=True)),
        ))
    return plans, findings
