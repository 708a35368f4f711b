"""Day-of-month deadlines on weekends and holidays: the 10th and the 15th roll to the next working day.

行政程序法 §48 (a period ending on a Saturday, Sunday or holiday ends on the next working day;
make-up workdays count as working days). The holidays and make-up workdays come from the
``holidays`` package's Taiwan calendar, which follows the DGPA's published office calendars
(e.g. 2025: Lunar New Year 1/25–2/2 with Saturday 2/8 a make-up workday; 2009: Saturday 1/10
a make-up workday; 2016: 中秋節 Thursday 9/15 plus the bridge day 9/16). The calendar sheet, the
ribbon label's parameter and the E0402 期限 column all read ``Period.blank_deadline`` /
``vat_deadline``: these tests check that they agree on rolled days.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
from gapbook import allocation_frame, numbers

from invoicetools.actions.base import Context
from invoicetools.actions.calendar import refresh_calendar
from invoicetools.actions.e0402 import export_e0402
from invoicetools.actions.host import Host
from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import write_settings
from invoicetools.cli import main
from invoicetools.domain import dates, periods
from invoicetools.steps import calendar as cal

D = datetime.date


def test_filing_deadline_2025_03_15_a_saturday_moves_to_monday() -> None:
    p = periods.parse("11402")
    assert D(2025, 3, 15).weekday() == 5
    assert p.vat_deadline == D(2025, 3, 17)
    events = cal.calendar(D(2025, 3, 11))
    vat = [e for e in events if e.title == "營業稅申報期限" and e.period == "11402"]
    assert [e.day for e in vat] == [D(2025, 3, 17)]
    assert "15 日適逢例假日" in vat[0].todo and "3/17" in vat[0].todo
    assert not any(e.day == D(2025, 3, 15) for e in events)
    nxt = cal.next_deadline(events, D(2025, 3, 16))  # a Sunday: the filing is still ahead
    assert nxt is not None and (nxt.day, nxt.title) == (D(2025, 3, 17), "營業稅申報期限")


def test_a_make_up_workday_is_a_working_day() -> None:
    # 2009/01/10 was a Saturday made a workday (補行上班): the blank-number deadline of 97/11-12 stays on it
    assert D(2009, 1, 10).weekday() == 5 and dates.is_working_day(D(2009, 1, 10))
    assert periods.Period(97, 12).blank_deadline == D(2009, 1, 10)
    # 2025/02/08 likewise (it paid for 1/27, a day off inside Lunar New Year)
    assert dates.next_working_day(D(2025, 2, 8)) == D(2025, 2, 8)
    assert not dates.is_working_day(D(2025, 2, 15))  # an ordinary Saturday


def test_long_holidays() -> None:
    # Lunar New Year 2025: every day from Sat 1/25 to Sun 2/2 is off (1/27 by substitution)
    assert [dates.is_working_day(D(2025, 1, 25) + datetime.timedelta(days=i)) for i in range(10)] == [False] * 9 + [True]
    assert dates.next_working_day(D(2025, 1, 28)) == D(2025, 2, 3)
    # 中秋節 2016 on the 15th (Thu), the bridge day Fri 9/16, the weekend: the filing moves to Mon 9/19
    assert periods.parse("10508").vat_deadline == D(2016, 9, 19)
    # 中秋節 2022 on Sat 9/10: the blank-number deadline of 111/07-08 moves to Mon 9/12
    assert periods.parse("11108").blank_deadline == D(2022, 9, 12)


def test_calendar_sheet_and_ribbon_label_show_the_rolled_filing_day(layout_book: Path) -> None:
    assert main(["calendar", "--book", str(layout_book), "--today", "2025-03-11", "-q"]) == 0
    book = FileBook(layout_book)
    frame = book.read_table(layout.table("行事曆"))
    vat = frame[frame["事項"] == "營業稅申報期限"]
    assert pd.Timestamp(vat["日期"].iloc[0]).date() == D(2025, 3, 17) and vat["星期"].iloc[0] == "一"
    label = str(book.read_params(layout.sheet("行事曆"))["next_deadline"])
    assert label.startswith("2025/03/17 營業稅申報期限（還有 6 天）")


def _book_of_period_11412() -> MemoryBook:
    """One machine range on KA, numbers issued in order (no 跳號), period 114/11-12."""
    book = MemoryBook.new()
    write_settings(book, {"統一編號": "53212539", "申報年月": "11412", "帳別": "A"})
    book.write_table(layout.table("配號設定"), allocation_frame([("A", "001", "KA", 12340000, 12340099)], period="11412"))
    issued = numbers("KA", 12340000, 12340060)
    book.write_table(layout.table("發票資料"), pd.DataFrame(
        {"帳別": "A", "發票號碼": issued, "發票日期": "2025/12/15", "狀態": "開立"}))
    book.write_table(layout.table("平台狀況"), pd.DataFrame(
        {"發票號碼": issued, "狀態": "已確認", "發票日期": "2025/12/15"}))
    book.write_params(layout.sheet("平台狀況"), {"downloaded_at": "2026/01/02 09:00"})
    return book


def test_calendar_label_and_e0402_deadline_agree_on_a_rolled_day(tmp_path: Path) -> None:
    """114/11-12: the 10th of January 2026 is a Saturday; every place says Monday 2026/01/12."""
    book = _book_of_period_11412()
    now = datetime.datetime(2026, 1, 5, 9, 0)
    ctx = Context(io=book, host=Host(confirm=lambda prompt: True), now=lambda: now, user="王會計")
    out = tmp_path / "E0402"
    out.mkdir()
    result = export_e0402(ctx, out_dir=out)
    rows = result.rows or []
    assert [r["期限"] for r in rows] == [D(2026, 1, 12)]
    assert "上傳期限 2026/01/12" in result.message

    refresh_calendar(ctx)
    calendar_rows = book.tables[layout.table("行事曆").name]
    blank = calendar_rows[(calendar_rows["事項"] == "空白字軌上傳期限") & (calendar_rows["期別"] == "11412")]
    assert [pd.Timestamp(d).date() for d in blank["日期"]] == [D(2026, 1, 12)]
    label = str(book.params["行事曆"]["next_deadline"])
    assert label.startswith("2026/01/12 空白字軌上傳期限")
