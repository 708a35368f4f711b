"""ECPay's answer rows as domain records, and how ECPay writes its fields.

* 配號 (GetGovInvoiceWordSetting ``InvoiceInfo[]``) → :func:`track_allocation`:
  ``InvoiceTerm`` t of ROC year y → period ``f"{y:03d}{2t:02d}"``; ``InvType`` →
  ``"07"``/``"08"``; ``InvoiceHeader`` → track; ``InvoiceStart``/``InvoiceEnd`` → ints.
  The allocation's BAN is the credentials' UBN.
* 發票狀態 (GetIssueList ``InvoiceData[]``) → :func:`status_record`, its state from
  :func:`map_status` and its 原始狀態 from :func:`status_detail`.

A row that cannot be read raises the provider's :class:`~.errors.ProviderProtocolError`,
built by the ``fail`` it passes in (so the message is scrubbed of its secrets).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Final

from ...domain.errors import Location
from ...domain.records import PlatformState, StatusRecord, TrackAllocation
from .base import period_code
from .errors import ProviderError, ProviderProtocolError

__all__ = [
    "TURNKEY_MEANING",
    "Fail",
    "as_int",
    "map_status",
    "status_detail",
    "status_record",
    "track_allocation",
]

Fail = Callable[[type[ProviderError], str], ProviderError]
"""The provider's error of a class with a message (``EcpayProvider._fail``)."""

_TRACK_RE: Final = re.compile(r"^[A-Z]{2}$")
_DIGITS8_RE: Final = re.compile(r"^\d{8}$")
_INVOICE_RE: Final = re.compile(r"^[A-Z]{2}\d{8}$")
_DATETIME_RE: Final = re.compile(
    r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T+]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)

# The GetIssue / GetIssueList answer fields and their codes, as documented on
# developers.ecpay.com.tw (B2C 查詢發票明細 ?p=7923, 查詢特定多筆發票 ?p=17229; the same table in
# the OPay doc mirror of the API family):
#   IIS_Issue_Status   發票開立狀態      1 發票開立 / 0 發票註銷
#   IIS_Invalid_Status 發票作廢狀態      1 已作廢 / 0 未作廢
#   IIS_Upload_Status  發票上傳狀態      1 已上傳 / 0 未上傳
#   IIS_Turnkey_Status 發票上傳後接收狀態 C 成功 / E 失敗 / G 處理中（待財政部回覆狀態）/ P 處理中（上傳財政部中）
# (paid-tw/einvoice packages/einvoice-ecpay/src/types.ts types the same four letters.)
TURNKEY_MEANING: Final = {
    "C": "財政部回覆成功",
    "E": "財政部回覆失敗",
    "G": "處理中，待財政部回覆",
    "P": "處理中，上傳財政部中",
}


# --------------------------------------------------------------------------- 配號 rows


def track_allocation(
    row: object, *, category: str, year_roc: int, index: int, ubn: str, fail: Fail
) -> TrackAllocation:
    """The ``index``-th (0-based) ``InvoiceInfo`` row of ``category``'s answer for ROC year ``year_roc``."""
    where = Location(file=f"綠界 {category} 查詢財政部配號結果", row=index + 1)
    bad = f"綠界 {category} 配號資料第 {index + 1} 筆格式不正確"
    if not isinstance(row, dict):
        raise fail(ProviderProtocolError, bad)
    term = as_int(row.get("InvoiceTerm"))
    inv_type = str(row.get("InvType") or "").strip().zfill(2)
    track = str(row.get("InvoiceHeader") or "").strip().upper()
    start = str(row.get("InvoiceStart") or "").strip()
    end = str(row.get("InvoiceEnd") or "").strip()
    if term is None or not 1 <= term <= 6:
        raise fail(ProviderProtocolError, f"{bad}（期別 InvoiceTerm）")
    if inv_type not in ("07", "08"):
        raise fail(ProviderProtocolError, f"{bad}（字軌類別 InvType）")
    if not _TRACK_RE.match(track):
        raise fail(ProviderProtocolError, f"{bad}（字軌 InvoiceHeader）")
    if not (_DIGITS8_RE.match(start) and _DIGITS8_RE.match(end)) or int(start) > int(end):
        raise fail(ProviderProtocolError, f"{bad}（起訖號碼 InvoiceStart/InvoiceEnd）")
    return TrackAllocation(
        ban=ubn,
        invoice_type=inv_type,
        year_month=period_code(year_roc, term),
        track=track,
        begin=int(start),
        end=int(end),
        source=where,
    )


# --------------------------------------------------------------------------- 發票狀態 rows


