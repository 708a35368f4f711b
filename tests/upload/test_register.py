"""發票資料: registers from Big5/UTF-8 CSV, xlsx and pasted sheet data; bad rows are findings, not crashes."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from upload_data import COLUMNS, ROWS, register_frame, write_csv, write_xlsx

from invoicetools.actions.base import Context
from invoicetools.actions.invoices import import_invoices
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.domain.dates import parse_dates
from invoicetools.domain.errors import Location, Severity
from invoicetools.sources.register import parse_dates_fast, prepare_register, register_status

INVOICES = layout.table("發票資料")


def codes(findings: list, severity: Severity | None = None) -> list[tuple[str, int | None]]:
    return sorted((f.code, f.where.row) for f in findings if severity is None or f.severity is severity)


@pytest.mark.parametrize("encoding", ["cp950", "utf-8-sig", "utf-8"])
def test_csv_import_keeps_every_row_and_reports_bad_ones(tmp_path: Path, ctx: Context, book: MemoryBook,
                                                         encoding: str) -> None:
    path = write_csv(tmp_path / "ERP發票.csv", encoding)
    result = import_invoices(ctx, path)
    sheet = book.tables["tblInvoices"]
    assert len(sheet) == len(ROWS)  # nothing the accountant imported is lost
    assert list(sheet.columns) == [*INVOICES.headers, "門市"]  # layout order, extra column after
    assert sheet["發票號碼"].tolist()[4] == "AB12345004"  # full-width repaired
    assert sheet["發票號碼"].tolist()[8] == "A1234"  # invalid: kept as found
    assert sheet["發票日期"].tolist()[7] == "2024-13-40"  # unreadable: kept as text
    assert sheet["發票日期"].tolist()[2] == pd.Timestamp("2024-01-07")  # ROC 113/01/07
    assert sheet["發票日期"].tolist()[3] == pd.Timestamp("2024-01-08")  # ROC 1130108
    assert sheet["總計"].tolist()[0] == 1050
    assert sheet["門市"].tolist()[0] == "總店"
    # CSV line numbers: header on line 1, data from line 2
    assert codes(result.findings, Severity.ERROR) == [("bad_date", 9), ("bad_invoice_number", 10)]
    assert codes(result.findings, Severity.WARNING) == [("duplicate_invoice_number", 7),
                                                        ("duplicate_invoice_number", 8)]
    assert codes(result.findings, Severity.INFO) == [("invoice_number_repaired", 6)]
    assert all(f.where.file == "ERP發票.csv" for f in result.findings)
    assert result.exit_code == 1
    assert result.counts["發票"] == 13 and result.counts["作廢"] == 1 and result.counts["註銷"] == 1
    assert "13 張發票" in result.message and "2024/01/05 ~ 2024/03/01" in result.message
    log = book.tables["tblLog"]
    assert log["步驟"].tolist() == ["匯入發票資料"]


def test_xlsx_import_with_title_rows_and_date_cells(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    path = write_xlsx(tmp_path / "ERP發票.xlsx")
    result = import_invoices(ctx, path)
    sheet = book.tables["tblInvoices"]
    assert len(sheet) == len(ROWS)
    assert sheet["發票日期"].tolist()[0] == pd.Timestamp("2024-01-05")
    assert sheet["發票日期"].tolist()[2] == pd.Timestamp("2024-01-07")
    # xlsx rows: title row 1, header row 3, data from row 4
    assert codes(result.findings, Severity.ERROR) == [("bad_date", 11), ("bad_invoice_number", 12)]
    assert all(f.where.sheet == "發票明細" for f in result.findings)


def test_missing_header_is_a_finding_not_a_crash(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    path = tmp_path / "壞.csv"
    register_frame().drop(columns=["發票號碼"]).to_csv(path, index=False, encoding="cp950")
    result = import_invoices(ctx, path)
    assert result.exit_code == 2
    (finding,) = result.findings
    assert finding.code == "unreadable_input" and finding.where.file == "壞.csv"
    assert "缺少必要欄位「發票號碼」" in finding.message and "發票日期" in finding.message  # lists what it found
    assert book.tables["tblInvoices"].empty  # the sheet is untouched
    assert book.tables["tblFindings"]["代碼"].tolist() == ["unreadable_input"]


def test_undecodable_and_empty_files(tmp_path: Path, ctx: Context) -> None:
    bad = tmp_path / "亂碼.csv"
    bad.write_bytes("發票號碼,發票日期\n".encode("cp950") + b"\xff\xfe\xfa\n")
    assert import_invoices(ctx, bad).exit_code == 2
    empty = tmp_path / "空.csv"
    empty.write_bytes(b"")
    result = import_invoices(ctx, empty)
    assert result.exit_code == 2 and "空" in result.findings[0].message


def test_header_only_register(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    path = tmp_path / "只有標題.csv"
    path.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    result = import_invoices(ctx, path)
    assert result.exit_code == 0 and result.counts["發票"] == 0
    assert book.tables["tblInvoices"].empty


def test_prepare_register_data_for_the_step() -> None:
    raw = register_frame()
    raw.index = range(2, 2 + len(raw))
    reg = prepare_register(raw, Location(file="x.csv"))
    data = reg.data.set_index("row")
    assert data.at[2, "issued"] == pd.Timestamp("2024-01-05 10:15:00") and data.at[2, "timed"]
    assert data.at[4, "issued"] == pd.Timestamp("2024-01-07 09:00:00")  # ROC date + 開立時間 09:00
    assert not data.at[3, "timed"]
    assert data.at[13, "b2b"] and not data.at[2, "b2b"]
    assert data.at[11, "status"] == 1 and data.at[12, "status"] == 2
    assert data.at[10, "key"] == -1 and pd.isna(data.at[9, "issued"])


def test_voided_row_and_its_reissue_are_not_a_duplicate() -> None:
    raw = pd.DataFrame({"發票號碼": ["AB00000001", "AB00000001", "AB00000002", "AB00000002"],
                        "發票日期": ["2024-01-05"] * 4, "狀態": ["註銷", "開立", "開立", "作廢"]}, index=[2, 3, 4, 5])
    reg = prepare_register(raw, Location(file="x.csv"))
    assert codes(reg.findings) == [("duplicate_invoice_number", 4), ("duplicate_invoice_number", 5)]


def test_unknown_status_and_time_are_warnings() -> None:
    raw = pd.DataFrame({"發票號碼": ["AB00000001"], "發票日期": ["2024-01-05"], "狀態": ["待審"],
                        "開立時間": ["25:99"]}, index=[2])
    reg = prepare_register(raw, Location(file="x.csv"))
    assert codes(reg.findings, Severity.WARNING) == [("bad_time", 2), ("unknown_status", 2)]
    assert reg.data["status"].tolist() == [0]


def test_register_status_words() -> None:
    s, known = register_status(pd.Series(["開立", "已作廢", "作廢", "註銷", "", None, "正常", "X"]))
    assert s.tolist() == [0, 1, 1, 2, 0, 0, 0, 0]
    assert known.tolist() == [True] * 7 + [False]


# --- dates: the fast paths agree with the domain parser -------------------------------------------
formats = st.sampled_from(["%Y-%m-%d", "%Y/%m/%d", "%Y/%-m/%-d", "roc/", "roc7", "%Y-%m-%d %H:%M:%S", "serial", "%Y%m%d",
                           "roc年"])


def _render(day: datetime.datetime, fmt: str) -> object:
    roc = day.year - 1911
    if fmt == "roc/":
        return f"{roc}/{day.month:02d}/{day.day:02d}"
    if fmt == "roc7":
        return f"{roc:03d}{day.month:02d}{day.day:02d}"
    if fmt == "roc年":
        return f"{roc}年{day.month}月{day.day}日"
    if fmt == "serial":
        return (day.date() - datetime.date(1899, 12, 30)).days
    return day.strftime(fmt)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.datetimes(datetime.datetime(1995, 1, 1), datetime.datetime(2060, 12, 31)), formats),
                max_size=20),
       st.lists(st.sampled_from(["", "2024-02-30", "113/13/01", "abc", "  ", None, "1131301"]), max_size=5))
def test_parse_dates_fast_agrees_with_parse_dates(values: list[tuple[datetime.datetime, str]], junk: list) -> None:
    cells = [_render(d.replace(second=d.second if f == "%Y-%m-%d %H:%M:%S" else 0, microsecond=0), f) for d, f in values]
    series = pd.Series(cells + junk, dtype="object")
    fast, fast_ok = parse_dates_fast(series)
    slow, slow_ok = parse_dates(series)
    assert fast_ok.tolist() == slow_ok.tolist()
    assert fast.tolist() == slow.tolist() or fast.equals(slow)


def test_dates_pandas_cannot_hold_and_single_digit_days_with_times() -> None:
    values, ok = parse_dates_fast(pd.Series(["976/01/05", "2024/1/1 13:37", "113/1/5 9:05", "99999"]))
    assert ok.tolist() == [False, True, True, False]
    assert values.tolist()[1:3] == [pd.Timestamp("2024-01-01 13:37"), pd.Timestamp("2024-01-05 09:05")]
