"""TURNKEY_MESSAGE_LOG exports in the table's real shape: identifier dates, voids, other messages.

The export has every column of Turnkey's ``TURNKEY_MESSAGE_LOG`` in the order of its DDL
(ho600-ltd/django-taiwan-einvoice ``turnkey_web/turnkey_wrapper/migrations/MySQL.sql``), MESSAGE_DTS
as ``yyyyMMddHHmmssSSS`` and INVOICE_IDENTIFIER as ho600's ``EITurnkeyBatchEInvoice.save`` builds
it: message + number + InvoiceDate (F0401), CancelDate (F0501) or VoidDate (F0701); for E0402
BranchBan + InvoiceTrack + InvoiceType (Turnkey's column holds it without ho600's dashes). The
invoice LP50936600 is icemarx2/EINVTurnkey's test sample (issued 2026-09-23).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
import pytest

from invoicetools.actions.base import Context
from invoicetools.actions.platform_status import import_status
from invoicetools.book.memory import MemoryBook
from invoicetools.domain.errors import Location, Severity
from invoicetools.sources.status import platform_input
from invoicetools.steps.upload_check import State

DDL_COLUMNS = ["SEQNO", "SUBSEQNO", "UUID", "MESSAGE_TYPE", "CATEGORY_TYPE", "PROCESS_TYPE", "FROM_PARTY_ID",
               "TO_PARTY_ID", "MESSAGE_DTS", "CHARACTER_COUNT", "STATUS", "IN_OUT_BOUND", "FROM_ROUTING_ID",
               "TO_ROUTING_ID", "INVOICE_IDENTIFIER"]
BAN = "53212539"


def log_row(seq: int, message: str, dts: str, status: str, identifier: str, *, inbound: bool = False) -> list[str]:
    uuid = f"6f1c2d3e-0000-4000-8000-{seq:012d}"
    parties = ("0000000000", BAN) if inbound else (BAN, "0000000000")
    return [f"{seq:08d}", "00001", uuid, message, "B2S", "STORAGE", *parties, dts, "1234", status,
            "I" if inbound else "O", parties[0], parties[1], identifier]


ROWS = [
    log_row(1, "F0401", "20260923123613036", "C", "F0401LP5093660020260923"),
    log_row(2, "F0501", "20261005091500120", "C", "F0501LP5093660020261005"),  # cancelled on 10/05
    log_row(3, "F0401", "20260923124001000", "C", "F0401LP5093660120260923"),
    log_row(4, "F0701", "20260924080000000", "C", "F0701LP5093660120260924"),  # voided on 9/24, not re-issued yet
    log_row(5, "F0401", "20260925100000000", "P", "F0401LP5093660220260925"),
    log_row(6, "F0401", "20260925100500000", "E", "F0401LP5093660320260925"),
    log_row(7, "F0401", "20260925101000000", "", "F0401LP5093660420260925"),  # not processed by Turnkey yet
    log_row(8, "E0402", "20261105090000000", "C", f"{BAN}LP07"),
    log_row(9, "E0501", "20260820120000000", "C", f"{BAN}LP11510", inbound=True),
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_real_shaped_export(tmp_path: Path, ctx: Context, book: MemoryBook, suffix: str) -> None:
    export = pd.DataFrame(ROWS, columns=DDL_COLUMNS)
    path = tmp_path / f"TURNKEY_MESSAGE_LOG{suffix}"
    if suffix == ".csv":
        export.to_csv(path, index=False, encoding="utf-8", lineterminator="\r\n")
    else:
        export.to_excel(path, index=False)
    result = import_status(ctx, [path])
    frame = book.tables["tblPlatform"]
    got = [tuple(r) for r in frame[["發票號碼", "狀態", "發票日期", "原始狀態", "說明"]].itertuples(index=False)]
    assert got == [
        ("LP50936600", "已上傳", datetime.date(2026, 9, 23), "F0401 C", None),
        ("LP50936600", "作廢", None, "F0501 C", "作廢日期 2026/10/05"),  # not 發票日期 2026-10-05
        ("LP50936601", "已上傳", datetime.date(2026, 9, 23), "F0401 C", None),
        ("LP50936601", None, None, "F0701 註銷 C", "註銷日期 2026/09/24"),
        ("LP50936602", "處理中", datetime.date(2026, 9, 25), "F0401 P", None),
        ("LP50936603", "上傳失敗", datetime.date(2026, 9, 25), "F0401 E", None),
    ]
    assert frame["上傳日期"].tolist()[1] == pd.Timestamp("2026-10-05 09:15:00")
    assert frame["來源"].tolist()[1] == f"{path.name} 第 3 列"
    skipped = sorted(f.message for f in result.findings if f.code == "message_log_skipped")
    assert skipped == [
        "略過 1 列狀態（STATUS）空白的訊息（F0401 1 列）：Turnkey 尚未處理，請稍後重新匯出再匯入",
        "略過 2 列非發票訊息（E0402 1 列、E0501 1 列）：這些訊息不是單張發票的上傳狀態",
    ]
    assert all(f.severity is Severity.INFO for f in result.findings)
    assert result.counts["訊息紀錄"] == 9 and result.counts["略過"] == 3 and result.exit_code == 0

    # the check reads the sheet back: no unknown words, the void has no state, the cancel wins by its state
    data, findings = platform_input(frame.set_axis(range(5, 5 + len(frame))), Location(sheet="平台狀況"))
    assert findings == []
    assert sorted(zip(data["key"].tolist(), data["state"].tolist(), strict=True)) == [
        (30150936600, State.ON_PLATFORM), (30150936600, State.CANCELLED), (30150936601, State.ON_PLATFORM),
        (30150936602, State.PENDING), (30150936603, State.FAILED)]
    dated = data.set_index("row")["date"]
    assert pd.isna(dated[6]) and dated[5] == pd.Timestamp("2026-09-23")
