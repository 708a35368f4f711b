"""invoicetools addin install/uninstall, run on Linux with the target folders given and an
in-memory registry (the seam ``actions.office_registry.current``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from invoicetools.actions import doctor, office_registry
from invoicetools.actions.doctor import pythonw_for, read_conf
from invoicetools.actions.office_registry import MemoryRegistry
from invoicetools.build.sources import XLWINGS_VERSION
from invoicetools.cli import main

REPO_XLAM = Path(__file__).resolve().parents[2] / "addin" / "InvoiceTools.xlam"


@pytest.fixture
def xlam(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An add-in file; its VBA stamp is read with olevba when it is the real build, else faked."""
    if REPO_XLAM.is_file():
        return REPO_XLAM
    path = tmp_path / "src" / "InvoiceTools.xlam"
    path.parent.mkdir()
    path.write_bytes(b"xlam")
    monkeypatch.setattr(doctor, "stamped_xlwings_version", lambda p: XLWINGS_VERSION)
    return path


@pytest.fixture(autouse=True)
def registry(monkeypatch: pytest.MonkeyPatch) -> MemoryRegistry:
    """The registry every install/uninstall in this file sees (empty: Excel never started)."""
    reg = MemoryRegistry()
    monkeypatch.setattr(office_registry, "current", lambda: reg)
    return reg


