"""Issue 17 item 4: a fresh build carries nothing of the machine that built it, and no Python
location: the add-in and the workbook both take it from the user's ``invoicetools.conf``."""

from __future__ import annotations

import getpass
import os
import re
import socket
import sys
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest

from invoicetools.book import layout as L
from invoicetools.build import sources as S
from invoicetools.build import vbaproject as V

# a path inside some user's profile, on Windows or Unix
USER_PATH = re.compile(r"[A-Za-z]:\\(?:Users|Documents and Settings)\\[^\\\"<>\x00]+|/home/[^/\s\"<]+|/root/|/Users/[^/\s\"<]+")


def _build_machine() -> set[str]:
    """Strings that would give away the machine, the user or the folders of this build."""
    found = {str(Path.home()), str(S.repo_root()), sys.prefix, str(Path(sys.executable).parent),
             tempfile.gettempdir() + os.sep, os.getcwd(), str(S.xlwings_dir())}
    for name in (getpass.getuser(), socket.gethostname()):
        if len(name) >= 4 and name.lower() not in {"root", "user", "runner", "localhost"}:
            found.add(name)
    return {s for s in found if len(s) >= 4 and s not in ("/", "/usr", "/tmp/")}


def _texts(package: Path) -> dict[str, str]:
    """Every zip part (latin-1, so any byte shows) and every VBA module source and dir record."""
    out = {}
    with zipfile.ZipFile(package) as z:
        for name in z.namelist():
            out[name] = z.read(name).decode("latin-1")
            if name.endswith(".xml"):
                out[name + " (utf-8)"] = z.read(name).decode("utf-8", errors="replace")
        project = V.read_project(z.read("xl/vbaProject.bin"))
    for m in project.modules:
        out[f"module {m.name}"] = m.source
    for r in project.head:
        out[f"dir record {r.id:#06x}"] = r.data.decode("latin-1")
    return out


def _template_references(kind: str) -> set[str]:
    template = S.template_project(getattr(S.templates(), kind))
    return {r.data.decode("latin-1") for r in template.head if r.id in (0x0D, 0x0E, 0x2F, 0x30, 0x33)}


@pytest.mark.parametrize("kind", ["xlsm", "xlam"])
def test_a_fresh_build_holds_no_machine_specific_path(kind: str, built: dict[str, Path]) -> None:
    texts = _texts(built[kind])
    machine = _build_machine()
    for where, text in texts.items():
        for value in machine:
            assert value not in text, f"{where} holds {value!r} from the build machine"
    references = _template_references(kind)
    for where, text in texts.items():
        if where.startswith("dir record") and text in references:
            continue  # the template's type-library paths, byte for byte (Excel finds references by GUID)
        if where == "xl/vbaProject.bin":
            continue  # compressed: its text is checked module by module and record by record
        found = USER_PATH.findall(text)
        assert not found, f"{where} holds a path inside a user profile: {found}"


def test_the_only_user_paths_are_the_templates_references(built: dict[str, Path]) -> None:
    """Not vacuous: the check above does find the template author's MSForms.exd path, and only there."""
    texts = _texts(built["xlsm"])
    hits = {where for where, text in texts.items() if where != "xl/vbaProject.bin" and USER_PATH.search(text)}
    assert hits == {"dir record 0x0030"}
    assert r"C:\Users\felix" in texts["dir record 0x0030"]


def test_the_settings_sheet_has_no_python_location(built: dict[str, Path]) -> None:
    """The hidden sheet that xlwings reads before the user's file: only settings that are the same
    on every PC, so the interpreter written by ``invoicetools addin install`` is the one used."""
    ws = openpyxl.load_workbook(built["xlsm"])[f"{S.CONF_PROJECT_NAME}.conf"]
    cells = [(c.value, ws.cell(c.row, 2).value) for c in ws["A"] if c.value is not None]
    assert cells == list(L.XLWINGS_CONF)
    keys = {str(k).upper() for k, _ in cells}
    assert not keys & {"INTERPRETER_WIN", "INTERPRETER_MAC", "INTERPRETER", "PYTHONPATH", "CONDA PATH", "CONDA ENV"}
    for _, value in cells:
        assert not re.search(r"[\\/:%]", str(value or "")), value
    assert dict((str(k).upper(), v) for k, v in cells)["ADD_WORKBOOK_TO_PYTHONPATH"] == "False"
