"""The one XML writer of the MIG messages this package sends (E0401, E0402), and how a message is declared.

Layer: ``mig/`` (beside ``steps`` and ``sources``, below ``actions``, above
``book``/``domain``). Imports only its sibling :mod:`.specs` (for the root name and the
namespace of a message and version) and no lxml: writing is plain text; :mod:`.schema`
validates what is written.

**A message is declared once**, as a frozen dataclass whose fields say, in document order,
which element each one fills: ``field(metadata=main("HeadBan"))`` for a child of ``Main``,
``field(metadata=details("BranchTrackBlankItem", ("InvoiceBeginNo", NUMBER), ...))`` for
the item repeated in ``Details`` (one per entry of that field; an entry's values fill the
item's children by position). :func:`declare` turns the dataclass into its element tree
(:class:`Element`, :class:`Leaf`, :class:`Items`); the writer below and the reader in
:mod:`._message` both walk that tree, so element names and order live in one place.

**Bytes** are the same for every message and always the same for the same values: UTF-8
with an XML declaration, the message's namespace as the root's default namespace (from
:mod:`.specs`, for the record's ``version``), two-space indent, LF line ends, one final
newline, text escaped (``&``, ``<``, ``>``; attribute values also ``"``).

:class:`XmlWriter` writes one element per call into a text buffer, as XlsxWriter's
``_write_*`` methods do, so each element can be tested on its own. :func:`to_bytes` gives
the same bytes fast: it has the writer write each message and version once, with a slot
where each value goes, then fills the slots (one ``str.format`` per ``Details`` item).

>>> import io
>>> out = io.StringIO()
>>> XmlWriter(out).data_element("InvoiceTrack", "A&B", depth=2)
>>> out.getvalue()
'    <InvoiceTrack>A&amp;B</InvoiceTrack>\\n'
"""

from __future__ import annotations

import dataclasses
import functools
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TextIO, TypeVar

from . import specs

__all__ = [
    "COUNT",
    "NUMBER",
    "TEXT",
    "Codec",
    "Declaration",
    "Element",
    "Items",
    "Leaf",
    "Node",
    "XmlWriter",
    "declare",
    "details",
    "main",
    "text_of",
    "to_bytes",
]

INDENT = "  "
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


@dataclass(frozen=True, slots=True)
class Codec:
    """How a field's value becomes element text and comes back (``read``).

    Written as ``format(value, spec)``; ``escape``: the text may hold ``&``, ``<`` or ``>``
    (``False`` for numbers: digits only).
    """

    read: Callable[[str], Any]
    spec: str = ""
    escape: bool = True

    def write(self, value: object) -> str:
        """The element text of ``value``, not yet escaped."""
        return format(value, self.spec)


