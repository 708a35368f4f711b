"""The benchmark cases: each builds its data (untimed), measures InvoiceTools and its naive baseline
in the same process, checks that both found the same answer, and returns table rows.

``run.py`` runs every case in a fresh worker process (so that one case's memory and warm
caches do not leak into the next); inside a case both sides run in that one process,
alternately repetition by repetition is not needed: each side's repetitions are measured
back to back with the peak RSS reset before each.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import baselines
import data
from harness import Measure, MiB, Row, measure, measure_child

GiB = 1024 * MiB


@dataclass
class Config:
    quick: bool = False
    reps: int | None = None  # override the number of repetitions of the InvoiceTools side
    slow: bool = False  # also the openpyxl load + save of the 1M-row workbook for the write case (minutes, GiBs)
    big_baselines: bool = True  # the openpyxl baselines on 1M-row workbooks (read, end to end): minutes, ~10 GiB
    work: Path = Path("/tmp/invoicetools-bench")

    def n(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    def reps_fast(self) -> int:
        return self.reps or (2 if self.quick else 5)

    def reps_steps(self) -> int:
        return self.reps or (1 if self.quick else 5)

    def reps_slow(self) -> int:
        return 1 if self.quick else 3


@dataclass
class Case:
    id: str
    title: str
    run: Callable[[Config], list[Row]]


CASES: dict[str, Case] = {}


def case(id: str, title: str) -> Callable[[Callable[[Config], list[Row]]], Callable[[Config], list[Row]]]:
    def register(fn: Callable[[Config], list[Row]]) -> Callable[[Config], list[Row]]:
        CASES[id] = Case(id, title, fn)
        return fn

    return register


def _fmt(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return f"{n:,}"


@contextlib.contextmanager
def env(**values: str | None) -> Iterator[None]:
    """Set (or with ``None`` remove) environment variables for the block."""
    old = {k: os.environ.get(k) for k in values}
    try:
        for k, v in values.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _same(row: Row, ok: bool, what: str) -> None:
    if ok:
        row.notes.append(f"same answer as the baseline ({what})")
    else:
        row.notes.append(f"ANSWERS DIFFER from the baseline ({what})")
        row.status = "error"


# ----------------------------------------------------------------------------------------------
# 1. gaps and blanks
# ----------------------------------------------------------------------------------------------
def _gaps_product(keys: Any, machines: Any, t_group: Any, t_begin: Any, t_end: Any) -> tuple[Any, Any]:
    from invoicetools.steps.blanks import UsedNumbers, classify, segments
    from invoicetools.steps.gaps import find_gaps

    used = UsedNumbers.of(keys)
    gaps = find_gaps(machines, used)  # 跳號 and 未使用 per 帳別 × 機台 range
    free, _ = classify(segments(t_group, t_begin, t_end), used)  # blanks per track (the E0402 view)
    return gaps, free


def _gaps_sets(result: tuple[Any, Any]) -> tuple[set[tuple[int, int, str]], set[tuple[int, int]]]:
    gaps, free = result
    rows = gaps.rows
    g = set(zip(rows["begin"].tolist(), rows["end"].tolist(), rows["kind"].tolist(), strict=True))
    b = set(zip(free.begin.tolist(), free.end.tolist(), strict=True))
    return g, b


@case("gaps", "gaps + blanks")
def case_gaps(cfg: Config) -> list[Row]:
    import numpy as np
    import pandas as pd

    from invoicetools.domain.invoice_number import KEY_BASE, keys_from_strings

    n = cfg.n(10_000_000, 200_000)
    tracks = cfg.n(200, 20)
    d = data.issued_numbers(n, tracks)
    m = d.machines
    code = (m["begin"] // KEY_BASE).to_numpy(dtype=np.int64)
    per_track = m.assign(code=code).groupby("code").agg(begin=("begin", "min"), end=("end", "max")).reset_index()
    t_group = per_track["code"].to_numpy(np.int64)
    t_begin = per_track["begin"].to_numpy(np.int64)
    t_end = per_track["end"].to_numpy(np.int64)
    size = f"{_fmt(len(d.keys))} numbers, {tracks} tracks, {len(m)} machine ranges, 0.1 % skipped"
    strings = pd.Series(data.number_strings(d.keys), dtype="str")

    rows: list[Row] = []
    # from int64 keys
    p, res = measure("InvoiceTools: UsedNumbers + find_gaps + classify (int64 keys)",
                     lambda: _gaps_product(d.keys, m, t_group, t_begin, t_end), cfg.reps_fast())
    g, b = _gaps_sets(res)
    del res
    machine_rows = list(m.itertuples(index=False, name=None))
    track_rows = list(zip(t_begin.tolist(), t_end.tolist(), strict=True))
    lists = {"keys": d.keys.tolist()}
    base, naive = measure("naive: set of keys + loop over every allocated number",
                          lambda: baselines.gaps_and_blanks(lists["keys"], machine_rows, track_rows), cfg.reps_slow())
    lists.clear()
    row = Row("gaps", "gaps + blanks, from int64 keys", size, p, base, target_s=2.0, min_ratio=20, aim_s=0.3)
    _same(row, naive == (g, b), f"{sum(1 for x in g if x[2] == '跳號'):,} 跳號 runs, {len(b):,} blank runs")
    rows.append(row)
    del naive

    # from 'AB12345678' strings (what a sheet read gives), parsing included on both sides
    def from_strings() -> tuple[Any, Any]:
        keys, ok = keys_from_strings(strings)
        return _gaps_product(keys[ok], m, t_group, t_begin, t_end)

    p2, res = measure("InvoiceTools: keys_from_strings + the same", from_strings, cfg.reps_fast())
    g2, b2 = _gaps_sets(res)
    del res
    lists["strings"] = strings.tolist()
    base2, naive2 = measure("naive: parse each string, set + loop",
                            lambda: baselines.gaps_and_blanks_from_strings(lists["strings"], machine_rows, track_rows),
                            cfg.reps_slow())
    row2 = Row("gaps", "gaps + blanks, from strings", size, p2, base2, target_s=2.0, min_ratio=20, aim_s=0.3)
    _same(row2, naive2 == (g2, b2) == (g, b), "same runs as from keys")
    rows.append(row2)
    return rows


# ----------------------------------------------------------------------------------------------
# 2. reconciliation
# ----------------------------------------------------------------------------------------------
@case("reconcile", "reconciliation 漏上傳檢核")
def case_reconcile(cfg: Config) -> list[Row]:
    from invoicetools.domain import periods
    from invoicetools.steps.upload_check import Scope, check

    n = cfg.n(1_000_000, 20_000)
    d = data.reconcile_data(n)
    scope = Scope(periods.parse(data.PERIOD))
    now = datetime.datetime(2025, 3, 1)
    problems = ("未上傳", "上傳失敗", "作廢未上傳", "平台有帳上無")

    p, res = measure("InvoiceTools: steps.upload_check.check (int64 keys)",
                     lambda: check(d.register, d.platform, d.allocation, scope=scope, now=now), cfg.reps_fast())
    got = set(zip(res.rows["發票號碼"].astype(str), res.rows["問題"].astype(str), strict=True))
    del res
    base, naive = measure("naive: dict of the platform + loop over the register",
                          lambda: baselines.reconcile(d.reg_numbers, d.reg_status, d.plat_numbers, d.plat_status),
                          cfg.reps_slow())
    expected = {(num, prob) for prob, nums in d.expected.items() for num in nums}
    row = Row("reconcile", "reconcile register × platform", f"{_fmt(n)} × {_fmt(n)} rows, 0.1 % differ", p, base,
              target_s=2.0, aim_s=0.5)
    mine = {x for x in got if x[1] in problems}
    _same(row, mine == expected == {x for x in naive if x[1] in problems},
          f"{len(expected):,} problems planted, all found")
    return [row]


# ----------------------------------------------------------------------------------------------
# 3. reading a register
# ----------------------------------------------------------------------------------------------
@case("read-xlsx", "read a 13-column register from xlsx")
def case_read_xlsx(cfg: Config) -> list[Row]:
    from invoicetools.book import layout
    from invoicetools.sources.tabular import read_table_file

    n = cfg.n(1_000_000, 5_000)
    path = data.register_xlsx(n)
    table = layout.table("發票資料")
    size = f"{_fmt(n)} rows × 13 columns, shared strings ({path.stat().st_size / MiB:.0f} MiB)"
    with env(INVOICETOOLS_NO_CACHE="1"):
        p, res = measure("InvoiceTools: sources.tabular.read_table_file (fastexcel/calamine), no cache",
                         lambda: read_table_file(path, table), cfg.reps_slow())
    n_product = len(res)
    del res
    cache = cfg.work / "sheet-cache"
    shutil.rmtree(cache, ignore_errors=True)
    with env(INVOICETOOLS_CACHE_DIR=str(cache), INVOICETOOLS_NO_CACHE=None):
        read_table_file(path, table)  # fills the cache (untimed)
        p2, res = measure("InvoiceTools: the same, sheet cache hit (sheet unchanged)",
                          lambda: read_table_file(path, table), cfg.reps_fast())
    n_cached = len(res)
    del res
    row = Row("read-xlsx", "read register xlsx (no cache)", size, p, None, min_ratio=5, aim_s=5.0)
    base = None
    if cfg.big_baselines or cfg.quick:
        base, rows_ = measure("naive: openpyxl read-only iter_rows(values_only=True)",
                              lambda: baselines.read_xlsx_openpyxl(path), 1)
        row.baseline = base
        _same(row, n_product == len(rows_) - 1 == n, f"{n:,} rows")
    else:
        row.notes.append("baseline skipped (--no-big-baselines)")
    row2 = Row("read-xlsx", "read register xlsx (cache hit)", size, p2, base, min_ratio=5)
    if n_cached != n:
        _same(row2, False, f"{n:,} rows")
    row2.notes.append("baseline: the same openpyxl measurement as the row above")
    if cache.exists():
        row2.notes.append(f"cache file {sum(f.stat().st_size for f in cache.iterdir()) / MiB:.0f} MiB")
    return [row, row2]


@case("read-csv", "read a 13-column register from Big5 CSV")
def case_read_csv(cfg: Config) -> list[Row]:
    from invoicetools.book import layout
    from invoicetools.sources.tabular import read_table_file

    n = cfg.n(1_000_000, 20_000)
    path = data.register_csv(n)
    p, res = measure("InvoiceTools: sources.tabular.read_table_file (pyarrow CSV)",
                     lambda: read_table_file(path, layout.table("發票資料")), cfg.reps_fast())
    n_product = len(res)
    del res
    base, rows_ = measure("naive: stdlib csv.reader on the cp950 text", lambda: baselines.read_csv_stdlib(path),
                          cfg.reps_slow())
    row = Row("read-csv", "read register Big5 CSV", f"{_fmt(n)} rows × 13 columns ({path.stat().st_size / MiB:.0f} MiB)",
              p, base, aim_s=0.5)
    _same(row, n_product == len(rows_) - 1 == n, f"{n:,} rows")
    return [row]


# ----------------------------------------------------------------------------------------------
# 4. writing a result table into a workbook
# ----------------------------------------------------------------------------------------------
def _template(cfg: Config) -> Path:
    from invoicetools.build import new_workbook

    path = cfg.work / "template.xlsm"
    if not path.exists():
        new_workbook(path)
    return path


def _product_write(path: Path, frame: Any) -> None:
    from invoicetools.book import layout
    from invoicetools.book.file_backend import FileBook

    book = FileBook(path)
    book.write_table(layout.table("漏上傳檢核"), frame)
    book.commit()
    book.close()


def _read_back(path: Path) -> int:
    from invoicetools.book import layout
    from invoicetools.book.file_backend import FileBook

    with env(INVOICETOOLS_NO_CACHE="1"):
        book = FileBook(path)
        n = len(book.read_table(layout.table("漏上傳檢核")))
        book.close()
    return n


@case("write", "write a result table into a workbook")
def case_write(cfg: Config) -> list[Row]:
    from invoicetools.book import layout

    n = cfg.n(100_000, 2_000)
    frame = data.result_table(n)
    headers = layout.table("漏上傳檢核").headers
    template = _template(cfg)
    target = cfg.work / "write.xlsm"

    def fresh(src: Path = template) -> Callable[[], object]:
        return lambda: shutil.copyfile(src, target)

    p, _ = measure("InvoiceTools: FileBook.write_table + commit (sheet XML + zip splice)",
                   lambda: _product_write(target, frame), cfg.reps_fast(), setup=fresh())
    n_product = _read_back(target)
    base, _ = measure("naive: openpyxl load_workbook(keep_vba) + cell writes + save",
                      lambda: baselines.write_result_openpyxl(target, "漏上傳檢核", headers, frame), cfg.reps_slow(),
                      setup=fresh())
    n_base = _read_back(target)
    row = Row("write", "write result table into the template workbook", f"{_fmt(n)} rows × 13 columns", p, base)
    _same(row, n_product == n_base == n, f"{n:,} rows read back")
    rows = [row]

    # the DESIGN aim: put a result sheet into a workbook that already holds the big register
    big_n = cfg.n(1_000_000, 5_000)
    big = data.e2e_book(big_n).book
    p2, _ = measure(f"InvoiceTools: the same into a workbook holding {_fmt(big_n)} invoices",
                    lambda: _product_write(target, frame), cfg.reps_slow(), setup=fresh(big))
    n2 = _read_back(target)
    row2 = Row("write", f"write result table into a book holding {_fmt(big_n)} invoices",
               f"{_fmt(n)} rows into {big.stat().st_size / MiB:.0f} MiB .xlsm", p2, None, aim_s=2.0)
    if cfg.slow or cfg.quick:
        base2, _ = measure("naive: openpyxl load + save of that workbook",
                           lambda: baselines.write_result_openpyxl(target, "漏上傳檢核", headers, frame), 1,
                           setup=fresh(big))
        row2.baseline = base2
    else:
        row2.notes.append("baseline skipped (minutes and ~6 GiB with openpyxl; run with --slow); "
                          "perf-anchors §4 measured 179 s for the load + save alone")
    _same(row2, n2 == n, f"{n:,} rows read back")
    return [row, *rows[1:], row2]


# ----------------------------------------------------------------------------------------------
# 5. E0402
# ----------------------------------------------------------------------------------------------
@case("e0402", "E0402 generation + XSD validation")
def case_e0402(cfg: Config) -> list[Row]:
    from invoicetools.mig import e0402

    n = cfg.n(1000, 50)
    tracks = data.e0402_tracks(n)
    ubn, ym = data.COMPANY_UBN, data.PERIOD

    def product() -> list[bytes]:
        return [e0402.build(head_ban=ubn, branch_ban=ubn, invoice_type="07", year_month=ym, track=t, ranges=r)
                for t, r in tracks]

    e0402.build(head_ban=ubn, branch_ban=ubn, invoice_type="07", year_month=ym, track=tracks[0][0],
                ranges=tracks[0][1])  # compiles the schema (once per process), untimed
    p, docs = measure("InvoiceTools: mig.e0402.build (template text, lxml XSD check)", product, cfg.reps_fast())
    xsd = baselines.e0402_schema()  # compiled once, untimed
    base, naive = measure("naive: xml.etree + xmlschema.validate",
                          lambda: baselines.e0402_files(xsd, tracks, head_ban=ubn, year_month=ym), cfg.reps_slow())
    row = Row("e0402", "E0402 build + validate", f"{n:,} tracks × 10 blank ranges", p, base)
    parsed = [e0402.parse(x).ranges for x in docs]
    valid = all(xsd.is_valid(x.decode()) for x in docs[:50])
    _same(row, parsed == [tuple(r) for _, r in tracks] and len(naive) == n and valid,
          "ranges round-trip; product files valid under xmlschema too")
    row.notes.append("schemas compiled before timing on both sides")
    return [row]


# ----------------------------------------------------------------------------------------------
# 6 and 7. the steps on a workbook, at 20k invoices and end to end at 1M
# ----------------------------------------------------------------------------------------------
STEPS: list[tuple[str, list[str]]] = [
    ("配號 tracks allocate", ["tracks", "allocate"]),
    ("漏上傳檢核 check-upload", ["check-upload"]),
    ("跳號 gaps (檢查)", ["gaps"]),
    ("跳號 gaps --void (確定)", ["gaps", "--void", "--force", "效能測試"]),
    ("E0402 e0402", ["e0402"]),
]


def available_steps() -> dict[str, bool]:
    """Which CLI commands exist yet (other areas may still be landing)."""
    from invoicetools.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    names = set(getattr(sub, "choices", None) or ())
    return {title: argv[0] in names for title, argv in STEPS}


def cli(argv: Sequence[str]) -> tuple[int, str]:
    from invoicetools.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(list(argv))
    return code, out.getvalue()


def _step_argv(argv: list[str], book: Path, out_dir: Path) -> list[str]:
    extra = ["--out", str(out_dir)] if argv[0] == "e0402" else []
    return [*argv, "--book", str(book), *extra, "-q"]


def _cli_command() -> list[str]:
    """``invoicetools`` in a fresh interpreter, as its console script starts it (plus a peak-RSS report)."""
    from harness import python_entry

    return python_entry("invoicetools.cli")


OK_CODES = (0, 1)


def _short(title: str) -> str:
    """``配號 tracks allocate`` → ``tracks allocate``."""
    return title.split(" ", 1)[1] if " " in title else title  # 1 = findings to act on (missing uploads, pending 跳號): a normal outcome


def _prepared_books(src: Path, work: Path) -> dict[str, Path]:
    """The state each step starts from: the setup book, and the book after 整批作廢 (for E0402)."""
    voided = work / "voided.xlsm"
    shutil.copyfile(src, voided)
    code, text = cli(_step_argv(["gaps", "--void", "--force", "效能測試"], voided, work))
    if code not in OK_CODES:
        raise RuntimeError(f"gaps --void on the setup book exited {code}: {text[-2000:]}")
    return {"base": src, "voided": voided}


@case("steps-20k", "each step at 20,000 invoices")
def case_steps(cfg: Config) -> list[Row]:
    n = cfg.n(20_000, 2_000)
    have = available_steps()
    book = data.e2e_book(n)
    work = cfg.work / "steps"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    out_dir = work / "out"
    out_dir.mkdir()
    books = _prepared_books(book.book, work)
    target = work / "step.xlsm"
    xsd = baselines.e0402_schema()
    naive_out = work / "naive-out"
    naive_out.mkdir()
    rows: list[Row] = []
    cache = work / "cache"
    for title, argv in STEPS:
        if not have[title]:
            rows.append(Row("steps-20k", f"{title} @{_fmt(n)}", "", status="skipped",
                            notes=["command not available yet"]))
            continue
        src = books["voided"] if argv[0] == "e0402" else books["base"]
        full = _step_argv(argv, target, out_dir)

        def fresh(src: Path = src) -> None:
            shutil.copyfile(src, target)

        with env(INVOICETOOLS_CACHE_DIR=str(cache)):
            fresh()
            cli(full)  # warm-up: imports and compiled schemas, as in a resident process
            p, _ = measure(f"InvoiceTools: invoicetools.cli.main({' '.join(argv)}) in process",
                           partial(cli, full), cfg.reps_steps(), setup=fresh)
            cold, _ = measure_child(f"InvoiceTools: `invoicetools {' '.join(argv)}` in a fresh process",
                                       [*_cli_command(), *full], cfg.reps_steps(), setup=fresh, ok=OK_CODES,
                                       env={**os.environ, "INVOICETOOLS_CACHE_DIR": str(cache)})
        base = _naive_step(argv, target, src, naive_out, xsd, cfg)
        size = f"{_fmt(book.invoices)} invoices, {len(data._e2e_plan(n)[1])} machines"
        row = Row("steps-20k", f"{title} @{_fmt(n)}, in process", size, p, base, target_s=1.0)
        row_cold = Row("steps-20k", f"{title} @{_fmt(n)}, fresh process", size, cold, base, target_s=0.7, aim_s=1.0)
        if not rows:
            row.notes.append("in process: invoicetools.cli.main after one warm-up call (imports done), a fresh copy "
                             "of the book each time; baseline: openpyxl load + the step with sets and loops + save")
            row_cold.notes.append("fresh process: interpreter start, imports, sheet reads, the step and the write "
                                  "(what a button that starts Python pays; xlwings itself adds ~0.4 s)")
        rows += [row, row_cold]
    return rows


def _naive_step(argv: list[str], target: Path, src: Path, out_dir: Path, xsd: Any, cfg: Config) -> Measure | None:
    def run() -> Any:
        book = baselines.NaiveBook(target)
        if argv[0] == "tracks":
            book.allocate()
        elif argv[0] == "check-upload":
            book.check_upload()
        elif argv[0] == "gaps":
            book.gaps()
        elif argv[0] == "e0402":
            book.e0402(out_dir, xsd)
        book.save()

    m, _ = measure(f"naive: openpyxl load + {argv[0]} + save", run, cfg.reps_slow(),
                   setup=lambda: shutil.copyfile(src, target))
    return m


# ----------------------------------------------------------------------------------------------
# 7. a whole period at 1M invoices, as a user runs it
# ----------------------------------------------------------------------------------------------
IMPORTS: list[tuple[str, str]] = [("匯入發票資料 invoices import", "invoices"), ("下載平台發票狀況 status import", "status")]
RSS_LIMIT = int(1.5 * GiB)  # an 8 GB laptop with Excel open (issue 18)
COM_SECONDS_PER_CELL = 2.7e-6  # xlwings issue 397: 2.7–5.5 s for 1M cells through COM; the fast end, to favour COM


@dataclass
class _Process:
    title: str
    seconds: float
    cpu: float
    peak: int


def _import_argv(kind: str, book: data.BookFiles) -> list[str]:
    return [kind, "import", str(book.register_csv if kind == "invoices" else book.status_csv)]


def _cache_env(cache: Path, no_cache: bool) -> dict[str, str]:
    e = {**os.environ, "INVOICETOOLS_CACHE_DIR": str(cache)}
    e.pop("INVOICETOOLS_NO_CACHE", None)
    if no_cache:
        e["INVOICETOOLS_NO_CACHE"] = "1"
    return e


def _children(commands: list[tuple[str, list[str]]], target: Path, out_dir: Path, cache: Path,
              no_cache: bool = False) -> list[_Process]:
    """Each command a fresh ``invoicetools`` process on ``target``: wall time, CPU time, own peak RSS."""
    from harness import run_child

    out = []
    for title, argv in commands:
        r = run_child([*_cli_command(), *_step_argv(argv, target, out_dir)], env=_cache_env(cache, no_cache))
        if r.returncode not in OK_CODES:
            raise RuntimeError(f"{argv} exited {r.returncode}: {r.stderr[-2000:]}")
        out.append(_Process(_short(title), r.seconds, r.cpu, r.peak))
    return out


def _in_one_process(target: Path, out_dir: Path, cache: Path, no_cache: bool) -> _Process:
    """The steps through ``invoicetools.cli.main`` one after the other in this process."""
    import gc
    import time

    from harness import peak_rss, reset_peak

    splits = []
    with env(INVOICETOOLS_CACHE_DIR=str(cache), INVOICETOOLS_NO_CACHE="1" if no_cache else None):
        gc.collect()
        reset_peak()
        c0, t0 = time.process_time(), time.perf_counter()
        for title, argv in STEPS:
            t = time.perf_counter()
            code, text = cli(_step_argv(argv, target, out_dir))
            if code not in OK_CODES:
                raise RuntimeError(f"{argv} exited {code}: {text[-2000:]}")
            splits.append(f"{_short(title)} {time.perf_counter() - t:.1f}s")
        return _Process("; ".join(splits), time.perf_counter() - t0, time.process_time() - c0, peak_rss())


def _answers(book: Path) -> dict[str, object]:
    """What the period produced, for comparing runs: 漏上傳檢核 rows, 跳號 ranges, E0402 files (by content)."""
    import hashlib

    from invoicetools.book import layout
    from invoicetools.book.file_backend import FileBook

    with env(INVOICETOOLS_NO_CACHE="1"):
        fb = FileBook(book)
        check = fb.read_table(layout.table("漏上傳檢核"))
        gaps = fb.read_table(layout.table("跳號作廢"))
        files = fb.read_table(layout.table("E0402"))
        fb.close()

    def digest(frame: Any, columns: list[str]) -> str:
        rows = sorted(map(tuple, frame.reindex(columns=columns).astype(str).to_numpy().tolist()))
        return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]

    problems = check["問題"].value_counts().to_dict() if "問題" in check.columns else {}
    skipped = gaps.loc[gaps["類型"] == "跳號", "張數"].astype(float).sum() if len(gaps) else 0
    return {"漏上傳檢核": dict(sorted(problems.items())), "漏上傳檢核 rows": digest(check, ["發票號碼", "問題"]),
            "跳號 numbers": int(skipped), "跳號作廢 rows": digest(gaps, ["起號", "迄號", "類型", "處理"]),
            "E0402 files": len(files), "E0402 content": digest(files, ["檔案名稱", "sha256", "空白張數"])}


def _measure(label: str, processes: list[list[_Process]], *, mode: str = "subprocess") -> Measure:
    """One measure from several runs: each run's total time, CPU and highest peak."""
    m = Measure(label, [sum(p.seconds for p in run) for run in processes], [sum(p.cpu for p in run) for run in processes],
                max(p.peak for run in processes for p in run), mode=mode)
    last = processes[-1]
    m.note = "; ".join(f"{p.title} {p.seconds:.1f}s/{p.peak / MiB:.0f}MiB" for p in last)
    return m


