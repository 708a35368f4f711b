"""steps.blanks and steps.gaps against plain-Python reference implementations (hypothesis).

The references walk every number with sets (fine for test sizes); the steps never do.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicetools.domain.errors import Severity
from invoicetools.domain.invoice_number import KEY_BASE, to_key
from invoicetools.steps import blanks, gaps
from invoicetools.steps.blanks import UsedNumbers

# ----------------------------------------------------------------------------------------------
# references (tests only)
# ----------------------------------------------------------------------------------------------


def ref_runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive numbers, walking one by one."""
    out: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if out and out[-1][1] == n - 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def expand(b: int, e: int) -> set[int]:
    return set(range(b, e + 1))


def ref_gaps(
    machines: list[tuple[str, str, int, int]], register: set[int], platform: set[int] | None, voided: set[int]
) -> set[tuple[str, str, int, str, str]]:
    """Per number: (account, machine, key, kind, state) for every allocated number not in the register."""
    alloc: dict[tuple[str, str, int], set[int]] = {}
    owner: dict[int, tuple[str, str]] = {}
    for a, m, b, e in machines:  # the first machine range (by begin) keeps a shared number
        for n in range(b, e + 1):
            owner.setdefault(n, (a, m))
    for n, (a, m) in owner.items():
        alloc.setdefault((a, m, n // KEY_BASE), set()).add(n)
    used = register | (platform or set())
    out = set()
    for (a, m, _t), nums in alloc.items():
        high = max((n for n in nums if n in used), default=-1)
        for n in nums:
            if n in register:
                continue
            if platform is not None and n in platform:
                out.add((a, m, n, gaps.KIND_GAP, gaps.FIX_ERP))
            elif n < high:
                out.add((a, m, n, gaps.KIND_GAP, gaps.VOIDED if n in voided else gaps.PENDING))
            else:
                out.add((a, m, n, gaps.KIND_UNUSED, ""))
    return out


def step_numbers(rows: pd.DataFrame) -> set[tuple[str, str, int, str, str]]:
    out = set()
    for r in rows.itertuples(index=False):
        for n in range(int(r.begin), int(r.end) + 1):
            out.add((r.account, r.machine, n, r.kind, r.state))
    return out


# ----------------------------------------------------------------------------------------------
# strategies
# ----------------------------------------------------------------------------------------------
BASES = (to_key("AB00000000"), to_key("AB00000300"), to_key("CD00001000"))


@st.composite
def scenario(draw: st.DrawFn, allow_overlap: bool = False) -> dict[str, object]:
    """Machine ranges on up to three tracks, a register, maybe a platform, and earlier voids."""
    machines: list[tuple[str, str, int, int]] = []
    for base in BASES:
        cursor = base
        for _ in range(draw(st.integers(0, 3))):
            cursor += draw(st.integers(0, 30))
            size = draw(st.integers(1, 60))
            account = draw(st.sampled_from(["A", "B"]))
            machine = draw(st.sampled_from(["001", "002", ""]))
            machines.append((account, machine, cursor, cursor + size - 1))
            cursor += size if not allow_overlap else draw(st.integers(1, size))
    allocated = sorted({n for _, _, b, e in machines for n in range(b, e + 1)})
    universe = [*allocated, BASES[0] - 1, BASES[2] + 5000]  # numbers outside every range too
    register = set(draw(st.lists(st.sampled_from(universe), max_size=120))) if universe else set()
    platform = None
    if draw(st.booleans()):
        platform = set(draw(st.lists(st.sampled_from(universe), max_size=60))) if universe else set()
    voided = set(draw(st.lists(st.sampled_from(universe), max_size=40))) if universe else set()
    return {"machines": machines, "register": register, "platform": platform, "voided": voided}


def machine_frame(machines: list[tuple[str, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(machines, columns=["account", "machine", "begin", "end"]).astype(
        {"begin": "int64", "end": "int64"})


def voided_frame(machines: list[tuple[str, str, int, int]], voided: set[int]) -> pd.DataFrame:
    """Voided numbers as runs per machine range (what an earlier sheet would hold)."""
    rows = []
    for a, m, b, e in machines:
        for vb, ve in ref_runs(n for n in voided if b <= n <= e):
            rows.append((a, m, vb, ve))
    return machine_frame(rows)


# ----------------------------------------------------------------------------------------------
# blanks
# ----------------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario(allow_overlap=True), st.sampled_from([blanks.LOOP_SEGMENTS, 0]))
def test_free_runs_equal_allocated_minus_used(case: dict[str, object], loop_limit: int) -> None:
    machines = case["machines"]
    register, platform = case["register"], case["platform"]
    assert isinstance(machines, list) and isinstance(register, set)
    groups = [hash((a, m)) % 1000 for a, m, _, _ in machines]
    seg = blanks.segments(groups, [b for *_, b, _ in machines], [e for *_, e in machines])
    # segments: disjoint, sorted, cover exactly the union of the ranges
    covered = [n for b, e in zip(seg.begin.tolist(), seg.end.tolist(), strict=True) for n in range(b, e + 1)]
    assert covered == sorted(set(covered))
    assert set(covered) == {n for *_, b, e in machines for n in range(b, e + 1)}
    used = UsedNumbers.of(sorted(register), None if platform is None else sorted(platform))
    free, only = blanks.classify(seg, used, loop_limit=loop_limit)
    all_used = register | (platform or set())
    expected_free = [r for b, e in zip(seg.begin.tolist(), seg.end.tolist(), strict=True)
                     for r in ref_runs(n for n in range(b, e + 1) if n not in all_used)]
    assert list(zip(free.begin.tolist(), free.end.tolist(), strict=True)) == expected_free
    # per track: blanks and used numbers are disjoint and together equal the allocation
    blank_numbers = {n for b, e in zip(free.begin.tolist(), free.end.tolist(), strict=True) for n in range(b, e + 1)}
    assert not blank_numbers & all_used
    assert blank_numbers | (all_used & set(covered)) == set(covered)
    expected_only = [] if platform is None else [
        r for b, e in zip(seg.begin.tolist(), seg.end.tolist(), strict=True)
        for r in ref_runs(n for n in range(b, e + 1) if n in platform and n not in register)]
    assert list(zip(only.begin.tolist(), only.end.tolist(), strict=True)) == expected_only
    # every run lies inside the segment it names
    assert (seg.begin[free.segment] <= free.begin).all() and (free.end <= seg.end[free.segment]).all()


def test_segments_report_overlaps_and_keep_first() -> None:
    seg = blanks.segments([1, 2, 2], [100, 120, 300], [199, 149, 349])
    assert list(zip(seg.group.tolist(), seg.begin.tolist(), seg.end.tolist(), strict=True)) == [(1, 100, 199), (2, 300, 349)]
    assert seg.overlaps == (blanks.Overlap(kept=1, dropped=2, begin=120, end=149),)


def test_segments_merge_a_groups_adjacent_booklets() -> None:
    seg = blanks.segments([0, 0, 0], [150, 100, 200], [199, 149, 249])
    assert (seg.begin.tolist(), seg.end.tolist()) == ([100], [249])


@given(st.lists(st.tuples(st.integers(0, 99_999_000), st.integers(0, 500)), max_size=30))
def test_format_and_parse_ranges_round_trip(pairs: list[tuple[int, int]]) -> None:
    ranges = tuple((b, b + n) for b, n in pairs)
    text = blanks.format_ranges([b for b, _ in ranges], [e for _, e in ranges])
    assert blanks.parse_ranges(text) == ranges


def test_parse_ranges_refuses_cut_and_bad_text() -> None:
    cut = blanks.format_ranges(range(0, 10_000, 10), range(5, 10_005, 10), limit=100)
    assert blanks.TRUNCATED in cut and blanks.parse_ranges(cut) is None
    assert blanks.parse_ranges("12AB~3") is None
    assert blanks.parse_ranges(None) == () and blanks.parse_ranges("") == ()


# ----------------------------------------------------------------------------------------------
# gaps
# ----------------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario())
def test_find_gaps_matches_reference(case: dict[str, object]) -> None:
    machines = case["machines"]
    register, platform, voided = case["register"], case["platform"], case["voided"]
    assert isinstance(machines, list) and isinstance(register, set) and isinstance(voided, set)
    used = UsedNumbers.of(sorted(register), None if platform is None else sorted(platform))
    result = gaps.find_gaps(machine_frame(machines), used, voided_frame(machines, voided))
    rows = result.rows
    assert step_numbers(rows) == ref_gaps(machines, register, platform, voided)
    # rows are maximal: two rows of one machine and track that touch differ in kind, state or cause
    for _, grp in rows.groupby(["account", "machine", "track"]):
        grp = grp.sort_values("begin")
        assert (grp["begin"].to_numpy()[1:] > grp["end"].to_numpy()[:-1]).all()
        touching = grp["begin"].to_numpy()[1:] == grp["end"].to_numpy()[:-1] + 1
        same = ((grp["kind"].to_numpy()[1:] == grp["kind"].to_numpy()[:-1])
                & (grp["state"].to_numpy()[1:] == grp["state"].to_numpy()[:-1])
                & (grp["cause"].to_numpy()[1:] == grp["cause"].to_numpy()[:-1]))
        assert not (touching & same).any()
    assert (rows["count"] == rows["end"] - rows["begin"] + 1).all()
    expected_cause = gaps.CAUSE_NEVER if platform is not None else gaps.CAUSE_UNKNOWN
    never = rows[(rows["kind"] == gaps.KIND_GAP) & (rows["state"] != gaps.FIX_ERP)]
    assert (never["cause"] == expected_cause).all()


def test_a_gap_across_a_booklet_boundary_is_one_row() -> None:
    ab = to_key("AB00000000")
    machines = machine_frame([("A", "1", ab, ab + 49), ("A", "1", ab + 50, ab + 99)])
    used = UsedNumbers.of([ab, ab + 1, ab + 70], platform=[])
    rows = gaps.find_gaps(machines, used).rows
    assert rows[["begin", "end", "kind"]].values.tolist() == [
        [ab + 2, ab + 69, gaps.KIND_GAP], [ab + 71, ab + 99, gaps.KIND_UNUSED]]


def test_a_machine_that_used_nothing_is_wholly_unused() -> None:
    ab = to_key("AB00000000")
    rows = gaps.find_gaps(machine_frame([("A", "2", ab, ab + 49)]), UsedNumbers.of([], platform=[])).rows
    assert rows[["begin", "end", "kind", "cause"]].values.tolist() == [
        [ab, ab + 49, gaps.KIND_UNUSED, gaps.CAUSE_IDLE]]


def test_machines_are_separate_even_on_one_track() -> None:
    ab = to_key("AB00000000")
    machines = machine_frame([("A", "1", ab, ab + 49), ("A", "2", ab + 50, ab + 99)])
    used = UsedNumbers.of([ab + 10, ab + 60], platform=[])
    rows = gaps.find_gaps(machines, used).rows
    assert rows[["machine", "begin", "end", "kind"]].values.tolist() == [
        ["1", ab, ab + 9, gaps.KIND_GAP], ["1", ab + 11, ab + 49, gaps.KIND_UNUSED],
        ["2", ab + 50, ab + 59, gaps.KIND_GAP], ["2", ab + 61, ab + 99, gaps.KIND_UNUSED]]


def test_overlapping_machines_are_an_error_finding() -> None:
    ab = to_key("AB00000000")
    result = gaps.find_gaps(machine_frame([("A", "1", ab, ab + 99), ("B", "9", ab + 50, ab + 149)]),
                            UsedNumbers.of([], platform=[]))
    assert [f.code for f in result.findings] == ["gaps_overlap"]
    assert result.findings[0].severity is Severity.ERROR
    assert "AB00000050–AB00000099" in result.findings[0].message


def test_voided_numbers_now_used_are_reported_not_kept() -> None:
    ab = to_key("AB00000000")
    machines = machine_frame([("A", "1", ab, ab + 49)])
    voided = pd.DataFrame({"begin": [ab + 5, ab + 30, ab, ab + 500], "end": [ab + 6, ab + 31, ab, ab + 500],
                           "row": [10, 11, 12, 13]})
    used = UsedNumbers.of([ab, ab + 6, ab + 20], platform=[])
    result = gaps.find_gaps(machines, used, voided)
    codes = sorted((f.code, f.where.row) for f in result.findings)
    assert codes == [("gaps_voided_machine", 13), ("gaps_voided_unused", 11), ("gaps_voided_used", 10),
                     ("gaps_voided_used", 12)]
    assert result.voided[["begin", "end"]].values.tolist() == [[ab + 5, ab + 5]]
    quiet = gaps.find_gaps(machines, used, voided, report_outside=False)
    assert "gaps_voided_machine" not in {f.code for f in quiet.findings}


def test_a_renamed_machine_keeps_its_voided_numbers() -> None:
    ab = to_key("AB00000000")
    used = UsedNumbers.of([ab, ab + 9], platform=[])
    voided = pd.DataFrame({"account": ["A"], "machine": ["001"], "begin": [ab + 1], "end": [ab + 8]})
    result = gaps.find_gaps(machine_frame([("A", "1", ab, ab + 49)]), used, voided)
    assert result.voided[["machine", "begin", "end"]].values.tolist() == [["1", ab + 1, ab + 8]]
    assert result.findings == []


def test_mark_void_and_unvoid() -> None:
    ab = to_key("AB00000000")
    machines = machine_frame([("A", "1", ab, ab + 49)])
    used = UsedNumbers.of([ab, ab + 9], platform=[ab + 5])
    result = gaps.find_gaps(machines, used)
    rows, changed = gaps.mark_void(result.rows)
    assert rows.loc[changed, ["begin", "end"]].values.tolist() == [[ab + 1, ab + 4], [ab + 6, ab + 8]]
    assert (rows.loc[rows["cause"] == gaps.CAUSE_PLATFORM, "state"] == gaps.FIX_ERP).all()
    back, undone = gaps.mark_unvoid(rows)
    assert undone.tolist() == changed.tolist()
    assert back["state"].tolist() == result.rows["state"].tolist()


def test_unknown_cause_is_voided_only_when_asked() -> None:
    ab = to_key("AB00000000")
    result = gaps.find_gaps(machine_frame([("A", "1", ab, ab + 9)]), UsedNumbers.of([ab, ab + 5]))
    assert (result.gaps["cause"] == gaps.CAUSE_UNKNOWN).all()
    assert not gaps.mark_void(result.rows)[1].any()
    assert gaps.mark_void(result.rows, include_unknown=True)[1].sum() == 1


@pytest.mark.parametrize("n", [0, 1])
def test_empty_inputs(n: int) -> None:
    machines = machine_frame([("A", "1", 100, 100)][:n])
    result = gaps.find_gaps(machines, UsedNumbers.of(np.empty(0, np.int64)))
    assert list(result.rows.columns) == list(gaps.COLUMNS)
    assert len(result.rows) == n


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 10)), max_size=8),
       st.lists(st.tuples(st.integers(0, 60), st.integers(0, 10)), max_size=8))
def test_overlap_pieces_matches_reference(a: list[tuple[int, int]], x: list[tuple[int, int]]) -> None:
    covered = {n for b, k in x for n in range(b, b + k + 1)}
    index, begin, end = blanks.overlap_pieces([b for b, _ in a], [b + k for b, k in a],
                                              [b for b, _ in x], [b + k for b, k in x])
    got = list(zip(index.tolist(), begin.tolist(), end.tolist(), strict=True))
    expected = [(i, pb, pe) for i, (b, k) in enumerate(a) for pb, pe in ref_runs(n for n in range(b, b + k + 1)
                                                                                 if n in covered)]
    assert got == expected
