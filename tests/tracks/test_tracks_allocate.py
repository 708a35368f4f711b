"""配號: booklets to 帳別 × 機台 — property tests against a plain reference, and the action on a MemoryBook."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from trackdata import ALLOCATION, BRANCH, COMPANY, Range, write_mof_csv

from invoicetools.actions.base import Context
from invoicetools.actions.tracks import allocate_tracks, import_tracks
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.domain.errors import ExitCode, Severity
from invoicetools.domain.invoice_number import KEY_BASE
from invoicetools.steps.tracks import allocate, assign_booklets, machine_requests

MACHINES = layout.table("機台配號設定")
ALLOC = layout.table("配號設定")
SHEET = layout.sheet("配號設定")

# ------------------------------------------------------------------------------------------------
# the core, against a plain reference
# ------------------------------------------------------------------------------------------------


def reference_assign(
    keys: list[int], groups: list[int], counts: list[int], preferred: list[int | None]
) -> list[list[int]]:
    """The same three passes, written the plain way: per booklet, free runs recomputed every time."""
    free = [True] * len(keys)
    got: list[list[int]] = [[] for _ in counts]

    def runs() -> list[list[int]]:
        out: list[list[int]] = []
        for i in range(len(keys)):
            if not free[i]:
                continue
            joins = (
                out and i > 0 and free[i - 1] and out[-1][-1] == i - 1 and keys[i] - keys[i - 1] == 50
                and keys[i] // KEY_BASE == keys[i - 1] // KEY_BASE and groups[i] == groups[i - 1]
            )
            if joins:
                out[-1].append(i)
            else:
                out.append([i])
        return out

    def take(r: int, idx: list[int]) -> None:
        for i in idx:
            free[i] = False
            got[r].append(i)

    done = [c <= 0 for c in counts]
    for r, (c, p) in enumerate(zip(counts, preferred, strict=True)):
        if done[r] or p is None:
            continue
        for run in runs():
            if keys[run[0]] // KEY_BASE == p and len(run) >= c:
                take(r, run[:c])
                done[r] = True
                break
    for r, c in enumerate(counts):
        if done[r]:
            continue
        for run in runs():
            if len(run) >= c:
                take(r, run[:c])
                done[r] = True
                break
    for r, (c, p) in enumerate(zip(counts, preferred, strict=True)):
        if done[r]:
            continue
        order = [i for i in range(len(keys)) if free[i]]
        if p is not None:
            order = [i for i in order if keys[i] // KEY_BASE == p] + [i for i in order if keys[i] // KEY_BASE != p]
        take(r, order[:c])
    return got


@st.composite
def booklet_sets(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n_tracks = draw(st.integers(1, 4))
    keys: list[int] = []
    groups: list[int] = []
    for t in range(n_tracks):
        code = draw(st.integers(0, 675))
        group = draw(st.integers(0, 1))
        start = draw(st.integers(0, 20)) * 50
        for _ in range(draw(st.integers(1, 4))):  # a few ranges per track, with gaps
            size = draw(st.integers(1, 8))
            for b in range(size):
                keys.append(code * KEY_BASE + start + b * 50)
                groups.append(group * 10 + t)
            start += (size + draw(st.integers(0, 3))) * 50
    # near the top of a track: 99999950 then the next track's 00000000 must not join
    if draw(st.booleans()):
        keys += [5 * KEY_BASE + 99_999_950, 6 * KEY_BASE]
        groups += [0, 0]
    order = np.argsort(keys, kind="stable")
    k = np.asarray(keys, dtype=np.int64)[order]
    g = np.asarray(groups, dtype=np.int64)[order]
    uniq = np.r_[True, np.diff(k) != 0]
    return k[uniq], g[uniq]


@st.composite
def requests_for(draw: st.DrawFn, keys: np.ndarray) -> tuple[list[int], list[int | None]]:
    tracks = sorted(set((keys // KEY_BASE).tolist()))
    n = draw(st.integers(1, 6))
    counts = [draw(st.integers(0, 10)) for _ in range(n)]
    preferred = [draw(st.one_of(st.none(), st.sampled_from(tracks), st.just(700))) for _ in range(n)]
    return counts, [None if p == 700 else p for p in preferred]


def expand(segments: list[tuple[int, int]]) -> list[int]:
    return [i for start, k in segments for i in range(start, start + k)]


@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_assignment_properties_and_reference(data: st.DataObject) -> None:
    keys, groups = data.draw(booklet_sets())
    counts, preferred = data.draw(requests_for(keys))
    segments, got = assign_booklets(keys, counts, preferred, groups)
    taken = [expand(s) for s in segments]
    flat = [i for t in taken for i in t]
    # every booklet at most once
    assert len(flat) == len(set(flat))
    # each machine gets exactly its 組數 when there are enough booklets in all
    if sum(counts) <= keys.size:
        assert [len(t) for t in taken] == counts == got
    # every segment is a contiguous run of one track and one group
    for segs in segments:
        for start, k in segs:
            idx = np.arange(start, start + k)
            assert (np.diff(keys[idx]) == 50).all()
            assert len(set((keys[idx] // KEY_BASE).tolist())) == 1
            assert len(set(groups[idx].tolist())) == 1
    # the same as the plain reference (which also fixes "contiguous where possible")
    ref = reference_assign(keys.tolist(), groups.tolist(), counts, preferred)
    assert [sorted(t) for t in taken] == [sorted(r) for r in ref]
    # deterministic
    assert assign_booklets(keys, counts, preferred, groups) == (segments, got)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_one_segment_whenever_a_free_run_is_long_enough(data: st.DataObject) -> None:
    keys, groups = data.draw(booklet_sets())
    count = data.draw(st.integers(1, 12))
    segments, _ = assign_booklets(keys, [count], [None], groups)
    runs = np.split(np.arange(keys.size), np.flatnonzero(
        (np.diff(keys) != 50) | (np.diff(keys // KEY_BASE) != 0) | (np.diff(groups) != 0)) + 1)
    longest = max(len(r) for r in runs)
    if count <= longest:
        assert len(segments[0]) == 1


def test_a_preferred_track_is_honoured_and_others_fill_in_order() -> None:
    ka, kb = 10 * KEY_BASE, 11 * KEY_BASE
    keys = np.array([ka + i * 50 for i in range(4)] + [kb + i * 50 for i in range(4)], dtype=np.int64)
    segments, got = assign_booklets(keys, [3, 2, 3], [None, 11, None])
    # KB's machine first; the first no-preference machine then takes KA's start; the last one fragments
    assert segments == [[(0, 3)], [(4, 2)], [(6, 2), (3, 1)]] or segments == [[(0, 3)], [(4, 2)], [(3, 1), (6, 2)]]
    assert got == [3, 2, 3]


# ------------------------------------------------------------------------------------------------
# the step and the action
# ------------------------------------------------------------------------------------------------


def machines_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(MACHINES.headers))
    frame.index = range(MACHINES.first_data_row, MACHINES.first_data_row + len(frame))
    return frame


DEMO_MACHINES = [
    {"帳別": "A", "機台號": "001", "組數": 200, "傳輸類別": "B2C", "發票字軌": "KA"},
    {"帳別": "A", "機台號": "002", "組數": 110, "傳輸類別": "B2C", "發票字軌": "KA"},
    {"帳別": "B", "機台號": "001", "組數": 140, "傳輸類別": "B2B", "發票字軌": "KB"},
]


@pytest.fixture
def imported(ctx: Context, book: MemoryBook, tmp_path: Path) -> MemoryBook:
    result = import_tracks(ctx, [write_mof_csv(tmp_path / "invnoapply.csv")])
    assert result.exit_code == ExitCode.OK
    return book


def test_allocation_follows_the_machine_table(ctx: Context, imported: MemoryBook) -> None:
    imported.write_table(MACHINES, machines_frame(DEMO_MACHINES))
    result = allocate_tracks(ctx)
    assert result.exit_code == ExitCode.OK, result.findings
    t = imported.read_table(ALLOC)
    assert t[["帳別", "機台號", "發票字軌", "起號", "迄號", "組數", "申報年月", "發票類別代號", "營業人統編", "傳輸類別"]
             ].values.tolist() == [
        ["A", "001", "KA", "12340000", "12349999", 200, "11402", "07", COMPANY, "B2C"],
        ["A", "002", "KA", "12350000", "12355499", 110, "11402", "07", COMPANY, "B2C"],
        ["B", "001", "KB", "56780000", "56786999", 140, "11402", "07", COMPANY, "B2B"],
    ]
    assert "3 台機台，共 450 組" in result.message and "剩餘 21 組" in result.message
    assert [f.code for f in result.findings] == ["alloc_spare"]
    # running it again gives the same table
    again = allocate_tracks(ctx)
    pd.testing.assert_frame_equal(imported.read_table(ALLOC), t)
    assert "不同" not in again.message


def test_too_few_booklets_says_how_many_and_for_whom_and_writes_nothing(
    ctx: Context, imported: MemoryBook
) -> None:
    imported.write_table(MACHINES, machines_frame(DEMO_MACHINES))
    allocate_tracks(ctx)
    before = imported.read_table(ALLOC)
    more = [*DEMO_MACHINES, {"帳別": "C", "機台號": "009", "組數": 30}]
    imported.write_table(MACHINES, machines_frame(more))
    result = allocate_tracks(ctx)
    assert result.exit_code == ExitCode.FINDINGS
    assert "需要 480 組，只有 471 組，不足 9 組" in result.message
    short = [f for f in result.findings if f.code == "alloc_machine_short"]
    assert [(f.where.sheet, f.where.row, f.where.column) for f in short] == [("機台配號設定", 8, "組數")]
    assert "帳別 C 機台 009 需要 30 組，只能配到 21 組" in short[0].message
    [summary] = [f for f in result.findings if f.code == "alloc_shortage"]
    assert "不足 9 組" in summary.message and "帳別 C 機台 009" in summary.message
    pd.testing.assert_frame_equal(imported.read_table(ALLOC), before)


def test_reuse_counts_takes_the_previous_periods_counts(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    year = [Range("KA", 0, 9_999), Range("LA", 0, 9_999, period="11404")]
    import_tracks(ctx, [write_mof_csv(tmp_path / "y.csv", year)], all_year=True)
    book.write_table(MACHINES, machines_frame([
        {"帳別": "A", "機台號": "1", "組數": 10}, {"帳別": "A", "機台號": "2", "組數": 20},
        {"帳別": "A", "機台號": "3", "組數": 5},
    ]))
    assert allocate_tracks(ctx, period="11402").exit_code == ExitCode.OK
    book.write_table(MACHINES, machines_frame([
        {"帳別": "A", "機台號": "1", "組數": 1}, {"帳別": "A", "機台號": "2", "組數": 2},
        {"帳別": "A", "機台號": "4", "組數": 7},
    ]))
    result = allocate_tracks(ctx, period="11404", reuse_counts=True)
    assert result.exit_code == ExitCode.OK, result.findings
    t = book.read_table(ALLOC)
    now = t[t["申報年月"] == "11404"]
    assert now[["機台號", "組數"]].values.tolist() == [["1", 10], ["2", 20], ["4", 7]]
    assert sorted(set(t["申報年月"])) == ["11402", "11404"]  # the previous period's rows stay
    # without the option the table's counts are used
    allocate_tracks(ctx, period="11404", reuse_counts=False)
    t = book.read_table(ALLOC)
    assert t.loc[t["申報年月"] == "11404", "組數"].tolist() == [1, 2, 7]


def test_machines_of_another_period_and_period_specific_rows(ctx: Context, imported: MemoryBook) -> None:
    imported.write_table(MACHINES, machines_frame([
        {"帳別": "A", "機台號": "1", "組數": 3},
        {"帳別": "A", "機台號": "1", "組數": 5, "所屬年月": "114/01~114/02"},
        {"帳別": "A", "機台號": "2", "組數": 4, "所屬年月": "11404"},
        {"帳別": "A", "機台號": "3", "組數": 1, "所屬年月": ""},
    ]))
    result = allocate_tracks(ctx)
    t = imported.read_table(ALLOC)
    assert t[["機台號", "組數"]].values.tolist() == [["1", 5], ["3", 1]]
    assert result.counts["機台"] == 2


def test_account_parameter_allocates_one_account_and_keeps_the_others(ctx: Context, imported: MemoryBook) -> None:
    imported.write_table(MACHINES, machines_frame(DEMO_MACHINES))
    allocate_tracks(ctx)
    rows = [*DEMO_MACHINES[:2], {**DEMO_MACHINES[2], "組數": 10, "發票字軌": ""}]
    imported.write_table(MACHINES, machines_frame(rows))
    imported.write_params(SHEET, {"account": "B"})
    result = allocate_tracks(ctx)
    assert result.exit_code == ExitCode.OK, result.findings
    t = imported.read_table(ALLOC)
    assert t[["帳別", "機台號", "發票字軌", "起號", "組數"]].values.tolist() == [
        ["A", "001", "KA", "12340000", 200],
        ["A", "002", "KA", "12350000", 110],
        ["B", "001", "KB", "56780000", 10],
    ]


def test_booklets_of_another_owner_are_not_handed_out(ctx: Context, imported: MemoryBook) -> None:
    tracks = imported.read_table(layout.table("字軌配號"))
    tracks.loc[tracks["發票字軌名稱"] == "KA", "擁有者"] = "其他系統"
    imported.write_table(layout.table("字軌配號"), tracks)
    imported.write_table(MACHINES, machines_frame([{"帳別": "A", "機台號": "1", "組數": 2}]))
    result = allocate_tracks(ctx)
    t = imported.read_table(ALLOC)
    assert t["發票字軌"].tolist() == ["KB"]
    assert any(f.code == "alloc_other_owner" and "310 組" in f.message for f in result.findings)


def test_preferred_track_warnings(ctx: Context, imported: MemoryBook) -> None:
    imported.write_table(MACHINES, machines_frame([
        {"帳別": "A", "機台號": "1", "組數": 2, "發票字軌": "ZZ"},
        {"帳別": "A", "機台號": "2", "組數": 200, "發票字軌": "KC"},
    ]))
    result = allocate_tracks(ctx)
    codes = {f.code: f for f in result.findings}
    assert codes["alloc_track_unknown"].where.row == 5 and "ZZ" in codes["alloc_track_unknown"].message
    assert codes["alloc_track_fallback"].where.row == 6
    assert result.exit_code == ExitCode.FINDINGS
    t = imported.read_table(ALLOC)
    assert t[["機台號", "發票字軌", "組數"]].values.tolist() == [["1", "KA", 2], ["2", "KA", 200]]


def test_bad_machine_rows_are_reported_with_their_rows(ctx: Context, imported: MemoryBook) -> None:
    imported.write_table(MACHINES, machines_frame([
        {"帳別": "A", "機台號": "1", "組數": 2},
        {"帳別": None, "機台號": "2", "組數": 2},
        {"帳別": "A", "機台號": "3", "組數": "兩組"},
        {"帳別": "A", "機台號": "1", "組數": 1},
        {"帳別": "A", "機台號": "4", "組數": 1, "發票字軌": "K"},
        {"帳別": "A", "機台號": "5", "組數": 1, "所屬年月": "11401"},
        {"帳別": "A", "機台號": "6", "組數": 1, "分支機構統編": "12345678"},
        {"帳別": "A", "機台號": "7", "組數": None},
    ]))
    result = allocate_tracks(ctx)
    assert result.exit_code == ExitCode.BAD_INPUT
    got = [(f.code, f.where.row, f.where.column) for f in result.findings if f.severity is Severity.ERROR]
    assert got == [
        ("alloc_machine_missing", 6, "帳別"),
        ("alloc_machine_duplicate", 8, "機台號"),
        ("alloc_machine_period", 10, "所屬年月"),
        ("alloc_machine_count", 7, "組數"),
        ("alloc_machine_track", 9, "發票字軌"),
        ("alloc_machine_branch", 11, "分支機構統編"),
        ("alloc_machine_count", 12, "組數"),
    ]
    assert imported.read_table(ALLOC).empty


def test_nothing_to_allocate(ctx: Context, book: MemoryBook) -> None:
    book.write_table(MACHINES, machines_frame([{"帳別": "A", "機台號": "1", "組數": 2}]))
    result = allocate_tracks(ctx)
    assert [f.code for f in result.findings] == ["alloc_no_tracks"]
    book.write_table(MACHINES, machines_frame([]))
    result = allocate_tracks(ctx)
    assert [f.code for f in result.findings] == ["alloc_no_machines"]


def test_branch_machine_carries_the_branch_ubn_and_other_columns_are_carried_over(
    ctx: Context, imported: MemoryBook
) -> None:
    rows = [*DEMO_MACHINES[:1], {"帳別": "Z", "機台號": "分店", "組數": 3, "分支機構統編": BRANCH}]
    imported.write_table(MACHINES, machines_frame(rows))
    allocate_tracks(ctx)
    t = imported.read_table(ALLOC)
    assert t["營業人統編"].tolist() == [COMPANY, BRANCH]
    t["預估下期組數"] = [220, None]
    imported.write_table(ALLOC, t)
    allocate_tracks(ctx)
    assert imported.read_table(ALLOC)["預估下期組數"].tolist()[0] == 220


def test_machine_requests_every_period_row_yields_to_a_specific_one() -> None:
    frame = machines_frame([
        {"帳別": "A", "機台號": "1", "組數": 5, "所屬年月": "11402"},
        {"帳別": "A", "機台號": "1", "組數": 3},
    ])
    requests, findings = machine_requests(frame, period="11402")
    assert findings == [] and [(r.machine, r.count) for r in requests] == [("1", 5)]
    requests, _ = machine_requests(frame, period="11404")
    assert [(r.machine, r.count) for r in requests] == [("1", 3)]


def test_allocation_of_200_tracks_by_1000_booklets_is_fast() -> None:
    n_tracks, per_track = 200, 1000
    tracks = pd.DataFrame({
        "營業人統編": [COMPANY] * n_tracks,
        "發票類別代號": ["07"] * n_tracks,
        "發票期別": ["114/01 ~ 114/02"] * n_tracks,
        "發票字軌名稱": [chr(65 + i // 26) + chr(65 + i % 26) for i in range(n_tracks)],
        "發票起號": ["10000000"] * n_tracks,
        "發票迄號": [f"{10_000_000 + per_track * 50 - 1:08d}"] * n_tracks,
    }, index=range(5, 5 + n_tracks))
    machines = machines_frame([
        {"帳別": f"A{i % 5}", "機台號": f"{i:03d}", "組數": 1_000 if i % 3 else 1_100,
         "發票字軌": tracks["發票字軌名稱"].iloc[i] if i % 2 else None}
        for i in range(180)
    ])
    start = time.perf_counter()
    result = allocate(tracks, machines, period="11402", company_ubn=COMPANY)
    elapsed = time.perf_counter() - start
    assert result.written and result.errors == []
    assert result.rows["組數"].sum() == result.needed
    keys = result.rows
    assert len(keys) >= 180
    print(f"\nallocation 200 tracks × 1000 booklets, 180 machines: {elapsed * 1000:.0f} ms")


def test_owners_and_allocation_agree_after_allocate(ctx: Context, imported: MemoryBook) -> None:
    from invoicetools.actions.tracks import owned_ranges

    imported.write_table(MACHINES, machines_frame(DEMO_MACHINES))
    allocate_tracks(ctx)
    owners = owned_ranges(ctx, "11402")
    assert owners[["發票字軌", "起號", "迄號", "擁有者"]].values.tolist() == [
        ["KA", "12340000", "12355499", "本系統"],
        ["KB", "56780000", "56786999", "本系統"],
        ["KB", "56787000", "56787999", "其他系統"],
        ["KC", "00000000", "00000049", "其他系統"],
    ]
    assert owners["張數"].sum() == sum(r.end - r.begin + 1 for r in ALLOCATION)


def test_parameters_typed_as_numbers_in_excel(ctx: Context, imported: MemoryBook) -> None:
    imported.write_table(MACHINES, machines_frame([{"帳別": 1.0, "機台號": 7.0, "組數": 2.0, "所屬年月": 11402.0}]))
    imported.write_params(SHEET, {"period": 11402.0, "account": 1.0, "reuse_counts": False})
    result = allocate_tracks(ctx)
    assert result.exit_code == ExitCode.OK, result.findings
    assert imported.read_table(ALLOC)[["帳別", "機台號", "組數"]].values.tolist() == [["1", "7", 2]]
