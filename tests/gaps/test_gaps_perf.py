"""At scale (issue #8): gaps + blanks at 10M issued numbers, the actions at 20,000 invoices, E0402 at 1,000 tracks.

These tests check that the answers stay right at these sizes and print how long they took;
speed itself is measured in ``bench/`` (cases ``gaps``, ``steps-20k``, ``e0402``) as ratios
against a baseline in the same run, never asserted here (a loaded machine is not a slow program).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gapbook import make_book

from invoicetools.actions.base import Context
from invoicetools.actions.e0402 import export_e0402
from invoicetools.actions.gaps import check_gaps, void_gaps
from invoicetools.actions.host import Host
from invoicetools.domain.invoice_number import KEY_BASE
from invoicetools.steps import blanks, gaps

pytestmark = pytest.mark.slow


def synthetic(seed: int = 1, pairs: int = 100, size: int = 50_000) -> tuple[pd.DataFrame, np.ndarray, int, int]:
    """perf-anchors §1: 100 letter pairs × 2 ranges of 50,000, a 2,000–3,000 tail each, 0.1 % skipped, shuffled."""
    rng = np.random.default_rng(seed)
    rows, issued = [], []
    gap_numbers = 0
    tails = 0
    for p in range(pairs):
        track = p * 6 + 3
        for r in range(2):
            b = track * KEY_BASE + r * 1_000_000 + 50 * int(rng.integers(0, 1000))
            e = b + size - 1
            rows.append(("A", f"{p:03d}{r}", b, e))
            tail = int(rng.integers(2000, 3001))
            numbers = np.arange(b, e - tail + 1)
            keep = rng.random(numbers.size) >= 0.001
            keep[-1] = True  # the last used number stays: the tail is exactly ``tail``
            issued.append(numbers[keep])
            gap_numbers += int((~keep).sum())
            tails += tail
    register = np.concatenate(issued)
    rng.shuffle(register)
    return pd.DataFrame(rows, columns=["account", "machine", "begin", "end"]), register, gap_numbers, tails


def test_gaps_and_blanks_for_10_million_numbers_over_200_tracks() -> None:
    machines, register, gap_numbers, tails = synthetic()
    start = time.perf_counter()
    used = blanks.UsedNumbers.of(register, platform=None)
    result = gaps.find_gaps(machines, used)
    seg = blanks.segments(machines["begin"] // KEY_BASE, machines["begin"], machines["end"])
    free, _ = blanks.classify(seg, used)
    elapsed = time.perf_counter() - start
    counts = result.counts()
    assert counts["跳號張數"] == gap_numbers and counts["未使用張數"] == tails
    assert int(free.count.sum()) == gap_numbers + tails
    print(f"\ngaps + blanks, {register.size:,} issued numbers, 200 ranges: {elapsed:.3f} s")


def test_actions_at_20000_invoices(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    machines = [("A", "001", "KA", 12340000, 12349999), ("A", "002", "KA", 12350000, 12359999),
                ("B", "001", "KB", 56780000, 56789999)]
    numbers = np.concatenate([np.arange(12340000, 12347000), np.arange(12350000, 12357000),
                              np.arange(56780000, 56786000)])
    kept = rng.random(numbers.size) >= 0.001
    skipped = numbers[~kept]
    numbers = numbers[kept]
    below_last = sum(int(((skipped >= lo) & (skipped < numbers[(numbers >= lo) & (numbers <= hi)].max())).sum())
                     for _, _, _, lo, hi in machines)
    reg = [f"{'KA' if n < 50_000_000 else 'KB'}{n:08d}" for n in numbers.tolist()]
    book = make_book(reg, reg, machines=machines)
    ctx = Context(host=Host(confirm=lambda prompt: True), io=book)
    timings, results = {}, {}
    for name, call in (("check", lambda: check_gaps(ctx)), ("void", lambda: void_gaps(ctx)),
                       ("e0402", lambda: export_e0402(ctx, out_dir=tmp_path))):
        start = time.perf_counter()
        results[name] = call()
        timings[name] = time.perf_counter() - start
    assert results["check"].counts["跳號張數"] == below_last > 0
    assert results["void"].counts["作廢張數"] == below_last
    assert len(results["e0402"].outputs) == 2  # KA and KB, each with its voided numbers and tails
    print("\n20,000 invoices (memory workbook): " + ", ".join(f"{k} {v:.3f} s" for k, v in timings.items()))


def test_e0402_for_1000_tracks(tmp_path: Path) -> None:
    tracks = [f"{chr(65 + i // 26)}{chr(65 + i % 26)}" for i in range(1000 // 2)]
    machines = [(f"A{i % 3}", f"{i:04d}", t, r * 1000, r * 1000 + 99) for i, (t, r) in
                enumerate((t, r) for t in tracks for r in range(2))]
    reg = [f"{t}{b + k:08d}" for _, _, t, b, _ in machines for k in (0, 1, 2, 5, 6, 40)]
    book = make_book(reg, reg, machines=machines)
    ctx = Context(host=Host(confirm=lambda prompt: True), io=book)
    void_gaps(ctx)
    start = time.perf_counter()
    result = export_e0402(ctx, out_dir=tmp_path)
    elapsed = time.perf_counter() - start
    assert len(result.outputs) == 500  # one file per track, both ranges of a track in it
    print(f"\nE0402, 1,000 machine ranges on 500 tracks (files built, validated, fsynced, renamed): {elapsed:.3f} s")
