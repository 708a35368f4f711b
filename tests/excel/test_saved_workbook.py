"""A button on a saved, local workbook reads the file on disk and sends only its results through COM;
an unsaved or cloud-only workbook is read through COM. Both give the same tables and messages.

The fake xlwings book stands for Excel (``fake_xlwings.py``: ``Book.api.Saved``, ``Book.fullname``);
the workbook file is a real product workbook holding what the fake holds.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fake_xlwings import FakeBook, layout_book
from gapbook import PERIOD, UBN, allocation_frame, register_frame, standard_register

import invoicetools.excel as excel
from invoicetools.book import layout, sheet_cache
from invoicetools.book.file_backend import FileBook
from invoicetools.book.saved_workbook import SavedWorkbook, saved_local_file
from invoicetools.book.settings import write_settings
from invoicetools.book.xlwings_io import XlwingsBook
from invoicetools.excel import _entry
from invoicetools.excel._entry import excel_context
from workbooks import new_book

BIG_SHEETS = ("發票資料", "平台狀況")


def _workbook_file(tmp_path: Path) -> Path:
    """A product workbook with a period's allocation, register and platform status (one upload missing, gaps)."""
    path = new_book(tmp_path / "InvoiceTools.xlsm")
    book = FileBook(path, writer=True)
    write_settings(book, {"統一編號": UBN, "申報年月": PERIOD, "帳別": "A", "其他系統開立發票": "否"})
    book.write_table(layout.table("配號設定"), allocation_frame())
    register = standard_register()
    book.write_table(layout.table("發票資料"), register_frame(register))
    book.write_table(layout.table("平台狀況"), pd.DataFrame({"發票號碼": register[1:], "狀態": "已上傳"}))
    book.write_params(layout.sheet("平台狀況"), {"downloaded_at": "2025/03/01 09:00"})
    book.commit()
    book.close()
    return path


def _excel_holding(path: Path, *, saved: bool, fullname: str | None = None) -> FakeBook:
    """A fake Excel workbook holding what the file holds (every table and parameter, typed in as Excel would)."""
    fake = layout_book(path.name, fullname=fullname or str(path))
    source, target = FileBook(path), XlwingsBook(fake)
    for sheet in layout.SHEETS:
        if sheet.table is not None:
            frame = source.read_table(sheet.table)
            if len(frame):
                target.write_table(sheet.table, frame)
        if sheet.params:
            target.write_params(sheet, {k: v for k, v in source.read_params(sheet).items() if v is not None})
    source.close()
    fake.api.Saved = saved
    fake.app.log.clear()
    return fake


def _press(fake: FakeBook, button: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.setattr(_entry, "_caller", lambda: fake)
    getattr(excel, button)()
    return fake.app.alerts[-1]


def _com_reads(fake: FakeBook) -> set[str]:
    return {e[1] for e in fake.app.log if e[0] == "read"}


@pytest.mark.parametrize("button, result", [("check_upload", "漏上傳檢核"), ("gaps_check", "跳號作廢")])
def test_saved_local_workbook_reads_the_file_and_gives_the_same_tables(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, button: str, result: str) -> None:
    monkeypatch.setattr(sheet_cache, "CACHE_MIN_ROWS", 1)  # the file path goes through the sheet cache
    path = _workbook_file(tmp_path)
    before = path.read_bytes()
    through_com = _excel_holding(path, saved=False)
    from_disk = _excel_holding(path, saved=True)
    said_com = _press(through_com, button, monkeypatch)
    said_disk = _press(from_disk, button, monkeypatch)

    assert said_disk == said_com and said_disk["mode"] == said_com["mode"]
    table = layout.table(result)
    com_rows, disk_rows = XlwingsBook(through_com).read_table(table), XlwingsBook(from_disk).read_table(table)
    assert len(com_rows) > 0
    pd.testing.assert_frame_equal(disk_rows, com_rows)
    sheet = layout.sheet(result)
    assert XlwingsBook(from_disk).read_status(sheet) == XlwingsBook(through_com).read_status(sheet)
    assert XlwingsBook(from_disk).read_params(sheet) == XlwingsBook(through_com).read_params(sheet)
    log = layout.table("執行紀錄")  # the run is logged in the open workbook either way
    assert len(XlwingsBook(from_disk).read_table(log)) == len(XlwingsBook(through_com).read_table(log)) > 0
    # the big input sheets crossed COM only on the unsaved workbook; the file was never written
    assert set(BIG_SHEETS) <= _com_reads(through_com)
    assert not set(BIG_SHEETS) & _com_reads(from_disk)
    assert path.read_bytes() == before


def test_the_file_is_read_only_when_excel_holds_it_saved_and_local(tmp_path: Path) -> None:
    path = _workbook_file(tmp_path)
    saved = _excel_holding(path, saved=True)
    assert saved_local_file(saved) == path
    context = excel_context(saved)
    assert isinstance(context.io, SavedWorkbook)
    context.io.close()
    for fake in (_excel_holding(path, saved=False),  # unsaved changes in Excel
                 _excel_holding(path, saved=True, fullname="https://d.docs.live.net/4f2a/InvoiceTools.xlsm"),  # cloud
                 _excel_holding(path, saved=True, fullname=str(tmp_path / "gone" / "InvoiceTools.xlsm"))):  # no file
        assert saved_local_file(fake) is None
        assert isinstance(excel_context(fake).io, XlwingsBook)


def test_what_a_step_writes_goes_through_excel_and_is_read_back_in_the_step(tmp_path: Path) -> None:
    path = _workbook_file(tmp_path)
    fake = _excel_holding(path, saved=True)
    io = excel_context(fake).io
    sheet = layout.sheet("漏上傳檢核")
    io.write_params(sheet, {"period": "11402"})
    io.set_status(sheet, "測試")
    assert io.read_params(sheet)["period"] == "11402" and io.read_status(sheet) == "測試"
    assert XlwingsBook(fake).read_status(sheet) == "測試"
    io.commit()
    io.close()
    assert FileBook(path).read_status(sheet) != "測試"  # the file on disk is never written
