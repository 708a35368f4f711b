"""Issue 17 items 2-4: where the add-in goes and whether Excel trusts it (registry written and
removed), and the settings both the add-in and the workbook read (written, read as xlwings'
VBA reads them, removed).

The registry is ``office_registry.MemoryRegistry`` (the shipped fake); ``WindowsRegistry`` is
checked against a stand-in ``winreg`` module that records its calls. Trusted-location keys have
the shape of Office's policy templates (office16.admx as published at admx.help: a subkey per
location with ``Path``, ``AllowSubfolders``, ``Description``; ``AllLocationsDisabled``;
``Allow User Locations``). The name and description Excel gives its own "User StartUp" default
entry are not verified here; nothing depends on them (locations match by ``Path``).
"""

from __future__ import annotations

import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from invoicetools.actions import addin_setup, office_registry
from invoicetools.actions import xlwings_conf as C
from invoicetools.actions.office_registry import MemoryRegistry, WindowsRegistry
from invoicetools.build import product
from invoicetools.build import sources as S
from invoicetools.build import vbaproject as V

APPDATA = r"C:\Users\wang\AppData\Roaming"
ENV = {"APPDATA": APPDATA, "USERPROFILE": r"C:\Users\wang", "LOCALAPPDATA": r"C:\Users\wang\AppData\Local"}
XLSTART = APPDATA + r"\Microsoft\Excel\XLSTART"
USER_LOCATIONS = r"Software\Microsoft\Office\16.0\Excel\Security\Trusted Locations"


def _excel_defaults(reg: MemoryRegistry, xlstart: str = r"%APPDATA%\Microsoft\Excel\XLSTART") -> None:
    """Excel 16.0 as after its first start: its settings key and a default location for XLSTART."""
    reg.set(r"Software\Microsoft\Office\16.0\Excel\Options", "Font", "Calibri,11")
    reg.set(USER_LOCATIONS + r"\Location2", "Path", xlstart + "\\")
    reg.set(USER_LOCATIONS + r"\Location2", "Description", "User StartUp")
    reg.set(USER_LOCATIONS + r"\Location2", "AllowSubfolders", 0)


def _snapshot(reg: MemoryRegistry) -> dict[str, dict[str, object]]:
    return {key: reg.values(key) for key in _all_keys(reg, "Software")}


def _all_keys(reg: MemoryRegistry, root: str) -> list[str]:
    out = [root]
    for child in reg.subkeys(root):
        out += _all_keys(reg, f"{root}\\{child}")
    return out


def _places(tmp_path: Path, **kw: Any) -> addin_setup.Places:
    return addin_setup.Places(tmp_path / "XLSTART", tmp_path / ".invoicetools", env=ENV, **kw)


# --- trusted location -------------------------------------------------------------------------
def test_trust_follows_path_subfolders_and_policies() -> None:
    reg = MemoryRegistry()
    assert not office_registry.trust(reg, XLSTART, "16.0", ENV).trusted
    _excel_defaults(reg)
    state = office_registry.trust(reg, XLSTART, "16.0", ENV)
    assert state.trusted and state.trusted_by == "User StartUp" and not state.ours
    assert not office_registry.trust(reg, XLSTART + r"\sub", "16.0", ENV).trusted  # AllowSubfolders 0
    reg.set(USER_LOCATIONS + r"\Location9", "Path", r"C:\Users\wang\AppData")
    reg.set(USER_LOCATIONS + r"\Location9", "AllowSubfolders", 1)
    assert office_registry.trust(reg, XLSTART + r"\sub", "16.0", ENV).trusted
    # IT: only its own locations count; then nothing of the user's trusts the folder
    reg.set(r"Software\Policies\Microsoft\Office\16.0\Common\Security\Trusted Locations", "Allow User Locations", 0)
    state = office_registry.trust(reg, XLSTART, "16.0", ENV)
    assert not state.trusted and state.user_locations_off
    reg.set(r"Software\Policies\Microsoft\Office\16.0\Excel\Security\Trusted Locations\Location1", "Path", XLSTART)
    assert office_registry.trust(reg, XLSTART, "16.0", ENV).trusted  # IT's own location does
    reg.set(r"Software\Policies\Microsoft\Office\16.0\Excel\Security\Trusted Locations", "AllLocationsDisabled", 1)
    state = office_registry.trust(reg, XLSTART, "16.0", ENV)
    assert state.all_disabled and not state.trusted


