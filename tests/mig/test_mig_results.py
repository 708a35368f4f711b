"""Turnkey SummaryResult / ProcessResult reader and the StatusRecord mapping."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from invoicetools.domain.errors import InputError, Location
from invoicetools.domain.records import PlatformState, StatusRecord
from invoicetools.mig import results

SYN = Path(__file__).with_name("data") / "synthetic"
SUMMARY = SYN / "SummaryResult_4.1_SYNTHETIC.xml"
PROCESS_OK = SYN / "ProcessResult_4.1_ok_SYNTHETIC.xml"
PROCESS_ERR = SYN / "ProcessResult_4.1_error_SYNTHETIC.xml"


def test_summary_result_messages_and_invoices() -> None:
    r = results.read(SUMMARY)
    assert isinstance(r, results.SummaryResult)
    assert (r.party_id, r.routing_id, r.version, r.file) == ("12345675", "12345675", "4.1", str(SUMMARY))
    assert [(m.message_type, m.total, m.good, m.failed, m.consistent) for m in r.messages] == [
        ("F0401", 3, 2, 1, True),
        ("F0501", 1, 1, 0, True),
        ("F0701", 1, 1, 0, True),
        ("G0401", 1, 1, 0, True),
    ]
    assert [(o.invoice_number, o.good, o.message_type) for o in r.invoices] == [
        ("AB12345000", True, "F0401"),
        ("AB12345001", True, "F0401"),
        ("AB12345002", False, "F0401"),
        ("AB12345001", True, "F0501"),
        ("AB12345003", True, "F0701"),
        ("ALLOWANCE0001", True, "G0401"),
    ]
    first = r.invoices[0]
    assert first.invoice_date == dt.date(2025, 1, 14)
    assert first.sent_at == dt.datetime(2025, 1, 15, 9, 30, 15, 123000)
    assert first.source == Location(file=str(SUMMARY), row=40)
    assert first.message_id.startswith("v41-F0401-20250115-")
    assert r.messages[0].source.row == 22


def test_status_records() -> None:
    r = results.read(SUMMARY)
    assert isinstance(r, results.SummaryResult)
    records = results.to_status_records(r.invoices)
    assert [(s.invoice_number, s.state, s.detail) for s in records] == [
        ("AB12345000", PlatformState.ON_PLATFORM, "F0401 開立 成功"),
        ("AB12345001", PlatformState.ON_PLATFORM, "F0401 開立 成功"),
        ("AB12345002", PlatformState.FAILED, "F0401 開立 失敗"),
        ("AB12345001", PlatformState.CANCELLED, "F0501 作廢 成功"),
    ]  # the Good F0701 (註銷) and the G0401 allowance give no record
    assert all(isinstance(s, StatusRecord) for s in records)
    assert records[3].upload_time == dt.datetime(2025, 1, 16, 10, 15)
    assert records[0].invoice_date == dt.date(2025, 1, 14)
    assert records[0].source == Location(file=str(SUMMARY), row=40)


@pytest.mark.parametrize(
    ("message_type", "good", "state"),
    [
        ("F0401", True, PlatformState.ON_PLATFORM),
        ("C0401", True, PlatformState.ON_PLATFORM),
        ("A0401", True, PlatformState.ON_PLATFORM),
        ("F0401", False, PlatformState.FAILED),
        ("F0501", True, PlatformState.CANCELLED),
        ("C0501", True, PlatformState.CANCELLED),
        ("A0501", True, PlatformState.CANCELLED),
        ("F0501", False, PlatformState.FAILED),
        ("F0701", True, None),
        ("F0701", False, PlatformState.FAILED),
        ("E0402", True, None),
        ("B0401", False, None),
    ],
)
def test_state_of(message_type: str, good: bool, state: PlatformState | None) -> None:
    assert results.state_of(message_type, good=good) == state


def test_process_result_ok() -> None:
    r = results.read(PROCESS_OK)
    assert isinstance(r, results.ProcessResult)
    assert r.ok and r.codes == ("00000",)
    assert (r.message_type, r.sent_at) == ("E0402", dt.datetime(2025, 3, 5, 8, 0))


def test_process_result_with_error_codes() -> None:
    r = results.parse_process_result(PROCESS_ERR.read_bytes(), file="p.xml")
    assert not r.ok
    assert r.codes == ("00000", "E9999")
    bad = r.infos[1]
    assert (bad.code, bad.description, bad.parameters, bad.ok) == (
        "E9999",
        "SYNTHETIC: invoice rejected",
        ("InvoiceNumber", "AB12345002"),
        False,
    )
    assert bad.source == Location(file="p.xml", row=30)


def test_message_type_falls_back_to_the_id() -> None:
    data = PROCESS_OK.read_bytes().replace(
        b"<MessageType>E0402</MessageType>", b"<MessageType>E0401</MessageType>"
    )
    assert results.parse(data).message_type == "E0401"  # the element wins when present
    assert results.split_message_id("v41-F0501-20250116-101500000-x") == (
        "F0501",
        dt.datetime(2025, 1, 16, 10, 15),
    )
    assert results.split_message_id("4.1-C0401-20250231-101500000-x") == ("C0401", None)  # no 31 February


def test_unsupported_version_and_wrong_root() -> None:
    with pytest.raises(InputError, match=re.escape("SummaryResult 版本「3.0」不支援：支援 4.1")):
        results.parse(SUMMARY.read_bytes().replace(b"SummaryResult:4.1", b"SummaryResult:3.0"), file="s.xml")
    with pytest.raises(InputError, match="Turnkey 結果檔的根元素應為 <SummaryResult> 或 <ProcessResult>"):
        results.parse((SYN / "E0501_4.1_SYNTHETIC.xml").read_bytes(), file="e.xml")


def test_schema_errors_are_reported() -> None:
    data = SUMMARY.read_bytes().replace(
        b"<InvoiceDate>20250114</InvoiceDate>", b"<InvoiceDate>2025-01-14</InvoiceDate>", 1
    )
    with pytest.raises(InputError) as info:
        results.parse(data, file="s.xml")
    assert "第 42 列 <InvoiceDate>（發票日期）：值「2025-01-14」格式不符：須為西元年月日 8 碼" in str(
        info.value
    )


def test_impossible_date_is_refused() -> None:
    data = SUMMARY.read_bytes().replace(
        b"<InvoiceDate>20250114</InvoiceDate>", b"<InvoiceDate>20250231</InvoiceDate>", 1
    )
    with pytest.raises(InputError, match="發票日期不是有效的日期（讀到「20250231」）"):
        results.parse(data, file="s.xml")


def test_results_folder(tmp_path: Path) -> None:
    bak = tmp_path / "Unpack" / "B2BEXCHANGE" / "BAK"
    (bak / "SummaryResult" / "20250116").mkdir(parents=True)
    shutil.copy(SUMMARY, bak / "SummaryResult" / "20250116" / "v41-SummaryResult-1")
    shutil.copy(PROCESS_ERR, bak / "v41-F0401-20250115-093015123-x.ProcessResult")
    shutil.copy(PROCESS_OK, bak / "ok.xml")
    shutil.copy(SYN / "E0501_4.1_SYNTHETIC.xml", bak / "E0501.xml")  # other message: skipped
    (bak / "SummaryResult" / "20250116" / "broken").write_bytes(b"<SummaryResult")
    found, errors = results.read_folder(tmp_path)
    # files of a folder first (sorted), then its sub-folders
    assert [type(r).__name__ for r in found] == ["ProcessResult", "ProcessResult", "SummaryResult"]
    assert [Path(r.file).name for r in found] == [
        "ok.xml",
        "v41-F0401-20250115-093015123-x.ProcessResult",
        "v41-SummaryResult-1",
    ]
    [finding] = errors
    assert finding.code == "turnkey_result_unreadable" and "XML 格式錯誤" in finding.message
