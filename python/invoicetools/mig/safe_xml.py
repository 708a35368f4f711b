"""The one way this package parses XML: lxml, locked down.

Layer: ``mig/`` (beside ``steps`` and ``sources``, below ``actions``, above
``book``/``domain``); imports only :mod:`invoicetools.domain`.

MIG messages never carry a DOCTYPE, so any document that has one is refused before it is
parsed (no entity expansion, no external DTD, no network: XXE and "billion laughs" cannot
get in). Whatever slips past the quick check (a DOCTYPE in an unusual encoding) is caught
after parsing from the document's own DTD information.

The parser: ``resolve_entities=False``, ``no_network=True``, ``load_dtd=False``,
``huge_tree=False``, no DTD validation; blank text is kept, so line numbers are the ones
an editor shows.

>>> root = parse_bytes(b'<?xml version="1.0"?>\\n<a><b>1</b></a>', file="x.xml").getroot()
>>> root.tag, root[0].sourceline
('a', 2)
>>> parse_bytes(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', file="x.xml")
Traceback (most recent call last):
    ...
invoicetools.mig.safe_xml.UnsafeXmlError: 檔案 x.xml：含有 DOCTYPE 宣告，基於安全理由不讀取（MIG 訊息不會有 DOCTYPE 或實體宣告）
>>> parse_bytes(b'<a><b></a>', file="x.xml")
Traceback (most recent call last):
    ...
invoicetools.mig.safe_xml.XmlSyntaxError: 檔案 x.xml 第 1 列：XML 格式錯誤，無法讀取：Opening and ending tag mismatch: b line 1 and a
"""

from __future__ import annotations

import codecs
import os
import threading
from pathlib import Path

from lxml import etree

from ..domain.errors import InputError, Location, describe_os_error

__all__ = ["MAX_BYTES", "UnsafeXmlError", "XmlSyntaxError", "has_doctype", "parse_bytes", "parse_file", "read_bytes"]

_DOCTYPE = b"<!DOCTYPE"
MAX_BYTES = 256 * 1024**2  # MIG messages and Turnkey results are far smaller; never read a huge file whole
# Utf-16/32 byte-order marks, longest first (UTF-32-LE starts with the UTF-16-LE mark).
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Without a BOM, a wide encoding still shows in the first bytes of "<?xml".
_WIDE_STARTS = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)


class UnsafeXmlError(InputError):
    """A document that is refused for safety (DOCTYPE, entities)."""


class XmlSyntaxError(InputError):
    """A document that is not well-formed XML."""


_local = threading.local()


def _parser() -> etree.XMLParser:
    """One locked-down parser per thread (lxml parsers must not be shared between threads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_blank_text=False,
            remove_comments=False,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def has_doctype(data: bytes) -> bool:
    """Quick check for a DOCTYPE declaration, also in UTF-16/UTF-32 documents.

    It is deliberately blunt: the text ``<!DOCTYPE`` anywhere (even inside a comment)
    counts. MIG messages never contain it.

    >>> has_doctype(b'<?xml version="1.0"?><!DOCTYPE a><a/>')
    True
    >>> has_doctype('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a><a/>'.encode("utf-16"))
    True
    >>> has_doctype(b'<a>DOCTYPE</a>')
    False
    """
    if _DOCTYPE in data:
        return True
    head = data[:4]
    for bom, encoding in _WIDE_BOMS:
        if head.startswith(bom):
            return _DOCTYPE.decode() in data[len(bom) :].decode(encoding, errors="replace")
    for start, encoding in _WIDE_STARTS:
        if head.startswith(start):
            return _DOCTYPE.decode() in data.decode(encoding, errors="replace")
    return False


def _refuse_doctype(file: str) -> UnsafeXmlError:
    return UnsafeXmlError(
        "含有 DOCTYPE 宣告，基於安全理由不讀取（MIG 訊息不會有 DOCTYPE 或實體宣告）",
        where=Location(file=file or "（未命名）"),
    )


def parse_bytes(data: bytes, *, file: str = "") -> etree._ElementTree:
    """Parse a whole document held in memory; ``file`` names it in error messages.

    Raises :class:`UnsafeXmlError` for a DOCTYPE, :class:`XmlSyntaxError` when the bytes
    are not well-formed XML (with the line of the first error).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("parse_bytes needs bytes")
    data = bytes(data)
    if not data.strip():
        raise XmlSyntaxError("檔案是空的，沒有 XML 內容", where=Location(file=file or "（未命名）"))
    if has_doctype(data):
        raise _refuse_doctype(file)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
        message = str(exc.msg or exc).strip()
        raise XmlSyntaxError(
            f"XML 格式錯誤，無法讀取：{_strip_position(message)}",
            where=Location(file=file or "（未命名）", row=line),
        ) from None
    tree = root.getroottree()
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _refuse_doctype(file)
    return tree


def _strip_position(message: str) -> str:
    """lxml appends ", line N, column M" to its messages; the Location already says where."""
    head, sep, tail = message.rpartition(", line ")
    if sep and tail.replace(", column ", "").replace(" ", "").isdigit():
        return head
    return message


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read a file for parsing; an unreadable file becomes an :class:`InputError` naming it."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise InputError(
                f"檔案太大（{size / 1024**2:,.0f} MB），不像 MIG 訊息（上限 {MAX_BYTES // 1024**2} MB）",
                where=Location(file=str(p)),
            )
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError("找不到檔案", where=Location(file=str(p))) from None
    except IsADirectoryError:
        raise InputError("這是資料夾，不是檔案", where=Location(file=str(p))) from None
    except OSError as exc:
        raise InputError(f"無法讀取檔案：{describe_os_error(exc)}", where=Location(file=str(p))) from None


def parse_file(path: str | os.PathLike[str]) -> etree._ElementTree:
    """Read and parse a file (see :func:`parse_bytes`); errors name the file by its path."""
    return parse_bytes(read_bytes(path), file=str(path))
