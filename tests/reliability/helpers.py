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
BOOK_NAME = "InvoiceTools.xlsm"
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


# --------------------------------------------------------------------------------------------
# a workbook ready for 跳號作廢 and E0402: two tracks, one gap (voided), blanks at the tails
# --------------------------------------------------------------------------------------------
MACHINES = (("A", "001", "KA", 12340000, 12340099), ("B", "001", "KB", 56780000, 56780049))
ISSUED = [f"KA{n:08d}" for n in range(12340000, 12340060) if not 12340010 <= n <= 12340012]
ISSUED += [f"KB{n:08d}" for n in range(56780000, 56780010)]
E0402_FILES = (f"E0402_{COMPANY}_{PERIOD}_KA_07.xml", f"E0402_{COMPANY}_{PERIOD}_KB_07.xml")


def e0402_book(path: Path) -> Path:
    """A workbook where ``e0402`` writes two files (KA, KB) without being forced."""
    import pandas as pd

    prepared_book(path)
    fb = FileBook(path)
    rows = [{"帳別": a, "機台號": m, "發票字軌": t, "起號": f"{b:08d}", "迄號": f"{e:08d}", "組數": (e - b + 1) // 50,
             "申報年月": PERIOD, "發票類別代號": "07", "營業人統編": COMPANY} for a, m, t, b, e in MACHINES]
    fb.write_table(layout.table("配號設定"), pd.DataFrame(rows, columns=list(layout.table("配號設定").headers)))
    fb.write_table(layout.table("發票資料"), pd.DataFrame(
        {"帳別": "A", "發票號碼": ISSUED, "發票日期": "2025/01/15", "狀態": "開立"}))
    fb.write_table(layout.table("平台狀況"), pd.DataFrame({"發票號碼": ISSUED, "狀態": "已上傳"}))
    fb.write_params(layout.sheet("平台狀況"), {"downloaded_at": "2025/03/01 09:00"})
    fb.commit()
    fb.close()
    run = cli("gaps", "--book", path, "--period", PERIOD, "--void")
    assert run.code == 0, run.text
    return path


def turnkey(root: Path) -> Path:
    """A Turnkey folder whose SRC already holds last period's KA file (to be replaced) and a note (kept)."""
    src = root / "UpCast" / "B2PMESSAGE" / "E0402" / "SRC"
    src.mkdir(parents=True)
    (src / E0402_FILES[0]).write_bytes(b"<last time's file/>")
    (src / "說明.txt").write_text("Turnkey 的檔案", encoding="utf-8")
    return src
