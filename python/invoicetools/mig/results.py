"""Turnkey results read back: SummaryResult (per invoice Good/Failed) and ProcessResult (codes).

Layer: ``mig/`` (beside ``steps`` and ``sources``, below ``actions``, above
``book``/``domain``); imports only :mod:`invoicetools.domain` and its siblings.
``sources.status`` reads Turnkey results through it.

``SummaryResult`` (``urn:GEINV:SummaryResult:4.1``): ``RoutingInfo`` then ``DetailList`` with
1..5,000 ``Message``, each ``Info`` {Id, Size, MessageType, Service, Action} and
``ResultType`` {Total, Good, Failed}, each a ``ResultDetailType`` {Count, Invoices/Invoice
{ReferenceNumber, InvoiceDate}}. Every listed invoice of Good and Failed becomes an
:class:`InvoiceOutcome`.

``ProcessResult`` (``urn:GEINV:ProcessResult:4.1``): ``RoutingInfo``, ``MessageInfo``, and
``Result`` with 1..10,000 ``Info`` {Code, Description?, Parameter0..4?}; code ``00000``
means every invoice of the message was processed.

The message ``Id`` Turnkey writes is ``<version>-<message type>-<yyyymmdd>-<hhmmssfff>-<uuid>``:

>>> split_message_id("v41-F0401-20260923-123613036-550e8400-e29b-41d4-a716-446655440000")
('F0401', datetime.datetime(2026, 9, 23, 12, 36, 13, 36000))
>>> split_message_id("something else")
(None, None)

Platform state of one outcome (``to_status_records`` maps a whole list):

>>> from invoicetools.domain.records import PlatformState
>>> state_of("F0401", good=True), state_of("C0501", good=True), state_of("F0401", good=False)
(<PlatformState.ON_PLATFORM: '已上傳'>, <PlatformState.CANCELLED: '作廢'>, <PlatformState.FAILED: '上傳失敗'>)
>>> state_of("F0701", good=True) is None, state_of("G0401", good=True) is None   # 註銷; an allowance
(True, True)
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.errors import Finding, InputError, Location
from ..domain.records import PlatformState, StatusRecord
from ._folder import FolderScan, Kind, local_name

if TYPE_CHECKING:
    from lxml import etree

__all__ = [
    "CANCEL_MESSAGES",
    "ISSUE_MESSAGES",
    "OK_CODE",
    "VOID_MESSAGES",
    "InvoiceOutcome",
    "MessageSummary",
    "ProcessInfo",
    "ProcessResult",
    "ResultsScan",
    "SummaryResult",
    "iter_results_folder",
    "parse",
    "parse_process_result",
    "parse_summary_result",
    "read",
    "read_folder",
    "split_message_id",
    "state_of",
    "to_status_records",
]

OK_CODE = "00000"
VERSIONS = ("4.1",)

# Invoice messages (the ReferenceNumber is an invoice number), by what they do.
ISSUE_MESSAGES = frozenset({"F0401", "C0401", "A0401", "A0101"})  # 開立
CANCEL_MESSAGES = frozenset({"F0501", "C0501", "A0501", "A0201"})  # 作廢
VOID_MESSAGES = frozenset({"F0701", "C0701"})  # 註銷 (the number is re-issued with F0401/C0401)

_ACTION_WORDS = {
    **dict.fromkeys(ISSUE_MESSAGES, "開立"),
    **dict.fromkeys(CANCEL_MESSAGES, "作廢"),
    **dict.fromkeys(VOID_MESSAGES, "註銷"),
}

_ID = re.compile(r"^[^-]+-(?P<type>[A-Z]\d{4})-(?P<date>\d{8})-(?P<time>\d{6})(?P<ms>\d{0,3})(?:-|$)")


def split_message_id(message_id: str) -> tuple[str | None, dt.datetime | None]:
    """``(message type, time Turnkey sent it)`` from an ``Info/Id``; ``None`` for what is not there."""
    m = _ID.match(message_id.strip())
    if m is None:
        return None, None
    try:
        sent = dt.datetime.strptime(m["date"] + m["time"], "%Y%m%d%H%M%S")
    except ValueError:
        return m["type"], None
    return m["type"], sent.replace(microsecond=int(m["ms"].ljust(3, "0")) * 1000)


def state_of(message_type: str, *, good: bool) -> PlatformState | None:
    """The platform state an outcome says about its invoice, or ``None`` when it says none.

    Good issue → 已上傳; Good cancel → 作廢; Failed issue/cancel/void → 上傳失敗. A Good
    void (註銷) says nothing by itself: the number is re-issued and that message carries the
    state. Allowance and other messages (ReferenceNumber is not an invoice) → ``None``.
    """
    if message_type in ISSUE_MESSAGES:
        return PlatformState.ON_PLATFORM if good else PlatformState.FAILED
    if message_type in CANCEL_MESSAGES:
        return PlatformState.CANCELLED if good else PlatformState.FAILED
    if message_type in VOID_MESSAGES:
        return None if good else PlatformState.FAILED
    return None


@dataclass(frozen=True, slots=True)
class InvoiceOutcome:
    """One invoice listed under Good or Failed of a SummaryResult message."""

    invoice_number: str  # ReferenceNumber ("AB12345678" for invoice messages)
    invoice_date: dt.date | None
    good: bool
    message_type: str  # "F0401", "F0501", "C0401" …
    message_id: str
    sent_at: dt.datetime | None  # from the message Id
    source: Location

    @property
    def state(self) -> PlatformState | None:
        return state_of(self.message_type, good=self.good)

    @property
    def detail(self) -> str:
        """``F0501 作廢 成功`` / ``F0401 開立 失敗``."""
        action = _ACTION_WORDS.get(self.message_type, "")
        result = "成功" if self.good else "失敗"
        return " ".join(p for p in (self.message_type, action, result) if p)


@dataclass(frozen=True, slots=True)
class MessageSummary:
    """The counts of one SummaryResult message (one uploaded message type and batch)."""

    message_id: str
    message_type: str
    total: int
    good: int
    failed: int
    sent_at: dt.datetime | None
    source: Location

    @property
    def consistent(self) -> bool:
        return self.total == self.good + self.failed


@dataclass(frozen=True, slots=True)
class SummaryResult:
    """A whole SummaryResult file."""

    party_id: str  # RoutingInfo/From/PartyId (the company's UBN)
    routing_id: str  # RoutingInfo/FromVAC/RoutingId
    messages: tuple[MessageSummary, ...]
    invoices: tuple[InvoiceOutcome, ...]
    version: str
    file: str


@dataclass(frozen=True, slots=True)
class ProcessInfo:
    """One ``Result/Info`` of a ProcessResult."""

    code: str
    description: str
    parameters: tuple[str, ...]  # Parameter0..4, those present
    source: Location

    @property
    def ok(self) -> bool:
        return self.code == OK_CODE


@dataclass(frozen=True, slots=True)
class ProcessResult:
    """A ProcessResult file: the platform's processing codes for one uploaded message."""

    party_id: str
    routing_id: str
    message_id: str
    message_type: str
    sent_at: dt.datetime | None
    infos: tuple[ProcessInfo, ...]
    version: str
    file: str

    @property
    def ok(self) -> bool:
        """True when every code is ``00000``."""
        return all(info.ok for info in self.infos)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(info.code for info in self.infos)