def test_install_registers_xlstart_only_when_excel_does_not_trust_it_and_uninstall_removes_it(
    tmp_path: Path,
) -> None:
    places = _places(tmp_path)
    values = C.install_values(r"C:\Users\wang\AppData\Local\InvoiceTools\venv\Scripts\pythonw.exe",
                              r"C:\Users\wang\AppData\Local\InvoiceTools\venv\Lib\site-packages", "0.1.0", ENV)
    # Excel's default entry trusts XLSTART: nothing is written to the registry
    reg = MemoryRegistry()
    _excel_defaults(reg, str(places.addin_dir))
    before = _snapshot(reg)
    lines = addin_setup.install(places, b"xlam", values, reg)
    assert _snapshot(reg) == before and any("信任增益集資料夾（User StartUp）" in ln for ln in lines)
    addin_setup.uninstall(places, reg)
    assert _snapshot(reg) == before
    # the default entry was removed: install adds our own, uninstall takes exactly that away
    reg.delete_key(USER_LOCATIONS + r"\Location2")
    before = _snapshot(reg)
    lines = addin_setup.install(places, b"xlam", values, reg, today=lambda: date(2025, 3, 1))
    ours = USER_LOCATIONS + "\\" + office_registry.OUR_LOCATION
    assert reg.values(ours) == {"Path": str(places.addin_dir) + "\\", "AllowSubfolders": 0,
                                "Description": office_registry.OUR_DESCRIPTION, "Date": "2025-03-01"}
    assert office_registry.trust(reg, str(places.addin_dir), "16.0", ENV).ours
    assert any("受信任位置" in ln and ours in ln for ln in lines)
    lines = addin_setup.uninstall(places, reg)
    assert _snapshot(reg) == before and any(ours in ln for ln in lines)


def test_install_does_not_fight_it_policies(tmp_path: Path) -> None:
    values = C.install_values(r"C:\py\pythonw.exe", r"C:\py\site-packages", "0.1.0", ENV)
    for policy_key, name, words in (
        (r"Software\Policies\Microsoft\Office\16.0\Excel\Security\Trusted Locations", "AllLocationsDisabled", "簽章"),
        (r"Software\Policies\Microsoft\Office\16.0\Common\Security\Trusted Locations", "Allow User Locations", "請 IT"),
    ):
        reg = MemoryRegistry()
        reg.set(policy_key, name, 1 if name == "AllLocationsDisabled" else 0)
        lines = addin_setup.install(_places(tmp_path), b"xlam", values, reg)
        assert not reg.subkeys(USER_LOCATIONS), name  # nothing registered that IT switched off
        assert any(ln.startswith("注意") and words in ln for ln in lines), lines


def test_uninstall_leaves_a_location_it_did_not_write(tmp_path: Path) -> None:
    reg = MemoryRegistry()
    reg.set(USER_LOCATIONS + r"\InvoiceTools", "Path", r"D:\電子發票" + "\\")
    reg.set(USER_LOCATIONS + r"\InvoiceTools", "Description", "the accountant's own")
    addin_setup.uninstall(_places(tmp_path), reg)
    assert reg.get(USER_LOCATIONS + r"\InvoiceTools", "Path") == "D:\\電子發票\\"


def test_excel_versions_present() -> None:
    reg = MemoryRegistry()
    assert office_registry.excel_versions(reg) == ["16.0"]  # Excel never started: the current version
    reg.set(r"Software\Microsoft\Office\15.0\Excel\Options", "x", 1)
    assert office_registry.excel_versions(reg) == ["15.0"]
    reg.set(r"Software\Microsoft\Office\16.0\Excel\Options", "x", 1)
    assert office_registry.excel_versions(reg) == ["16.0", "15.0"]


