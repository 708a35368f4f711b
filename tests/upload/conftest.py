"""Fixtures for the 漏上傳檢核 tests: the in-memory keyring always, memory books with a clock."""

from __future__ import annotations

import pytest
from upload_data import COMPANY, clock

from invoicetools.actions.base import Context
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import write_settings


@pytest.fixture
def book() -> MemoryBook:
    b = MemoryBook.new("漏上傳.xlsm")
    write_settings(b, {"統一編號": COMPANY, "申報年月": "11302"})
    return b


@pytest.fixture
def ctx(book: MemoryBook) -> Context:
    return Context(io=book, now=clock(), user="測試會計")
