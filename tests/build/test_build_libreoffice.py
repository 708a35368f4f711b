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


class Plan:
    """Harness steps, with names for the results the tests read."""

    def __init__(self) -> None:
        self.steps: list[dict[str, Any]] = []
        self.names: dict[str, int] = {}

    def add(self, step: dict[str, Any], name: str | None = None) -> None:
        if name is not None:
            self.names[name] = len(self.steps)
        self.steps.append(step)

    def set(self, cell: str, value: Any) -> None:
        self.add({"op": "set", "cell": cell, "value": value})

    def get(self, cell: str, name: str) -> None:
        self.add({"op": "get", "cell": cell}, name)

    def call(self, module: str, proc: str, name: str, *args: Any) -> None:
        self.add({"op": "call", "module": module, "proc": proc, "args": list(args)}, name)

    def results(self, doc: dict[str, Any]) -> dict[str, Any]:
        return {name: doc["results"][i] for name, i in self.names.items()}


def _plan_subs(plan: Plan, *, ribbon: bool = False) -> None:
    """Every button Sub (or ribbon callback) once: its TryRun result and the recorded command."""
    plan.set("ZZ3", EXISTING_FILE)
    for a in L.ACTIONS:
        plan.set("ZZ1", None)
        if ribbon:
            plan.call("CiHarness", "TryRunRibbon", f"ribbon {a.key}", f"{S.RIBBON_MODULE}.On{a.vba_sub}")
        else:
            plan.call("CiHarness", "TryRun", f"sub {a.key}", f"{S.MAIN_MODULE}.{a.vba_sub}")
        plan.get("ZZ1", f"{'ribbon' if ribbon else 'sub'} {a.key} command")


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
    assert [s["name"] for s in doc["sheets"] if not s["visible"]] == [f"{S.CONF_PROJECT_NAME}.conf"]
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


# VBA errors xlwings' RunPython raises when Windows will not start Python (FailureText)
FAILURES = {
    70: "TextChildProcessBlocked",
    -2147023636: "TextPolicyBlocked",
    429: "TextShellUnavailable",
    53: "TextNoPythonOutput",
    76: "TextNoPythonOutput",
    62: "TextSettingsUnreadable",
    5: "TextVbaError",
}


def _plan_texts(plan: Plan) -> None:
    for name in messages.function_texts():
        plan.call(S.TEXT_MODULE, name, name)
    for name in messages.chinese_functions():
        plan.call(S.TEXT_MODULE, name, name)
    plan.call(S.TEXT_MODULE, "AnsiShows", "ansi shows ascii", "InvoiceTools 1.0")
    plan.call(S.TEXT_MODULE, "AnsiShows", "ansi shows chinese", "電子發票")
    plan.call(S.TEXT_MODULE, "PickText", "pick ascii", "InvoiceTools 1.0", "fallback")
    plan.call(S.TEXT_MODULE, "PickText", "pick chinese", "電子發票", "fallback")


def _plan_guards(plan: Plan) -> None:
    # a configured interpreter that does not exist: the Sub stops before RunPython
    plan.set("ZZ1", None)
    plan.set("ZZ2", 0)
    plan.set("ZZ3", "/nonexistent/InvoiceTools/pythonw.exe")
    plan.call("CiHarness", "TryRun", "missing run", f"{S.MAIN_MODULE}.GapsCheck")
    plan.get("ZZ1", "missing command")
    plan.get("ZZ2", "missing count")
    plan.call(S.MAIN_MODULE, "LastMessage", "missing message")
    # "python" on PATH is left to xlwings: RunPython is called
    plan.set("ZZ3", "python")
    plan.call("CiHarness", "TryRun", "path run", f"{S.MAIN_MODULE}.GapsCheck")
    plan.get("ZZ2", "path count")
    # RunPython reports failure (-1): the Sub shows its note and ends normally
    plan.set("ZZ3", EXISTING_FILE)
    plan.set("ZZ4", -1)
    plan.call("CiHarness", "TryRun", "failed run", f"{S.MAIN_MODULE}.GapsCheck")
    plan.get("ZZ2", "failed count")
    plan.call(S.MAIN_MODULE, "LastMessage", "failed message")
    plan.set("ZZ4", None)
    # RunPython raises (Windows would not start Python): the Sub catches it and says why
    for number in FAILURES:
        plan.set("ZZ5", number)
        plan.call("CiHarness", "TryRun", f"raise {number} run", f"{S.MAIN_MODULE}.CheckUpload")
        plan.call(S.MAIN_MODULE, "LastMessage", f"raise {number} message")
        plan.call("CiHarness", "FailureFor", f"failure {number}", str(number))
    plan.set("ZZ5", None)
    plan.call("CiHarness", "Environ", "TEMP", "TEMP")
    plan.call("CiHarness", "Environ", "USERPROFILE", "USERPROFILE")


# Environ for the expected texts; FailureFor because pyuno hands small Python ints to Basic as
# types a Long parameter reads as 0.
HARNESS_ENVIRON = f"""
Function Environ(name As String) As String
    Environ = VBA.Environ(name)
End Function

Function FailureFor(number As String) As String
    FailureFor = {S.MAIN_MODULE}.FailureText(CLng(number), "described")
End Function
"""


