"""The built VBA projects against the pinned xlwings templates, and read back by olevba.

The DESIGN's biggest risk: a project written from text that Excel opens but does not run.
The defence is to change as little of xlwings' shipped, known-good templates as possible;
these tests pin down that only the differences listed, with their reasons, in addin/README.md
("Differences from the xlwings templates") remain.
"""

from __future__ import annotations

import importlib.metadata
import re
import zipfile
from pathlib import Path

import pytest
from oletools.olevba import VBA_Parser

from invoicetools.build import product
from invoicetools.build import sources as S
from invoicetools.build import template_diff as D
from invoicetools.build import vbaproject as V

README = S.repo_root() / "addin" / "README.md"

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


def listed_differences(kind: str) -> list[str]:
    """The difference keys addin/README.md lists for one file: the backticked names in the first
    column of the table under the heading naming that file."""
    file_name = product.XLSM_NAME if kind == "xlsm" else product.XLAM_NAME
    text = README.read_text(encoding="utf-8")
    heading = re.search(rf"^#+ .*{re.escape(file_name)}.*vs.*$", text, re.M)
    assert heading, f"addin/README.md has no heading for {file_name} vs its template"
    section = text[heading.end() :]
    section = section[: re.search(r"^#", section, re.M).start()] if re.search(r"^#", section, re.M) else section
    keys = []
    for row in re.findall(r"^\|([^|\n]*)\|", section, re.M):
        keys += re.findall(r"`([^`]+)`", row)
    return keys


def test_only_the_listed_differences(pair: tuple[str, V.Project, V.Project]) -> None:
    kind, built, template = pair
    found = D.keys(D.compare(built, template))
    listed = listed_differences(kind)
    assert sorted(found) == sorted(listed), (
        "differences from the template must be exactly those listed in addin/README.md: "
        f"not listed {sorted(set(found) - set(listed))}, listed but gone {sorted(set(listed) - set(found))}"
    )


def test_stream_set_matches_template(pair: tuple[str, V.Project, V.Project]) -> None:
    _, built, template = pair
    fixed = {"PROJECT", "PROJECTwm", "VBA/dir", "VBA/_VBA_PROJECT"}
    assert fixed <= set(template.streams)
    assert set(built.streams) == fixed | {f"VBA/{m.name}" for m in built.modules}
    assert set(template.streams) == fixed | {f"VBA/{m.name}" for m in template.modules}
    assert built.cfb_version == template.cfb_version


def test_dir_record_ids_in_template_order(pair: tuple[str, V.Project, V.Project]) -> None:
    kind, built, template = pair
    # project information + references: same records, same order, same bytes (name and count aside)
    assert [r.id for r in built.head] == [r.id for r in template.head]
    assert [r for r in built.head if r.id not in (V.PROJECTNAME, V.PROJECTMODULES)] == [
        r for r in template.head if r.id not in (V.PROJECTNAME, V.PROJECTMODULES)
    ]
    assert built.name == CASES[kind][2]
    # every module: the template's record id sequence for a module of its kind; new source, no cache
    by_kind = {m.kind: [r.id for r in m.records] for m in template.modules}
    for m in built.modules:
        assert [r.id for r in m.records] == by_kind[m.kind], m.name
        t = template.find(m.name)
        offset = int.from_bytes(V._record(m.records, V.MODULEOFFSET).data, "little")
        if t is not None and t.source == m.source:
            assert (m.records, m.stream) == (t.records, t.stream), m.name  # copied whole
        else:
            assert offset == 0, m.name
    assert built.tail == template.tail
    assert built.vba_project == template.vba_project


def test_modules_from_the_template_keep_cookies_records_and_order(pair: tuple[str, V.Project, V.Project]) -> None:
    _, built, template = pair
    kept = [m for m in built.modules if template.find(m.name) is not None]
    assert {"ThisWorkbook", "xlwings", "Dictionary"} <= {m.name for m in kept}
    assert [m.name for m in kept] == [t.name for t in template.modules if built.find(t.name) is not None]
    for m in kept:
        t = template.module(m.name)
        assert V._record(m.records, V.MODULECOOKIE) == V._record(t.records, V.MODULECOOKIE), m.name
        assert [r for r in m.records if r.id != V.MODULEOFFSET] == [r for r in t.records if r.id != V.MODULEOFFSET]
    dictionary = built.module("Dictionary")
    assert dictionary.stream == template.module("Dictionary").stream  # byte for byte, cache and all
    workspace_t = {ln.split("=")[0]: ln for ln in template.project_lines if ln.endswith((", C", ", Z"))}
    for m in kept:
        assert workspace_t[m.name] in built.project_lines, m.name
    for m in built.modules:
        if template.find(m.name) is None:
            assert V._record(m.records, V.MODULECOOKIE).data == b"\xff\xff", m.name
            assert f"{m.name}=0, 0, 0, 0, C" in built.project_lines, m.name


