"""Allocation never moves used numbers — property tests (hypothesis) on the step.

Any sequence of "issue some numbers (in order, sometimes skipping), change machine counts,
add or remove a machine, allocate": after every allocation that is written no used number
has changed machine, no machine got a booklet below its highest used number, every machine
has exactly its 組數, and the 跳號 (``steps.gaps``) are exactly what they were. An allocation
refused for lack of a placement is checked against a brute-force search over every hand-out
(a plain reference, written apart from the step's greedy passes and max-flow).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from hypothesis import event, given, settings
from hypothesis import strategies as st

from invoicetools.book import layout
from invoicetools.domain import periods
from invoicetools.domain.invoice_number import KEY_BASE, track_code
from invoicetools.steps.allocation import PeriodAllocation, period_allocation
from invoicetools.steps.blanks import UsedNumbers
from invoicetools.steps.gaps import KIND_GAP, find_gaps
from invoicetools.steps.tracks import allocate
from invoicetools.steps.tracks.placing import place_booklets

PERIOD = periods.parse("11402")
TRACKS = ("KA", "KB")
COMPANY = "12345675"


def tracks_frame(sizes: list[int]) -> pd.DataFrame:
    return pd.DataFrame([{
        "營業人統編": COMPANY, "發票類別代號": "07", "發票類別": "一般稅額計算", "發票期別": PERIOD.label,
        "發票字軌名稱": TRACKS[t], "發票起號": "00000000", "發票迄號": f"{n * 50 - 1:08d}", "申報年月": PERIOD.code,
    } for t, n in enumerate(sizes)], columns=list(layout.table("字軌配號").headers))


def booklets_of(sizes: list[int]) -> list[int]:
    return [track_code(TRACKS[t]) * KEY_BASE + 50 * b for t, n in enumerate(sizes) for b in range(n)]


@dataclass
class World:
    sizes: list[int]
    machines: dict[str, int] = field(default_factory=dict)  # 機台號 → 組數 (帳別 A)
    rows: pd.DataFrame | None = None  # 配號設定 of the period
    used: set[int] = field(default_factory=set)
    allocated: int = 0
    refused: int = 0

    def current(self) -> PeriodAllocation:
        return period_allocation(tracks_frame(self.sizes), self.rows if self.rows is not None else pd.DataFrame(),
                                 PERIOD)

    def holder(self) -> dict[int, str]:
        """Booklet → the machine holding it now."""
        m = self.current().machines
        return {b: mach for mach, lo, hi in zip(m["machine"], m["begin"], m["end"], strict=True)
                for b in range(int(lo), int(hi) + 1, 50)}

    def machine_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"帳別": "A", "機台號": m, "組數": n} for m, n in self.machines.items()],
                            columns=list(layout.table("機台配號設定").headers))


def issue(world: World, machine: str, count: int, skip: int) -> None:
    """The machine issues ``count`` numbers in order after its highest used number (after ``skip`` skipped)."""
    mine = sorted(b for b, m in world.holder().items() if m == machine)
    numbers = [n for b in mine for n in range(b, b + 50)]
    top = max((n for n in numbers if n in world.used), default=None)
    after = [n for n in numbers if top is None or n > top][skip:]
    world.used.update(after[:count])


def floors_and_kept(world: World) -> tuple[dict[str, dict[int, int]], dict[str, set[int]]]:
    """The plain rule: a machine's highest used number per track; it keeps every booklet it holds up to it."""
    holder = world.holder()
    floors: dict[str, dict[int, int]] = {}
    for n in world.used:
        m = holder.get(n - n % 50)
        if m is not None:
            floors.setdefault(m, {})
            floors[m][n // KEY_BASE] = max(floors[m].get(n // KEY_BASE, -1), n)
    kept = {m: {b for b, h in holder.items() if h == m and b <= floors[m].get(b // KEY_BASE, -1)} for m in floors}
    return floors, kept


def placeable(world: World) -> bool:
    """Brute force: is there any hand-out with exact counts, kept booklets kept, new ones above the floors?"""
    floors, kept = floors_and_kept(world)
    holder = world.holder()
    unheld_used = {n - n % 50 for n in world.used if holder.get(n - n % 50) is None}
    taken = set().union(*kept.values()) if kept else set()
    free = [b for b in booklets_of(world.sizes) if b not in taken and b not in unheld_used]
    needs = [(m, n - len(kept.get(m, ()))) for m, n in world.machines.items()]

    def fill(i: int, left: frozenset[int]) -> bool:
        if i == len(needs):
            return True
        m, need = needs[i]
        ok = [b for b in left if b > floors.get(m, {}).get(b // KEY_BASE, -1)]
        return any(fill(i + 1, left - set(pick)) for pick in itertools.combinations(sorted(ok), need))

    return all(n >= 0 for _, n in needs) and fill(0, frozenset(free))


def gaps_of(world: World) -> set[tuple[str, int, int]]:
    machines = world.current().machines
    rows = find_gaps(machines, UsedNumbers.of(sorted(world.used))).rows
    gaps = rows[rows["kind"] == KIND_GAP]
    return set(zip(gaps["machine"], gaps["begin"], gaps["end"], strict=True))


def allocate_now(world: World) -> None:
    before_holder = world.holder()
    before_gaps = gaps_of(world)
    floors, kept = floors_and_kept(world)
    res = allocate(tracks_frame(world.sizes), world.machine_frame(), period=PERIOD.code, company_ubn=COMPANY,
                   used=np.array(sorted(world.used), dtype=np.int64), current=world.current())
    if not res.written:
        codes = {f.code for f in res.errors}
        if res.missing:
            assert sum(world.machines.values()) > res.available
        elif "alloc_used_removed" in codes:
            assert set(floors) - set(world.machines)
        elif "alloc_used_count" in codes:
            assert any(len(kept[m]) > world.machines[m] for m in kept if m in world.machines)
        else:
            assert codes == {"alloc_used_place"}, res.findings
            assert not placeable(world)
        world.refused += 1
        event(f"refused: {sorted(codes)}")
        return
    world.rows = res.rows
    world.allocated += 1
    event("written with used numbers held" if floors else "written")
    after_holder = world.holder()
    # every used number stays on its machine
    for n in world.used:
        assert after_holder.get(n - n % 50) == before_holder.get(n - n % 50)
    # no machine got a booklet below its highest used number
    for b, m in after_holder.items():
        if before_holder.get(b) != m:
            assert b > floors.get(m, {}).get(b // KEY_BASE, -1), (b, m)
    # exact counts, and the 跳號 are what they were
    counts = pd.Series(list(after_holder.values())).value_counts().to_dict()
    assert {m: counts.get(m, 0) for m in world.machines} == world.machines
    assert gaps_of(world) == before_gaps


operations = st.lists(st.one_of(
    st.tuples(st.just("issue"), st.integers(0, 3), st.integers(1, 120), st.sampled_from([0, 0, 0, 3, 60])),
    st.tuples(st.just("count"), st.integers(0, 3), st.integers(0, 5)),
    st.tuples(st.just("add"), st.integers(1, 3)),
    st.tuples(st.just("remove"), st.integers(0, 3)),
    st.tuples(st.just("allocate")),
), max_size=14)


def run_ops(world: World, ops: list[tuple[object, ...]]) -> Iterator[None]:
    for op in ops:
        names = list(world.machines)
        if op[0] == "issue" and names:
            issue(world, names[int(op[1]) % len(names)], int(op[2]), int(op[3]))  # type: ignore[call-overload]
        elif op[0] == "count" and names:
            world.machines[names[int(op[1]) % len(names)]] = int(op[2])  # type: ignore[call-overload]
        elif op[0] == "add":
            world.machines[f"M{len(world.machines) + world.allocated}{op[1]}"] = int(op[1])  # type: ignore[call-overload]
        elif op[0] == "remove" and len(names) > 1:
            del world.machines[names[int(op[1]) % len(names)]]  # type: ignore[call-overload]
        else:
            allocate_now(world)
        yield None


@settings(max_examples=300, deadline=None)
@given(sizes=st.lists(st.integers(1, 6), min_size=1, max_size=2), first=st.lists(st.integers(0, 3), min_size=1,
       max_size=3), ops=operations)
def test_no_used_number_moves_and_no_false_gap_after_any_sequence(sizes: list[int], first: list[int],
                                                                  ops: list[tuple[object, ...]]) -> None:
    world = World(sizes, {f"0{i}": n for i, n in enumerate(first)})
    allocate_now(world)
    for _ in run_ops(world, ops):
        pass
    allocate_now(world)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_placement_finds_a_hand_out_whenever_one_exists(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 8))
    split = data.draw(st.integers(0, n))  # booklets of two tracks
    keys = np.r_[np.arange(split) * 50, KEY_BASE + np.arange(n - split) * 50].astype(np.int64)
    m = data.draw(st.integers(1, 3))
    fixed = np.array([data.draw(st.integers(-1, m - 1)) for _ in range(n)], dtype=np.int64)
    floors = [{t: data.draw(st.integers(t * KEY_BASE - 1, t * KEY_BASE + n * 50)) for t in (0, 1)
               if data.draw(st.booleans())} for _ in range(m)]
    held = np.bincount(fixed[fixed >= 0], minlength=m)
    counts = [int(held[i]) + data.draw(st.integers(0, 3)) for i in range(m)]
    placed = place_booklets(keys, np.zeros(n, np.int64), counts, [None] * m, fixed, floors)
    owner = np.full(n, -1)
    for i, segs in enumerate(placed.segments):
        for start, k in segs:
            assert (owner[start:start + k] == -1).all()
            owner[start:start + k] = i
    assert all(owner[fixed >= 0] == fixed[fixed >= 0])  # held booklets stay
    for b in np.flatnonzero((owner >= 0) & (owner != fixed)).tolist():
        assert keys[b] > floors[owner[b]].get(int(keys[b] // KEY_BASE), -1)  # new ones above the floor
    free = [int(b) for b in np.flatnonzero(fixed < 0)]
    needs = [counts[i] - int(held[i]) for i in range(m)]

    def fill(i: int, left: frozenset[int]) -> bool:
        if i == m:
            return True
        ok = [b for b in left if keys[b] > floors[i].get(int(keys[b] // KEY_BASE), -1)]
        return any(fill(i + 1, left - set(p)) for p in itertools.combinations(sorted(ok), needs[i]))

    exists = fill(0, frozenset(free))
    event("placeable" if exists else "no hand-out exists")
    assert (placed.stuck is None) == exists
    if exists:
        assert placed.got == counts and [int((owner == i).sum()) for i in range(m)] == counts


def test_when_the_greedy_hand_out_fails_the_flow_still_finds_one() -> None:
    # B (first, no floor) would take the lowest booklet, KA's; A may only use KA (its KB numbers are above KB's booklet)
    keys = np.array([track_code("KA") * KEY_BASE, track_code("KB") * KEY_BASE], dtype=np.int64)
    floors: list[dict[int, int]] = [{}, {track_code("KB"): track_code("KB") * KEY_BASE + 70}]
    placed = place_booklets(keys, np.array([0, 1]), [1, 1], [None, None], np.array([-1, -1]), floors)
    assert placed.stuck is None and placed.segments == [[(1, 1)], [(0, 1)]]
