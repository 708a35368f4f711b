"""Issue 15.6: the MOF file's 機台號碼, when filled, gives that range to that machine at allocation.

The file's shape: the ERP screen's 字軌配號 import (shared/reference/erp-manual.txt, the tab-
separated header 營業人統編 發票類別代號 發票類別 發票期別 發票字軌名稱 發票起號 發票迄號 機台號碼) — the
MOF platform's own invnoapply.csv has seven columns (notes/domain.md §6); the eighth is filled
by whoever prepared the file. Rows with a blank 機台號碼 are handed out as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from trackbook import make_book, table_of
from trackdata import COMPANY, MOF_HEADER, Range, mof_rows, write_csv

from invoicetools.cli import main

HEADER = (*MOF_HEADER, "機台號碼")


def _file(path: Path, machine_numbers: dict[str, str]) -> Path:
    ranges = (Range("KA", 12_340_000, 12_340_499), Range("KB", 56_780_000, 56_780_199))
    rows = [[*row, machine_numbers.get(row[4], "")] for row in mof_rows(ranges)]
    return write_csv(path, rows, header=HEADER)


def _machines(path: Path, rows: list[tuple[str, str, int]]) -> Path:
    lines = ["帳別,機台號,組數"] + [f"{a},{m},{n}" for a, m, n in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return make_book(tmp_path / "book.xlsm")


def _allocate(book: Path, tmp_path: Path, numbers: dict[str, str], machines: list[tuple[str, str, int]],
              capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    b = ["--book", str(book)]
    assert main(["tracks", "import", str(_file(tmp_path / "invnoapply.csv", numbers)), *b]) == 0
    assert main(["machines", "import", str(_machines(tmp_path / "machines.csv", machines)), *b]) == 0
    capsys.readouterr()
    code = main(["tracks", "allocate", *b])
    return code, capsys.readouterr().err


def test_a_range_the_file_gives_to_a_machine_goes_to_it(book: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # without the column, machine 001 (first in the table) would take KA first
    code, _ = _allocate(book, tmp_path, {"KB": "002"}, [("A", "001", 4), ("A", "002", 4)], capsys)
    assert code == 0
    rows = table_of(book, "配號設定")
    got = {(r["機台號"], r["發票字軌"], r["起號"], r["迄號"]) for _, r in rows.iterrows()}
    assert got == {("002", "KB", "56780000", "56780199"), ("001", "KA", "12340000", "12340199")}
    assert table_of(book, "字軌配號")["營業人統編"].tolist() == [COMPANY, COMPANY]


def test_a_machine_number_no_machine_has_is_refused(book: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _allocate(book, tmp_path, {"KB": "009"}, [("A", "001", 4), ("A", "002", 4)], capsys)
    assert code == 1 and "機台號碼 009" in err and "[機台配號設定]沒有這台機台" in err
    assert table_of(book, "配號設定").empty


def test_more_booklets_than_the_machine_asks_for_is_refused(book: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _allocate(book, tmp_path, {"KA": "001"}, [("A", "001", 4), ("A", "002", 4)], capsys)
    assert code == 1 and "（10 組）給帳別 A 機台 001，比它的組數 4 組多" in err
    assert table_of(book, "配號設定").empty


def test_two_accounts_with_the_machine_number_is_refused(book: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _allocate(book, tmp_path, {"KB": "001"}, [("A", "001", 4), ("B", "001", 4)], capsys)
    assert code == 1 and "有 2 個帳別都有機台 001" in err