def test_project_stream_keeps_protection_and_host_lines(pair: tuple[str, V.Project, V.Project]) -> None:
    _, built, template = pair
    for key in ("ID=", "CMG=", "DPB=", "GC=", "HelpContextID=", "VersionCompatible32=", "&H00000001="):
        assert [ln for ln in built.project_lines if ln.startswith(key)] == [
            ln for ln in template.project_lines if ln.startswith(key)
        ]


def _with(project: V.Project, **changes: object) -> V.Project:
    import dataclasses

    return dataclasses.replace(project, **changes)  # type: ignore[arg-type]


def test_compare_notices_unintended_changes(pair: tuple[str, V.Project, V.Project]) -> None:
    _, built, template = pair
    head = list(built.head)
    i = next(k for k, r in enumerate(head) if r.id == V.PROJECTCOOKIE)
    head[i] = V.Record(V.PROJECTCOOKIE, b"\x00\x00")
    broken = _with(built, head=tuple(head), vba_project=b"\xcc\x61\xb5\x00\x00\x03\x00", cfb_version=(3, 0x3E))
    found = {d.key for d in D.compare(broken, template)}
    assert {"_VBA_PROJECT", f"dir head record {V.PROJECTCOOKIE:#06x}", "CFB header version"} <= found
    # a module copied from the template: another cookie, another stream
    dictionary = built.module("Dictionary")
    records = tuple(V.Record(r.id, b"\x01\x00") if r.id == V.MODULECOOKIE else r for r in dictionary.records)
    changed = _with(dictionary, records=records, stream=dictionary.stream + b"\0")
    modules = tuple(changed if m.name == "Dictionary" else m for m in built.modules)
    found = {d.key for d in D.compare(_with(built, modules=modules), template)}
    assert {"module records: Dictionary", "module stream: Dictionary"} <= found
    # the template's modules in another order; a new module with the template's cookie
    reordered = _with(built, modules=tuple(reversed(built.modules)))
    assert "module order" in {d.key for d in D.compare(reordered, template)}
    new = next(m for m in built.modules if template.find(m.name) is None)
    records = tuple(V.Record(r.id, b"\x34\x12") if r.id == V.MODULECOOKIE else r for r in new.records)
    modules = tuple(_with(m, records=records) if m.name == new.name else m for m in built.modules)
    assert f"module records: {new.name}" in {d.key for d in D.compare(_with(built, modules=modules), template)}


def test_the_difference_list_is_read_from_the_readme() -> None:
    """The README check is not vacuous: both files have listed differences, and they differ."""
    xlsm, xlam = listed_differences("xlsm"), listed_differences("xlam")
    assert "module source: xlwings" in xlsm and "module source: xlwings" in xlam
    assert "project name" in xlam and "project name" not in xlsm


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
    """xlwings' module is the template's text (the pinned package's .bas, LF line ends as the
    template stores it) with one line changed: PROJECT_NAME invoicetools, in both files."""
    folder = S.xlwings_dir()
    for kind, bas, name in (("xlsm", "xlwings.bas", "xlwings"), ("xlam", "xlwings_custom_addin.bas", "myaddin")):
        package_text = (folder / bas).read_bytes().decode("cp1252")
        stored = S.template_project(CASES[kind][0]).module("xlwings").source
        assert stored == package_text.replace("\r\n", "\n")
        source = _project(built[kind]).module("xlwings").source
        old = f'Public Const PROJECT_NAME As String = "{name}"'
        assert source == stored.replace(old, 'Public Const PROJECT_NAME As String = "invoicetools"')
        assert source.count("invoicetools") == 1 and 'XLWINGS_VERSION As String = "0.37.8"' in source


def test_a_template_that_is_not_the_pinned_package_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    template = S.template_project(S.templates().xlsm)
    module = template.module("xlwings")
    edited = _with(module, source=module.source.replace("RunPython", "RunPythn", 1))
    other = _with(template, modules=tuple(edited if m.name == "xlwings" else m for m in template.modules))
    with pytest.raises(S.BuildError, match="is not"):
        S.xlwings_module(other, addin=False)
    dictionary = template.module("Dictionary")
    edited = _with(dictionary, source=dictionary.source.replace("Item", "Itam", 1))
    other = _with(template, modules=tuple(edited if m.name == "Dictionary" else m for m in template.modules))
    with pytest.raises(S.BuildError, match="Dictionary"):
        S.dictionary_module(other)


def test_wrong_xlwings_version_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.30.0")
    with pytest.raises(S.BuildError, match=r"pinned to 0\.37\.8"):
        S.xlwings_dir()
