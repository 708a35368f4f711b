"""Timing and memory measurement, machine information and the result rows of the benchmark.

Method (as in ``shared/notes/perf-anchors.md``):

* wall time with ``time.perf_counter()`` around the call; the median of N repetitions (and
  the minimum and the first call, which pays for first-touch page faults);
* peak RSS: before each repetition ``5`` is written to ``/proc/self/clear_refs``, which
  resets the kernel's high-water mark, and ``VmHWM`` is read after the call; the peak is the
  highest value over the repetitions, for the whole process (interpreter, inputs and output);
  ``base`` is the RSS before the call, so ``peak - base`` is the call's own working set;
* a command in a fresh process is timed around ``subprocess`` start to exit, and its peak
  RSS is the child's ``ru_maxrss`` from ``os.wait4``.
"""

from __future__ import annotations

import contextlib
import gc
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MiB = 1024 * 1024


def _status_kib(field_name: str) -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss() -> int:
    """The current resident set size in bytes (``VmRSS``)."""
    return _status_kib("VmRSS") * 1024


def peak_rss() -> int:
    """The high-water mark of the resident set in bytes (``VmHWM``) since the last reset."""
    kib = _status_kib("VmHWM")
    if kib:
        return kib * 1024
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def reset_peak() -> bool:
    """Reset ``VmHWM`` to the current RSS (Linux ≥ 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


@dataclass
class Measure:
    """Repeated measurements of one side of a case."""

    label: str
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # CPU seconds (user + system, all threads) per repetition
    peak: int = 0  # bytes: highest VmHWM (or child ru_maxrss) over the repetitions
    base: int = 0  # bytes: RSS before the first repetition (0 for a fresh process)
    mode: str = "in-process"  # or "subprocess" (a fresh interpreter per repetition)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def best(self) -> float:
        return min(self.times) if self.times else float("nan")

    @property
    def first(self) -> float:
        return self.times[0] if self.times else float("nan")

    @property
    def n(self) -> int:
        return len(self.times)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(median=self.median, min=self.best, cpu_median=statistics.median(self.cpu) if self.cpu else None, first=self.first, n=self.n,
                   peak_mib=round(self.peak / MiB, 1), extra_mib=round(max(self.peak - self.base, 0) / MiB, 1)
                   if self.base else None)
        return out


def measure(label: str, fn: Callable[[], Any], reps: int, *, setup: Callable[[], Any] | None = None) -> tuple[Measure, Any]:
    """Call ``fn`` ``reps`` times (``setup`` before each, untimed); return the measure and the last result."""
    m = Measure(label)
    out: Any = None
    for i in range(reps):
        out = None  # the previous result must not count in this repetition's memory
        if setup is not None:
            setup()
        gc.collect()
        base = rss()
        if i == 0:
            m.base = base
        reset_peak()
        c = time.process_time()
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        m.cpu.append(time.process_time() - c)
        m.times.append(dt)
        m.peak = max(m.peak, peak_rss())
    return m, out


@dataclass
class ChildRun:
    seconds: float
    cpu: float
    peak: int
    returncode: int
    stdout: str
    stderr: str


PEAK_ENV = "INVOICETOOLS_BENCH_PEAK_FILE"
# Run a command-line entry point and write the process's own VmHWM at exit. ``ru_maxrss`` of a
# child is no good here: Linux folds the parent's high-water mark into it at exec.
PEAK_REPORTER = (
    "import atexit, os\n"
    "def _peak():\n"
    "    path = os.environ.get('" + PEAK_ENV + "')\n"
    "    if path:\n"
    "        with open('/proc/self/status') as fh:\n"
    "            kib = next((l.split()[1] for l in fh if l.startswith('VmHWM:')), '0')\n"
    "        with open(path, 'w') as out:\n"
    "            out.write(kib)\n"
    "atexit.register(_peak)\n"
)


def python_entry(module: str, function: str = "main") -> list[str]:
    """``python -c`` running ``module.function()`` as its console script does, reporting its peak RSS."""
    code = PEAK_REPORTER + f"import sys\nfrom {module} import {function} as _main\nsys.exit(_main())\n"
    return [sys.executable, "-c", code]


def run_child(argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> ChildRun:
    """Run a command; wall time from start to exit, CPU time and peak RSS of the child.

    The peak is what the child reported through ``PEAK_ENV`` (see :func:`python_entry`),
    else its ``ru_maxrss`` (which may include the parent's size, see above).
    """
    import tempfile

    fd, peak_file = tempfile.mkstemp(prefix="bench-peak-")
    os.close(fd)
    child_env = dict(env if env is not None else os.environ)
    child_env[PEAK_ENV] = peak_file
    try:
        t = time.perf_counter()
        proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env, cwd=cwd)
        out, err = b"", b""
        # read the pipes until EOF (the child exits), then reap it with wait4 for its rusage
        assert proc.stdout is not None and proc.stderr is not None
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        sel.register(proc.stderr, selectors.EVENT_READ)
        open_ = 2
        while open_:
            for key, _ in sel.select():
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fileobj)
                    open_ -= 1
                elif key.fileobj is proc.stdout:
                    out += chunk
                else:
                    err += chunk
        _, status, usage = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        reported = Path(peak_file).read_text().strip()
    finally:
        os.unlink(peak_file)
    peak = int(reported) * 1024 if reported.isdigit() and int(reported) else int(usage.ru_maxrss) * 1024
    return ChildRun(dt, usage.ru_utime + usage.ru_stime, peak, proc.returncode, out.decode(errors="replace"),
                    err.decode(errors="replace"))


def measure_child(label: str, argv: Sequence[str], reps: int, *, env: Mapping[str, str] | None = None,
                  setup: Callable[[], Any] | None = None, ok: Sequence[int] = (0,)) -> tuple[Measure, ChildRun]:
    """``measure`` for a command run in a fresh process each repetition."""
    m = Measure(label, mode="subprocess")
    last: ChildRun | None = None
    for _ in range(reps):
        if setup is not None:
            setup()
        last = run_child(argv, env=env)
        if last.returncode not in ok:
            raise RuntimeError(f"{' '.join(argv)} exited {last.returncode}:\n{last.stderr[-2000:]}")
        m.times.append(last.seconds)
        m.cpu.append(last.cpu)
        m.peak = max(m.peak, last.peak)
    assert last is not None
    return m, last


# ----------------------------------------------------------------------------------------------
# result rows
# ----------------------------------------------------------------------------------------------
@dataclass
class Row:
    """One line of the table: InvoiceTools against its baseline, with the targets that apply."""

    case: str  # case id (``--only``)
    title: str
    size: str
    product: Measure | None = None
    baseline: Measure | None = None
    target_s: float | None = None  # the floor: product median must be within
    min_ratio: float | None = None  # the floor: baseline / product at least
    rss_limit: int | None = None  # bytes: product peak RSS under
    aim_s: float | None = None  # DESIGN's aim (information)
    notes: list[str] = field(default_factory=list)
    status: str = "ok"  # ok | skipped | error
    thresholds: bool = True  # False in --quick mode

    @property
    def ratio(self) -> float | None:
        if self.product is None or self.baseline is None or not self.product.times or not self.baseline.times:
            return None
        return self.baseline.median / self.product.median if self.product.median > 0 else None

    def verdicts(self) -> dict[str, bool]:
        """Each threshold that applies → met or not (empty in --quick mode)."""
        if not self.thresholds or self.product is None or not self.product.times:
            return {}
        out: dict[str, bool] = {}
        if self.target_s is not None:
            out["time"] = self.product.median <= self.target_s
        if self.min_ratio is not None:
            r = self.ratio
            out["ratio"] = r is not None and r >= self.min_ratio
        if self.rss_limit is not None:
            out["rss"] = self.product.peak < self.rss_limit
        if self.aim_s is not None:
            out["aim"] = self.product.median <= self.aim_s
        return out

    @property
    def met(self) -> bool | None:
        """Every floor of the issue held (the DESIGN aim is not a floor); None when none applies."""
        v = {k: ok for k, ok in self.verdicts().items() if k != "aim"}
        return all(v.values()) if v else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.case, "title": self.title, "size": self.size, "status": self.status,
            "product": self.product.as_dict() if self.product else None,
            "baseline": self.baseline.as_dict() if self.baseline else None,
            "ratio": self.ratio, "target_s": self.target_s, "min_ratio": self.min_ratio,
            "rss_limit_mib": self.rss_limit / MiB if self.rss_limit else None, "aim_s": self.aim_s,
            "verdicts": self.verdicts(), "met": self.met, "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Row:
        def m(x: Mapping[str, Any] | None) -> Measure | None:
            if not x:
                return None
            return Measure(x["label"], list(x["times"]), list(x.get("cpu") or []), int(x["peak"]), int(x["base"]),
                           x["mode"], x.get("note", ""))

        return cls(d["case"], d["title"], d["size"], m(d["product"]), m(d["baseline"]), d["target_s"],
                   d["min_ratio"], int(d["rss_limit_mib"] * MiB) if d["rss_limit_mib"] else None, d["aim_s"],
                   list(d["notes"]), d["status"], bool(d["verdicts"]) or d["target_s"] is None)


# ----------------------------------------------------------------------------------------------
# machine information
# ----------------------------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _mem_total() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _numpy_simd() -> dict[str, Any]:
    import numpy as np

    try:
        from numpy._core._multiarray_umath import (
            __cpu_baseline__,
            __cpu_dispatch__,
            __cpu_features__,
        )
    except ImportError:  # pragma: no cover - older numpy
        return {"numpy": np.__version__}
    found = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    return {"baseline": list(__cpu_baseline__), "dispatch_found": found,
            "dispatch_missing": [f for f in __cpu_dispatch__ if not __cpu_features__.get(f)]}


PACKAGES = ("invoicetools", "numpy", "pandas", "pyarrow", "fastexcel", "python-calamine", "openpyxl", "XlsxWriter",
            "lxml", "xmlschema", "xlwings")


def machine_info() -> dict[str, Any]:
    from importlib import metadata

    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    thp = ""
    with contextlib.suppress(OSError):
        thp = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text().strip()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    env = {k: v for k, v in sorted(os.environ.items())
           if k.startswith(("OPENBLAS", "OMP_", "MKL_", "NPY_", "INVOICETOOLS_", "POLARS_", "ARROW_", "PYTHONDONTWRITE"))}
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": affinity,
        "memory_gib": round(_mem_total() / 1024**3, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "numpy_simd": _numpy_simd(),
        "versions": versions,
        "thp": thp,
        "env": env,
        "time": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "loadavg": load_average(),
    }


def load_average() -> tuple[float, float, float] | None:
    """The 1, 5 and 15 minute load averages (other work on the machine slows every timing)."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return None
    return round(one, 2), round(five, 2), round(fifteen, 2)


# ----------------------------------------------------------------------------------------------
# the table
# ----------------------------------------------------------------------------------------------
def _secs(x: float | None) -> str:
    if x is None or x != x:
        return "—"
    if x < 0.01:
        return f"{x * 1000:.2f} ms"
    if x < 1:
        return f"{x * 1000:.0f} ms"
    if x < 100:
        return f"{x:.2f} s"
    return f"{x:.0f} s"


def _mib(m: Measure | None) -> str:
    if m is None or not m.peak:
        return "—"
    return f"{m.peak / MiB:,.0f}"


def _measure_cell(m: Measure | None) -> str:
    if m is None or not m.times:
        return "—"
    text = ("≈ " if m.mode == "estimate" else "") + _secs(m.median)
    if m.n > 1:
        text += f" (n={m.n})"
    if m.mode == "subprocess":
        text += " ⧉"
    return text


def _target_cell(r: Row) -> str:
    parts = []
    if r.target_s is not None:
        parts.append(f"≤ {_secs(r.target_s)}")
    if r.min_ratio is not None:
        parts.append(f"≥ {r.min_ratio:g}×")
    if r.rss_limit is not None:
        parts.append(f"RSS < {r.rss_limit / 1024**3:g} GiB")
    return ", ".join(parts) or "—"


def _verdict_cell(r: Row) -> str:
    if r.status != "ok":
        return r.status
    v = r.verdicts()
    if not v:
        return "—"
    floors = {k: ok for k, ok in v.items() if k != "aim"}
    text = ("met" if all(floors.values()) else "MISSED " + ",".join(k for k, ok in floors.items() if not ok)) if floors else ""
    if "aim" in v:
        text += (" · " if text else "") + ("aim ✓" if v["aim"] else "aim ✗")
    return text


def table(rows: Sequence[Row]) -> str:
    head = ["case", "size", "InvoiceTools", "min", "first", "cpu", "baseline", "ratio", "peak MiB IT/base",
            "target (issue)", "aim", "result"]
    body: list[list[str]] = []
    for r in rows:
        p, b = r.product, r.baseline
        ratio = r.ratio
        body.append([
            r.title, r.size, _measure_cell(p), _secs(p.best) if p and p.n > 1 else "", _secs(p.first) if p and p.n > 1 else "",
            _secs(statistics.median(p.cpu)) if p and p.cpu else "", _measure_cell(b), f"{ratio:,.1f}×" if ratio is not None else "—",
            f"{_mib(p)} / {_mib(b)}", _target_cell(r), f"≤ {_secs(r.aim_s)}" if r.aim_s is not None else "—",
            _verdict_cell(r),
        ])
    widths = [max(_width(row[i]) for row in [head, *body]) for i in range(len(head))]
    lines = [_line(head, widths), _line(["-" * w for w in widths], widths)]
    lines += [_line(row, widths) for row in body]
    return "\n".join(lines)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "| " + " | ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths, strict=True)) + " |"