def _period_reps(cfg: Config) -> int:
    return cfg.reps or (1 if cfg.quick else 3)


def _naive_period(book: data.BookFiles, target: Path, work: Path) -> tuple[Measure, dict[str, int]]:
    """openpyxl: load the workbook, both imports cell by cell, the four steps with sets and loops, one save."""
    from invoicetools.book import layout

    xsd = baselines.e0402_schema()
    naive_out = work / "naive-out"
    naive_out.mkdir(exist_ok=True)
    counts: dict[str, int] = {}

    def run() -> None:
        nb = baselines.NaiveBook(target)
        nb.import_csv("發票資料", book.register_csv, layout.table("發票資料").headers, "cp950")
        nb.import_csv("平台狀況", book.status_csv, layout.table("平台狀況").headers, "utf-8-sig")
        nb.allocate()
        counts["problems"] = nb.check_upload()
        counts["skipped"] = nb.gaps()
        counts["files"] = nb.e0402(naive_out, xsd)
        nb.save()

    m, _ = measure("naive: openpyxl load, both imports cell by cell, the four steps with sets and loops, save", run, 1,
                   setup=lambda: shutil.copyfile(book.setup, target))
    return m, counts


@case("e2e", "a whole period at 1,000,000 invoices: both imports, then the steps, as a user runs them")
def case_e2e(cfg: Config) -> list[Row]:
    n = cfg.n(1_000_000, 2_000)
    have = available_steps()
    if not all(have.values()):
        missing = [t for t, ok in have.items() if not ok]
        return [Row("e2e", f"whole period @{_fmt(n)}", "", status="skipped", notes=[f"not available yet: {missing}"])]
    book = data.e2e_book(n)
    work = cfg.work / "e2e"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    target, imported = work / "book.xlsm", work / "imported.xlsm"
    out_dir = work / "out"
    out_dir.mkdir()
    size = f"{_fmt(n)} invoices + {_fmt(n - n // 1000)} platform rows, {len(data._e2e_plan(n)[1])} machines"
    imports = [(title, _import_argv(kind, book)) for title, kind in IMPORTS]
    answers: dict[str, dict[str, object]] = {}

    # the period as a user runs it: the cache folder empty, both imports, then the steps, each a fresh process
    period: list[list[_Process]] = []
    for i in range(_period_reps(cfg)):
        shutil.copyfile(book.setup, target)
        cache = work / f"cache-period-{i}"
        run = _children(imports, target, out_dir, cache)
        shutil.copyfile(target, imported)
        run += _children(STEPS, target, out_dir, cache)
        period.append(run)
        answers[f"period {i + 1}"] = _answers(target)

    def variant(label: str, no_cache: bool, one_process: bool) -> list[list[_Process]]:
        runs = []
        for i in range(_period_reps(cfg)):
            shutil.copyfile(imported, target)
            cache = work / f"cache-{label}-{i}"  # empty: nothing kept by an import
            runs.append([_in_one_process(target, out_dir, cache, no_cache)] if one_process
                        else _children(STEPS, target, out_dir, cache, no_cache))
            answers[f"{label} {i + 1}"] = _answers(target)
        return runs

    no_cache_one = variant("one process, no cache", True, True)
    no_cache_fresh = variant("fresh processes, no cache", True, False)
    cold = variant("fresh processes, cache empty at the start", False, False)

    base: Measure | None = None
    naive_counts: dict[str, int] = {}
    if cfg.big_baselines or cfg.quick:
        base, naive_counts = _naive_period(book, target, work)

    steps = [run[len(imports):] for run in period]
    rows = [
        Row("e2e", f"invoices import @{_fmt(n)}, fresh process", f"{book.register_csv.stat().st_size / MiB:.0f} MiB Big5 CSV",
            _measure("InvoiceTools: `invoicetools invoices import`", [run[:1] for run in period]), None,
            target_s=8.0, rss_limit=RSS_LIMIT),
        Row("e2e", f"status import @{_fmt(n)}, fresh process", f"{book.status_csv.stat().st_size / MiB:.0f} MiB CSV",
            _measure("InvoiceTools: `invoicetools status import`", [run[1:2] for run in period]), None,
            target_s=6.0, rss_limit=RSS_LIMIT),
        Row("e2e", f"4 steps @{_fmt(n)}, fresh processes, default settings", size,
            _measure("InvoiceTools: the steps, each a fresh process, the cache as the imports left it", steps), None,
            target_s=8.0, rss_limit=RSS_LIMIT),
        Row("e2e", f"whole period @{_fmt(n)}: both imports + 4 steps, fresh processes", size,
            _measure("InvoiceTools: the imports and the steps, each a fresh process", period), base,
            target_s=25.0, rss_limit=RSS_LIMIT),
        Row("e2e", f"4 steps @{_fmt(n)}, one process, no cache", size,
            _measure("InvoiceTools: the steps through invoicetools.cli.main in one process, INVOICETOOLS_NO_CACHE",
                     no_cache_one, mode="in-process"), None, target_s=20.0, rss_limit=RSS_LIMIT),
        Row("e2e", f"4 steps @{_fmt(n)}, fresh processes, no cache", size,
            _measure("InvoiceTools: the steps, each a fresh process, INVOICETOOLS_NO_CACHE", no_cache_fresh), None,
            target_s=25.0, rss_limit=RSS_LIMIT),
        Row("e2e", f"4 steps @{_fmt(n)}, fresh processes, cache empty at the start", size,
            _measure("InvoiceTools: the steps, each a fresh process, the first reading step fills the cache", cold), None,
            rss_limit=RSS_LIMIT),
    ]
    for row in rows:
        assert row.product is not None
        row.notes.append(row.product.note)
    rows[0].notes.append("the cache folder is empty at the start of each run; each import keeps the table it writes "
                         "(the sheet cache), as the product leaves it for the next step")
    rows[2].notes.append("the steps: tracks allocate, check-upload, gaps, gaps --void --force, e0402")
    rows[3].notes.append("baseline: " + ("openpyxl load, both imports cell by cell, the four steps with sets and loops, "
                                         "one save (favours the baseline: a real step would load and save each time)"
                                         if base is not None else "skipped (--no-big-baselines)"))
    _compare_answers(rows[3], answers, naive_counts)
    rows.append(_com_estimate(imported, steps, size))
    return rows


