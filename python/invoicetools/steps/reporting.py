"""What this system reports in E0402: its parts of the period's allocation, by 營業人 × 發票類別 × 字軌.

Who reports which part is the allocation's own answer (``PeriodAllocation.reporters``);
here the parts this system reports (本系統) are grouped the way E0402 files are cut: one
group per 營業人統編 × 發票類別代號 × 字軌 (a blank 營業人統編 is the company's, a blank type
is 07 with a warning). A track split between reporters is warned about: two E0402 uploads
for one track replace each other on the platform.

>>> import pandas as pd
>>> from invoicetools.domain import periods
>>> from invoicetools.steps.allocation import period_allocation
>>> tracks = pd.DataFrame({"營業人統編": ["53212539"] * 2, "發票類別代號": ["07"] * 2,
...     "發票期別": ["114/01 ~ 114/02"] * 2, "發票字軌名稱": ["KA", "KB"], "發票起號": ["00000000"] * 2,
...     "發票迄號": ["00000099", "00000049"], "擁有者": [None, "綠界"]}, index=[5, 6])
>>> machines = pd.DataFrame({"帳別": ["A"], "機台號": ["01"], "發票字軌": ["KA"], "起號": ["00000000"],
...     "迄號": ["00000049"], "申報年月": ["11402"]}, index=[5])
>>> own = reported_by_this_system(period_allocation(tracks, machines, periods.parse("11402")), "53212539", "其他系統")
>>> own.groups, [(b % 10**8, e % 10**8) for b, e in zip(own.begin.tolist(), own.end.tolist())]
([('53212539', '07', 'KA')], [(0, 49)])
>>> [f.code for f in own.findings]
['e0402_split_track']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..domain.errors import Finding, Location, Severity
from ..domain.invoice_number import KEY_BASE, track_from_code
from .allocation import OWNER_OTHER, OWNER_SELF, PeriodAllocation

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Reported", "reported_by_this_system"]

Int64s = npt.NDArray[np.int64]


@dataclass
class Reported:
    """This system's allocation per (ban, type, track) group, as key ranges, plus the warnings."""

    groups: list[tuple[str, str, str]]  # (ban, type, track) by group code
    group: Int64s
    begin: Int64s
    end: Int64s
    findings: list[Finding]
    undecided: pd.DataFrame  # track, begin, end: parts nobody has said who reports (``unassigned`` None)


def _split_tracks(pieces: pd.DataFrame, alloc: PeriodAllocation) -> list[Finding]:
    """A warning per track whose numbers this system reports only in part."""
    out: list[Finding] = []
    by_track: dict[int, dict[str, int]] = {}  # track → reporter → numbers, in number order
    for begin, end, who in zip(pieces["begin"].tolist(), pieces["end"].tolist(), pieces["reporter"].tolist(),
                               strict=True):
        shares = by_track.setdefault(int(begin) // KEY_BASE, {})
        name = str(who) if who is not None else "（未決定）"
        shares[name] = shares.get(name, 0) + int(end) - int(begin) + 1
    for track, by_owner in by_track.items():
        if len(by_owner) > 1 and OWNER_SELF in by_owner:
            text = "、".join(f"{k} {v:,} 張" for k, v in by_owner.items())
            out.append(Finding(
                "e0402_split_track",
                f"字軌 {track_from_code(track)} 分屬不同申報者（{text}）：同一字軌上傳兩次 E0402 會互相取代。"
                f"本系統只申報自己的部分；{OWNER_OTHER if OWNER_OTHER in by_owner else '其他申報者'}的空白號碼請由其申報，"
                "並協調由一方申報整個字軌（可在[字軌配號]的擁有者欄標明）",
                alloc.tracks_where, Severity.WARNING))
    return out


def reported_by_this_system(alloc: PeriodAllocation, company: str, unassigned: str | None) -> Reported:
    """The parts of the period's allocation this system reports (see ``PeriodAllocation.reporters``),
    grouped by 營業人統編 × 發票類別代號 × 字軌."""
    pieces = alloc.reporters(unassigned)
    findings = _split_tracks(pieces, alloc)
    mine = pieces[(pieces["reporter"] == OWNER_SELF).to_numpy(dtype=bool)]
    keys: dict[tuple[str, str, str], int] = {}
    group: list[int] = []
    defaulted: set[str] = set()
    for piece in mine.itertuples(index=False):  # one per machine or 字軌配號 piece, not per number
        track = track_from_code(int(piece.begin) // KEY_BASE)
        kind = str(piece.type) or "07"
        if not piece.type and track not in defaulted:
            defaulted.add(track)
            findings.append(Finding("e0402_type_default", f"字軌 {track} 的發票類別代號空白，以 07（一般稅額）申報",
                                    _place(alloc, int(piece.machine_row), int(piece.track_row)), Severity.WARNING))
        group.append(keys.setdefault((str(piece.ban) or company, kind, track), len(keys)))
    names = [k for k, _ in sorted(keys.items(), key=lambda kv: kv[1])]
    open_ = pieces[pieces["reporter"].isna().to_numpy(dtype=bool)]
    undecided = open_.assign(track=[track_from_code(int(b) // KEY_BASE) for b in open_["begin"].tolist()])
    return Reported(names, np.asarray(group, dtype=np.int64), mine["begin"].to_numpy(np.int64),
                    mine["end"].to_numpy(np.int64), findings, undecided.loc[:, ["track", "begin", "end"]])


def _place(alloc: PeriodAllocation, machine_row: int, track_row: int) -> Location:
    if machine_row >= 0:
        return alloc.machines_where.with_row(int(alloc.machines["row"].iat[machine_row]), "發票類別代號")
    if track_row >= 0:
        return alloc.tracks_where.with_row(int(alloc.tracks["row"].iat[track_row]), "發票類別代號")
    return alloc.tracks_where
