"""Handing out booklets around those machines already hold (``holding``): never below a machine's floor.

:func:`place_booklets` gives each request its fixed booklets plus what it still needs from
the free ones, where a request may only get a booklet above its *floor* in that track (its
highest used number). First greedily, in the spirit of ``assign_booklets`` (runs taken from
their start, never crossing a floor): (0) the run right after a request's own booklets, so a
machine's range simply goes on (in its preferred track, when it has one); (1) a run of its preferred track long enough; (2) any run
long enough; (3) the lowest booklets it may get. When the greedy hand-out leaves a request
short, a maximum flow over classes of booklets (booklets that the same requests may get)
decides: it finds a hand-out whenever one exists, or proves none does — then ``stuck``
names a request still short and a free booklet below its floor.

>>> keys = np.array([0, 50, 100, 150, 200], dtype=np.int64)
>>> fixed = np.array([-1, 1, -1, -1, -1], dtype=np.int64)  # request 1 keeps booklet 50 (it used number 60)
>>> p = place_booklets(keys, np.zeros(5, np.int64), [2, 3], [None, None], fixed, [{}, {0: 60}])
>>> p.segments, p.stuck
([[(0, 1), (4, 1)], [(1, 3)]], None)
>>> place_booklets(keys, np.zeros(5, np.int64), [0, 5], [None, None], fixed, [{}, {0: 60}]).stuck
(1, 0)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ...domain.invoice_number import KEY_BASE
from ...domain.ranges import BOOKLET

__all__ = ["Placement", "place_booklets"]

Int64s = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass
class Placement:
    """Per request its booklets as runs ``(index, count)`` by number, how many it got, which are new."""

    segments: list[list[tuple[int, int]]]
    got: list[int]
    fresh: list[Int64s]  # indices of the booklets it did not hold before
    stuck: tuple[int, int] | None = None  # (request, booklet) when no hand-out exists


def _eligible(keys: Int64s, tracks: Int64s, floors: dict[int, int]) -> Bools:
    ok = np.ones(keys.size, dtype=bool)
    for track, top in floors.items():
        ok &= ~((tracks == track) & (keys <= top))
    return ok


class _Greedy:
    """The four greedy passes over the runs of free booklets (positions into ``free``)."""

    def __init__(self, keys: Int64s, groups: Int64s, owner: Int64s, floors: Sequence[dict[int, int]]) -> None:
        self.keys, self.owner = keys, owner
        self.free = np.flatnonzero(owner == -1)
        fk = keys[self.free]
        tracks = fk // KEY_BASE
        brk = np.r_[True, (np.diff(self.free) != 1) | (np.diff(fk) != BOOKLET) | (np.diff(tracks) != 0)
                    | (np.diff(groups[self.free]) != 0)] if self.free.size else np.empty(0, bool)
        tops = np.array(sorted({top for f in floors for top in f.values()}), dtype=np.int64)
        at = np.searchsorted(fk, tops, side="right")
        brk[at[at < fk.size]] = True  # a run never crosses a floor: each is wholly above or below it
        self.start = np.flatnonzero(brk).astype(np.int64)
        self.cursor = self.start.copy()
        self.left = np.diff(np.r_[self.start, self.free.size]).astype(np.int64)
        self.track = tracks[self.start] if self.start.size else np.empty(0, np.int64)
        self.ok = np.array([_eligible(fk[self.start], self.track, f) for f in floors], dtype=bool).reshape(
            len(floors), self.start.size)

    def take(self, i: int, r: int, k: int, need: list[int]) -> None:
        self.owner[self.free[self.cursor[r]:self.cursor[r] + k]] = i
        self.cursor[r] += k
        self.left[r] -= k
        need[i] -= k

    def go_on(self, i: int, need: list[int], preferred: int | None) -> None:
        """Pass 0: the run right after the request's own booklets (in its preferred track, when it has one)."""
        own = np.flatnonzero(self.owner == i)
        lasts = {int(self.keys[b]) // KEY_BASE: int(b) for b in own}  # the last booklet per track
        for track in sorted(t for t in lasts if preferred is None or t == preferred):
            p = int(np.searchsorted(self.free, lasts[track] + 1))
            if need[i] == 0 or p >= self.free.size or self.free[p] != lasts[track] + 1:
                continue
            r = int(np.searchsorted(self.start, p, side="right")) - 1
            if self.cursor[r] == p and self.track[r] == track and self.ok[i, r] and self.left[r]:
                self.take(i, r, int(min(need[i], self.left[r])), need)

    def whole_run(self, i: int, need: list[int], track: int | None) -> None:
        """Passes 1 and 2: the first run long enough (of ``track`` when given)."""
        fits = (self.left >= need[i]) & self.ok[i]
        if track is not None:
            fits &= self.track == track
        cand = np.flatnonzero(fits)
        if need[i] and cand.size:
            self.take(i, int(cand[0]), need[i], need)

    def lowest(self, i: int, need: list[int], preferred: int | None) -> None:
        """Pass 3: the lowest booklets the request may get, its preferred track first."""
        runs = np.flatnonzero((self.left > 0) & self.ok[i])
        if preferred is not None:
            runs = np.r_[runs[self.track[runs] == preferred], runs[self.track[runs] != preferred]]
        for r in runs.tolist():
            if need[i] == 0:
                break
            self.take(i, r, int(min(self.left[r], need[i])), need)


def _max_flow(sizes: list[int], edges: list[list[int]], needs: list[int]) -> list[dict[int, int]]:
    """Classes (``sizes``) → requests (``needs``); ``edges[c]`` the requests class ``c`` may serve.

    Edmonds–Karp on the small graph source → class → request → sink; returns per class the
    booklets it gives each request.
    """
    n_c = len(sizes)
    source, sink = n_c + len(needs), n_c + len(needs) + 1
    cap: dict[int, dict[int, int]] = {v: {} for v in range(sink + 1)}

    def edge(a: int, b: int, c: int) -> None:
        cap[a][b] = cap[a].get(b, 0) + c
        cap[b].setdefault(a, 0)

    total = sum(needs)
    for c, size in enumerate(sizes):
        edge(source, c, size)
        for r in edges[c]:
            edge(c, n_c + r, total)
    for r, need in enumerate(needs):
        edge(n_c + r, sink, need)
    while True:
        parent = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            v = queue.popleft()
            for w, c in cap[v].items():
                if c > 0 and w not in parent:
                    parent[w] = v
                    queue.append(w)
        if sink not in parent:
            break
        path, w = [], sink
        while w != source:
            path.append((parent[w], w))
            w = parent[w]
        push = min(cap[a][b] for a, b in path)
        for a, b in path:
            cap[a][b] -= push
            cap[b][a] += push
    return [{r: cap[n_c + r][c] for r in edges[c] if cap[n_c + r][c] > 0} for c in range(n_c)]


def _by_flow(keys: Int64s, owner: Int64s, need: list[int], floors: Sequence[dict[int, int]]) -> tuple[int, int] | None:
    """Fill ``owner`` by a maximum flow; ``(request, booklet)`` when some request stays short."""
    free = np.flatnonzero(owner == -1)
    wanting = [i for i, k in enumerate(need) if k > 0]
    ok = np.array([_eligible(keys[free], keys[free] // KEY_BASE, floors[i]) for i in wanting], dtype=bool).reshape(
        len(wanting), free.size)
    signature = np.packbits(ok, axis=0).T if ok.size else np.zeros((free.size, 1), np.uint8)
    _, klass = np.unique(signature, axis=0, return_inverse=True)
    klass = klass.reshape(-1)
    order = np.argsort(klass, kind="stable")  # positions by class, by number within a class
    members = np.split(order, np.flatnonzero(np.diff(klass[order])) + 1) if free.size else []
    edges = [[j for j in range(len(wanting)) if ok[j, m[0]]] for m in members]
    flows = _max_flow([len(m) for m in members], edges, [need[i] for i in wanting])
    for m, flow in zip(members, flows, strict=True):
        at = 0
        for j in sorted(flow):
            owner[free[m[at:at + flow[j]]]] = wanting[j]
            at += flow[j]
            need[wanting[j]] -= flow[j]
    short = [i for i in wanting if need[i] > 0]
    if not short:
        return None
    left = np.flatnonzero(owner == -1)
    return short[0], int(left[0]) if left.size else -1  # -1: simply too few booklets


def _runs(keys: Int64s, groups: Int64s, mine: Int64s) -> list[tuple[int, int]]:
    if mine.size == 0:
        return []
    brk = np.r_[True, (np.diff(mine) != 1) | (np.diff(keys[mine]) != BOOKLET) | (np.diff(keys[mine] // KEY_BASE) != 0)
                | (np.diff(groups[mine]) != 0)]
    starts = np.flatnonzero(brk)
    counts = np.diff(np.r_[starts, mine.size])
    return [(int(mine[s]), int(k)) for s, k in zip(starts, counts, strict=True)]


def place_booklets(
    keys: Int64s,
    groups: Int64s,
    counts: Sequence[int],
    preferred: Sequence[int | None],
    fixed: Int64s,
    floors: Sequence[dict[int, int]],
) -> Placement:
    """Give each request its ``fixed`` booklets (``fixed[b]`` = request, -1 free) and what it still
    needs of ``counts`` from the free ones above its ``floors`` (track code → highest used key)."""
    owner = np.asarray(fixed, dtype=np.int64).copy()
    held = np.bincount(owner[owner >= 0], minlength=len(counts))
    need = [max(int(c) - int(h), 0) for c, h in zip(counts, held, strict=True)]
    wanted = list(need)
    greedy = _Greedy(keys, groups, owner, floors)
    for i, pref in enumerate(preferred):
        greedy.go_on(i, need, pref)
    for i, pref in enumerate(preferred):
        if pref is not None:
            greedy.whole_run(i, need, pref)
    for i in range(len(counts)):
        greedy.whole_run(i, need, None)
    for i, pref in enumerate(preferred):
        greedy.lowest(i, need, pref)
    stuck = None
    if any(need):
        owner = np.asarray(fixed, dtype=np.int64).copy()
        need = list(wanted)
        stuck = _by_flow(keys, owner, need, floors)
    return Placement(
        segments=[_runs(keys, groups, np.flatnonzero(owner == i)) for i in range(len(counts))],
        got=[int(c) - n for c, n in zip(counts, need, strict=True)],
        fresh=[np.flatnonzero((owner == i) & (fixed != i)) for i in range(len(counts))],
        stuck=stuck,
    )
