"""診斷 (``invoicetools doctor`` and the [診斷] button): is this machine ready, and if not, how to fix it.

Each check gives one line: a plain verdict (正常 / 注意 / 錯誤), what was found and, when
something needs doing, the fix. 錯誤 means a step will fail until it is fixed (exit code
1); 注意 means something works only partly or deserves a look.

Checked here: Python (version, interpreter, pythonw.exe), InvoiceTools, xlwings (pinned vs
installed), the OS keyring (never reading a secret out), LibreOffice (PDF from the command
line) and, with a workbook, its 設定 (統一編號, 申報年月, Turnkey資料夾 with
``UpCast/B2PMESSAGE``, the provider login's stored/not stored state). The Excel side (the
add-in and workbook files, the settings file they read, macro security, trusted locations,
Mark-of-the-Web) is in ``doctor_excel``.

Everything the checks look at comes through :class:`Environment`, so tests can play Windows.

>>> print(Check("Python", Verdict.OK, "3.11.7").line())
[正常] Python：3.11.7
>>> print(Check("LibreOffice", Verdict.NOTE, "找不到", "安裝 LibreOffice").line())
[注意] LibreOffice：找不到
       → 安裝 LibreOffice
"""

from __future__ import annotations

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
from . import office_registry
from .addin_setup import ADDIN_NAME, legacy_addins_folder, xlstart_folder
from .xlwings_conf import (
    CONF_NAME,
    INSTALL_KEYS,
    conf_encoding,
    conf_text,
    expand_vars,
    read_conf,
    with_env_vars,
)

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
    "stamped_project_name",
    "stamped_xlwings_version",
    "with_env_vars",
]

STEP = "診斷"
CONF_KEYS = INSTALL_KEYS
MIN_PYTHON = (3, 11)
_CONSTANT = r'Public\s+Const\s+{}\s+As\s+String\s*=\s*"([^"]+)"'


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
# the machine, as the checks see it
# --------------------------------------------------------------------------------------------
def _xlwings_constants(path: Path) -> dict[str, str] | None:
    """XLWINGS_VERSION and PROJECT_NAME of the xlwings VBA module in an .xlam/.xlsm (olevba);
    ``None`` without macros, ``{}`` when no module has them."""
    import logging

    from oletools.olevba import VBA_Parser

    logging.getLogger("olevba").setLevel(logging.CRITICAL)
    parser = VBA_Parser(str(path))
    try:
        if not parser.detect_vba_macros():
            return None
        for _, _, _, code in parser.extract_macros():
            version = re.search(_CONSTANT.format("XLWINGS_VERSION"), code or "", re.IGNORECASE)
            if version:
                name = re.search(_CONSTANT.format("PROJECT_NAME"), code or "", re.IGNORECASE)
                return {"XLWINGS_VERSION": version.group(1), "PROJECT_NAME": name.group(1) if name else ""}
        return {}
    finally:
        parser.close()


def stamped_xlwings_version(path: Path) -> str | None:
    """The ``XLWINGS_VERSION`` constant of the xlwings VBA module in an .xlam/.xlsm, or ``None``."""
    found = _xlwings_constants(path)
    return found.get("XLWINGS_VERSION") if found else None


def stamped_project_name(path: Path) -> str | None:
    """The xlwings module's ``PROJECT_NAME`` (which ``<name>.conf`` settings it reads), or ``None``."""
    found = _xlwings_constants(path)
    return found.get("PROJECT_NAME") or None if found else None


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
    addin_dir: Path | None = None  # default: XLSTART, %APPDATA%\Microsoft\Excel\XLSTART
    config_dir: Path | None = None  # default: %USERPROFILE%\.invoicetools
    files: Sequence[Path] = ()  # more .xlam/.xlsm to check (the repository's build, the open workbook …)
    installed_xlwings: Callable[[], str | None] = installed_xlwings
    soffice: Callable[[], Path | None] = _find_soffice
    zone_identifier: Callable[[Path], str | None] = _zone_identifier
    registry: office_registry.Registry = field(default_factory=office_registry.current)
    stamp: Callable[[Path], str | None] = stamped_xlwings_version
    project_name: Callable[[Path], str | None] = stamped_project_name

    @property
    def windows(self) -> bool:
        return self.platform.startswith("win")

    def addin_folder(self) -> Path | None:
        """Where ``invoicetools addin install`` puts the add-in (XLSTART)."""
        if self.addin_dir is not None:
            return self.addin_dir
        return xlstart_folder(self.env) if self.windows else None

    def legacy_addin_folder(self) -> Path | None:
        """Where earlier versions put it (%APPDATA%\\Microsoft\\AddIns)."""
        return legacy_addins_folder(self.env) if self.windows else None

    def conf_folder(self) -> Path | None:
        if self.config_dir is not None:
            return self.config_dir
        home = self.env.get("USERPROFILE")
        return Path(home) / f".{CONF_NAME}" if self.windows and home else None

    def conf_file(self) -> Path | None:
        folder = self.conf_folder()
        return folder / f"{CONF_NAME}.conf" if folder is not None else None


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
    from .doctor_excel import excel_checks

    env = env or Environment()
    checks: list[Check] = []
    if env.windows:
        checks.append(Check("作業系統", Verdict.OK, "Windows"))
    else:
        checks.append(Check("作業系統", Verdict.OK, f"{env.platform}：可使用命令列；Excel 增益集只支援 Windows"))
    checks += _python(env)
    versions, installed = _versions(env)
    checks += versions
    checks += excel_checks(env, installed)
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