def _dirs(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    addins, conf = tmp_path / "AddIns", tmp_path / ".invoicetools"
    return addins, conf, ["--target", str(addins), "--config-dir", str(conf)]


def test_other_os_without_targets_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    if sys.platform.startswith("win"):
        pytest.skip("this is the non-Windows refusal")
    assert main(["addin", "install"]) == 2
    assert "只支援 Windows" in capsys.readouterr().err
    assert main(["addin", "uninstall"]) == 2


def test_install_copies_the_addin_and_writes_the_conf(tmp_path: Path, xlam: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    addins, conf_dir, args = _dirs(tmp_path)
    python = tmp_path / "venv" / "Scripts" / "pythonw.exe"
    python.parent.mkdir(parents=True)
    python.write_bytes(b"")
    assert main(["addin", "install", "--xlam", str(xlam), "--python", str(python), *args]) == 0
    assert (addins / "InvoiceTools.xlam").read_bytes() == xlam.read_bytes()
    values = read_conf(conf_dir / "invoicetools.conf")
    assert values["INTERPRETER_WIN"] == str(python)
    import invoicetools

    assert values["PYTHONPATH"] == str(Path(invoicetools.__file__).resolve().parents[1])
    assert values["INVOICETOOLS_INSTALLED"] == invoicetools.__version__
    assert values["ADD_WORKBOOK_TO_PYTHONPATH"] == "False"  # OneDrive/SharePoint books (issue 17 item 2)
    raw = (conf_dir / "invoicetools.conf").read_bytes()
    assert raw.startswith(b'"INTERPRETER_WIN","') and b"\r\n" in raw
    out = capsys.readouterr().out
    assert "已安裝增益集" in out and "自動載入" in out and "重新開啟 Excel" in out


def test_install_keeps_other_settings_and_uninstall_takes_out_only_ours(tmp_path: Path, xlam: Path) -> None:
    addins, conf_dir, args = _dirs(tmp_path)
    conf_dir.mkdir()
    (conf_dir / "invoicetools.conf").write_text('"SHOW CONSOLE","True"\r\n', encoding="utf-8")
    assert main(["addin", "install", "--xlam", str(xlam), *args]) == 0
    values = read_conf(conf_dir / "invoicetools.conf")
    assert values["SHOW CONSOLE"] == "True" and "INTERPRETER_WIN" in values
    assert values["ADD_WORKBOOK_TO_PYTHONPATH"] == "False"
    assert main(["addin", "uninstall", *args]) == 0
    assert not (addins / "InvoiceTools.xlam").exists()
    assert read_conf(conf_dir / "invoicetools.conf") == {"SHOW CONSOLE": "True"}


def test_env_var_paths_are_ascii_even_with_a_chinese_user_name() -> None:
    env = {"LOCALAPPDATA": r"C:\Users\王小明\AppData\Local", "USERPROFILE": r"C:\Users\王小明"}
    assert doctor.with_env_vars(r"C:\Users\王小明\AppData\Local\InvoiceTools\venv\Scripts\pythonw.exe", env) == \
        r"%LOCALAPPDATA%\InvoiceTools\venv\Scripts\pythonw.exe"
    assert doctor.with_env_vars(r"c:\users\王小明\src", env) == r"%USERPROFILE%\src"
    assert doctor.with_env_vars(r"D:\Python311\pythonw.exe", env) == r"D:\Python311\pythonw.exe"


def test_uninstall_removes_conf_when_only_ours_and_leaves_foreign_conf(tmp_path: Path, xlam: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _addins, conf_dir, args = _dirs(tmp_path)
    assert main(["addin", "install", "--xlam", str(xlam), *args]) == 0
    assert main(["addin", "uninstall", *args]) == 0
    assert not conf_dir.exists()
    capsys.readouterr()
    conf_dir.mkdir()
    (conf_dir / "invoicetools.conf").write_text('"INTERPRETER_WIN","C:\\mine\\pythonw.exe"\r\n', encoding="utf-8")
    assert main(["addin", "uninstall", *args]) == 0
    assert (conf_dir / "invoicetools.conf").exists()
    assert "保留不動" in capsys.readouterr().out
    (conf_dir / "invoicetools.conf").unlink()
    assert main(["addin", "uninstall", *args]) == 0
    assert "沒有找到" in capsys.readouterr().out


def test_install_refuses_a_mismatched_or_foreign_addin(tmp_path: Path, xlam: Path, monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    addins, _, args = _dirs(tmp_path)
    monkeypatch.setattr(doctor, "stamped_xlwings_version", lambda p: "0.30.0")
    assert main(["addin", "install", "--xlam", str(xlam), *args]) == 2
    assert "xlwings 0.30.0" in capsys.readouterr().err
    monkeypatch.setattr(doctor, "stamped_xlwings_version", lambda p: None)
    assert main(["addin", "install", "--xlam", str(xlam), *args]) == 2
    assert "不是 InvoiceTools 的增益集" in capsys.readouterr().err
    assert main(["addin", "install", "--xlam", str(tmp_path / "missing.xlam"), *args]) == 2
    assert "找不到指定的增益集檔案" in capsys.readouterr().err
    assert not addins.exists()


def test_install_builds_the_addin_when_none_is_built(tmp_path: Path, xlam: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from invoicetools.build import product

    _addins, _, args = _dirs(tmp_path)
    monkeypatch.setattr(product, "default_paths", lambda: {"xlam": tmp_path / "none.xlam", "xlsm": tmp_path / "n"})
    monkeypatch.setattr(product, "build_xlam", lambda replace=None: xlam.read_bytes())
    assert main(["addin", "install", *args]) == 0
    assert "當場建立" in capsys.readouterr().out

    def broken(replace: object = None) -> bytes:
        raise RuntimeError("the add-in sources are missing")

    monkeypatch.setattr(product, "build_xlam", broken)
    assert main(["addin", "install", *args]) == 2
    assert "python -m invoicetools.build" in capsys.readouterr().err


def test_install_on_windows_goes_to_xlstart_and_moves_an_old_copy_out_of_addins(
    tmp_path: Path, xlam: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """As xlwings' own installer: the user's XLSTART (Excel's StartupPath), under %APPDATA%."""
    home = tmp_path / "home"
    appdata = home / "AppData" / "Roaming"
    legacy = appdata / "Microsoft" / "AddIns" / "InvoiceTools.xlam"
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"an earlier version")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("APPDATA", str(appdata))
    monkeypatch.setenv("USERPROFILE", str(home))
    assert main(["addin", "install", "--xlam", str(xlam)]) == 0
    xlstart = appdata / "Microsoft" / "Excel" / "XLSTART"
    assert (xlstart / "InvoiceTools.xlam").read_bytes() == xlam.read_bytes()
    assert not legacy.exists()
    assert "舊版位置" in capsys.readouterr().out
    assert "INTERPRETER_WIN" in read_conf(home / ".invoicetools" / "invoicetools.conf", encoding="utf-8")
    assert main(["addin", "uninstall"]) == 0
    assert not (xlstart / "InvoiceTools.xlam").exists()
    assert not (home / ".invoicetools").exists()


def test_pythonw_next_to_python(tmp_path: Path) -> None:
    python = tmp_path / "python.exe"
    python.write_bytes(b"")
    assert pythonw_for(python) == python
    (tmp_path / "pythonw.exe").write_bytes(b"")
    assert pythonw_for(python) == tmp_path / "pythonw.exe"
    assert pythonw_for(Path("/usr/bin/python3")) == Path("/usr/bin/python3")
