"""Fixtures for the 漏上傳檢核 tests: the in-memory keyring always, memory books with a clock."""

from __future__ import annotations

import sys
from collections.abc import Iterator
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
from keyring_memory import MemoryKeyring, installed_memory_keyring  # noqa: E402


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test here runs with a fresh in-memory keyring (the OS keyring is never touched)."""
    with installed_memory_keyring() as ring:
        yield ring


@pytest.fixture
def book() -> MemoryBook:
    b = MemoryBook.new("漏上傳.xlsm")
    write_settings(b, {"統一編號": COMPANY, "申報年月": "11302"})
    return b


@pytest.fixture
def ctx(book: MemoryBook) -> Context:
    return Context(io=book, now=clock(), user="測試會計")
