"""診斷 (``invoicetools doctor`` and the [診斷] button): is this machine ready, and if not, how to fix it.

Each check gives one line: a plain verdict (正常 / 注意 / 錯誤), what was found and, when
something needs doing, the fix. 錯誤 means a step will fail until it is fixed (exit code
1); 注意 means something works only partly or deserves a look.

Checked: Python (version, interpreter, pythonw.exe), InvoiceTools, xlwings (pinned vs
installed), the xlwings version stamped into the VBA of the built/installed add-in and
workbook (read with olevba), the user-level ``invoicetools.conf`` the add-in reads the
interpreter from, the OS keyring (never reading a secret out), LibreOffice (PDF from the
command line) and, with a workbook, its 設定 (統一編號, 申報年月, Turnkey資料夾 with
``UpCast/B2PMESSAGE``, the provider login's stored/not stored state). On Windows also
Mark-of-the-Web on the .xlam/.xlsm (the ``Zone.Identifier`` stream: Excel blocks macros of
files from the internet) and the macro security settings.

Everything the checks look at comes through :class:`Environment`, so tests can play Windows.

>>> print(Check("Python", Verdict.OK, "3.11.7").line())
[正常] Python：3.11.7
>>> print(Check("LibreOffice", Verdict.NOTE, "找不到", "安裝 LibreOffice").line())
[注意] LibreOffice：找不到
       → 安裝 LibreOffice
>>> conf_text({"INTERPRETER_WIN": r"%LOCALAPPDATA%\\venv\\Scripts\\pythonw.exe"})
'"INTERPRETER_WIN","%LOCALAPPDATA%\\\\venv\\\\Scripts\\\\pythonw.exe"\\r\\n'
>>> expand_vars(r"%LOCALAPPDATA%\\x", {"LOCALAPPDATA": r"C:\\Users\\a\\AppData\\Local"})
'C:\\\\Users\\\\a\\\\AppData\\\\Local\\\\x'
>>> with_env_vars(r"C:\\Users\\王\\AppData\\Local\\venv\\pythonw.exe", {"LOCALAPPDATA": r"C:\\Users\\王\\AppData\\Local"})
'%LOCALAPPDATA%\\\\venv\\\\pythonw.exe'
"""

from __future__ import annotations

import csv
import io as _io
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..domain.errors import ExitCode, InputError

if TYPE_CHECKING:
    from ..book.io import WorkbookIO
    from ..book.settings import Settings

__all__ = [
    "ADDIN_NAME",
    "CONF_KEYS",
    "MIN_PYTHON",
    "STEP",
    "Check",
    "Environment",
    "Verdict",
    "conf_encoding",
    "conf_text",
    "environment_for",
    "exit_code",
    "expand_vars",
    "installed_xlwings",
    "pythonw_for",
    "read_conf",
    "render",
    "run_checks",
    "stamped_xlwings_version",
    "with_env_vars",
]

STEP = "診斷"
ADDIN_NAME = "InvoiceTools.xlam"
CONF_NAME = "invoicetools"  # xlwings PROJECT_NAME of the add-in: %USERPROFILE%\.invoicetools\invoicetools.conf
CONF_KEYS = ("INTERPRETER_WIN", "PYTHONPATH")
MIN_PYTHON = (3, 11)
_ENV_PREFIXES = ("LOCALAPPDATA", "APPDATA", "USERPROFILE")
_STAMP = re.compile(r'XLWINGS_VERSION\s+As\s+String\s*=\s*"([^"]+)"', re.IGNORECASE)
_OFFICE_VERSIONS = ("16.0", "15.0")


class Verdict(StrEnum):
    OK = "正常"
    NOTE = "注意"
    ERROR = "錯誤"


@dataclass(frozen=True)
class Check:
    name: str
    verdict: Verdict
    detail: str
    fix: str = ""

    def line(self) -> str:
        text = f"[{self.verdict}] {self.name}：{self.detail}"
        return text + (f"\n       → {self.fix}" if self.fix else "")

    def as_dict(self) -> dict[str, str]:
        return {"項目": self.name, "結果": str(self.verdict), "說明": self.detail, "修正": self.fix}


