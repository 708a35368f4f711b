"""Workbook files for the end-to-end 配號 tests: a product workbook with the company set, its 字軌配號 read back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from ecpay_fake import STAGE_HASH_IV, STAGE_HASH_KEY, STAGE_MERCHANT_ID
from trackdata import COMPANY

from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.cli import main
from workbooks import new_book

__all__ = ["login_ecpay", "make_book", "table_of", "tracks_of"]


def make_book(path: Path, period: str = "11402") -> Path:
    """A workbook from the product template with 統一編號 and 申報年月 set (through the CLI)."""
    new_book(path)
    assert main(["settings", "--book", str(path), f"統一編號={COMPANY}", f"申報年月={period}"]) == 0
    return path


def table_of(path: Path, name: str) -> pd.DataFrame:
    book = FileBook(path)
    try:
        return book.read_table(layout.table(name))
    finally:
        book.close()


def tracks_of(path: Path) -> pd.DataFrame:
    return table_of(path, "字軌配號")


def login_ecpay(book: Path, monkeypatch: pytest.MonkeyPatch, url: str = "") -> int:
    """``tracks login`` with the ECPay stage login typed at the hidden prompts."""
    secrets = iter([STAGE_HASH_KEY, STAGE_HASH_IV])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(secrets))
    args = ["tracks", "login", "--book", str(book), "--provider", "ecpay", "--merchant-id", STAGE_MERCHANT_ID]
    if url:
        args += ["--url", url]
    return main(args)