def _compare_answers(row: Row, answers: dict[str, dict[str, object]], naive: dict[str, int]) -> None:
    first = next(iter(answers.values()))
    same = all(a == first for a in answers.values())
    problems = first["漏上傳檢核"]
    assert isinstance(problems, dict)
    what = (f"{len(answers)} runs (imports, fresh processes, one process, with and without the cache): "
            f"漏上傳檢核 {sum(problems.values()):,} rows, 跳號 {first['跳號 numbers']:,} numbers, "
            f"{first['E0402 files']} E0402 files")
    if naive:
        kinds = ("未上傳", "上傳失敗", "作廢未上傳", "平台有帳上無")
        product = {"problems": sum(v for k, v in problems.items() if k in kinds), "skipped": first["跳號 numbers"],
                   "files": first["E0402 files"]}
        same = same and product == naive
        what += "; the naive baseline's counts too"
        if product != naive:
            what += f" (InvoiceTools {product}, naive {naive})"
    if not all(a == first for a in answers.values()):
        what += "; " + "; ".join(f"{k}: {v}" for k, v in answers.items() if v != first)
    _same(row, same, what)


def _used_cells(book: Path, sheet: str) -> int:
    """The cells of a sheet's used range (its ``<dimension>``): what a COM read of the sheet moves."""
    import re
    import zipfile

    from invoicetools.book.xlsx_package import Package

    package = Package(book)
    part = package.sheet_part(sheet)
    package.close()
    with zipfile.ZipFile(book) as z, z.open(part) as fh:
        head = fh.read(1 << 16).decode("utf-8", "replace")
    m = re.search(r'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"', head)
    if not m:
        return 0

    def col(letters: str) -> int:
        n = 0
        for ch in letters:
            n = n * 26 + ord(ch) - 64
        return n

    last_col, last_row = (m.group(3), m.group(4)) if m.group(3) else (m.group(1), m.group(2))
    return (col(last_col) - col(m.group(1)) + 1) * (int(last_row) - int(m.group(2)) + 1)


