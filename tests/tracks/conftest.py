"""Fixtures for the 配號 tests: an in-memory keyring always (never the real one), books, the fake ECPay."""

from __future__ import annotations

import pytest
from trackdata import COMPANY, PERIOD

from invoicetools.actions.base import Context
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import write_settings


@pytest.fixture
def book() -> MemoryBook:
    """A memory workbook of company :data:`COMPANY` with 申報年月 set."""
    b = MemoryBook.new("配號.xlsm")
    write_settings(b, {"統一編號": COMPANY, "申報年月": PERIOD})
    return b


@pytest.fixture
def ctx(book: MemoryBook) -> Context:
    import datetime

    clock = iter(datetime.datetime(2025, 1, 2, 9, 0) + datetime.timedelta(minutes=i) for i in range(10_000))
    return Context(io=book, now=lambda: next(clock), user="測試會計")
