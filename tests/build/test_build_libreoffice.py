"""LibreOffice as the CI stand-in for Excel (notes/vba-libreoffice.md).

* The release files: LibreOffice opens both, lists every VBA module with our source, sees the
  sheets with their code names and the sheet buttons bound to ``InvoiceTools.<Sub>``. (It cannot
  run them: it does not compile xlwings' own module.)
* The test variant (xlwings' module replaced by a stub whose RunPython records its command):
  a probe ``Alive()`` first, because a project that does not compile fails silently; then every
  button Sub through ``Application.Run`` under ``On Error``, asserting the exact Python command;
  the add-in's ribbon callbacks; the Chinese texts spelled with ChrW; the next-deadline label;
  and that a missing interpreter stops the Sub before RunPython.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from invoicetools.book import layout as L
from invoicetools.build import messages, product, workbook
from invoicetools.build import sources as S

pytestmark = pytest.mark.libreoffice

Runner = Callable[[list[dict[str, Any]]], list[dict[str, Any]]]

HARNESS = """Option VBASupport 1
Function Alive() As String
    Alive = "alive"
End Function

Function TryRun(name As String) As String
    On Error GoTo failed
    Application.Run name
    TryRun = "ok"
    Exit Function
failed:
    TryRun = "ERR " & Err.Number & ": " & Err.Description
End Function

Function TryRunRibbon(name As String) As String
    On Error GoTo failed
    Application.Run name, Nothing
    TryRunRibbon = "ok"
    Exit Function
failed:
    TryRunRibbon = "ERR " & Err.Number & ": " & Err.Description
