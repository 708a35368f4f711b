"""The sheet cache: an import keeps the table it writes, a read gives what parsing the sheet gives,
and the cache is never trusted for a sheet that changed (an edit saved in the workbook file)."""

from __future__ import annotations

import datetime
import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from invoicetools.book import grid, layout, sheet_cache
from invoicetools.book.file_backend import FileBook
from workbooks import new_book

INVOICES = layout.table("發票資料")
PLATFORM = layout.table("平台狀況")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("INVOICETOOLS_CACHE_DIR", str(folder))
    monkeypatch.delenv("INVOICETOOLS_NO_CACHE", raising=False)
    monkeypatch.setattr(sheet_cache, "CACHE_MIN_ROWS", 1)  # small tables stand for big ones
    return folder


def _parsed(path: Path, table: layout.Table, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    """The table as calamine reads it from the sheet, no cache involved."""
    with monkeypatch.context() as m:
        m.setenv("INVOICETOOLS_NO_CACHE", "1")
        book = FileBook(path)
        try:
            return book.read_table(table)
        finally:
            book.close()


def _write(path: Path, table: layout.Table, frame: pd.DataFrame) -> None:
    book = FileBook(path, writer=True)
    book.write_table(table, frame)
    book.commit()
    book.close()


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the sheet was parsed: the cache should have served the read")

    monkeypatch.setattr(grid, "_load_grid", refuse)


REGISTER = pd.DataFrame({
    "帳別": ["A", "A", "B", None],
    "發票號碼": ["AB00000001", "AB00000002", "AB00000003", "AB00000004"],
    "發票日期": pd.to_datetime(["2025-01-05", "2025-01-06", None, "2025-02-28"]),
    "客戶名稱": ["甲 & 乙<公司>", " 前後空白 ", "=HYPERLINK(\"x\")", "多行\r\n文字"],
    "總計": [1050.0, 0.125, None, 12345678901234.0],
    "狀態": ["開立", "作廢", "", None],
    "備註": ["ERP 額外欄", None, "_x0041_", "鈴\x07"],
}).reindex(columns=[*INVOICES.headers, "備註"])


def test_an_import_keeps_what_a_read_of_its_table_gives(tmp_path: Path, cache: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = new_book(tmp_path / "book.xlsm")
    _write(path, INVOICES, REGISTER)
    assert len(list(cache.glob("*.arrow"))) == 1  # kept at the import, before any read
    parsed = _parsed(path, INVOICES, monkeypatch)
    _no_parsing(monkeypatch)
    book = FileBook(path)
    pd.testing.assert_frame_equal(book.read_table(INVOICES), parsed)
    pd.testing.assert_frame_equal(FileBook(path).read_columns(INVOICES, ["發票日期", "發票號碼"]),
                                  parsed[["發票日期", "發票號碼"]])


def test_the_cache_is_never_trusted_for_a_sheet_edited_in_the_file(tmp_path: Path, cache: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """An edit saved in the workbook file (as Excel saves it: the sheet part rewritten) is seen by the next read,
    even one that leaves the sheet part the same size."""
    path = new_book(tmp_path / "book.xlsm")
    _write(path, INVOICES, REGISTER)
    assert FileBook(path).read_table(INVOICES)["發票號碼"].tolist()[1] == "AB00000002"
    part = FileBook(path)._package.sheet_part(INVOICES.sheet)
    for old, new in (("AB00000002", "AB00000009"), ("甲 &amp; 乙", "丙 &amp; 丁公司")):
        edited = tmp_path / "edited.xlsm"
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(edited, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == part:
                    assert old.encode() in data
                    data = data.replace(old.encode(), new.encode())
                dst.writestr(info, data)
        shutil.move(edited, path)
        table = FileBook(path).read_table(INVOICES)
        assert table.to_string().count(new.replace("&amp;", "&")) == 1
        pd.testing.assert_frame_equal(table, _parsed(path, INVOICES, monkeypatch))


def test_a_workbook_counting_dates_from_1904_is_not_kept_at_the_import(tmp_path: Path, cache: Path) -> None:
    path = new_book(tmp_path / "book.xlsm")
    with zipfile.ZipFile(path) as src:
        parts = {i.filename: src.read(i.filename) for i in src.infolist()}
    parts["xl/workbook.xml"] = re.sub(rb"<workbookPr\b", b'<workbookPr date1904="1"', parts["xl/workbook.xml"], count=1)
    if b"date1904" not in parts["xl/workbook.xml"]:
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<sheets>", b'<workbookPr date1904="1"/><sheets>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in parts.items():
            dst.writestr(name, data)
    _write(path, INVOICES, REGISTER)
    assert not list(cache.glob("*.arrow"))  # the next read parses the sheet


def test_a_miss_keeps_the_parsed_table_and_the_next_read_hits(tmp_path: Path, cache: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = new_book(tmp_path / "book.xlsm")
    with monkeypatch.context() as m:
        m.setenv("INVOICETOOLS_NO_CACHE", "1")
        _write(path, PLATFORM, pd.DataFrame({"發票號碼": ["AB00000001"], "狀態": ["已上傳"]}))
    assert not list(cache.glob("*.arrow"))
    first = FileBook(path).read_table(PLATFORM)
    assert len(list(cache.glob("*.arrow"))) == 1
    _no_parsing(monkeypatch)
    pd.testing.assert_frame_equal(FileBook(path).read_table(PLATFORM), first)


TEXT = st.one_of(st.none(), st.text(max_size=8), st.sampled_from([" x", "y ", "a\nb", "c\r\nd", "e\x07", "_x0041_", "=1",
                                                                  "&<>", "\u3000", "中文", ""]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(TEXT, st.one_of(st.none(), st.floats(-1e14, 1e14, allow_nan=False)),
                          st.one_of(st.none(), st.datetimes(datetime.datetime(1900, 3, 1), datetime.datetime(2200, 1, 1))),
                          TEXT), min_size=1, max_size=12))
def test_what_an_import_keeps_equals_what_parsing_gives(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch,
                                                       rows: list[tuple[object, ...]]) -> None:
    """Property: for any table an import writes, the entry it keeps is exactly what calamine reads back."""
    numbers, amounts, stamps, extras = (list(c) for c in zip(*rows, strict=True))
    columns = {
        "發票號碼": pd.Series(numbers, dtype="str"),
        "發票日期": pd.Series(pd.to_datetime(stamps), dtype="datetime64[ns]").dt.normalize(),
        "總計": pd.Series(amounts, dtype="Float64"),
        "開立時間": pd.Series(extras, dtype="object"),
        "轉檔日": pd.Series([s.date() if s is not None else None for s in stamps], dtype="object"),
        "自訂欄": pd.Series(extras, dtype="string"),
    }
    # as an import writes it: the layout's columns in order (blank where absent), then the extras
    frame = pd.DataFrame(columns).reindex(columns=[*INVOICES.headers, "自訂欄"])
    path = new_book(tmp_path / f"book-{abs(hash(str(rows))) % 10**8}.xlsm")
    shutil.rmtree(cache, ignore_errors=True)
    _write(path, INVOICES, frame)
    kept = list(cache.glob("*.arrow"))
    parsed = _parsed(path, INVOICES, monkeypatch)
    event(f"kept: {bool(kept)}")
    if kept:  # some tables cannot be told (e.g. no value in any row): then nothing is kept
        with monkeypatch.context() as m:
            _no_parsing(m)
            pd.testing.assert_frame_equal(FileBook(path).read_table(INVOICES), parsed)
    path.unlink()
