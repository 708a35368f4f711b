"""The 漏上傳檢核 commands end to end on a product workbook: imports, check-upload --json, refusals, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from upload_data import EXPECTED, write_csv, write_status_csv, write_xlsx

from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def book(template_book: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert run(capsys, "settings", "--book", str(template_book), "統一編號=04595257", "申報年月=11302")[0] == 0
    return template_book


def test_whole_flow(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = ["--book", str(book)]
    code, out, err = run(capsys, "invoices", "import", str(write_csv(tmp_path / "ERP.csv")), *b)
    assert code == 1 and "已匯入 13 張發票" in out + err and "第 9 列" in out + err
    # before any status download: refused, exit 1, the fixed message
    code, out, err = run(capsys, "check-upload", *b, "--period", "11302", "--json")
    assert code == 1 and "資料檢核前，請先執行[下載平台發票狀況]" in err
    assert out == ""  # nothing on stdout when refused
    code, out, err = run(capsys, "status", "import", str(write_status_csv(tmp_path / "st.csv")), *b)
    assert code == 0 and "10 筆平台發票狀況" in out
    code, out, err = run(capsys, "check-upload", *b, "--period", "113 01~02", "--json")
    assert code == 1
    rows = json.loads(out)  # stdout holds only the JSON
    assert sorted((r["問題"], r["發票號碼"]) for r in rows) == EXPECTED
    assert list(rows[0]) == list(layout.table("漏上傳檢核").headers)
    assert rows[0]["發票日期"] == "2024-01-06" and rows[0]["期限"] == "2024-01-08T23:59:59"
    assert "共 6 筆" in err
    # the workbook: result table, params, status, findings, log
    fb = FileBook(book)
    try:
        sheet = fb.read_table(layout.table("漏上傳檢核"))
        assert sorted(zip(sheet["問題"], sheet["發票號碼"], strict=True)) == EXPECTED
        assert fb.read_params(layout.sheet("漏上傳檢核"))["period"] == "11302"
        findings = fb.read_table(layout.table("檢核訊息"))
        assert {"漏上傳檢核", "匯入發票資料"} <= set(findings["步驟"])
        log = fb.read_table(layout.table("執行紀錄"))
        assert log["步驟"].tolist()[-4:] == ["匯入發票資料", "漏上傳檢核", "下載平台發票狀況", "漏上傳檢核"]
        platform = fb.read_params(layout.sheet("平台狀況"))
        assert platform["source"] == "st.csv" and platform["downloaded_at"]
    finally:
        fb.close()
    # a narrower check: account and dates
    code, out, _ = run(capsys, "check-upload", *b, "--period", "11302", "--account", "B", "--json", "-q")
    assert code == 0 and json.loads(out) == []


def test_xlsx_register_and_plain_output(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = ["--book", str(book)]
    assert run(capsys, "invoices", "import", str(write_xlsx(tmp_path / "ERP.xlsx")), *b)[0] == 1
    assert run(capsys, "status", "import", str(write_status_csv(tmp_path / "st.csv")), *b)[0] == 0
    code, out, err = run(capsys, "check-upload", *b, "--from", "2024-01-01", "--to", "113/01/31")
    assert code == 1 and "共 6 筆" in err and out == ""


def test_force_overrides_the_refusal_and_is_logged(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = ["--book", str(book)]
    run(capsys, "invoices", "import", str(write_csv(tmp_path / "ERP.csv")), *b)
    code, out, _ = run(capsys, "check-upload", *b, "--json", "--force", "平台維護")
    rows = json.loads(out)
    assert code == 1 and len(rows) == 11  # 9 numbers 未上傳 (no status at all) + 重號 ×2
    assert sum(r["問題"] == "未上傳" for r in rows) == 9
    fb = FileBook(book)
    try:
        log = fb.read_table(layout.table("執行紀錄"))
        assert "force=平台維護" in str(log["參數"].tolist()[-1])
    finally:
        fb.close()


def test_usage_errors(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check-upload", "--book", str(book), "--period", "11301")
    assert code == 2 and "雙月" in err
    code, _, err = run(capsys, "check-upload", "--book", str(book), "--from", "2024-02-30")
    assert code == 2 and "--from" in err
    code, _, err = run(capsys, "status", "import", "--book", str(book), "/no/such/file.csv")
    assert code == 2 and "找不到" in err
