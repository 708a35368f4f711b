"""Number ranges and booklets (本/組) of 50, as integer arrays — never one object per number.

A range is inclusive ``[begin, end]`` of invoice-number *keys* (see ``invoice_number``:
``track_code * 10**8 + digits``), so one pair of int64 arrays holds the ranges of many
tracks and every operation is a sort, a diff or a cumulative sum in numpy. Ranges never
cross a track: results are split at track boundaries.

An allocated range is *aligned* when it starts at …00/…50 and ends at …49/…99:

>>> is_aligned(100, 149), is_aligned(100, 199), is_aligned(120, 149), is_aligned(100, 148)
(True, True, False, False)
>>> b, e = split_booklets(np.array([100]), np.array([249]))
>>> list(zip(b.tolist(), e.tolist()))
[(100, 149), (150, 199), (200, 249)]
>>> b, e = merge(np.array([150, 100, 300]), np.array([199, 149, 349]))
>>> list(zip(b.tolist(), e.tolist()))
[(100, 199), (300, 349)]
>>> b, e = subtract(np.array([100]), np.array([199]), np.array([100]), np.array([101]))
>>> list(zip(b.tolist(), e.tolist()))
[(102, 199)]
>>> b, e = runs(np.array([5, 1, 2, 3, 9]))
>>> list(zip(b.tolist(), e.tolist()))
[(1, 3), (5, 5), (9, 9)]

Which range holds a number — the one question every step asks of an allocation:

>>> locate([100, 200], [149, 249], [99, 100, 149, 150, 230]).tolist()
[-1, 0, 0, -1, 1]
>>> contains([150, 100], [199, 149], [99, 120, 180, 200]).tolist()
[False, True, True, False]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .invoice_number import KEY_BASE

__all__ = [
    "BOOKLET",
    "Int64s",
    "contains",
    "count",
    "distinct",
    "find_overlaps",
    "intersect",
    "is_aligned",
    "locate",
    "merge",
    "runs",
    "split_booklets",
    "subtract",
]

BOOKLET = 50
Int64s = npt.NDArray[np.int64]


def _arr(values: object) -> Int64s:
    return np.asarray(values, dtype=np.int64).reshape(-1)


def distinct(keys: object) -> Int64s:
    """The distinct keys, ascending: ``np.unique`` by one sort (numpy 2.4's ``np.unique`` hashes
    first and took 2 s for 2M keys here, the sort 0.12 s).

    >>> distinct([5, 1, 5, 3, 1]).tolist()
    [1, 3, 5]
    """
    k = np.sort(_arr(keys))
    return k[np.r_[True, k[1:] != k[:-1]]] if k.size else k


def is_aligned(begin: int, end: int) -> bool:
    """True when ``[begin, end]`` is whole booklets: begin ≡ 0 and end ≡ 49 (mod 50), begin <= end."""
    return begin <= end and begin % BOOKLET == 0 and (end + 1) % BOOKLET == 0


def aligned_mask(begins: object, ends: object) -> npt.NDArray[np.bool_]:
    """Vectorised ``is_aligned``."""
    b, e = _arr(begins), _arr(ends)
    mask: npt.NDArray[np.bool_] = (b <= e) & (b % BOOKLET == 0) & ((e + 1) % BOOKLET == 0)
    return mask


def count(begins: object, ends: object) -> int:
    """How many numbers the ranges hold (ranges assumed disjoint)."""
    b, e = _arr(begins), _arr(ends)
    return int((e - b + 1).sum()) if b.size else 0


def split_booklets(begins: object, ends: object) -> tuple[Int64s, Int64s]:
    """Split aligned ranges into booklets of 50, in input order. Raises ``ValueError`` if unaligned."""
    b, e = _arr(begins), _arr(ends)
    if b.size and not aligned_mask(b, e).all():
        raise ValueError("ranges must be whole booklets (…00/…50 to …49/…99)")
    sizes = (e - b + 1) // BOOKLET
    total = int(sizes.sum()) if b.size else 0
    if total == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    owner = np.repeat(np.arange(b.size), sizes)
    first_of_owner = np.cumsum(sizes) - sizes
    index_in_range = np.arange(total) - first_of_owner[owner]
    starts = b[owner] + index_in_range * BOOKLET
    return starts, starts + (BOOKLET - 1)


def _split_at_tracks(b: Int64s, e: Int64s) -> tuple[Int64s, Int64s]:
    """Split any range that crosses a track boundary (a multiple of 10**8)."""
    crossing = (b // KEY_BASE) != (e // KEY_BASE)
    if not crossing.any():
        return b, e
    out_b: list[Int64s] = [b[~crossing]]
    out_e: list[Int64s] = [e[~crossing]]
    for lo, hi in zip(b[crossing].tolist(), e[crossing].tolist(), strict=True):
        t_lo, t_hi = lo // KEY_BASE, hi // KEY_BASE
        starts = np.r_[lo, np.arange(t_lo + 1, t_hi + 1, dtype=np.int64) * KEY_BASE]
        ends = np.r_[np.arange(t_lo + 1, t_hi + 1, dtype=np.int64) * KEY_BASE - 1, hi]
        out_b.append(starts.astype(np.int64))
        out_e.append(ends.astype(np.int64))
    nb, ne = np.concatenate(out_b), np.concatenate(out_e)
    order = np.argsort(nb, kind="stable")
    return nb[order], ne[order]


def merge(begins: object, ends: object) -> tuple[Int64s, Int64s]:
    """Sort and merge overlapping or adjacent ranges (within a track)."""
    b, e = _arr(begins), _arr(ends)
    if b.size == 0:
        return b.copy(), e.copy()
    order = np.argsort(b, kind="stable")
    b, e = b[order], e[order]
    reach = np.maximum.accumulate(e)
    new_run = np.r_[True, b[1:] > reach[:-1] + 1]
    mb = b[new_run]
    me = np.maximum.reduceat(e, np.flatnonzero(new_run))
    return _split_at_tracks(mb, me)


def runs(keys: object) -> tuple[Int64s, Int64s]:
    """Runs of consecutive numbers in a set of keys (duplicates allowed), as ranges."""
    k = distinct(keys)
    if k.size == 0:
        return k, k.copy()
    breaks = np.flatnonzero(np.diff(k) > 1)
    starts = np.r_[k[0], k[breaks + 1]]
    ends = np.r_[k[breaks], k[-1]]
    return _split_at_tracks(starts.astype(np.int64), ends.astype(np.int64))


def _coverage(
    a_b: Int64s, a_e: Int64s, x_b: Int64s, x_e: Int64s
) -> tuple[Int64s, Int64s, Int64s, Int64s]:
    """Sweep two *merged* range lists; return the elementary segments and each side's coverage."""
    pos = np.concatenate([a_b, a_e + 1, x_b, x_e + 1])
    da = np.concatenate([np.ones_like(a_b), -np.ones_like(a_e), np.zeros_like(x_b), np.zeros_like(x_e)])
    dx = np.concatenate([np.zeros_like(a_b), np.zeros_like(a_e), np.ones_like(x_b), -np.ones_like(x_e)])
    order = np.argsort(pos, kind="stable")
    pos, da, dx = pos[order], da[order], dx[order]
    first = np.flatnonzero(np.r_[True, pos[1:] != pos[:-1]]) if pos.size else np.empty(0, np.int64)
    uniq = pos[first]
    cov_a = np.cumsum(np.add.reduceat(da, first)) if pos.size else da
    cov_x = np.cumsum(np.add.reduceat(dx, first)) if pos.size else dx
    seg_b = uniq[:-1]
    seg_e = uniq[1:] - 1
    return seg_b, seg_e, cov_a[:-1], cov_x[:-1]


