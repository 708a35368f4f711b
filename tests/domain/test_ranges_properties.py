"""Property tests for ranges and booklets: the invariants the steps rely on."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicetools.domain import ranges
from invoicetools.domain.invoice_number import KEY_BASE


def as_set(begins: np.ndarray, ends: np.ndarray) -> set[int]:
    out: set[int] = set()
    for b, e in zip(begins.tolist(), ends.tolist(), strict=True):
        out.update(range(b, e + 1))
    return out


# Aligned ranges: a track, a first booklet and a booklet count, kept small enough to enumerate.
aligned = st.tuples(st.integers(0, 3), st.integers(0, 40), st.integers(1, 6)).map(
    lambda t: (t[0] * KEY_BASE + t[1] * 50, t[0] * KEY_BASE + (t[1] + t[2]) * 50 - 1)
)
small_ranges = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 3000), st.integers(0, 120)).map(
        lambda t: (t[0] * KEY_BASE + t[1], t[0] * KEY_BASE + t[1] + t[2])
    ),
    max_size=12,
)


@given(st.lists(aligned, min_size=1, max_size=8))
def test_split_then_merge_is_identity(rs: list[tuple[int, int]]) -> None:
    b = np.array([r[0] for r in rs])
    e = np.array([r[1] for r in rs])
    mb, me = ranges.merge(b, e)
    sb, se = ranges.split_booklets(mb, me)
    assert ((se - sb + 1) == 50).all()
    assert all(ranges.is_aligned(x, y) for x, y in zip(sb.tolist(), se.tolist(), strict=True))
    rb, re_ = ranges.merge(sb, se)
    assert rb.tolist() == mb.tolist() and re_.tolist() == me.tolist()


@given(small_ranges, st.lists(st.tuples(st.integers(0, 2), st.integers(0, 3200)), max_size=300))
@settings(max_examples=200)
def test_subtract_issued_partitions_the_allocation(alloc: list[tuple[int, int]], issued: list[tuple[int, int]]) -> None:
    ab = np.array([a[0] for a in alloc], dtype=np.int64)
    ae = np.array([a[1] for a in alloc], dtype=np.int64)
    keys = np.array([t * KEY_BASE + n for t, n in issued], dtype=np.int64)
    allocated = as_set(ab, ae)
    used = set(keys.tolist()) & allocated
    ub, ue = ranges.runs(keys)
    bb, be = ranges.subtract(ab, ae, ub, ue)
    blanks = as_set(bb, be)
    # disjoint from the issued numbers, and together they make the allocation
    assert not (blanks & used)
    assert blanks | used == allocated
    # the result is sorted, disjoint and never crosses a track
    assert (bb <= be).all()
    assert (bb[1:] > be[:-1] + 1).all() or bb.size < 2 or (bb[1:] // KEY_BASE != be[:-1] // KEY_BASE).any()
    assert ((bb // KEY_BASE) == (be // KEY_BASE)).all()
    assert ranges.count(bb, be) == len(blanks)


@given(small_ranges, small_ranges)
def test_intersect_matches_sets(a: list[tuple[int, int]], x: list[tuple[int, int]]) -> None:
    ab, ae = np.array([r[0] for r in a], dtype=np.int64), np.array([r[1] for r in a], dtype=np.int64)
    xb, xe = np.array([r[0] for r in x], dtype=np.int64), np.array([r[1] for r in x], dtype=np.int64)
    ib, ie = ranges.intersect(ab, ae, xb, xe)
    assert as_set(ib, ie) == as_set(ab, ae) & as_set(xb, xe)


@given(st.lists(st.integers(0, 5000), max_size=200))
def test_runs_cover_exactly_the_keys(keys: list[int]) -> None:
    b, e = ranges.runs(np.array(keys, dtype=np.int64))
    assert as_set(b, e) == set(keys)
    assert b.size == 0 or (b[1:] > e[:-1] + 1).all()


@given(small_ranges)
def test_find_overlaps_matches_pairwise(rs: list[tuple[int, int]]) -> None:
    expected = [
        (i, j)
        for i in range(len(rs))
        for j in range(i + 1, len(rs))
        if rs[i][0] <= rs[j][1] and rs[j][0] <= rs[i][1]
    ]
    assert ranges.find_overlaps([r[0] for r in rs], [r[1] for r in rs]) == expected


def test_merge_does_not_join_adjacent_tracks() -> None:
    b, e = ranges.merge([KEY_BASE - 50, KEY_BASE], [KEY_BASE - 1, KEY_BASE + 49])
    assert b.tolist() == [KEY_BASE - 50, KEY_BASE]
    assert e.tolist() == [KEY_BASE - 1, KEY_BASE + 49]


def test_split_refuses_unaligned() -> None:
    try:
        ranges.split_booklets([10], [59])
    except ValueError:
        return
    raise AssertionError("unaligned range was split")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 60)), max_size=12),
       st.lists(st.integers(-5, 2100), max_size=40))
def test_locate_and_contains_match_a_scan(spans: list[tuple[int, int]], keys: list[int]) -> None:
    """locate() on disjoint sorted ranges and contains() on any ranges agree with a plain scan."""
    begins = [b for b, _ in spans]
    ends = [b + n for b, n in spans]
    expected_any = [any(b <= k <= e for b, e in zip(begins, ends, strict=True)) for k in keys]
    assert ranges.contains(begins, ends, keys).tolist() == expected_any
    mb, me = ranges.merge(begins, ends)
    where = ranges.locate(mb, me, keys).tolist()
    for k, i in zip(keys, where, strict=True):
        holders = [n for n, (b, e) in enumerate(zip(mb.tolist(), me.tolist(), strict=True)) if b <= k <= e]
        assert (holders == [i]) if holders else i == -1


@given(st.lists(st.integers(-5, 10**10), max_size=300))
def test_distinct_is_the_sorted_set(keys: list[int]) -> None:
    assert ranges.distinct(keys).tolist() == sorted(set(keys))


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(-1, 500)), max_size=200))
def test_group_max_is_the_largest_value_of_each_group(pairs: list[tuple[int, int]]) -> None:
    from invoicetools.steps.blanks import Segments, group_max

    group = np.array([g for g, _ in pairs], dtype=np.int64)
    values = np.array([v for _, v in pairs], dtype=np.int64)
    seg = Segments(group, np.zeros_like(group), np.zeros_like(group))
    groups, best = group_max(seg, values)
    expected: dict[int, int] = {}
    for g, v in pairs:
        expected[g] = max(expected.get(g, -1), v)
    assert dict(zip(groups.tolist(), best.tolist(), strict=True)) == expected
    assert groups.tolist() == sorted(expected)
