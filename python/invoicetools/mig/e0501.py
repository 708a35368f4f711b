"""E0501 營業人電子發票配號檔 (InvoiceAssignNo): the platform's track allocation, read in.

Layer: ``mig/`` (beside ``steps`` and ``sources``, below ``actions``, above
``book``/``domain``); imports only :mod:`invoicetools.domain` and its siblings.
``sources.mof_tracks`` reads allocations through it.

Root ``InvoiceAssignNo`` in the namespace ``urn:GEINV:E0501:<version>`` — note: no
``eInvoiceMessage`` segment — with {Ban, InvoiceType, YearMonth, InvoiceTrack,
InvoiceBeginNo, InvoiceEndNo, InvoiceBooklet}, for MIG 3.2, 4.0 and 4.1. Turnkey delivers it
wrapped in an ``InvoiceEnvelope`` (``urn:GEINV:InvoiceEnvelope:4.1``) whose ``InvoicePack``
holds 1..1,000 ``InvoiceAssignNo``; both forms are read. Each one becomes a
:class:`~invoicetools.domain.records.TrackAllocation` whose ``source`` is the file and the
line of its ``InvoiceAssignNo`` element.

>>> xml = b'''<?xml version="1.0" encoding="UTF-8"?>
... <InvoiceAssignNo xmlns="urn:GEINV:E0501:4.1">
...   <Ban>12345675</Ban><InvoiceType>07</InvoiceType><YearMonth>11402</YearMonth>
...   <InvoiceTrack>AB</InvoiceTrack><InvoiceBeginNo>12345000</InvoiceBeginNo>
...   <InvoiceEndNo>12345099</InvoiceEndNo><InvoiceBooklet>2</InvoiceBooklet>
... </InvoiceAssignNo>'''
>>> [a] = parse(xml, file="E0501.xml")
>>> a.ban, a.invoice_type, a.year_month, a.track, a.begin, a.end, a.booklets, str(a.source)
('12345675', '07', '11402', 'AB', 12345000, 12345099, 2, '檔案 E0501.xml 第 2 列')
>>> parse(xml.replace(b"E0501:4.1", b"E0501:3.1"), file="E0501.xml")
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InputError: 檔案 E0501.xml 第 2 列：E0501 版本「3.1」不支援：支援 3.2、4.0、4.1（命名空間「urn:GEINV:E0501:3.1」）
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.errors import Finding, InputError, Location
from ..domain.records import TrackAllocation
from . import _fields
from ._folder import FolderScan, Kind

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["VERSIONS", "E0501Scan", "is_e0501", "iter_e0501_folder", "parse", "read", "read_folder"]

MESSAGE = "E0501"
VERSIONS = ("3.2", "4.0", "4.1")
MAX_PACK = 1_000
BOOKLET = 50

_E0501_NS = re.compile(r"^urn:GEINV:E0501:(?P<version>.+)$")
_ENVELOPE_NS = re.compile(r"^urn:GEINV:InvoiceEnvelope:(?P<version>.+)$")
_EXPECTED = "urn:GEINV:E0501:4.1（或 4.0、3.2）"


def _qname(el: etree._Element) -> tuple[str | None, str]:
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return None, tag


def _version_of_assign_no(el: etree._Element, file: str) -> str:
    """The MIG version of an ``InvoiceAssignNo`` element, from its namespace; refuse anything else."""
    from .schema import describe_namespace

    ns, _local = _qname(el)
    where = Location(file=file or None, row=el.sourceline)
    m = _E0501_NS.match(ns or "")
    if m is None:
        raise InputError(
            f"<InvoiceAssignNo> 的命名空間為{describe_namespace(ns)}，E0501 應為 {_EXPECTED}", where=where
        )
    version = m["version"]
    if version not in VERSIONS:
        raise InputError(
            f"E0501 版本「{version}」不支援：支援 {'、'.join(VERSIONS)}（命名空間「{ns}」）", where=where
        )
    return version


def _text(parent: etree._Element, ns: str, name: str) -> str:
    el = parent.find(f"{{{ns}}}{name}")
    return (el.text or "").strip() if el is not None else ""


def _allocation(el: etree._Element, file: str) -> TrackAllocation:
    """One schema-checked ``InvoiceAssignNo`` element → ``TrackAllocation`` (with business checks)."""
    from . import schema

    version = _version_of_assign_no(el, file)
    schema.assert_valid(MESSAGE, version, el, file=file)
    ns = schema.namespace(MESSAGE, version)
    where = Location(file=file or None, row=el.sourceline)
    raw_type = _text(el, ns, "InvoiceType")
    try:
        invoice_type = _fields.invoice_type(raw_type)
        year_month = _fields.year_month(_text(el, ns, "YearMonth"))
    except InputError as exc:
        raise InputError(exc.message, where=where, found=exc.found) from None
    track = _text(el, ns, "InvoiceTrack")
    begin = int(_text(el, ns, "InvoiceBeginNo"))
    end = int(_text(el, ns, "InvoiceEndNo"))
    booklets = int(_text(el, ns, "InvoiceBooklet"))
    shown = f"{track}{begin:08d}–{track}{end:08d}"
    if begin > end:
        raise InputError("配號起號大於迄號", where=where.with_row(where.row, "InvoiceEndNo"), found=shown)
    if end - begin + 1 != booklets * BOOKLET:
        raise InputError(
            f"本組數 {booklets} 與起迄號不符：{shown} 共 {end - begin + 1:,} 張，應為 {BOOKLET} 張的整數倍且等於本組數 × {BOOKLET}",
            where=where.with_row(where.row, "InvoiceBooklet"),
        )
    return TrackAllocation(
        ban=_text(el, ns, "Ban"),
        invoice_type=invoice_type,
        year_month=year_month,
        track=track,
        begin=begin,
        end=end,
        source=where,
    )


def _pack_items(root: etree._Element, file: str) -> list[etree._Element]:
    """The ``InvoiceAssignNo`` elements of a Turnkey ``InvoiceEnvelope`` (validated when 4.1)."""
    from . import schema

    env_ns, _local = _qname(root)
    m = _ENVELOPE_NS.match(env_ns or "")
    where = Location(file=file or None, row=root.sourceline)
    if m is None:
        raise InputError(
            f"<InvoiceEnvelope> 的命名空間為{schema.describe_namespace(env_ns)}，應為「urn:GEINV:InvoiceEnvelope:4.1」",
            where=where,
        )
    if (m["version"]) in schema.versions("InvoiceEnvelope"):
        schema.assert_valid("InvoiceEnvelope", m["version"], root, file=file)
    pack = root.find(f"{{{env_ns}}}InvoicePack")
    if pack is None:
        raise InputError("封套 <InvoiceEnvelope> 裡沒有 <InvoicePack>", where=where)
    items = [c for c in pack if isinstance(c.tag, str)]
    pack_where = Location(file=file or None, row=pack.sourceline)
    if not items:
        raise InputError("<InvoicePack> 裡沒有任何 <InvoiceAssignNo>", where=pack_where)
    if len(items) > MAX_PACK:
        raise InputError(
            f"<InvoicePack> 最多 {MAX_PACK:,} 筆 <InvoiceAssignNo>", where=pack_where, found=len(items)
        )
    for child in items:
        if _qname(child)[1] != "InvoiceAssignNo":
            message_type = pack.get("messageType") or _qname(child)[1]
            raise InputError(
                f"這個封套裡是 {message_type} 訊息 <{_qname(child)[1]}>，不是 E0501 配號檔 <InvoiceAssignNo>",
                where=Location(file=file or None, row=child.sourceline),
            )
    count = pack.get("count")
    if count is not None and count.strip().isdigit() and int(count) != len(items):
        raise InputError(
            f"<InvoicePack> 的 count 為 {int(count)}，實際有 {len(items)} 筆 <InvoiceAssignNo>：檔案可能不完整",
            where=pack_where,
        )
    return items


def is_e0501(root: etree._Element) -> bool:
    """True for an ``InvoiceAssignNo`` root, or an envelope whose pack holds E0501 (any namespace)."""
    _ns, local = _qname(root)
    if local == "InvoiceAssignNo":
        return True
    if local != "InvoiceEnvelope":
        return False
    for child in root:
        if _qname(child)[1] == "InvoicePack":
            if (child.get("messageType") or "").strip() == MESSAGE:
                return True
            return any(_qname(c)[1] == "InvoiceAssignNo" for c in child)
    return False


def parse(data: bytes, *, file: str = "") -> list[TrackAllocation]:
    """Every allocation in one E0501 document (bare or in a Turnkey envelope), in file order."""
    from . import safe_xml, schema

    root = safe_xml.parse_bytes(data, file=file).getroot()
    ns, local = _qname(root)
    if local == "InvoiceAssignNo":
        return [_allocation(root, file)]
    if local == "InvoiceEnvelope":
        return [_allocation(el, file) for el in _pack_items(root, file)]
    raise InputError(
        f"根元素為 {schema.label(local)}，命名空間{schema.describe_namespace(ns)}；"
        f"E0501 配號檔的根元素應為 <InvoiceAssignNo>（命名空間 {_EXPECTED}），"
        "或 Turnkey 的 <InvoiceEnvelope> 封套",
        where=Location(file=file or None, row=root.sourceline),
    )


def read(path: str | os.PathLike[str]) -> list[TrackAllocation]:
    """:func:`parse` a file; sources name the file by its path."""
    from . import safe_xml

    return parse(safe_xml.read_bytes(path), file=str(path))


# --- folders ---------------------------------------------------------------------------------------

E0501Scan = FolderScan[TrackAllocation]

_KIND: Kind[TrackAllocation] = Kind(
    title="E0501 配號檔",
    code="e0501_unreadable",
    dir_names=frozenset({MESSAGE}),
    suffixes=frozenset({".xml"}),
    markers=(b"InvoiceAssignNo", b"E0501"),
    is_kind=lambda root: is_e0501(root),
    parse=lambda data, file: parse(data, file=file),
)


def _key(a: TrackAllocation) -> tuple[str, str, str, str, int, int]:
    return (a.ban, a.invoice_type, a.year_month, a.track, a.begin, a.end)


def iter_e0501_folder(path: str | os.PathLike[str], *, dedupe: bool = True) -> E0501Scan:
    """Walk a Turnkey folder (``DownCast``/``Unpack``/…, recursively) for E0501 allocations.

    Files considered: every ``*.xml``, and every file under a folder named ``E0501`` (Turnkey
    names its unpacked files without an extension). Files that are other messages are
    skipped silently, unless they sit in an ``E0501`` folder. A file that cannot be read or
    does not match the XSD adds a :class:`~invoicetools.domain.errors.Finding` to
    ``scan.errors`` and the walk goes on. Identical allocations found in several files are
    yielded once (``dedupe=False`` yields every copy); files are read in sorted path order.
    ``path`` may also be one file the user chose: then anything else than E0501 is reported.
    """
    return FolderScan(Path(path), _KIND, _key if dedupe else None)


def read_folder(
    path: str | os.PathLike[str], *, dedupe: bool = True
) -> tuple[list[TrackAllocation], list[Finding]]:
    """All allocations of a folder and the per-file problems (see :func:`iter_e0501_folder`)."""
    scan = iter_e0501_folder(path, dedupe=dedupe)
    allocations = list(scan)
    return allocations, scan.errors
