"""Review export: the values-only .xlsx, the PDF (LibreOffice), the CLI, the run log, no secrets."""

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import stat
import subprocess
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from invoicetools.actions.base import Context
from invoicetools.actions.export import (
    NO_ROWS,
    PDF_MAX_ROWS,
    SOFFICE_ENV,
    export_review,
    render_pdf_libreoffice,
)
from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import write_settings
from invoicetools.book.tables import read_typed
from invoicetools.cli import main
from invoicetools.domain.errors import InputError
from invoicetools.sources import credentials
from keyring_memory import installed_memory_keyring

NOW = datetime.datetime(2025, 3, 3, 9, 5, 42)
SECRET = "ejCk326UnaZWKisg"
INJECTIONS = ["=HYPERLINK(\"http://evil\",\"x\")", "+886-2-1234", "-1+2", "@SUM(A1)", "\t=1+1", "\r=1"]
HAS_LIBREOFFICE = shutil.which("soffice") is not None and shutil.which("pdftotext") is not None
libreoffice = pytest.mark.skipif(not HAS_LIBREOFFICE, reason="soffice and pdftotext are needed")


def _upload_rows() -> pd.DataFrame:
    n = len(INJECTIONS) + 1
    return pd.DataFrame({
        "序號": list(range(1, n + 1)),
        "帳別": ["001"] * n,
        "資料申報年月": ["11402"] * n,
        "發票日期": [datetime.datetime(2025, 1, 5)] * n,
        "發票號碼": [f"AB{i:08d}" for i in range(n)],
        "客戶編號": ["00123", *INJECTIONS],
        "客戶名稱": ["甲股份有限公司"] * n,
        "銷售人統編": ["04595257"] * n,
        "列印註記": ["Y"] * n,
        "轉檔日": [datetime.datetime(2025, 1, 6)] * n,
        "問題": ["未上傳"] * n,
        "期限": [datetime.datetime(2025, 1, 7, 13, 30)] * n,
        "說明": ["應於 48 小時內上傳"] * n,
    })


def _gap_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "序號": [1], "帳別": ["001"], "機台號": ["01"], "發票字軌": ["AB"], "起號": ["00000100"],
        "迄號": ["00000149"], "張數": [50], "類型": ["跳號"], "處理": ["待確認"], "原因": ["從未開立"],
        "申報年月": ["11402"],
    })


def _fill(io: FileBook | MemoryBook) -> None:
    write_settings(io, {"統一編號": "04595257", "申報年月": "11402", "公司名稱": "測試&股份有限公司",
                        "製表人": "王小明", "加值中心": "ecpay"})
    io.write_table(layout.table("漏上傳檢核"), _upload_rows())
    io.write_table(layout.table("跳號作廢"), _gap_rows())
    io.write_params(layout.sheet("漏上傳檢核"), {"account": "001", "period": "11402"})
    io.commit()


@pytest.fixture
def review_book(template_book: Path) -> Path:
    book = FileBook(template_book)
    _fill(book)
    return template_book


def _ctx(io: FileBook | MemoryBook) -> Context:
    return Context(io=io, now=lambda: NOW, user="王小明")


# --- the values-only xlsx --------------------------------------------------------------------
def test_xlsx_has_header_block_table_and_no_formulas(review_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "審閱.xlsx"
    result = export_review(_ctx(FileBook(review_book)), xlsx=out, sheets=["漏上傳檢核", "跳號作廢"])
    assert result.exit_code == 0 and result.outputs[0].path == out
    assert "vbaProject.bin" not in "".join(zipfile.ZipFile(out).namelist())
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["漏上傳檢核", "跳號作廢"]
    ws = wb["漏上傳檢核"]
    block = [ws.cell(r, 1).value for r in range(1, 7)]
    assert block == [
        "發票資料漏上傳檢核",
        "公司名稱：測試&股份有限公司　統一編號：04595257",
        "申報年月：11402（114/01 ~ 114/02）",
        "製表人：王小明",
        "匯出時間：2025/03/03 09:05",
        "條件：帳別 001；資料申報年月 11402",
    ]
    head = 8
    assert [c.value for c in ws[head]] == list(layout.table("漏上傳檢核").headers)
    assert ws.freeze_panes == f"A{head + 1}"
    assert ws.auto_filter.ref == f"A{head}:M{head + 1 + len(INJECTIONS)}"
    assert ws.print_title_rows == f"${head}:${head}"
    assert ws.page_setup.orientation == "landscape"
    # printed at 100 %, never shrunk to fit (it made the E0402 page ~6 pt): the columns fit the page instead
    assert 80 <= (ws.page_setup.scale or 100) <= 100 and not ws.sheet_properties.pageSetUpPr.fitToPage
    assert "第 &P / &N 頁" in ws.oddFooter.center.text
    assert "&&" in ws.oddHeader.left.text  # the & in the company name is escaped
    first = head + 1
    assert ws.cell(first, 6).value == "00123" and ws.cell(first, 6).number_format == "@"
    assert ws.cell(first, 4).value == datetime.datetime(2025, 1, 5) and ws.cell(first, 4).number_format == "yyyy/mm/dd"
    assert ws.cell(first, 12).value == datetime.datetime(2025, 1, 7, 13, 30)
    assert ws.cell(first, 1).value == 1 and ws.cell(first, 1).data_type == "n"
    injected = [ws.cell(first + 1 + i, 6) for i in range(len(INJECTIONS))]
    assert [c.value for c in injected] == [x.strip() for x in INJECTIONS]  # IDs are trimmed when typed
    assert all(c.data_type == "s" and c.quotePrefix for c in injected)
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row)
    gaps = wb["跳號作廢"]
    assert gaps.cell(head + 1, 5).value == "00000100"


