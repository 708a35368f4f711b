"""批次 end to end: a second run over the same folder skips the first run's summary (and every other file
that is not a client) and gives the same client rows; what a client's steps found reaches its row."""

from __future__ import annotations

import contextlib
import csv
import io
import shutil
from pathlib import Path
from typing import Any

import openpyxl

from invoicetools.cli import main


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv))
    return code, out.getvalue()


def _summary(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Client rows by file name (keyed by the headers), and the skipped files with their reasons."""
    wb = openpyxl.load_workbook(path)
    ws = wb["批次結果"]
    header = [c.value for c in ws[3]]
    rows = {r[1]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=4, values_only=True) if r[1]}
    skipped = {r[0]: r[1] for r in wb["略過的檔案"].iter_rows(min_row=2, values_only=True)}
    return rows, skipped


def test_a_second_batch_skips_the_first_summary_and_gives_the_same_rows(
        demo_book: Path, template_book: Path, tmp_path: Path) -> None:
    clients = tmp_path / "客戶"
    clients.mkdir()
    shutil.copy(demo_book, clients / "01-範例商行.xlsm")
    shutil.copy(template_book, clients / "02-尚未設定.xlsm")
    shutil.copy(template_book, clients / "批次結果_其實是客戶.xlsm")  # a client by its layout, not its name
    (clients / "ERP發票資料.csv").write_text("發票號碼,發票日期\r\n", encoding="utf-8-sig")
    other = openpyxl.Workbook()
    other.active.title = "工作表1"  # type: ignore[union-attr]
    other.save(clients / "客戶名冊.xlsx")
    (clients / "舊版.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (clients / "封存").mkdir()
    out = tmp_path / "E0402"
    argv = ["batch", str(clients), "--period", "11402", "--out", str(out), "--today", "2025-03-03", "-q"]

    first_code, first_text = _run(*argv)
    summary = clients / "批次結果_11402_20250303.xlsx"
    first, first_skipped = _summary(summary)
    kept = tmp_path / "first.xlsx"
    shutil.copy(summary, kept)
    second_code, second_text = _run(*argv)
    second, second_skipped = _summary(summary)

    assert set(first) == {"01-範例商行.xlsm", "02-尚未設定.xlsm", "批次結果_其實是客戶.xlsm"}
    assert second == first and second_code == first_code == 1
    assert set(first_skipped) == {"ERP發票資料.csv", "客戶名冊.xlsx", "舊版.xls", "封存"}
    assert "不是 InvoiceTools 活頁簿" in first_skipped["客戶名冊.xlsx"] and ".xls" in first_skipped["舊版.xls"]
    assert second_skipped == {**first_skipped, "批次結果_11402_20250303.xlsx": second_skipped["批次結果_11402_20250303.xlsx"]}
    assert "批次彙總" in second_skipped["批次結果_11402_20250303.xlsx"]
    assert "批次結果_11402_20250303.xlsx：批次彙總" in second_text and "略過 5 個" in second_text
    assert "略過 4 個" in first_text
    assert openpyxl.load_workbook(kept)["批次結果"]["A2"].value.startswith("客戶 3 位：完成 1、需處理 0、錯誤 2；略過 4 個")

    good = first["01-範例商行.xlsm"]
    assert good["狀態"] == "完成" and good["E0402"] == "2 個檔案"
    # 說明 is not empty: each step's result, and nothing from steps this run did not run (the demo's 配號)
    assert "恭喜您！此次無漏上傳資料！" in good["說明"] and "已轉出" in good["說明"]
    assert "沒有分配給機台" not in good["說明"]
    assert first["02-尚未設定.xlsm"]["狀態"] == "錯誤" and "統一編號" in first["02-尚未設定.xlsm"]["說明"]


def _client_with_warnings(demo_book: Path, clients: Path, no_upcast: Path) -> Path:
    """The demo client whose Turnkey資料夾 has no UpCast folder and whose track KB is split between
    this system and another one: E0402 is written, but Turnkey will not upload it and the two
    reporters' files would replace each other."""
    book = Path(shutil.copy(demo_book, clients / "03-有警告.xlsm"))
    no_upcast.mkdir()
    assert _run("settings", "--book", str(book), f"Turnkey資料夾={no_upcast}", "-q")[0] == 0
    assert _run("tracks", "owner", "--book", str(book), "KB:56787000-56787999", "其他系統", "-q")[0] == 0
    return book


def test_the_warnings_of_a_client_reach_its_row_and_make_it_need_action(demo_book: Path, tmp_path: Path) -> None:
    clients = tmp_path / "客戶"
    clients.mkdir()
    _client_with_warnings(demo_book, clients, tmp_path / "不是Turnkey")
    code, text = _run("batch", str(clients), "--period", "11402", "--summary", str(tmp_path / "s.xlsx"), "--yes", "-q")
    rows, _ = _summary(tmp_path / "s.xlsx")
    row = rows["03-有警告.xlsm"]
    assert code == 1 and row["狀態"] == "需處理"
    assert row["漏上傳檢核"] == "無問題" and row["E0402"] == "2 個檔案"  # every step ended with exit 0
    notes = row["說明"]
    assert "E0402 警告：工作表「設定」 欄位「Turnkey資料夾」：" in notes and "Turnkey 不會自動上傳" in notes
    assert "E0402 警告：工作表「字軌配號」：字軌 KB 分屬不同申報者" in notes
    assert notes.index("E0402：已轉出") < notes.index("E0402 警告")  # the step's result first, then its findings
    assert "03-有警告.xlsm（需處理）" in text and "Turnkey 不會自動上傳" in text
    assert len(list((tmp_path / "不是Turnkey").glob("E0402_*.xml"))) == 2


def test_without_yes_a_changed_e0402_is_not_replaced_and_says_so(demo_book: Path, tmp_path: Path) -> None:
    clients = tmp_path / "客戶"
    clients.mkdir()
    _client_with_warnings(demo_book, clients, tmp_path / "不是Turnkey")
    assert _run("batch", str(clients), "--period", "11402", "--summary", str(tmp_path / "s.xlsx"), "-q")[0] == 1
    row = _summary(tmp_path / "s.xlsx")[0]["03-有警告.xlsm"]
    assert row["狀態"] == "需處理" and row["E0402"] == "需處理" and row["輸出檔案數"] == 0
    assert "沒有寫入任何檔案" in row["說明"] and "字軌 KB：新增" in row["說明"]
    assert not list((tmp_path / "不是Turnkey").glob("*.xml"))


def _status_with_pending(source: Path, dest: Path, number: str) -> Path:
    """The demo's platform status files (the platform's query, one CSV per month) with one invoice still
    「處理中」 (sent, the platform's result pending)."""
    shutil.copytree(source, dest)
    for path in dest.glob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        status = rows[0].index("狀態")
        for r in rows[1:]:
            if r[0] == number:
                r[status] = "處理中"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh, lineterminator="\r\n").writerows(rows)
    return dest


