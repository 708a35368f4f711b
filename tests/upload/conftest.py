"""Fixtures for the 漏上傳檢核 tests: the in-memory keyring always, memory books with a clock."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parents[1]
for _path in (_TESTS, _TESTS / "providers", _TESTS / "excel", Path(__file__).resolve().parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from upload_data import COMPANY, clock  # noqa: E402

from invoicetools.actions.base import Context  # noqa: E402
from invoicetools.book.memory import MemoryBook  # noqa: E402
from invoicetools.book.settings import write_settings  # noqa: E402


@pytest.fixture
def book() -> MemoryBook:
    b = MemoryBook.new("漏上傳.xlsm")
    write_settings(b, {"統一編號": COMPANY, "申報年月": "11302"})
    return b


@pytest.fixture
def ctx(book: MemoryBook) -> Context:
    return Context(io=book, now=clock(), user="測試會計")
