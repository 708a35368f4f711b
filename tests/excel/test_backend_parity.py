"""The same action gives the same results on MemoryBook, FileBook and XlwingsBook."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from fake_xlwings import layout_book

from invoicetools.actions.base import ActionResult, Context, finish
from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.book.io import WorkbookIO
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import read_settings, write_settings
from invoicetools.book.tables import read_typed
from invoicetools.book.xlwings_io import XlwingsBook
from workbooks import make_layout_workbook

INVOICES = layout.table("發票資料")
RESULT = layout.table("漏上傳檢核")
SHEET = layout.sheet("漏上傳檢核")
NOW = datetime.datetime(2025, 3, 3, 9, 30, 15)

# What an ERP export holds (as text, the way a CSV import or a paste brings it in).
RAW = pd.DataFrame({
    "帳別": ["001", "001", "002", "002"],
    "發票號碼": ["AB00000001", "AB00000002", "AB00000003", "AB00000004"],
    "發票日期": ["2025/01/05", "2025/01/06", "2025/02/28", "2025/13/01"],
    "客戶編號": ["00123", "=cmd|' /C calc'!A0", "0456", None],
    "客戶名稱": ["甲公司", "乙公司", "-丙公司", "丁"],
    "總計": ["1,050", "99", "0", "12"],
    "狀態": ["開立", "作廢", "開立", "開立"],
})


def tiny_action(ctx: Context) -> ActionResult:
    """Read the register, settings and the sheet's parameters; write one result row per invoice."""
    invoices, findings = read_typed(ctx.io, INVOICES)
    settings = read_settings(ctx.io)
    params = ctx.io.read_params(SHEET)
    account = params.get("account")
    chosen = invoices if account is None else invoices[invoices["帳別"] == account]
    out = pd.DataFrame({
        "序號": range(1, len(chosen) + 1),
        "帳別": chosen["帳別"].tolist(),
        "資料申報年月": [settings.period.code if settings.period else None] * len(chosen),
        "發票日期": chosen["發票日期"].tolist(),
        "發票號碼": chosen["發票號碼"].tolist(),
        "客戶編號": chosen["客戶編號"].tolist(),
        "客戶名稱": chosen["客戶名稱"].tolist(),
        "銷售人統編": [settings.ubn] * len(chosen),
        "問題": ["未上傳" if s == "開立" else "作廢未上傳" for s in chosen["狀態"]],
        "期限": [d + pd.Timedelta(days=2) if not pd.isna(d) else None for d in chosen["發票日期"]],
        "說明": [f"金額 {v:,.0f}" for v in chosen["總計"]],
    })
    ctx.io.write_table(RESULT, out.reindex(columns=list(RESULT.headers)))
    ctx.io.write_params(SHEET, {"period": settings.period.code if settings.period else None})
    ctx.io.set_status(SHEET, f"共 {len(out)} 筆")
    result = ActionResult("測試步驟", f"共 {len(out)} 筆", counts={"筆數": len(out)}, findings=findings,
                          params={"account": account})
    return finish(ctx, result)


def _seed(io: WorkbookIO) -> None:
    io.write_table(INVOICES, RAW)
    write_settings(io, {"統一編號": "04595257", "申報年月": "11402", "公司名稱": "測試股份有限公司"})
    io.write_params(SHEET, {"account": "001"})
    io.commit()


def _memory(tmp_path: Path) -> tuple[WorkbookIO, Callable[[], WorkbookIO]]:
    book = MemoryBook.new("book.xlsx")
    return book, lambda: book


def _file(tmp_path: Path) -> tuple[WorkbookIO, Callable[[], WorkbookIO]]:
    path = make_layout_workbook(tmp_path / "book.xlsx")
    return FileBook(path), lambda: FileBook(path)


def _excel(tmp_path: Path) -> tuple[WorkbookIO, Callable[[], WorkbookIO]]:
    book = layout_book("book.xlsx")
    return XlwingsBook(book), lambda: XlwingsBook(book)


BACKENDS = {"memory": _memory, "file": _file, "xlwings": _excel}


def _run(kind: str, tmp_path: Path) -> dict[str, object]:
    io, reopen = BACKENDS[kind](tmp_path)
    _seed(io)
    io = reopen()
    ctx = Context(io=io, now=lambda: NOW, user="會計甲")
    result = tiny_action(ctx)
    io = reopen()
    out: dict[str, object] = {"exit": result.exit_code, "message": result.message,
                              "findings": [(f.code, f.where.row, f.where.column) for f in result.findings]}
    for sheet in ("漏上傳檢核", "檢核訊息", "執行紀錄"):
        frame, _ = read_typed(io, layout.table(sheet))
        out[sheet] = frame
    out["params"] = {k: (None if v is None else str(v)) for k, v in io.read_params(SHEET).items()}
    if isinstance(io, XlwingsBook):
        out["formulas"] = [f for ws in io.book.sheets for f in ws.formulas()]
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    return {kind: _run(kind, tmp_path_factory.mktemp(kind)) for kind in BACKENDS}


@pytest.mark.parametrize("kind", ["file", "xlwings"])
def test_same_results_as_memory(results: dict[str, dict[str, object]], kind: str) -> None:
    expected, got = results["memory"], results[kind]
    for key in ("exit", "message", "findings", "params"):
        assert got[key] == expected[key], key
    for sheet in ("漏上傳檢核", "檢核訊息", "執行紀錄"):
        pd.testing.assert_frame_equal(got[sheet], expected[sheet], check_dtype=False, obj=f"{kind}:{sheet}")


def test_the_result_is_what_the_action_meant(results: dict[str, dict[str, object]]) -> None:
    frame = results["xlwings"]["漏上傳檢核"]
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.index) == [10, 11]
    assert frame["客戶編號"].tolist() == ["00123", "=cmd|'/Ccalc'!A0"]  # IDs: spaces removed
    assert frame["銷售人統編"].tolist() == ["04595257", "04595257"]
    assert frame.at[10, "發票日期"] == pd.Timestamp("2025-01-05")
    assert frame.at[11, "期限"] == pd.Timestamp("2025-01-08")
    log = results["xlwings"]["執行紀錄"]
    assert isinstance(log, pd.DataFrame) and log["步驟"].tolist() == ["測試步驟"]
    assert results["xlwings"]["findings"] == [("bad_date", 8, "發票日期")]
    assert results["xlwings"]["formulas"] == []  # the injected text stayed text
