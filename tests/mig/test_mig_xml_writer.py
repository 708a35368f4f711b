"""The one XML writer of E0401 and E0402: every element written alone, compared as exact text.

As XlsxWriter tests each ``_write_*`` method (a writer on a StringIO, one element written, the
string compared), each element of both message declarations has a row below with the exact
text it must write, and a test fails when a declared element has no row. The whole documents
are held by the golden files (tests/mig/golden, tests/e0402/golden); here the fast path
(``to_bytes``) is held equal to the element-by-element one on any values.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicetools.mig import e0401, e0402, xml_writer
from invoicetools.mig.xml_writer import NUMBER, Declaration, Element, Items, Leaf, Node, XmlWriter

E0402_RECORD = e0402.BranchTrackBlank(
    head_ban="12345675",
    branch_ban="04595257",
    invoice_type="07",
    year_month="11402",
    track="AB",
    ranges=((12345017, 12345017), (88, 12345099)),
    version="4.0",
)
E0401_RECORD = e0401.BranchTrack(
    head_ban="12345675",
    branch_ban="04595257",
    invoice_type="08",
    year_month="11404",
    track="CD",
    begin=50,
    end=12345999,
    items=(e0401.BranchTrackItem(50, 99, 1), e0401.BranchTrackItem(12345100, 12345299, 4)),
    version="3.2",
)
MESSAGES: dict[str, tuple[Declaration[Any], object]] = {
    "E0402": (e0402.DECLARATION, E0402_RECORD),
    "E0401": (e0401.DECLARATION, E0401_RECORD),
}

# (message, path of the element, the entry that fills it: None = the record, n = its n-th item) → text
ELEMENTS: list[tuple[str, str, int | None, str]] = [
    # --- E0402 BranchTrackBlank ---------------------------------------------------------------
    ("E0402", "Main/HeadBan", None, "    <HeadBan>12345675</HeadBan>\n"),
    ("E0402", "Main/BranchBan", None, "    <BranchBan>04595257</BranchBan>\n"),
    ("E0402", "Main/InvoiceType", None, "    <InvoiceType>07</InvoiceType>\n"),
    ("E0402", "Main/YearMonth", None, "    <YearMonth>11402</YearMonth>\n"),
    ("E0402", "Main/InvoiceTrack", None, "    <InvoiceTrack>AB</InvoiceTrack>\n"),
    (
        "E0402",
        "Main",
        None,
        "  <Main>\n"
        "    <HeadBan>12345675</HeadBan>\n"
        "    <BranchBan>04595257</BranchBan>\n"
        "    <InvoiceType>07</InvoiceType>\n"
        "    <YearMonth>11402</YearMonth>\n"
        "    <InvoiceTrack>AB</InvoiceTrack>\n"
        "  </Main>\n",
    ),
    (
        "E0402",
        "Details/BranchTrackBlankItem/InvoiceBeginNo",
        1,
        "      <InvoiceBeginNo>00000088</InvoiceBeginNo>\n",
    ),
    (
        "E0402",
        "Details/BranchTrackBlankItem/InvoiceEndNo",
        1,
        "      <InvoiceEndNo>12345099</InvoiceEndNo>\n",
    ),
    (
        "E0402",
        "Details/BranchTrackBlankItem",
        0,
        "    <BranchTrackBlankItem>\n"
        "      <InvoiceBeginNo>12345017</InvoiceBeginNo>\n"
        "      <InvoiceEndNo>12345017</InvoiceEndNo>\n"
        "    </BranchTrackBlankItem>\n",
    ),
    (
        "E0402",
        "Details",
        None,
        "  <Details>\n"
        "    <BranchTrackBlankItem>\n"
        "      <InvoiceBeginNo>12345017</InvoiceBeginNo>\n"
        "      <InvoiceEndNo>12345017</InvoiceEndNo>\n"
        "    </BranchTrackBlankItem>\n"
        "    <BranchTrackBlankItem>\n"
        "      <InvoiceBeginNo>00000088</InvoiceBeginNo>\n"
        "      <InvoiceEndNo>12345099</InvoiceEndNo>\n"
        "    </BranchTrackBlankItem>\n"
        "  </Details>\n",
    ),
    # --- E0401 BranchTrack --------------------------------------------------------------------
    ("E0401", "Main/HeadBan", None, "    <HeadBan>12345675</HeadBan>\n"),
    ("E0401", "Main/BranchBan", None, "    <BranchBan>04595257</BranchBan>\n"),
    ("E0401", "Main/InvoiceType", None, "    <InvoiceType>08</InvoiceType>\n"),
    ("E0401", "Main/YearMonth", None, "    <YearMonth>11404</YearMonth>\n"),
    ("E0401", "Main/InvoiceTrack", None, "    <InvoiceTrack>CD</InvoiceTrack>\n"),
    ("E0401", "Main/InvoiceBeginNo", None, "    <InvoiceBeginNo>00000050</InvoiceBeginNo>\n"),
    ("E0401", "Main/InvoiceEndNo", None, "    <InvoiceEndNo>12345999</InvoiceEndNo>\n"),
    (
        "E0401",
        "Main",
        None,
        "  <Main>\n"
        "    <HeadBan>12345675</HeadBan>\n"
        "    <BranchBan>04595257</BranchBan>\n"
        "    <InvoiceType>08</InvoiceType>\n"
        "    <YearMonth>11404</YearMonth>\n"
        "    <InvoiceTrack>CD</InvoiceTrack>\n"
        "    <InvoiceBeginNo>00000050</InvoiceBeginNo>\n"
        "    <InvoiceEndNo>12345999</InvoiceEndNo>\n"
        "  </Main>\n",
    ),
    (
        "E0401",
        "Details/BranchTrackItem/InvoiceBeginNo",
        0,
        "      <InvoiceBeginNo>00000050</InvoiceBeginNo>\n",
    ),
    ("E0401", "Details/BranchTrackItem/InvoiceEndNo", 0, "      <InvoiceEndNo>00000099</InvoiceEndNo>\n"),
    ("E0401", "Details/BranchTrackItem/InvoiceBooklet", 1, "      <InvoiceBooklet>4</InvoiceBooklet>\n"),
    (
        "E0401",
        "Details/BranchTrackItem",
        1,
        "    <BranchTrackItem>\n"
        "      <InvoiceBeginNo>12345100</InvoiceBeginNo>\n"
        "      <InvoiceEndNo>12345299</InvoiceEndNo>\n"
        "      <InvoiceBooklet>4</InvoiceBooklet>\n"
        "    </BranchTrackItem>\n",
    ),
    (
        "E0401",
        "Details",
        None,
        "  <Details>\n"
        "    <BranchTrackItem>\n"
        "      <InvoiceBeginNo>00000050</InvoiceBeginNo>\n"
        "      <InvoiceEndNo>00000099</InvoiceEndNo>\n"
        "      <InvoiceBooklet>1</InvoiceBooklet>\n"
        "    </BranchTrackItem>\n"
        "    <BranchTrackItem>\n"
        "      <InvoiceBeginNo>12345100</InvoiceBeginNo>\n"
        "      <InvoiceEndNo>12345299</InvoiceEndNo>\n"
        "      <InvoiceBooklet>4</InvoiceBooklet>\n"
        "    </BranchTrackItem>\n"
        "  </Details>\n",
    ),
]


def _written(call: object, *args: object) -> str:
    out = io.StringIO()
    getattr(XmlWriter(out), str(call))(*args)
    return out.getvalue()


@pytest.mark.parametrize(
    ("message", "path", "entry", "expected"), ELEMENTS, ids=[f"{m}:{p}" for m, p, _, _ in ELEMENTS]
)
def test_write_element(message: str, path: str, entry: int | None, expected: str) -> None:
    declaration, record = MESSAGES[message]
    node = declaration.find(path)
    source = record if entry is None else getattr(record, declaration.items.key)[entry]
    depth = path.count("/") + 1
    if isinstance(node, Items):  # an item alone (XmlWriter.items would write every entry)
        assert _written("item", node, source, depth) == expected
    else:
        assert _written("element", node, source, depth) == expected


def _paths(node: Node, prefix: str = "") -> list[str]:
    children = node.children if isinstance(node, Element | Items) else ()
    return [p for c in children for p in [f"{prefix}{c.tag}", *_paths(c, f"{prefix}{c.tag}/")]]


@pytest.mark.parametrize("message", sorted(MESSAGES))
def test_every_declared_element_has_its_test(message: str) -> None:
    tested = [path for m, path, _, _ in ELEMENTS if m == message]
    assert sorted(tested) == sorted(_paths(MESSAGES[message][0].tree))


@pytest.mark.parametrize(
    ("message", "root"),
    [
        ("E0402", '<BranchTrackBlank xmlns="urn:GEINV:eInvoiceMessage:E0402:4.0">'),
        ("E0401", '<BranchTrack xmlns="urn:GEINV:eInvoiceMessage:E0401:3.2">'),
    ],
)
def test_write_document(message: str, root: str) -> None:
    """The root in the namespace of the record's version, holding Main and Details as above."""
    declaration, record = MESSAGES[message]
    out = io.StringIO()
    XmlWriter(out).document(declaration, record)
    body = "".join(text for m, p, _, text in ELEMENTS if m == message and p in ("Main", "Details"))
    end = root.split()[0].replace("<", "</") + ">"
    assert out.getvalue() == f'<?xml version="1.0" encoding="UTF-8"?>\n{root}\n{body}{end}\n'


