"""Which MIG messages and versions this package knows: each one's XSD file, namespace and root.

Layer: ``mig/`` (beside ``steps`` and ``sources``, below ``actions``, above
``book``/``domain``). This module imports only :mod:`invoicetools.domain` and no lxml, so
the message modules can ask for a namespace or check a version without loading a parser;
compiling and validating is :mod:`.schema`'s work.

>>> versions("E0402"), versions("E0501"), versions("SummaryResult")
(('3.2', '4.0', '4.1'), ('3.2', '4.0', '4.1'), ('4.1',))
>>> namespace("E0402", "4.1")
'urn:GEINV:eInvoiceMessage:E0402:4.1'
>>> namespace("E0501", "3.2")          # no "eInvoiceMessage" segment
'urn:GEINV:E0501:3.2'
>>> namespace("SummaryResult", "4.1")
'urn:GEINV:SummaryResult:4.1'
>>> spec("E0501", "4.0").xsd              # Turnkey keeps E0501 4.0/4.1 under common/
'common/4.0/E0501.xsd'
>>> identify("urn:GEINV:eInvoiceMessage:E0401:3.2")
MessageSpec(message='E0401', version='3.2', xsd='3.2/E0401.xsd', namespace='urn:GEINV:eInvoiceMessage:E0401:3.2', root='BranchTrack', title='分支機構配號檔')
>>> normalize_version("v41"), normalize_version("MIG 4.0"), normalize_version(3.2)
('4.1', '4.0', '3.2')
>>> spec("E0402", "3.1")
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InputError: MIG 版本「3.1」不支援：E0402 支援 3.2、4.0、4.1
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..domain.errors import InputError

__all__ = [
    "MESSAGES",
    "MessageSpec",
    "describe_namespace",
    "identify",
    "namespace",
    "normalize_version",
    "spec",
    "versions",
]


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """One message in one MIG version: its XSD (relative to ``schema.XSD_DIR``), namespace and root."""

    message: str
    version: str
    xsd: str
    namespace: str
    root: str
    title: str

    @property
    def name(self) -> str:
        """``E0402 4.1（空白未使用字軌檔）``"""
        return f"{self.message} {self.version}（{self.title}）"


_TITLES = {
    "E0401": ("BranchTrack", "分支機構配號檔"),
    "E0402": ("BranchTrackBlank", "空白未使用字軌檔"),
    "E0501": ("InvoiceAssignNo", "營業人電子發票配號檔"),
    "F0401": ("Invoice", "平台存證開立發票"),
    "F0501": ("CancelInvoice", "平台存證作廢發票"),
    "F0701": ("VoidInvoice", "平台存證註銷發票"),
    "InvoiceEnvelope": ("InvoiceEnvelope", "Turnkey 訊息封套"),
    "ProcessResult": ("ProcessResult", "處理結果"),
    "SummaryResult": ("SummaryResult", "彙總結果"),
}

_XSD_FILES: dict[tuple[str, str], str] = {
    ("E0401", "3.2"): "3.2/E0401.xsd",
    ("E0401", "4.0"): "4.0/E0401.xsd",
    ("E0401", "4.1"): "4.1/E0401.xsd",
    ("E0402", "3.2"): "3.2/E0402.xsd",
    ("E0402", "4.0"): "4.0/E0402.xsd",
    ("E0402", "4.1"): "4.1/E0402.xsd",
    ("E0501", "3.2"): "3.2/E0501.xsd",
    ("E0501", "4.0"): "common/4.0/E0501.xsd",
    ("E0501", "4.1"): "common/4.1/E0501.xsd",
    ("F0401", "4.0"): "4.0/F0401.xsd",
    ("F0401", "4.1"): "4.1/F0401.xsd",
    ("F0501", "4.0"): "4.0/F0501.xsd",
    ("F0501", "4.1"): "4.1/F0501.xsd",
    ("F0701", "4.0"): "4.0/F0701.xsd",
    ("F0701", "4.1"): "4.1/F0701.xsd",
    ("InvoiceEnvelope", "4.1"): "common/4.1/InvoiceEnvelope.xsd",
    ("ProcessResult", "4.1"): "common/4.1/ProcessResult.xsd",
    ("SummaryResult", "4.1"): "common/4.1/SummaryResult.xsd",
}


def _namespace_of(message: str, version: str) -> str:
    if message == "E0501" or message in ("InvoiceEnvelope", "ProcessResult", "SummaryResult"):
        return f"urn:GEINV:{message}:{version}"
    return f"urn:GEINV:eInvoiceMessage:{message}:{version}"


_SPECS: dict[tuple[str, str], MessageSpec] = {
    key: MessageSpec(key[0], key[1], path, _namespace_of(*key), _TITLES[key[0]][0], _TITLES[key[0]][1])
    for key, path in _XSD_FILES.items()
}
_BY_NAMESPACE = {s.namespace: s for s in _SPECS.values()}
MESSAGES: tuple[str, ...] = tuple(dict.fromkeys(m for m, _ in _XSD_FILES))

_VERSION = re.compile(r"^(?:MIG)?\s*[vV]?\s*(\d)\.?(\d)$")


def normalize_version(version: object) -> str:
    """``"4.1"``, ``"v41"``, ``"V4.1"``, ``"MIG 4.1"``, ``4.1`` → ``"4.1"``; anything else unchanged (as text)."""
    text = str(version).strip()
    m = _VERSION.match(text.upper().replace("MIG", "").strip()) if text else None
    return f"{m.group(1)}.{m.group(2)}" if m else text


def versions(message: str) -> tuple[str, ...]:
    """The MIG versions this package has an XSD for, oldest first."""
    return tuple(v for m, v in _XSD_FILES if m == message)


def spec(message: str, version: object) -> MessageSpec:
    """The :class:`MessageSpec` of a message and version; an unknown pair is an :class:`InputError`."""
    v = normalize_version(version)
    found = _SPECS.get((message, v))
    if found is not None:
        return found
    known = versions(message)
    if not known:
        raise InputError(f"不支援的 MIG 訊息「{message}」：支援 {'、'.join(MESSAGES)}")
    raise InputError(f"MIG 版本「{version}」不支援：{message} 支援 {'、'.join(known)}")


def namespace(message: str, version: object) -> str:
    """The default namespace a document of this message and version must use."""
    return spec(message, version).namespace


def identify(ns: str | None) -> MessageSpec | None:
    """Which message/version a namespace belongs to, or ``None``."""
    return _BY_NAMESPACE.get(ns or "")


def describe_namespace(ns: str | None) -> str:
    """A namespace as an accountant can read it: ``urn:…:E0402:4.0（E0402 4.0 空白未使用字軌檔）``.

    >>> describe_namespace("urn:GEINV:eInvoiceMessage:E0402:4.0")
    '「urn:GEINV:eInvoiceMessage:E0402:4.0」（E0402 4.0 空白未使用字軌檔）'
    >>> describe_namespace(None)
    '（沒有命名空間）'
    """
    if not ns:
        return "（沒有命名空間）"
    s = identify(ns)
    return f"「{ns}」（{s.message} {s.version} {s.title}）" if s else f"「{ns}」"