@pytest.fixture(scope="module")
def variant(run_libreoffice: Runner, test_variant: dict[str, Path]) -> dict[str, dict[str, Any]]:
    xlsm_plan, xlam_plan = Plan(), Plan()
    for plan in (xlsm_plan, xlam_plan):
        plan.call("CiHarness", "Alive", "alive")
        _plan_subs(plan)
    _plan_texts(xlsm_plan)
    _plan_guards(xlsm_plan)
    _plan_subs(xlam_plan, ribbon=True)
    xlam_plan.call(S.RIBBON_MODULE, "NextDeadlineLabel", "label without name")
    xlam_plan.add({"op": "add_name", "name": L.NEXT_DEADLINE_NAME, "cell": "B4", "value": "114/03/10 E0402 空白字軌"})
    xlam_plan.call(S.RIBBON_MODULE, "NextDeadlineLabel", "label with name")
    xlsm, xlam = run_libreoffice(
        [
            {"path": str(test_variant["xlsm"]), "harness": HARNESS + HARNESS_ENVIRON, "steps": xlsm_plan.steps},
            {
                "path": str(test_variant["xlam"]),
                "filter": XLAM_FILTER,
                "harness": HARNESS,
                "steps": xlam_plan.steps,
            },
        ]
    )
    return {"xlsm": xlsm_plan.results(xlsm), "xlam": xlam_plan.results(xlam)}


@pytest.mark.parametrize("kind", ["xlsm", "xlam"])
def test_project_compiles(kind: str, variant: dict[str, dict[str, Any]]) -> None:
    assert variant[kind]["alive"] == "alive", "the VBA project does not compile in LibreOffice"


@pytest.mark.parametrize("kind", ["xlsm", "xlam"])
def test_each_button_sub_sends_its_exact_command(kind: str, variant: dict[str, dict[str, Any]]) -> None:
    r = variant[kind]
    got = [(r[f"sub {a.key}"], r[f"sub {a.key} command"]) for a in L.ACTIONS]
    assert got == [("ok", a.python_command) for a in L.ACTIONS]


def test_ribbon_callbacks_send_their_commands(variant: dict[str, dict[str, Any]]) -> None:
    r = variant["xlam"]
    got = [(r[f"ribbon {a.key}"], r[f"ribbon {a.key} command"]) for a in L.ACTIONS]
    assert got == [("ok", a.python_command) for a in L.ACTIONS]


def test_chinese_texts_come_back_exactly(variant: dict[str, dict[str, Any]]) -> None:
    r = variant["xlsm"]
    for name, text in messages.chinese_functions().items():
        assert r[name] == text, name
    labels = {k: v for k, v in messages.function_texts().items() if messages.MESSAGES[k[4:]].ascii is None}
    assert labels and all(r[name] == text for name, text in labels.items())


def test_message_boxes_fall_back_to_ascii_where_the_code_page_has_no_chinese(
    variant: dict[str, dict[str, Any]],
) -> None:
    """LibreOffice's StrConv cannot carry Chinese through vbFromUnicode (it gives ``?``), like
    Windows with an English code page: every message-box text is its ASCII version there, and
    a text that survives the round trip is kept."""
    r = variant["xlsm"]
    assert (r["ansi shows ascii"], r["ansi shows chinese"]) == (True, False)
    assert (r["pick ascii"], r["pick chinese"]) == ("InvoiceTools 1.0", "fallback")
    for name, text in messages.fallback_texts().items():
        assert r[name] == text, name
        assert text.isascii() or messages.MESSAGES[name[4:]].ascii is None, name


def test_next_deadline_label(variant: dict[str, dict[str, Any]]) -> None:
    r = variant["xlam"]
    texts = messages.function_texts()
    assert r["label without name"] == texts["TextDeadlinePrefix"] + texts["TextNoDeadline"]
    assert r["label with name"] == texts["TextDeadlinePrefix"] + "114/03/10 E0402 空白字軌"


def test_guards_before_run_python(variant: dict[str, dict[str, Any]]) -> None:
    r = variant["xlsm"]
    fallback = messages.fallback_texts()
    assert (r["missing run"], r["missing command"], r["missing count"]) == ("ok", "", "0")
    assert r["missing message"] == fallback["TextPythonMissing"].replace("{0}", "/nonexistent/InvoiceTools/pythonw.exe")
    assert (r["path run"], r["path count"]) == ("ok", "1")
    assert (r["failed run"], r["failed count"]) == ("ok", "2")
    assert r["failed message"] == fallback["TextPythonFailed"]


@pytest.mark.parametrize("number", sorted(FAILURES))
def test_each_start_up_failure_gets_its_message(number: int, variant: dict[str, dict[str, Any]]) -> None:
    """RunPython raising error ``number`` (as xlwings does when Windows will not start Python):
    the button Sub catches it and shows the message for that failure, naming the error number."""
    r = variant["xlsm"]
    expected = messages.fallback_texts()[FAILURES[number]].replace("{0}", str(number))
    expected = expected.replace("{1}", {
        "TextNoPythonOutput": r["TEMP"],
        "TextSettingsUnreadable": r["USERPROFILE"] + "\\.invoicetools\\invoicetools.conf",
        "TextVbaError": "described",
    }.get(FAILURES[number], "{1}"))
    assert r[f"failure {number}"] == expected
    assert r[f"raise {number} run"] == "ok"  # handled inside the Sub, not raised to the caller
    if FAILURES[number] != "TextVbaError":  # the raised error's own description varies
        assert r[f"raise {number} message"] == expected
    else:
        assert r[f"raise {number} message"].startswith(expected.split("{1}")[0].split(":")[0])


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
