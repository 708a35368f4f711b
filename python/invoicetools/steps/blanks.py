"""空白未使用號碼: allocated − used, as runs of int64 keys (E0402 blanks, and the base of 跳號).

Numbers are int64 keys (``track_code * 10**8 + digits``, see ``domain.invoice_number``).
The method follows notes/perf-anchors.md §1 and never walks single numbers:

* the used keys (register and platform, separately) are sorted once (:class:`UsedNumbers`);
* the allocated ranges become sorted, disjoint *segments* per group (:func:`segments`);
  each segment finds its slice of the used keys with two binary searches of its bounds;
* the used numbers are marked in one bitmap laid over the segments, with a sentinel after
  each segment so that no run crosses into the next; the free runs are where the bitmap
  changes (:func:`free_runs`). The bitmap does not depend on the CPU's SIMD.

>>> used = UsedNumbers.of([105, 101, 102, 109, 101], platform=[103])
>>> seg = segments([0, 0, 1], [100, 106, 200], [105, 109, 204])
>>> list(zip(seg.group.tolist(), seg.begin.tolist(), seg.end.tolist()))
[(0, 100, 109), (1, 200, 204)]
>>> r = free_runs(seg, used)
>>> list(zip(r.segment.tolist(), r.begin.tolist(), r.end.tolist()))
[(0, 100, 100), (0, 104, 104), (0, 106, 108), (1, 200, 204)]
>>> segment_max(seg, used).tolist()
[109, -1]
>>> r = free_runs(seg, used, platform_only=True)
>>> list(zip(r.begin.tolist(), r.end.tolist()))
[(103, 103)]

Range lists as the E0402 sheet shows them (the 8 digits; the track has its own column):

>>> format_ranges([17, 30], [17, 32])
'00000017、00000030~00000032'
>>> parse_ranges('00000017、00000030~00000032')
((17, 17), (30, 32))
>>> range_changes(((17, 17), (30, 32)), ((30, 32), (50, 99)))
(((50, 99),), ((17, 17),))
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..domain import ranges as _ranges
from ..domain.invoice_number import KEY_BASE

__all__ = [
    "GROUP_BASE",
    "TRUNCATED",
    "FreeRuns",
    "Overlap",
    "Segments",
    "UsedNumbers",
    "classify",
    "format_ranges",
    "free_runs",
    "group_max",
    "overlap_pieces",
    "parse_ranges",
    "range_changes",
    "segment_max",
    "segments",
]

Int64s = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

TRUNCATED = "…（共"  # marks a range list cut short on the sheet
GROUP_BASE = 10**11  # group * GROUP_BASE + key: every key (< 676 * 10**8) fits below it


def _keys(values: object) -> Int64s:
    return np.asarray(values, dtype=np.int64).reshape(-1)


@dataclass(frozen=True, slots=True)
class UsedNumbers:
    """Every used number as sorted int64 keys (duplicates allowed), the register and the platform apart.

    ``platform`` is ``None`` when the platform status was never downloaded: then nothing can
    be said about whether a number the register lacks was issued.
    """

    register: Int64s
    platform: Int64s | None

    @classmethod
    def of(cls, register: object, platform: object | None = None) -> UsedNumbers:
        reg = np.sort(_keys(register))
        plat = None if platform is None else np.sort(_keys(platform))
        return cls(reg, plat)

    @property
    def platform_known(self) -> bool:
        return self.platform is not None

    def arrays(self) -> tuple[Int64s, ...]:
        return (self.register,) if self.platform is None else (self.register, self.platform)


@dataclass(frozen=True, slots=True)
class Overlap:
    """Two groups claim the same numbers: ``dropped`` loses ``[begin, end]`` to ``kept``."""

    kept: int
    dropped: int
    begin: int
    end: int


@dataclass(frozen=True, slots=True)
class Segments:
    """Allocated ranges per group: sorted by ``begin``, disjoint, adjacent ranges of one group merged."""

    group: Int64s
    begin: Int64s
    end: Int64s
    overlaps: tuple[Overlap, ...] = ()

    def __len__(self) -> int:
        return int(self.begin.size)

    @property
    def offsets(self) -> Int64s:
        """Where each segment starts in the bitmap (a sentinel slot follows each segment)."""
        off = np.zeros(self.begin.size + 1, dtype=np.int64)
        np.cumsum(self.end - self.begin + 2, out=off[1:])
        return off


def segments(group: object, begin: object, end: object) -> Segments:
    """Merge each group's ranges and make all segments disjoint.

    Ranges of *different* groups that overlap are a configuration error (one number given
    to two machines): the segment that starts first keeps the numbers and the overlap is
    reported in ``overlaps`` so that the caller can say so.

    >>> s = segments([0, 1], [100, 140], [149, 199])
    >>> list(zip(s.group.tolist(), s.begin.tolist(), s.end.tolist())), s.overlaps
    ([(0, 100, 149), (1, 150, 199)], (Overlap(kept=0, dropped=1, begin=140, end=149),))
    """
    g, b, e = _keys(group), _keys(begin), _keys(end)
    if b.size == 0:
        empty = np.empty(0, np.int64)
        return Segments(empty, empty.copy(), empty.copy())
    if (b > e).any():
        raise ValueError("range begin after end")
    cb, ce = _ranges.merge(g * GROUP_BASE + b, g * GROUP_BASE + e)
    g, b, e = cb // GROUP_BASE, cb % GROUP_BASE, ce % GROUP_BASE
    order = np.argsort(b, kind="stable")
    g, b, e = g[order], b[order], e[order]
    reach = np.maximum.accumulate(e)
    prev = np.r_[np.int64(-1), reach[:-1]]
    clash = b <= prev
    if not clash.any():
        return Segments(g, b, e)
    # the segment that set the running maximum before each position
    setter = np.maximum.accumulate(np.where(e == reach, np.arange(e.size), 0))
    overlaps = [
        Overlap(int(g[setter[i - 1]]), int(g[i]), int(b[i]), int(min(e[i], prev[i])))
        for i in np.flatnonzero(clash).tolist()
    ]
    b = np.where(clash, prev + 1, b)
    keep = b <= e
    return Segments(g[keep], b[keep], e[keep], tuple(overlaps))


def _bounds(keys: Int64s, seg: Segments) -> tuple[Int64s, Int64s]:
    lo = np.searchsorted(keys, seg.begin, "left").astype(np.int64)
    hi = np.searchsorted(keys, seg.end, "right").astype(np.int64)
    return lo, hi


LOOP_SEGMENTS = 2048  # up to this many segments a slice per segment is faster than building an index


def _mark(keys: Int64s, seg: Segments, off: Int64s, out: Bools, *, loop_limit: int = LOOP_SEGMENTS) -> None:
    """Set ``out`` at the bitmap position of every key that lies in a segment.

    Keys are sorted and segments disjoint, so each segment's keys are one slice found by
    two binary searches. Few segments: one vectorised scatter per slice; many segments
    (booklets of different machines interleaved): one index over all slices.
    """
    lo, hi = _bounds(keys, seg)
    shift = off[:-1] - seg.begin
    if len(seg) <= loop_limit:
        for a, z, d in zip(lo.tolist(), hi.tolist(), shift.tolist(), strict=True):
            if z > a:
                out[keys[a:z] + d] = True
        return
    count = hi - lo
    total = int(count.sum())
    if total == 0:
        return
    first = np.cumsum(count) - count  # where each segment's slice starts in the concatenation
    index = np.arange(total, dtype=np.int64)
    index += np.repeat(lo - first, count)
    pos = keys[index]
    pos += np.repeat(shift, count)
    out[pos] = True


@dataclass(frozen=True, slots=True)
class FreeRuns:
    """Runs of numbers, each inside one segment: ``segment`` index, inclusive ``begin``/``end`` keys."""

    segment: Int64s
    begin: Int64s
    end: Int64s

    def __len__(self) -> int:
        return int(self.begin.size)

    @property
    def count(self) -> Int64s:
        return self.end - self.begin + 1


def _runs(mask: Bools, seg: Segments, off: Int64s) -> FreeRuns:
    """Runs of True in a bitmap whose sentinel slots are False."""
    step = np.diff(mask.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(step == 1).astype(np.int64)
    ends = np.flatnonzero(step == -1).astype(np.int64) - 1
    where = np.searchsorted(off, starts, "right").astype(np.int64) - 1
    shift = seg.begin[where] - off[where]
    return FreeRuns(where, starts + shift, ends + shift)


def _bitmaps(seg: Segments, used: UsedNumbers, loop_limit: int) -> tuple[Int64s, Bools, Bools | None]:
    off = seg.offsets
    size = int(off[-1])
    register = np.zeros(size, dtype=bool)
    _mark(used.register, seg, off, register, loop_limit=loop_limit)
    platform = None
    if used.platform is not None:
        platform = np.zeros(size, dtype=bool)
        _mark(used.platform, seg, off, platform, loop_limit=loop_limit)
    return off, register, platform


def _no_runs() -> FreeRuns:
    empty = np.empty(0, np.int64)
    return FreeRuns(empty, empty.copy(), empty.copy())


def classify(seg: Segments, used: UsedNumbers, *, loop_limit: int = LOOP_SEGMENTS) -> tuple[FreeRuns, FreeRuns]:
    """``(free, platform_only)``: runs of allocated numbers no one used, and runs the platform
    holds but the register lacks. Runs come in ascending order of their numbers."""
    if len(seg) == 0:
        return _no_runs(), _no_runs()
    off, register, platform = _bitmaps(seg, used, loop_limit)
    only = _no_runs()
    if platform is not None:
        only = _runs(platform & ~register, seg, off)
        register |= platform
    free = np.logical_not(register, out=register)
    free[off[1:] - 1] = False  # sentinels end every run at its segment's end
    return _runs(free, seg, off), only


def free_runs(seg: Segments, used: UsedNumbers, *, platform_only: bool = False) -> FreeRuns:
    """Runs of allocated numbers that no one used (``platform_only``: runs the platform has and the register lacks)."""
    free, only = classify(seg, used)
    return only if platform_only else free


def segment_max(seg: Segments, used: UsedNumbers) -> Int64s:
    """The highest used key in each segment, or -1 when the segment holds none."""
    best = np.full(len(seg), -1, dtype=np.int64)
    for keys in used.arrays():
        if keys.size == 0 or len(seg) == 0:
            continue
        lo, hi = _bounds(keys, seg)
        has = hi > lo
        best[has] = np.maximum(best[has], keys[hi[has] - 1])
    return best


def overlap_pieces(begin: object, end: object, other_begin: object, other_end: object) -> tuple[Int64s, Int64s, Int64s]:
    """``(index, begin, end)``: each range of the first list cut to the parts that the second list covers.

    The second list is merged first; the first may be in any order and overlap itself. Pieces
    are never merged across ranges of the first list, so each piece keeps its range's index.

    >>> i, b, e = overlap_pieces([0, 10, 2], [9, 12, 3], [3, 8], [5, 11])
    >>> list(zip(i.tolist(), b.tolist(), e.tolist()))
    [(0, 3, 5), (0, 8, 9), (1, 10, 11), (2, 3, 3)]
    """
    a_b, a_e = _keys(begin), _keys(end)
    x_b, x_e = _ranges.merge(other_begin, other_end)
    lo = np.searchsorted(x_e, a_b, "left")
    hi = np.searchsorted(x_b, a_e, "right")
    count = np.maximum(hi - lo, 0).astype(np.int64)
    index = np.repeat(np.arange(a_b.size, dtype=np.int64), count)
    first = np.cumsum(count) - count
    j = np.arange(int(count.sum()), dtype=np.int64) - np.repeat(first, count) + np.repeat(lo, count)
    return index, np.maximum(a_b[index], x_b[j]), np.minimum(a_e[index], x_e[j])


def group_max(seg: Segments, values: Int64s) -> tuple[Int64s, Int64s]:
    """``(groups, max of values per group)`` over the segments, groups ascending."""
    group = np.asarray(seg.group, dtype=np.int64)
    if group.size == 0:
        return group, np.empty(0, np.int64)
    order = np.lexsort((values, group))  # by group, the largest value last
    g = group[order]
    last = np.r_[g[1:] != g[:-1], True]
    return g[last], np.maximum(np.asarray(values, dtype=np.int64)[order][last], -1)


# ----------------------------------------------------------------------------------------------
# Range lists as text, and what changed
# ----------------------------------------------------------------------------------------------
def format_ranges(begins: Iterable[int], ends: Iterable[int], *, limit: int = 8000) -> str:
    """``00000017、00000030~00000032`` (8 digits; key remainders), cut at ``limit`` characters.

    >>> format_ranges(range(0, 100, 10), range(5, 105, 10), limit=40)
    '00000000~00000005、00000010~00000015…（共 10 組，完整內容見檔案）'
    """
    parts: list[str] = []
    length = 0
    pairs = list(zip(begins, ends, strict=True))
    for b, e in pairs:
        b, e = int(b) % KEY_BASE, int(e) % KEY_BASE
        text = f"{b:08d}" if b == e else f"{b:08d}~{e:08d}"
        if parts and length + len(text) + 1 > limit:
            return "、".join(parts) + f"{TRUNCATED} {len(pairs):,} 組，完整內容見檔案）"
        parts.append(text)
        length += len(text) + 1
    return "、".join(parts)


def parse_ranges(text: object) -> tuple[tuple[int, int], ...] | None:
    """The ranges back from :func:`format_ranges`; ``None`` when the text was cut short or is unreadable."""
    if text is None or (isinstance(text, float) and text != text):
        return ()
    value = str(text).strip()
    if not value or value == "<NA>":
        return ()
    if TRUNCATED in value:
        return None
    out: list[tuple[int, int]] = []
    for part in value.split("、"):
        b, _, e = part.strip().partition("~")
        e = e or b
        if not (b.isdigit() and e.isdigit()):
            return None
        out.append((int(b), int(e)))
    return tuple(out)


def range_changes(
    old: Sequence[tuple[int, int]], new: Sequence[tuple[int, int]]
) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """``(added, removed)``: ranges in ``new`` and not in ``old``, and the other way round."""
    old_set, new_set = set(old), set(new)
    return tuple(r for r in new if r not in old_set), tuple(r for r in old if r not in new_set)
