"""Timings for issue #8 (run by hand: ``python tests/upload/bench_upload.py``; not a test).

1. The pure reconciliation, 1,000,000 register rows × 1,000,000 platform records (int64 keys):
   aim ≤ 0.5 s. Also the key parsing from strings that precedes it.
2. The whole ``check_upload`` action on the demo's 20,879-invoice workbook (FileBook): in
   process (warm) and as a fresh ``invoicetools check-upload`` process.
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _best(fn, repeat: int = 5) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def bench_step(n: int = 1_000_000) -> None:
    import numpy as np
    import pandas as pd

    from invoicetools.domain import periods
    from invoicetools.domain.invoice_number import keys_from_strings
    from invoicetools.steps.allocation import PeriodAllocation
    from invoicetools.steps.upload_check import Scope, State, check

    rng = np.random.default_rng(1)
    base = 100_000_000 + 10_000_000
    keys = base + rng.permutation(n).astype(np.int64)
    issued = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 59 * 86400, n), unit="s")
    status = np.where(rng.random(n) < 0.02, 1, 0).astype(np.int8)
    reg = pd.DataFrame({
        "key": keys, "row": np.arange(5, n + 5), "issued": issued.to_numpy(), "timed": np.ones(n, bool),
        "status": status, "b2b": rng.random(n) < 0.3,
        "帳別": pd.array(np.where(rng.random(n) < 0.5, "A", "B"), dtype="string"),
        "發票號碼": pd.array(["AB00000000"] * n, dtype="string"),
        "客戶編號": pd.array([None] * n, dtype="string"), "客戶名稱": pd.array([None] * n, dtype="string"),
        "銷售人統編": pd.array([None] * n, dtype="string"), "列印註記": pd.array([None] * n, dtype="string"),
        "轉檔日": np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
    })
    # the platform: all but 1,000 of the register, 1,000 others, 1,000 failed; issued + 1 day
    p_keys = np.concatenate([keys[1000:], base + n + np.arange(1000)])
    order = rng.permutation(len(p_keys))
    p_keys = p_keys[order]
    p_state = np.full(len(p_keys), State.ON_PLATFORM, dtype=np.int8)
    p_state[np.isin(p_keys, keys[status == 1])] = State.CANCELLED
    p_state[:1000] = State.FAILED
    p_issued = np.concatenate([issued.to_numpy()[1000:], np.full(1000, np.datetime64("2024-01-20", "ns"))])[order]
    plat = pd.DataFrame({
        "key": p_keys, "state": p_state, "date": p_issued.astype("datetime64[D]").astype("datetime64[ns]"),
        "time": p_issued + np.timedelta64(1, "D"), "detail": pd.array([""] * len(p_keys), dtype="string"),
        "row": np.arange(7, 7 + len(p_keys)),
    })
    scope = Scope(periods.parse("11302"))
    alloc = PeriodAllocation.of_machine_ranges(scope.period, [base], [base + n + 4999], ["A"])
    now = dt.datetime(2024, 3, 10)
    out = check(reg, plat, alloc, scope=scope, now=now)
    best, median = _best(lambda: check(reg, plat, alloc, scope=scope, now=now))
    print(f"reconcile {n:,} × {len(plat):,} (int64 keys): best {best:.3f} s, median {median:.3f} s; "
          f"{ {k: v for k, v in out.counts.items() if v} }")
    strings = pd.Series([f"AB{k % 100_000_000:08d}" for k in keys], dtype="object")
    best, median = _best(lambda: keys_from_strings(strings), 3)
    print(f"keys_from_strings {n:,}: best {best:.3f} s, median {median:.3f} s (once per side)")


def bench_action() -> None:
    from invoicetools.actions.base import Context
    from invoicetools.actions.invoices import import_invoices
    from invoicetools.actions.platform_status import import_status
    from invoicetools.actions.upload_check import reconcile_uploads
    from invoicetools.book.file_backend import FileBook
    from invoicetools.build import new_workbook
    from invoicetools.demo.sample import generate, write_files

    folder = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    try:
        data = generate()
        files = write_files(data, folder)
        book = folder / "book.xlsm"
        new_workbook(book)
        ctx = Context(io=FileBook(book))
        from invoicetools.book.settings import write_settings

        write_settings(ctx.io, {"統一編號": "53212539", "申報年月": data.period})
        ctx.io.commit()
        t = time.perf_counter()
        import_invoices(Context(io=FileBook(book)), files["register"])
        print(f"invoices import {len(data.register):,} rows (Big5 CSV → sheet): {time.perf_counter() - t:.3f} s")
        t = time.perf_counter()
        import_status(Context(io=FileBook(book)), [files["status"]])
        print(f"status import {len(data.status):,} rows: {time.perf_counter() - t:.3f} s")
        work = folder / "work.xlsm"

        def once() -> None:
            shutil.copy(book, work)
            reconcile_uploads(Context(io=FileBook(work)), period=data.period)

        best, median = _best(once)
        print(f"check_upload action, {len(data.register):,} invoices (FileBook, warm): best {best:.3f} s, median {median:.3f} s")
        walls = []
        for _ in range(5):
            shutil.copy(book, work)
            t = time.perf_counter()
            subprocess.run([str(Path(sys.executable).with_name("invoicetools")), "check-upload", "--book", str(work), "--period",
                            data.period, "--json", "-q"], capture_output=True, check=False)
            walls.append(time.perf_counter() - t)
        print(f"fresh process invoicetools check-upload: best {min(walls):.3f} s, median {statistics.median(walls):.3f} s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    bench_step()
    bench_action()