# --- parsing -----------------------------------------------------------------------------------


def _child(parent: etree._Element, ns: str, *path: str) -> etree._Element | None:
    el: etree._Element | None = parent
    for name in path:
        if el is None:
            return None
        el = el.find(f"{{{ns}}}{name}")
    return el


def _text(parent: etree._Element, ns: str, *path: str) -> str:
    el = _child(parent, ns, *path)
    return (el.text or "").strip() if el is not None else ""


def _load(data: bytes, file: str, message: str) -> tuple[etree._Element, str, str]:
    """Parse, check the version from the namespace and validate; ``(root, namespace, version)``."""
    from . import safe_xml, schema

    root = safe_xml.parse_bytes(data, file=file).getroot()
    ns = root.tag[1:].partition("}")[0] if isinstance(root.tag, str) and root.tag.startswith("{") else ""
    prefix = f"urn:GEINV:{message}:"
    if local_name(root) == message and ns.startswith(prefix) and ns[len(prefix) :] not in VERSIONS:
        raise InputError(
            f"{message} 版本「{ns[len(prefix) :]}」不支援：支援 {'、'.join(VERSIONS)}（命名空間「{ns}」）",
            where=Location(file=file or None, row=root.sourceline),
        )
    version = schema.version_of(root, message)
    schema.assert_valid(message, version, root, file=file)
    return root, schema.namespace(message, version), version


