"""漏上傳檢核 action: the sheet, the prerequisite guard, 期限, allocation, findings; CSV = xlsx = pasted data."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
import pytest
from upload_data import EXPECTED, ROWS, clock, write_csv, write_status_csv, write_xlsx

from invoicetools.actions.base import Context
from invoicetools.actions.invoices import import_invoices
from invoicetools.actions.platform_status import import_status
from invoicetools.actions.upload_check import (
    CLEAN_MESSAGE,
    PREREQUISITE_MESSAGE,
    reconcile_uploads,
    reconcile_uploads_from_sheet,
)
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.domain.errors import InputError, RefusalError, Severity

SHEET = layout.sheet("漏上傳檢核")


def loaded(ctx: Context, tmp_path: Path, register: Path | None = None) -> None:
    import_invoices(ctx, register or write_csv(tmp_path / "erp.csv"))
    import_status(ctx, [write_status_csv(tmp_path / "status.csv")])


def problems(rows: list[dict]) -> list[tuple[str, str]]:
    return sorted((r["問題"], r["發票號碼"]) for r in rows)


def test_check_finds_every_planted_problem(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    loaded(ctx, tmp_path)
    result = reconcile_uploads(ctx, period="11302")
    assert result.rows is not None and problems(result.rows) == EXPECTED
    assert result.exit_code == 1
    sheet = book.tables["tblUploadCheck"]
    assert list(sheet.columns) == list(layout.table("漏上傳檢核").headers)
    assert sheet["序號"].tolist() == list(range(1, len(EXPECTED) + 1))
    first = result.rows[0]
    assert first == {
        "序號": 1, "帳別": "A", "資料申報年月": "11302", "發票日期": datetime.date(2024, 1, 6), "發票號碼": "AB12345001",
        "客戶編號": "C002", "客戶名稱": "新竹電子", "銷售人統編": "04595257", "列印註記": "N", "轉檔日": None,
        "問題": "未上傳", "期限": datetime.datetime(2024, 1, 8, 23, 59, 59), "說明": "平台查無此發票",
    }
    failed = next(r for r in result.rows if r["問題"] == "上傳失敗")
    assert failed["期限"] == datetime.datetime(2024, 1, 9, 9, 0)  # ROC date + 開立時間 09:00 + 48 h
    assert failed["說明"] == "平台狀態：E：E0001 買方統編錯誤"
    only = next(r for r in result.rows if r["問題"] == "平台有帳上無")
    assert only["發票日期"] == datetime.date(2024, 1, 20) and only["期限"] is None
    dups = [r for r in result.rows if r["問題"] == "重號"]
    assert {r["說明"] for r in dups} == {"發票資料第 10、11 列重複"}  # sheet rows (data from row 5)
    assert book.params["漏上傳檢核"] == {"account": None, "period": "11302", "date_from": None, "date_to": None}
    status = book.status["漏上傳檢核"]
    assert status.startswith("共 6 筆：未上傳 1、上傳失敗 1、作廢未上傳 1、平台有帳上無 1、重號 2")
    assert "其中 3 筆已超過上傳期限" in status  # the three upload problems, checked on 2024-03-05
    codes = {(f.code, f.severity) for f in result.findings}
    assert ("late_upload", Severity.WARNING) in codes  # AB12345009 uploaded after its 7 days
    assert ("bad_date", Severity.ERROR) in codes and ("bad_invoice_number", Severity.ERROR) in codes
    assert ("no_allocation", Severity.INFO) in codes
    assert not any(f.code == "duplicate_invoice_number" for f in result.findings)  # they are 重號 rows
    assert book.tables["tblLog"]["步驟"].tolist()[-1] == "漏上傳檢核"


def test_same_results_from_csv_xlsx_and_a_paste(tmp_path: Path) -> None:
    from fake_xlwings import layout_book

    from invoicetools.book.settings import write_settings
    from invoicetools.book.xlwings_io import XlwingsBook

    def run(io: object, register: Path | None) -> list[tuple]:
        ctx = Context(io=io, now=clock(), user="t")  # type: ignore[arg-type]
        write_settings(ctx.io, {"統一編號": "04595257", "申報年月": "11302"})
        if register is not None:
            import_invoices(ctx, register)
        import_status(ctx, [write_status_csv(tmp_path / "status.csv")])
        rows = reconcile_uploads(ctx, period="11302").rows or []
        return [(r["問題"], r["發票號碼"], r["帳別"], r["發票日期"], r["期限"], r["客戶編號"]) for r in rows]

    from_csv = run(MemoryBook.new(), write_csv(tmp_path / "a.csv"))
    from_xlsx = run(MemoryBook.new(), write_xlsx(tmp_path / "a.xlsx"))
    # pasted into Excel: Excel's own entry rules apply (numbers, dates, text cells)
    fake = layout_book()
    ws = fake.sheets["發票資料"]
    ws.range("A4:N4").clear_contents()
    header = ["發票日期", "發票號碼", "帳別", "開立時間", "客戶代號", "客戶名稱", "買方統編", "銷售人統編",
              "未稅金額", "稅額", "含稅金額", "狀態", "列印註記", "轉檔日", "門市"]
    ws.type_in("A4", [header])
    ws.range("B5:H20").number_format = "@"
    ws.type_in("A5", [[v if v != "" else None for v in row] for row in ROWS])
    from_paste = run(XlwingsBook(fake), None)
    assert [r[:2] for r in sorted(from_csv)] == EXPECTED
    assert from_csv == from_xlsx == from_paste


def test_prerequisite_never_downloaded(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    import_invoices(ctx, write_csv(tmp_path / "erp.csv"))
    book.tables["tblUploadCheck"] = pd.DataFrame({"序號": [1], "問題": ["未上傳"]})  # an old result
    with pytest.raises(RefusalError) as exc:
        reconcile_uploads(ctx, period="11302")
    assert str(exc.value).startswith(PREREQUISITE_MESSAGE) and exc.value.exit_code == 1
    assert book.status["漏上傳檢核"].startswith(PREREQUISITE_MESSAGE)
    assert book.tables["tblUploadCheck"].empty  # no stale result left looking like success
    assert book.tables["tblLog"]["結果"].tolist()[-1].startswith(PREREQUISITE_MESSAGE)


def test_prerequisite_older_than_the_newest_invoice(tmp_path: Path, book: MemoryBook) -> None:
    early = Context(io=book, now=clock(datetime.datetime(2024, 1, 14, 12, 0)), user="t")
    loaded(early, tmp_path)  # status downloaded 2024-01-14 12:00; AB12345009 issued 2024-01-14 16:30
    later = Context(io=book, now=clock(datetime.datetime(2024, 3, 5)), user="t")
    with pytest.raises(RefusalError, match="早於最新一張發票的開立時間 2024/01/14 16:30"):
        reconcile_uploads(later, period="11302")
    # a narrower range ending before that invoice is fine
    result = reconcile_uploads(later, period="11302", date_to=datetime.date(2024, 1, 13))
    assert result.exit_code == 1
    # --force REASON goes on, with the reason logged and a warning
    forced = Context(io=book, now=clock(datetime.datetime(2024, 3, 5)), user="t", force_reason="平台維護中")
    result = reconcile_uploads(forced, period="11302")
    assert result.rows and any(f.code == "prerequisite_forced" for f in result.findings)
    assert "force=平台維護中" in book.tables["tblLog"]["參數"].tolist()[-1]


def test_clean_check_says_congratulations(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    path = tmp_path / "erp.csv"
    pd.DataFrame({"發票號碼": ["AB00000001", "AB00000002"], "發票日期": ["2024-01-05", "2024-01-06"]}).to_csv(
        path, index=False)
    status = tmp_path / "st.csv"
    pd.DataFrame({"發票號碼": ["AB00000001", "AB00000002"], "狀態": ["C", "C"]}).to_csv(status, index=False)
    import_invoices(ctx, path)
    import_status(ctx, [status])
    result = reconcile_uploads(ctx, period="113 01~02")
    assert result.exit_code == 0 and result.rows == []
    assert result.message.splitlines()[0] == CLEAN_MESSAGE
    assert book.status["漏上傳檢核"].startswith(CLEAN_MESSAGE)
    assert book.tables["tblUploadCheck"].empty


def test_unreadable_rows_prevent_congratulations(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    path = tmp_path / "erp.csv"
    pd.DataFrame({"發票號碼": ["AB00000001", "XX"], "發票日期": ["2024-01-05", "2024-01-06"]}).to_csv(path, index=False)
    status = tmp_path / "st.csv"
    pd.DataFrame({"發票號碼": ["AB00000001"], "狀態": ["C"]}).to_csv(status, index=False)
    import_invoices(ctx, path)
    import_status(ctx, [status])
    result = reconcile_uploads(ctx, period="11302")
    assert result.exit_code == 1 and result.rows == []
    assert CLEAN_MESSAGE not in result.message and "無法檢核" in result.message


def test_no_invoices_in_range_is_never_an_all_clear(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    """Issue 14.1: a period (or 帳別, or date range) with no register row is exit 1 and says so — no 恭喜您."""
    loaded(ctx, tmp_path)
    result = reconcile_uploads(ctx, period="11306")
    assert any(f.code == "no_invoices" for f in result.findings)
    assert result.exit_code == 1 and CLEAN_MESSAGE not in result.message
    assert any(f.code == "bad_date" for f in result.findings)
    clean = Context(io=MemoryBook.new(), now=clock(), user="t")
    import_status(clean, [write_status_csv(tmp_path / "s.csv")])
    result = reconcile_uploads(clean, period="11306")
    assert result.exit_code == 1 and "沒有發票資料可檢核" in result.message
    assert CLEAN_MESSAGE not in result.message and CLEAN_MESSAGE not in str(clean.io.status["漏上傳檢核"])
    assert "沒有發票資料可檢核" in str(clean.io.status["漏上傳檢核"])  # the sheet's status line says the same
    # a 帳別 with no invoice in a period that has some: the same
    loaded_again = reconcile_uploads(ctx, period="11302", account="Z")
    assert loaded_again.exit_code == 1 and "沒有發票資料可檢核" in loaded_again.message


def test_account_filter_and_allocation(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    loaded(ctx, tmp_path)
    book.write_table(layout.table("配號設定"), pd.DataFrame({
        "帳別": ["A", "B"], "機台號": ["001", "002"], "發票字軌": ["AB", "AB"],
        "起號": ["12345000", "12345050"], "迄號": ["12345049", "12345099"], "申報年月": ["11302", "11302"],
    }))
    result = reconcile_uploads(ctx, period="11302", account="B")
    # 帳別 B rows only; the platform-only AB12345099 is in B's machine range
    assert problems(result.rows or []) == [("平台有帳上無", "AB12345099")]
    result = reconcile_uploads(ctx, period="11302", account="A")
    assert problems(result.rows or []) == [("上傳失敗", "AB12345002"), ("作廢未上傳", "AB12345007"),
                                          ("未上傳", "AB12345001"), ("重號", "AB12345005"), ("重號", "AB12345005")]
    assert not any(f.code == "no_allocation" for f in result.findings)


def test_outside_every_range_and_tracks_fallback(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    loaded(ctx, tmp_path)
    book.write_table(layout.table("字軌配號"), pd.DataFrame({
        "營業人統編": ["04595257"], "發票類別代號": ["07"], "發票期別": ["113/01 ~ 113/02"], "發票字軌名稱": ["AB"],
        "發票起號": ["12345000"], "發票迄號": ["12345004"],
    }))
    result = reconcile_uploads(ctx, period="11302")
    outside = sorted(r["發票號碼"] for r in result.rows or [] if r["問題"] == "不在配號範圍")
    assert outside == ["AB12345005", "AB12345007", "AB12345008", "AB12345009"]
    assert any(f.code == "allocation_from_tracks" for f in result.findings)
    # another period's allocation does not count
    result = reconcile_uploads(ctx, period="11304")
    assert any(f.code == "no_allocation" for f in result.findings)


def test_dates_narrow_the_range_and_bad_ranges_are_refused(tmp_path: Path, ctx: Context) -> None:
    loaded(ctx, tmp_path)
    result = reconcile_uploads(ctx, period="11302", date_from=datetime.date(2024, 1, 7), date_to=datetime.date(2024, 1, 12))
    assert problems(result.rows or []) == [("上傳失敗", "AB12345002"), ("作廢未上傳", "AB12345007"),
                                          ("重號", "AB12345005"), ("重號", "AB12345005")]
    with pytest.raises(InputError, match="不在資料申報年月"):
        reconcile_uploads(ctx, period="11302", date_from=datetime.date(2024, 5, 1))


def test_period_from_settings_and_from_the_sheet(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    loaded(ctx, tmp_path)
    assert problems(reconcile_uploads(ctx).rows or []) == EXPECTED  # 設定 申報年月 11302
    book.params["漏上傳檢核"].update({"account": "B", "period": 11302.0, "date_from": "2024/01/01", "date_to": None})
    result = reconcile_uploads_from_sheet(ctx)
    assert result.rows == []  # 帳別 B is clean; without an allocation AB12345099 has no 帳別
    assert result.params["account"] == "B" and result.params["from"] == datetime.date(2024, 1, 1)
    assert book.params["漏上傳檢核"]["date_from"] == datetime.date(2024, 1, 1)
    book.params["漏上傳檢核"].update({"period": "11301"})
    with pytest.raises(InputError, match="資料申報年月"):
        reconcile_uploads_from_sheet(ctx)


def test_pending_and_cancel_failure_notes(ctx: Context, book: MemoryBook) -> None:
    book.write_table(layout.table("發票資料"), pd.DataFrame({
        "發票號碼": ["AB00000001", "AB00000002"], "發票日期": ["2024-01-05", "2024-01-05"], "狀態": ["開立", "作廢"]}))
    book.write_table(layout.table("平台狀況"), pd.DataFrame({
        "發票號碼": ["AB00000001", "AB00000002", "AB00000002"], "狀態": ["處理中", "已上傳", "上傳失敗"],
        "原始狀態": ["綠界 上傳=0", "F0401 開立 成功", "F0501 E1234"], "說明": [None, None, "作廢理由錯誤"],
        "上傳日期": ["2024-01-05 10:00", "2024-01-05 10:00", "2024-01-06 10:00"]}))
    book.params["平台狀況"]["downloaded_at"] = "2024-03-01 00:00:00"
    result = reconcile_uploads(ctx, period="11302")
    rows = result.rows or []
    # issue 14.2: a pending result (處理中) is not a row, only counted, and the message says to download again later
    assert [(r["問題"], r["說明"]) for r in rows] == [
        ("作廢未上傳", "發票資料為作廢，平台上仍為開立（作廢未上傳）；平台失敗訊息：F0501 E1234：作廢理由錯誤"),
    ]
    assert result.counts["處理中"] == 1 and "1 張平台仍在處理中" in result.message and "重新[下載平台發票狀況]" in result.message
