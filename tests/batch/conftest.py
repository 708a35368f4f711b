"""The demo company's workbook after the demo's whole run: a client as a firm would have it."""

from __future__ import annotations

from pathlib import Path

import pytest

from invoicetools.cli.demo_run import run_demo


@pytest.fixture(scope="session")
def demo_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    assert run_demo(folder, quiet=True) == 0
    return folder / "InvoiceTools-示範.xlsm"