class FakeWinreg:
    """The part of ``winreg`` WindowsRegistry uses, over a MemoryRegistry, recording calls."""

    HKEY_CURRENT_USER = "HKCU"
    KEY_WRITE = 0x20006
    REG_SZ, REG_DWORD = 1, 4

    def __init__(self) -> None:
        self.store = MemoryRegistry()
        self.calls: list[tuple[Any, ...]] = []

    class _Key:
        def __init__(self, path: str) -> None:
            self.path = path

        def __enter__(self) -> FakeWinreg._Key:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

    def OpenKey(self, root: str, key: str) -> FakeWinreg._Key:
        assert root == self.HKEY_CURRENT_USER
        if key.lower() not in {k.lower() for k in _all_keys(self.store, "Software")}:
            raise FileNotFoundError(key)
        return self._Key(key)

    def QueryValueEx(self, handle: FakeWinreg._Key, name: str) -> tuple[object, int]:
        value = self.store.get(handle.path, name)
        if value is None:
            raise FileNotFoundError(name)
        return value, self.REG_DWORD if isinstance(value, int) else self.REG_SZ

    def EnumKey(self, handle: FakeWinreg._Key, index: int) -> str:
        names = self.store.subkeys(handle.path)
        if index >= len(names):
            raise OSError("no more data")
        return names[index]

    def CreateKeyEx(self, root: str, key: str, reserved: int, access: int) -> FakeWinreg._Key:
        self.calls.append(("CreateKeyEx", root, key, access))
        return self._Key(key)

    def SetValueEx(self, handle: FakeWinreg._Key, name: str, reserved: int, kind: int, value: object) -> None:
        self.calls.append(("SetValueEx", handle.path, name, kind, value))
        assert isinstance(value, (str, int))
        self.store.set(handle.path, name, value)

    def DeleteKey(self, root: str, key: str) -> None:
        self.calls.append(("DeleteKey", root, key))
        self.store.delete_key(key)


def test_windows_registry_uses_winreg_as_documented(tmp_path: Path) -> None:
    fake = FakeWinreg()
    reg = WindowsRegistry(fake)
    assert reg.get(USER_LOCATIONS, "x") is None and reg.subkeys(USER_LOCATIONS) == []
    key = office_registry.register(reg, XLSTART, "16.0", "2025-03-01")
    assert ("CreateKeyEx", "HKCU", key, fake.KEY_WRITE) in fake.calls
    assert ("SetValueEx", key, "AllowSubfolders", fake.REG_DWORD, 0) in fake.calls
    assert ("SetValueEx", key, "Path", fake.REG_SZ, XLSTART + "\\") in fake.calls
    assert reg.subkeys(USER_LOCATIONS) == ["InvoiceTools"]
    assert office_registry.trust(reg, XLSTART, "16.0", ENV).ours
    assert office_registry.unregister(reg, "16.0") == key
    assert ("DeleteKey", "HKCU", key) in fake.calls and reg.subkeys(USER_LOCATIONS) == []


