"""XlwingsBook and the Excel Context, against the in-repo fake of the xlwings slice they use."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from fake_xlwings import MAX_ROWS, FakeApp, FakeBook, Formula, layout_book

from invoicetools.actions.base import ActionResult, Context
from invoicetools.book import layout
from invoicetools.book.tables import read_typed
from invoicetools.book.xlwings_io import XlwingsBook, from_cell, to_cell
from invoicetools.domain.errors import InputError
from invoicetools.excel._entry import excel_context
from invoicetools.excel.host import busy, workbook_folder

INVOICES = layout.table("發票資料")
GAPS = layout.table("跳號作廢")
UPLOAD = layout.sheet("漏上傳檢核")


def _writes(book: FakeBook, sheet: str) -> list[tuple[object, ...]]:
    return [e for e in book.app.log if e[0] == "write" and e[1] == sheet]


def _gaps_frame(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "序號": range(1, n + 1),
        "帳別": ["001"] * n,
        "機台號": [f"{i % 100:02d}" for i in range(n)],
        "發票字軌": ["AB"] * n,
        "起號": [f"{i * 50:08d}" for i in range(n)],
        "迄號": [f"{i * 50 + 49:08d}" for i in range(n)],
        "張數": [50] * n,
        "類型": ["跳號"] * n,
        "處理": ["待確認"] * n,
        "原因": [None] * n,
        "申報年月": ["11402"] * n,
    })


# --- reading ---------------------------------------------------------------------------------
def test_read_input_table_finds_header_of_pasted_data() -> None:
    book = layout_book()
    ws = book.sheets["發票資料"]
    # The accountant cleared the sheet and pasted an ERP export with its own title and
    # header rows: another order, aliases, a column the layout does not know.
    ws.range("A4:N4").clear_contents()
    ws.type_in("A7", [["ERP 匯出 2025/03/01"]])
    ws.range("A8:F8").number_format = "@"
    ws.range("B9:B12").number_format = "General"  # pasting brings the source's formats
    ws.range("C9:C11").number_format = "yyyy/mm/dd"
    ws.range("E9:E11").number_format = "$#,##0.00"
    ws.type_in("A8", [["發票號碼", "客戶代號", "開立日期", "部門", "總額", "狀態"]])
    ws.type_in("A9", [
        ["AB00000001", "'00123", datetime.datetime(2025, 1, 5), "'007", Decimal("1050"), "開立"],
        ["AB00000002", "456", datetime.datetime(2025, 1, 6, 13, 30), "8", Decimal("99.5"), "作廢"],
        [None, None, None, None, None, None],
        ["AB00000004", None, "2025/01/07", None, 12, "開立"],
    ])
    frame = io_read(book, INVOICES)
    assert list(frame.index) == [9, 10, 12]  # Excel row numbers; the empty row is dropped
    assert frame.at[9, "客戶編號"] == "00123"  # text cell: leading zeros kept
    assert frame.at[10, "客戶編號"] == 456  # typed into a General cell: Excel made it a number
    assert frame.at[9, "部門"] == "007"  # a column the layout does not know is kept (input sheet)
    assert frame.at[9, "發票日期"] == datetime.datetime(2025, 1, 5)
    assert frame.at[12, "發票日期"] == datetime.datetime(2025, 1, 7)  # Excel took the typed text as a date
    assert frame.at[9, "總計"] == 1050 and isinstance(frame.at[9, "總計"], int)  # currency cell: Decimal → int
    assert frame.at[10, "總計"] == 99.5 and isinstance(frame.at[10, "總計"], float)
    assert frame.at[12, "客戶編號"] is None
    book.app.log.clear()
    typed, findings = read_typed(XlwingsBook(book), INVOICES)
    assert findings == []
    assert typed["客戶編號"].tolist()[:2] == ["00123", "456"]
    assert typed.at[10, "發票日期"] == pd.Timestamp("2025-01-06")
    reads = [e for e in book.app.log if e[0] == "read" and e[1] == "發票資料"]
    assert len(reads) == 1  # one bulk read


def test_read_input_rows_pasted_below_and_beside_the_table() -> None:
    book = layout_book()
    ws = book.sheets["發票資料"]
    assert ws.tables["tblInvoices"].ref == (4, 1, 5, 14)
    ws.type_in("O4", [["部門"]])  # a column typed beside the table
    ws.type_in("B5", [["AB00000001"], ["AB00000002"], ["AB00000003"]])  # rows 6-7 below the table's range
    ws.type_in("C5", [["2025/01/05"], ["2025/01/06"], ["2025/01/07"]])
    ws.type_in("O7", [["'010"]])
    frame = io_read(book, INVOICES)
    assert list(frame.index) == [5, 6, 7]
    assert frame.at[7, "發票號碼"] == "AB00000003" and frame.at[7, "部門"] == "010"


def io_read(book: FakeBook, table: layout.Table) -> pd.DataFrame:
    return XlwingsBook(book).read_table(table)


def test_read_missing_required_header_lists_what_was_found() -> None:
    book = layout_book()
    ws = book.sheets["發票資料"]
    for c in range(1, 15):
        ws.put(4, c, None)
    ws.type_in("A4", [["號碼", "日期"], ["AB00000001", "2025/01/05"]])
    with pytest.raises(InputError, match=r"缺少必要欄位|找不到標題列"):
        io_read(book, INVOICES)


def test_read_result_table_uses_layout_header_row_and_keeps_index() -> None:
    book = layout_book()
    io = XlwingsBook(book)
    io.write_table(GAPS, _gaps_frame(3))
    frame = io.read_table(GAPS)
    assert list(frame.index) == [10, 11, 12]
    assert frame.at[10, "起號"] == "00000000" and frame.at[12, "迄號"] == "00000149"
    assert frame.at[11, "序號"] == 2 and isinstance(frame.at[11, "序號"], int)


def test_missing_sheet_or_table_is_a_zh_tw_input_error() -> None:
    book = FakeBook("其他.xlsx")
    book.sheets.add("Sheet1")
    with pytest.raises(InputError, match="沒有\\[發票資料\\]工作表"):
        io_read(book, INVOICES)
    book = layout_book()
    del book.sheets["跳號作廢"].tables._tables["tblGaps"]
    with pytest.raises(InputError, match="找不到表格 tblGaps"):
        XlwingsBook(book).write_table(GAPS, _gaps_frame(1))


def test_values_are_normalised_at_the_boundary() -> None:
    assert from_cell(5.0) == 5 and isinstance(from_cell(5.0), int)
    assert from_cell(Decimal("12.3400")) == 12.34
    assert from_cell(float("nan")) is None
    assert from_cell(datetime.datetime(1899, 12, 30, 8, 15)) == datetime.time(8, 15)
    assert from_cell(datetime.datetime(2025, 1, 5, tzinfo=datetime.UTC)) == datetime.datetime(2025, 1, 5)
    assert to_cell(pd.NA) is None and to_cell(pd.NaT) is None and to_cell(float("nan")) is None
    assert to_cell(pd.Timestamp("2025-01-05 10:00")) == datetime.datetime(2025, 1, 5, 10)
    assert to_cell(datetime.date(2025, 1, 5)) == datetime.datetime(2025, 1, 5)
    assert to_cell(datetime.time(9, 30)) == "09:30:00"
    assert to_cell(False) == "否"
    for text in ("=1+1", "+886", "-", "@SUM(A1)", "\tx", "\rx"):
        assert to_cell(text) == "'" + text


# --- writing ---------------------------------------------------------------------------------
def test_write_sets_text_formats_before_values_and_keeps_leading_zeros() -> None:
    book = layout_book()
    io = XlwingsBook(book)
    # a workbook whose ID columns lost their text format (a user pasted over them)
    book.sheets["跳號作廢"].range((10, 2), (MAX_ROWS, 6)).number_format = "General"
    book.app.log.clear()
    io.write_table(GAPS, _gaps_frame(2))
    log = [e for e in book.app.log if e[1] == "跳號作廢"]
    text_format = next(i for i, e in enumerate(log) if e[0] == "format" and e[3] == "@" and e[2].startswith("$B$10"))
    value_write = next(i for i, e in enumerate(log) if e[0] == "write" and e[2] == "$A$10")
    assert text_format < value_write
    ws = book.sheets["跳號作廢"]
    assert ws.get(10, 5) == "00000000" and ws.get(11, 2) == "001" and ws.get(10, 3) == "00"
    assert ws.get(10, 1) == 1.0 and ws.format_of(10, 1) == "#,##0"


def test_write_dates_decimals_bools_na_and_formula_text() -> None:
    book = layout_book()
    io = XlwingsBook(book)
    table = layout.table("漏上傳檢核")
    frame = pd.DataFrame({
        "序號": pd.array([1, 2], dtype="Int64"),
        "帳別": pd.array(["A", pd.NA], dtype="string"),
        "資料申報年月": ["11402", "11402"],
        "發票日期": pd.to_datetime(["2025-01-05", None]),
        "發票號碼": ["AB00000001", "AB00000002"],
        "客戶編號": ["=HYPERLINK(\"http://x\")", "00123"],
        "客戶名稱": ["@evil", "-2+3"],
        "銷售人統編": ["04595257", None],
        "列印註記": [True, False],
        "轉檔日": [datetime.date(2025, 1, 6), None],
        "問題": ["未上傳", "上傳失敗"],
        "期限": [pd.Timestamp("2025-01-07 13:30"), pd.NaT],
        "說明": [Decimal("12.50"), float("nan")],
    })
    io.write_table(table, frame)
    ws = book.sheets["漏上傳檢核"]
    assert ws.formulas() == []
    back = io.read_table(table)
    assert back.at[10, "客戶編號"] == '=HYPERLINK("http://x")' and back.at[11, "客戶編號"] == "00123"
    assert back.at[10, "客戶名稱"] == "@evil" and back.at[11, "客戶名稱"] == "-2+3"
    assert back.at[10, "發票日期"] == datetime.datetime(2025, 1, 5) and back.at[11, "發票日期"] is None
    assert back.at[10, "轉檔日"] == datetime.datetime(2025, 1, 6)
    assert back.at[10, "期限"] == datetime.datetime(2025, 1, 7, 13, 30)
    assert back.at[10, "列印註記"] == "是" and back.at[11, "列印註記"] == "否"
    assert back.at[11, "帳別"] is None and back.at[11, "說明"] is None
    assert back.at[10, "銷售人統編"] == "04595257"


def test_rewrite_replaces_rows_resizes_table_and_keeps_cells_beside() -> None:
    book = layout_book()
    io = XlwingsBook(book)
    ws = book.sheets["跳號作廢"]
    io.write_table(GAPS, _gaps_frame(5))
    assert ws.tables["tblGaps"].ref == (9, 1, 14, 11)
    ws.type_in("A20", [["貼在表格下面的舊資料"]])
    ws.type_in("M10", [["旁邊的備註"]])
    io.write_table(GAPS, _gaps_frame(2))
    assert ws.tables["tblGaps"].ref == (9, 1, 11, 11)
    assert [ws.get(r, 1) for r in (10, 11, 12, 14, 20)] == [1.0, 2.0, None, None, None]
    assert ws.get(10, 13) == "旁邊的備註"  # outside the table's columns: kept
    assert ws.get(9, 1) == "序號"  # header row kept
    assert list(io.read_table(GAPS).index) == [10, 11]


def test_zero_rows_leave_header_and_one_empty_body_row() -> None:
    book = layout_book()
    io = XlwingsBook(book)
    io.write_table(GAPS, _gaps_frame(3))
    book.app.log.clear()
    io.write_table(GAPS, _gaps_frame(0))
    ws = book.sheets["跳號作廢"]
    assert ws.tables["tblGaps"].ref == (9, 1, 10, 11)
    assert _writes(book, "跳號作廢") == []
    assert io.read_table(GAPS).empty
    assert [h for h in ws.tables["tblGaps"].header_row_range.value] == list(GAPS.headers)


def test_header_row_is_rewritten_only_when_columns_change() -> None:
    book = layout_book()
    io = XlwingsBook(book)
    io.write_table(GAPS, _gaps_frame(1))
    assert [e for e in _writes(book, "跳號作廢") if e[2] == "$A$9"] == []
    extra = _gaps_frame(1).assign(備註="x")
    io.write_table(GAPS, extra)
    ws = book.sheets["跳號作廢"]
    assert ws.get(9, 12) == "備註" and ws.tables["tblGaps"].ref == (9, 1, 10, 12)
    io.write_table(GAPS, _gaps_frame(1))  # narrower again: the extra header goes
    assert ws.get(9, 12) is None and ws.tables["tblGaps"].ref == (9, 1, 10, 11)


def test_100k_rows_one_chunked_write_and_one_chunked_read() -> None:
    book = layout_book()
    io = XlwingsBook(book)
    n = 100_000
    io.write_table(GAPS, _gaps_frame(n))
    writes = [e for e in _writes(book, "跳號作廢") if e[2] == "$A$10"]
    assert len(writes) == 1
    assert writes[0][3] == (n, 11) and writes[0][4] == 20  # 5,000-row chunks
    ws = book.sheets["跳號作廢"]
    assert ws.tables["tblGaps"].ref == (9, 1, 9 + n, 11)
    assert ws.get(9 + n, 6) == f"{(n - 1) * 50 + 49:08d}"
    book.app.log.clear()
    frame = io.read_table(GAPS)
    assert len(frame) == n and frame.index[-1] == 9 + n
    reads = [e for e in book.app.log if e[0] == "read"]
    assert len(reads) == 1 and reads[0][4] > 1


# --- parameters, status, busy ----------------------------------------------------------------
def test_params_read_and_write() -> None:
    book = layout_book()
    io = XlwingsBook(book)
    ws = book.sheets["漏上傳檢核"]
    ws.range("B4").number_format = "General"
    ws.type_in("B3", [["'007"], ["11402"], [datetime.datetime(2025, 1, 1)], ["  "]])
    params = io.read_params(UPLOAD)
    assert params == {"account": "007", "period": "11402", "date_from": datetime.datetime(2025, 1, 1), "date_to": None}
    io.write_params(UPLOAD, {"account": "001", "period": "11404", "date_to": datetime.date(2025, 4, 30)})
    assert ws.get(3, 2) == "001" and ws.get(4, 2) == "11404" and ws.format_of(4, 2) == "@"
    assert ws.get(6, 2) == datetime.datetime(2025, 4, 30)
    alloc = layout.sheet("配號設定")
    io.write_params(alloc, {"all_year": True})
    assert book.sheets["配號設定"].get(alloc.param("all_year").row, 2) == "是"
    assert io.read_params(layout.sheet("設定")) == {}


def test_set_status_and_commit() -> None:
    book = layout_book()
    io = XlwingsBook(book)
    io.set_status(UPLOAD, "恭喜您！此次無漏上傳資料！")
    assert book.sheets["漏上傳檢核"].get(UPLOAD.status_row or 0, 1) == "恭喜您！此次無漏上傳資料！"
    io.commit()  # nothing to do, must not fail
    with pytest.raises(KeyError):
        io.set_status(layout.sheet("設定"), "x")


def test_busy_restores_excel_state_even_on_error() -> None:
    book = layout_book()
    app = book.app
    app.status_bar = False
    with pytest.raises(RuntimeError), busy(book.app, "檢查：執行中…"):
        assert app.screen_updating is False and app.status_bar == "檢查：執行中…"
        assert app.calculation == "manual"
        raise RuntimeError("boom")
    assert app.screen_updating is True and app.status_bar is False and app.calculation == "automatic"


def test_folder_is_none_for_onedrive_urls(tmp_path: Path) -> None:
    local = FakeBook("a.xlsm", fullname=str(tmp_path / "a.xlsm"))
    assert workbook_folder(local) == tmp_path
    cloud = FakeBook("a.xlsm", fullname="https://d.docs.live.net/abc/a.xlsm")
    assert workbook_folder(cloud) is None


# --- the Excel context -----------------------------------------------------------------------
def test_confirm_is_a_yes_no_box() -> None:
    book = layout_book()
    book.app.alert_answers.extend(["yes", "no"])
    ctx = excel_context(book)
    assert ctx.host.confirm("確定要整批作廢 3 段跳號？") is True
    assert ctx.host.confirm("再問一次") is False
    assert book.app.alerts[0]["buttons"] == "yes_no"


def test_ask_text_and_cancel() -> None:
    book = layout_book()
    book.app.api.input_answers.extend(["2000132", False])
    ctx = excel_context(book)
    assert ctx.host.ask_text("綠界特店編號", "2000132") == "2000132"
    assert ctx.host.ask_text("再一次", "") is None
    assert book.app.api.calls[0][3] == "2000132"  # the default is offered


def test_ask_secret_never_reaches_a_cell_the_status_bar_or_a_message() -> None:
    secret = "ejCk326UnaZWKisg"
    book = layout_book()
    book.app.api.input_answers.append(secret)
    ctx = excel_context(book)
    with busy(book.app, "儲存登入資訊"):
        assert ctx.host.ask_secret("HashKey") == secret
    for ws in book.sheets:
        for vals in ws.rows.values():
            assert all(secret not in str(v) for v in vals)
    assert all(secret not in str(s) for s in book.app.status_history)
    assert all(secret not in str(entry) for entry in book.app.log)
    assert book.app.alerts == []


def test_choose_files_single_many_and_cancel() -> None:
    book = layout_book()
    api = book.app.api
    api.file_answers.extend([r"C:\data\配號.csv", (r"C:\a.xml", r"C:\b.xml"), False])
    ctx = excel_context(book)
    assert ctx.host.choose_files("選擇配號檔", "csv,xlsx", False) == [Path(r"C:\data\配號.csv")]
    assert ctx.host.choose_files("選擇 E0501", "xml", True) == [Path(r"C:\a.xml"), Path(r"C:\b.xml")]
    assert ctx.host.choose_files("選擇", "", False) == []
    assert api.calls[0][1] == "支援的檔案 (*.csv;*.xlsx),*.csv;*.xlsx,所有檔案 (*.*),*.*"
    assert api.calls[1][4] is True


def test_choose_folder() -> None:
    book = layout_book()
    book.app.api.folder_answers.extend([r"C:\EINVTurnkey", None])
    ctx = excel_context(book)
    assert ctx.host.choose_folder("選擇輸出資料夾") == Path(r"C:\EINVTurnkey")
    assert ctx.host.choose_folder("選擇輸出資料夾") is None
    assert book.app.api.calls[0] == ("FileDialog.Show", 4, "選擇輸出資料夾")


def test_progress_goes_to_the_status_bar_once_per_change() -> None:
    book = layout_book()
    ctx = excel_context(book)
    for done in range(0, 1001, 1):
        ctx.progress("寫入", done, 1000)
    ctx.progress("完成", None, None)
    shown = book.app.status_history
    assert shown[0] == "寫入 0%" and shown[-2] == "寫入 100%" and shown[-1] == "完成"
    assert len(shown) == 102


def test_excel_context_accepts_host_overrides() -> None:
    book = layout_book()
    ctx = excel_context(book, confirm=lambda prompt: "整批作廢" in prompt)
    assert isinstance(ctx, Context) and isinstance(ctx.io, XlwingsBook)
    assert ctx.host.confirm("確定要整批作廢？") is True and ctx.host.confirm("其他") is False
    assert book.app.alerts == []  # the override answered, not a message box


# --- the entry wrapper with the fake ---------------------------------------------------------
def test_run_in_excel_shows_the_result_and_errors_in_valid_boxes() -> None:
    from invoicetools.excel import run_in_excel

    book = layout_book()
    ok = run_in_excel("gaps_check", lambda ctx: ActionResult("跳號作廢", "找到 0 段跳號。"), book=book)
    assert ok is not None and book.app.alerts[-1]["mode"] == "info"
    warn = run_in_excel("gaps_check", lambda ctx: ActionResult("跳號作廢", "找到 3 段跳號。", exit_code=1), book=book)
    assert warn is not None and "找到 3 段跳號" in book.app.alerts[-1]["prompt"]

    def bad(ctx: Context) -> ActionResult:
        raise InputError("請先在[設定]填寫公司統一編號")

    assert run_in_excel("gaps_check", bad, book=book) is None
    assert "請先在[設定]填寫公司統一編號" in book.app.alerts[-1]["prompt"]
    assert book.app.screen_updating is True and book.app.status_bar is False


def test_fake_behaves_like_excel_where_it_matters() -> None:
    """The fake's own rules, so that the tests above mean something."""
    book = FakeBook()
    ws = book.sheets.add("S")
    ws.range("A1:A3").value = [["00123"], ["=1+1"], ["2025/01/05"]]
    assert ws.get(1, 1) == 123.0 and isinstance(ws.get(2, 1), Formula)
    assert ws.get(3, 1) == datetime.datetime(2025, 1, 5)
    ws.range("B1").number_format = "@"
    ws.range("B1").value = "00123"
    assert ws.get(1, 2) == "00123"
    with pytest.raises(TypeError):
        ws.range("C1").value = pd.NA
    with pytest.raises(KeyError):
        FakeApp().alert("x", mode="warning")


def test_every_button_is_found_by_a_plain_import() -> None:
    """RunPython's ``import invoicetools.excel as x; x.<function>()`` finds each button's function as a
    plain attribute of the package (no lookup by scanning modules), and the package offers nothing else."""
    import importlib

    import invoicetools.excel as x
    from invoicetools.book import layout

    fresh = importlib.reload(x)
    functions = {a.function for a in layout.ACTIONS}
    assert all(callable(vars(fresh).get(name)) for name in functions)
    assert set(fresh.__all__) == functions | {"run_in_excel"}
    assert "__getattr__" not in vars(fresh)
