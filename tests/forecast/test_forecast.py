"""預估組數: trend over periods, a machine with no history, the run-out warning, the action on a workbook."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from invoicetools.actions.base import Context
from invoicetools.actions.forecast import update_forecast
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.domain import periods
from invoicetools.steps.forecast import forecast, usage_by_range


def _alloc(rows: list[tuple[str, str, str, int, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"帳別": a, "機台號": m, "發票字軌": t, "起號": f"{b:08d}", "迄號": f"{e:08d}", "申報年月": p}
         for a, m, t, b, e, p in rows]
    )


def _reg(numbers: list[str], dates: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"發票號碼": numbers, "發票日期": pd.to_datetime(dates)})


def test_usage_counts_to_the_highest_issued_number() -> None:
    alloc = _alloc([("A", "1", "AB", 0, 999, "11402"), ("A", "2", "AB", 1000, 1999, "11402")])
    reg = _reg(["AB00000000", "AB00000120", "AB00001000"], ["2025-01-02"] * 3)
    u = usage_by_range(alloc, reg)
    assert u["已開立張數"].tolist() == [2, 1]
    assert u["已用組數"].tolist() == [3, 1]  # 0..120 spans three booklets
    assert u["剩餘張數"].tolist() == [879, 999]


def test_machine_with_no_history_keeps_its_count() -> None:
    alloc = _alloc([("A", "1", "AB", 0, 999, "11402"), ("B", "9", "AC", 0, 499, "11402")])
    reg = _reg(["AB00000010"], ["2025-01-05"])
    f = forecast(alloc, reg, today=datetime.date(2025, 2, 27), current="11402").set_index("機台號")
    assert pd.isna(f.loc["9", "預估下期組數"])
    assert "無歷史資料" in f.loc["9", "預估說明"] and "沿用目前組數" in f.loc["9", "預估說明"]


def test_trend_over_several_periods() -> None:
    rows, numbers, dates = [], [], []
    for i, (ym, used) in enumerate([("11308", 10), ("11310", 12), ("11312", 14), ("11402", 16)]):
        base = i * 10_000
        rows.append(("A", "1", "AB", base, base + 9_999, ym))
        numbers.append(f"AB{base + used * 50 - 1:08d}")
        dates.append(str(pd.Timestamp(2025, 2, 20) - pd.DateOffset(months=2 * (3 - i)))[:10])
    f = forecast(_alloc(rows), _reg(numbers, dates), today=datetime.date(2025, 2, 28), current="11402")
    assert f["本期已用組數"].tolist() == [16]
    assert f["預估下期組數"].tolist() == [22]  # 16 + 2 trend = 18, +20 % → 21.6 → 22
    assert "10→12→14→16" in f["預估說明"].iloc[0]


def test_run_out_warning_at_current_pace() -> None:
    alloc = _alloc([("A", "1", "AB", 0, 499, "11402")])
    numbers = [f"AB{n:08d}" for n in range(400)]
    dates = [str(datetime.date(2025, 1, 1) + datetime.timedelta(days=n // 40))[:10] for n in range(400)]
    f = forecast(alloc, _reg(numbers, dates), today=datetime.date(2025, 1, 10), current="11402")
    note = f["預估說明"].iloc[0]
    assert "用完" in note and "2025/01/12" in note  # 100 numbers left at 40 a day
    assert f["預估下期組數"].iloc[0] >= 48  # 40 a day for 59 days is ~47 booklets


def test_action_fills_allocation_sheet() -> None:
    book = MemoryBook.new()
    table = layout.table("配號設定")
    frame = _alloc([("A", "1", "AB", 0, 999, "11402")]).reindex(columns=list(table.headers))
    book.write_table(table, frame)
    book.write_table(layout.table("發票資料"), pd.DataFrame({"發票號碼": ["AB00000049"], "發票日期": ["2025-01-02"]}))
    ctx = Context(book, now=lambda: datetime.datetime(2025, 1, 5, 9, 0))
    result = update_forecast(ctx, period="11402")
    out = book.read_table(table)
    assert out["預估下期組數"].tolist() == [2] or out["預估下期組數"].iloc[0] >= 1
    assert "財政部在 2025/02/18" in result.message
    assert book.read_table(layout.table("執行紀錄"))["步驟"].tolist() == ["預估組數"]


# --- the day counted from (issue 16 item 3) ----------------------------------------------------
def _steady_register(last: datetime.date, per_day: int = 40) -> pd.DataFrame:
    """A machine issuing ``per_day`` invoices a day from 2025-01-01 through ``last``."""
    days = (last - datetime.date(2025, 1, 1)).days + 1
    numbers = [f"AB{n:08d}" for n in range(days * per_day)]
    dates = [str(datetime.date(2025, 1, 1) + datetime.timedelta(days=n // per_day)) for n in range(days * per_day)]
    return _reg(numbers, dates)


def test_forecast_counts_only_invoices_up_to_the_day_it_is_run_for() -> None:
    """The register holds the whole period (an export made later); the forecast for 2/15 counts to 2/15.

    Counting all of it in the 46 days to 2/15 made the pace 59/46 too high, and the demo then
    predicted machines running out mid-period.
    """
    alloc = _alloc([("A", "1", "AB", 0, 2_499, "11402")])  # 50 booklets; 40 a day for 59 days = 2,360
    today = datetime.date(2025, 2, 15)
    whole = forecast(alloc, _steady_register(datetime.date(2025, 2, 28)), today=today, current="11402")
    so_far = forecast(alloc, _steady_register(today), today=today, current="11402")
    pd.testing.assert_frame_equal(whole, so_far)
    assert "用完" not in whole["預估說明"].iloc[0]  # 2,360 of 2,500 numbers by the end of February
    assert whole["本期已用組數"].iloc[0] == 46 * 40 // 50 + 1


def _forecast_book(today: datetime.date) -> tuple[MemoryBook, Context]:
    book = MemoryBook.new()
    table = layout.table("配號設定")
    book.write_table(table, _alloc([("A", "1", "AB", 0, 2_499, "11402")]).reindex(columns=list(table.headers)))
    book.write_table(layout.table("發票資料"), _steady_register(datetime.date(2025, 2, 28)))
    return book, Context(book, now=lambda: datetime.datetime.combine(today, datetime.time(9)))


@pytest.mark.parametrize(("today", "advice", "allocated"), [
    (datetime.date(2025, 2, 10), "2025/02/18", "114/03 ~ 114/04"),
    (datetime.date(2025, 2, 18), "2025/02/18", "114/03 ~ 114/04"),
    (datetime.date(2025, 2, 19), "2025/04/18", "114/05 ~ 114/06"),  # the 18th has passed: the next one
    (datetime.date(2025, 3, 3), "2025/04/18", "114/05 ~ 114/06"),
])
def test_advice_date_is_the_next_18th_from_today(today: datetime.date, advice: str, allocated: str) -> None:
    _, ctx = _forecast_book(today)
    result = update_forecast(ctx, period="11402")
    assert f"財政部在 {advice} 依當時組數配發 {allocated} 的字軌" in result.message
    assert f"發票計算到 {today:%Y/%m/%d}" in result.message  # which day it counted from
    counted_rows = min((today - datetime.date(2025, 1, 1)).days + 1, 59) * 40
    assert f"共 {counted_rows:,} 張" in result.message


@given(st.dates(min_value=datetime.date(1990, 1, 1), max_value=datetime.date(2100, 12, 31)))
def test_next_allocation_day_is_never_past_and_never_skips_one(day: datetime.date) -> None:
    found = periods.next_allocation_day(day)
    assert found >= day and found.day == 18 and found.month % 2 == 0
    between = [day + datetime.timedelta(days=n) for n in range((found - day).days)]
    assert not [d for d in between if d.day == 18 and d.month % 2 == 0]