# --- the settings both files read ---------------------------------------------------------------
@pytest.fixture(scope="module")
def workbook_sheet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The xlwings settings sheet of a freshly built workbook, as xlwings' GetConfigFromSheet reads it
    (from A1 down to the first empty cell, keys upper-cased)."""
    path = tmp_path_factory.mktemp("book") / "InvoiceTools.xlsm"
    path.write_bytes(product.build_xlsm())
    ws = openpyxl.load_workbook(path)[f"{_project_name(path)}.conf"]
    sheet: dict[str, str] = {}
    row = 1
    while ws.cell(row, 1).value not in (None, ""):
        sheet[str(ws.cell(row, 1).value).upper()] = str(ws.cell(row, 2).value or "")
        row += 1
    return sheet


def _project_name(package: Path) -> str:
    with zipfile.ZipFile(package) as z:
        source = V.read_project(z.read("xl/vbaProject.bin")).module("xlwings").source
    import re

    m = re.search(r'Public Const PROJECT_NAME As String = "([^"]+)"', source)
    assert m
    return m.group(1)


def test_addin_and_workbook_read_the_same_settings(tmp_path: Path) -> None:
    """Both xlwings modules name the same settings (PROJECT_NAME): the user's file written by
    ``invoicetools addin install`` serves the add-in's ribbon and the workbook's sheet buttons."""
    xlsm, xlam = tmp_path / "b.xlsm", tmp_path / "a.xlam"
    xlsm.write_bytes(product.build_xlsm())
    xlam.write_bytes(product.build_xlam())
    assert _project_name(xlsm) == _project_name(xlam) == C.CONF_NAME == S.CONF_PROJECT_NAME


def test_written_settings_reach_both_files_and_onedrive_books_start(
    tmp_path: Path, workbook_sheet: dict[str, str],
) -> None:
    python = r"C:\Users\wang\AppData\Local\InvoiceTools\venv\Scripts\pythonw.exe"
    places = _places(tmp_path)
    values = C.install_values(python, r"C:\Users\wang\AppData\Local\InvoiceTools\venv\Lib\site-packages", "0.1.0", ENV)
    addin_setup.install(places, b"xlam", values, MemoryRegistry())
    user_file = C.read_conf(places.conf_file)
    assert user_file["INTERPRETER_WIN"] == r"%LOCALAPPDATA%\InvoiceTools\venv\Scripts\pythonw.exe"
    # the sheet carries no machine setting, so the user's file decides the interpreter ...
    assert not {"INTERPRETER_WIN", "INTERPRETER", "PYTHONPATH", "CONDA PATH", "CONDA ENV"} & set(workbook_sheet)
    for sheet in (workbook_sheet, {}):  # the workbook's buttons; the add-in on any active workbook
        assert C.xlwings_setting("INTERPRETER_WIN", "", sheet=sheet, user_file=user_file, env=ENV) == python
        flag = C.xlwings_setting("ADD_WORKBOOK_TO_PYTHONPATH", "true", sheet=sheet, user_file=user_file)
        assert flag == "False"
    # ... and xlwings' own start-up code accepts a OneDrive workbook with that flag, not without it
    import xlwings.utils

    book = "https://d.docs.live.net/d7bbaa1234abcd/Documents/InvoiceTools-17.xlsm"
    args = ";".join(["False", book, book, "", "", "", r"C:\site-packages"])
    before = list(sys.path)
    try:
        xlwings.utils.prepare_sys_path(args)
        assert sys.path[0].lower().endswith("site-packages")
    finally:
        sys.path[:] = before
    with pytest.raises(xlwings.XlwingsError, match="OneDrive"):
        xlwings.utils.prepare_sys_path(args.replace("False", "true", 1))
    # uninstall takes the three settings and the marker away, and the file with them
    addin_setup.uninstall(places, MemoryRegistry())
    assert not places.conf_file.exists()


def test_settings_file_written_as_xlwings_input_reads_it(tmp_path: Path) -> None:
    """``"KEY","VALUE"`` lines, CRLF: what VBA's ``Input #f, name, value`` reads; other lines kept."""
    places = _places(tmp_path)
    places.conf_dir.mkdir()
    places.conf_file.write_bytes(b'"SHOW CONSOLE","True"\r\n"ADD_WORKBOOK_TO_PYTHONPATH","true"\r\n')
    values = C.install_values(r"D:\Python311\pythonw.exe", r"D:\src", "0.1.0", ENV)
    addin_setup.install(places, b"xlam", values, MemoryRegistry())
    lines = places.conf_file.read_bytes().split(b"\r\n")
    assert lines[-1] == b"" and all(ln.count(b'"') == 4 and b'","' in ln for ln in lines[:-1])
    assert C.read_conf(places.conf_file) == {
        "SHOW CONSOLE": "True", "ADD_WORKBOOK_TO_PYTHONPATH": "False", "INTERPRETER_WIN": r"D:\Python311\pythonw.exe",
        "PYTHONPATH": r"D:\src", C.INSTALLED_MARKER: "0.1.0",
    }
    addin_setup.uninstall(places, MemoryRegistry())
    assert C.read_conf(places.conf_file) == {"SHOW CONSOLE": "True"}
