"""Nothing lost in ordinary use: input sheets never touched by a step, reruns idempotent, every run logged.

On a workbook with every input imported (the corpus controls), each step runs twice:

* the parts of the input sheets (設定, 字軌配號, 機台配號設定, 發票資料, 平台狀況) are
  byte-identical before and after — steps write only their result sheets, 檢核訊息 and
  執行紀錄 (and their own parameter/status cells);
* the second run gives the same result table and byte-identical output files (E0402's 異動
  column says 無異動 the second time: it describes the change since the last run);
* 執行紀錄 gains exactly one row per run, whose sha256 column holds the sha256 of every
  output file as it is on disk.
"""

from __future__ import annotations

from pathlib import Path

import make_corpus as corpus
import pytest
from helpers import (
    PERIOD,
    assert_clean_message,
    changed_parts,
    cli,
    parts,
    prepared_book,
    read_table,
    sha256,
    sheet_parts,
)

from workbooks import new_book

INPUT_SHEETS = ("設定", "字軌配號", "機台配號設定", "發票資料", "平台狀況")
_BOOK: dict[str, bytes] = {}


def full_book(folder: Path) -> Path:
    """Every input imported from the corpus controls (built once, copied)."""
    book = folder / "InvoiceTools.xlsm"
    if "book" not in _BOOK:
        prepared_book(new_book(book))
        for command, name in (("machines", "machines_control.csv"), ("tracks", "mof_control_big5.csv"),
                              ("invoices", "reg_control_big5.csv"), ("status", "status_control.csv")):
            assert cli(command, "import", corpus.FILES / name, "--book", book).code == 0
        _BOOK["book"] = book.read_bytes()
    book.write_bytes(_BOOK["book"])
    return book


# (command, the result sheet it writes or None, does it write output files)
STEPS = [
    (["tracks", "allocate"], "配號設定", False),
    (["check-upload", "--period", PERIOD], "漏上傳檢核", False),
    (["gaps", "--period", PERIOD], "跳號作廢", False),
    (["gaps", "--period", PERIOD, "--void", "--force", "測試：確認從未開立"], "跳號作廢", False),
    (["e0402", "--period", PERIOD, "--out", "{out}", "--force", "測試"], "E0402", True),
    (["tracks", "e0401", "--out", "{out}"], None, False),
    (["export", "--xlsx", "{out}/審閱.xlsx"], None, True),
    (["calendar", "--today", "2025-03-03"], "行事曆", False),
    (["forecast"], "配號設定", False),
]


def test_steps_never_touch_input_sheets_reruns_are_idempotent_and_every_run_is_logged(tmp_path: Path) -> None:
    book = full_book(tmp_path)
    out = tmp_path / "out"
    inputs = sheet_parts(book, *INPUT_SHEETS)
    log_rows = len(read_table(book, "執行紀錄"))  # type: ignore[arg-type]
    for argv, sheet, writes in STEPS:
        args = [a.replace("{out}", str(out)) for a in argv]
        results, files = [], []
        for _ in range(2):
            before = parts(book)
            run = cli(*args, "--book", book)
            assert run.code in (0, 1), run.text
            assert_clean_message(run)
            assert not changed_parts(before, parts(book)) & inputs, f"{args[0]} changed an input sheet"
            log = read_table(book, "執行紀錄")
            log_rows += 1
            assert len(log) == log_rows  # type: ignore[arg-type]
            if sheet is not None:
                table = read_table(book, sheet).drop(columns=["異動"], errors="ignore")  # type: ignore[attr-defined]
                results.append(table)
            written = sorted(p for p in out.rglob("*") if p.is_file()) if out.exists() else []
            files.append({p.name: sha256(p) for p in written if p.name != "審閱.xlsx"})  # the review shows its time
            if writes:
                logged = str(log["sha256"].iloc[-1])  # type: ignore[index]
                on_disk = [sha256(p) for p in written if p.name in str(log["輸出檔案"].iloc[-1])]  # type: ignore[index]
                assert on_disk and all(d in logged for d in on_disk)
        if sheet is not None:
            assert results[0].equals(results[1]), f"{args[0]}: the second run gave another {sheet}"
        assert files[0] == files[1], f"{args[0]}: the second run wrote other files"


@pytest.mark.parametrize("kind", ["register", "status", "tracks"])
def test_importing_the_same_file_twice_gives_the_same_sheet(kind: str, tmp_path: Path) -> None:
    book = full_book(tmp_path)
    command, name, sheet = {"register": ("invoices", "reg_formulas_and_errors.xlsx", "發票資料"),
                            "status": ("status", "status_unknown_words.csv", "平台狀況"),
                            "tracks": ("tracks", "mof_fullwidth.csv", "字軌配號")}[kind]
    tables = []
    for _ in range(2):
        run = cli(command, "import", corpus.FILES / name, "--book", book)
        assert run.code in (0, 1)
        table = read_table(book, sheet).drop(columns=["匯入時間"], errors="ignore")  # type: ignore[attr-defined]
        tables.append(table)
    assert tables[0].equals(tables[1])
