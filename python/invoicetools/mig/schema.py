"""MIG XSDs compiled once and documents validated against them, with readable zh-TW errors.

Layer: ``mig/`` (beside ``steps`` and ``sources``, below ``actions``, above
``book``/``domain``): imports :mod:`invoicetools.domain` and its siblings :mod:`.specs`
(which XSD belongs to which message and version; re-exported here), :mod:`._xsd_errors`
(libxml2's messages in zh-TW) and :mod:`.safe_xml`.

The XSDs ship verbatim in ``mig/xsd/`` (see ``xsd/PROVENANCE.md``). Turnkey's copies
declare some element names with a leading space (``" BranchBan"``, ``" InvoiceBeginNo"``);
every ``@name`` of every schema document, the included ones too, is stripped before
compiling, or a correct ``<BranchBan>`` would fail.

Validation returns readable errors (line numbers as the editor shows them):

>>> doc = b'''<BranchTrackBlank xmlns="urn:GEINV:eInvoiceMessage:E0402:4.1">
... <Main><HeadBan>12345675</HeadBan><BranchBan>12345675</BranchBan><InvoiceType>09</InvoiceType>
... <YearMonth>11402</YearMonth><InvoiceTrack>AB</InvoiceTrack></Main>
... <Details><BranchTrackBlankItem><InvoiceBeginNo>1234567</InvoiceBeginNo>
... <InvoiceEndNo>12345678</InvoiceEndNo></BranchTrackBlankItem></Details></BranchTrackBlank>'''
>>> for line in validate("E0402", "4.1", doc):
...     print(line)
第 2 列 <InvoiceType>（發票類別）：值「09」不是允許的值（07、08）
第 4 列 <InvoiceBeginNo>（發票起號）：長度 7 個字元，少於最少的 8 個字元
第 4 列 <InvoiceBeginNo>（發票起號）：值「1234567」格式不符：須為 8 位數字
"""

from __future__ import annotations

import functools
import os
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from lxml import etree

from ..domain.errors import InputError, Location
from . import safe_xml
from ._xsd_errors import CLARK, label, translate
from .specs import (
    MESSAGES,
    MessageSpec,
    describe_namespace,
    identify,
    namespace,
    normalize_version,
    spec,
    versions,
)

__all__ = [
    "MESSAGES",
    "XSD_DIR",
    "MessageSpec",
    "SchemaError",
    "assert_valid",
    "backend",
    "describe_namespace",
    "identify",
    "label",
    "namespace",
    "normalize_version",
    "spec",
    "validate",
    "version_of",
    "versions",
    "xsd_path",
]

XSD_DIR = Path(__file__).resolve().with_name("xsd")
XSD_NS = "http://www.w3.org/2001/XMLSchema"


def version_of(root: etree._Element, message: str) -> str:
    """The version of ``message`` a root element declares by its namespace; the newest if it is
    not that message at all (validating then reports the wrong root plainly)."""
    found = identify(etree.QName(root).namespace)
    if found is not None and found.message == message:
        return found.version
    return versions(message)[-1]


@dataclass(frozen=True, slots=True)
class _Issue:
    line: int | None
    text: str

    def __str__(self) -> str:
        place = str(Location(row=self.line))
        return f"{place} {self.text}" if place else self.text


# --- loading and compiling ------------------------------------------------------------------------


def _strip_names(tree: etree._ElementTree) -> None:
    for el in tree.iter():
        name = el.get("name")
        if name is not None and name != name.strip():
            el.set("name", name.strip())


def _inside_xsd_dir(url: str) -> Path:
    """The local file an include/schema URL points at, refused outside ``XSD_DIR``."""
    if url.startswith("file:"):
        url = urllib.request.url2pathname(urllib.parse.urlparse(url).path)
    path = Path(url).resolve()
    if not path.is_relative_to(XSD_DIR):
        raise InputError("XSD 引用了程式資料夾以外的檔案，拒絕載入", found=url)
    return path


def _stripped_bytes(path: Path) -> bytes:
    tree = etree.parse(str(path), _plain_xsd_parser())
    _strip_names(tree)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


