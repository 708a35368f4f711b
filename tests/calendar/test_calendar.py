"""行事曆: dates across year ends and leap years, open upload deadlines, the CLI on a workbook."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.cli import main
from invoicetools.domain import periods
from invoicetools.domain.invoice_number import to_key
from invoicetools.steps import calendar as cal


@given(st.dates(datetime.date(2015, 1, 1), datetime.date(2035, 12, 31)))
def test_next_deadline_is_near_and_ahead(today: datetime.date) -> None:
    events = cal.calendar(today)
    nxt = cal.next_deadline(events, today)
    assert nxt is not None and nxt.day >= today
    assert (nxt.day - today).days <= 42  # there is a deadline (10th, 15th or 18th) every month or so
    days = [e.day for e in events]
    assert days == sorted(days)
    current = periods.of(today)
    assert any(e.title.startswith("配號基準日") and e.day == current.allocation_day for e in events)


def test_year_end() -> None:
    events = cal.calendar(datetime.date(2025, 12, 20))
    nxt = cal.next_deadline(events, datetime.date(2025, 12, 20))
    # 2026/01/10 is a Saturday: the blank-number deadline is Monday 01/12
    assert nxt is not None and nxt.day == datetime.date(2026, 1, 12) and nxt.period == "11412"
    assert "順延至 1/12" in nxt.todo
    assert any(e.day == datetime.date(2026, 1, 15) and "營業稅" in e.title for e in events)


def test_leap_year_february() -> None:
    today = datetime.date(2028, 2, 29)
    events = cal.calendar(today)
    assert periods.of(today).code == "11702"
    nxt = cal.next_deadline(events, today)
    assert nxt is not None and nxt.day == datetime.date(2028, 3, 10)


def test_open_upload_deadlines_b2c_b2b_and_overdue() -> None:
    register = pd.DataFrame({
        "發票號碼": ["AB00000001", "AB00000002", "AB00000003", "AB00000004", "AB00000005"],
        "發票日期": pd.to_datetime(["2025-03-01", "2025-03-01", "2025-03-01", "2025-02-20", "2025-03-01"]),
        "開立時間": ["10:00:00", None, None, None, None],
        "買方統編": ["", "04595257", "", "", ""],
        "狀態": ["開立", "開立", "開立", "開立", "註銷"],
    })
    on_platform = np.array([to_key("AB00000003")])
    events = cal.open_upload_deadlines(register, on_platform, datetime.date(2025, 3, 2))
    by_day = {e.day: e for e in events}
    assert by_day[datetime.date(2025, 3, 3)].count == 1  # 48 h after 3/1 10:00 (B2C)
    assert by_day[datetime.date(2025, 3, 8)].count == 1  # 7 days (buyer has a UBN)
    assert by_day[datetime.date(2025, 2, 22)].status(datetime.date(2025, 3, 2)) == "逾期"
    assert sum(e.count for e in events) == 3  # on the platform and 註銷 rows are not listed


def test_cli_writes_sheet_and_next_deadline(layout_book: Path) -> None:
    assert main(["calendar", "--book", str(layout_book), "--today", "114/03/03", "--json", "-q"]) == 0
    book = FileBook(layout_book)
    frame = book.read_table(layout.table("行事曆"))
    assert "空白字軌上傳期限" in set(frame["事項"])
    params = book.read_params(layout.sheet("行事曆"))
    assert str(params["next_deadline"]).startswith("2025/03/10 空白字軌上傳期限")
    log = book.read_table(layout.table("執行紀錄"))
    assert log["步驟"].tolist() == ["行事曆"]


def test_cli_json_only_on_stdout(layout_book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["calendar", "--book", str(layout_book), "--today", "2025-03-03", "--json"])
    out = capsys.readouterr()
    rows = json.loads(out.out)
    assert rows[0]["日期"] == "2025-03-01"
    assert "下一個期限" in out.err


def test_calendar_says_which_day_it_counted_from(layout_book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "--book", str(layout_book), "--today", "2025-03-03"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("以 2025/03/03 起算，下一個期限：2025/03/10 空白字軌上傳期限（還有 7 天）")
    frame = FileBook(layout_book).read_table(layout.table("行事曆"))
    days = sorted(int(d) for d, what in zip(frame["剩餘天數"], frame["事項"], strict=True) if what == "空白字軌上傳期限")
    assert days[0] == 7  # the sheet counts from the same day
