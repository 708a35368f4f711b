"""An H/M/D line file given as the register: the M lines are the invoices, D lines never are (nor 重號).

Shape: the platform's pipe-separated invoice file with its field definitions first
(``表頭=M|載具名稱|載具號碼|發票日期|商店統編|商店店名|發票號碼|總金額|發票狀態|`` and
``明細=D|發票號碼|小計|品項名稱|``), one M line per invoice followed by its D lines, CRLF, a
trailing ``|`` on every line, an item name that runs over several lines – as public parsers of
the platform's CSV (e.g. the vitest fixtures of a Taiwanese bookkeeping app found by the search
tool) read it. A batch file of H/M/D records without definitions is refused.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from invoicetools.actions.base import Context
from invoicetools.actions.invoices import import_invoices
from invoicetools.book.memory import MemoryBook
from invoicetools.domain.errors import ExitCode, Severity

DEFINITIONS = ["表頭=M|載具名稱|載具號碼|發票日期|商店統編|商店店名|發票號碼|總金額|發票狀態|",
               "明細=D|發票號碼|小計|品項名稱|"]
LINES = [
    "M|手機條碼|/5Z9M.KQ|20240105|04595257|範例商行|AB12345000|161|開立|",
    "D|AB12345000|165|９２無鉛汽油|",
    "D|AB12345000|-4|92無鉛汽油折抵額|",
    "M|手機條碼|/5Z9M.KQ|20240106|04595257|範例商行|AB12345001|100|開立|",
    "D|AB12345001|100|進場時間:2024/01/06 17:25:22",
    "繳費時間:2024/01/06 22:25:06",
    "停車費|",
    "M|手機條碼|/5Z9M.KQ|20240107|04595257|範例商行|AB12345002|30|作廢|",
    "D|AB12345002|30|咖啡|",
]


def write(path: Path, lines: list[str], encoding: str = "utf-8-sig") -> Path:
    path.write_bytes("\r\n".join(lines).encode(encoding) + b"\r\n")
    return path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp950"])
def test_m_lines_are_the_invoices(tmp_path: Path, ctx: Context, book: MemoryBook, encoding: str) -> None:
    result = import_invoices(ctx, write(tmp_path / "發票明細.csv", DEFINITIONS + LINES, encoding))
    sheet = book.tables["tblInvoices"]
    assert sheet["發票號碼"].tolist() == ["AB12345000", "AB12345001", "AB12345002"]
    assert [d.date() for d in sheet["發票日期"]] == [datetime.date(2024, 1, 5), datetime.date(2024, 1, 6),
                                                    datetime.date(2024, 1, 7)]
    assert sheet["狀態"].tolist() == ["開立", "開立", "作廢"]
    assert sheet["商店店名"].tolist() == ["範例商行"] * 3  # the other fields are kept as extra columns
    assert result.counts["發票"] == 3 and result.counts["重號"] == 0 and result.counts["作廢"] == 1
    assert [(f.code, f.message, f.severity) for f in result.findings] == [
        ("line_records_skipped", "略過 4 列 D（品項明細），只讀 M 列（每張發票一列）", Severity.INFO)]
    assert result.exit_code == ExitCode.OK


def test_h_lines_are_counted_too(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    lines = [*DEFINITIONS, "H|04595257|範例商行|11302|", *LINES[:3]]
    result = import_invoices(ctx, write(tmp_path / "batch.txt", lines))
    assert book.tables["tblInvoices"]["發票號碼"].tolist() == ["AB12345000"]
    assert result.findings[0].message == "略過 2 列 D（品項明細）、1 列 H（檔頭），只讀 M 列（每張發票一列）"


def test_without_field_definitions_it_is_refused(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    result = import_invoices(ctx, write(tmp_path / "批次上傳.csv", ["H|04595257|11302|", *LINES]))
    assert result.exit_code == ExitCode.BAD_INPUT
    (finding,) = result.findings
    assert (finding.where.file, finding.where.row) == ("批次上傳.csv", 2)  # the first M line
    assert "沒有 M 列的欄位定義" in finding.message and "每張發票一列" in finding.message
    assert "tblInvoices" not in book.tables or book.tables["tblInvoices"].empty  # nothing imported


def test_a_line_of_another_type_is_an_error_with_its_line(tmp_path: Path, ctx: Context) -> None:
    lines = [*DEFINITIONS, LINES[0], "X|不認識的列|", LINES[3]]
    result = import_invoices(ctx, write(tmp_path / "發票明細.csv", lines))
    assert result.exit_code == ExitCode.BAD_INPUT
    assert result.findings[0].where.row == 4 and "不是 H、M 或 D" in result.findings[0].message


def test_an_ordinary_register_is_not_taken_for_a_line_file(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    """帳別 M and D in the first column of a register with a header row: read as a table."""
    path = tmp_path / "ERP.csv"
    path.write_text("帳別,發票號碼,發票日期,狀態\r\nM,AB12345000,2024/01/05,開立\r\nD,AB12345001,2024/01/05,開立\r\n",
                    encoding="cp950")
    result = import_invoices(ctx, path)
    assert book.tables["tblInvoices"]["帳別"].tolist() == ["M", "D"] and result.counts["發票"] == 2