class _XsdResolver(etree.Resolver):
    """Serves every schema document (the main one and each include) from ``XSD_DIR``, names stripped."""

    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:
        if not system_url:
            return None
        path = _inside_xsd_dir(system_url)
        return self.resolve_string(_stripped_bytes(path), context, base_url=str(path))


@functools.cache
def _plain_xsd_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@functools.cache
def _xsd_parser() -> etree.XMLParser:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    parser.resolvers.add(_XsdResolver())
    return parser


class _Validator(Protocol):
    backend: str

    def issues(self, node: etree._Element) -> list[_Issue]: ...


class _LxmlValidator:
    backend = "lxml"

    def __init__(self, schema: etree.XMLSchema) -> None:
        self._schema = schema

    def issues(self, node: etree._Element) -> list[_Issue]:
        if self._schema.validate(node):
            return []
        return [_Issue(e.line if e.line > 0 else None, translate(e.message)) for e in self._schema.error_log]


class _XmlschemaValidator:
    """Fallback for a schema lxml cannot compile: slower (~25×), errors less translated."""

    backend = "xmlschema"

    def __init__(self, schema: Any) -> None:
        self._schema = schema

    def issues(self, node: etree._Element) -> list[_Issue]:
        out: list[_Issue] = []
        for err in self._schema.iter_errors(node):
            elem = getattr(err, "elem", None)
            local = etree.QName(elem).localname if elem is not None and isinstance(elem.tag, str) else ""
            line = getattr(err, "sourceline", None)
            reason = str(getattr(err, "reason", None) or err)
            text = f"{label(local)}：XSD 驗證失敗：{reason}" if local else f"XSD 驗證失敗：{reason}"
            out.append(_Issue(line if isinstance(line, int) else None, CLARK.sub("", text)))
        return out


def _compile_lxml(path: Path) -> etree.XMLSchema:
    tree = etree.parse(str(path), _xsd_parser())
    _strip_names(tree)
    return etree.XMLSchema(tree)


def _inline_includes(tree: etree._ElementTree, path: Path, seen: set[Path]) -> None:
    """Replace each ``xsd:include`` by the (stripped) content of the included document.

    The included Turnkey documents have no target namespace (chameleon includes): moved into
    the including document, their unprefixed references resolve in its default namespace,
    which is what an include does.
    """
    root = tree.getroot()
    for inc in list(root.iterchildren(f"{{{XSD_NS}}}include")):
        target = _inside_xsd_dir(str((path.parent / (inc.get("schemaLocation") or "")).resolve()))
        position = root.index(inc)
        root.remove(inc)
        if target in seen:
            continue
        seen.add(target)
        sub = etree.ElementTree(etree.fromstring(_stripped_bytes(target), _plain_xsd_parser()))
        _inline_includes(sub, target, seen)
        for offset, child in enumerate(c for c in sub.getroot() if isinstance(c.tag, str)):
            root.insert(position + offset, child)


def _compile_xmlschema(path: Path) -> Any:
    import xmlschema  # heavy (≈0.15 s): only when lxml could not compile a schema

    tree = etree.parse(str(path), _plain_xsd_parser())
    _strip_names(tree)
    _inline_includes(tree, path, {path})
    return xmlschema.XMLSchema(etree.tostring(tree, encoding="unicode"), base_url=str(path.parent))


_lxml_compiler: Callable[[Path], etree.XMLSchema] = _compile_lxml
_compile_lock = threading.Lock()  # the schema parser (with its resolver) is shared


@functools.cache
def _validator(message: str, version: str) -> _Validator:
    """The compiled schema of a message/version: lxml, or xmlschema for a schema lxml refuses."""
    s = spec(message, version)
    path = XSD_DIR / s.xsd
    with _compile_lock:
        try:
            return _LxmlValidator(_lxml_compiler(path))
        except etree.XMLSchemaParseError:
            return _XmlschemaValidator(_compile_xmlschema(path))


