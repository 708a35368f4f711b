"""Fixtures for the 配號 tests: an in-memory keyring always (never the real one), books, the fake ECPay."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parents[1]
for _path in (_TESTS, _TESTS / "providers", Path(__file__).resolve().parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from trackdata import COMPANY, PERIOD  # noqa: E402

from invoicetools.actions.base import Context  # noqa: E402
from invoicetools.book.memory import MemoryBook  # noqa: E402
from invoicetools.book.settings import write_settings  # noqa: E402


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
