"""The demo's platform status comes as the platform's query gives it: one file per month, read as one snapshot."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from invoicetools.actions.base import Context
from invoicetools.actions.platform_status import import_status
from invoicetools.book.memory import MemoryBook
from invoicetools.demo.sample import generate, write_files


def test_demo_status_is_two_monthly_files_read_as_one_snapshot(tmp_path: Path) -> None:
    data = generate()
    inputs = write_files(data, tmp_path)
    for key, frame in (("status", data.status), ("status_fixed", data.status_fixed)):
        folder = inputs[key]
        assert folder.is_dir()
        files = sorted(p.name for p in folder.iterdir())
        assert files == ["平台發票狀況_114年01月.csv", "平台發票狀況_114年02月.csv"]
        months = [pd.read_csv(folder / f, encoding="utf-8-sig", dtype=str) for f in files]
        assert all(len(m) for m in months)
        assert {d[:7] for d in months[0]["發票日期"]} == {"2025/01"} and {d[:7] for d in months[1]["發票日期"]} == {
            "2025/02"}
        assert sum(len(m) for m in months) == len(frame)

        book = MemoryBook.new()
        result = import_status(Context(io=book), [folder])
        assert result.exit_code == 0 and result.counts["檔案"] == 2 and "重複發票" not in result.counts
        imported = book.tables["tblPlatform"]
        assert sorted(imported["發票號碼"]) == sorted(frame["發票號碼"])  # nothing lost, nothing doubled
