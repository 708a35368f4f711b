"""機台配號設定 import: findings with rows, nothing written on errors, per-period rows allowed."""

from __future__ import annotations

from pathlib import Path

from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.cli import main


def test_bad_rows_are_findings_and_nothing_is_written(template_book: Path, tmp_path: Path) -> None:
    src = tmp_path / "m.csv"
    src.write_bytes("帳別,機台號,組數(50張一組)\nA,001,3\nA,001,2\n,002,x\n".encode("cp950"))
    assert main(["machines", "import", str(src), "--book", str(template_book), "-q"]) == 2
    book = FileBook(template_book)
    assert book.read_table(layout.table("機台配號設定")).empty
    found = book.read_table(layout.table("檢核訊息"))
    assert set(found["代碼"]) == {"machine_duplicate", "machine_missing", "bad_number", "machine_count"}
    assert {str(r) for r in found["列"]} >= {"3", "4"}


def test_same_machine_in_two_periods_is_allowed(template_book: Path, tmp_path: Path) -> None:
    src = tmp_path / "m.csv"
    src.write_text("帳別,機台號,組數,所屬年月\nA,001,3,\nA,001,5,11404\n", encoding="utf-8-sig")
    assert main(["machines", "import", str(src), "--book", str(template_book), "-q"]) == 0
    rows = FileBook(template_book).read_table(layout.table("機台配號設定"))
    assert rows["組數"].tolist() == ["3", "5"]
