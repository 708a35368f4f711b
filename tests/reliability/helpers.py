"""Helpers for the reliability tests: run the CLI, fingerprint workbooks and folders, find leftovers."""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.book.settings import write_settings
from invoicetools.book.xlsx_package import Package
from invoicetools.cli import main

COMPANY = "12345675"
PERIOD = "11402"
CRASH = "程式發生未預期的錯誤"
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def cli(*argv: str) -> Run:
    """``invoicetools ARGV`` in this process, with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return Run(code, out.getvalue(), err.getvalue())


def assert_clean_message(run: Run) -> None:
    """No traceback, no crash report, and a zh-TW message when something went wrong."""
    assert "Traceback" not in run.text, run.text
    assert CRASH not in run.text, run.text
    if run.code != 0:
        assert CJK.search(run.err), run.err


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) → its sha256; folders end in ``/``."""
    out: dict[str, str] = {}
    if not folder.exists():
        return out
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        out[rel + "/" if path.is_dir() else rel] = "" if path.is_dir() else sha256(path)
    return out


def parts(book: Path) -> dict[str, bytes]:
    """Every part of a workbook package, uncompressed."""
    with zipfile.ZipFile(book) as z:
        return {name: z.read(name) for name in z.namelist()}


def changed_parts(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {n for n in set(before) | set(after) if before.get(n) != after.get(n)}


def sheet_parts(book: Path, *sheets: str) -> set[str]:
    """The worksheet parts and table parts of the named sheets."""
    package = Package(book)
    try:
        out: set[str] = set()
        for name in sheets:
            out.add(package.sheet_part(name))
            out.update(package.table_parts(name))
        return out
    finally:
        package.close()


def prepared_book(path: Path, **settings: str) -> Path:
    """A template workbook with 統一編號 and 申報年月 set (the settings every step needs)."""
    fb = FileBook(path)
    write_settings(fb, {"統一編號": COMPANY, "申報年月": PERIOD, **settings})
    fb.commit()
    fb.close()
    return path


def leftovers(*folders: Path) -> list[Path]:
    """Temporary files and staging folders anything here may have left behind."""
    found = []
    for folder in folders:
        if not folder.exists():
            continue
        for path in folder.rglob("*"):
            name = path.name
            if (name.startswith((".~invoicetools-", ".invoicetools-staging-", "invoicetools-crash-"))
                    or name.endswith((".tmp", ".old"))):
                found.append(path)
    return found


def read_table(book: Path, name: str) -> object:
    fb = FileBook(book)
    try:
        return fb.read_table(layout.table(name))
    finally:
        fb.close()
