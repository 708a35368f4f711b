"""The file backend: reads by header, writes only changed sheets, keeps everything else."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.domain.errors import InputError


def test_settings_table_reads_with_excel_rows(layout_book: Path) -> None:
    book = FileBook(layout_book)
    frame = book.read_table(layout.table("設定"))
    assert list(frame.columns[:2]) == ["項目", "設定值"]
    assert frame.loc[5, "項目"] == "統一編號"
    assert frame.loc[frame["項目"] == "MIG版本", "設定值"].iloc[0] == "4.1"


def test_write_table_roundtrip_keeps_ids_as_text(layout_book: Path) -> None:
    book = FileBook(layout_book)
    t = layout.table("跳號作廢")
    frame = pd.DataFrame(
        {"序號": [1, 2], "帳別": ["A", "B"], "機台號": ["001", "002"], "發票字軌": ["AB", "AB"],
         "起號": ["00000050", "00000100"], "迄號": ["00000051", "00000149"], "張數": [2, 50],
         "類型": ["跳號", "未使用"], "處理": ["待確認", ""], "原因": [None, None], "申報年月": ["11302", "11302"]}
    )
    book.write_table(t, frame)
    book.write_params(layout.sheet("跳號作廢"), {"period": "11302", "account": "A"})
    book.set_status(layout.sheet("跳號作廢"), "找到 1 段跳號")
    book.commit()

    again = FileBook(layout_book)
    got = again.read_table(t)
    assert got.index.tolist() == [10, 11]
    assert got.loc[10, "起號"] == "00000050"
    assert got.loc[11, "機台號"] == "002"
    assert again.read_params(layout.sheet("跳號作廢"))["period"] == "11302"

    wb = openpyxl.load_workbook(layout_book)
    ws = wb["跳號作廢"]
    assert ws["E10"].value == "00000050" and ws["E10"].number_format == "@"
    assert ws["A7"].value == "找到 1 段跳號"
    assert ws.tables["tblGaps"].ref == "A9:K11"
    assert ws["A1"].value == "異常跳號整批作廢"


def test_only_changed_sheets_are_rewritten(layout_book: Path) -> None:
    before = {i.filename: (i.CRC, i.compress_size) for i in zipfile.ZipFile(layout_book).infolist()}
    book = FileBook(layout_book)
    book.write_table(layout.table("檢核訊息"), pd.DataFrame({"步驟": ["x"], "訊息": ["m"]}))
    book.commit()
    after = {i.filename: (i.CRC, i.compress_size) for i in zipfile.ZipFile(layout_book).infolist()}
    assert before.keys() == after.keys()
    changed = {k for k in before if before[k] != after[k]}
    part = FileBook(layout_book)._package.sheet_part("檢核訊息")
    assert changed <= {part} | {p for p in before if p.startswith("xl/tables/")}
    assert part in changed


def test_dates_and_numbers(layout_book: Path) -> None:
    book = FileBook(layout_book)
    t = layout.table("漏上傳檢核")
    book.write_table(t, pd.DataFrame({
        "序號": [1], "發票日期": [datetime.date(2024, 1, 5)], "發票號碼": ["AB00000001"],
        "期限": [datetime.datetime(2024, 1, 7, 10, 30)], "問題": ["未上傳"]}).reindex(columns=list(t.headers)))
    book.commit()
    ws = openpyxl.load_workbook(layout_book)["漏上傳檢核"]
    assert ws["D10"].value == datetime.datetime(2024, 1, 5)
    assert ws["L10"].value == datetime.datetime(2024, 1, 7, 10, 30)
    assert ws["A10"].value == 1


def test_input_sheet_with_pasted_header_elsewhere(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "pasted.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    for sheet in layout.SHEETS:
        ws = wb.add_worksheet(sheet.name)
        if sheet.name == "發票資料":
            ws.write_row(1, 1, ["備註", "發票號碼", "發票日期", "帳別"])  # header at row 2, from column B
            ws.write_row(2, 1, ["x", "AB00000001", "2024-01-05", "A"])
            ws.write_row(4, 1, ["y", "AB00000002", "113/01/06", "A"])
    wb.close()
    frame = FileBook(path).read_table(layout.table("發票資料"))
    assert frame.index.tolist() == [3, 5]
    assert frame.loc[5, "發票號碼"] == "AB00000002"
    assert "備註" in frame.columns  # extra column kept


def test_missing_header_lists_found(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "bad.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    for sheet in layout.SHEETS:
        ws = wb.add_worksheet(sheet.name)
        if sheet.name == "發票資料":
            ws.write_row(0, 0, ["發票號碼", "金額"])
            ws.write_row(1, 0, ["AB00000001", 5])
    wb.close()
    with pytest.raises(InputError) as err:
        FileBook(path).read_table(layout.table("發票資料"))
    assert "發票日期" in str(err.value) and "金額" in str(err.value)


def test_refuses_when_excel_has_it_open(layout_book: Path) -> None:
    (layout_book.parent / ("~$" + layout_book.name)).write_text("lock")
    book = FileBook(layout_book)
    book.set_status(layout.sheet("跳號作廢"), "x")
    before = layout_book.read_bytes()
    with pytest.raises(InputError, match="正在 Excel"):
        book.commit()
    assert layout_book.read_bytes() == before


def test_extra_columns_grow_table(layout_book: Path) -> None:
    book = FileBook(layout_book)
    t = layout.table("發票資料")
    frame = pd.DataFrame({h: [None] for h in t.headers})
    frame["發票號碼"] = ["AB00000001"]
    frame["發票日期"] = [datetime.date(2024, 1, 5)]
    frame["自訂欄"] = ["kept"]
    book.write_table(t, frame)
    book.commit()
    wb = openpyxl.load_workbook(layout_book)
    ws = wb["發票資料"]
    tbl = ws.tables["tblInvoices"]
    assert tbl.ref == "A4:O5"
    assert [c.name for c in tbl.tableColumns][-1] == "自訂欄"
    back = FileBook(layout_book).read_table(t)
    assert back.loc[5, "自訂欄"] == "kept"


def test_fast_and_careful_cell_paths_write_the_same_xml() -> None:
    """The Arrow fast path and the per-cell path give identical rows (including awkward values)."""
    from invoicetools.book import xlsx_cells

    frame = pd.DataFrame({
        "t": ["AB00000001", "a<b&c>", "", None, "中文"],
        "n": [1, 2, None, 4, 5],
        "f": [1.5, 100.0, 0.30000000000000004, None, -2.25],
        "d": pd.to_datetime(["2024-01-05", "2024-01-05 13:45:10", None, "1999-12-31", "2030-06-30 00:00:01"], format="mixed"),
    })
    letters, styles = ["A", "B", "C", "D"], [3, None, 5, 7]
    fast = "".join(xlsx_cells.rows_xml(frame, 10, letters, styles))
    careful = []
    for i, row in enumerate(frame.itertuples(index=False)):
        values = [None if (v is None or (isinstance(v, float) and v != v) or v is pd.NaT) else v for v in row]
        values = [v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in values]
        cells = "".join(xlsx_cells.cell_xml(f"{L}{10 + i}", v, s) for L, v, s in zip(letters, values, styles, strict=True))
        careful.append(f'<row r="{10 + i}">{cells}</row>')
    assert fast == "".join(careful)


def test_awkward_text_takes_the_careful_path() -> None:
    from invoicetools.book import xlsx_cells

    frame = pd.DataFrame({"t": ["ok", " lead", "bell\x07", "_x0041_"]})
    xml = "".join(xlsx_cells.rows_xml(frame, 5, ["A"], [None]))
    assert 'xml:space="preserve"> lead' in xml and "bell_x0007_" in xml and "_x005F_x0041_" in xml


def test_big_sheet_cache_hits_only_for_unchanged_content(layout_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from invoicetools.book import grid

    monkeypatch.setenv("INVOICETOOLS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(grid, "CACHE_MIN_ROWS", 1)
    t = layout.table("發票資料")
    book = FileBook(layout_book)
    book.write_table(t, pd.DataFrame({"發票號碼": ["AB00000001"], "發票日期": ["2024-01-05"]}))
    book.commit()
    first = FileBook(layout_book).read_table(t)
    assert len(list((tmp_path / "cache").glob("*.parquet"))) >= 1
    again = FileBook(layout_book).read_table(t)
    pd.testing.assert_frame_equal(first, again, check_dtype=False)
    book = FileBook(layout_book)
    book.write_table(t, pd.DataFrame({"發票號碼": ["AB00000002"], "發票日期": ["2024-01-06"]}))
    book.commit()
    changed = FileBook(layout_book).read_table(t)
    assert changed["發票號碼"].tolist() == ["AB00000002"]


def test_cell_styles_of_the_first_data_row_carry_over(tmp_path: Path) -> None:
    """A template that formats its table cells (the blue input cells of 設定) keeps them after a write."""
    import xlsxwriter

    path = tmp_path / "styled.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    blue = wb.add_format({"bg_color": "#DDEBF7", "num_format": "@"})
    for sheet in layout.SHEETS:
        ws = wb.add_worksheet(sheet.name)
        if sheet.name == "設定":
            t = layout.table("設定")
            ws.write(0, 0, "設定")
            ws.add_table(t.header_row - 1, 0, t.header_row, 2, {"name": t.name, "columns": [{"header": h} for h in t.headers]})
            ws.write_string(t.header_row, 0, "統一編號")
            ws.write_string(t.header_row, 1, "", blue)
    wb.close()
    from invoicetools.book.settings import write_settings

    book = FileBook(path)
    write_settings(book, {"統一編號": "04595257", "公司名稱": "測試"})
    book.commit()
    ws = openpyxl.load_workbook(path)["設定"]
    assert ws["B5"].value == "04595257" and ws["B5"].fill.fgColor.rgb.endswith("DDEBF7")
    assert ws["B6"].fill.fgColor.rgb.endswith("DDEBF7")


def test_prefetch_reads_the_same_tables_as_one_by_one(layout_book: Path) -> None:
    book = FileBook(layout_book)
    book.write_table(layout.table("發票資料"), pd.DataFrame({"發票號碼": ["AB00000001", "AB00000002"],
                                                          "發票日期": ["2024-01-05", "2024-01-06"]}))
    book.write_table(layout.table("平台狀況"), pd.DataFrame({"發票號碼": ["AB00000001"], "狀態": ["已上傳"]}))
    book.commit()
    one_by_one = FileBook(layout_book)
    together = FileBook(layout_book)
    together.prefetch(["發票資料", "平台狀況", "發票資料"])
    assert set(together._grids) == {"發票資料", "平台狀況"}
    for name in ("發票資料", "平台狀況"):
        pd.testing.assert_frame_equal(together.read_table(layout.table(name)), one_by_one.read_table(layout.table(name)))


def _register_book(layout_book: Path, frame: pd.DataFrame) -> Path:
    book = FileBook(layout_book)
    book.write_table(layout.table("發票資料"), frame)
    book.commit()
    return layout_book


def test_read_columns_equals_read_table_subset(layout_book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVOICETOOLS_NO_CACHE", "1")
    t = layout.table("發票資料")
    frame = pd.DataFrame({"帳別": ["A", None, "B"], "發票號碼": ["AB00000001", None, "ab 00000003"],
                          "發票日期": ["2024-01-05", None, "113/01/06"], "客戶名稱": ["甲", None, "乙"]})
    _register_book(layout_book, frame)
    book = FileBook(layout_book)
    subset = book.read_columns(t, ["發票號碼", "發票日期"])
    assert book._subsets  # the column reader was used, not the whole sheet
    full = FileBook(layout_book).read_table(t)
    pd.testing.assert_frame_equal(subset, full.loc[:, ["發票號碼", "發票日期"]], check_dtype=False)
    assert subset.index.tolist() == [5, 7]


def test_read_columns_falls_back_for_pasted_headers_and_duplicates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlsxwriter

    monkeypatch.setenv("INVOICETOOLS_NO_CACHE", "1")
    path = tmp_path / "pasted.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    for sheet in layout.SHEETS:
        ws = wb.add_worksheet(sheet.name)
        if sheet.name == "發票資料":
            ws.write_row(3, 0, ["帳別", "發票號碼", "發票日期"])  # the template's header row …
            ws.write_row(9, 0, ["發票號碼", "發票日期", "帳別"])  # … and the accountant's pasted header below it
            ws.write_row(10, 0, ["AB00000001", "2024-01-05", "A"])
    wb.close()
    book = FileBook(path)
    t = layout.table("發票資料")
    subset = book.read_columns(t, ["發票號碼", "發票日期"])
    full = FileBook(path).read_table(t)
    pd.testing.assert_frame_equal(subset, full.loc[:, ["發票號碼", "發票日期"]], check_dtype=False)

    dup = tmp_path / "dup.xlsx"
    wb = xlsxwriter.Workbook(str(dup))
    for sheet in layout.SHEETS:
        ws = wb.add_worksheet(sheet.name)
        if sheet.name == "發票資料":
            ws.write_row(3, 0, ["發票號碼", "發票日期", "發票號碼"])
            ws.write_row(4, 0, ["AB00000001", "2024-01-05", "AB00000009"])
    wb.close()
    with pytest.raises(InputError, match="出現兩次"):
        FileBook(dup).read_columns(t, ["發票號碼", "發票日期"])


def test_read_columns_uses_the_cache_when_there_is_one(layout_book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from invoicetools.book import grid

    monkeypatch.setenv("INVOICETOOLS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(grid, "CACHE_MIN_ROWS", 1)
    t = layout.table("發票資料")
    _register_book(layout_book, pd.DataFrame({"發票號碼": ["AB00000001"], "發票日期": ["2024-01-05"]}))
    FileBook(layout_book).read_table(t)  # fills the cache
    book = FileBook(layout_book)
    subset = book.read_columns(t, ["發票號碼"])
    assert subset["發票號碼"].tolist() == ["AB00000001"]
    assert book._subsets[("發票資料", ("發票號碼",))] is None  # the cached grid served it


def test_params_are_read_without_parsing_the_table(tmp_path: Path) -> None:
    """Values typed in Excel (shared strings, numbers, dates) above a big table come back without reading it."""
    import xlsxwriter

    path = tmp_path / "typed.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy/mm/dd hh:mm"})
    for sheet in layout.SHEETS:
        ws = wb.add_worksheet(sheet.name)
        if sheet.name == "漏上傳檢核":
            ws.write_string("B3", "A & B")  # shared string with an entity
            ws.write_number("B4", 11302)
            ws.write_datetime("B5", datetime.datetime(2024, 1, 1, 9, 30), date)
        if sheet.name == "平台狀況":
            ws.write_datetime("B3", datetime.datetime(2026, 11, 25, 14, 23), date)
            ws.write_string("B4", "平台發票狀況.csv")
    wb.close()
    book = FileBook(path)
    params = book.read_params(layout.sheet("漏上傳檢核"))
    assert params["account"] == "A & B" and params["period"] == "11302" and params["date_to"] is None
    from invoicetools.domain.dates import parse_datetime

    assert parse_datetime(params["date_from"]) == datetime.datetime(2024, 1, 1, 9, 30)
    platform = book.read_params(layout.sheet("平台狀況"))
    assert parse_datetime(platform["downloaded_at"]) == datetime.datetime(2026, 11, 25, 14, 23)
    assert platform["source"] == "平台發票狀況.csv"
    assert not book._grids  # no sheet was parsed for them


def test_formula_like_text_gets_the_quote_style_on_the_fast_path_as_on_the_careful_one() -> None:
    """rows_xml turns whole columns into XML with Arrow; a formula-like value takes its style's twin there too."""
    from invoicetools.book.xlsx_cells import cell_xml, rows_xml
    from invoicetools.book.xlsx_styles import QuoteStyles

    twins = QuoteStyles(b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        b'<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="49"/></cellXfs></styleSheet>')
    values = ["AB00000001", "=HYPERLINK(\"x\")", "+886-2-1234", "-1+1", "@SUM(A1)", "a-b", None, "1+1"] * 200
    frame = pd.DataFrame({"客戶編號": values})
    fast = "".join(rows_xml(frame, 5, ["C"], [1], quote=twins))
    careful = "".join(f'<row r="{r}">{cell_xml(f"C{r}", v, 1, twins)}</row>' for r, v in enumerate(values, start=5))
    assert fast == careful
    assert fast.count('s="2"') == 4 * 200  # = + - @ starts; "a-b" and "1+1" are plain
