"""InvoiceTools benchmark: every case against a naive baseline measured in the same run.

    python bench/run.py                 # full sizes (10M numbers, 1M rows); ~15 min on 2 cores
    python bench/run.py --quick         # small sizes, no thresholds (the CI smoke test, < 1 min)
    python bench/run.py --only gaps,reconcile
    python bench/run.py --slow          # also the openpyxl round trips of 1M-row workbooks (minutes, ~6 GiB)

Each case runs in a fresh worker process (``--worker CASE``): the InvoiceTools side and its
baseline run back to back in that process, each repetition timed with ``perf_counter`` and
its peak RSS read from ``VmHWM`` after a ``clear_refs`` reset. Commands marked ⧉ run in a
fresh ``invoicetools`` process per repetition (wall time from start to exit, the child's
``ru_maxrss``). The table shows the median (n repetitions), the minimum and the first call,
the ratio baseline/InvoiceTools of the medians, and the peak RSS of each side; the results
also go to ``bench/results/<time>.json`` (and ``latest.json``). Data is synthetic and
seeded (``bench/data.py``); big input files are cached in ``bench/results/data``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from harness import Row, machine_info, run_child, table  # noqa: E402

MARK = "@@BENCH-RESULT@@ "
RESULTS = HERE / "results"


def _worker(case_id: str, args: argparse.Namespace) -> int:
    """Run one case in this process and print its rows as one JSON line."""
    import traceback

    from cases import CASES, Config

    cfg = Config(quick=args.quick, reps=args.reps, slow=args.slow, big_baselines=not args.no_big_baselines,
                 work=Path(args.work) / case_id)
    cfg.work.mkdir(parents=True, exist_ok=True)
    c = CASES[case_id]
    try:
        rows = c.run(cfg)
    except Exception as exc:  # report the failure as a row; the runner goes on with the next case
        traceback.print_exc()
        rows = [Row(case_id, c.title, "", status="error", notes=[f"{type(exc).__name__}: {exc}"])]
    for r in rows:
        r.thresholds = not args.quick
    sys.stdout.write(MARK + json.dumps([r.as_dict() for r in rows], ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0


def _run_case(case_id: str, args: argparse.Namespace, work: Path) -> list[Row]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--worker", case_id, "--work", str(work)]
    if args.quick:
        argv.append("--quick")
    if args.slow:
        argv.append("--slow")
    if args.no_big_baselines:
        argv.append("--no-big-baselines")
    if args.reps:
        argv += ["--reps", str(args.reps)]
    t = time.perf_counter()
    child = run_child(argv)
    line = next((x for x in reversed(child.stdout.splitlines()) if x.startswith(MARK)), None)
    if line is None:
        tail = (child.stderr or child.stdout)[-3000:]
        return [Row(case_id, case_id, "", status="error",
                    notes=[f"worker exited {child.returncode} without a result", tail])]
    rows = [Row.from_dict(d) for d in json.loads(line[len(MARK):])]
    for r in rows:
        r.thresholds = not args.quick
    if args.verbose:
        sys.stderr.write(f"   ({time.perf_counter() - t:.0f} s, worker peak {child.peak / 2**20:,.0f} MiB)\n")
        if child.returncode or any(r.status == "error" for r in rows):
            sys.stderr.write(child.stderr[-3000:] + "\n")
    return rows


def _compile_bytecode() -> None:
    """Compile InvoiceTools' bytecode once, as installing the package does: a fresh process then reads
    ``.pyc`` files even where ``PYTHONDONTWRITEBYTECODE`` keeps the interpreter from writing them."""
    import compileall

    import invoicetools

    compileall.compile_dir(str(Path(invoicetools.__file__).parent), quiet=1)


def _print_machine(info: dict[str, object]) -> None:
    simd = info["numpy_simd"]
    assert isinstance(simd, dict)
    versions = info["versions"]
    assert isinstance(versions, dict)
    print(f"machine: {info['cpu']}, {info['cores']} cores ({info['usable_cores']} usable), {info['memory_gib']} GiB, "
          f"{info['os']}, THP {info['thp']}")
    print(f"numpy SIMD: baseline {','.join(simd.get('baseline', []))}; dispatch found {','.join(simd.get('dispatch_found', []))}"
          + (f"; missing {','.join(simd['dispatch_missing'])}" if simd.get("dispatch_missing") else ""))
    print("versions: python " + str(info["python"]) + ", "
          + ", ".join(f"{k} {v}" for k, v in versions.items() if v))
    env = info["env"]
    if isinstance(env, dict) and env:
        print("env: " + " ".join(f"{k}={v}" for k, v in env.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, no thresholds (CI smoke test)")
    parser.add_argument("--only", metavar="CASES", help="comma-separated case ids (see --list)")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument("--slow", action="store_true",
                        help="also openpyxl load + save of the 1M-row workbook in the write case (minutes, ~10 GiB)")
    parser.add_argument("--no-big-baselines", action="store_true",
                        help="skip the openpyxl baselines on 1M-row workbooks (read: ~1 min; end to end: ~8 min, "
                             "~10 GiB): those rows then have no ratio")
    parser.add_argument("--reps", type=int, help="repetitions of the InvoiceTools side (default 5; 2 with --quick)")
    parser.add_argument("--json", metavar="PATH", help="write the results here (default bench/results/<time>.json)")
    parser.add_argument("--work", metavar="DIR", help="scratch folder (default: a temporary folder)")
    parser.add_argument("--verbose", "-v", action="store_true", help="worker timings and errors on stderr")
    parser.add_argument("--worker", metavar="CASE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        return _worker(args.worker, args)

    from cases import CASES

    if args.list:
        for c in CASES.values():
            print(f"{c.id:<10} {c.title}")
        return 0
    ids = list(CASES)
    if args.only:
        ids = [x.strip() for x in args.only.split(",") if x.strip()]
        unknown = [x for x in ids if x not in CASES]
        if unknown:
            parser.error(f"unknown case(s): {', '.join(unknown)}; known: {', '.join(CASES)}")

    _compile_bytecode()
    info = machine_info()
    mode = "quick (small sizes, no thresholds)" if args.quick else "full"
    print(f"InvoiceTools benchmark — {mode}; {info['time']}")
    _print_machine(info)
    print()
    rows: list[Row] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="invoicetools-bench-") as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        for case_id in ids:
            sys.stderr.write(f"== {case_id}: {CASES[case_id].title}\n")
            sys.stderr.flush()
            rows += _run_case(case_id, args, work)
    elapsed = time.perf_counter() - started
    print(table(rows))
    print()
    print("median of n repetitions (min and first call beside it); ratio = baseline median / InvoiceTools median; "
          "⧉ = a fresh process per repetition; peak = VmHWM (whole process) or the child's ru_maxrss.")
    notes = [(r, n) for r in rows for n in r.notes if n]
    if notes:
        print()
        for r, n in notes:
            print(f"- {r.title}: {n}")
    missed = [r for r in rows if r.met is False]
    errors = [r for r in rows if r.status == "error"]
    print()
    if args.quick:
        print(f"quick mode: {len(rows)} rows, thresholds not checked; {elapsed:.0f} s")
    else:
        print(f"{sum(1 for r in rows if r.met)} rows met their targets, {len(missed)} missed; {elapsed:.0f} s")

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = Path(args.json) if args.json else RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}{'-quick' if args.quick else ''}.json"
    payload = {"mode": "quick" if args.quick else "full", "machine": info, "seconds": elapsed,
               "rows": [r.as_dict() for r in rows]}
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=1))
    if not args.json:
        (RESULTS / ("latest-quick.json" if args.quick else "latest.json")).write_text(out.read_text())
    print(f"results: {out}")
    return 1 if errors else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