End Function
"""

XLAM_FILTER = "Calc MS Excel 2007 VBA XML"  # LibreOffice does not detect .xlam by itself
EXISTING_FILE = "/bin/sh"  # the stub's INTERPRETER_WIN: a path that exists on the CI machine


def _lo_source(text: str) -> str:
    """A module as LibreOffice shows it, reduced to what the VBA editor shows (no Attribute lines)."""
    lines = [
        ln
        for ln in text.replace("\r\n", "\n").split("\n")
        if not ln.startswith(
            ("Rem Attribute VBA_ModuleType", "Option VBASupport", "Option ClassModule", "Attribute ")
        )
    ]
    return "\n".join(lines).strip("\n")


def _expected_modules(kind: str) -> dict[str, str]:
    template = S.template_project(getattr(S.templates(), kind))
    modules = product.xlsm_modules(template) if kind == "xlsm" else product.xlam_modules(template)
    return {m.name: m.code for m in modules}


def _steps_for_subs() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = [
        {"op": "call", "module": "CiHarness", "proc": "Alive"},
        {"op": "set", "cell": "ZZ3", "value": EXISTING_FILE},
    ]
    for a in L.ACTIONS:
        steps += [
            {"op": "set", "cell": "ZZ1", "value": None},
            {"op": "call", "module": "CiHarness", "proc": "TryRun", "args": [f"{S.MAIN_MODULE}.{a.vba_sub}"]},
            {"op": "get", "cell": "ZZ1"},
        ]
    return steps


@pytest.fixture(scope="module")
def release(run_libreoffice: Runner, built: dict[str, Path]) -> dict[str, dict[str, Any]]:
    xlsm, xlam = run_libreoffice(
        [
            {"path": str(built["xlsm"])},
            {"path": str(built["xlam"]), "filter": XLAM_FILTER},
        ]
    )
    return {"xlsm": xlsm, "xlam": xlam}


@pytest.mark.parametrize("kind", ["xlsm", "xlam"])
def test_release_lists_every_module_with_its_source(kind: str, release: dict[str, dict[str, Any]]) -> None:
    doc = release[kind]
    expected = _expected_modules(kind)
    assert doc["library"] == ("VBAProject" if kind == "xlsm" else product.ADDIN_PROJECT_NAME)
    assert set(doc["modules"]) == set(expected)
    for name, code in expected.items():
        assert _lo_source(doc["modules"][name]) == _lo_source(code), name


def test_release_sheets_code_names_and_buttons(release: dict[str, dict[str, Any]]) -> None:
    doc = release["xlsm"]
    assert [s["name"] for s in doc["sheets"]] == [s.name for s in L.SHEETS]
    assert [s["code_name"] for s in doc["sheets"]] == workbook.code_names()
    assert [s["name"] for s in doc["sheets"] if not s["visible"]] == ["xlwings.conf"]
    expected = [
        {
            "sheet": s.name,
            "label": b.caption,
            "events": [
                f"vnd.sun.star.script:VBAProject.{S.MAIN_MODULE}.{L.action(b.action).vba_sub}"
                "?language=Basic&location=document"
            ],
        }
        for s in L.SHEETS
        for b in s.buttons
    ]
    assert doc["buttons"] == expected
    assert doc["names"][L.NEXT_DEADLINE_NAME] == "$行事曆.$B$4"


def test_release_addin_sheet(release: dict[str, dict[str, Any]]) -> None:
    doc = release["xlam"]
    assert [(s["name"], s["code_name"]) for s in doc["sheets"]] == [(workbook.ADDIN_SHEET, workbook.ADDIN_CODE_NAME)]
    assert doc["buttons"] == []


@pytest.fixture(scope="module")
def variant(run_libreoffice: Runner, test_variant: dict[str, Path]) -> dict[str, dict[str, Any]]:
    sub_steps = _steps_for_subs()
    texts = [{"op": "call", "module": S.TEXT_MODULE, "proc": name} for name in messages.function_texts()]
    ribbon_steps: list[dict[str, Any]] = [{"op": "set", "cell": "ZZ3", "value": EXISTING_FILE}]
    for a in L.ACTIONS:
        ribbon_steps += [
            {"op": "set", "cell": "ZZ1", "value": None},
            {
                "op": "call",
                "module": "CiHarness",
                "proc": "TryRunRibbon",
                "args": [f"{S.RIBBON_MODULE}.On{a.vba_sub}"],
            },
            {"op": "get", "cell": "ZZ1"},
        ]
    deadline = [
        {"op": "call", "module": S.RIBBON_MODULE, "proc": "NextDeadlineLabel"},
        {"op": "add_name", "name": L.NEXT_DEADLINE_NAME, "cell": "B4", "value": "114/03/10 E0402 空白字軌"},
        {"op": "call", "module": S.RIBBON_MODULE, "proc": "NextDeadlineLabel"},
    ]
    guards = [
        # a configured interpreter that does not exist: the Sub stops before RunPython
        {"op": "set", "cell": "ZZ1", "value": None},
        {"op": "set", "cell": "ZZ2", "value": 0},
        {"op": "set", "cell": "ZZ3", "value": "/nonexistent/InvoiceTools/pythonw.exe"},
        {"op": "call", "module": "CiHarness", "proc": "TryRun", "args": [f"{S.MAIN_MODULE}.GapsCheck"]},
        {"op": "get", "cell": "ZZ1"},
        {"op": "get", "cell": "ZZ2"},
        # "python" on PATH is left to xlwings: RunPython is called
        {"op": "set", "cell": "ZZ3", "value": "python"},
        {"op": "call", "module": "CiHarness", "proc": "TryRun", "args": [f"{S.MAIN_MODULE}.GapsCheck"]},
        {"op": "get", "cell": "ZZ2"},
        # RunPython reports failure (-1): the Sub shows its note and ends normally
        {"op": "set", "cell": "ZZ3", "value": EXISTING_FILE},
        {"op": "set", "cell": "ZZ4", "value": -1},
        {"op": "call", "module": "CiHarness", "proc": "TryRun", "args": [f"{S.MAIN_MODULE}.GapsCheck"]},
        {"op": "get", "cell": "ZZ2"},
    ]
    xlsm, xlam = run_libreoffice(
        [
            {"path": str(test_variant["xlsm"]), "harness": HARNESS, "steps": sub_steps + texts + guards},
            {
                "path": str(test_variant["xlam"]),
                "filter": XLAM_FILTER,
                "harness": HARNESS,
                "steps": sub_steps + ribbon_steps + deadline,
            },
        ]
    )
    return {"xlsm": xlsm, "xlam": xlam}


def _sub_results(results: list[Any]) -> list[tuple[str, str]]:
    """(TryRun result, recorded command) per action, from the results of _steps_for_subs()."""
    body = results[2 : 2 + 3 * len(L.ACTIONS)]
    return [(body[3 * i + 1], body[3 * i + 2]) for i in range(len(L.ACTIONS))]


@pytest.mark.parametrize("kind", ["xlsm", "xlam"])
def test_project_compiles(kind: str, variant: dict[str, dict[str, Any]]) -> None:
    assert variant[kind]["results"][0] == "alive", "the VBA project does not compile in LibreOffice"


@pytest.mark.parametrize("kind", ["xlsm", "xlam"])
def test_each_button_sub_sends_its_exact_command(kind: str, variant: dict[str, dict[str, Any]]) -> None:
    got = _sub_results(variant[kind]["results"])
    assert got == [("ok", a.python_command) for a in L.ACTIONS]


def test_ribbon_callbacks_send_their_commands(variant: dict[str, dict[str, Any]]) -> None:
    results = variant["xlam"]["results"]
    start = 2 + 3 * len(L.ACTIONS) + 1
    body = results[start : start + 3 * len(L.ACTIONS)]
    got = [(body[3 * i + 1], body[3 * i + 2]) for i in range(len(L.ACTIONS))]
    assert got == [("ok", a.python_command) for a in L.ACTIONS]


def test_chinese_texts_come_back_exactly(variant: dict[str, dict[str, Any]]) -> None:
    results = variant["xlsm"]["results"]
    start = 2 + 3 * len(L.ACTIONS)
    got = results[start : start + len(messages.function_texts())]
    assert got == list(messages.function_texts().values())


def test_next_deadline_label(variant: dict[str, dict[str, Any]]) -> None:
    without, _, with_name = variant["xlam"]["results"][-3:]
    texts = messages.function_texts()
    assert without == texts["TextDeadlinePrefix"] + texts["TextNoDeadline"]
    assert with_name == texts["TextDeadlinePrefix"] + "114/03/10 E0402 空白字軌"


def test_guards_before_run_python(variant: dict[str, dict[str, Any]]) -> None:
    results = variant["xlsm"]["results"]
    guard = results[2 + 3 * len(L.ACTIONS) + len(messages.function_texts()) :]
    missing_run, missing_cmd, missing_count = guard[3], guard[4], guard[5]
    assert (missing_run, missing_cmd, missing_count) == ("ok", "", "0")
    path_run, path_count = guard[7], guard[8]
    assert (path_run, path_count) == ("ok", "1")
    failed_run, failed_count = guard[11], guard[12]
    assert (failed_run, failed_count) == ("ok", "2")


def test_print_setup_renders_one_page_per_sheet(
    run_libreoffice: Runner, built: dict[str, Path], tmp_path: Path
) -> None:
    """The empty template prints one page per visible sheet, with every title: whole-column print
    areas and non-printing buttons add no blank pages (LibreOffice → PDF → poppler)."""
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):  # run_libreoffice has skipped already when soffice is missing
        pytest.skip("poppler-utils (pdftotext, pdfinfo) is not installed")
    profile = tmp_path / "profile"
    subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(built["xlsm"])],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "InvoiceTools.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages = int(next(ln.split()[-1] for ln in info.splitlines() if ln.startswith("Pages:")))
    visible = [s for s in L.SHEETS if s.role is not L.Role.HIDDEN]
    assert pages == len(visible)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for s in visible:
        assert s.title in text, s.name
    assert f"第 1 頁，共 {pages} 頁" in text