def render(checks: Sequence[Check]) -> str:
    counts = {v: sum(c.verdict is v for c in checks) for v in Verdict}
    summary = (f"共 {len(checks)} 項：正常 {counts[Verdict.OK]}、注意 {counts[Verdict.NOTE]}、"
               f"錯誤 {counts[Verdict.ERROR]}")
    return "\n".join([*(c.line() for c in checks), summary])


def exit_code(checks: Sequence[Check], *, strict: bool = False) -> int:
    bad = {Verdict.ERROR, Verdict.NOTE} if strict else {Verdict.ERROR}
    return ExitCode.FINDINGS if any(c.verdict in bad for c in checks) else ExitCode.OK


# --------------------------------------------------------------------------------------------
# xlwings' conf file (VBA reads it with ``Input #``: "KEY","VALUE" per line, in the ANSI code page)
# --------------------------------------------------------------------------------------------
def expand_vars(text: str, env: Mapping[str, str]) -> str:
    """``%NAME%`` → its value, as xlwings' VBA ``ExpandEnvironmentStrings`` does (unknown names stay)."""
    lowered = {k.upper(): v for k, v in env.items()}
    return re.sub(r"%([^%]+)%", lambda m: lowered.get(m.group(1).upper(), m.group(0)), text)


def with_env_vars(path: str, env: Mapping[str, str]) -> str:
    """Write a Windows path under %LOCALAPPDATA%/%APPDATA%/%USERPROFILE% with the variable,
    so the conf file stays ASCII (and right) even when the user name is Chinese."""
    lowered = path.lower()
    for name in _ENV_PREFIXES:
        base = env.get(name)
        if base and lowered.startswith(base.rstrip("\\/").lower() + "\\"):
            return f"%{name}%" + path[len(base.rstrip("\\/")):]
    return path


