"""The 跳號作廢 [檢查]/[確定] and E0402 [轉出] buttons in (fake) Excel: parameters, dialogs, refusal with a reason."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fake_xlwings import FakeBook, layout_book
from gapbook import PERIOD, UBN, allocation_frame, register_frame, standard_register

import invoicetools.excel as excel
from invoicetools.book import layout
from invoicetools.book.settings import write_settings
from invoicetools.book.xlwings_io import XlwingsBook
from invoicetools.excel import _entry
from invoicetools.excel import e0402 as e0402_buttons
from invoicetools.excel import gaps as gaps_buttons


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBook:
    book = layout_book("InvoiceTools.xlsm", fullname=str(tmp_path / "InvoiceTools.xlsm"))
    io = XlwingsBook(book)
    write_settings(io, {"統一編號": UBN, "申報年月": PERIOD, "帳別": "A"})
    io.write_table(layout.table("配號設定"), allocation_frame())
    reg = standard_register()
    io.write_table(layout.table("發票資料"), register_frame(reg))
    io.write_table(layout.table("平台狀況"), pd.DataFrame({"發票號碼": reg, "狀態": "已上傳"}))
    io.write_params(layout.sheet("平台狀況"), {"downloaded_at": "2025/03/01 09:00"})
    book.app.log.clear()
    monkeypatch.setattr(_entry, "_caller", lambda: book)
    return book


def test_every_button_has_its_function() -> None:
    for name in ("跳號作廢", "E0402"):
        for button in layout.sheet(name).buttons:
            assert callable(getattr(excel, layout.action(button.action).function))
    assert set(gaps_buttons.__all__) == {"gaps_check", "gaps_unvoid", "gaps_void"}
    assert set(e0402_buttons.__all__) == {"e0402_export"}
    assert [b.caption for b in layout.sheet("跳號作廢").buttons] == ["檢查", "確定", "取消作廢"]
    assert [b.caption for b in layout.sheet("E0402").buttons] == ["轉出"]


def test_check_void_and_export_in_excel(fake: FakeBook, tmp_path: Path) -> None:
    excel.gaps_check()
    alert = fake.app.alerts[-1]
    assert "找到跳號 3 組、共 5 張" in alert["prompt"] and alert["mode"] != "info"
    # 確定: the dialog shows count and ranges; "no" changes nothing
    fake.app.alert_answers.extend(["no"])
    excel.gaps_void()
    assert "下列 3 組、共 5 張跳號" in fake.app.alerts[-2]["prompt"] and fake.app.alerts[-2]["buttons"] == "yes_no"
    assert "已取消" in fake.app.alerts[-1]["prompt"]
    fake.app.alert_answers.extend(["yes"])
    excel.gaps_void()
    assert "已整批作廢 3 組" in fake.app.alerts[-1]["prompt"]
    sheet = XlwingsBook(fake).read_table(layout.table("跳號作廢"))
    assert set(sheet.loc[sheet["類型"] == "跳號", "處理"]) == {"已作廢"}
    # 轉出 with the folder typed on the sheet
    out = tmp_path / "Turnkey"
    (out / "UpCast").mkdir(parents=True)
    fake.sheets["E0402"].type_in("B4", [[str(out)]])
    excel.e0402_export()
    assert "已轉出 114/01 ~ 114/02：2 個 E0402 檔" in fake.app.alerts[-1]["prompt"]
    assert len(list((out / "UpCast" / "B2PMESSAGE" / "E0402" / "SRC").iterdir())) == 2
    rows = XlwingsBook(fake).read_table(layout.table("E0402"))
    assert rows["發票字軌"].tolist() == ["KA", "KB"]


def test_refused_void_can_be_forced_with_a_typed_reason(fake: FakeBook) -> None:
    XlwingsBook(fake).write_table(layout.table("平台狀況"), pd.DataFrame(  # KA12340030 never reached the platform
        {"發票號碼": [n for n in standard_register() if n != "KA12340030"], "狀態": "已上傳"}))
    excel.gaps_void()  # no reason typed: refused, nothing voided
    assert fake.app.alerts[-1]["mode"] == "critical" and "不能整批作廢" in fake.app.alerts[-1]["prompt"]
    fake.app.api.input_answers.append("客戶已確認另案處理")
    fake.app.alert_answers.extend(["yes"])
    excel.gaps_void()
    assert "強制作廢" in fake.app.alerts[-1]["prompt"]
    log = XlwingsBook(fake).read_table(layout.table("執行紀錄"))
    assert "force=客戶已確認另案處理" in str(log["參數"].iloc[-1])


def test_export_refusal_points_at_the_gaps_sheet(fake: FakeBook, tmp_path: Path) -> None:
    fake.sheets["E0402"].type_in("B4", [[str(tmp_path)]])
    excel.e0402_export()
    assert fake.app.alerts[-1]["mode"] == "critical" and "[跳號作廢]" in fake.app.alerts[-1]["prompt"]
    assert not list(tmp_path.glob("*.xml"))
