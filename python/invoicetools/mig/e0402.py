"""E0402 空白未使用字軌檔 (BranchTrackBlank): the blank, never-issued numbers of one track.

One file per 營業人 (BranchBan) × 發票類別 × 期別 × 字軌, holding every blank range of that
track in ascending order (tail and interior 跳號 alike); a track with no blanks gets no file.
Root ``BranchTrackBlank`` in the default namespace ``urn:GEINV:eInvoiceMessage:E0402:<version>``
(4.1, 4.0 or 3.2; the structure is the same in all three): ``Main`` {HeadBan, BranchBan,
InvoiceType, YearMonth, InvoiceTrack} and ``Details`` with 1..10,000
``BranchTrackBlankItem`` {InvoiceBeginNo, InvoiceEndNo}. A single blank number is written
with begin = end. Without branches HeadBan = BranchBan = the company's UBN.

Layer: ``mig/`` (beside ``steps`` and ``sources``, below ``actions``, above
``book``/``domain``); imports only :mod:`invoicetools.domain` and its siblings. The message
is declared once, by :class:`BranchTrackBlank`'s fields, and written by the one writer of
:mod:`.xml_writer`: UTF-8 with an XML declaration, two-space indent, LF line ends, a final
newline; the same input always gives the same bytes. Every document is validated against the
shipped XSD before it is returned.

File names (Turnkey accepts any name; this one is stable and sorts by company and period):

>>> file_name(branch_ban="12345675", year_month="11402", track="AB", invoice_type="07")
'E0402_12345675_11402_AB_07.xml'
>>> file_name(branch_ban="12345675", year_month="114/01 ~ 114/02", track="ab", invoice_type=7)
'E0402_12345675_11402_AB_07.xml'

>>> xml = build(head_ban="12345675", branch_ban="12345675", invoice_type="07",
...             year_month="11402", track="AB", ranges=[(12345017, 12345017), (12345088, 12345099)])
>>> print(xml.decode())
<?xml version="1.0" encoding="UTF-8"?>
<BranchTrackBlank xmlns="urn:GEINV:eInvoiceMessage:E0402:4.1">
  <Main>
    <HeadBan>12345675</HeadBan>
    <BranchBan>12345675</BranchBan>
    <InvoiceType>07</InvoiceType>
    <YearMonth>11402</YearMonth>
    <InvoiceTrack>AB</InvoiceTrack>
  </Main>
  <Details>
    <BranchTrackBlankItem>
      <InvoiceBeginNo>12345017</InvoiceBeginNo>
      <InvoiceEndNo>12345017</InvoiceEndNo>
    </BranchTrackBlankItem>
    <BranchTrackBlankItem>
      <InvoiceBeginNo>12345088</InvoiceBeginNo>
      <InvoiceEndNo>12345099</InvoiceEndNo>
    </BranchTrackBlankItem>
  </Details>
</BranchTrackBlank>
<BLANKLINE>
>>> parse(xml).ranges
((12345017, 12345017), (12345088, 12345099))
>>> build(head_ban="12345675", branch_ban="12345675", invoice_type="07", year_month="11402",
...       track="AB", ranges=[(5, 9), (1, 3)])
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InputError: E0402 AB 11402：第 2 組空白區間與前一組重疊或未依號碼由小到大排列（前一組迄號 AB00000009）（讀到「AB00000001–AB00000003」）
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..domain.errors import InputError
from . import _fields, _message, specs
from .xml_writer import NUMBER, declare, details

__all__ = ["MAX_RANGES", "VERSIONS", "BranchTrackBlank", "build", "file_name", "parse", "read"]

MESSAGE = "E0402"
VERSIONS = specs.versions(MESSAGE)
MAX_RANGES = 10_000


@dataclass(frozen=True, slots=True)
class BranchTrackBlank(_message.BranchMain):
    """An E0402 message as values, and its declaration: ``Main`` (from :class:`~._message.BranchMain`),
    then one ``BranchTrackBlankItem`` per inclusive ``(begin, end)`` range of ``ranges``."""

    ranges: tuple[tuple[int, int], ...] = field(
        metadata=details("BranchTrackBlankItem", ("InvoiceBeginNo", NUMBER), ("InvoiceEndNo", NUMBER))
    )

    @property
    def file_name(self) -> str:
        return file_name(
            branch_ban=self.branch_ban,
            year_month=self.year_month,
            track=self.track,
            invoice_type=self.invoice_type,
        )

    @property
    def blank_count(self) -> int:
        """How many numbers are blank in total."""
        return sum(end - begin + 1 for begin, end in self.ranges)

    def to_xml(self) -> bytes:
        """The document of these values (checked again, as :func:`build` does)."""
        return build(**self.main_fields(), ranges=self.ranges, version=self.version)


DECLARATION = declare(MESSAGE, BranchTrackBlank)


def file_name(*, branch_ban: object, year_month: object, track: object, invoice_type: object) -> str:
    """``E0402_{BranchBan}_{YearMonth}_{Track}_{InvoiceType}.xml``, from normalised values."""
    return _name(
        _fields.ban(branch_ban, "分支機構統一編號"),
        _fields.year_month(year_month),
        _fields.track(track),
        _fields.invoice_type(invoice_type),
    )


def _name(branch_ban: str, year_month: str, track: str, invoice_type: str) -> str:
    return f"E0402_{branch_ban}_{year_month}_{track}_{invoice_type}.xml"


def build(
    *,
    head_ban: object,
    branch_ban: object,
    invoice_type: object,
    year_month: object,
    track: object,
    ranges: Iterable[Sequence[object]],
    version: object = "4.1",
) -> bytes:
    """The E0402 document for one track's blank ranges, validated against the XSD.

    ``ranges``: ``(begin, end)`` integers (Python or numpy), inclusive, ascending, not
    overlapping, 1..10,000 of them. Raises :class:`~invoicetools.domain.errors.InputError`
    (a :class:`~invoicetools.domain.errors.ValidationError` for a bad field) in zh-TW.
    """
    v = specs.spec(MESSAGE, version).version
    main = _message.checked_main(
        head_ban=head_ban,
        branch_ban=branch_ban,
        invoice_type=invoice_type,
        year_month=year_month,
        track=track,
    )
    try:
        checked = _fields.checked_ranges(
            ranges,
            what="空白區間",
            track_letters=main["track"],
            max_items=MAX_RANGES,
            too_many=f"單一字軌空白區間超過 {MAX_RANGES:,} 組，E0402 放不下",
            empty="沒有空白區間：字軌沒有空白號碼時不需要 E0402 檔",
        )
    except InputError as exc:
        raise InputError(
            f"E0402 {main['track']} {main['year_month']}：{exc.message}", found=exc.found
        ) from None
    record = BranchTrackBlank(**main, ranges=checked, version=v)
    name = _name(main["branch_ban"], main["year_month"], main["track"], main["invoice_type"])
    return _message.write(DECLARATION, record, file=name)


def parse(data: bytes, *, file: str = "") -> BranchTrackBlank:
    """Read an E0402 document of any supported version (detected from its namespace), XSD-checked."""
    return _message.parse(DECLARATION, data, file=file)


def read(path: str | os.PathLike[str]) -> BranchTrackBlank:
    """:func:`parse` a file."""
    from . import safe_xml

    return parse(safe_xml.read_bytes(path), file=str(path))
