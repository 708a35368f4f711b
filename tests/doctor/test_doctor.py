"""invoicetools doctor: each check's verdict and fix, Windows played through the Environment, no secrets."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from invoicetools.actions.doctor import (
    Check,
    Environment,
    Verdict,
    exit_code,
    read_conf,
    render,
    run_checks,
    stamped_xlwings_version,
)
from invoicetools.actions.office_registry import MemoryRegistry
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import write_settings
from invoicetools.build.sources import XLWINGS_VERSION
from invoicetools.cli import main
from invoicetools.sources import credentials
from keyring_memory import installed_memory_keyring

SECRET = "ejCk326UnaZWKisg"
REPO_XLAM = Path(__file__).resolve().parents[2] / "addin" / "InvoiceTools.xlam"


def _env(tmp_path: Path, **kw: object) -> Environment:
    base: dict[str, object] = {
        "platform": "linux",
        "executable": Path(sys.executable),
        "python_version": (3, 11, 7),
        "env": {},
        "files": [],
        "installed_xlwings": lambda: XLWINGS_VERSION,
        "soffice": lambda: Path("/usr/bin/soffice"),
        "zone_identifier": lambda p: None,
        "registry": MemoryRegistry(),
        "stamp": lambda p: XLWINGS_VERSION,
        "project_name": lambda p: "invoicetools",
    }
    base.update(kw)
    return Environment(**base)  # type: ignore[arg-type]


def _windows(tmp_path: Path, **kw: object) -> Environment:
    home = tmp_path / "home"
    appdata = home / "AppData" / "Roaming"
    (appdata / "Microsoft" / "Excel" / "XLSTART").mkdir(parents=True, exist_ok=True)
    env = {"USERPROFILE": str(home), "APPDATA": str(appdata), "LOCALAPPDATA": str(home / "AppData" / "Local")}
    return _env(tmp_path, platform="win32", env=env, **kw)


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def test_all_fine_on_linux(tmp_path: Path) -> None:
    with installed_memory_keyring():
        checks = run_checks(env=_env(tmp_path))
    names = _by_name(checks)
    assert names["Python"].verdict is Verdict.OK and names["xlwings"].verdict is Verdict.OK
    assert "Excel 增益集只支援 Windows" in names["作業系統"].detail
    assert names["LibreOffice"].detail == "/usr/bin/soffice"
    assert names["增益集"].verdict is Verdict.NOTE  # nothing installed: a note, not an error
    assert exit_code(checks) == 0 and exit_code(checks, strict=True) == 1
    assert render(checks).splitlines()[-1].startswith(f"共 {len(checks)} 項：")


def test_old_python_and_wrong_xlwings_are_errors(tmp_path: Path) -> None:
    with installed_memory_keyring():
        checks = _by_name(run_checks(env=_env(tmp_path, python_version=(3, 10, 4),
                                               installed_xlwings=lambda: "0.30.0")))
    assert checks["Python"].verdict is Verdict.ERROR and "3.11" in checks["Python"].fix
    assert checks["xlwings"].verdict is Verdict.ERROR
    assert checks["xlwings"].fix == f"在同一個 venv 執行：pip install xlwings=={XLWINGS_VERSION}"
    with installed_memory_keyring():
        missing = _by_name(run_checks(env=_env(tmp_path, installed_xlwings=lambda: None)))
    assert missing["xlwings"].verdict is Verdict.ERROR and "沒有安裝" in missing["xlwings"].detail


@pytest.mark.skipif(not REPO_XLAM.is_file(), reason="the built add-in is not in this checkout")
def test_stamp_is_read_from_the_built_addin_with_olevba() -> None:
    assert stamped_xlwings_version(REPO_XLAM) == XLWINGS_VERSION


def test_stamp_of_a_file_without_macros_is_none(tmp_path: Path) -> None:
    from workbooks import make_layout_workbook

    plain = make_layout_workbook(tmp_path / "plain.xlsx")
    assert stamped_xlwings_version(plain) is None


def test_addin_with_another_xlwings_version_is_an_error(tmp_path: Path) -> None:
    xlam = tmp_path / "InvoiceTools.xlam"
    xlam.write_bytes(b"x")
    with installed_memory_keyring():
        checks = run_checks(env=_env(tmp_path, files=[xlam], stamp=lambda p: "0.30.0"))
    check = _by_name(checks)["增益集 InvoiceTools.xlam"]
    assert check.verdict is Verdict.ERROR and "xlwings 0.30.0" in check.detail
    assert "invoicetools addin install" in check.fix
    assert exit_code(checks) == 1


def test_unreadable_or_foreign_files(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsm"
    bad.write_bytes(b"not a zip")
    plain = tmp_path / "plain.xlsm"
    plain.write_bytes(b"y")

    def stamp(p: Path) -> str | None:
        if p == bad:
            raise ValueError("not an OLE file")
        return None

    with installed_memory_keyring():
        checks = _by_name(run_checks(env=_env(tmp_path, files=[bad, plain], stamp=stamp)))
    assert checks["活頁簿 broken.xlsm"].verdict is Verdict.ERROR
    assert "無法讀取巨集" in checks["活頁簿 broken.xlsm"].detail
    assert "沒有 xlwings 巨集模組" in checks["活頁簿 plain.xlsm"].detail


def _registry(values: dict[tuple[str, str], object]) -> MemoryRegistry:
    reg = MemoryRegistry()
    for (key, name), value in values.items():
        assert isinstance(value, (str, int))
        reg.set(key, name, value)
    return reg


def test_windows_mark_of_the_web_macro_settings_and_missing_conf(tmp_path: Path) -> None:
    env = _windows(
        tmp_path,
        zone_identifier=lambda p: "[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=https://example.com/x.zip\r\n",
        registry=_registry({(r"Software\Microsoft\Office\16.0\Excel\Security", "VBAWarnings"): 4}),
    )
    installed = env.addin_folder()
    assert installed is not None
    (installed / "InvoiceTools.xlam").write_bytes(b"x")
    with installed_memory_keyring():
        checks = run_checks(env=env)
    names = _by_name(checks)
    motw = names["已安裝的增益集 InvoiceTools.xlam 下載標記"]
    assert motw.verdict is Verdict.ERROR
    assert "Unblock-File -Path" in motw.fix and "解除封鎖" in motw.fix
    assert names["巨集設定"].verdict is Verdict.ERROR and "信任中心" in names["巨集設定"].fix
    conf = names["設定檔 invoicetools.conf"]
    assert conf.verdict is Verdict.ERROR and "invoicetools addin install" in conf.fix
    assert exit_code(checks) == 1


@pytest.mark.parametrize(("value", "policy", "verdict", "words"), [
    (None, None, Verdict.OK, "顯示通知"),
    (2, None, Verdict.OK, "顯示通知"),
    (1, None, Verdict.NOTE, "不安全"),
    (3, None, Verdict.ERROR, "數位簽章"),
    (None, 4, Verdict.ERROR, "IT"),
])
def test_macro_settings(tmp_path: Path, value: int | None, policy: int | None, verdict: Verdict, words: str) -> None:
    values: dict[tuple[str, str], object] = {}
    if value is not None:
        values[(r"Software\Microsoft\Office\16.0\Excel\Security", "VBAWarnings")] = value
    if policy is not None:
        values[(r"Software\Policies\Microsoft\Office\16.0\Excel\Security", "VBAWarnings")] = policy
    registry = _registry(values)
    with installed_memory_keyring():
        check = _by_name(run_checks(env=_windows(tmp_path, registry=registry)))["巨集設定"]
    assert check.verdict is verdict and words in check.detail + check.fix


def test_zone_without_internet_mark_is_fine(tmp_path: Path) -> None:
    env = _windows(tmp_path, zone_identifier=lambda p: "[ZoneTransfer]\r\nZoneId=2\r\n")
    folder = env.addin_folder()
    assert folder is not None
    (folder / "InvoiceTools.xlam").write_bytes(b"x")
    with installed_memory_keyring():
        check = _by_name(run_checks(env=env))["已安裝的增益集 InvoiceTools.xlam 下載標記"]
    assert check.verdict is Verdict.OK


def test_user_conf_interpreter(tmp_path: Path) -> None:
    scripts = tmp_path / "home" / "AppData" / "Local" / "venv" / "Scripts"
    scripts.mkdir(parents=True)
    (scripts / "python.exe").write_bytes(b"")
    (scripts / "pythonw.exe").write_bytes(b"")
    other = tmp_path / "other" / "pythonw.exe"
    other.parent.mkdir()
    other.write_bytes(b"")
    env = _windows(tmp_path, executable=scripts / "python.exe")
    conf_file = env.conf_file()
    assert conf_file is not None
    conf_file.parent.mkdir(parents=True)

    def verdict_for(value: str) -> Check:
        conf_file.write_text(f'"INTERPRETER_WIN","{value}"\r\n', encoding="utf-8")
        with installed_memory_keyring():
            return _by_name(run_checks(env=env))["設定檔 invoicetools.conf"]

    ok = verdict_for(r"%LOCALAPPDATA%/venv/Scripts/pythonw.exe")
    assert ok.verdict is Verdict.OK and str(scripts / "pythonw.exe") in ok.detail.replace("\\", "/")
    assert verdict_for(str(other)).verdict is Verdict.NOTE
    gone = verdict_for(str(tmp_path / "nowhere" / "pythonw.exe"))
    assert gone.verdict is Verdict.ERROR and "不存在" in gone.detail
    conf_file.write_text('"PYTHONPATH","x"\r\n', encoding="utf-8")
    with installed_memory_keyring():
        empty = _by_name(run_checks(env=env))["設定檔 invoicetools.conf"]
    assert empty.verdict is Verdict.ERROR and "INTERPRETER_WIN" in empty.detail
    assert read_conf(conf_file) == {"PYTHONPATH": "x"}


def test_windows_without_pythonw_is_a_note(tmp_path: Path) -> None:
    python = tmp_path / "python.exe"
    python.write_bytes(b"")
    with installed_memory_keyring():
        check = _by_name(run_checks(env=_windows(tmp_path, executable=python)))["Python 位置"]
    assert check.verdict is Verdict.NOTE and "pythonw.exe" in check.detail


def test_book_settings_and_turnkey_folder(tmp_path: Path) -> None:
    book = MemoryBook.new()
    env = _env(tmp_path)
    with installed_memory_keyring():
        checks = _by_name(run_checks(book, env=env))
        assert checks["統一編號"].verdict is Verdict.NOTE and checks["Turnkey資料夾"].verdict is Verdict.NOTE

        write_settings(book, {"統一編號": "12345678", "申報年月": "11401", "Turnkey資料夾": str(tmp_path / "none")})
        checks = _by_name(run_checks(book, env=env))
        assert checks["統一編號"].verdict is Verdict.ERROR
        assert checks["申報年月"].verdict is Verdict.ERROR
        assert checks["Turnkey資料夾"].verdict is Verdict.ERROR and "不存在" in checks["Turnkey資料夾"].detail

        turnkey = tmp_path / "EINVTurnkey"
        turnkey.mkdir()
        write_settings(book, {"統一編號": "04595257", "申報年月": "11402", "Turnkey資料夾": str(turnkey)})
        assert "沒有 UpCast" in _by_name(run_checks(book, env=env))["Turnkey資料夾"].detail
        (turnkey / "UpCast").mkdir()
        assert "B2PMESSAGE" in _by_name(run_checks(book, env=env))["Turnkey資料夾"].detail
        (turnkey / "UpCast" / "B2PMESSAGE").mkdir()
        checks = _by_name(run_checks(book, env=env))
        assert checks["Turnkey資料夾"].verdict is Verdict.OK
        assert checks["統一編號"].detail == "04595257" and checks["申報年月"].detail == "11402"

        write_settings(book, {"Turnkey資料夾": None, "輸出資料夾": str(tmp_path)})
        assert _by_name(run_checks(book, env=env))["Turnkey資料夾"].verdict is Verdict.OK


def test_keyring_state_without_showing_secrets(tmp_path: Path) -> None:
    book = MemoryBook.new()
    write_settings(book, {"統一編號": "04595257", "加值中心": "綠界"})
    with installed_memory_keyring():
        checks = _by_name(run_checks(book, env=_env(tmp_path)))
        assert checks["加值中心登入資訊"].verdict is Verdict.NOTE
        assert checks["加值中心登入資訊"].detail == "ecpay（統一編號 04595257）：未儲存"
        credentials.save(credentials.Credentials("ecpay", "04595257", merchant_id="2000132",
                                                 hash_key=SECRET, hash_iv="v" * 16))
        checks_list = run_checks(book, env=_env(tmp_path))
    checks = _by_name(checks_list)
    assert checks["密碼儲存區"].verdict is Verdict.OK
    assert checks["加值中心登入資訊"].verdict is Verdict.OK and "已儲存" in checks["加值中心登入資訊"].detail
    text = render(checks_list) + json.dumps([c.as_dict() for c in checks_list], ensure_ascii=False)
    assert SECRET not in text and "2000132" not in text


def test_no_usable_keyring_is_a_note(tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    try:
        check = _by_name(run_checks(env=_env(tmp_path)))["密碼儲存區"]
    finally:
        keyring.set_keyring(previous)
    assert check.verdict is Verdict.NOTE and "Credential Manager" in check.fix


def test_libreoffice_missing_says_how_to_install(tmp_path: Path) -> None:
    with installed_memory_keyring():
        check = _by_name(run_checks(env=_env(tmp_path, soffice=lambda: None)))["LibreOffice"]
    assert check.verdict is Verdict.NOTE and "apt-get install libreoffice-calc-nogui" in check.fix


# --- the command -----------------------------------------------------------------------------
def test_cli_doctor_json_with_a_book_and_no_secret(template_book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from invoicetools.book.file_backend import FileBook

    book = FileBook(template_book)
    write_settings(book, {"統一編號": "04595257", "申報年月": "11402", "加值中心": "ecpay"})
    book.commit()
    with installed_memory_keyring():
        credentials.save(credentials.Credentials("ecpay", "04595257", merchant_id="2000132",
                                                 hash_key=SECRET, hash_iv="v" * 16))
        code = main(["doctor", "--book", str(template_book), "--json"])
    out = capsys.readouterr()
    rows = json.loads(out.out)
    assert {"項目", "結果", "說明", "修正"} <= set(rows[0])
    by_name = {r["項目"]: r for r in rows}
    assert by_name["加值中心登入資訊"]["結果"] == "已儲存" or "已儲存" in by_name["加值中心登入資訊"]["說明"]
    assert by_name["活頁簿 InvoiceTools.xlsm"]["結果"] == "正常"  # the workbook's own VBA stamp
    assert SECRET not in out.out + out.err
    assert code in (0, 1)
    assert code == (1 if any(r["結果"] == "錯誤" for r in rows) else 0)


def test_cli_doctor_exit_1_on_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    foreign = tmp_path / "foreign.xlsm"
    shutil.copy(Path(__file__), foreign)
    with installed_memory_keyring():
        code = main(["doctor", "--addin", str(foreign)])
    out = capsys.readouterr().out
    assert code == 1
    assert "[錯誤] 活頁簿 foreign.xlsm" in out and "→" in out


def test_cli_doctor_missing_book_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor", "--book", str(tmp_path / "nope.xlsm")]) == 2
    assert "找不到活頁簿檔案" in capsys.readouterr().err


# --- issue 17: where the add-in is, whether Excel trusts it, the settings both files read ---------
def test_installed_addin_in_xlstart_and_its_trusted_location(tmp_path: Path) -> None:
    env = _windows(tmp_path)
    xlstart = env.addin_folder()
    assert xlstart is not None and xlstart.parts[-3:] == ("Microsoft", "Excel", "XLSTART")
    (xlstart / "InvoiceTools.xlam").write_bytes(b"x")
    locations = r"Software\Microsoft\Office\16.0\Excel\Security\Trusted Locations"
    with installed_memory_keyring():
        untrusted = _by_name(run_checks(env=env))["受信任位置（Excel 16.0）"]
    assert untrusted.verdict is Verdict.ERROR and "invoicetools addin install" in untrusted.fix
    env.registry.set(locations + r"\Location2", "Path", r"%APPDATA%\Microsoft\Excel\XLSTART" + "\\")
    env.registry.set(locations + r"\Location2", "Description", "User StartUp")
    with installed_memory_keyring():
        trusted = _by_name(run_checks(env=env))["受信任位置（Excel 16.0）"]
    assert trusted.verdict is Verdict.OK and "User StartUp" in trusted.detail
    env.registry.set(r"Software\Policies\Microsoft\Office\16.0\Excel\Security\Trusted Locations",
                     "AllLocationsDisabled", 1)
    with installed_memory_keyring():
        disabled = _by_name(run_checks(env=env))["受信任位置（Excel 16.0）"]
    assert disabled.verdict is Verdict.ERROR and "簽署" in disabled.fix


def test_old_addins_copy_and_a_workbook_reading_other_settings_are_noted(tmp_path: Path) -> None:
    old_book = tmp_path / "舊活頁簿.xlsm"
    old_book.write_bytes(b"x")
    env = _windows(tmp_path, files=[old_book], project_name=lambda p: "xlwings")
    legacy = env.legacy_addin_folder()
    assert legacy is not None
    legacy.mkdir(parents=True)
    (legacy / "InvoiceTools.xlam").write_bytes(b"x")
    with installed_memory_keyring():
        checks = _by_name(run_checks(env=env))
    assert checks["舊版增益集位置"].verdict is Verdict.NOTE and "addin install" in checks["舊版增益集位置"].fix
    book = checks["活頁簿 舊活頁簿.xlsm 的設定"]
    assert book.verdict is Verdict.NOTE and "xlwings.conf" in book.detail and "invoicetools new" in book.fix


def test_settings_without_the_onedrive_flag_are_noted(tmp_path: Path) -> None:
    scripts = tmp_path / "home" / "AppData" / "Local" / "InvoiceTools" / "venv" / "Scripts"
    scripts.mkdir(parents=True)
    (scripts / "pythonw.exe").write_bytes(b"")
    env = _windows(tmp_path, executable=scripts / "pythonw.exe")
    conf_file = env.conf_file()
    assert conf_file is not None
    conf_file.parent.mkdir(parents=True)
    conf_file.write_text(f'"INTERPRETER_WIN","{scripts / "pythonw.exe"}"\r\n', encoding="utf-8")
    with installed_memory_keyring():
        old = _by_name(run_checks(env=env))
    assert old["設定檔 invoicetools.conf"].verdict is Verdict.OK
    assert old["設定檔 invoicetools.conf OneDrive"].verdict is Verdict.NOTE
    conf_file.write_text(f'"INTERPRETER_WIN","{scripts / "pythonw.exe"}"\r\n"ADD_WORKBOOK_TO_PYTHONPATH","False"\r\n',
                         encoding="utf-8")
    with installed_memory_keyring():
        assert "設定檔 invoicetools.conf OneDrive" not in _by_name(run_checks(env=env))


@pytest.mark.skipif(not REPO_XLAM.is_file(), reason="the built add-in is not in this checkout")
def test_project_name_is_read_from_the_built_files() -> None:
    from invoicetools.actions.doctor import stamped_project_name

    assert stamped_project_name(REPO_XLAM) == "invoicetools"
    assert stamped_project_name(REPO_XLAM.parents[1] / "workbook" / "InvoiceTools.xlsm") == "invoicetools"