def _message_type(info: etree._Element, ns: str, message_id: str) -> str:
    return _text(info, ns, "MessageType") or (split_message_id(message_id)[0] or "")


def _date(text: str, where: Location) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        raise InputError("發票日期不是有效的日期", where=where, found=text) from None


def parse_summary_result(data: bytes, *, file: str = "") -> SummaryResult:
    """Read a SummaryResult file (4.1), XSD-checked."""
    root, ns, version = _load(data, file, "SummaryResult")
    messages: list[MessageSummary] = []
    invoices: list[InvoiceOutcome] = []
    detail_list = _child(root, ns, "DetailList")
    for message in detail_list.iterfind(f"{{{ns}}}Message") if detail_list is not None else ():
        info = _child(message, ns, "Info")
        assert info is not None  # guaranteed by the XSD
        message_id = _text(info, ns, "Id")
        message_type = _message_type(info, ns, message_id)
        sent_at = split_message_id(message_id)[1]
        counts: dict[str, int] = {}
        for bucket in ("Total", "Good", "Failed"):
            detail = _child(message, ns, "ResultType", bucket, "ResultDetailType")
            counts[bucket] = int(_text(detail, ns, "Count") or 0) if detail is not None else 0
            if bucket == "Total" or detail is None:
                continue
            for invoice in detail.iterfind(f"{{{ns}}}Invoices/{{{ns}}}Invoice"):
                where = Location(file=file or None, row=invoice.sourceline)
                invoices.append(
                    InvoiceOutcome(
                        invoice_number=_text(invoice, ns, "ReferenceNumber").upper(),
                        invoice_date=_date(_text(invoice, ns, "InvoiceDate"), where),
                        good=bucket == "Good",
                        message_type=message_type,
                        message_id=message_id,
                        sent_at=sent_at,
                        source=where,
                    )
                )
        messages.append(
            MessageSummary(
                message_id=message_id,
                message_type=message_type,
                total=counts["Total"],
                good=counts["Good"],
                failed=counts["Failed"],
                sent_at=sent_at,
                source=Location(file=file or None, row=message.sourceline),
            )
        )
    return SummaryResult(
        party_id=_text(root, ns, "RoutingInfo", "From", "PartyId"),
        routing_id=_text(root, ns, "RoutingInfo", "FromVAC", "RoutingId"),
        messages=tuple(messages),
        invoices=tuple(invoices),
        version=version,
        file=file,
    )


def parse_process_result(data: bytes, *, file: str = "") -> ProcessResult:
    """Read a ProcessResult file (4.1), XSD-checked."""
    root, ns, version = _load(data, file, "ProcessResult")
    message_info = _child(root, ns, "MessageInfo")
    assert message_info is not None  # guaranteed by the XSD
    message_id = _text(message_info, ns, "Id")
    infos = tuple(
        ProcessInfo(
            code=_text(info, ns, "Code"),
            description=_text(info, ns, "Description"),
            parameters=tuple(
                (p.text or "").strip()
                for i in range(5)
                if (p := info.find(f"{{{ns}}}Parameter{i}")) is not None
            ),
            source=Location(file=file or None, row=info.sourceline),
        )
        for info in root.iterfind(f"{{{ns}}}Result/{{{ns}}}Info")
    )
    return ProcessResult(
        party_id=_text(root, ns, "RoutingInfo", "From", "PartyId"),
        routing_id=_text(root, ns, "RoutingInfo", "FromVAC", "RoutingId"),
        message_id=message_id,
        message_type=_message_type(message_info, ns, message_id),
        sent_at=split_message_id(message_id)[1],
        infos=infos,
        version=version,
        file=file,
    )


