"""E0401 分支機構配號檔 (BranchTrack): a head office hands booklets of its range to a branch.

Root ``BranchTrack`` in the default namespace ``urn:GEINV:eInvoiceMessage:E0401:<version>``
(4.1, 4.0, 3.2). ``Main`` is the head office's allocated range {HeadBan, BranchBan,
InvoiceType, YearMonth, InvoiceTrack, InvoiceBeginNo, InvoiceEndNo}; ``Details`` holds
1..25,000 ``BranchTrackItem`` {InvoiceBeginNo, InvoiceEndNo, InvoiceBooklet (本組數)}: the
sub-ranges given to the branch ``BranchBan``. Items are whole booklets of 50 (…00/…50 to
…49/…99), lie inside the head office range, ascend and do not overlap; ``InvoiceBooklet``
is computed from each item.

Layer: ``mig/`` (beside ``steps`` and ``sources``, below ``actions``, above
``book``/``domain``); imports only :mod:`invoicetools.domain` and its siblings. Declared
once, by :class:`BranchTrack`'s fields, and written by the one writer of :mod:`.xml_writer`,
as E0402 is: UTF-8, XML declaration, two-space indent, LF, deterministic, validated against
the shipped XSD before it is returned.

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
from dataclasses import dataclass, field
from typing import NamedTuple

from ..domain.errors import InputError
from . import _fields, _message, specs
from .xml_writer import COUNT, NUMBER, declare, details, main

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
VERSIONS = specs.versions(MESSAGE)
MAX_ITEMS = 25_000
BOOKLET = 50


class BranchTrackItem(NamedTuple):
    """One sub-range handed to the branch: ``InvoiceBeginNo``, ``InvoiceEndNo``, ``InvoiceBooklet``."""

    begin: int
    end: int
    booklets: int


@dataclass(frozen=True, slots=True)
class BranchTrack(_message.BranchMain):
    """An E0401 message as values, and its declaration: ``Main`` (from :class:`~._message.BranchMain`)
    with the head office range, then one ``BranchTrackItem`` per entry of ``items``."""

    begin: int = field(metadata=main("InvoiceBeginNo", NUMBER))
    end: int = field(metadata=main("InvoiceEndNo", NUMBER))
    items: tuple[BranchTrackItem, ...] = field(
        metadata=details(
            "BranchTrackItem",
            ("InvoiceBeginNo", NUMBER),
            ("InvoiceEndNo", NUMBER),
            ("InvoiceBooklet", COUNT),
            make=BranchTrackItem._make,
        )
    )

    @property
    def file_name(self) -> str:
        return _name(self.branch_ban, self.year_month, self.track, self.invoice_type, self.begin)

    def to_xml(self) -> bytes:
        """The document of these values (checked again, and booklets counted, as :func:`build` does)."""
        items = [(i.begin, i.end) for i in self.items]
        return build(**self.main_fields(), begin=self.begin, end=self.end, items=items, version=self.version)


DECLARATION = declare(MESSAGE, BranchTrack)


def _name(branch_ban: str, year_month: str, track: str, invoice_type: str, begin: int) -> str:
    return f"E0401_{branch_ban}_{year_month}_{track}{begin:08d}_{invoice_type}.xml"


def file_name(
    *, branch_ban: object, year_month: object, track: object, invoice_type: object, begin: object
) -> str:
    """``E0401_{BranchBan}_{YearMonth}_{Track}{head range begin}_{InvoiceType}.xml``."""
    return _name(
        _fields.ban(branch_ban, "分支機構統一編號"),
        _fields.year_month(year_month),
        _fields.track(track),
        _fields.invoice_type(invoice_type),
        _fields.integer(begin, "總公司配號起號"),
    )


def _booklet_items(
    items: Iterable[Sequence[object]], head: tuple[int, int], letters: str, prefix: str
) -> tuple[BranchTrackItem, ...]:
    """The branch's ranges checked (whole booklets, inside ``head``, ascending, 1..25,000) with their booklet counts."""
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
    lo, hi = head
    out: list[BranchTrackItem] = []
    for i, (b, e) in enumerate(checked, start=1):
        shown = f"{letters}{b:08d}–{letters}{e:08d}"
        if b % BOOKLET or (e + 1) % BOOKLET:
            raise InputError(
                f"{prefix}第 {i} 組配號區間不是整本（50 張一本：起號尾數 00/50、迄號尾數 49/99）", found=shown
            )
        if b < lo or e > hi:
            raise InputError(
                f"{prefix}第 {i} 組配號區間超出總公司配號範圍 {letters}{lo:08d}–{letters}{hi:08d}",
                found=shown,
            )
        out.append(BranchTrackItem(b, e, (e - b + 1) // BOOKLET))
    return tuple(out)


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
    v = specs.spec(MESSAGE, version).version
    main = _message.checked_main(
        head_ban=head_ban,
        branch_ban=branch_ban,
        invoice_type=invoice_type,
        year_month=year_month,
        track=track,
    )
    letters = main["track"]
    prefix = f"E0401 {letters} {main['year_month']}："
    head_begin = _fields.integer(begin, "總公司配號起號")
    head_end = _fields.integer(end, "總公司配號迄號")
    if head_begin > head_end:
        raise InputError(
            f"{prefix}總公司配號起號大於迄號", found=f"{letters}{head_begin:08d}–{letters}{head_end:08d}"
        )
    record = BranchTrack(
        **main,
        begin=head_begin,
        end=head_end,
        items=_booklet_items(items, (head_begin, head_end), letters, prefix),
        version=v,
    )
    return _message.write(DECLARATION, record, file=record.file_name)


def parse(data: bytes, *, file: str = "") -> BranchTrack:
    """Read an E0401 document of any supported version (detected from its namespace), XSD-checked."""
    return _message.parse(DECLARATION, data, file=file)


def read(path: str | os.PathLike[str]) -> BranchTrack:
    """:func:`parse` a file."""
    from . import safe_xml

    return parse(safe_xml.read_bytes(path), file=str(path))
