"""Booklets that already have issued numbers: which machine keeps them, and where a machine may grow.

DESIGN "Allocation never moves used numbers": in the middle of a period a booklet with a
used number (``steps.used``: the register with any status, or the platform) stays with the
machine that holds it in the period's current 配號設定 rows (``steps.allocation``), and a
machine is never given a booklet below the highest number it has already used in that
track — a machine issues in order, so such a booklet would read as 跳號 (``steps.gaps``).

:func:`holding` answers, for the period's own booklets (sorted first-number keys):

* ``fixed`` — the request (machine) each booklet must stay with: every booklet holding its
  used numbers, and every booklet it holds below its highest used number in the track (its
  跳號 stay its own, as they are now); ``-1`` for a booklet free to hand out;
* ``excluded`` — used booklets no machine of this allocation may get: no machine holds them
  now (then a warning names them), or another 帳別 does;
* ``floors`` — per request, track code → its highest used number there: new booklets must
  lie above it;
* ``refusals`` — what makes any allocation wrong: a machine with used booklets removed from
  機台配號設定, a 組數 below the booklets it must keep, one booklet used by two machines.

>>> import pandas as pd
>>> from invoicetools.domain.invoice_number import to_key
>>> from invoicetools.steps.allocation import PeriodAllocation
>>> from invoicetools.domain import periods
>>> ka = to_key("KA00000000")
>>> keys = np.array([ka, ka + 50, ka + 100, ka + 150], dtype=np.int64)
>>> current = PeriodAllocation.of_machine_ranges(periods.parse("11402"), [ka], [ka + 199], ["A"])
>>> current.machines["machine"] = "01"
>>> h = holding(keys, [MachineRequest("A", "00", 1), MachineRequest("A", "01", 3)], current,
...             np.array([ka + 60], dtype=np.int64))
>>> h.fixed.tolist(), [{t: from_key(k) for t, k in f.items()} for f in h.floors]
([1, 1, -1, -1], [{}, {260: 'KA00000060'}])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ...domain.errors import Finding, Location, Severity
from ...domain.invoice_number import KEY_BASE, from_key
from ...domain.ranges import BOOKLET, distinct, locate, merge
from .columns import M_COUNT
from .machines import MachineRequest

if TYPE_CHECKING:
    from ..allocation import PeriodAllocation

__all__ = ["Holding", "booklet_ranges", "holding", "stuck_finding"]

Int64s = npt.NDArray[np.int64]

NOBODY, OTHER_ACCOUNT, GONE = -1, -2, -3  # holder codes that are not a request
_NONE_LAST = np.iinfo(np.int64).max  # NOBODY, sorted after every holder
_TRACKS = 676
_MAX_FINDINGS = 200


@dataclass
class Holding:
    """What the current allocation and the used numbers require of a new allocation (see the module)."""

    fixed: Int64s
    excluded: npt.NDArray[np.bool_]
    floors: list[dict[int, int]]
    findings: list[Finding] = field(default_factory=list)
    refusals: list[Finding] = field(default_factory=list)

    @property
    def constrained(self) -> bool:
        """Whether anything is held: when not, the allocation is the plain one of an unused period."""
        return bool((self.fixed >= 0).any() or self.excluded.any())


def booklet_ranges(keys: Int64s) -> str:
    """Booklets (first-number keys) as ranges: ``KA00000000–KA00000099、KB…``.

    >>> ka = 260 * KEY_BASE
    >>> booklet_ranges(np.array([ka, ka + 50, ka + 150]))
    'KA00000000–KA00000099、KA00000150–KA00000199'
    """
    begins, ends = merge(keys, keys + BOOKLET - 1)
    return "、".join(f"{from_key(int(b))}–{from_key(int(e))}" for b, e in zip(begins, ends, strict=True))


def _holder_codes(current: PeriodAllocation, requests: list[MachineRequest], account: str | None) -> Int64s:
    """For each machine range of the current allocation: the request it is, or OTHER_ACCOUNT / GONE."""
    index = {(r.account, r.machine): i for i, r in enumerate(requests)}
    rows = current.machines
    return np.array([
        index.get((a, m), OTHER_ACCOUNT if account is not None and a != account else GONE)
        for a, m in zip(rows["account"].tolist(), rows["machine"].tolist(), strict=True)
    ], dtype=np.int64)


class _Used:
    """The used numbers inside the booklets: each with its booklet and the machine range holding it."""

    def __init__(self, keys: Int64s, used: Int64s, current: PeriodAllocation, codes: Int64s) -> None:
        u = distinct(used)
        at = locate(keys, keys + BOOKLET - 1, u)  # the booklet holding each number (-1: none)
        inside = at >= 0
        self.keys, self.booklet = u[inside], at[inside]
        self.row = current.machine_of(self.keys) if self.keys.size else np.empty(0, np.int64)
        self.code = np.where(self.row >= 0, codes[np.maximum(self.row, 0)], NOBODY) if codes.size else \
            np.full(self.keys.size, NOBODY, dtype=np.int64)


def _machine_name(current: PeriodAllocation, row: int) -> str:
    rec = current.machines.iloc[row]
    return f"帳別 {rec['account'] or '（空白）'} 機台 {rec['machine'] or '（空白）'}"


def _machine_where(current: PeriodAllocation, row: int) -> Location:
    where = current.machines_where
    return Location(where.file, where.sheet, int(current.machines["row"].iloc[row]))


def _first_allocation_note(keys: Int64s, used: Int64s, label: str, findings: list[Finding],
                           where: Location) -> None:
    at = locate(keys, keys + BOOKLET - 1, used)
    n = int(distinct(at[at >= 0]).size)
    if n:
        findings.append(Finding(
            "alloc_used_first",
            f"{n:,} 組已有開立的發票，但[配號設定]還沒有 {label} 的配號結果：依[機台配號設定]的順序分配；"
            "請確認每台機台拿到的是它實際開立的號碼", Location(where.file, where.sheet), Severity.INFO))


def _pin_used(h: Holding, keys: Int64s, used: _Used, current: PeriodAllocation) -> None:
    """Each used booklet stays with the one machine holding its numbers (or is refused / excluded)."""
    held_code = np.where(used.code == NOBODY, _NONE_LAST, used.code)
    order = np.lexsort((held_code, used.booklet))
    booklet, code, row, key = used.booklet[order], held_code[order], used.row[order], used.keys[order]
    starts = np.flatnonzero(np.r_[True, booklet[1:] != booklet[:-1]])
    first = np.minimum.reduceat(code, starts)  # the lowest holder code (_NONE_LAST: nobody holds a number)
    last = np.maximum.reduceat(np.where(code == _NONE_LAST, GONE - 1, code), starts)  # the highest holder code
    b = booklet[starts]
    one = (first == last) & (first >= 0)
    other = (first == last) & (first == OTHER_ACCOUNT)
    h.fixed[b[one]] = first[one]
    h.excluded[b[(first == _NONE_LAST) | other]] = True
    gone: dict[str, list[tuple[int, int, int]]] = {}  # machine → (booklet, its first used number, sheet row)
    ends = np.r_[starts[1:], booklet.size]
    for k in np.flatnonzero(~one & ~other & (first != _NONE_LAST)).tolist():
        s, e = int(starts[k]), int(ends[k])
        held = np.flatnonzero(code[s:e] != _NONE_LAST) + s
        lo, hi = int(held[0]), int(held[-1])
        names = _machine_name(current, int(row[lo])), _machine_name(current, int(row[hi]))
        if code[lo] != code[hi] or names[0] != names[1]:
            h.refusals.append(Finding(
                "alloc_used_split",
                f"{booklet_ranges(keys[b[k]:b[k] + 1])} 已由{names[0]}（{from_key(int(key[lo]))}）與{names[1]}"
                f"（{from_key(int(key[hi]))}）開立：同一組不能分給兩台機台，請先修正[配號設定]；配號結果沒有變更",
                _machine_where(current, int(row[hi]))))
        else:  # GONE: a machine no longer in 機台配號設定
            gone.setdefault(names[0], []).append((int(b[k]), int(key[lo]), int(row[lo])))
    for name, held_booklets in gone.items():
        h.refusals.append(Finding(
            "alloc_used_removed",
            f"{name} 已在 {booklet_ranges(keys[[x for x, _, _ in held_booklets]])} 開立發票"
            f"（例如 {from_key(held_booklets[0][1])}），但[機台配號設定]已沒有這台機台：已開立的號碼不能改給其他機台"
            f"（會變成別台的跳號）。請把這台機台加回[機台配號設定]（組數至少 {len(held_booklets)} 組）；配號結果沒有變更",
            _machine_where(current, held_booklets[0][2])))
    unheld = b[first == _NONE_LAST]
    if unheld.size:
        h.findings.append(Finding(
            "alloc_used_unheld",
            f"{booklet_ranges(keys[unheld[:_MAX_FINDINGS]])} 已有開立的發票，但[配號設定]沒有機台持有：不分配給任何機台"
            "（給了機台會讓它的已開號碼跳到這裡，前面的號碼變成跳號）。請確認是哪一台機台或其他系統開立的",
            Location(current.machines_where.file, current.machines_where.sheet), Severity.WARNING))


def _floors_and_passed(h: Holding, keys: Int64s, used: _Used, current: PeriodAllocation, codes: Int64s) -> None:
    """Each machine's highest used number per track; the booklets it holds below it stay with it."""
    mine = used.code >= 0
    group = used.code[mine] * _TRACKS + used.keys[mine] // KEY_BASE  # machine × track
    if group.size == 0:
        return
    order = np.lexsort((used.keys[mine], group))
    lasts = np.r_[np.flatnonzero(np.diff(group[order]) != 0), group.size - 1]
    groups, tops = group[order][lasts], used.keys[mine][order][lasts]
    for g, top in zip(groups.tolist(), tops.tolist(), strict=True):
        h.floors[g // _TRACKS][g % _TRACKS] = top
    holder = current.machine_of(keys)
    code = np.where(holder >= 0, codes[np.maximum(holder, 0)], NOBODY)
    cand = np.flatnonzero((h.fixed < 0) & ~h.excluded & (code >= 0))
    g = code[cand] * _TRACKS + keys[cand] // KEY_BASE
    at = np.minimum(np.searchsorted(groups, g), groups.size - 1)
    passed = (groups[at] == g) & (keys[cand] <= tops[at])
    h.fixed[cand[passed]] = code[cand[passed]]


def _check_counts(h: Holding, keys: Int64s, requests: list[MachineRequest], reuse_counts: bool) -> None:
    kept = np.bincount(h.fixed[h.fixed >= 0], minlength=len(requests))
    for i, r in enumerate(requests):
        if kept[i] <= r.count:
            continue
        highest = "、".join(from_key(k) for _, k in sorted(h.floors[i].items()))
        h.refusals.append(Finding(
            "alloc_used_count",
            f"{r.name} 已開立到 {highest}，必須保留 {booklet_ranges(keys[h.fixed == i])}（共 {int(kept[i])} 組："
            f"已開立的號碼不能移到其他機台），組數 {r.count} 組不夠"
            + ("（按當期數量配號：組數取自上期配號結果）" if reuse_counts else "")
            + f"；請把組數改為至少 {int(kept[i])} 組；配號結果沒有變更",
            Location(r.where.file, r.where.sheet, r.where.row, M_COUNT)))


def holding(
    keys: Int64s,
    requests: list[MachineRequest],
    current: PeriodAllocation | None,
    used: Int64s,
    *,
    account: str | None = None,
    reuse_counts: bool = False,
    where: Location | None = None,
) -> Holding:
    """What the used numbers and the current allocation (``current``: the period's, ``None`` or
    taken from 字軌配號 for the first allocation) require of the requests; see the module."""
    where = where or Location(sheet="字軌配號")
    h = Holding(np.full(keys.size, -1, dtype=np.int64), np.zeros(keys.size, dtype=bool), [{} for _ in requests])
    used = np.asarray(used, dtype=np.int64)
    if keys.size == 0 or used.size == 0:
        return h
    if current is None or current.from_tracks or current.machines.empty:
        _first_allocation_note(keys, used, current.period.label if current is not None else "本期", h.findings, where)
        return h
    codes = _holder_codes(current, requests, account)
    numbers = _Used(keys, used, current, codes)
    if numbers.keys.size == 0:
        return h
    _pin_used(h, keys, numbers, current)
    _floors_and_passed(h, keys, numbers, current, codes)
    _check_counts(h, keys, requests, reuse_counts)
    return h


def stuck_finding(request: MachineRequest, short: int, booklet: int, floors: dict[int, int],
                  current: PeriodAllocation) -> Finding:
    """No hand-out exists: ``request`` is still ``short`` booklets and ``booklet`` (a free one) is below its floor."""
    shown = booklet_ranges(np.array([booklet], dtype=np.int64))
    row = int(current.machine_of([booklet])[0])
    before = f"原屬{_machine_name(current, row)}" if row >= 0 else "原本沒有分配給機台"
    top = floors.get(booklet // KEY_BASE)
    below = f"{request.name} 已開立到 {from_key(top)}" if top is not None else f"{request.name} 不能使用"
    return Finding(
        "alloc_used_place",
        f"無法在不移動已開立號碼的情況下配號：{request.name} 還需要 {short} 組，但剩下可分配的 {shown}（{before}）"
        f"在它已開立的號碼之前（{below}），分配給它會變成跳號（機台依序開立）。"
        f"請減少{request.name}或其他機台的組數，或向財政部申請增加本數後匯入；配號結果沒有變更",
        Location(request.where.file, request.where.sheet, request.where.row, M_COUNT))
