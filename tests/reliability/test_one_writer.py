"""One writer at a time (issue 14.9): two commands writing one workbook never lose either's work.

Before, ``settings 公司名稱=…`` run during a long ``invoices import`` exited 0 and its change was
gone afterwards: each command wrote back the sheets as it had read them. Now a writer holds the
lock beside the workbook from its first read to its close; the second one waits, or refuses with
a clear message after ``INVOICETOOLS_LOCK_WAIT`` seconds; a killed holder leaves no stuck lock.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.book.settings import read_settings
from invoicetools.book.workbook_lock import lock_path
from invoicetools.cli import main


def _settings_in_thread(book: Path, codes: list[int], pair: str) -> threading.Thread:
    thread = threading.Thread(target=lambda: codes.append(main(["settings", "--book", str(book), pair, "-q"])))
    thread.start()
    return thread


def test_the_second_writer_waits_and_both_changes_stay(template_book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = FileBook(template_book, writer=True, command="invoices import")  # a long import has read the book
    codes: list[int] = []
    second = _settings_in_thread(template_book, codes, "公司名稱=乙公司")
    time.sleep(1.0)
    assert codes == [] and second.is_alive()  # waiting, not writing over the first
    first.write_table(layout.table("機台配號設定"), pd.DataFrame({"帳別": ["A"], "機台號": ["001"], "組數": [3]}))
    first.commit()
    first.close()
    second.join(timeout=30)
    assert codes == [0]
    after = FileBook(template_book)
    assert read_settings(after).company == "乙公司"  # the second writer's change
    assert after.read_table(layout.table("機台配號設定"))["機台號"].tolist() == ["001"]  # the first's, kept
    assert "正由另一個 InvoiceTools 工作寫入" in capsys.readouterr().err


def test_a_long_wait_refuses_and_says_who_holds_the_workbook(template_book: Path, monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    holder = FileBook(template_book, writer=True, command="invoices import")
    monkeypatch.setenv("INVOICETOOLS_LOCK_WAIT", "0.5")
    try:
        code = main(["settings", "--book", str(template_book), "公司名稱=乙公司"])
    finally:
        holder.close()
    err = capsys.readouterr().err
    assert code == 1 and "指令 invoices import" in err and "請等它完成後再執行一次" in err and "--force" not in err
    assert read_settings(FileBook(template_book)).company != "乙公司"


def test_a_killed_writer_leaves_no_stuck_lock(template_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = ("import sys, time\n"
            "from invoicetools.book.file_backend import FileBook\n"
            "FileBook(sys.argv[1], writer=True, command='batch')\n"
            "print('held', flush=True)\n"
            "time.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(template_book)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        monkeypatch.setenv("INVOICETOOLS_LOCK_WAIT", "0.3")
        assert main(["settings", "--book", str(template_book), "公司名稱=甲"]) == 1  # held by a live process
        proc.kill()  # Task Manager, a power cut …
        proc.wait(timeout=10)
        assert lock_path(template_book).exists()  # the killed holder could not remove it; its OS lock went with it
        start = time.monotonic()
        assert main(["settings", "--book", str(template_book), "公司名稱=甲"]) == 0
        assert time.monotonic() - start < 10  # taken at once, not after a wait
    finally:
        if proc.poll() is None:
            proc.kill()
    assert read_settings(FileBook(template_book)).company == "甲"
    assert not lock_path(template_book).exists()  # the next holder cleaned up after itself


def test_readers_do_not_wait(template_book: Path) -> None:
    """doctor and other readers open the book without the lock: a long import does not stop them."""
    holder = FileBook(template_book, writer=True)
    try:
        assert main(["doctor", "--book", str(template_book)]) in (0, 1)
    finally:
        holder.close()
    assert os.path.exists(template_book)


def test_several_writers_at_once_keep_every_change(template_book: Path) -> None:
    """Four commands started together, each changing its own 設定 item: all four changes are there."""
    pairs = ["公司名稱=甲公司", "製表人=王會計", "帳別=B", "Turnkey資料夾=C:\\EINVTurnkey"]
    codes: list[int] = []
    threads = [_settings_in_thread(template_book, codes, pair) for pair in pairs]
    for t in threads:
        t.join(timeout=60)
    assert codes == [0, 0, 0, 0]
    values = read_settings(FileBook(template_book)).values
    assert [values["公司名稱"], values["製表人"], values["帳別"], values["Turnkey資料夾"]] == [
        "甲公司", "王會計", "B", "C:\\EINVTurnkey"]
    assert not lock_path(template_book).exists()
