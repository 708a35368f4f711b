"""Booklets the MOF file gives to a machine: its 機台號碼 column, when filled, decides (issue 15.6).

The platform's allocation file may name the machine (機台號碼) a range is for; such a range
goes to the machine of 機台配號設定 with that 機台號 at allocation, and the other booklets are
handed out as before. A number no machine of 機台配號設定 has, one that two 帳別 share, more
booklets than the machine's 組數, or a booklet the used numbers keep on another machine is a
refusal naming the range and the machines: the accountant, not the program, settles it.

>>> import numpy as np
>>> from invoicetools.steps.tracks.machines import MachineRequest
>>> keys = np.array([0, 50, 100], dtype=np.int64)
>>> d = designate(keys, [None, "002", "002"], [MachineRequest("A", "001", 1), MachineRequest("A", "002", 2)])
>>> d.fixed.tolist(), d.refusals
([-1, 1, 1], [])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ...domain.errors import Finding, Location
from .columns import M_COUNT, MACHINE_NO
from .holding import booklet_ranges
from .machines import MachineRequest

__all__ = ["Designation", "designate"]

Int64s = npt.NDArray[np.int64]


@dataclass
class Designation:
    """``fixed``: per booklet the request the MOF file names (-1: none); ``refusals``: what cannot be so."""

    fixed: Int64s
    refusals: list[Finding] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool((self.fixed >= 0).any())


def designate(keys: Int64s, machine_numbers: Sequence[str | None], requests: Sequence[MachineRequest],
              where: Location | None = None) -> Designation:
    """Which request each booklet goes to by the 機台號碼 of its 字軌配號 row."""
    where = where or Location(sheet="字軌配號")
    fixed = np.full(keys.size, -1, dtype=np.int64)
    out = Designation(fixed)
    named = sorted({m for m in machine_numbers if m})
    for number in named:
        mine = np.array([m == number for m in machine_numbers], dtype=bool)
        takers = [i for i, r in enumerate(requests) if r.machine == number]
        ranges = booklet_ranges(keys[mine])
        if len(takers) != 1:
            why = ("[機台配號設定]沒有這台機台" if not takers else
                   f"有 {len(takers)} 個帳別都有機台 {number}（{'、'.join(requests[i].name for i in takers)}）")
            out.refusals.append(Finding(
                "alloc_mof_machine", f"財政部配號檔指定 {ranges} 給機台號碼 {number}，但{why}：請在[機台配號設定]加上"
                "這台機台（或只留一個帳別），或清除[字軌配號]的機台號碼後再配號；配號結果沒有變更",
                Location(where.file, where.sheet, None, MACHINE_NO)))
            continue
        i = takers[0]
        fixed[mine] = i
        if int(mine.sum()) > requests[i].count:
            r = requests[i]
            out.refusals.append(Finding(
                "alloc_mof_count", f"財政部配號檔指定 {ranges}（{int(mine.sum())} 組）給{r.name}，比它的組數 {r.count} 組多："
                "請把組數改為至少這麼多；配號結果沒有變更", Location(r.where.file, r.where.sheet, r.where.row, M_COUNT)))
    return out
