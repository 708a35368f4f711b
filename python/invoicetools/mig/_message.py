"""What E0401 and E0402 share: their common ``Main`` fields, and a declared record to checked bytes and back (private).

Layer: ``mig/`` (beside ``steps`` and ``sources``, below ``actions``, above
``book``/``domain``). Imports :mod:`invoicetools.domain` and its siblings:
:mod:`.xml_writer` (the declaration and the writer), :mod:`._fields` (the field checks),
and, when a document is written or read, :mod:`.safe_xml` and :mod:`.schema` (lxml is loaded
only then).

* :class:`BranchMain` — ``HeadBan``, ``BranchBan``, ``InvoiceType``, ``YearMonth``,
  ``InvoiceTrack`` (the ``Main`` both messages begin with), the MIG ``version`` and, for a
  document read back, its ``source``; :func:`checked_main` normalises them for a build.
* :func:`write` — a record's bytes, validated against its XSD before they are returned.
* :func:`parse` — a document back to its record: parsed safely, its version taken from its
  namespace, validated, every declared element read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from ..domain.errors import Location
from . import _fields, specs, xml_writer
from .xml_writer import Declaration, R, main

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["BranchMain", "MainFields", "checked_main", "parse", "write"]


@dataclass(frozen=True, slots=True)
class BranchMain:
    """The ``Main`` elements E0401 and E0402 begin with, in order; a message's record adds its own.

    ``version`` and ``source`` are keyword-only and come last, after the message's fields.
    """

    head_ban: str = field(metadata=main("HeadBan"))
    branch_ban: str = field(metadata=main("BranchBan"))
    invoice_type: str = field(metadata=main("InvoiceType"))
    year_month: str = field(metadata=main("YearMonth"))
    track: str = field(metadata=main("InvoiceTrack"))
    version: str = field(default="4.1", kw_only=True)
    source: Location | None = field(default=None, kw_only=True)

    def main_fields(self) -> MainFields:
        """The common ``Main`` values, to pass on to a ``build``."""
        return MainFields(
            head_ban=self.head_ban,
            branch_ban=self.branch_ban,
            invoice_type=self.invoice_type,
            year_month=self.year_month,
            track=self.track,
        )


class MainFields(TypedDict):
    """The :class:`BranchMain` values by name (checked and normalised when :func:`checked_main` made them)."""

    head_ban: str
    branch_ban: str
    invoice_type: str
    year_month: str
    track: str


def checked_main(
    *, head_ban: object, branch_ban: object, invoice_type: object, year_month: object, track: object
) -> MainFields:
    """Check and normalise the common ``Main`` fields (zh-TW errors name the field)."""
    return MainFields(
        track=_fields.track(track),
        year_month=_fields.year_month(year_month),
        head_ban=_fields.ban(head_ban, "總公司統一編號"),
        branch_ban=_fields.ban(branch_ban, "分支機構統一編號"),
        invoice_type=_fields.invoice_type(invoice_type),
    )


def write(declaration: Declaration[R], record: R, *, file: str) -> bytes:
    """The bytes of ``record``, validated against the XSD of its message and version.

    ``file`` names the document in a validation error.
    """
    data = xml_writer.to_bytes(declaration, record)
    from . import schema

    schema.assert_valid(declaration.message, record.version, data, file=file)
    return data


def _text(parent: etree._Element, ns: str, tag: str) -> str:
    el = parent.find(f"{{{ns}}}{tag}")
    return (el.text or "").strip() if el is not None else ""


def parse(declaration: Declaration[R], data: bytes, *, file: str) -> R:
    """Read a document of any supported version of the message back into its record.

    The version comes from the root's namespace; the document is validated against that
    version's XSD first (a wrong root or namespace is said plainly), so every declared
    element is there. ``source`` is the file and the root's line.
    """
    from . import safe_xml, schema

    message = declaration.message
    tree = safe_xml.parse_bytes(data, file=file)
    root = tree.getroot()
    version = schema.version_of(root, message)
    schema.assert_valid(message, version, tree, file=file)
    ns = specs.namespace(message, version)
    main_el, details_el = root.find(f"{{{ns}}}Main"), root.find(f"{{{ns}}}Details")
    assert main_el is not None and details_el is not None  # guaranteed by the XSD
    values: dict[str, Any] = {
        str(leaf.key): leaf.codec.read(_text(main_el, ns, leaf.tag)) for leaf in declaration.main
    }
    items = declaration.items
    values[items.key] = tuple(
        items.make(leaf.codec.read(_text(entry, ns, leaf.tag)) for leaf in items.children)
        for entry in details_el.iterfind(f"{{{ns}}}{items.tag}")
    )
    source = Location(file=file or None, row=root.sourceline)
    return declaration.record(**values, version=version, source=source)
