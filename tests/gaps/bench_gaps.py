"""Measure the 跳號/E0402 computation (run by hand; not collected by pytest).

    python tests/gaps/bench_gaps.py            # this CPU
    NPY_DISABLE_CPU_FEATURES="AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR" \
        python tests/gaps/bench_gaps.py        # as on a laptop without AVX-512

Data as perf-anchors §1: 200 ranges of 50,000 numbers, 0.1 % skipped, a 2,000–3,000 tail each,
shuffled (9.49M issued). Times are wall seconds: the first call in the process, then the
median and minimum of 5.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from test_gaps_perf import synthetic

from invoicetools.domain.invoice_number import KEY_BASE, keys_from_strings, strings_from_keys
from invoicetools.steps import blanks, gaps


def timed(name: str, fn: Callable[[], object], reps: int = 5) -> None:
    times = []
    for _ in range(reps + 1):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    first, rest = times[0], times[1:]
    print(f"{name:<58} first {first:6.3f}  median {statistics.median(rest):6.3f}  min {min(rest):6.3f}")


def main() -> None:
    machines, register, gap_numbers, tails = synthetic()
    platform = register.copy()
    print(f"{register.size:,} issued numbers, {len(machines)} machine ranges, {gap_numbers:,} skipped, {tails:,} tail")
    seg = blanks.segments(machines["begin"] // KEY_BASE, machines["begin"], machines["end"])

    def gaps_only() -> object:
        return gaps.find_gaps(machines, blanks.UsedNumbers.of(register))

    def gaps_and_blanks() -> object:
        used = blanks.UsedNumbers.of(register)
        gaps.find_gaps(machines, used)
        return blanks.classify(seg, used)

    def with_platform() -> object:
        used = blanks.UsedNumbers.of(register, platform)
        gaps.find_gaps(machines, used)
        return blanks.classify(seg, used)

    used = blanks.UsedNumbers.of(register)
    timed("sort 9.49M keys (UsedNumbers.of)", lambda: blanks.UsedNumbers.of(register))
    timed("find_gaps on sorted keys", lambda: gaps.find_gaps(machines, used))
    timed("gaps: sort + find_gaps", gaps_only)
    timed("gaps + blanks: sort + find_gaps + classify", gaps_and_blanks)
    timed("gaps + blanks with a 9.49M platform list too", with_platform)
    strings = strings_from_keys(register[:1_000_000])
    timed("keys_from_strings, 1M 'AB12345678' strings (domain)", lambda: keys_from_strings(strings), reps=2)


if __name__ == "__main__":
    main()