def test_tab_and_cr_led_text_stays_text(tmp_path: Path) -> None:
    book = MemoryBook.new()
    frame = pd.DataFrame({"發票號碼": ["AB00000001", "AB00000002"], "發票日期": ["2025/01/05", "2025/01/06"],
                          "備註": ["\t=1+1", "\r@x"]})
    book.write_table(layout.table("發票資料"), frame)
    out = tmp_path / "t.xlsx"
    export_review(_ctx(book), xlsx=out, sheets=["發票資料"])
    ws = openpyxl.load_workbook(out)["發票資料"]
    # (XlsxWriter stores a CR as Excel's escape _x000D_, which openpyxl leaves as is)
    cells = [c for row in ws.iter_rows() for c in row if c.value in ("\t=1+1", "\r@x", "_x000D_@x")]
    assert len(cells) == 2 and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert ws.cell(8, 15).value == "備註"  # a column the layout does not know is exported after the known ones


def test_empty_sheet_says_no_rows(template_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "e.xlsx"
    export_review(_ctx(FileBook(template_book)), xlsx=out, sheets=["E0402"])
    ws = openpyxl.load_workbook(out)["E0402"]
    assert ws.cell(6, 1).value == "條件：（無）" and ws.cell(7, 1).value is None
    values = [c.value for row in ws.iter_rows() for c in row]
    assert NO_ROWS in values
    assert "公司名稱：（未設定）　統一編號：（未設定）" in values


def test_export_is_recorded_in_the_run_log_with_sha256(review_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    export_review(_ctx(FileBook(review_book)), xlsx=out)
    log, _ = read_typed(FileBook(review_book), layout.table("執行紀錄"))
    row = log.iloc[-1]
    assert row["步驟"] == "審閱匯出" and row["輸出檔案"] == str(out)
    assert row["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert "sheets=配號設定,漏上傳檢核,跳號作廢,E0402" in row["參數"]


def test_values_that_could_not_be_typed_are_exported_as_found(tmp_path: Path) -> None:
    book = MemoryBook.new()
    frame = _gap_rows()
    frame["張數"] = ["五十"]
    book.write_table(layout.table("跳號作廢"), frame)
    out = tmp_path / "x.xlsx"
    export_review(_ctx(book), xlsx=out, sheets=["跳號作廢"])
    ws = openpyxl.load_workbook(out)["跳號作廢"]
    assert "五十" in [c.value for row in ws.iter_rows() for c in row]


def test_bad_arguments_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    book = MemoryBook.new()
    with pytest.raises(InputError, match="可匯出的工作表"):
        export_review(_ctx(book), xlsx=tmp_path / "a.xlsx", sheets=["不存在"])
    with pytest.raises(InputError, match=r"副檔名應為 \.pdf"):
        export_review(_ctx(book), pdf=tmp_path / "a.xlsx")
    with pytest.raises(InputError, match="請指定"):
        export_review(_ctx(book))
    assert list(tmp_path.iterdir()) == []
    assert book.read_table(layout.table("執行紀錄")).empty


def test_pdf_too_long_is_refused(tmp_path: Path) -> None:
    book = MemoryBook.new()
    frame = pd.concat([_gap_rows()] * (PDF_MAX_ROWS + 1), ignore_index=True)
    book.write_table(layout.table("跳號作廢"), frame)
    with pytest.raises(InputError, match="超過 PDF 上限"):
        export_review(_ctx(book), pdf=tmp_path / "a.pdf", sheets=["跳號作廢"], pdf_renderer=lambda b: b"%PDF")


def test_outputs_are_all_or_nothing(tmp_path: Path) -> None:
    book = MemoryBook.new()

    def broken(data: bytes) -> bytes:
        raise InputError("LibreOffice 無法產生 PDF")

    with pytest.raises(InputError):
        export_review(_ctx(book), pdf=tmp_path / "a.pdf", xlsx=tmp_path / "a.xlsx", pdf_renderer=broken)
    assert list(tmp_path.iterdir()) == []


def test_no_secret_in_exports_or_the_log(review_book: Path, tmp_path: Path) -> None:
    with installed_memory_keyring() as ring:
        credentials.save(credentials.Credentials("ecpay", "04595257", merchant_id="2000132",
                                                 hash_key=SECRET, hash_iv="v" * 16))
        assert ring.entries
        out = tmp_path / "s.xlsx"
        export_review(_ctx(FileBook(review_book)), xlsx=out, sheets=list(_all_sheets()),
                      pdf=tmp_path / "s.pdf", pdf_renderer=lambda b: b"%PDF-1.7 " + b[:10])
    for path in (out, review_book):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                assert SECRET.encode() not in z.read(name), name
    assert SECRET.encode() not in (tmp_path / "s.pdf").read_bytes()


def _all_sheets() -> tuple[str, ...]:
    from invoicetools.actions.export import exportable_sheets

    return exportable_sheets()


# --- the CLI ---------------------------------------------------------------------------------
def test_cli_xlsx_only_and_json(review_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "a.xlsx"
    code = main(["export", "--book", str(review_book), "--xlsx", str(out), "--sheets", "跳號作廢、漏上傳檢核", "--json"])
    assert code == 0
    import json

    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"檔案": str(out), "sha256": hashlib.sha256(out.read_bytes()).hexdigest()}]
    assert openpyxl.load_workbook(out).sheetnames == ["跳號作廢", "漏上傳檢核"]


def test_cli_bad_sheet_exits_2(review_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["export", "--book", str(review_book), "--xlsx", str(tmp_path / "a.xlsx"), "--sheets", "xlwings.conf"])
    assert code == 2
    err = capsys.readouterr().err
    assert "無法匯出的工作表「xlwings.conf」" in err and "漏上傳檢核" in err


def test_cli_without_libreoffice_says_how_to_install(review_book: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(SOFFICE_ENV, str(tmp_path / "no-such-soffice"))
    code = main(["export", "--book", str(review_book), "--pdf", str(tmp_path / "a.pdf")])
    assert code == 2
    err = capsys.readouterr().err
    assert "找不到 LibreOffice" in err and "apt-get install libreoffice-calc-nogui fonts-noto-cjk" in err
    assert "libreoffice.org" in err
    assert not (tmp_path / "a.pdf").exists()


@pytest.mark.skipif(os.name == "nt", reason="a POSIX shell script stands in for soffice")
def test_libreoffice_timeout_stops_it(tmp_path: Path) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30 &\nwait\n", encoding="ascii")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    started = time.monotonic()
    with pytest.raises(InputError, match="秒內沒有完成"):
        render_pdf_libreoffice(b"xlsx", soffice=fake, timeout=1)
    assert time.monotonic() - started < 10
    leftover = subprocess.run(["pgrep", "-f", str(fake)], capture_output=True, text=True).stdout.strip()
    assert leftover == ""


@pytest.mark.skipif(os.name == "nt", reason="a POSIX shell script stands in for soffice")
def test_libreoffice_failure_is_a_zh_tw_error(tmp_path: Path) -> None:
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n", encoding="ascii")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(InputError, match="LibreOffice 無法產生 PDF（Error: source file could not be loaded）"):
        render_pdf_libreoffice(b"xlsx", soffice=fake, timeout=10)


# --- the PDF ---------------------------------------------------------------------------------
@pytest.mark.libreoffice
@libreoffice
def test_pdf_has_chinese_headers_and_data_one_section_per_sheet(review_book: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "審閱.pdf"
    code = main(["export", "--book", str(review_book), "--pdf", str(pdf), "--sheets", "漏上傳檢核,跳號作廢"])
    assert code == 0, capsys.readouterr().err
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True,
                           text=True).stdout.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) == 2  # one page run per sheet (both fit on a page)
    first, second = pages
    for text in ("發票資料漏上傳檢核", "公司名稱：測試&股份有限公司", "統一編號：04595257", "申報年月：11402",
                 "製表人：王小明", "發票號碼", "客戶編號", "銷售人統編", "AB00000000", "00123", "未上傳",
                 "2025/01/05", "第1 / 2 頁"):
        assert text.replace(" ", "") in first.replace(" ", ""), text
    assert "=HYPERLINK" in first  # shown as text, not evaluated
    for text in ("異常跳號整批作廢", "起號", "00000100", "00000149", "跳號", "第2 / 2 頁"):
        assert text.replace(" ", "") in second.replace(" ", ""), text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    if shutil.which("fc-list") and "Noto Sans CJK" in subprocess.run(["fc-list"], capture_output=True, text=True).stdout:
        assert "NotoSansCJK" in fonts  # the Chinese text is drawn with a CJK font, not boxes


@pytest.mark.libreoffice
@libreoffice
def test_cli_default_names_next_to_the_book(review_book: Path) -> None:
    code = main(["export", "--book", str(review_book), "--sheets", "跳號作廢"])
    assert code == 0
    made = sorted(p.name for p in review_book.parent.iterdir() if "審閱" in p.name)
    assert len(made) == 2
    assert all(n.startswith("04595257_11402_審閱_") for n in made)
    assert {Path(n).suffix for n in made} == {".pdf", ".xlsx"}
