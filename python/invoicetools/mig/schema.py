"""MIG XSDs: which file belongs to which message and version, compiled once, with zh-TW errors.

The XSDs ship verbatim in ``mig/xsd/`` (see ``xsd/PROVENANCE.md``). Turnkey's copies
declare some element names with a leading space (``" BranchBan"``, ``" InvoiceBeginNo"``);
every ``@name`` of every schema document, the included ones too, is stripped before
compiling, or a correct ``<BranchBan>`` would fail.

Messages and versions:

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
import re
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


@dataclass(frozen=True, slots=True)
class MessageSpec:
    """One message in one MIG version: its XSD (relative to ``XSD_DIR``), namespace and root."""

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


def version_of(root: etree._Element, message: str) -> str:
    """The version of ``message`` a root element declares by its namespace; the newest if it is
    not that message at all (validating then reports the wrong root plainly)."""
    found = identify(etree.QName(root).namespace)
    if found is not None and found.message == message:
        return found.version
    return versions(message)[-1]


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


# --- zh-TW labels and error translation --------------------------------------------------------

_LABELS = {
    "BranchTrackBlank": "空白未使用字軌檔",
    "BranchTrack": "分支機構配號檔",
    "InvoiceAssignNo": "營業人電子發票配號檔",
    "InvoiceEnvelope": "訊息封套",
    "InvoicePack": "訊息包",
    "Main": "主檔",
    "Details": "明細",
    "BranchTrackBlankItem": "空白字軌區間",
    "BranchTrackItem": "分支機構配號區間",
    "HeadBan": "總公司統一編號",
    "BranchBan": "分支機構統一編號",
    "Ban": "統一編號",
    "InvoiceType": "發票類別",
    "YearMonth": "發票期別",
    "InvoiceTrack": "發票字軌",
    "InvoiceBeginNo": "發票起號",
    "InvoiceEndNo": "發票迄號",
    "InvoiceBooklet": "本組數",
    "InvoiceNumber": "發票號碼",
    "CancelInvoiceNumber": "作廢發票號碼",
    "VoidInvoiceNumber": "註銷發票號碼",
    "InvoiceDate": "發票日期",
    "InvoiceTime": "發票時間",
    "ReferenceNumber": "發票號碼",
    "MessageType": "訊息類別",
    "Count": "筆數",
    "Code": "結果代碼",
    "Message": "訊息",
    "Invoice": "發票",
    "Info": "結果",
}

# A few rules said the way an accountant understands them (instead of a regex).
_RULES = {
    "InvoiceBeginNo": "須為 8 位數字",
    "InvoiceEndNo": "須為 8 位數字",
    "YearMonth": "須為民國年 3 碼加期別結束的雙月，例如 11402（114 年 1–2 月）",
    "InvoiceTrack": "須為 2 個大寫英文字母",
    "InvoiceNumber": "須為 2 個大寫英文字母加 8 位數字",
    "InvoiceDate": "須為西元年月日 8 碼，例如 20250131",
}

_MAX_ITEMS = {
    "BranchTrackBlankItem": 10_000,
    "BranchTrackItem": 25_000,
    "Message": 5_000,
    "Info": 10_000,
    "Invoice": 9_999,
}

_TYPE_WORDS = {
    "xs:long": "整數",
    "xs:int": "整數",
    "xs:integer": "整數",
    "xs:positiveInteger": "正整數",
    "xs:nonNegativeInteger": "非負整數",
    "xs:decimal": "數值",
    "xs:date": "日期",
    "xs:time": "時間",
    "xs:dateTime": "日期時間",
}


def label(local_name: str) -> str:
    """``<InvoiceBeginNo>（發票起號）``; unknown names stay as they are."""
    zh = _LABELS.get(local_name)
    return f"<{local_name}>（{zh}）" if zh else f"<{local_name}>"


_CLARK = re.compile(r"\{[^}]*\}")
_HEAD = re.compile(r"^Element '(?P<el>[^']+)'(?:, attribute '(?P<attr>[^']+)')?: (?P<rest>.*)$", re.S)
_EXPECTED = re.compile(r"Expected is (?P<one>one of )?\( (?P<names>.*?) \)\.?$", re.S)


def _names(text: str) -> str:
    names = [n.strip() for n in _CLARK.sub("", text).split(",") if n.strip()]
    return "、".join(label(n) if n[:1].isalpha() else n for n in names)


def _values(text: str) -> str:
    return "、".join(v.strip().strip("'") for v in text.split(","))


_FACETS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], str], str]], ...] = (
    (
        re.compile(r"\[facet 'minLength'\] The value has a length of '(\d+)'; this underruns .* of '(\d+)'"),
        lambda m, el: f"長度 {m[1]} 個字元，少於最少的 {m[2]} 個字元",
    ),
    (
        re.compile(r"\[facet 'maxLength'\] The value has a length of '(\d+)'; this exceeds .* of '(\d+)'"),
        lambda m, el: f"長度 {m[1]} 個字元，超過最多的 {m[2]} 個字元",
    ),
    (
        re.compile(
            r"\[facet 'length'\] The value '(.*)' has a length of '(\d+)'; this differs .* of '(\d+)'", re.S
        ),
        lambda m, el: f"值「{m[1]}」長度 {m[2]} 個字元，應為 {m[3]} 個字元",
    ),
    (
        re.compile(r"\[facet 'pattern'\] The value '(.*)' is not accepted by the pattern '(.*)'\.?$", re.S),
        lambda m, el: f"值「{m[1]}」格式不符：{_RULES.get(el, '須符合 ' + m[2])}",
    ),
    (
        re.compile(r"\[facet 'enumeration'\] The value '(.*)' is not an element of the set \{(.*)\}", re.S),
        lambda m, el: f"值「{m[1]}」不是允許的值（{_values(m[2])}）",
    ),
    (
        re.compile(
            r"\[facet 'minInclusive'\] The value '(.*)' is less than the minimum value allowed \('(.*)'\)"
        ),
        lambda m, el: f"值「{m[1]}」小於最小值 {m[2]}",
    ),
    (
        re.compile(r"\[facet 'maxInclusive'\] The value '(.*)' is greater than the maximum .* \('(.*)'\)"),
        lambda m, el: f"值「{m[1]}」大於最大值 {m[2]}",
    ),
    (
        re.compile(r"\[facet 'totalDigits'\] The value '(.*)' has more digits than are allowed \('(\d+)'\)"),
        lambda m, el: f"值「{m[1]}」超過 {m[2]} 位數",
    ),
    (
        re.compile(
            r"'(.*)' is not a valid value of the (?:local )?(?:atomic|list|union) type(?: '(.*)')?", re.S
        ),
        lambda m, el: (
            f"值「{m[1]}」不是有效的{_TYPE_WORDS[m[2]]}"
            if m[2] in _TYPE_WORDS
            else f"值「{m[1]}」的型別不正確"
        ),
    ),
    (re.compile(r"The attribute '(.*)' is not allowed"), lambda m, el: f"不可有屬性「{m[1]}」"),
    (re.compile(r"The attribute '(.*)' is required but missing"), lambda m, el: f"缺少屬性「{m[1]}」"),
)


def _translate_rest(el: str, rest: str) -> str:
    """The part after "Element 'x': " of a libxml2 message, in zh-TW."""
    for pattern, render in _FACETS:
        if m := pattern.match(rest):
            return render(m, el)
    if rest.startswith("This element is not expected."):
        text = "此處不應出現這個元素"
        if m := _EXPECTED.search(rest):
            text += f"，應為{'以下其中之一：' if m['one'] else ''}{_names(m['names'])}"
        elif el in _MAX_ITEMS:
            text += f"（最多 {_MAX_ITEMS[el]:,} 筆，可能已超過）"
        return text
    if rest.startswith("Missing child element(s)."):
        if m := _EXPECTED.search(rest):
            return f"缺少子元素{'（以下其中之一）' if m['one'] else ''}：{_names(m['names'])}"
        return "缺少子元素"
    if rest.startswith("Character content other than whitespace is not allowed"):
        return "不可有文字內容，只能有子元素"
    if rest.startswith("Element content is not allowed"):
        return "不可有子元素，只能是文字值"
    if rest.startswith("No matching global declaration available for the validation root"):
        return "根元素不是這個訊息的格式"
    return f"XSD 驗證失敗：{rest}"


def _translate(message: str) -> str:
    """One libxml2 schema-validation message → zh-TW, with the element named and labelled."""
    text = _CLARK.sub("", message.strip())
    head = _HEAD.match(message.strip())
    if not head:
        return f"XSD 驗證失敗：{text}"
    el = _CLARK.sub("", head["el"])
    body = _translate_rest(el, head["rest"])
    return f"{label(el)}：{body}"


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
        return [_Issue(e.line if e.line > 0 else None, _translate(e.message)) for e in self._schema.error_log]


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
            out.append(_Issue(line if isinstance(line, int) else None, _CLARK.sub("", text)))
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