def _com_estimate(book: Path, steps: list[list[_Process]], size: str) -> Row:
    """In Excel: the big sheets read through COM (estimated from their cells) against reading the saved file."""
    cells = {s: _used_cells(book, s) for s in ("發票資料", "平台狀況")}
    read_both = sum(cells.values())
    reading_steps = len(STEPS) - 1  # every step but tracks allocate reads both big sheets
    last = steps[-1]
    disk = Measure("InvoiceTools in Excel on a saved local workbook: the big sheets read from the file "
                   "(the steps as measured in fresh processes)", [sum(p.seconds for p in last)],
                   [sum(p.cpu for p in last)], max(p.peak for p in last), mode="subprocess")
    com = Measure(f"through COM: the same steps + {reading_steps} × {read_both:,} cells at "
                  f"{COM_SECONDS_PER_CELL * 1e6:.1f} µs (estimate)",
                  [disk.times[0] + reading_steps * read_both * COM_SECONDS_PER_CELL], mode="estimate")
    row = Row("e2e", "4 steps in Excel: big sheets from the saved file vs through COM (estimate)", size, disk, com)
    row.notes.append(f"COM moves about 1M cells in 2.7–5.5 s (xlwings issue 397); 發票資料 {cells['發票資料']:,} and "
                     f"平台狀況 {cells['平台狀況']:,} cells would cross COM in each of check-upload, gaps, gaps --void "
                     "and e0402; the results (a few thousand cells) cross COM either way, and an import writes its "
                     "rows through COM either way (for a big book the CLI import is the fast path)")
    return row