def parse(data: bytes, *, file: str = "") -> SummaryResult | ProcessResult:
    """A SummaryResult or ProcessResult, whichever the root element is."""
    from . import safe_xml, schema

    root = safe_xml.parse_bytes(data, file=file).getroot()
    local = local_name(root)
    if local == "SummaryResult":
        return parse_summary_result(data, file=file)
    if local == "ProcessResult":
        return parse_process_result(data, file=file)
    ns = root.tag[1:].partition("}")[0] if isinstance(root.tag, str) and root.tag.startswith("{") else None
    raise InputError(
        f"根元素為 {schema.label(local)}，命名空間{schema.describe_namespace(ns)}；"
        "Turnkey 結果檔的根元素應為 <SummaryResult> 或 <ProcessResult>（命名空間 urn:GEINV:SummaryResult:4.1 / "
        "urn:GEINV:ProcessResult:4.1）",
        where=Location(file=file or None, row=root.sourceline),
    )


def read(path: str | os.PathLike[str]) -> SummaryResult | ProcessResult:
    """:func:`parse` a file; sources name the file by its path."""
    from . import safe_xml

    return parse(safe_xml.read_bytes(path), file=str(path))


# --- status records ----------------------------------------------------------------------------


def to_status_records(outcomes: Iterable[InvoiceOutcome]) -> list[StatusRecord]:
    """Outcomes → :class:`~invoicetools.domain.records.StatusRecord`, in the same order.

    Outcomes with no state of their own (Good 註銷, allowances, E-messages) are left out; see
    :func:`state_of`. When several outcomes concern one invoice (F0401 then F0501), each gives
    a record; the latest ``upload_time`` tells the current state.
    """
    records: list[StatusRecord] = []
    for o in outcomes:
        state = o.state
        if state is None:
            continue
        records.append(
            StatusRecord(
                invoice_number=o.invoice_number,
                state=state,
                invoice_date=o.invoice_date,
                upload_time=o.sent_at,
                detail=o.detail,
                source=o.source,
            )
        )
    return records


# --- folders -------------------------------------------------------------------------------------

ResultsScan = FolderScan[SummaryResult | ProcessResult]

_KIND: Kind[SummaryResult | ProcessResult] = Kind(
    title="SummaryResult／ProcessResult 結果檔",
    code="turnkey_result_unreadable",
    dir_names=frozenset({"SUMMARYRESULT", "PROCESSRESULT"}),
    suffixes=frozenset({".xml", ".summaryresult", ".processresult"}),
    markers=(b"urn:GEINV:SummaryResult:", b"urn:GEINV:ProcessResult:"),
    is_kind=lambda root: local_name(root) in ("SummaryResult", "ProcessResult"),
    parse=lambda data, file: [parse(data, file=file)],
)


def iter_results_folder(path: str | os.PathLike[str]) -> ResultsScan:
    """Walk a Turnkey folder (e.g. ``Unpack/…/BAK``, recursively) for SummaryResult/ProcessResult files.

    Files considered: ``*.xml``, ``*.SummaryResult``, ``*.ProcessResult`` anywhere, and every
    file under a folder named ``SummaryResult`` or ``ProcessResult``. Other messages are
    skipped; unreadable files add a finding to ``scan.errors`` and the walk goes on. ``path``
    may also be one file the user chose.
    """
    return FolderScan(Path(path), _KIND)


def read_folder(path: str | os.PathLike[str]) -> tuple[list[SummaryResult | ProcessResult], list[Finding]]:
    """All result files of a folder and the per-file problems (see :func:`iter_results_folder`)."""
    scan = iter_results_folder(path)
    results = list(scan)
    return results, scan.errors
