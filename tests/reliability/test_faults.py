"""Faults in the middle of a step: nothing lost, nothing half-written, and a rerun is idempotent.

Each writing step runs once cleanly while every call to a fault point is counted (the
reference: its outputs and workbook). Then it runs again from the same start once per
call, with that one call failing — ``PermissionError`` or ``OSError(ENOSPC)`` — and:

* the exit code is 2 with a zh-TW message saying why (磁碟空間不足, 沒有權限), or 0 when the
  failed call did not matter (the fsync of a folder); no traceback, no crash report;
* the workbook is byte-identical to before and the output folders hold exactly what they
  held (names and sha256), or, when the run succeeded, exactly the reference;
* no temporary file or staging folder is left anywhere;
* a rerun without the fault succeeds with outputs byte-identical to the reference, and
  執行紀錄 records the sha256 of every output file.

Fault points: ``os.replace`` (the moves into place, the workbook's atomic replace),
``os.fsync``, ``open`` for writing (staged files, journal, the workbook's temp file), the zip
writer (``ZipFile.writestr`` and member streams), ``tempfile.mkdtemp``/``mkstemp`` (no
staging folder, no temp file beside the workbook).
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from helpers import (
    E0402_FILES,
    PERIOD,
    Run,
    assert_clean_message,
    cli,
    e0402_book,
    leftovers,
    prepared_book,
    read_table,
    sha256,
    tree,
    turnkey,
)

from workbooks import new_book

INJECTED: list[str] = []  # every fault injected in this module (counted by the last test)
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # XlsxWriter's zip, cut off


def enospc() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


def eacces() -> OSError:
    return PermissionError(errno.EACCES, "Permission denied")


@dataclass
class FaultPoint:
    """A function to patch; ``counts(args, kwargs)`` says whether a call is one of ours."""

    name: str
    owners: tuple[tuple[Any, str], ...]
    error: Callable[[], OSError]
    counts: Callable[[tuple[Any, ...], dict[str, Any]], bool] = lambda a, k: True
    sample: int = 0  # 0: every call; else at most this many calls, spread out


def _writes(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    mode = kwargs.get("mode", args[1] if len(args) > 1 else "r")
    return isinstance(mode, str) and any(c in mode for c in "wxa+")


def _zip_on_disk(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """A zip being written to a file (a zip built in memory cannot run out of disk)."""
    target = getattr(args[0], "fp", None) or getattr(args[0], "_fileobj", None)
    return not isinstance(target, io.BytesIO)


POINTS = [
    FaultPoint("os.replace", ((os, "replace"),), eacces),
    FaultPoint("os.fsync", ((os, "fsync"),), enospc),
    FaultPoint("open-for-writing", ((builtins, "open"), (io, "open")), enospc, _writes, sample=5),
    FaultPoint("zip-write", ((zipfile.ZipFile, "writestr"), (zipfile._ZipWriteFile, "write")), enospc,  # type: ignore[attr-defined]
               _zip_on_disk, sample=4),
    FaultPoint("tempfile.mkdtemp", ((tempfile, "mkdtemp"),), eacces),
    FaultPoint("tempfile.mkstemp", ((tempfile, "mkstemp"),), eacces, sample=3),
]


@dataclass
class Injector:
    point: FaultPoint
    fail_at: int | None = None  # 1-based call to fail; None: count only
    calls: int = 0
    fired: list[str] = field(default_factory=list)


@contextmanager
def injected(point: FaultPoint, fail_at: int | None) -> Iterator[Injector]:
    inj = Injector(point, fail_at)
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr in point.owners]

    def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if point.counts(args, kwargs):
                inj.calls += 1
                if inj.calls == inj.fail_at:
                    inj.fired.append(f"{point.name}#{inj.calls}")
                    raise point.error()
            return original(*args, **kwargs)
        return wrapper

    wrappers: dict[int, Callable[..., Any]] = {}  # builtins.open and io.open are one function: one wrapper
    for owner, attr, value in saved:
        setattr(owner, attr, wrappers.setdefault(id(value), wrap(value)))
    try:
        yield inj
    finally:
        for owner, attr, value in saved:
            setattr(owner, attr, value)


def plan(total: int, sample: int) -> list[int]:
    if not sample or total <= sample:
        return list(range(1, total + 1))
    return sorted({1, total, *(1 + i * (total - 1) // (sample - 1) for i in range(sample))})


# --------------------------------------------------------------------------------------------
# the steps under test
# --------------------------------------------------------------------------------------------
@dataclass
class Scenario:
    """A step: how to set up its start (in ``root``), how to run it, where its outputs go."""

    name: str
    setup: Callable[[Path], None]
    argv: Callable[[Path], list[object]]
    outputs: Callable[[Path], Path]  # the folder whose files are the step's outputs (or the book's folder)
    logs_outputs: bool = True
    stamped: bool = False  # its output shows when it was made (the review export): compared by name only


_STARTS: dict[str, bytes] = {}


def _book(root: Path, kind: str) -> Path:
    """The starting workbook for ``kind`` (built once per session, copied)."""
    book = root / "work" / "InvoiceTools.xlsm"
    book.parent.mkdir(parents=True, exist_ok=True)
    if kind not in _STARTS:
        scratch = root / "scratch"
        scratch.mkdir()
        made = new_book(scratch / "book.xlsm")
        _STARTS[kind] = (e0402_book(made) if kind == "e0402" else prepared_book(made)).read_bytes()
        shutil.rmtree(scratch)
    book.write_bytes(_STARTS[kind])
    return book


def _e0402_setup(root: Path) -> None:
    _book(root, "e0402")
    turnkey(root / "Turnkey")


def _plain_setup(root: Path) -> None:
    _book(root, "e0402")
    (root / "out").mkdir()
    (root / "out" / "審閱.xlsx").write_bytes(b"last time's export")


def _import_setup(root: Path) -> None:
    _book(root, "plain")
    (root / "in").mkdir()
    (root / "in" / "erp.csv").write_bytes(
        "帳別,發票號碼,發票日期,狀態\r\nA,KA12340001,2025/01/15,開立\r\nA,KA12340002,2025/01/16,作廢\r\n".encode("cp950"))


BOOK = "work/InvoiceTools.xlsm"
SCENARIOS = [
    Scenario("e0402", _e0402_setup, lambda r: ["e0402", "--book", r / BOOK, "--period", PERIOD, "--out", r / "Turnkey"],
             lambda r: r / "Turnkey"),
    Scenario("export-xlsx", _plain_setup, lambda r: ["export", "--book", r / BOOK, "--xlsx", r / "out" / "審閱.xlsx"],
             lambda r: r / "out", stamped=True),
    Scenario("invoices-import", _import_setup,
             lambda r: ["invoices", "import", r / "in" / "erp.csv", "--book", r / BOOK], lambda r: r / "in",
             logs_outputs=False),
    Scenario("settings", lambda r: _book(r, "plain"),
             lambda r: ["settings", "--book", r / BOOK, "公司名稱=測試股份有限公司", "申報年月=113/11~12"],
             lambda r: r / "work", logs_outputs=False),
    Scenario("new-force", lambda r: _book(r, "plain"), lambda r: ["new", r / BOOK, "--force"], lambda r: r / "work",
             logs_outputs=False),
]


def state(root: Path) -> dict[str, str]:
    """Every file under ``root`` (the workbook, inputs, outputs) and its sha256."""
    return tree(root)


def start(tmp: Path, scenario: Scenario, name: str) -> Path:
    root = tmp / name
    root.mkdir()
    scenario.setup(root)
    return root


def run(scenario: Scenario, root: Path) -> Run:
    return cli(*scenario.argv(root))


@pytest.fixture(scope="module")
def references(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, str], dict[str, int]]]:
    """Per scenario: the state after a clean run, and how often each fault point was called in it."""
    out: dict[str, tuple[dict[str, str], dict[str, int]]] = {}
    for scenario in SCENARIOS:
        root = start(tmp_path_factory.mktemp(scenario.name), scenario, "reference")
        with contextlib.ExitStack() as stack:
            counters = [stack.enter_context(injected(point, None)) for point in POINTS]
            result = run(scenario, root)
        assert result.code == 0, result.text
        out[scenario.name] = (state(root), {c.point.name: c.calls for c in counters})
    return out


def comparable(files: dict[str, str]) -> dict[str, str]:
    """A state without the workbook, whose bytes hold the run time (compared through its sheets instead)."""
    return {k: v for k, v in files.items() if not k.endswith(".xlsm")}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
@pytest.mark.parametrize("point", POINTS, ids=[p.name for p in POINTS])
def test_a_fault_at_every_call_loses_nothing(scenario: Scenario, point: FaultPoint, tmp_path: Path,
                                             references: dict[str, tuple[dict[str, str], dict[str, int]]]) -> None:
    reference, counts = references[scenario.name]
    calls = plan(counts[point.name], point.sample)
    if not calls:
        pytest.skip(f"{scenario.name} makes no {point.name} call")
    for n in calls:
        root = start(tmp_path, scenario, f"{point.name}-{n}")
        before = state(root)
        with injected(point, n) as inj:
            result = run(scenario, root)
        assert inj.fired, f"the fault {point.name}#{n} did not fire"
        INJECTED.extend(inj.fired)
        assert_clean_message(result)
        after = state(root)
        if result.code == 0:  # the failed call did not matter (an fsync of a folder, a cache): a clean result
            assert comparable(after).keys() == comparable(reference).keys()
        else:
            assert result.code == 2, result.text
            assert after == before, f"{point.name}#{n} changed files: {set(after.items()) ^ set(before.items())}"
            assert "磁碟空間不足" in result.err or "沒有權限" in result.err, result.err  # why, in zh-TW
        assert leftovers(root) == [], f"{point.name}#{n} left {leftovers(root)}"

        again = run(scenario, root)  # the rerun: clean and identical to the reference
        assert again.code == 0, again.text
        if scenario.stamped:
            assert comparable(state(root)).keys() == comparable(reference).keys()
        else:
            assert comparable(state(root)) == comparable(reference)
        if scenario.logs_outputs:
            logged = read_table(root / BOOK, "執行紀錄")["sha256"].dropna().tolist()  # type: ignore[index]
            outputs = scenario.outputs(root)
            written = [p for p in outputs.rglob("*") if p.is_file() and p.name in str(again.text)]
            assert written and all(sha256(p) in str(logged[-1]) for p in written)
        shutil.rmtree(root)


def test_a_second_fault_while_taking_files_back_keeps_the_old_file_and_the_next_run_puts_it_back(
        tmp_path: Path) -> None:
    """The move of KB fails, and so does putting KA's old file back: it waits in the staging folder."""
    root = start(tmp_path, SCENARIOS[0], "double")
    before = state(root)
    old_ka = (root / "Turnkey" / "UpCast" / "B2PMESSAGE" / "E0402" / "SRC" / E0402_FILES[0]).read_bytes()
    real_replace = os.replace
    calls: list[tuple[str, str]] = []

    def replace(src: Any, dst: Any) -> None:
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) in (3, 4):  # 1: KA aside, 2: KA in, 3: KB in (fails), 4: KA back (fails)
            INJECTED.append(f"os.replace#{len(calls)}")
            raise eacces()
        real_replace(src, dst)

    os.replace = replace  # type: ignore[assignment]
    try:
        result = run(SCENARIOS[0], root)
    finally:
        os.replace = real_replace
    assert result.code == 2 and "下次執行時會自動放回" in result.err, result.text
    assert_clean_message(result)
    kept = [p for p in root.rglob("*.old") if p.read_bytes() == old_ka]
    assert len(kept) == 1 and kept[0].parent.name.startswith(".invoicetools-staging-")  # not lost
    assert (root / BOOK).read_bytes() == (tmp_path / "double" / BOOK).read_bytes()

    # the next transaction beside that folder puts the old file back first, then writes
    from invoicetools.actions.files import recover

    recover(kept[0].parent.parent)
    assert state(root) == before
    again = run(SCENARIOS[0], root)
    assert again.code == 0 and leftovers(root) == []


def test_excel_lock_file_refusal_takes_the_e0402_files_back(tmp_path: Path) -> None:
    """Excel opens the workbook while the step runs: the files are written, the workbook is refused, both undone."""
    root = start(tmp_path, SCENARIOS[0], "lock")
    before = state(root)
    real_replace = os.replace
    book = root / BOOK

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).parent.name == "SRC" and not (book.parent / f"~${book.name}").exists():
            (book.parent / f"~${book.name}").write_bytes(b"owner")  # Excel opened it right now
        real_replace(src, dst)

    os.replace = replace  # type: ignore[assignment]
    try:
        result = run(SCENARIOS[0], root)
    finally:
        os.replace = real_replace
    assert result.code == 2 and "Excel" in result.err
    (book.parent / f"~${book.name}").unlink()
    assert state(root) == before
    assert leftovers(root) == []


def test_the_faults_injected_are_counted() -> None:
    """(Runs last in this module.) Every fault point fired in some step."""
    fired = {f.split("#")[0] for f in INJECTED}
    assert fired >= {p.name for p in POINTS}, fired
    print(f"\nfaults injected: {len(INJECTED)}")