def _select(seg_b: Int64s, seg_e: Int64s, keep: npt.NDArray[np.bool_]) -> tuple[Int64s, Int64s]:
    return merge(seg_b[keep], seg_e[keep])


def subtract(a_begins: object, a_ends: object, x_begins: object, x_ends: object) -> tuple[Int64s, Int64s]:
    """Numbers in ranges A and not in ranges X, as merged ranges."""
    a_b, a_e = merge(a_begins, a_ends)
    x_b, x_e = merge(x_begins, x_ends)
    if a_b.size == 0 or x_b.size == 0:
        return a_b, a_e
    seg_b, seg_e, cov_a, cov_x = _coverage(a_b, a_e, x_b, x_e)
    return _select(seg_b, seg_e, (cov_a > 0) & (cov_x == 0))


def intersect(a_begins: object, a_ends: object, x_begins: object, x_ends: object) -> tuple[Int64s, Int64s]:
    """Numbers in both A and X, as merged ranges."""
    a_b, a_e = merge(a_begins, a_ends)
    x_b, x_e = merge(x_begins, x_ends)
    if a_b.size == 0 or x_b.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    seg_b, seg_e, cov_a, cov_x = _coverage(a_b, a_e, x_b, x_e)
    return _select(seg_b, seg_e, (cov_a > 0) & (cov_x > 0))


def find_overlaps(begins: object, ends: object) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)`` (input positions, i < j) of ranges that share at least one number.

    Sorted sweep: each range is compared only with ranges that start before it ends.

    >>> find_overlaps([100, 150, 120, 400], [149, 199, 130, 449])
    [(0, 2)]
    """
    b, e = _arr(begins), _arr(ends)
    if b.size < 2:
        return []
    order = np.argsort(b, kind="stable")
    sb, se = b[order], e[order]
    reach = np.maximum.accumulate(se)
    suspects = np.flatnonzero(sb[1:] <= reach[:-1]) + 1
    pairs: set[tuple[int, int]] = set()
    for pos in suspects.tolist():
        earlier = np.flatnonzero(se[:pos] >= sb[pos])
        for other in earlier.tolist():
            i, j = int(order[other]), int(order[pos])
            pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


def locate(begins: object, ends: object, keys: object) -> Int64s:
    """For each key, the index of the range that holds it, or -1 when none does.

    The ranges must be sorted by ``begin`` and must not overlap (an allocation's ranges, a
    merged list): the candidate is the range with the greatest begin <= key, found by one
    binary search per key, and it holds the key when key <= its end.
    """
    b, e, k = _arr(begins), _arr(ends), _arr(keys)
    if b.size == 0:
        return np.full(k.size, -1, dtype=np.int64)
    i = np.searchsorted(b, k, side="right") - 1
    j = np.maximum(i, 0)
    held = (i >= 0) & (k <= e[j])
    return np.where(held, i, -1).astype(np.int64)


def contains(begins: object, ends: object, keys: object) -> npt.NDArray[np.bool_]:
    """Which keys lie in any of the ranges (in any order, overlapping allowed)."""
    mb, me = merge(begins, ends)
    found: npt.NDArray[np.bool_] = locate(mb, me, keys) >= 0
    return found