# --- the generic element writers ------------------------------------------------------------------


def test_write_declaration() -> None:
    assert _written("declaration") == '<?xml version="1.0" encoding="UTF-8"?>\n'


def test_write_start_tag_escapes_attributes() -> None:
    assert _written("start_tag", "Root", 0, [("xmlns", 'urn:a&b<c>"d"')]) == (
        '<Root xmlns="urn:a&amp;b&lt;c&gt;&quot;d&quot;">\n'
    )
    assert _written("start_tag", "Main", 1) == "  <Main>\n"


def test_write_end_tag() -> None:
    assert _written("end_tag", "Details", 1) == "  </Details>\n"


def test_write_data_element_escapes_text() -> None:
    assert _written("data_element", "Name", 'A&B <x> "q"', 3) == (
        '      <Name>A&amp;B &lt;x&gt; "q"</Name>\n'
    )


# --- the fast path writes the same bytes -----------------------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_NUMBER = st.integers(0, 99_999_999)


@settings(max_examples=100, deadline=None)
@given(
    main=st.tuples(_TEXT, _TEXT, _TEXT, _TEXT, _TEXT),
    ranges=st.lists(st.tuples(_NUMBER, _NUMBER), max_size=5),
    version=st.sampled_from(e0402.VERSIONS),
)
def test_to_bytes_equals_the_element_writers_e0402(
    main: tuple[str, ...], ranges: list[tuple[int, int]], version: str
) -> None:
    """Any text (markup characters, braces, control characters) and numbers, unchecked."""
    record = e0402.BranchTrackBlank(*main, ranges=tuple(ranges), version=version)
    out = io.StringIO()
    XmlWriter(out).document(e0402.DECLARATION, record)
    assert xml_writer.to_bytes(e0402.DECLARATION, record) == out.getvalue().encode("utf-8")


