"""Files as the user's system expects them: modes kept or from the umask, no leftovers, any drive.

* A rewritten workbook keeps its permission bits (it used to become 0600 from ``mkstemp``);
  new files (``new``, ``export``) follow the umask; a replaced output keeps its mode.
* A run killed (SIGKILL) while it writes the workbook leaves it intact and a
  ``.~invoicetools-*.tmp``; the next run that writes beside it removes that leftover, but
  never one a live run is writing (it holds a lock on it) nor one newer than its own start.
* ``export``, ``new`` and the workbook itself write into a folder that is the root of
  another filesystem (a tmpfs mounted here, standing in for a USB stick or a network share):
  the files are staged on that drive, never renamed across drives (EXDEV).
* ``export`` without ``--pdf``/``--xlsx`` writes to [設定] 輸出資料夾.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import BOOK_NAME, assert_clean_message, cli, e0402_book, leftovers, prepared_book, sha256

from invoicetools.book.file_safety import process_start, remove_leftovers
from workbooks import new_book

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes, signals and mounts")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def test_rewritten_workbook_keeps_its_mode(tmp_path: Path) -> None:
    book = prepared_book(new_book(tmp_path / BOOK_NAME))
    for mode in (0o664, 0o640, 0o600):
        book.chmod(mode)
        run = cli("settings", "--book", book, f"製表人=王{mode:o}")
        assert run.code == 0, run.text
        assert _mode(book) == mode


def test_new_files_follow_the_umask(tmp_path: Path, umask_027: None) -> None:
    book = tmp_path / "新.xlsm"
    assert cli("new", book).code == 0
    assert _mode(book) == 0o640
    out = tmp_path / "審閱.xlsx"
    run = cli("export", "--book", book, "--xlsx", out, "--sheets", "設定")
    assert run.code == 0, run.text
    assert _mode(out) == 0o640
    out.chmod(0o604)  # a replaced output keeps the mode it had
    assert cli("export", "--book", book, "--xlsx", out, "--sheets", "設定").code == 0
    assert _mode(out) == 0o604


# --- leftovers of killed runs ----------------------------------------------------------------
KILLED_WRITER = '''
import sys, time
from pathlib import Path
import pandas as pd
from invoicetools.book import layout
from invoicetools.book import xlsx_package
from invoicetools.book.file_backend import FileBook

real = xlsx_package.Package._write_member
def slow(out, info, data):
    real(out, info, data)
    print("writing", flush=True)
    time.sleep(60)  # killed here, halfway through the package
xlsx_package.Package._write_member = staticmethod(slow)
book = FileBook(Path(sys.argv[1]))
n = 20_000
book.write_table(layout.table("發票資料"), pd.DataFrame({
    "發票號碼": [f"AB{i:08d}" for i in range(n)], "發票日期": ["2025-01-02"] * n, "客戶名稱": ["甲"] * n}))
book.commit()
'''


def test_killed_write_leaves_the_workbook_and_the_next_run_removes_its_leftover(tmp_path: Path) -> None:
    book = prepared_book(new_book(tmp_path / BOOK_NAME))
    before = sha256(book)
    child = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(book)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "writing"
        assert [p.name for p in tmp_path.glob(".~invoicetools-*.tmp")], "the writer has its temp file"
        # while the writer lives, its file is held: a clean-up (even one started later) leaves it
        time.sleep(0.05)
        assert remove_leftovers(tmp_path) == []
    finally:
        child.kill()
        child.wait()
    left = list(tmp_path.glob(".~invoicetools-*.tmp"))
    assert len(left) == 1 and left[0].stat().st_size > 0
    assert sha256(book) == before  # the workbook is intact
    os.utime(left[0], (process_start() - 5, process_start() - 5))  # it was written before this run began
    run = cli("settings", "--book", book, "製表人=王小明")
    assert run.code == 0, run.text
    assert not left[0].exists()
    assert leftovers(tmp_path) == []


HOLDER = '''
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
'''


def test_clean_up_removes_only_dead_leftovers_of_its_own_kind(tmp_path: Path) -> None:
    old = process_start() - 60
    dead = tmp_path / ".~invoicetools-dead.tmp"
    held = tmp_path / ".~invoicetools-held.tmp"
    fresh = tmp_path / ".~invoicetools-fresh.tmp"  # another run started after us
    others = [tmp_path / "x.tmp", tmp_path / ".~lock.book.xlsm#", tmp_path / "~$book.xlsm", tmp_path / "book.xlsm"]
    for p in (dead, held, fresh, *others):
        p.write_bytes(b"PK")
    for p in (dead, held, *others):
        os.utime(p, (old, old))
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(held)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert remove_leftovers(tmp_path) == [dead]
        assert held.exists() and fresh.exists() and all(p.exists() for p in others)
    finally:
        holder.kill()
        holder.wait()
    assert remove_leftovers(tmp_path) == [held]  # its writer is gone now
    assert fresh.exists() and all(p.exists() for p in others)


# --- another drive ---------------------------------------------------------------------------
@pytest.fixture
def other_drive(tmp_path: Path) -> Iterator[Path]:
    """The root of a second filesystem: a tmpfs mounted for the test, else /dev/shm."""
    mount = tmp_path / "USB"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode == 0:
        try:
            yield mount
        finally:
            subprocess.run(["umount", "-l", str(mount)], check=False)
        return
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev or not os.access(shm, os.W_OK):
        pytest.skip("no second filesystem to write to")
    before = set(shm.iterdir())
    try:
        yield shm
    finally:
        for p in set(shm.iterdir()) - before:
            p.unlink() if p.is_file() else None


def test_outputs_cross_filesystems(tmp_path: Path, other_drive: Path) -> None:
    assert other_drive.stat().st_dev != tmp_path.stat().st_dev
    book = e0402_book(new_book(tmp_path / BOOK_NAME))
    out = other_drive / f"審閱-{os.getpid()}.xlsx"
    run = cli("export", "--book", book, "--xlsx", out, "--sheets", "設定")
    assert run.code == 0, run.text
    assert out.read_bytes().startswith(b"PK")
    run = cli("e0402", "--book", book, "--period", "11402", "--out", other_drive)
    assert run.code == 0, run.text
    written = sorted(p.name for p in other_drive.glob("E0402_*.xml"))
    assert len(written) == 2
    moved = other_drive / f"活頁簿-{os.getpid()}.xlsm"  # the workbook itself on the other drive
    assert cli("new", moved).code == 0
    assert cli("settings", "--book", moved, "製表人=王小明").code == 0
    assert leftovers(tmp_path, other_drive) == []
    for p in (out, moved, *(other_drive / n for n in written)):
        p.unlink()


def test_error_about_an_output_folder_names_the_folder_given(tmp_path: Path) -> None:
    book = prepared_book(new_book(tmp_path / BOOK_NAME))
    blocked = tmp_path / "唯讀"
    blocked.write_text("a file, not a folder")
    run = cli("export", "--book", book, "--xlsx", blocked / "審閱.xlsx", "--sheets", "設定")
    assert run.code == 2
    assert_clean_message(run)
    assert str(blocked) in run.err
    assert "staging" not in run.err and ".invoicetools-" not in run.err


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="soffice is needed for the PDF half")
def test_export_without_targets_uses_the_output_folder_of_the_settings(tmp_path: Path) -> None:
    out = tmp_path / "審閱輸出"
    book = prepared_book(new_book(tmp_path / BOOK_NAME), 輸出資料夾=str(out))
    run = cli("export", "--book", book, "--sheets", "設定")
    assert run.code == 0, run.text
    made = sorted(p.suffix for p in out.iterdir())
    assert made == [".pdf", ".xlsx"]
    assert all(p.name.startswith("12345675_11402_審閱_") for p in out.iterdir())
    assert not [p for p in tmp_path.iterdir() if "審閱" in p.name and p.is_file()]  # nothing beside the workbook
