"""The 審閱 and 設定 buttons, clicked on the fake Excel: export_pdf, export_xlsx, settings_open, diagnose."""

from __future__ import annotations

from pathlib import Path

import keyring
import openpyxl
import pandas as pd
import pytest
from fake_xlwings import FakeBook, layout_book
from keyring.backends.fail import Keyring as FailKeyring

import invoicetools.excel as excel
from invoicetools.book import layout
from invoicetools.book.settings import read_settings, write_settings
from invoicetools.book.xlwings_io import XlwingsBook
from invoicetools.excel import _entry
from keyring_memory import MemoryKeyring, installed_memory_keyring

SECRET_KEY = "ejCk326UnaZWKisg"
SECRET_IV = "q9jcZX8Ib9LM8wYk"


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBook:
    """A workbook saved in tmp_path, as if the button was pressed in it."""
    fake = layout_book("InvoiceTools.xlsm", fullname=str(tmp_path / "InvoiceTools.xlsm"))
    io = XlwingsBook(fake)
    write_settings(io, {"統一編號": "04595257", "申報年月": "11402", "公司名稱": "測試股份有限公司",
                        "製表人": "王小明", "加值中心": "ecpay"})
    io.write_table(layout.table("跳號作廢"), pd.DataFrame({
        "序號": [1], "帳別": ["001"], "機台號": ["01"], "發票字軌": ["AB"], "起號": ["00000100"],
        "迄號": ["00000149"], "張數": [50], "類型": ["跳號"], "處理": ["待確認"], "原因": [None],
        "申報年月": ["11402"]}))
    fake.app.log.clear()
    monkeypatch.setattr(_entry, "_caller", lambda: fake)
    return fake


def _exported(folder: Path, ext: str) -> list[Path]:
    return sorted(folder.glob(f"04595257_11402_審閱_*.{ext}"))


def _cells(fake: FakeBook) -> str:
    return "\n".join(str(v) for ws in fake.sheets for vals in ws.rows.values() for v in vals if v is not None)


def _log_rows(fake: FakeBook) -> pd.DataFrame:
    return XlwingsBook(fake).read_table(layout.table("執行紀錄"))


# --- 審閱 ------------------------------------------------------------------------------------
def test_export_xlsx_next_to_the_workbook(book: FakeBook, tmp_path: Path) -> None:
    excel.export_xlsx()
    alert = book.app.alerts[-1]
    assert alert["mode"] == "info", alert["prompt"]
    files = _exported(tmp_path, "xlsx")
    assert len(files) == 1 and str(files[0]) in alert["prompt"]
    wb = openpyxl.load_workbook(files[0])
    assert wb.sheetnames == ["配號設定", "漏上傳檢核", "跳號作廢", "E0402"]
    assert wb["跳號作廢"]["E9"].value == "00000100"
    log = _log_rows(book)
    assert log["步驟"].tolist()[-1] == "審閱匯出" and log["輸出檔案"].tolist()[-1] == str(files[0])
    assert book.app.screen_updating is True  # restored after the click


def test_export_pdf_prints_with_excel_the_selected_sheets(book: FakeBook, tmp_path: Path) -> None:
    book.selected = ["跳號作廢", "xlwings.conf"]
    excel.export_pdf()
    assert book.app.alerts[-1]["mode"] == "info", book.app.alerts[-1]["prompt"]
    files = _exported(tmp_path, "pdf")
    assert len(files) == 1 and files[0].read_bytes().startswith(b"%PDF")
    opened = book.app.books.opened
    assert len(opened) == 1 and opened[0].closed  # the values-only copy was opened, printed, closed
    assert book.app.pdf_exports[0][0] == "審閱.xlsx"
    assert "跳號作廢" in book.app.alerts[-1]["prompt"] and "漏上傳檢核" not in book.app.alerts[-1]["prompt"]


def test_export_goes_to_the_configured_output_folder(book: FakeBook, tmp_path: Path) -> None:
    out = tmp_path / "審閱輸出"
    write_settings(XlwingsBook(book), {"輸出資料夾": str(out)})
    excel.export_xlsx()
    assert len(_exported(out, "xlsx")) == 1 and _exported(tmp_path, "xlsx") == []