def status_record(row: object, position: int, fail: Fail) -> StatusRecord:
    """The ``InvoiceData`` row at ``position`` (1-based, over all pages) of a GetIssueList answer."""
    bad = f"綠界發票清單第 {position} 筆格式不正確"
    if not isinstance(row, dict):
        raise fail(ProviderProtocolError, bad)
    number = str(row.get("IIS_Number") or "").strip().upper()
    if not _INVOICE_RE.match(number):
        raise fail(ProviderProtocolError, f"{bad}（發票號碼 IIS_Number）")
    created = _parse_datetime(row.get("IIS_Create_Date"))
    uploaded = _parse_datetime(row.get("IIS_Upload_Date"))
    upload, invalid = _flag(row.get("IIS_Upload_Status")), _flag(row.get("IIS_Invalid_Status"))
    issue = _flag(row.get("IIS_Issue_Status"))
    turnkey = _flag(row.get("IIS_Turnkey_Status")).upper()
    state = map_status(upload, invalid, turnkey, issue or "1")
    return StatusRecord(
        invoice_number=number,
        state=state,
        invoice_date=created.date() if created else None,
        upload_time=uploaded,
        detail=status_detail(state, upload, invalid, turnkey, issue),
        source=Location(file="綠界 B2C 查詢多筆發票", row=position),
    )


def map_status(
    upload_status: object, invalid_status: object, turnkey_status: object = "", issue_status: object = "1"
) -> PlatformState | None:
    """The platform state of one GetIssueList row; ``None`` for a voided (註銷) invoice.

    * ``IIS_Invalid_Status`` 1 (作廢) → CANCELLED, whatever else;
    * ``IIS_Issue_Status`` 0 (註銷: voided, to be issued again with the same number) → ``None``:
      it says nothing about a live invoice by itself (the number stays used);
    * ``IIS_Turnkey_Status`` E (the MOF rejected the upload) → FAILED;
    * ``IIS_Turnkey_Status`` G or P (sent, the MOF's answer pending) → PENDING, not uploaded yet;
    * ``IIS_Upload_Status`` 1 (ECPay has uploaded it to the MOF platform) → ON_PLATFORM;
    * otherwise (``IIS_Upload_Status`` 0: not uploaded yet; ECPay uploads B2C within
      48 h, B2B within 7 days) → PENDING.

    >>> map_status("1", "0", "C"), map_status("0", "0", "P"), map_status(1, 1), map_status("1", "0", "E")
    (<PlatformState.ON_PLATFORM: '已上傳'>, <PlatformState.PENDING: '處理中'>, <PlatformState.CANCELLED: '作廢'>, <PlatformState.FAILED: '上傳失敗'>)
    >>> map_status("1", "0", "G"), map_status("1", "0", "C", issue_status="0")
    (<PlatformState.PENDING: '處理中'>, None)
    """
    turnkey = str(turnkey_status or "").strip().upper()
    if _flag(invalid_status) == "1":
        return PlatformState.CANCELLED
    if _flag(issue_status) == "0":
        return None
    if turnkey == "E":
        return PlatformState.FAILED
    if turnkey in ("G", "P"):
        return PlatformState.PENDING
    if _flag(upload_status) == "1":
        return PlatformState.ON_PLATFORM
    return PlatformState.PENDING


def status_detail(state: PlatformState | None, upload: str, invalid: str, turnkey: str, issue: str) -> str:
    """The 原始狀態 of a row: what it means in words, then ECPay's own codes.

    The words read back to the same state (``sources.status.state_of_word``), so a sheet whose
    狀態 cell was cleared still says the same thing.

    >>> status_detail(PlatformState.PENDING, "1", "0", "G", "1")
    '綠界：處理中，待財政部回覆（Issue=1 Invalid=0 Upload=1 Turnkey=G）'
    >>> status_detail(None, "1", "0", "C", "0")
    '綠界：已註銷，待以同號碼重新開立（Issue=0 Invalid=0 Upload=1 Turnkey=C）'
    """
    if state is PlatformState.CANCELLED:
        words = "已作廢"
    elif state is None:
        words = "已註銷，待以同號碼重新開立"
    elif turnkey in TURNKEY_MEANING:
        words = TURNKEY_MEANING[turnkey] if state is not PlatformState.ON_PLATFORM else "已上傳，財政部回覆成功"
    elif state is PlatformState.ON_PLATFORM:
        words = "已上傳"
    else:
        words = "尚未上傳財政部"
    # ECPay's codes under their field names (IIS_*_Status) – no status word in them to misread
    codes = f"Issue={issue or '-'} Invalid={invalid or '-'} Upload={upload or '-'} Turnkey={turnkey or '-'}"
    return f"綠界：{words}（{codes}）"


# --------------------------------------------------------------------------- fields


def as_int(value: object) -> int | None:
    """A code or count as ECPay writes it (``1``, ``"1"``, ``" 12 "``); None when it is not a whole number."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _flag(value: object) -> str:
    return str(value if value is not None else "").strip()


def _parse_datetime(value: object) -> datetime | None:
    """``2023-04-30 23:47:59`` (also with ``+``, ``T`` or ``/``); None for blank or placeholder dates."""
    if value is None:
        return None
    match = _DATETIME_RE.match(str(value))
    if not match:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
    if y < 1912:
        return None
    try:
        return datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None
