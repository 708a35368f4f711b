"""safe_xml: hostile documents are refused with a clear zh-TW message naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from invoicetools.domain.errors import InputError
from invoicetools.mig import e0402, e0501, results, safe_xml, schema
from invoicetools.mig.safe_xml import UnsafeXmlError, XmlSyntaxError

DATA = Path(__file__).with_name("data")
HOSTILE = DATA / "hostile"


@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml"])
def test_hostile_file_is_refused(name: str) -> None:
    path = HOSTILE / name
    with pytest.raises(UnsafeXmlError) as info:
        safe_xml.parse_file(path)
    message = str(info.value)
    assert str(path) in message
    assert "DOCTYPE" in message and "安全" in message
    assert isinstance(info.value, InputError) and info.value.exit_code == 2


def test_xxe_never_reads_the_file() -> None:
    with pytest.raises(UnsafeXmlError) as info:
        e0501.read(HOSTILE / "xxe.xml")
    assert "root:" not in str(info.value)


@pytest.mark.parametrize("reader", [e0402.read, e0501.read, results.read])
def test_every_reader_refuses_hostile_files(reader: object) -> None:
    for path in HOSTILE.glob("*.xml"):
        with pytest.raises(UnsafeXmlError):
            reader(path)  # type: ignore[operator]


def test_validate_reports_doctype_as_an_error() -> None:
    errors = schema.validate("E0402", "4.1", (HOSTILE / "billion_laughs.xml").read_bytes())
    assert len(errors) == 1 and "DOCTYPE" in errors[0]


def test_doctype_in_utf16_is_refused() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'.encode("utf-16")
    with pytest.raises(UnsafeXmlError):
        safe_xml.parse_bytes(data, file="u16.xml")


def test_doctype_in_utf16_without_bom_is_refused() -> None:
    data = '<?xml version="1.0" encoding="UTF-16LE"?><!DOCTYPE a><a/>'.encode("utf-16-le")
    assert safe_xml.has_doctype(data)
    with pytest.raises(UnsafeXmlError):
        safe_xml.parse_bytes(data, file="u16le.xml")


def test_external_dtd_reference_is_refused() -> None:
    with pytest.raises(UnsafeXmlError):
        safe_xml.parse_bytes(b'<!DOCTYPE a SYSTEM "http://example.invalid/a.dtd"><a/>', file="ext.xml")


def test_undeclared_entity_is_a_syntax_error() -> None:
    with pytest.raises(XmlSyntaxError) as info:
        safe_xml.parse_bytes(b"<a>\n&nbsp;</a>", file="ent.xml")
    assert info.value.where is not None and info.value.where.row == 2
    assert "檔案 ent.xml 第 2 列" in str(info.value)


def test_not_well_formed_names_file_and_line() -> None:
    with pytest.raises(XmlSyntaxError) as info:
        safe_xml.parse_bytes(b'<?xml version="1.0"?>\n<a>\n<b></a>', file="bad.xml")
    assert str(info.value).startswith("檔案 bad.xml 第 3 列：XML 格式錯誤")


def test_empty_file() -> None:
    with pytest.raises(XmlSyntaxError, match="檔案是空的"):
        safe_xml.parse_bytes(b"  \n", file="empty.xml")


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="找不到檔案"):
        safe_xml.parse_file(tmp_path / "nope.xml")
    with pytest.raises(InputError, match="資料夾"):
        safe_xml.parse_file(tmp_path)


def test_plain_document_keeps_line_numbers_and_bom() -> None:
    data = b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n<a>\n  <b>1</b>\n</a>\n'
    root = safe_xml.parse_bytes(data, file="ok.xml").getroot()
    assert root[0].sourceline == 3


def test_no_network_and_no_entity_resolution_settings() -> None:
    parser = safe_xml._parser()
    # lxml does not expose the options back; parse a document that would need them.
    root = safe_xml.parse_bytes(b"<a>&amp;&#20013;</a>", file="x.xml").getroot()
    assert root.text == "&中"
    assert parser is safe_xml._parser()  # one parser per thread, reused