def backend(message: str, version: object) -> str:
    """``"lxml"`` or ``"xmlschema"``: which validator this message/version uses."""
    s = spec(message, version)
    return _validator(s.message, s.version).backend


# --- validation ------------------------------------------------------------------------------------

Xml = bytes | etree._ElementTree | etree._Element


def _root_of(xml: Xml, file: str) -> etree._Element:
    if isinstance(xml, etree._ElementTree):
        return xml.getroot()
    if isinstance(xml, etree._Element):
        return xml
    return safe_xml.parse_bytes(xml, file=file).getroot()


def _root_issue(root: etree._Element, s: MessageSpec) -> _Issue | None:
    """A wrong root or namespace, said plainly (before the XSD's "no matching declaration")."""
    q = etree.QName(root)
    if q.localname == s.root and q.namespace == s.namespace:
        return None
    line = root.sourceline
    if q.localname == s.root:
        text = f"根元素 {label(s.root)}的命名空間為{describe_namespace(q.namespace)}，應為「{s.namespace}」"
    else:
        text = (
            f"根元素為 {label(q.localname)}，命名空間{describe_namespace(q.namespace)}；"
            f"{s.message} {s.version} 的根元素應為 {label(s.root)}，命名空間「{s.namespace}」"
        )
    return _Issue(line, text)


def _issues(message: str, version: object, xml: Xml, file: str) -> list[_Issue]:
    s = spec(message, version)
    try:
        root = _root_of(xml, file)
    except InputError as exc:
        where = exc.where.row if exc.where is not None else None
        return [_Issue(where, exc.message)]
    wrong_root = _root_issue(root, s)
    if wrong_root is not None:
        return [wrong_root]
    return _validator(s.message, s.version).issues(root)


def validate(message: str, version: object, xml: Xml, *, file: str = "", limit: int = 100) -> list[str]:
    """Validate a document (bytes, parsed tree or element) against the shipped XSD.

    Returns readable zh-TW errors, each with its line (empty list = valid). Bytes that are
    not well-formed XML, or carry a DOCTYPE, give one error saying so. At most ``limit``
    errors are listed; then one line says how many more there are.
    """
    issues = _issues(message, version, xml, file)
    out = [str(i) for i in issues[:limit]]
    if len(issues) > limit:
        out.append(f"另有 {len(issues) - limit:,} 個錯誤未列出")
    return out


class SchemaError(InputError):
    """A document that does not match its MIG XSD. ``errors`` lists every problem found."""

    def __init__(self, message: str, *, where: Location | None, errors: list[str], spec: MessageSpec) -> None:
        super().__init__(message, where=where)
        self.errors = errors
        self.spec = spec


def assert_valid(
    message: str, version: object, xml: Xml, *, file: str = "", show: int = 5
) -> etree._ElementTree:
    """Validate and return the parsed tree; raise :class:`SchemaError` naming the file otherwise.

    Unreadable bytes raise the :mod:`safe_xml` error itself (not well-formed, DOCTYPE).
    The message lists the first ``show`` errors; ``SchemaError.errors`` has them all.
    """
    s = spec(message, version)
    if isinstance(xml, etree._Element):
        tree, root = xml.getroottree(), xml
    elif isinstance(xml, etree._ElementTree):
        tree, root = xml, xml.getroot()
    else:
        tree = safe_xml.parse_bytes(bytes(xml), file=file)
        root = tree.getroot()
    wrong_root = _root_issue(root, s)
    issues = [wrong_root] if wrong_root is not None else _validator(s.message, s.version).issues(root)
    if not issues:
        return tree
    listed = "；".join(str(i) for i in issues[:show])
    more = f"；另有 {len(issues) - show:,} 個錯誤" if len(issues) > show else ""
    raise SchemaError(
        f"不符合 {s.name}的 XSD 格式：{listed}{more}",
        where=Location(file=file or "（未命名）"),
        errors=[str(i) for i in issues],
        spec=s,
    )


def xsd_path(message: str, version: object) -> str:
    """Absolute path of the shipped XSD file (for showing the user, or external tools)."""
    return os.fspath(XSD_DIR / spec(message, version).xsd)
