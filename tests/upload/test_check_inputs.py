"""漏上傳檢核's prepared inputs are kept per content: the next step gets exactly what preparing them gives,
and any change to the sheet (or another workbook of the same content) prepares them again."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from invoicetools.actions.base import Context
from invoicetools.actions.check_inputs import check_inputs
from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.sources import register, status
from workbooks import cached_book

REGISTER = pd.DataFrame({
    "帳別": ["A", "A", "Ｂ", None, "A"],
    "發票號碼": ["AB00000001", "ab00000002", "AB00000001", "X1", "AB00000005"],
    "發票日期": ["2025/01/05", "2025-01-06", "114/01/07", "2025-13-01", None],
    "買方統編": ["12345678", "1234567", "", None, "00000000"],
    "狀態": ["開立", "作廢", "註銷", "怪", "開立"],
})
PLATFORM = pd.DataFrame({"發票號碼": ["AB00000001", "AB00000002", "BAD"], "狀態": ["已上傳", "奇怪", "已上傳"],
                         "上傳日期": ["2025/01/05 12:00", None, "2025/01/06 08:00"]})


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    fb = cached_book(tmp_path, monkeypatch)
    path = fb.path
    fb.write_table(layout.table("發票資料"), REGISTER)
    fb.write_table(layout.table("平台狀況"), PLATFORM)
    fb.commit()
    fb.close()
    return path


def _inputs(path: Path) -> tuple[register.Register, pd.DataFrame, list[object]]:
    io = FileBook(path)
    try:
        return check_inputs(Context(io=io))
    finally:
        io.close()


def _same(a: tuple[register.Register, pd.DataFrame, list[object]],
          b: tuple[register.Register, pd.DataFrame, list[object]]) -> None:
    pd.testing.assert_frame_equal(a[0].data, b[0].data)
    assert (a[0].findings, a[0].counts, a[0].first_date, a[0].last_date) == (
        b[0].findings, b[0].counts, b[0].first_date, b[0].last_date)
    pd.testing.assert_frame_equal(a[1], b[1])
    assert a[2] == b[2]


def test_the_next_step_gets_what_preparing_gives_without_preparing(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _inputs(book)
    assert first[0].findings and first[2]  # bad numbers, dates, words: findings survive the cache too
    with monkeypatch.context() as m:
        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("prepared again: the kept inputs should have served")

        m.setattr(register, "prepare_register", refuse)
        m.setattr(status, "platform_input", refuse)
        _same(_inputs(book), first)


def test_a_changed_sheet_is_prepared_again(book: Path) -> None:
    first = _inputs(book)
    fb = FileBook(book, writer=True)
    fb.write_table(layout.table("發票資料"), REGISTER.assign(狀態="開立"))
    fb.commit()
    fb.close()
    again = _inputs(book)
    assert again[0].counts["作廢"] == 0 and first[0].counts["作廢"] == 1
    _same((again[0], first[1], first[2]), (again[0], again[1], again[2]))  # the platform, unchanged, is kept


def test_another_workbook_of_the_same_content_names_its_own_file(book: Path, tmp_path: Path) -> None:
    first = _inputs(book)
    other = tmp_path / "其他.xlsm"
    other.write_bytes(book.read_bytes())
    theirs = _inputs(other)
    assert {f.where.file for f in theirs[0].findings} == {"其他.xlsm"}
    assert {f.where.file for f in first[0].findings} == {"InvoiceTools.xlsm"}
