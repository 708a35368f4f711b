"""The built VBA projects against the pinned xlwings templates, and read back by olevba.

The DESIGN's biggest risk: a project written from text that Excel opens but does not run.
The defence is to change as little of xlwings' shipped, known-good templates as possible;
these tests pin down that only the intended parts differ.
"""

from __future__ import annotations

import importlib.metadata
import zipfile
from pathlib import Path

import pytest
from oletools.olevba import VBA_Parser

from invoicetools.build import product
from invoicetools.build import sources as S
from invoicetools.build import vbaproject as V

CASES = {
    "xlsm": (S.templates().xlsm, product.xlsm_vba_project, "VBAProject"),
    "xlam": (S.templates().xlam, product.xlam_vba_project, product.ADDIN_PROJECT_NAME),
}


def _project(package: Path) -> V.Project:
    with zipfile.ZipFile(package) as z:
        return V.read_project(z.read("xl/vbaProject.bin"))


@pytest.fixture(scope="module", params=sorted(CASES))
def pair(request: pytest.FixtureRequest) -> tuple[str, V.Project, V.Project]:
    template_path, build, _ = CASES[request.param]
    return request.param, V.read_project(build()), S.template_project(template_path)


def test_only_intended_differences(pair: tuple[str, V.Project, V.Project]) -> None:
    _, built, template = pair
    assert V.compare(built, template) == []


def test_stream_set_matches_template(pair: tuple[str, V.Project, V.Project]) -> None:
    _, built, template = pair
    fixed = {"PROJECT", "PROJECTwm", "VBA/dir", "VBA/_VBA_PROJECT"}
    assert fixed <= set(template.streams)
    assert set(built.streams) == fixed | {f"VBA/{m.name}" for m in built.modules}
    assert set(template.streams) == fixed | {f"VBA/{m.name}" for m in template.modules}


def test_dir_record_ids_in_template_order(pair: tuple[str, V.Project, V.Project]) -> None:
    kind, built, template = pair
    # project information + references: same records, same order, same bytes (name and count aside)
    assert [r.id for r in built.head] == [r.id for r in template.head]
    assert [r for r in built.head if r.id not in (V.PROJECTNAME, V.PROJECTMODULES)] == [
        r for r in template.head if r.id not in (V.PROJECTNAME, V.PROJECTMODULES)
    ]
    assert built.name == CASES[kind][2]
    # every module: the template's record id sequence for a module of its kind
    by_kind = {m.kind: [r.id for r in m.records] for m in template.modules}
    for m in built.modules:
        assert [r.id for r in m.records] == by_kind[m.kind], m.name
        assert int.from_bytes(V._record(m.records, V.MODULEOFFSET).data, "little") == 0
    assert built.tail == template.tail
    assert built.vba_project == template.vba_project


def test_xlwings_modules_keep_their_template_records(pair: tuple[str, V.Project, V.Project]) -> None:
    _, built, template = pair
    for name in ("xlwings", "Dictionary"):
        b, t = built.module(name), template.module(name)
        keep = [r for r in t.records if r.id not in (V.MODULEOFFSET, V.MODULECOOKIE)]
        assert [r for r in b.records if r.id not in (V.MODULEOFFSET, V.MODULECOOKIE)] == keep


def test_project_stream_keeps_protection_and_host_lines(pair: tuple[str, V.Project, V.Project]) -> None:
    _, built, template = pair
    for key in ("ID=", "CMG=", "DPB=", "GC=", "HelpContextID=", "VersionCompatible32=", "&H00000001="):
        assert [ln for ln in built.project_lines if ln.startswith(key)] == [
            ln for ln in template.project_lines if ln.startswith(key)
        ]


def test_compare_notices_unintended_changes(pair: tuple[str, V.Project, V.Project]) -> None:
    _, built, template = pair
    head = list(built.head)
    i = next(k for k, r in enumerate(head) if r.id == V.PROJECTCOOKIE)
    head[i] = V.Record(V.PROJECTCOOKIE, b"\x00\x00")
    broken = V.Project(
        tuple(head),
        built.modules,
        built.tail,
        built.project_lines,
        built.project_wm,
        b"\xcc\x61\xb5\x00\x00\x03\x00",
        built.streams,
        built.codepage,
    )
    found = {d.where for d in V.compare(broken, template)}
    assert {"_VBA_PROJECT", f"dir head record {V.PROJECTCOOKIE:#06x}"} <= found


def test_document_modules_match_sheet_code_names(built: dict[str, Path]) -> None:
    from invoicetools.build.workbook import code_names

    project = _project(built["xlsm"])
    docs = [m.name for m in project.modules if m.kind is V.Kind.DOCUMENT]
    assert docs == ["ThisWorkbook", *code_names()]
    with zipfile.ZipFile(built["xlsm"]) as z:
        names = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        sheet_xml = [z.read(n).decode() for n in sorted(names, key=lambda n: int(n[19:-4]))]
        assert 'codeName="ThisWorkbook"' in z.read("xl/workbook.xml").decode()
    for xml, code in zip(sheet_xml, code_names(), strict=True):
        assert f'codeName="{code}"' in xml


def _expected_sources(kind: str) -> dict[str, str]:
    template = S.template_project(CASES[kind][0])
    modules = product.xlsm_modules(template) if kind == "xlsm" else product.xlam_modules(template)
    return {m.name: m.code for m in modules}


@pytest.mark.parametrize("kind", ["xlsm", "xlam"])
def test_olevba_gives_back_the_sources_exactly(kind: str, built: dict[str, Path]) -> None:
    expected = _expected_sources(kind)
    parser = VBA_Parser(str(built[kind]))
    try:
        found = {name.rsplit(".", 1)[0]: code for _, _, name, code in parser.extract_all_macros()}
    finally:
        parser.close()
    assert set(found) == set(expected)
    for name, code in expected.items():
        got = found[name]
        if isinstance(got, bytes):
            got = got.decode("cp1252")
        assert got == code, name


def test_our_sources_are_stored_verbatim(built: dict[str, Path]) -> None:
    """The .bas files of addin/vba are in the project byte for byte (CRLF line ends)."""
    project = _project(built["xlam"])
    for name in (*product.OUR_STANDARD_MODULES, *product.ADDIN_ONLY_MODULES):
        text = (S.vba_dir() / f"{name}.bas").read_text(encoding="ascii")
        assert project.module(name).source == text.replace("\n", "\r\n")
    this_workbook = (S.vba_dir() / product.ADDIN_WORKBOOK_CODE).read_text(encoding="ascii")
    assert project.module("ThisWorkbook").source.endswith(this_workbook.replace("\n", "\r\n"))


def test_xlwings_modules_come_from_the_pinned_package(built: dict[str, Path]) -> None:
    folder = S.xlwings_dir()
    standalone = (folder / "xlwings.bas").read_bytes().decode("cp1252")
    addin = (folder / "xlwings_custom_addin.bas").read_bytes().decode("cp1252")
    assert _project(built["xlsm"]).module("xlwings").source == standalone
    assert _project(built["xlam"]).module("xlwings").source == addin.replace(
        'PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "invoicetools"'
    )
    assert 'XLWINGS_VERSION As String = "0.37.8"' in standalone


def test_wrong_xlwings_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.30.0")
    with pytest.raises(S.BuildError, match=r"pinned to 0\.37\.8"):
        S.xlwings_dir()
