"""執行紀錄 and 檢核訊息 keep their types across runs (a date stays a date)."""

from __future__ import annotations

import datetime
from pathlib import Path

import openpyxl

from invoicetools.cli import main


def test_log_times_stay_dates_after_many_runs(layout_book: Path) -> None:
    for day in ("2025-03-01", "2025-03-02", "2025-03-03"):
        assert main(["calendar", "--book", str(layout_book), "--today", day, "-q"]) == 0
    ws = openpyxl.load_workbook(layout_book)["執行紀錄"]
    times = [ws.cell(row, 1).value for row in range(5, 8)]
    assert all(isinstance(t, datetime.datetime) for t in times), times
    assert [ws.cell(row, 3).value for row in range(5, 8)] == ["行事曆"] * 3
