"""E0401 分支機構配號檔 (BranchTrack): a head office hands booklets of its range to a branch.

Root ``BranchTrack`` in the default namespace ``urn:GEINV:eInvoiceMessage:E0401:<version>``
(4.1, 4.0, 3.2). ``Main`` is the head office's allocated range {HeadBan, BranchBan,
InvoiceType, YearMonth, InvoiceTrack, InvoiceBeginNo, InvoiceEndNo}; ``Details`` holds
1..25,000 ``BranchTrackItem`` {InvoiceBeginNo, InvoiceEndNo, InvoiceBooklet (本組數)}: the
sub-ranges given to the branch ``BranchBan``. Items are whole booklets of 50 (…00/…50 to
…49/…99), lie inside the head office range, ascend and do not overlap; ``InvoiceBooklet``
is computed from each item.

Same output rules as E0402: UTF-8, XML declaration, two-space indent, LF, deterministic,
validated against the shipped XSD before it is returned.

The file name carries the head office range's first number, so two head ranges of one
track handed to the same branch never collide:

>>> file_name(branch_ban="04595257", year_month="11402", track="AB", invoice_type="07", begin=12345000)
'E0401_04595257_11402_AB12345000_07.xml'

>>> xml = build(head_ban="12345675", branch_ban="04595257", invoice_type="07", year_month="11402",
...             track="AB", begin=12345000, end=12345199, items=[(12345050, 12345149)])
>>> print(xml.decode())
<?xml version="1.0" encoding="UTF-8"?>
<BranchTrack xmlns="urn:GEINV:eInvoiceMessage:E0401:4.1">
  <Main>
    <HeadBan>12345675</HeadBan>
    <BranchBan>04595257</BranchBan>
    <InvoiceType>07</InvoiceType>
    <YearMonth>11402</YearMonth>
    <InvoiceTrack>AB</InvoiceTrack>
    <InvoiceBeginNo>12345000</InvoiceBeginNo>
    <InvoiceEndNo>12345199</InvoiceEndNo>
  </Main>
  <Details>
    <BranchTrackItem>
      <InvoiceBeginNo>12345050</InvoiceBeginNo>
      <InvoiceEndNo>12345149</InvoiceEndNo>
      <InvoiceBooklet>2</InvoiceBooklet>
    </BranchTrackItem>
  </Details>
</BranchTrack>
<BLANKLINE>
>>> build(head_ban="12345675", branch_ban="04595257", invoice_type="07", year_month="11402",
...       track="AB", begin=12345000, end=12345199, items=[(12345010, 12345049)])
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InputError: E0401 AB 11402：第 1 組配號區間不是整本（50 張一本：起號尾數 00/50、迄號尾數 49/99）（讀到「AB12345010–AB12345049」）
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..domain.errors import InputError, Location
from . import _fields

if TYPE_CHECKING:
    pass

__all__ = [
    "BOOKLET",
    "MAX_ITEMS",
    "VERSIONS",
    "BranchTrack",
    "BranchTrackItem",
    "build",
    "file_name",
    "parse",
    "read",
]

MESSAGE = "E0401"
VERSIONS = ("3.2", "4.0", "4.1")
MAX_ITEMS = 25_000
BOOKLET = 50

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<BranchTrack xmlns="urn:GEINV:eInvoiceMessage:E0401:{version}">\n'
    "  <Main>\n"
    "    <HeadBan>{head_ban}</HeadBan>\n"
    "    <BranchBan>{branch_ban}</BranchBan>\n"
    "    <InvoiceType>{invoice_type}</InvoiceType>\n"
    "    <YearMonth>{year_month}</YearMonth>\n"
    "    <InvoiceTrack>{track}</InvoiceTrack>\n"
    "    <InvoiceBeginNo>{begin}</InvoiceBeginNo>\n"
    "    <InvoiceEndNo>{end}</InvoiceEndNo>\n"
    "  </Main>\n"
    "  <Details>\n"
)
_ITEM = (
    "    <BranchTrackItem>\n"
    "      <InvoiceBeginNo>{}</InvoiceBeginNo>\n"
    "      <InvoiceEndNo>{}</InvoiceEndNo>\n"
    "      <InvoiceBooklet>{}</InvoiceBooklet>\n"
    "    </BranchTrackItem>\n"
)
_TAIL = "  </Details>\n</BranchTrack>\n"


@dataclass(frozen=True, slots=True)
class BranchTrackItem:
    """One sub-range handed to the branch."""

    begin: int
    end: int
    booklets: int


@dataclass(frozen=True, slots=True)
class BranchTrack:
    """An E0401 message as values."""

    head_ban: str
    branch_ban: str
    invoice_type: str
    year_month: str
    track: str
    begin: int
    end: int
    items: tuple[BranchTrackItem, ...]
    version: str = "4.1"
    source: Location | None = None

    @property
    def file_name(self) -> str:
        return _name(self.branch_ban, self.year_month, self.track, self.invoice_type, f"{self.begin:08d}")

    def to_xml(self) -> bytes:
        return build(
            head_ban=self.head_ban,
            branch_ban=self.branch_ban,
            invoice_type=self.invoice_type,
            year_month=self.year_month,
            track=self.track,
            begin=self.begin,
            end=self.end,
            items=[(i.begin, i.end) for i in self.items],
            version=self.version,
        )


def _version(version: object) -> str:
    from .schema import normalize_version

    v = normalize_version(version)
    if v not in VERSIONS:
        raise InputError(f"MIG 版本「{version}」不支援：E0401 支援 {'、'.join(VERSIONS)}")
    return v


def _name(branch_ban: str, year_month: str, track: str, invoice_type: str, begin: str) -> str:
    return f"E0401_{branch_ban}_{year_month}_{track}{begin}_{invoice_type}.xml"


def file_name(
    *, branch_ban: object, year_month: object, track: object, invoice_type: object, begin: object
) -> str:
    """``E0401_{BranchBan}_{YearMonth}_{Track}{head range begin}_{InvoiceType}.xml``."""
    return _name(
        _fields.ban(branch_ban, "分支機構統一編號"),
        _fields.year_month(year_month),
        _fields.track(track),
        _fields.invoice_type(invoice_type),
        _fields.number(begin, "總公司配號起號"),
    )


def build(
    *,
    head_ban: object,
    branch_ban: object,
    invoice_type: object,
    year_month: object,
    track: object,
    begin: object,
    end: object,
    items: Iterable[Sequence[object]],
    version: object = "4.1",
) -> bytes:
    """The E0401 document: the head office range ``begin..end`` and the branch's ``items``.

    ``items``: ``(begin, end)`` integers, whole booklets, inside ``begin..end``, ascending,
    not overlapping, 1..25,000 of them. Validated against the XSD before it is returned.
    """
    v = _version(version)
    letters = _fields.track(track)
    ym = _fields.year_month(year_month)
    head_begin = _fields.number(begin, "總公司配號起號")
    head_end = _fields.number(end, "總公司配號迄號")
    prefix = f"E0401 {letters} {ym}："
    if int(head_begin) > int(head_end):
        raise InputError(
            f"{prefix}總公司配號起號大於迄號", found=f"{letters}{head_begin}–{letters}{head_end}"
        )
    try:
        checked = _fields.checked_ranges(
            items,
            what="配號區間",
            track_letters=letters,
            max_items=MAX_ITEMS,
            too_many=f"分支機構配號區間超過 {MAX_ITEMS:,} 組，E0401 放不下",
            empty="沒有分支機構配號區間",
        )
    except InputError as exc:
        raise InputError(prefix + exc.message, found=exc.found) from None
    lo, hi = int(head_begin), int(head_end)
    rows: list[str] = []
    for i, (b_text, e_text) in enumerate(checked, start=1):
        b, e = int(b_text), int(e_text)
        shown = f"{letters}{b_text}–{letters}{e_text}"
        if b % BOOKLET or (e + 1) % BOOKLET:
            raise InputError(
                f"{prefix}第 {i} 組配號區間不是整本（50 張一本：起號尾數 00/50、迄號尾數 49/99）", found=shown
            )
        if b < lo or e > hi:
            raise InputError(
                f"{prefix}第 {i} 組配號區間超出總公司配號範圍 {letters}{head_begin}–{letters}{head_end}",
                found=shown,
            )
        rows.append(_ITEM.format(b_text, e_text, (e - b + 1) // BOOKLET))
    fields = {
        "version": v,
        "head_ban": _fields.ban(head_ban, "總公司統一編號"),
        "branch_ban": _fields.ban(branch_ban, "分支機構統一編號"),
        "invoice_type": _fields.invoice_type(invoice_type),
        "year_month": ym,
        "track": letters,
        "begin": head_begin,
        "end": head_end,
    }
    data = (_HEAD.format_map(fields) + "".join(rows) + _TAIL).encode("ascii")
    from . import schema

    name = _name(fields["branch_ban"], ym, letters, fields["invoice_type"], head_begin)
    schema.assert_valid(MESSAGE, v, data, file=name)
    return data


def parse(data: bytes, *, file: str = "") -> BranchTrack:
    """Read an E0401 document of any supported version (detected from its namespace), XSD-checked."""
    doc = _fields.ReadMessage(MESSAGE, data, file)
    items = tuple(
        BranchTrackItem(
            int(doc.child(item, "InvoiceBeginNo")),
            int(doc.child(item, "InvoiceEndNo")),
            int(doc.child(item, "InvoiceBooklet")),
        )
        for item in doc.items("BranchTrackItem")
    )
    return BranchTrack(
        head_ban=doc.text("HeadBan"),
        branch_ban=doc.text("BranchBan"),
        invoice_type=doc.text("InvoiceType"),
        year_month=doc.text("YearMonth"),
        track=doc.text("InvoiceTrack"),
        begin=int(doc.text("InvoiceBeginNo")),
        end=int(doc.text("InvoiceEndNo")),
        items=items,
        version=doc.version,
        source=doc.source,
    )


def read(path: str | os.PathLike[str]) -> BranchTrack:
    """:func:`parse` a file."""
    from . import safe_xml

    return parse(safe_xml.read_bytes(path), file=str(path))
