"""A process killed in the middle of ``e0402``: between the two file renames, or just before the workbook is replaced.

The step runs in a child process whose ``os.replace`` sends the signal to its own process
right after the chosen rename (the patch lives in a runner script written here; product
code has no test hook).

* ``SIGTERM`` (``kill PID``, Ctrl+C is the same): the CLI stops as on Ctrl+C and the
  transaction takes its files back: exit 130, "已中斷", and the workbook and the Turnkey
  folder are exactly as before, at once.
* ``SIGTERM`` right after the workbook was replaced (the commit point): held until the
  output files are final, then the process stops (exit 130, "這一步已完成"): done, not undone.
* ``SIGKILL`` (task manager, power cut): nothing can run. The workbook is untouched, no
  file in SRC is half-written (each is its old bytes or the finished new file), and the
  journal in the staging folder lets the next transaction put the folder back exactly as
  before; the rerun then completes and is byte-identical to a run never interrupted.
  (A kill in the microseconds between the workbook's rename and the journal's "done" line
  is the one case this cannot order: the next run would take back files the workbook lists.)
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import (
    BOOK_NAME,
    E0402_FILES,
    PERIOD,
    assert_clean_message,
    cli,
    e0402_book,
    leftovers,
    read_table,
    sha256,
    tree,
    turnkey,
)

from workbooks import new_book

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

RUNNER = '''
import os, signal, sys
from pathlib import Path

sig, after, watch = getattr(signal, sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]).resolve()
real_replace, seen = os.replace, []

def replace(src, dst, *args, **kwargs):
    real_replace(src, dst, *args, **kwargs)
    if Path(dst).resolve().parent == watch:
        seen.append(dst)
        if len(seen) == after:
            os.kill(os.getpid(), sig)

os.replace = replace
from invoicetools.cli import main
sys.exit(main(sys.argv[4:]))
'''

_START: dict[str, bytes] = {}


def setup(root: Path) -> tuple[Path, Path]:
    """A workbook ready for E0402 and a Turnkey folder whose SRC holds last period's KA file."""
    book = root / "work" / BOOK_NAME
    book.parent.mkdir(parents=True)
    if "book" not in _START:
        scratch = root / "scratch"
        scratch.mkdir()
        _START["book"] = e0402_book(new_book(scratch / "book.xlsm")).read_bytes()
        for p in scratch.iterdir():
            p.unlink()
        scratch.rmdir()
    book.write_bytes(_START["book"])
    return book, turnkey(root / "Turnkey")


def killed(root: Path, book: Path, signame: str, watch: Path, after: int) -> subprocess.CompletedProcess[str]:
    runner = root / "runner.py"
    runner.write_text(RUNNER, encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    args = ["e0402", "--book", str(book), "--period", PERIOD, "--out", str(root / "Turnkey")]
    proc = subprocess.run([sys.executable, str(runner), signame, str(after), str(watch), *args], env=env,
                          capture_output=True, text=True, timeout=120)
    runner.unlink()
    return proc


def reference(tmp_path: Path) -> dict[str, str]:
    root = tmp_path / "reference"
    root.mkdir()
    book, _ = setup(root)
    assert cli("e0402", "--book", book, "--period", PERIOD, "--out", root / "Turnkey").code == 0
    return tree(root / "Turnkey")


# where the signal arrives: (the folder whose renames are counted, after which rename)
BEFORE_COMMIT = {"between-the-two-files": ("src", 1), "after-both-files-before-the-workbook": ("src", 2)}
AT_COMMIT = {"right-after-the-workbook-is-replaced": ("book", 1)}


def watched(point: str, src: Path, book: Path) -> tuple[Path, int]:
    folder, after = {**BEFORE_COMMIT, **AT_COMMIT}[point]
    return (src if folder == "src" else book.parent), after


@pytest.mark.parametrize("point", list(BEFORE_COMMIT))
def test_sigterm_before_the_commit_puts_everything_back_at_once(point: str, tmp_path: Path) -> None:
    root = tmp_path / "run"
    root.mkdir()
    book, src = setup(root)
    before_book, before_tree = book.read_bytes(), tree(root / "Turnkey")
    proc = killed(root, book, "SIGTERM", *watched(point, src, book))
    assert proc.returncode == 130, proc.stderr
    assert "已中斷：工作已停止" in proc.stderr and "Traceback" not in proc.stderr
    assert book.read_bytes() == before_book
    assert tree(root / "Turnkey") == before_tree
    assert leftovers(root) == []


def test_sigterm_while_the_workbook_is_replaced_lets_the_step_finish(tmp_path: Path) -> None:
    """The workbook's replace is the commit point: a signal then is held until the files are final too."""
    expected = reference(tmp_path)
    root = tmp_path / "run"
    root.mkdir()
    book, src = setup(root)
    proc = killed(root, book, "SIGTERM", *watched("right-after-the-workbook-is-replaced", src, book))
    assert proc.returncode == 130, proc.stderr
    assert "這一步已完成" in proc.stderr and "Traceback" not in proc.stderr
    assert tree(root / "Turnkey") == expected  # done, not taken back
    logged = str(read_table(book, "執行紀錄")["sha256"].dropna().iloc[-1])  # type: ignore[index]
    assert all(sha256(src / name) in logged for name in E0402_FILES)
    assert leftovers(root) == []


@pytest.mark.parametrize("point", list(BEFORE_COMMIT))
def test_sigkill_leaves_no_half_file_and_the_next_run_puts_the_folder_back(point: str, tmp_path: Path) -> None:
    expected = reference(tmp_path)
    root = tmp_path / "run"
    root.mkdir()
    book, src = setup(root)
    before_book, before_tree = book.read_bytes(), tree(root / "Turnkey")
    old_files = {p.name: sha256(p) for p in src.iterdir()}
    proc = killed(root, book, "SIGKILL", *watched(point, src, book))
    assert proc.returncode == -signal.SIGKILL

    assert book.read_bytes() == before_book  # the workbook is untouched
    now = {p.name: sha256(p) for p in src.iterdir()}
    for name, digest in now.items():  # every file whole: its old bytes or the finished new file
        assert digest in (old_files.get(name), expected.get(f"UpCast/B2PMESSAGE/E0402/SRC/{name}")), name
    assert set(now) <= set(old_files) | set(E0402_FILES)
    stages = list(src.parent.glob(".invoicetools-staging-*"))
    assert len(stages) == 1 and (stages[0] / "journal").is_file()  # what the next run needs to undo it

    # the next transaction beside SRC puts it back exactly as before ...
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    from invoicetools.actions.files import recover

    recover(copy / "Turnkey" / "UpCast" / "B2PMESSAGE" / "E0402")
    assert tree(copy / "Turnkey") == before_tree

    # ... which the rerun does first, then it completes like a run never interrupted
    again = cli("e0402", "--book", book, "--period", PERIOD, "--out", root / "Turnkey")
    assert again.code == 0, again.text
    assert_clean_message(again)
    assert tree(root / "Turnkey") == expected
    assert leftovers(root) == []
    logged = str(read_table(book, "執行紀錄")["sha256"].dropna().iloc[-1])  # type: ignore[index]
    assert all(sha256(src / name) in logged for name in E0402_FILES)
