"""A small workbook for the 跳號作廢 and E0402 tests: settings, machine ranges, register, platform.

Two 帳別 (A: machines 001 and 002 on track KA, B: machine 001 on KB), period 11402. Every
number is issued except the planted ones; the platform holds what the register holds plus
what a test adds.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

import pandas as pd

from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import write_settings

UBN = "53212539"
PERIOD = "11402"
DAY = datetime.date(2025, 1, 15)

# (帳別, 機台號, 發票字軌, 起號, 迄號)
MACHINES: tuple[tuple[str, str, str, int, int], ...] = (
    ("A", "001", "KA", 12340000, 12340099),
    ("A", "002", "KA", 12340100, 12340199),
    ("B", "001", "KB", 56780000, 56780049),
)


def allocation_frame(machines: Iterable[tuple[str, str, str, int, int]] = MACHINES, period: str = PERIOD,
                     ban: str = UBN, invoice_type: str = "07") -> pd.DataFrame:
    rows = [{"帳別": a, "機台號": m, "發票字軌": t, "起號": f"{b:08d}", "迄號": f"{e:08d}", "組數": (e - b + 1) // 50,
             "申報年月": period, "發票類別代號": invoice_type, "營業人統編": ban} for a, m, t, b, e in machines]
    return pd.DataFrame(rows, columns=list(layout.table("配號設定").headers))


def numbers(track: str, begin: int, end: int, skip: Sequence[int] = ()) -> list[str]:
    gone = set(skip)
    return [f"{track}{n:08d}" for n in range(begin, end + 1) if n not in gone]


def register_frame(invoices: Iterable[str], day: datetime.date = DAY, status: str = "開立") -> pd.DataFrame:
    inv = list(invoices)
    return pd.DataFrame({"帳別": "A", "發票號碼": inv, "發票日期": day.strftime("%Y/%m/%d"), "狀態": status})


def make_book(
    register: Iterable[str],
    platform: Iterable[str] | None = None,
    *,
    machines: Iterable[tuple[str, str, str, int, int]] = MACHINES,
    settings: dict[str, str | None] | None = None,
) -> MemoryBook:
    """A MemoryBook with 設定, 配號設定, 發票資料 and (unless ``platform`` is None) 平台狀況."""
    book = MemoryBook.new()
    write_settings(book, {"統一編號": UBN, "申報年月": PERIOD, "帳別": "A", **(settings or {})})
    book.write_table(layout.table("配號設定"), allocation_frame(machines))
    book.write_table(layout.table("發票資料"), register_frame(register))
    if platform is not None:
        book.write_table(layout.table("平台狀況"), platform_frame(platform))
        book.write_params(layout.sheet("平台狀況"), {"downloaded_at": "2025/03/01 09:00"})
    return book


def platform_frame(invoices: Iterable[str], day: datetime.date = DAY) -> pd.DataFrame:
    """平台狀況 rows: every invoice 已確認 on the platform."""
    return pd.DataFrame({"發票號碼": list(invoices), "狀態": "已確認", "發票日期": day.strftime("%Y/%m/%d")})


def standard_register() -> list[str]:
    """A001 issues up to 12340080 skipping 12340010-12340012 and 12340050; A002 up to 12340150
    skipping 12340120; B001 nothing skipped, up to 56780030."""
    return (numbers("KA", 12340000, 12340080, skip=(12340010, 12340011, 12340012, 12340050))
            + numbers("KA", 12340100, 12340150, skip=(12340120,))
            + numbers("KB", 56780000, 56780030))
