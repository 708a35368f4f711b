"""下載平台發票狀況 from files: status files, Turnkey SummaryResult/ProcessResult (files, folders), TURNKEY_MESSAGE_LOG."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pandas as pd
import pytest
from upload_data import STATUS_ROWS, write_status_csv

from invoicetools.actions.base import Context
from invoicetools.actions.platform_status import import_status
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.domain.errors import Location, Severity
from invoicetools.domain.records import PlatformState
from invoicetools.sources.status import platform_input, state_of_word, states_of_words
from invoicetools.steps.upload_check import State

SYN = Path(__file__).resolve().parents[1] / "mig" / "data" / "synthetic"
PLATFORM = layout.table("平台狀況")


@pytest.mark.parametrize("word, state", [
    ("已上傳", PlatformState.ON_PLATFORM), ("已確認", PlatformState.ON_PLATFORM), ("成功", PlatformState.ON_PLATFORM),
    ("C", PlatformState.ON_PLATFORM), ("g", PlatformState.ON_PLATFORM), ("Ｃ", PlatformState.ON_PLATFORM),
    ("上傳成功", PlatformState.ON_PLATFORM), ("開立已確認", PlatformState.ON_PLATFORM),
    ("失敗", PlatformState.FAILED), ("錯誤", PlatformState.FAILED), ("E", PlatformState.FAILED),
    ("E0001", PlatformState.FAILED), ("上傳失敗", PlatformState.FAILED), ("作廢失敗", PlatformState.FAILED),
    ("I", PlatformState.FAILED), ("作廢", PlatformState.CANCELLED), ("已作廢", PlatformState.CANCELLED),
    ("作廢已確認", PlatformState.CANCELLED), ("處理中", PlatformState.PENDING), ("P", PlatformState.PENDING),
    ("待處理", PlatformState.PENDING), ("未上傳", PlatformState.PENDING),
])
def test_status_words(word: str, state: PlatformState) -> None:
    assert state_of_word(word) == (state, True)


@pytest.mark.parametrize("word, known", [("註銷", True), ("已註銷", True), ("", False), (None, False), ("XYZ", False)])
def test_words_without_a_state(word: str | None, known: bool) -> None:
    assert state_of_word(word) == (None, known)


def test_status_file_import(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    path = write_status_csv(tmp_path / "平台狀況.csv", "cp950")
    result = import_status(ctx, [path])
    frame = book.tables["tblPlatform"]
    assert len(frame) == len(STATUS_ROWS)
    assert frame["狀態"].tolist()[:3] == ["已上傳", "上傳失敗", "已上傳"]
    assert frame["原始狀態"].tolist()[:3] == ["已確認", "E", "C"]
    assert frame["說明"].tolist()[1] == "E0001 買方統編錯誤"
    assert frame["來源"].tolist()[0] == "平台狀況.csv 第 2 列"
    assert frame["上傳日期"].tolist()[0] == pd.Timestamp("2024-01-05 12:00")
    assert frame["發票日期"].tolist()[0] == datetime.date(2024, 1, 5)
    params = book.params["平台狀況"]
    assert params["downloaded_at"] == datetime.datetime(2024, 3, 5, 9, 0) and params["source"] == "平台狀況.csv"
    assert result.exit_code == 0 and result.counts["上傳失敗"] == 1 and result.counts["已上傳"] == 9
    assert "10 筆平台發票狀況" in result.message


def test_status_file_with_invoice_state_column_and_unknown_words(tmp_path: Path, ctx: Context,
                                                                 book: MemoryBook) -> None:
    path = tmp_path / "platform.xlsx"
    pd.DataFrame({
        "發票號碼": ["AB00000001", "AB00000002", "AB00000003", "ab00000004", "AB00000005", "BAD", "AB00000007"],
        "發票狀態": ["開立", "作廢", "開立", "開立", "開立", "開立", "開立"],
        "處理狀態": ["成功", "成功", "錯誤", "", "???", "成功", "???"],
    }).to_excel(path, index=False)
    result = import_status(ctx, [path])
    frame = book.tables["tblPlatform"]
    assert frame["發票號碼"].tolist()[3] == "AB00000004"
    assert frame["狀態"].tolist()[:5] == ["已上傳", "作廢", "上傳失敗", "已上傳", None]
    assert frame["原始狀態"].tolist()[1] == "成功 / 作廢"
    assert [(f.code, f.where.row, f.severity) for f in result.findings] == [
        ("unknown_platform_status", 6, Severity.ERROR),  # one finding per unknown word, first row, with the count
        ("bad_invoice_number", 7, Severity.WARNING),
    ]
    assert "共 2 列" in result.findings[0].message
    assert result.exit_code == 1


def test_status_file_without_a_status_column(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    path = tmp_path / "x.csv"
    path.write_text("發票號碼,金額\nAB00000001,100\n", encoding="utf-8")
    result = import_status(ctx, [path])
    assert result.exit_code == 2 and "缺少狀態欄位" in result.findings[0].message
    assert book.params["平台狀況"]["downloaded_at"] is None  # nothing recorded as downloaded


def test_turnkey_results_files_and_folder(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    bak = tmp_path / "Unpack" / "B2SSTORAGE" / "BAK"
    (bak / "SummaryResult").mkdir(parents=True)
    shutil.copy(SYN / "SummaryResult_4.1_SYNTHETIC.xml", bak / "SummaryResult" / "v41-summary.xml")
    shutil.copy(SYN / "SummaryResult_4.1_SYNTHETIC.xml", bak / "copy.SummaryResult")  # Turnkey keeps copies
    shutil.copy(SYN / "ProcessResult_4.1_error_SYNTHETIC.xml", bak / "v41-F0401-x.ProcessResult")
    shutil.copy(SYN / "ProcessResult_4.1_ok_SYNTHETIC.xml", bak / "v41-F0401-y.ProcessResult")
    (bak / "notes.txt").write_text("not a result")
    result = import_status(ctx, [tmp_path / "Unpack"])
    frame = book.tables["tblPlatform"]
    got = sorted(zip(frame["發票號碼"], frame["狀態"], frame["原始狀態"], strict=True))
    assert got == [
        ("AB12345000", "已上傳", "F0401 開立 成功"),
        ("AB12345001", "作廢", "F0501 作廢 成功"),
        ("AB12345001", "已上傳", "F0401 開立 成功"),
        ("AB12345002", "上傳失敗", "F0401 E9999"),
        ("AB12345002", "上傳失敗", "F0401 開立 失敗"),
    ]
    assert "SYNTHETIC: invoice rejected" in frame["說明"].tolist()
    assert result.counts["SummaryResult"] == 2 and result.counts["ProcessResult"] == 2
    assert book.params["平台狀況"]["source"] == "Unpack"
    # as the check reads it back: one record per invoice, the cancel wins for AB12345001
    data, findings = platform_input(frame.set_axis(range(7, 7 + len(frame))), Location(sheet="平台狀況"))
    assert findings == []
    assert sorted(set(data["state"].tolist())) == [State.FAILED, State.ON_PLATFORM, State.CANCELLED]


def test_single_result_file_and_unreadable_result(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    result = import_status(ctx, [SYN / "ProcessResult_4.1_error_SYNTHETIC.xml"])
    assert book.tables["tblPlatform"]["發票號碼"].tolist() == ["AB12345002"]
    assert result.exit_code == 0
    bad = tmp_path / "bad.xml"
    bad.write_text("<Other/>")
    result = import_status(ctx, [bad])
    assert result.exit_code == 2 and "SummaryResult" in result.findings[0].message


def test_empty_folder_is_refused(tmp_path: Path, ctx: Context) -> None:
    (tmp_path / "empty").mkdir()
    result = import_status(ctx, [tmp_path / "empty"])
    assert result.exit_code == 2 and "沒有 Turnkey 結果檔" in result.findings[0].message


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_turnkey_message_log_export(tmp_path: Path, ctx: Context, book: MemoryBook, suffix: str) -> None:
    log = pd.DataFrame({
        "SEQNO": ["1", "2", "3", "4", "5", "6", "7"],
        "MESSAGE_TYPE": ["F0401", "F0401", "F0501", "F0401", "E0402", "F0701", "F0401"],
        "MESSAGE_DTS": ["20240105101500123", "20240106101500", "2024-01-07 08:00:00", "20240108101500", "20240110", "",
                        "20240109101500"],
        "STATUS": ["C", "E", "C", "P", "C", "G", "C"],
        "IN_OUT_BOUND": ["O", "O", "O", "O", "O", "O", "I"],
        "INVOICE_IDENTIFIER": ["F0401AB0000000120240105", "F0401AB0000000299991231", "F0501AB0000000120240105",
                               "F0401AB0000000320240108", "E0402AB12340000", "F0701AB0000000420240108",
                               "F0401ZZ0000000120240109"],
    })
    path = tmp_path / f"TURNKEY_MESSAGE_LOG{suffix}"
    if suffix == ".csv":
        log.to_csv(path, index=False)
    else:
        log.to_excel(path, index=False)
    result = import_status(ctx, [path])
    frame = book.tables["tblPlatform"]
    assert list(zip(frame["發票號碼"], frame["狀態"], strict=True)) == [
        ("AB00000001", "已上傳"), ("AB00000002", "上傳失敗"), ("AB00000001", "作廢"), ("AB00000003", "處理中"),
        ("AB00000004", None)]  # a Good void says nothing by itself: its number stays, with no state
    assert frame["發票日期"].tolist()[0] == datetime.date(2024, 1, 5)
    assert frame["發票日期"].tolist()[1] is None  # 9999-12-31: no date rather than a crash
    assert frame["上傳日期"].tolist()[0] == pd.Timestamp("2024-01-05 10:15:00")
    assert frame["上傳日期"].tolist()[2] == pd.Timestamp("2024-01-07 08:00:00")
    assert frame["原始狀態"].tolist()[1] == "F0401 E"
    assert frame["發票日期"].tolist()[2] is None  # the F0501's identifier date is its cancel date
    assert result.counts["略過"] == 2  # E0402, an inbound message – each said in a finding
    assert sorted(f.message for f in result.findings if f.code == "message_log_skipped") == [
        "略過 1 列收到的訊息（IN_OUT_BOUND=I）（F0401 1 列）：不是本公司上傳的發票",
        "略過 1 列非發票訊息（E0402 1 列）：這些訊息不是單張發票的上傳狀態"]


def test_several_sources_are_combined(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    csv = write_status_csv(tmp_path / "a.csv")
    result = import_status(ctx, [csv, SYN / "SummaryResult_4.1_SYNTHETIC.xml"])
    # AB12345000 and AB12345002 are in both: the SummaryResult's (sent 2025-01-15) are later than the
    # file's (2024-01-05, 2024-01-07) and replace them; the other rows are the union of the two
    frame = book.tables["tblPlatform"]
    assert len(frame) == len(STATUS_ROWS) + 4 - 2
    assert set(frame.loc[frame["發票號碼"].isin(["AB12345000", "AB12345002"]), "來源"].str[:13]) == {"SummaryResult"}
    assert book.params["平台狀況"]["source"] == "a.csv、SummaryResult_4.1_SYNTHETIC.xml"
    assert result.counts["筆數"] == len(STATUS_ROWS) + 4 - 2 and result.counts["重複發票"] == 2
    assert [f.message for f in result.findings if f.code == "status_duplicate_resolved"] == [
        "「SummaryResult_4.1_SYNTHETIC.xml」與「a.csv」有 2 張相同的發票，已取較新的狀態"]


def test_platform_input_reads_pasted_words_and_reports_unknown_ones() -> None:
    raw = pd.DataFrame({
        "發票號碼": ["AB00000001", "AB00000002", "AB00000003", "AB00000004", "AB00000005", "x"],
        "狀態": ["已上傳", "", "C", "怪", "作廢", "已上傳"],
        "原始狀態": [None, "E", None, None, None, None],
        "說明": [None, "格式錯誤", None, None, None, None],
    }, index=range(7, 13))
    data, findings = platform_input(raw, Location(sheet="平台狀況"))
    assert data["key"].tolist() == [100000001, 100000002, 100000003, 100000005]
    assert data["state"].tolist() == [State.ON_PLATFORM, State.FAILED, State.ON_PLATFORM, State.CANCELLED]
    assert data["detail"].tolist()[1] == "E：格式錯誤"
    assert [(f.code, f.where.row) for f in findings] == [("unknown_platform_status", 10), ("bad_invoice_number", 12)]


def test_states_of_words_is_one_call_per_distinct_word() -> None:
    states, known = states_of_words(pd.Series(["C"] * 1000 + ["E"] * 1000))
    assert states.iloc[0] == "已上傳" and states.iloc[-1] == "上傳失敗" and known.all()
