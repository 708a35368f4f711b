"""Every command that writes the workbook refuses while Excel (``~$BOOK``) or LibreOffice (``.~lock.BOOK#``) has it open.

Exit 2 with a zh-TW message that says Excel has it open, the workbook byte-identical, the
output folders as they were (the E0402 files are taken back: the refusal comes when the
workbook is written, after the files), no temporary file left.
"""

from __future__ import annotations

from pathlib import Path

import make_corpus as corpus
import pytest
from helpers import PERIOD, assert_clean_message, cli, e0402_book, leftovers, tree, turnkey

from workbooks import new_book

C = corpus.FILES
COMMANDS = {
    "tracks-import": ["tracks", "import", C / "mof_control_big5.csv"],
    "invoices-import": ["invoices", "import", C / "reg_control_big5.csv"],
    "status-import": ["status", "import", C / "status_control.csv"],
    "machines-import": ["machines", "import", C / "machines_control.csv"],
    "tracks-allocate": ["tracks", "allocate"],
    "check-upload": ["check-upload", "--period", PERIOD, "--force", "測試"],
    "gaps": ["gaps", "--period", PERIOD],
    "gaps-unvoid": ["gaps", "--period", PERIOD, "--unvoid"],
    "e0402": ["e0402", "--period", PERIOD, "--out", "{root}/Turnkey"],
    "export": ["export", "--xlsx", "{root}/out/審閱.xlsx"],
    "calendar": ["calendar", "--today", "2025-03-03"],
    "forecast": ["forecast"],
    "settings": ["settings", "公司名稱=測試股份有限公司"],
}
LOCKS = {"excel": "~${name}", "libreoffice": ".~lock.{name}#"}
_BOOK: dict[str, bytes] = {}


def start(root: Path) -> Path:
    book = root / "InvoiceTools.xlsm"
    if "book" not in _BOOK:
        _BOOK["book"] = e0402_book(new_book(book)).read_bytes()
    book.write_bytes(_BOOK["book"])
    turnkey(root / "Turnkey")
    (root / "out").mkdir()
    return book


@pytest.mark.parametrize("lock", list(LOCKS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_open_workbook_is_never_written(command: str, lock: str, tmp_path: Path) -> None:
    book = start(tmp_path)
    (tmp_path / LOCKS[lock].format(name=book.name)).write_bytes(b"owner")
    before = tree(tmp_path)
    args = [str(a).replace("{root}", str(tmp_path)) for a in COMMANDS[command]]
    run = cli(*args, "--book", book)
    assert run.code == 2, run.text
    assert_clean_message(run)
    assert "Excel" in run.err and "開啟" in run.err and book.name in run.err
    assert tree(tmp_path) == before
    assert leftovers(tmp_path) == []


def test_new_force_refuses_to_overwrite_an_open_workbook(tmp_path: Path) -> None:
    book = start(tmp_path)
    (tmp_path / f"~${book.name}").write_bytes(b"owner")
    before = tree(tmp_path)
    run = cli("new", book, "--force")
    assert run.code == 2 and "Excel" in run.err
    assert tree(tmp_path) == before
