"""schema: shipped XSDs, their provenance, compilation, validation messages, the xmlschema fallback."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from invoicetools.domain.errors import InputError
from invoicetools.mig import schema
from invoicetools.mig.schema import SchemaError

DATA = Path(__file__).with_name("data")
GOLDEN = Path(__file__).with_name("golden")
ALL_SPECS = [(m, v) for m in schema.MESSAGES for v in schema.versions(m)]

E0402_OK = (GOLDEN / "E0402_4.1_many_ranges.xml").read_bytes()


# --- shipped files ---------------------------------------------------------------------------------


def _provenance() -> dict[str, str]:
    text = (schema.XSD_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    rows = re.findall(
        r"^\| `([^`]+\.xsd)` \| ([^|]+) \| `([0-9a-f]{40})` \| `([^`]+)` \| `([0-9a-f]{64})` \|$", text, re.M
    )
    return {path: sha for path, _repo, _commit, _src, sha in rows}


def test_every_shipped_xsd_is_in_provenance_with_its_sha256() -> None:
    listed = _provenance()
    shipped = {p.relative_to(schema.XSD_DIR).as_posix(): p for p in schema.XSD_DIR.rglob("*.xsd")}
    assert sorted(listed) == sorted(shipped)
    for rel, path in shipped.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == listed[rel], rel


def test_every_registered_xsd_exists_and_includes_resolve() -> None:
    for message, version in ALL_SPECS:
        path = Path(schema.xsd_path(message, version))
        assert path.is_file()
        for loc in re.findall(rb'schemaLocation="([^"]+)"', path.read_bytes()):
            assert (path.parent / loc.decode()).resolve().is_file()


def test_shipped_xsds_still_have_the_turnkey_leading_spaces() -> None:
    """The files stay verbatim; the fix happens at load time."""
    assert b'name=" BranchBan"' in (schema.XSD_DIR / "4.1/E0402.xsd").read_bytes()
    assert b'name=" InvoiceBeginNo"' in (schema.XSD_DIR / "3.2/E0401.xsd").read_bytes()


@pytest.mark.parametrize(("message", "version"), ALL_SPECS)
def test_every_schema_compiles_with_lxml(message: str, version: str) -> None:
    assert schema.backend(message, version) == "lxml"


# --- registry ----------------------------------------------------------------------------------------


def test_registry() -> None:
    assert schema.versions("E0401") == ("3.2", "4.0", "4.1")
    assert schema.versions("E0402") == ("3.2", "4.0", "4.1")
    assert schema.versions("E0501") == ("3.2", "4.0", "4.1")
    assert schema.versions("SummaryResult") == schema.versions("ProcessResult") == ("4.1",)
    assert schema.spec("E0501", "4.1").xsd == "common/4.1/E0501.xsd"
    assert schema.spec("E0501", "3.2").xsd == "3.2/E0501.xsd"
    assert schema.namespace("E0401", "4.0") == "urn:GEINV:eInvoiceMessage:E0401:4.0"
    assert schema.namespace("ProcessResult", "4.1") == "urn:GEINV:ProcessResult:4.1"
    for message, version in ALL_SPECS:
        s = schema.spec(message, version)
        assert schema.identify(s.namespace) == s


def test_unknown_message_or_version() -> None:
    with pytest.raises(InputError, match="不支援的 MIG 訊息「X0001」"):
        schema.spec("X0001", "4.1")
    with pytest.raises(InputError, match=re.escape("MIG 版本「3.1」不支援：E0402 支援 3.2、4.0、4.1")):
        schema.validate("E0402", "3.1", E0402_OK)
    with pytest.raises(InputError, match=re.escape("SummaryResult 支援 4.1")):
        schema.spec("SummaryResult", "4.0")


# --- the leading-space fix -----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["3.2", "4.0", "4.1"])
def test_correct_branchban_and_item_begin_are_accepted(version: str) -> None:
    e0402 = E0402_OK.replace(b"E0402:4.1", f"E0402:{version}".encode())
    assert schema.validate("E0402", version, e0402) == []
    e0401 = (GOLDEN / "E0401_4.1.xml").read_bytes().replace(b"E0401:4.1", f"E0401:{version}".encode())
    assert schema.validate("E0401", version, e0401) == []


def test_a_leading_space_in_the_document_is_not_accepted() -> None:
    bad = E0402_OK.replace(b"<BranchBan>", b"<BranchBan >")  # fine XML, same name
    assert schema.validate("E0402", "4.1", bad) == []
    assert schema.validate("E0402", "4.1", E0402_OK.replace(b"BranchBan>", b"Branchban>")) != []


# --- samples ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "message", "version"),
    [
        ("samples/E0402_4.1_Waynelin1204_65330715_11408.xml", "E0402", "4.1"),
        ("samples/F0401_4.1_icemarx2_LP50936600.xml", "F0401", "4.1"),
        ("samples/F0501_4.1_icemarx2_LP50936600.xml", "F0501", "4.1"),
        ("synthetic/E0401_4.1_SYNTHETIC.xml", "E0401", "4.1"),
        ("synthetic/E0402_4.1_multi_range_SYNTHETIC.xml", "E0402", "4.1"),
        ("synthetic/E0501_4.1_SYNTHETIC.xml", "E0501", "4.1"),
        ("synthetic/E0501_4.0_SYNTHETIC.xml", "E0501", "4.0"),
        ("synthetic/E0501_3.2_SYNTHETIC.xml", "E0501", "3.2"),
        ("synthetic/E0501_4.1_envelope_SYNTHETIC.xml", "InvoiceEnvelope", "4.1"),
        ("synthetic/SummaryResult_4.1_SYNTHETIC.xml", "SummaryResult", "4.1"),
        ("synthetic/ProcessResult_4.1_ok_SYNTHETIC.xml", "ProcessResult", "4.1"),
        ("synthetic/ProcessResult_4.1_error_SYNTHETIC.xml", "ProcessResult", "4.1"),
    ],
)
def test_valid_samples_validate(file: str, message: str, version: str) -> None:
    assert schema.validate(message, version, (DATA / file).read_bytes()) == []


def test_invalid_e0501_sample_is_rejected_with_the_reason() -> None:
    data = (DATA / "samples/invalid/E0501_4.0_Waynelin1204_65330715.xml").read_bytes()
    errors = schema.validate("E0501", "4.0", data)
    assert errors == [
        "第 5 列 <YearMonth>（發票期別）：值「11407」格式不符：須為民國年 3 碼加期別結束的雙月，例如 11402（114 年 1–2 月）"
    ]


def test_mislabelled_e0401_sample_is_rejected_naming_both_roots() -> None:
    data = (DATA / "samples/invalid/E0401_4.0_Waynelin1204_65330715_11408_mislabelled.xml").read_bytes()
    [error] = schema.validate("E0401", "4.0", data)
    assert error.startswith("第 2 列 根元素為 <BranchTrackBlank>（空白未使用字軌檔）")
    assert "應為 <BranchTrack>（分支機構配號檔）" in error


def test_wrong_version_namespace_is_said_plainly() -> None:
    [error] = schema.validate("E0402", "4.1", E0402_OK.replace(b"E0402:4.1", b"E0402:4.0"))
    assert "命名空間為「urn:GEINV:eInvoiceMessage:E0402:4.0」（E0402 4.0 空白未使用字軌檔）" in error
    assert "應為「urn:GEINV:eInvoiceMessage:E0402:4.1」" in error


# --- messages -----------------------------------------------------------------------------------------


def _errors(old: bytes, new: bytes) -> list[str]:
    data = E0402_OK.replace(old, new, 1)
    assert data != E0402_OK
    return schema.validate("E0402", "4.1", data)


def test_messages_are_zh_tw_with_lines() -> None:
    assert _errors(b"<InvoiceTrack>AB", b"<InvoiceTrack>ab") == [
        "第 8 列 <InvoiceTrack>（發票字軌）：值「ab」格式不符：須為 2 個大寫英文字母"
    ]
    assert _errors(b"<HeadBan>12345675", b"<HeadBan>12345675123") == [
        "第 4 列 <HeadBan>（總公司統一編號）：長度 11 個字元，超過最多的 10 個字元"
    ]
    assert _errors(b"    <InvoiceTrack>AB</InvoiceTrack>\n", b"") == [
        "第 3 列 <Main>（主檔）：缺少子元素：<InvoiceTrack>（發票字軌）"
    ]
    assert _errors(b"<Main>", b'<Main a="1">') == ["第 3 列 <Main>（主檔）：不可有屬性「a」"]
    assert _errors(b"<Details>", b"<Details>x") == [
        "第 10 列 <Details>（明細）：不可有文字內容，只能有子元素"
    ]
    [extra] = _errors(b"</Main>", b"<Foo/></Main>")
    assert extra.startswith("第 9 列 <Foo>：此處不應出現這個元素")


def test_too_many_items_hint() -> None:
    item = (
        b"    <BranchTrackBlankItem>\n      <InvoiceBeginNo>00000001</InvoiceBeginNo>\n"
        b"      <InvoiceEndNo>00000001</InvoiceEndNo>\n    </BranchTrackBlankItem>\n"
    )
    head, _, tail = E0402_OK.partition(b"  </Details>")
    body = head.split(b"  <Details>\n")[0] + b"  <Details>\n" + item * 10_001 + b"  </Details>" + tail
    [error] = schema.validate("E0402", "4.1", body)
    assert (
        "<BranchTrackBlankItem>（空白字軌區間）：此處不應出現這個元素（最多 10,000 筆，可能已超過）" in error
    )


def test_e0401_booklet_messages() -> None:
    data = (GOLDEN / "E0401_4.1.xml").read_bytes()
    errors = schema.validate("E0401", "4.1", data.replace(b"<InvoiceBooklet>1<", b"<InvoiceBooklet>-1<", 1))
    assert errors == ["第 16 列 <InvoiceBooklet>（本組數）：值「-1」小於最小值 0"]
    errors = schema.validate("E0401", "4.1", data.replace(b"<InvoiceBooklet>1<", b"<InvoiceBooklet>x<", 1))
    assert errors == ["第 16 列 <InvoiceBooklet>（本組數）：值「x」的型別不正確"]


def test_limit_and_more_line() -> None:
    data = E0402_OK.replace(b"<InvoiceBeginNo>1", b"<InvoiceBeginNo>x")
    errors = schema.validate("E0402", "4.1", data, limit=2)
    assert len(errors) == 3 and errors[-1] == "另有 2 個錯誤未列出"


def test_not_well_formed_is_one_error() -> None:
    assert schema.validate("E0402", "4.1", b"<a>") == [
        "第 1 列 XML 格式錯誤，無法讀取：Premature end of data in tag a line 1"
    ]


def test_accepts_trees_and_elements() -> None:
    tree = etree.ElementTree(etree.fromstring(E0402_OK))
    assert schema.validate("E0402", "4.1", tree) == []
    assert schema.validate("E0402", "4.1", tree.getroot()) == []


def test_assert_valid_names_the_file_and_keeps_all_errors() -> None:
    data = E0402_OK.replace(b"<InvoiceBeginNo>1", b"<InvoiceBeginNo>x")
    with pytest.raises(SchemaError) as info:
        schema.assert_valid("E0402", "4.1", data, file="E0402_x.xml", show=1)
    err = info.value
    assert isinstance(err, InputError) and err.exit_code == 2
    assert str(err).startswith(
        "檔案 E0402_x.xml：不符合 E0402 4.1（空白未使用字軌檔）的 XSD 格式：第 12 列 <InvoiceBeginNo>"
    )
    assert str(err).endswith("；另有 3 個錯誤")
    assert len(err.errors) == 4 and err.spec.message == "E0402"
    assert schema.assert_valid("E0402", "4.1", E0402_OK).getroot().tag.endswith("BranchTrackBlank")


# --- fallback -----------------------------------------------------------------------------------------


@pytest.fixture
def no_lxml_compiler(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(path: Path) -> etree.XMLSchema:
        raise etree.XMLSchemaParseError("simulated: lxml cannot compile this schema")

    monkeypatch.setattr(schema, "_lxml_compiler", refuse)
    schema._validator.cache_clear()
    yield
    schema._validator.cache_clear()


@pytest.mark.usefixtures("no_lxml_compiler")
@pytest.mark.parametrize(("message", "version"), ALL_SPECS)
def test_xmlschema_fallback_compiles_every_schema(message: str, version: str) -> None:
    assert schema.backend(message, version) == "xmlschema"


@pytest.mark.usefixtures("no_lxml_compiler")
def test_xmlschema_fallback_validates_goldens_and_reports_errors() -> None:
    for path in sorted(GOLDEN.glob("*.xml")):
        message, version = path.stem.split("_")[:2]
        assert schema.validate(message, version, path.read_bytes()) == [], path.name
    errors = schema.validate("E0402", "4.1", E0402_OK.replace(b"<InvoiceType>07", b"<InvoiceType>09"))
    assert len(errors) == 1
    assert errors[0].startswith("第 6 列 <InvoiceType>（發票類別）：XSD 驗證失敗")


def test_fallback_is_per_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    real = schema._compile_lxml

    def only_e0401_fails(path: Path) -> etree.XMLSchema:
        if path.name == "E0401.xsd":
            raise etree.XMLSchemaParseError("simulated")
        return real(path)

    monkeypatch.setattr(schema, "_lxml_compiler", only_e0401_fails)
    schema._validator.cache_clear()
    try:
        assert schema.backend("E0401", "4.1") == "xmlschema"
        assert schema.backend("E0402", "4.1") == "lxml"
    finally:
        schema._validator.cache_clear()


def test_includes_outside_the_xsd_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="程式資料夾以外"):
        schema._inside_xsd_dir(str(tmp_path / "evil.xsd"))
    with pytest.raises(InputError):
        schema._inside_xsd_dir(str(schema.XSD_DIR / ".." / ".." / "domain" / "errors.py"))
    assert schema._inside_xsd_dir((schema.XSD_DIR / "4.1" / "E0402.xsd").as_uri()).name == "E0402.xsd"