def test_onedrive_workbook_asks_for_a_folder(book: FakeBook, tmp_path: Path) -> None:
    book.fullname = "https://d.docs.live.net/abc/InvoiceTools.xlsm"
    book.app.api.folder_answers.extend([None, str(tmp_path / "chosen")])
    excel.export_xlsx()
    assert "沒有選擇資料夾" in book.app.alerts[-1]["prompt"]
    (tmp_path / "chosen").mkdir()
    excel.export_xlsx()
    assert len(_exported(tmp_path / "chosen", "xlsx")) == 1


# --- 設定: 儲存登入資訊 -------------------------------------------------------------------------
def test_settings_open_keeps_the_login_in_the_keyring_only(book: FakeBook) -> None:
    book.app.api.input_answers.extend(["2000132", SECRET_KEY, SECRET_IV, ""])
    with installed_memory_keyring() as ring:
        excel.settings_open()
        assert len(ring.entries) == 1
        blob = next(iter(ring.entries.values()))
        assert SECRET_KEY in blob and SECRET_IV in blob
    alert = book.app.alerts[-1]
    assert alert["mode"] == "info", alert["prompt"]
    assert read_settings(XlwingsBook(book)).values["登入資訊"] == "已儲存"
    seen = _cells(book) + "\n".join(a["prompt"] for a in book.app.alerts)
    seen += "\n".join(map(str, book.app.status_history)) + "\n".join(map(str, book.app.log))
    seen += "\n".join(map(str, book.app.api.calls))
    assert SECRET_KEY not in seen and SECRET_IV not in seen
    prompts = [c[1] for c in book.app.api.calls if c[0] == "InputBox"]
    assert any("HashKey" in p for p in prompts) and any("特店編號" in p for p in prompts)


def test_settings_open_cancel_changes_nothing(book: FakeBook) -> None:
    book.app.api.input_answers.extend(["2000132", False])
    with installed_memory_keyring() as ring:
        excel.settings_open()
        assert ring.entries == {}
    assert "已取消" in book.app.alerts[-1]["prompt"] and book.app.alerts[-1]["mode"] == "info"
    assert read_settings(XlwingsBook(book)).values["登入資訊"] == "未儲存"


def test_settings_open_without_a_keyring_asks_nothing(book: FakeBook) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        excel.settings_open()
    finally:
        keyring.set_keyring(previous)
    assert book.app.api.calls == []
    assert "密碼儲存區" in book.app.alerts[-1]["prompt"] and book.app.alerts[-1]["mode"] == "critical"


def test_settings_open_bad_hash_key_is_refused_and_not_stored(book: FakeBook) -> None:
    book.app.api.input_answers.extend(["2000132", "short", SECRET_IV, ""])
    with installed_memory_keyring() as ring:
        excel.settings_open()
        assert ring.entries == {}
    alert = book.app.alerts[-1]
    assert alert["mode"] == "critical" and "HashKey" in alert["prompt"] and "short" not in alert["prompt"]


# --- 設定: 診斷 ---------------------------------------------------------------------------------
def test_diagnose_shows_the_checks_and_no_secret(book: FakeBook, tmp_path: Path) -> None:
    ring = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(ring)
    try:
        from invoicetools.sources import credentials

        credentials.save(credentials.Credentials("ecpay", "04595257", merchant_id="2000132",
                                                 hash_key=SECRET_KEY, hash_iv=SECRET_IV))
        addin = tmp_path / "AddIns" / "InvoiceTools.xlam"
        addin.parent.mkdir()
        addin.write_bytes(b"not really an add-in")
        book.app.api.loaded["InvoiceTools.xlam"] = str(addin)
        excel.diagnose()
    finally:
        keyring.set_keyring(previous)
    prompt = book.app.alerts[-1]["prompt"]
    assert "[正常] Python" in prompt and "加值中心登入資訊" in prompt and "已儲存" in prompt
    assert "增益集 InvoiceTools.xlam" in prompt  # the add-in Excel has loaded is checked too
    assert "錯誤" in prompt and book.app.alerts[-1]["mode"] == "critical"  # that file has no macros
    assert SECRET_KEY not in prompt and SECRET_IV not in prompt
    assert _log_rows(book).empty  # a diagnosis writes nothing into the workbook