TEXT = Codec(str)
"""Text as it is (the values were checked and normalised before)."""
NUMBER = Codec(int, "08d", escape=False)
"""An invoice number's 8 digits: ``35`` ↔ ``00000035``."""
COUNT = Codec(int, "d", escape=False)
"""A plain non-negative integer (``InvoiceBooklet``)."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """``<tag>text</tag>``: the value is ``record.<key>`` (a field name) or ``entry[key]`` (a position)."""

    tag: str
    key: str | int
    codec: Codec = TEXT


@dataclass(frozen=True, slots=True)
class Items:
    """One ``<tag>`` per entry of ``record.<key>``, its ``children`` filled from the entry by position.

    ``make`` turns the values read back into an entry (``tuple``, or a NamedTuple's ``_make``).
    """

    tag: str
    key: str
    children: tuple[Leaf, ...]
    make: Callable[[Iterable[Any]], Any] = tuple


@dataclass(frozen=True, slots=True)
class Element:
    """An element that holds other elements, in order."""

    tag: str
    children: tuple[Node, ...]


Node = Element | Leaf | Items

# --- declaring a message ---------------------------------------------------------------------------

_XML = "invoicetools.mig.element"  # the dataclass field metadata key: the Leaf or Items it fills


def main(tag: str, codec: Codec = TEXT) -> Mapping[str, object]:
    """Field metadata: this field fills ``<Main><tag>``."""
    return {_XML: Leaf(tag, "", codec)}


def details(
    tag: str, *children: tuple[str, Codec], make: Callable[[Iterable[Any]], Any] = tuple
) -> Mapping[str, object]:
    """Field metadata: each entry of this field is one ``<Details><tag>`` with ``children`` (tag, codec)."""
    leaves = tuple(Leaf(child, i, codec) for i, (child, codec) in enumerate(children))
    return {_XML: Items(tag, "", leaves, make)}


class Record(Protocol):
    """What the writer needs of every message record besides its declared fields."""

    @property
    def version(self) -> str: ...


R = TypeVar("R", bound=Record)


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity: one per message
class Declaration(Generic[R]):
    """A message's element tree (see :func:`declare`): the root, ``Main`` with the ``main`` leaves
    in order, ``Details`` with the repeated ``items``; ``record`` makes the record of a document read."""

    message: str
    record: Callable[..., R]
    main: tuple[Leaf, ...]
    items: Items
    tree: Element = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        root = specs.spec(self.message, specs.versions(self.message)[-1]).root
        tree = Element(root, (Element("Main", self.main), Element("Details", (self.items,))))
        object.__setattr__(self, "tree", tree)

    def find(self, path: str) -> Node:
        """The node at ``Main/HeadBan`` or ``Details/BranchTrackItem/InvoiceBooklet``."""
        node: Node = self.tree
        for tag in path.split("/"):
            children: tuple[Node, ...] = node.children if isinstance(node, Element | Items) else ()
            found = [c for c in children if c.tag == tag]
            if not found:
                raise KeyError(f"{self.message} has no element {path}")
            node = found[0]
        return node


def declare(message: str, record: type[R]) -> Declaration[R]:
    """The element tree of ``message`` from the fields of its record dataclass, in field order.

    The root is the message's root element (:mod:`.specs`), holding ``Main`` then ``Details``.
    """
    main: list[Leaf] = []
    items: list[Items] = []
    for f in dataclasses.fields(record):  # type: ignore[arg-type]  # a dataclass, by contract
        node = f.metadata.get(_XML)
        if isinstance(node, Leaf):
            main.append(dataclasses.replace(node, key=f.name))
        elif isinstance(node, Items):
            items.append(dataclasses.replace(node, key=f.name))
    if not main or len(items) != 1:
        raise TypeError(f"{record.__name__}: a message needs Main fields and one Details item")
    return Declaration(message, record, tuple(main), items[0])


# --- writing -------------------------------------------------------------------------------------


def _value(source: object, key: str | int) -> object:
    return source[key] if isinstance(key, int) else getattr(source, key)  # type: ignore[index]


def text_of(leaf: Leaf, source: object) -> str:
    """The text of ``leaf`` (not yet escaped) from ``source``: the record, or an item's entry."""
    return leaf.codec.write(_value(source, leaf.key))


class XmlWriter:
    """Writes elements into a text buffer, one element per call, each line indented by its depth."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def declaration(self) -> None:
        """``<?xml version="1.0" encoding="UTF-8"?>``"""
        self._out.write(XML_DECLARATION)

    def start_tag(self, tag: str, depth: int, attributes: Iterable[tuple[str, str]] = ()) -> None:
        """``<tag a="v">`` on its own line."""
        attrs = "".join(f' {name}="{value.translate(_ATTRIBUTE_ESCAPES)}"' for name, value in attributes)
        self._out.write(f"{INDENT * depth}<{tag}{attrs}>\n")

    def end_tag(self, tag: str, depth: int) -> None:
        """``</tag>`` on its own line."""
        self._out.write(f"{INDENT * depth}</{tag}>\n")

    def data_element(self, tag: str, text: str, depth: int) -> None:
        """``<tag>text</tag>`` on one line, the text escaped."""
        self._out.write(f"{INDENT * depth}<{tag}>{text.translate(_TEXT_ESCAPES)}</{tag}>\n")

    def leaf(self, leaf: Leaf, source: object, depth: int) -> None:
        """A declared leaf filled from ``source`` (the record, or an item's entry)."""
        self.data_element(leaf.tag, text_of(leaf, source), depth)

    def element(self, node: Node, source: object, depth: int) -> None:
        """Any declared node filled from ``source``: the record, or for an item's children the entry."""
        if isinstance(node, Leaf):
            self.leaf(node, source, depth)
        elif isinstance(node, Items):
            self.items(node, source, depth)
        else:
            self.start_tag(node.tag, depth)
            for child in node.children:
                self.element(child, source, depth + 1)
            self.end_tag(node.tag, depth)

    def items(self, node: Items, record: object, depth: int) -> None:
        """One ``node.tag`` element per entry of ``record.<node.key>``."""
        entries: Iterable[object] = getattr(record, node.key)
        for entry in entries:
            self.item(node, entry, depth)

    def item(self, node: Items, entry: object, depth: int) -> None:
        """One ``node.tag`` element, its children filled from ``entry``."""
        self.start_tag(node.tag, depth)
        for leaf in node.children:
            self.leaf(leaf, entry, depth + 1)
        self.end_tag(node.tag, depth)

    def document(self, declaration: Declaration[R], record: R) -> None:
        """The whole message: the XML declaration, then the root in the namespace of ``record.version``."""
        tree = declaration.tree
        self.declaration()
        self.start_tag(tree.tag, 0, [("xmlns", specs.namespace(declaration.message, record.version))])
        for child in tree.children:
            self.element(child, record, 1)
        self.end_tag(tree.tag, 0)


# --- the same bytes, fast: each message and version written once with slots, then filled ----------

_SLOT = "\x00"  # where a value goes (U+0000 is not allowed in XML, so never in a tag or namespace)
_ITEM_MARK = "\x01"  # before and after the one item written (likewise never in XML 1.0 text)


class _TemplateWriter(XmlWriter):
    """The :class:`XmlWriter` with a slot for every value and the repeated item written once, marked."""

    def leaf(self, leaf: Leaf, source: object, depth: int) -> None:
        self.data_element(leaf.tag, _SLOT, depth)

    def items(self, node: Items, record: object, depth: int) -> None:
        self._out.write(_ITEM_MARK)
        self.item(node, None, depth)
        self._out.write(_ITEM_MARK)


@dataclass(frozen=True, slots=True)
class _Version:
    version: str


def _format_string(text: str, leaves: tuple[Leaf, ...]) -> str:
    """Text with one slot per leaf → a ``str.format`` string taking the leaves' values in order."""
    parts = [part.replace("{", "{{").replace("}", "}}") for part in text.split(_SLOT)]
    assert len(parts) == len(leaves) + 1
    slots = [f"{{:{leaf.codec.spec}}}" for leaf in leaves]
    return "".join(part + slot for part, slot in zip(parts, [*slots, ""], strict=True))


@functools.cache
def _templates(declaration: Declaration[Any], version: str) -> tuple[str, str, str]:
    """(head with the ``Main`` values, one item with an entry's values, tail) as format strings."""
    out = io.StringIO()
    _TemplateWriter(out).document(declaration, _Version(version))
    head, item, tail = out.getvalue().split(_ITEM_MARK)
    return _format_string(head, declaration.main), _format_string(item, declaration.items.children), tail


def _filled(leaves: tuple[Leaf, ...], source: object) -> list[object]:
    """The values for a template's slots: as they are, or as escaped text where the codec says so."""
    return [
        text_of(leaf, source).translate(_TEXT_ESCAPES) if leaf.codec.escape else _value(source, leaf.key)
        for leaf in leaves
    ]


def to_bytes(declaration: Declaration[R], record: R) -> bytes:
    """The document of ``record`` as UTF-8 bytes (validating is :func:`._message.write`'s job).

    The same bytes as :meth:`XmlWriter.document` (a test holds them equal), from the document
    written once per message and version with a slot for each value: an E0402 of 10,000 ranges
    is one ``str.format`` per range.
    """
    head, item, tail = _templates(declaration, record.version)
    children = declaration.items.children
    entries: Iterable[Any] = getattr(record, declaration.items.key)
    parts = [head.format(*_filled(declaration.main, record))]
    if any(leaf.codec.escape for leaf in children):
        parts += [item.format(*_filled(children, entry)) for entry in entries]
    else:  # numbers only, the children in entry order (as details() declares them)
        parts += [item.format(*entry) for entry in entries]
    parts.append(tail)
    return "".join(parts).encode("utf-8")