def test_pending_results_and_no_invoices_make_a_client_need_action(demo_book: Path, tmp_path: Path) -> None:
    clients = tmp_path / "客戶"
    clients.mkdir()
    book = shutil.copy(demo_book, clients / "04-處理中.xlsm")
    status = _status_with_pending(demo_book.parent / "輸入資料" / "平台發票狀況_補傳後", tmp_path / "狀況", "KA12348991")
    assert _run("status", "import", str(status), "--book", str(book), "-q")[0] == 0
    code, _ = _run("batch", str(clients), "--period", "11402", "--steps", "check-upload",
                   "--summary", str(tmp_path / "s.xlsx"), "-q")
    row = _summary(tmp_path / "s.xlsx")[0]["04-處理中.xlsm"]
    assert code == 1 and row["狀態"] == "需處理" and row["漏上傳檢核"] == "需處理"
    assert "1 張發票平台仍在處理中" in row["說明"] and "恭喜您" not in row["說明"]

    # a period without a single invoice is never all clear
    code, _ = _run("batch", str(clients), "--period", "11404", "--steps", "check-upload",
                   "--summary", str(tmp_path / "s2.xlsx"), "-q")
    row = _summary(tmp_path / "s2.xlsx")[0]["04-處理中.xlsm"]
    assert code == 1 and row["狀態"] == "需處理"
    assert "沒有發票資料可檢核" in row["說明"] and "漏上傳檢核 錯誤：工作表「發票資料」" in row["說明"]
