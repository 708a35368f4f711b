"""E0501 reader: bare and enveloped, all versions, clear refusals, Turnkey folder walks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from invoicetools.domain.errors import Finding, InputError, Location
from invoicetools.domain.records import TrackAllocation
from invoicetools.mig import e0501
from invoicetools.mig.safe_xml import UnsafeXmlError

DATA = Path(__file__).with_name("data")
SYN = DATA / "synthetic"
ENVELOPE = SYN / "E0501_4.1_envelope_SYNTHETIC.xml"
BARE_41 = (SYN / "E0501_4.1_SYNTHETIC.xml").read_bytes()


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("E0501_4.1_SYNTHETIC.xml", ("12345675", "07", "11402", "AB", 12345000, 12345099, 4)),
        ("E0501_4.0_SYNTHETIC.xml", ("04595257", "07", "11404", "CD", 50000050, 50000149, 3)),
        ("E0501_3.2_SYNTHETIC.xml", ("04595257", "08", "11312", "ZY", 0, 249, 3)),
    ],
)
def test_bare_files_of_every_version(file: str, expected: tuple[object, ...]) -> None:
    path = SYN / file
    [a] = e0501.read(path)
    assert (
        a.ban,
        a.invoice_type,
        a.year_month,
        a.track,
        a.begin,
        a.end,
        a.source.row if a.source else None,
    ) == expected
    assert a.source == Location(file=str(path), row=expected[-1])


def test_envelope_with_three_allocations() -> None:
    allocations = e0501.read(ENVELOPE)
    assert [(a.track, a.begin, a.end, a.invoice_type, a.booklets) for a in allocations] == [
        ("AB", 12345000, 12345999, "07", 20),
        ("AC", 0, 49, "07", 1),
        ("AD", 99999950, 99999999, "08", 1),
    ]
    assert [a.source.row for a in allocations if a.source] == [19, 28, 37]
    assert all(isinstance(a, TrackAllocation) for a in allocations)


def test_invalid_sample_is_refused_with_the_reason() -> None:
    path = DATA / "samples" / "invalid" / "E0501_4.0_Waynelin1204_65330715.xml"
    with pytest.raises(InputError) as info:
        e0501.read(path)
    text = str(info.value)
    assert text.startswith(f"檔案 {path}：不符合 E0501 4.0（營業人電子發票配號檔）的 XSD 格式")
    assert "值「11407」格式不符" in text


def test_unknown_version_says_found_and_expected() -> None:
    with pytest.raises(InputError) as info:
        e0501.parse(BARE_41.replace(b"E0501:4.1", b"E0501:3.1"), file="a.xml")
    assert str(info.value) == (
        "檔案 a.xml 第 4 列：E0501 版本「3.1」不支援：支援 3.2、4.0、4.1（命名空間「urn:GEINV:E0501:3.1」）"
    )


def test_wrong_namespace_says_found_and_expected() -> None:
    data = BARE_41.replace(b"urn:GEINV:E0501:4.1", b"urn:GEINV:eInvoiceMessage:E0501:4.1")
    with pytest.raises(InputError) as info:
        e0501.parse(data, file="a.xml")
    assert "命名空間為「urn:GEINV:eInvoiceMessage:E0501:4.1」" in str(info.value)
    assert "E0501 應為 urn:GEINV:E0501:4.1（或 4.0、3.2）" in str(info.value)


def test_no_namespace() -> None:
    data = BARE_41.replace(b' xmlns="urn:GEINV:E0501:4.1"', b"")
    with pytest.raises(InputError, match="（沒有命名空間），E0501 應為"):
        e0501.parse(data, file="a.xml")


def test_wrong_root_says_what_it_is() -> None:
    data = (SYN / "E0402_4.1_multi_range_SYNTHETIC.xml").read_bytes()
    with pytest.raises(InputError) as info:
        e0501.parse(data, file="b.xml")
    text = str(info.value)
    assert text.startswith("檔案 b.xml 第 5 列：根元素為 <BranchTrackBlank>（空白未使用字軌檔）")
    assert "（E0402 4.1 空白未使用字軌檔）" in text
    assert "應為 <InvoiceAssignNo>" in text and "<InvoiceEnvelope>" in text


def test_booklets_must_match_the_range() -> None:
    data = BARE_41.replace(b"<InvoiceBooklet>2<", b"<InvoiceBooklet>3<")
    with pytest.raises(InputError) as info:
        e0501.parse(data, file="c.xml")
    assert "本組數 3 與起迄號不符" in str(info.value)
    assert info.value.where == Location(file="c.xml", row=4, column="InvoiceBooklet")


def test_begin_after_end() -> None:
    data = BARE_41.replace(b"<InvoiceBeginNo>12345000<", b"<InvoiceBeginNo>12345100<")
    with pytest.raises(InputError, match="配號起號大於迄號"):
        e0501.parse(data, file="c.xml")


def test_non_electronic_type_in_32_is_refused() -> None:
    data = (SYN / "E0501_3.2_SYNTHETIC.xml").read_bytes().replace(b"<InvoiceType>08<", b"<InvoiceType>05<")
    with pytest.raises(InputError, match="發票類別應為 07（一般稅額）或 08（特種稅額）（讀到「05」）"):
        e0501.parse(data, file="d.xml")


def test_envelope_count_mismatch() -> None:
    data = ENVELOPE.read_bytes().replace(b'count="3"', b'count="4"')
    with pytest.raises(InputError, match="count 為 4，實際有 3 筆"):
        e0501.parse(data, file="e.xml")


def test_envelope_of_another_message() -> None:
    data = ENVELOPE.read_bytes().replace(b'messageType="E0501"', b'messageType="F0401"')
    data = data.replace(b"<InvoiceAssignNo ", b"<Invoice ").replace(b"</InvoiceAssignNo>", b"</Invoice>")
    data = data.replace(b"urn:GEINV:E0501:4.1", b"urn:GEINV:eInvoiceMessage:F0401:4.1")
    with pytest.raises(InputError, match="這個封套裡是 F0401 訊息 <Invoice>，不是 E0501 配號檔"):
        e0501.parse(data, file="f.xml")


def test_bad_item_inside_envelope_names_its_line() -> None:
    data = ENVELOPE.read_bytes().replace(b"<YearMonth>11402</YearMonth>", b"<YearMonth>11403</YearMonth>", 2)
    with pytest.raises(InputError) as info:
        e0501.parse(data, file="g.xml")
    assert "第 22 列 <YearMonth>" in str(info.value)


def test_hostile_file_is_refused() -> None:
    with pytest.raises(UnsafeXmlError):
        e0501.read(DATA / "hostile" / "xxe.xml")


# --- folders -------------------------------------------------------------------------------------


@pytest.fixture
def turnkey(tmp_path: Path) -> Path:
    """A Turnkey-like tree: allocations in DownCast and Unpack BAK copies, plus noise and trouble."""
    root = tmp_path / "EINVTurnkey"
    down = root / "DownCast" / "B2PMESSAGE" / "E0501" / "SRC"
    bak = root / "Unpack" / "BAK" / "E0501" / "20250110" / "01"
    other = root / "Unpack" / "BAK" / "SummaryResult" / "20250110" / "01"
    for d in (down, bak, other):
        d.mkdir(parents=True)
    shutil.copy(ENVELOPE, down / "v41-E0501-20250110-080000000-aaaa")  # no extension, as Turnkey names them
    shutil.copy(ENVELOPE, bak / "v41-E0501-20250110-080000000-aaaa")  # the same allocations again
    shutil.copy(SYN / "E0501_4.0_SYNTHETIC.xml", bak / "extra.xml")
    shutil.copy(
        SYN / "SummaryResult_4.1_SYNTHETIC.xml", other / "v41-SummaryResult-x.xml"
    )  # not E0501: skipped
    (other / "turnkey.log").write_text("log line\n", encoding="utf-8")  # not XML: skipped
    shutil.copy(DATA / "samples" / "invalid" / "E0501_4.0_Waynelin1204_65330715.xml", bak / "broken.xml")
    shutil.copy(DATA / "hostile" / "xxe.xml", bak / "hostile.xml")
    (bak / "note.txt").write_text("not xml at all", encoding="utf-8")  # in an E0501 folder: reported
    (root / "DownCast" / ".hidden").mkdir()
    shutil.copy(ENVELOPE, root / "DownCast" / ".hidden" / "ignored.xml")
    return root


def test_folder_scan_collects_allocations_and_errors(turnkey: Path) -> None:
    scan = e0501.iter_e0501_folder(turnkey)
    allocations = list(scan)
    assert [(a.track, a.begin) for a in allocations] == [
        ("AB", 12345000),
        ("AC", 0),
        ("AD", 99999950),
        ("CD", 50000050),
    ]
    assert scan.duplicates == 3
    assert len(scan.files) == 3
    assert scan.skipped == 2  # the SummaryResult and the log
    by_file = {Path(f.where.file or "").name: f for f in scan.errors}
    assert sorted(by_file) == ["broken.xml", "hostile.xml", "note.txt"]
    assert all(isinstance(f, Finding) and f.code == "e0501_unreadable" for f in scan.errors)
    assert "值「11407」格式不符" in by_file["broken.xml"].message
    assert "DOCTYPE" in by_file["hostile.xml"].message
    assert "XML 格式錯誤" in by_file["note.txt"].message
    assert str(by_file["note.txt"]).startswith(f"檔案 {turnkey}")


def test_folder_scan_without_dedupe(turnkey: Path) -> None:
    allocations, errors = e0501.read_folder(turnkey, dedupe=False)
    assert len(allocations) == 7 and len(errors) == 3
    assert allocations[0].source != allocations[3].source  # each copy keeps its own file


def test_folder_scan_is_deterministic(turnkey: Path) -> None:
    assert e0501.read_folder(turnkey) == e0501.read_folder(turnkey)


def test_wrong_message_inside_an_e0501_folder_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "E0501"
    folder.mkdir()
    shutil.copy(SYN / "E0402_4.1_multi_range_SYNTHETIC.xml", folder / "x")
    allocations, errors = e0501.read_folder(tmp_path)
    assert allocations == []
    [finding] = errors
    assert "在 E0501 資料夾裡，但不是 E0501 配號檔（根元素 <BranchTrackBlank>）" in finding.message


def test_missing_folder(tmp_path: Path) -> None:
    allocations, errors = e0501.read_folder(tmp_path / "nope")
    assert allocations == [] and [f.message for f in errors] == ["找不到資料夾"]


def test_scan_is_lazy_and_errors_fill_as_it_goes(turnkey: Path) -> None:
    scan = e0501.iter_e0501_folder(turnkey)
    assert scan.errors == [] and scan.files == []
    next(scan)
    assert scan.files


def test_a_single_file_can_be_scanned() -> None:
    allocations, errors = e0501.read_folder(ENVELOPE)
    assert len(allocations) == 3 and errors == []
    allocations, errors = e0501.read_folder(SYN / "SummaryResult_4.1_SYNTHETIC.xml")
    assert allocations == []
    assert [f.message for f in errors] == ["不是 E0501 配號檔（根元素 <SummaryResult>）"]


def test_envelope_of_another_version_is_read_structurally() -> None:
    data = ENVELOPE.read_bytes().replace(b"urn:GEINV:InvoiceEnvelope:4.1", b"urn:GEINV:InvoiceEnvelope:4.0")
    assert len(e0501.parse(data, file="h.xml")) == 3


def test_envelope_with_a_foreign_namespace() -> None:
    data = ENVELOPE.read_bytes().replace(b"urn:GEINV:InvoiceEnvelope:4.1", b"urn:example:Envelope")
    with pytest.raises(InputError, match=re.escape("應為「urn:GEINV:InvoiceEnvelope:4.1」")):
        e0501.parse(data, file="i.xml")


def test_envelope_is_checked_against_its_xsd() -> None:
    data = ENVELOPE.read_bytes().replace(b"<PartyId>12345675</PartyId>", b"", 1)
    with pytest.raises(
        InputError, match=re.escape("不符合 InvoiceEnvelope 4.1（Turnkey 訊息封套）的 XSD 格式")
    ):
        e0501.parse(data, file="j.xml")
