"""The 漏上傳檢核 buttons in (fake) Excel: pasted register, 下載平台發票狀況 dialogs, 查詢 and its message boxes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_xlwings import FakeBook, layout_book
from upload_data import COLUMNS, EXPECTED, ROWS, write_csv, write_status_csv

import invoicetools.excel as excel
from invoicetools.actions.base import Context
from invoicetools.actions.host import Host
from invoicetools.actions.upload_check import CLEAN_MESSAGE, PREREQUISITE_MESSAGE
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import write_settings
from invoicetools.book.xlwings_io import XlwingsBook
from invoicetools.excel import _entry
from invoicetools.excel import upload as buttons


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBook:
    book = layout_book("InvoiceTools.xlsm", fullname=str(tmp_path / "InvoiceTools.xlsm"))
    write_settings(XlwingsBook(book), {"統一編號": "04595257", "申報年月": "11302"})
    book.app.log.clear()
    monkeypatch.setattr(_entry, "_caller", lambda: book)
    return book


def test_every_button_has_its_function() -> None:
    for name in ("漏上傳檢核", "發票資料", "平台狀況"):
        for button in layout.sheet(name).buttons:
            assert callable(getattr(excel, layout.action(button.action).function))
    assert set(buttons.__all__) == {"invoices_import", "status_download", "check_upload"}
    assert layout.action("check_upload").python_command == "import invoicetools.excel as x; x.check_upload()"


def test_buttons_end_to_end_with_a_pasted_register(fake: FakeBook, tmp_path: Path) -> None:
    ws = fake.sheets["發票資料"]
    ws.range("A4:N4").clear_contents()
    ws.type_in("A4", [COLUMNS])
    ws.range("B5:H20").number_format = "@"
    ws.type_in("A5", [[v if v != "" else None for v in row] for row in ROWS])
    # 查詢 before any download: refused in a critical box with the ERP's words
    excel.check_upload()
    alert = fake.app.alerts[-1]
    assert alert["mode"] == "critical" and PREREQUISITE_MESSAGE in alert["prompt"]
    # 下載平台發票狀況: no provider in 設定 → the file dialog (many files allowed)
    fake.app.api.file_answers.append((str(write_status_csv(tmp_path / "狀況.csv")),))
    excel.status_download()
    call = next(c for c in fake.app.api.calls if c[0] == "GetOpenFilename")
    assert call[4] is True and "SummaryResult" in call[1]
    assert fake.app.alerts[-1]["mode"] == "info" and "10 筆平台發票狀況" in fake.app.alerts[-1]["prompt"]
    # 查詢: the parameters typed on the sheet
    check = fake.sheets["漏上傳檢核"]
    check.type_in("B4", [["113 01~02"]])
    excel.check_upload()
    alert = fake.app.alerts[-1]
    assert alert["mode"] == "critical" and "共 6 筆" in alert["prompt"]  # findings to act on: warning icon
    rows = XlwingsBook(fake).read_table(layout.table("漏上傳檢核"))
    assert sorted(zip(rows["問題"], rows["發票號碼"], strict=True)) == EXPECTED
    assert XlwingsBook(fake).read_params(layout.sheet("漏上傳檢核"))["period"] == "11302"
    # the register pasted on the sheet is never modified by the step
    assert XlwingsBook(fake).read_table(layout.table("發票資料"))["發票號碼"].tolist()[4] == "ＡＢ１２３４５００４"


def test_status_download_cancel_and_folder(fake: FakeBook, tmp_path: Path) -> None:
    excel.status_download()  # file dialog cancelled, folder dialog cancelled
    assert "已取消" in fake.app.alerts[-1]["prompt"]
    folder = tmp_path / "Unpack"
    folder.mkdir()
    syn = Path(__file__).resolve().parents[1] / "mig" / "data" / "synthetic" / "SummaryResult_4.1_SYNTHETIC.xml"
    (folder / "a.SummaryResult").write_bytes(syn.read_bytes())
    fake.app.api.folder_answers.append(str(folder))
    excel.status_download()
    assert "4 筆平台發票狀況" in fake.app.alerts[-1]["prompt"]


def test_status_download_asks_before_using_the_provider(book: MemoryBook, tmp_path: Path) -> None:
    write_settings(book, {"加值中心": "ecpay"})
    asked: list[str] = []
    chosen = [write_status_csv(tmp_path / "s.csv")]
    ctx = Context(host=Host(confirm=lambda prompt: asked.append(prompt) or False, choose_files=lambda title, kinds, many: chosen), io=book)
    result = buttons._status_download(ctx)
    assert "ecpay" in asked[0] and result.exit_code == 0 and len(book.tables["tblPlatform"]) == 10


def test_invoices_import_button(book: MemoryBook, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "erp.csv")
    result = buttons._invoices_import(Context(host=Host(choose_files=lambda title, kinds, many: [path]), io=book))
    assert result.counts["發票"] == 13
    assert buttons._invoices_import(Context(io=book)).message == "未選擇檔案，已取消。"


def test_clean_check_in_excel(fake: FakeBook, tmp_path: Path) -> None:
    ws = fake.sheets["發票資料"]
    ws.type_in("B5", [["AB12345000"]])
    ws.type_in("C5", [["2024/01/05"]])
    status = tmp_path / "s.csv"
    status.write_text("發票號碼,狀態\nAB12345000,已確認\n", encoding="utf-8")
    fake.app.api.file_answers.append((str(status),))
    excel.status_download()
    excel.check_upload()
    alert = fake.app.alerts[-1]
    assert alert["mode"] == "info" and alert["prompt"].startswith(CLEAN_MESSAGE)
    status_cell = fake.sheets["漏上傳檢核"].range(layout.sheet("漏上傳檢核").status_cell).value
    assert str(status_cell).startswith(CLEAN_MESSAGE)