@settings(max_examples=50, deadline=None)
@given(
    main=st.tuples(_TEXT, _TEXT, _TEXT, _TEXT, _TEXT, _NUMBER, _NUMBER),
    items=st.lists(st.tuples(_NUMBER, _NUMBER, st.integers(0, 10**6)), max_size=5),
    version=st.sampled_from(e0401.VERSIONS),
)
def test_to_bytes_equals_the_element_writers_e0401(
    main: tuple[object, ...], items: list[tuple[int, int, int]], version: str
) -> None:
    items_ = tuple(e0401.BranchTrackItem(*i) for i in items)
    record = e0401.BranchTrack(*main, items=items_, version=version)  # type: ignore[arg-type]  # unchecked values
    out = io.StringIO()
    XmlWriter(out).document(e0401.DECLARATION, record)
    assert xml_writer.to_bytes(e0401.DECLARATION, record) == out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class _Named:
    """A message of text items: the fast path must escape them too."""

    name: str = field(metadata=xml_writer.main("HeadBan"))
    notes: tuple[tuple[str, int], ...] = field(
        metadata=xml_writer.details("Note", ("Text", xml_writer.TEXT), ("InvoiceBeginNo", NUMBER))
    )
    version: str = "4.1"


def test_text_items_are_escaped_on_the_fast_path() -> None:
    declaration = xml_writer.declare("E0402", _Named)
    data = xml_writer.to_bytes(declaration, _Named("a<b", (("x&y", 7), ("{0}", 8))))
    assert b"<HeadBan>a&lt;b</HeadBan>" in data
    assert b"      <Text>x&amp;y</Text>\n      <InvoiceBeginNo>00000007</InvoiceBeginNo>\n" in data
    assert b"<Text>{0}</Text>" in data


# --- declarations ------------------------------------------------------------------------------


def test_declaration_follows_the_field_order() -> None:
    assert [leaf.tag for leaf in e0401.DECLARATION.main] == [
        "HeadBan",
        "BranchBan",
        "InvoiceType",
        "YearMonth",
        "InvoiceTrack",
        "InvoiceBeginNo",
        "InvoiceEndNo",
    ]
    assert e0401.DECLARATION.find("Main/InvoiceBeginNo") == Leaf("InvoiceBeginNo", "begin", NUMBER)
    assert e0402.DECLARATION.tree.tag == "BranchTrackBlank"


def test_a_record_without_details_is_not_a_message() -> None:
    @dataclass(frozen=True)
    class NoDetails:
        name: str = field(metadata=xml_writer.main("HeadBan"))
        version: str = "4.1"

    with pytest.raises(TypeError, match="one Details item"):
        xml_writer.declare("E0402", NoDetails)


def test_find_names_a_missing_element() -> None:
    with pytest.raises(KeyError, match="E0402 has no element Main/InvoiceBooklet"):
        e0402.DECLARATION.find("Main/InvoiceBooklet")