def read_conf(path: Path, encoding: str | None = None) -> dict[str, str]:
    """The keys and values of an xlwings conf file (keys upper-cased); ``{}`` when missing."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    text = data.decode(encoding or conf_encoding(), errors="replace")
    out: dict[str, str] = {}
    for row in csv.reader(_io.StringIO(text)):
        if len(row) >= 2 and row[0].strip():
            out[row[0].strip().upper()] = row[1].strip()
    return out


def conf_text(values: Mapping[str, str]) -> str:
    return "".join(f'"{k}","{v}"\r\n' for k, v in values.items())


def conf_encoding() -> str:
    """What VBA reads text files with: the ANSI code page on Windows (cp950 on zh-TW)."""
    if sys.platform.startswith("win"):
        import locale

        return locale.getpreferredencoding(False) or "mbcs"
    return "utf-8"


# --------------------------------------------------------------------------------------------
# the machine, as the checks see it
# --------------------------------------------------------------------------------------------
def stamped_xlwings_version(path: Path) -> str | None:
    """The ``XLWINGS_VERSION`` constant of the xlwings VBA module in an .xlam/.xlsm, or ``None``."""
    import logging

    from oletools.olevba import VBA_Parser

    logging.getLogger("olevba").setLevel(logging.CRITICAL)
    parser = VBA_Parser(str(path))
    try:
        if not parser.detect_vba_macros():
            return None
        for _, _, _, code in parser.extract_macros():
            m = _STAMP.search(code or "")
            if m:
                return m.group(1)
        return None
    finally:
        parser.close()


def installed_xlwings() -> str | None:
    """The xlwings version installed in this Python, or ``None``."""
    import importlib.metadata

    try:
        return importlib.metadata.version("xlwings")
    except importlib.metadata.PackageNotFoundError:
        return None


def _zone_identifier(path: Path) -> str | None:
    """The ``Zone.Identifier`` stream of a file (Windows; ``None`` when there is none)."""
    try:
        with open(f"{path}:Zone.Identifier", encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return None


def _registry(subkey: str, name: str) -> object | None:
    """A value under HKEY_CURRENT_USER (Windows only)."""
    try:
        import winreg  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    try:
        with winreg.OpenKey(winreg.HKEY_CURRENT_USER, subkey) as key:  # type: ignore[attr-defined,unused-ignore]
            value, _ = winreg.QueryValueEx(key, name)  # type: ignore[attr-defined,unused-ignore]
            return value  # type: ignore[no-any-return,unused-ignore]
    except OSError:
        return None


def _find_soffice() -> Path | None:
    from .export import find_soffice

    return find_soffice()


@dataclass
class Environment:
    """What the checks look at; every part can be replaced in tests."""

    platform: str = field(default_factory=lambda: sys.platform)
    executable: Path = field(default_factory=lambda: Path(sys.executable))
    python_version: tuple[int, ...] = field(default_factory=lambda: tuple(sys.version_info[:3]))
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    addins_dir: Path | None = None  # default: %APPDATA%\Microsoft\AddIns
    config_dir: Path | None = None  # default: %USERPROFILE%\.invoicetools
    files: Sequence[Path] = ()  # more .xlam/.xlsm to check (the repository's build, the open workbook …)
    installed_xlwings: Callable[[], str | None] = installed_xlwings
    soffice: Callable[[], Path | None] = _find_soffice
    zone_identifier: Callable[[Path], str | None] = _zone_identifier
    registry: Callable[[str, str], object | None] = _registry
    stamp: Callable[[Path], str | None] = stamped_xlwings_version

    @property
    def windows(self) -> bool:
        return self.platform.startswith("win")

    def addins_folder(self) -> Path | None:
        if self.addins_dir is not None:
            return self.addins_dir
        appdata = self.env.get("APPDATA")
        return Path(appdata) / "Microsoft" / "AddIns" if self.windows and appdata else None

    def conf_folder(self) -> Path | None:
        if self.config_dir is not None:
            return self.config_dir
        home = self.env.get("USERPROFILE")
        return Path(home) / f".{CONF_NAME}" if self.windows and home else None

    def conf_file(self) -> Path | None:
        folder = self.conf_folder()
        return folder / f"{CONF_NAME}.conf" if folder is not None else None


def _same_path(a: str, b: str) -> bool:
    return os.path.normcase(os.path.normpath(a)) == os.path.normcase(os.path.normpath(b))


def pythonw_for(executable: Path) -> Path:
    """``pythonw.exe`` beside ``python.exe`` (Excel then starts Python without a console window)."""
    if executable.name.lower() == "python.exe":
        candidate = executable.with_name("pythonw.exe")
        if candidate.exists():
            return candidate
    return executable


# --------------------------------------------------------------------------------------------
# the checks
# --------------------------------------------------------------------------------------------
def _python(env: Environment) -> list[Check]:
    version = ".".join(map(str, env.python_version))
    out = []
    if tuple(env.python_version[:2]) < MIN_PYTHON:
        out.append(Check("Python", Verdict.ERROR, f"{version}（需要 3.11 以上）",
                         "請安裝 python.org 的 Python 3.11 以上，建立新的 venv 後重新安裝 invoicetools"))
    else:
        out.append(Check("Python", Verdict.OK, version))
    if env.windows:
        pythonw = pythonw_for(env.executable)
        if pythonw.name.lower() == "pythonw.exe":
            out.append(Check("Python 位置", Verdict.OK, str(pythonw)))
        else:
            out.append(Check("Python 位置", Verdict.NOTE, f"{env.executable}（旁邊沒有 pythonw.exe）",
                             "請使用 python.org 的 Python 建立 venv；Excel 會用 pythonw.exe 啟動 Python"))
    else:
        out.append(Check("Python 位置", Verdict.OK, str(env.executable)))
    return out


def _versions(env: Environment) -> tuple[list[Check], str | None]:
    from .. import XLWINGS_VERSION
    from ..book import layout

    out = [Check("InvoiceTools", Verdict.OK, f"{__version__}（活頁簿版面 {layout.LAYOUT_VERSION}）")]
    installed = env.installed_xlwings()
    fix = f"在同一個 venv 執行：pip install xlwings=={XLWINGS_VERSION}"
    if installed is None:
        out.append(Check("xlwings", Verdict.ERROR, f"沒有安裝（需要 {XLWINGS_VERSION}）", fix))
    elif installed != XLWINGS_VERSION:
        out.append(Check("xlwings", Verdict.ERROR, f"安裝的是 {installed}，增益集需要 {XLWINGS_VERSION}", fix))
    else:
        out.append(Check("xlwings", Verdict.OK, f"{installed}（與指定版本相同）"))
    return out, installed


def _candidate_files(env: Environment) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    folder = env.addins_folder()
    if folder is not None and (folder / ADDIN_NAME).is_file():
        found.append(("已安裝的增益集", folder / ADDIN_NAME))
    for path in env.files:
        if path.is_file() and path.suffix.lower() in (".xlam", ".xlsm"):
            kind = "增益集" if path.suffix.lower() == ".xlam" else "活頁簿"
            found.append((kind, path))
    seen: set[Path] = set()
    unique = []
    for kind, path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((kind, path))
    return unique


def _addin_files(env: Environment, installed: str | None) -> list[Check]:
    out: list[Check] = []
    files = _candidate_files(env)
    if not files:
        verdict = Verdict.NOTE
        where = f"（{env.addins_folder()}）" if env.addins_folder() else ""
        out.append(Check("增益集", verdict, f"找不到已安裝的 {ADDIN_NAME}{where}",
                         "執行 invoicetools addin install；或直接開啟由 invoicetools new 建立的活頁簿，使用工作表上的按鈕"))
        return out
    for kind, path in files:
        name = f"{kind} {path.name}"
        try:
            stamp = env.stamp(path)
        except Exception as exc:  # olevba cannot read it: a damaged or foreign file
            out.append(Check(name, Verdict.ERROR, f"無法讀取巨集（{type(exc).__name__}）：{path}",
                             "重新建立：python -m invoicetools.build，或重新執行 invoicetools addin install"))
            continue
        if stamp is None:
            out.append(Check(name, Verdict.ERROR, f"沒有 xlwings 巨集模組：{path}",
                             "這不是 InvoiceTools 建立的檔案；請重新安裝增益集或用 invoicetools new 建立活頁簿"))
        elif installed is not None and stamp != installed:
            out.append(Check(name, Verdict.ERROR, f"巨集是 xlwings {stamp}，Python 端是 {installed}：{path}",
                             "兩邊版本必須相同：重新執行 invoicetools addin install（活頁簿請用 invoicetools new 重建後貼回資料）"))
        else:
            out.append(Check(name, Verdict.OK, f"巨集 xlwings {stamp}：{path}"))
        if env.windows:
            out.append(_mark_of_the_web(env, kind, path))
    return out


def _mark_of_the_web(env: Environment, kind: str, path: Path) -> Check:
    name = f"{kind} {path.name} 下載標記"
    text = env.zone_identifier(path)
    zone = None
    if text:
        m = re.search(r"ZoneId\s*=\s*(\d+)", text)
        zone = int(m.group(1)) if m else None
    if zone is not None and zone >= 3:
        return Check(name, Verdict.ERROR,
                     "檔案標記為從網際網路下載（Mark-of-the-Web），Excel 會封鎖其中的巨集",
                     f"在檔案上按右鍵 → 內容 → 勾選「解除封鎖」→ 確定；或在 PowerShell 執行 "
                     f"Unblock-File -Path \"{path}\"；完成後重新開啟 Excel")
    return Check(name, Verdict.OK, "沒有網際網路下載標記")


def _macro_security(env: Environment) -> list[Check]:
    if not env.windows:
        return []
    for version in _OFFICE_VERSIONS:
        policy = env.registry(rf"Software\Policies\Microsoft\Office\{version}\Excel\Security", "VBAWarnings")
        user = env.registry(rf"Software\Microsoft\Office\{version}\Excel\Security", "VBAWarnings")
        block = env.registry(rf"Software\Policies\Microsoft\Office\{version}\Excel\Security",
                             "blockcontentexecutionfrominternet")
        if policy is not None or user is not None or block is not None:
            break
    value = policy if policy is not None else user
    by_it = "（由公司 IT 原則設定，請洽 IT 人員）" if policy is not None else ""
    where = "檔案 → 選項 → 信任中心 → 信任中心設定 → 巨集設定"
    out: list[Check] = []
    if value in (None, 2):
        out.append(Check("巨集設定", Verdict.OK, "停用所有巨集（但顯示通知）：開啟時按「啟用內容」即可"))
    elif value == 1:
        out.append(Check("巨集設定", Verdict.NOTE, "啟用所有巨集（不安全）",
                         f"建議改為「停用所有巨集（但顯示通知）」：{where}"))
    elif value == 3:
        out.append(Check("巨集設定", Verdict.ERROR, f"只允許數位簽章的巨集；InvoiceTools 的巨集沒有簽章{by_it}",
                         "把增益集放在信任位置（invoicetools addin install 會放到 AddIns 資料夾，這是預設的信任位置），"
                         f"或改為「停用所有巨集（但顯示通知）」：{where}"))
    else:
        out.append(Check("巨集設定", Verdict.ERROR, f"停用所有巨集且不通知{by_it}",
                         f"改為「停用所有巨集（但顯示通知）」：{where}；或把檔案放在信任位置"))
    if block == 1:
        out.append(Check("網際網路巨集封鎖", Verdict.NOTE, "公司原則封鎖來自網際網路的檔案中的巨集",
                         "檔案若有下載標記，請先解除封鎖（見上）"))
    return out


def _user_conf(env: Environment) -> list[Check]:
    conf = env.conf_file()
    if conf is None:
        return []
    name = f"設定檔 {CONF_NAME}.conf"
    values = read_conf(conf)
    if not values:
        verdict = Verdict.ERROR if env.windows else Verdict.NOTE
        return [Check(name, verdict, f"找不到 {conf}（Excel 增益集不知道 Python 在哪裡）",
                      "執行 invoicetools addin install（會寫入 Python 的位置）")]
    interpreter = values.get("INTERPRETER_WIN") or values.get("INTERPRETER")
    if not interpreter:
        return [Check(name, Verdict.ERROR, f"{conf} 沒有 INTERPRETER_WIN", "重新執行 invoicetools addin install")]
    expanded = expand_vars(interpreter, env.env)
    if not Path(expanded).is_file():
        return [Check(name, Verdict.ERROR, f"設定的 Python 不存在：{expanded}",
                      "用要使用的 Python 重新執行 invoicetools addin install")]
    current = str(pythonw_for(env.executable))
    if not _same_path(expanded, current):
        return [Check(name, Verdict.NOTE, f"Excel 會使用 {expanded}，不是目前的 {current}",
                      "要讓 Excel 使用目前的 Python，請用它執行 invoicetools addin install")]
    return [Check(name, Verdict.OK, f"Excel 會使用 {expanded}")]


def _keyring(settings: Settings | None) -> list[Check]:
    from ..sources import credentials

    try:
        backend = credentials.require_backend()
    except InputError as exc:
        return [Check("密碼儲存區", Verdict.NOTE, "無法使用（從加值中心自動匯入需要）", exc.message)]
    out = [Check("密碼儲存區", Verdict.OK, f"可使用（{type(backend).__name__}）")]
    if settings is None or not settings.provider:
        return out
    try:
        ubn = settings.ubn
        if ubn is None:
            return out
        from ..sources.providers.base import provider_class

        provider = provider_class(settings.provider).name
        label = credentials.stored_label(provider, ubn)
    except InputError as exc:
        return [*out, Check("加值中心登入資訊", Verdict.NOTE, exc.message, "在[設定]修正加值中心名稱或統一編號")]
    verdict = Verdict.OK if label == credentials.STORED else Verdict.NOTE
    fix = "" if verdict is Verdict.OK else "在 Excel 按[設定]→[儲存登入資訊]，或執行 invoicetools tracks login"
    return [*out, Check("加值中心登入資訊", verdict, f"{provider}（統一編號 {ubn}）：{label}", fix)]


def _libreoffice(env: Environment) -> Check:
    from .export import SOFFICE_MISSING

    path = env.soffice()
    if path is None:
        return Check("LibreOffice", Verdict.NOTE, "找不到（只有命令列匯出 PDF 需要；Excel 的[匯出PDF]不需要）",
                     SOFFICE_MISSING)
    return Check("LibreOffice", Verdict.OK, str(path))


def _book_checks(io: WorkbookIO) -> tuple[list[Check], Settings | None]:
    from ..book.settings import read_settings

    try:
        settings = read_settings(io)
    except InputError as exc:
        return [Check(f"活頁簿 {io.name}", Verdict.ERROR, str(exc), "請用 invoicetools new 建立的活頁簿")], None
    out = [Check(f"活頁簿 {io.name}", Verdict.OK, "可以讀取[設定]")]
    for label, getter in (("統一編號", lambda: settings.ubn), ("申報年月", lambda: settings.period)):
        try:
            value = getter()
        except InputError as exc:
            out.append(Check(label, Verdict.ERROR, exc.message, f"在[設定]修正{label}"))
            continue
        if value is None:
            out.append(Check(label, Verdict.NOTE, "未填寫", f"在[設定]填寫{label}"))
        else:
            out.append(Check(label, Verdict.OK, str(value)))
    out.append(_turnkey(settings))
    return out, settings


def _turnkey(settings: Settings) -> Check:
    folder = settings.turnkey_dir
    if folder is None:
        if settings.output_dir is not None:
            return Check("Turnkey資料夾", Verdict.OK, f"未設定；E0401/E0402 寫到輸出資料夾 {settings.output_dir}")
        return Check("Turnkey資料夾", Verdict.NOTE, "未設定（E0401/E0402 每次都要選資料夾）",
                     "在[設定]填寫 Turnkey資料夾（例如 C:\\EINVTurnkey）或輸出資料夾")
    if not folder.is_dir():
        return Check("Turnkey資料夾", Verdict.ERROR, f"不存在：{folder}",
                     "確認 Turnkey 已安裝，並在[設定]填寫正確的資料夾（例如 C:\\EINVTurnkey）")
    if not (folder / "UpCast").is_dir():
        return Check("Turnkey資料夾", Verdict.NOTE, f"{folder} 沒有 UpCast 子資料夾：檔案會直接寫在這個資料夾",
                     "要交給 Turnkey 上傳，請填 Turnkey 的安裝資料夾（內含 UpCast）")
    if not (folder / "UpCast" / "B2PMESSAGE").is_dir():
        return Check("Turnkey資料夾", Verdict.NOTE, f"{folder} 沒有 UpCast\\B2PMESSAGE",
                     "在 Turnkey 設定「B2P 訊息」的上傳（E0402/E0401）後再試；或確認資料夾是否正確")
    return Check("Turnkey資料夾", Verdict.OK, f"{folder}（有 UpCast\\B2PMESSAGE）")


def run_checks(io: WorkbookIO | None = None, *, env: Environment | None = None) -> list[Check]:
    """Every check, in the order shown."""
    env = env or Environment()
    checks: list[Check] = []
    if env.windows:
        checks.append(Check("作業系統", Verdict.OK, "Windows"))
    else:
        checks.append(Check("作業系統", Verdict.OK, f"{env.platform}：可使用命令列；Excel 增益集只支援 Windows"))
    checks += _python(env)
    versions, installed = _versions(env)
    checks += versions
    checks += _addin_files(env, installed)
    checks += _user_conf(env)
    checks += _macro_security(env)
    settings = None
    if io is not None:
        book_checks, settings = _book_checks(io)
        checks += book_checks
    checks += _keyring(settings)
    checks.append(_libreoffice(env))
    return checks


def environment_for(files: Sequence[Path] = (), **overrides: Any) -> Environment:
    """This machine, with ``files`` (.xlam/.xlsm) to check besides the installed add-in."""
    return Environment(files=list(files), **overrides)
