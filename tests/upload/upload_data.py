"""A small ERP register with every kind of trouble, written the ways accountants get it.

Rows (source lines 2–13 of the CSV, data rows of the xlsx):

* AB12345000 … AB12345003: ordinary, dates in four notations (ISO, slashes, ROC, ROC 7 digits);
* ｆｕｌｌ-width AB12345004 (repaired, INFO);
* AB12345005 twice (重號);
* AB12345006 with an unreadable date (ERROR, kept as text);
* "A1234" (invalid number, ERROR, kept as text);
* AB12345007 作廢, AB12345008 註銷, AB12345009 with a buyer UBN (B2B, 7 days);
* AB12345010 dated in March (another period).

Extra column 門市 is kept. Columns are in another order than the layout.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pandas as pd

COMPANY = "04595257"
NOW = datetime.datetime(2024, 3, 5, 9, 0)


def clock(start: datetime.datetime = NOW) -> Callable[[], datetime.datetime]:
    """A clock for ``Context.now`` that ticks one second per call."""
    ticks = iter(start + datetime.timedelta(seconds=i) for i in range(100_000))
    return lambda: next(ticks)

COLUMNS = ["發票日期", "發票號碼", "帳別", "開立時間", "客戶代號", "客戶名稱", "買方統編", "銷售人統編",
           "未稅金額", "稅額", "含稅金額", "狀態", "列印註記", "轉檔日", "門市"]
ROWS = [
    ["2024-01-05", "AB12345000", "A", "10:15:00", "C001", "台北商事", "", COMPANY, 1000, 50, 1050, "開立", "Y", "2024/01/06", "總店"],
    ["2024/1/6", "AB12345001", "A", "", "C002", "新竹電子", "", COMPANY, 200, 10, 210, "開立", "N", "", "總店"],
    ["113/01/07", "AB12345002", "A", "09:00", "", "散客", "", COMPANY, 100, 5, 105, "開立", "Y", "", "總店"],
    ["1130108", "AB12345003", "B", "", "", "散客", "", COMPANY, 100, 5, 105, "開立", "Y", "", "網路"],
    ["2024-01-09", "ＡＢ１２３４５００４", "B", "", "", "散客", "", COMPANY, 100, 5, 105, "開立", "Y", "", "網路"],
    ["2024-01-10", "AB12345005", "A", "", "", "散客", "", COMPANY, 100, 5, 105, "開立", "Y", "", "總店"],
    ["2024-01-10", "AB12345005", "A", "", "", "散客", "", COMPANY, 100, 5, 105, "開立", "Y", "", "總店"],
    ["2024-13-40", "AB12345006", "A", "", "", "散客", "", COMPANY, 100, 5, 105, "開立", "Y", "", "總店"],
    ["2024-01-11", "A1234", "A", "", "", "散客", "", COMPANY, 100, 5, 105, "開立", "Y", "", "總店"],
    ["2024-01-12", "AB12345007", "A", "", "", "散客", "", COMPANY, 100, 5, 105, "作廢", "Y", "", "總店"],
    ["2024-01-13", "AB12345008", "A", "", "", "散客", "", COMPANY, 100, 5, 105, "註銷", "Y", "", "總店"],
    ["2024-01-14", "AB12345009", "B", "16:30:00", "C003", "台中精機", "84149961", COMPANY, 5000, 250, 5250, "開立", "N", "", "網路"],
    ["2024-03-01", "AB12345010", "A", "", "", "散客", "", COMPANY, 100, 5, 105, "開立", "Y", "", "總店"],
]


def register_frame() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=COLUMNS)


def write_csv(path: Path, encoding: str = "cp950") -> Path:
    register_frame().to_csv(path, index=False, encoding=encoding, lineterminator="\r\n")
    return path


def write_xlsx(path: Path, *, real_dates: bool = True) -> Path:
    """As Excel would save it: ISO dates as real date cells, amounts as numbers, a title row above."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("發票明細")
    date_fmt = wb.add_format({"num_format": "yyyy/mm/dd"})
    ws.write(0, 0, "ERP 發票資料匯出")
    for j, h in enumerate(COLUMNS):
        ws.write_string(2, j, h)
    for i, row in enumerate(ROWS, start=3):
        for j, value in enumerate(row):
            header = COLUMNS[j]
            if header == "發票日期" and real_dates and isinstance(value, str) and value[:4] == "2024" and "-13-" not in value:
                day = datetime.datetime.strptime(value.replace("/", "-"), "%Y-%m-%d")
                ws.write_datetime(i, j, day, date_fmt)
            elif isinstance(value, (int, float)):
                ws.write_number(i, j, value)
            elif value != "":
                ws.write_string(i, j, str(value))
    wb.close()
    return path


# What the platform has: everything but AB12345001 (missing) and AB12345002 (failed); the
# cancelled AB12345007 still live (作廢未上傳); AB12345099 only on the platform.
STATUS_COLUMNS = ["發票號碼", "發票日期", "上傳狀態", "上傳時間", "錯誤訊息"]
STATUS_ROWS = [
    ["AB12345000", "2024/01/05", "已確認", "2024/01/05 12:00", ""],
    ["AB12345002", "2024/01/07", "E", "2024/01/07 11:00", "E0001 買方統編錯誤"],
    ["AB12345003", "2024/01/08", "C", "2024/01/08 11:00", ""],
    ["AB12345004", "2024/01/09", "G", "2024/01/09 11:00", ""],
    ["AB12345005", "2024/01/10", "成功", "2024/01/10 11:00", ""],
    ["AB12345006", "2024/01/10", "已上傳", "2024/01/10 11:00", ""],
    ["AB12345007", "2024/01/12", "已確認", "2024/01/12 11:00", ""],
    ["AB12345008", "2024/01/13", "已確認", "2024/01/13 11:00", ""],
    ["AB12345009", "2024/01/14", "已確認", "2024/01/25 11:00", ""],
    ["AB12345099", "2024/01/20", "已確認", "2024/01/20 11:00", ""],
]


def write_status_csv(path: Path, encoding: str = "utf-8-sig") -> Path:
    pd.DataFrame(STATUS_ROWS, columns=STATUS_COLUMNS).to_csv(path, index=False, encoding=encoding)
    return path


# The check of 11302 with this register and status, as (問題, 發票號碼):
EXPECTED = sorted([
    ("未上傳", "AB12345001"),
    ("上傳失敗", "AB12345002"),
    ("重號", "AB12345005"),
    ("重號", "AB12345005"),
    ("作廢未上傳", "AB12345007"),
    ("平台有帳上無", "AB12345099"),
])
