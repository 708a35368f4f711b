"""The used numbers of a period are kept per content: 跳號, 整批作廢 and E0402 on the same data get
exactly what computing them gives; another allocation, download state or register computes them again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from gapbook import MACHINES, PERIOD, UBN, allocation_frame, register_frame, standard_register

from invoicetools.actions import reading
from invoicetools.actions.base import Context
from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.book.settings import read_settings, write_settings
from invoicetools.domain import periods
from invoicetools.steps import used
from invoicetools.steps.used import PeriodUse
from workbooks import cached_book


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    fb = cached_book(tmp_path, monkeypatch)
    path = fb.path
    write_settings(fb, {"統一編號": UBN, "申報年月": PERIOD, "帳別": "A"})
    fb.write_table(layout.table("配號設定"), allocation_frame())
    register = [*standard_register(), "KA1234", "KZ99999999"]  # a bad number, one outside the allocation
    fb.write_table(layout.table("發票資料"), register_frame(register).assign(
        發票日期=["2025/01/15"] * (len(register) - 1) + ["2025/13/40"]))
    fb.write_table(layout.table("平台狀況"), pd.DataFrame({"發票號碼": standard_register()[5:], "狀態": "已上傳"}))
    fb.commit()
    fb.close()
    return path


def _use(path: Path, machines: object = MACHINES) -> PeriodUse:
    io = FileBook(path)
    ctx = Context(io=io)
    try:
        allocation = reading.read_allocation(ctx, periods.parse(PERIOD), read_settings(io))
        return reading.read_used_numbers(ctx, allocation)
    finally:
        io.close()


def _same(a: PeriodUse, b: PeriodUse) -> None:
    assert np.array_equal(a.used.register, b.used.register)
    assert (a.used.platform is None) == (b.used.platform is None)
    if a.used.platform is not None:
        assert np.array_equal(a.used.platform, b.used.platform)
    assert (a.findings, a.latest_issued) == (b.findings, b.latest_issued)


def test_the_next_step_gets_what_computing_gives(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _use(book)
    assert {f.code for f in first.findings} >= {"gaps_bad_number", "bad_date"}
    with monkeypatch.context() as m:
        def refuse(*args: object, **kwargs: object) -> None:
            raise AssertionError("computed again: the kept used numbers should have served")

        m.setattr(used, "used_numbers", refuse)
        kept = _use(book)
    _same(kept, first)
    kept.used.register.sort()  # a step may sort in place: the kept arrays are the step's own


def test_another_allocation_or_download_state_computes_again(book: Path) -> None:
    first = _use(book)
    fb = FileBook(book, writer=True)
    fb.write_table(layout.table("配號設定"), allocation_frame(MACHINES[:2]))  # KB's range gone
    fb.commit()
    fb.close()
    fewer = _use(book)
    assert len(fewer.findings) > len(first.findings)  # KB numbers now lie outside the allocation
    fb = FileBook(book, writer=True)
    fb.write_table(layout.table("平台狀況"), pd.DataFrame(columns=list(layout.table("平台狀況").headers)))
    fb.commit()
    fb.close()
    assert _use(book).used.platform is None  # never downloaded: unknown, not empty
    fb = FileBook(book, writer=True)
    fb.write_params(layout.sheet("平台狀況"), {"downloaded_at": "2025/03/01 09:00"})
    fb.commit()
    fb.close()
    downloaded = _use(book).used.platform
    assert downloaded is not None and len(downloaded) == 0  # downloaded, and nothing there


def test_without_the_cache_the_void_parses_each_sheet_once(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """整批作廢 runs 漏上傳檢核 (both tables whole) and the gaps (some columns): with the cache off
    the column reads come from the whole tables, never from a second parse of the sheet."""
    from invoicetools.book import file_backend
    from invoicetools.cli import main

    monkeypatch.setenv("INVOICETOOLS_NO_CACHE", "1")
    parsed: list[str] = []
    for name in ("load_grid", "load_columns"):
        real = getattr(file_backend, name)

        def counting(path: Path, sheet: str, *args: object, _real: object = real, **kwargs: object) -> object:
            parsed.append(sheet)
            return _real(path, sheet, *args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(file_backend, name, counting)
    code = main(["gaps", "--book", str(book), "--void", "--force", "測試", "--quiet"])
    assert code in (0, 1)
    big = [s for s in parsed if s in ("發票資料", "平台狀況")]
    assert sorted(big) == ["平台狀況", "發票資料"], parsed
