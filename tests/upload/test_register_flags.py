"""ERP registers that mark voids with a flag column instead of a 狀態 word, and registers with no status at all.

Shapes: Taiwanese ERP schemas carry the void mark as a one-letter flag labelled 作廢碼 (Y = 作廢;
e.g. TIPTOP GP's 確認否/作廢碼 fields, a public NCCC entity's ``VOID_STATUS`` 「作廢碼Y:作廢」)
or as 是否作廢 是/否; exports write them as Big5 CSV (the 鼎新/正航 habit the ERP manual in the
project's reference shows for the register) or xlsx, with TRUE/FALSE cells where the export
writes booleans. The issue's rule: Y, 1, 是, V, TRUE → 作廢; N, 0, 否, blank → 開立; 註銷碼/註銷 alike.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from invoicetools.actions.base import Context
from invoicetools.actions.invoices import import_invoices
from invoicetools.book.memory import MemoryBook
from invoicetools.cli import main
from invoicetools.domain.errors import Severity

COMPANY = "04595257"
HEADER = ["發票號碼", "發票日期", "客戶代號", "客戶簡稱", "統一編號", "未稅金額", "稅額", "含稅金額", "作廢碼"]


def big5_export(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    pd.DataFrame(rows, columns=header).to_csv(path, index=False, encoding="cp950", lineterminator="\r\n")
    return path


ROWS = [
    ["AB12345000", "113/01/05", "C001", "台北商事", "", 1000, 50, 1050, "N"],
    ["AB12345001", "113/01/06", "C002", "新竹電子", "", 200, 10, 210, "Y"],
    ["AB12345002", "113/01/07", "", "散客", "", 100, 5, 105, ""],
    ["AB12345003", "113/01/08", "", "散客", "", 100, 5, 105, "y"],
    ["AB12345004", "113/01/09", "", "散客", "", 100, 5, 105, "X"],
]


def test_void_flag_without_a_status_word(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    result = import_invoices(ctx, big5_export(tmp_path / "銷貨發票明細.csv", ROWS))
    sheet = book.tables["tblInvoices"].set_index("發票號碼")
    assert sheet["狀態"].to_dict() == {"AB12345000": None, "AB12345001": "作廢", "AB12345002": None,
                                      "AB12345003": "作廢", "AB12345004": None}
    assert sheet["作廢碼"].tolist() == ["N", "Y", None, "y", "X"]  # the flag column is kept as imported
    assert result.counts["作廢"] == 2 and result.counts["開立"] == 3
    assert [(f.code, f.where.row, f.where.column, f.severity) for f in result.findings] == [
        ("unknown_status_flag", 6, "作廢碼", Severity.WARNING)]
    assert "作廢碼「X」無法辨識" in result.findings[0].message and "視為未作廢" in result.findings[0].message


def test_flags_in_xlsx_with_booleans_and_words(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    path = tmp_path / "發票.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("發票")
    header = ["發票號碼", "發票日期", "發票狀態", "是否作廢", "作廢註記", "註銷碼"]
    for j, h in enumerate(header):
        ws.write_string(0, j, h)
    rows = [
        ["AB12345000", "2024/01/05", "已開立", False, "", "0"],
        ["AB12345001", "2024/01/05", "已開立", True, "", ""],  # a TRUE cell
        ["AB12345002", "2024/01/05", "已開立", "是", "", ""],
        ["AB12345003", "2024/01/05", "已開立", "否", "V", ""],
        ["AB12345004", "2024/01/05", "已開立", "否", "", "1"],
        ["AB12345005", "2024/01/05", "作廢", "否", "", ""],  # the word says 作廢, its own flag says not
    ]
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if isinstance(value, bool):
                ws.write_boolean(i, j, value)
            else:
                ws.write_string(i, j, value)
    wb.close()
    result = import_invoices(ctx, path)
    sheet = book.tables["tblInvoices"].set_index("發票號碼")
    assert sheet["狀態"].to_dict() == {"AB12345000": "開立", "AB12345001": "作廢", "AB12345002": "作廢",
                                      "AB12345003": "作廢", "AB12345004": "註銷", "AB12345005": "作廢"}
    assert [(f.code, f.where.row, f.where.column) for f in result.findings] == [
        ("status_flag_conflict", 7, "是否作廢")]
    assert "狀態「作廢」與是否作廢「否」不一致" in result.findings[0].message


def test_a_register_without_any_status_column_warns_once(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    path = big5_export(tmp_path / "發票.csv", [r[:8] for r in ROWS[:3]], HEADER[:8])
    result = import_invoices(ctx, path)
    assert [(f.code, f.message, f.severity) for f in result.findings] == [
        ("no_status_column", "沒有狀態欄，全部視為開立（可用的欄位：狀態、發票狀態，或作廢碼、作廢註記、是否作廢、註銷碼）",
         Severity.WARNING)]
    assert result.findings[0].where.file == "發票.csv"
    assert result.counts["開立"] == 3 and result.exit_code == 0


def test_a_flagged_void_still_live_on_the_platform_is_found(tmp_path: Path, template_book: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """End to end: 作廢碼=Y while the platform still has the invoice live → 作廢未上傳 (it was missed before)."""
    b = ["--book", str(template_book)]
    assert main(["settings", *b, f"統一編號={COMPANY}", "申報年月=11302"]) == 0
    rows = [r for r in ROWS if r[-1] != "X"]
    assert main(["invoices", "import", str(big5_export(tmp_path / "ERP.csv", rows)), *b]) == 0
    status = tmp_path / "平台.csv"
    pd.DataFrame({"發票號碼": [r[0] for r in rows], "發票日期": "2024/01/05", "上傳狀態": "已確認",
                  "上傳時間": "2024/01/20 12:00"}).to_csv(status, index=False, encoding="utf-8-sig")
    assert main(["status", "import", str(status), *b]) == 0
    capsys.readouterr()
    assert main(["check-upload", *b, "--period", "11302", "--json"]) == 1
    found = sorted((r["問題"], r["發票號碼"]) for r in json.loads(capsys.readouterr().out))
    assert found == [("作廢未上傳", "AB12345001"), ("作廢未上傳", "AB12345003")]


def test_flags_pasted_into_the_sheet_count_in_the_check(ctx: Context, book: MemoryBook) -> None:
    """The check reads the flag columns of 發票資料 too (an export pasted in by hand, 狀態 left blank)."""
    from invoicetools.actions.upload_check import reconcile_uploads
    from invoicetools.book import layout

    numbers = [f"AB1234500{i}" for i in range(3)]
    book.write_table(layout.table("發票資料"), pd.DataFrame(
        {"發票號碼": numbers, "發票日期": "2024/01/05", "作廢碼": ["N", "Y", ""]}))
    book.write_table(layout.table("平台狀況"), pd.DataFrame(
        {"發票號碼": numbers, "狀態": "已上傳", "發票日期": "2024/01/05"}))
    book.write_params(layout.sheet("平台狀況"), {"downloaded_at": "2024/02/01 09:00"})
    rows = reconcile_uploads(ctx, period="11302").rows or []
    assert [(r["問題"], r["發票號碼"]) for r in rows] == [("作廢未上傳", "AB12345001")]
