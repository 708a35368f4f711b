"""診斷, the Excel side: the add-in and workbook files, the settings they read, and what Windows lets run.

* the installed add-in (XLSTART) and the workbooks given: the xlwings version stamped into
  their VBA (olevba) against the installed one, which settings their xlwings module reads
  (PROJECT_NAME: a workbook from before the shared ``invoicetools.conf`` reads its own hidden
  sheet), Mark-of-the-Web (Windows), a copy left in the old AddIns folder;
* the user's ``invoicetools.conf``: the interpreter exists and is this Python, and
  ``ADD_WORKBOOK_TO_PYTHONPATH`` is False (OneDrive/SharePoint workbooks);
* Windows: the macro security settings, and whether Excel trusts the add-in's folder
  (``office_registry``: IT may switch trusted locations off).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from . import office_registry
from .doctor import ADDIN_NAME, Check, Environment, Verdict, pythonw_for
from .xlwings_conf import CONF_NAME, expand_vars, read_conf, xlwings_setting

__all__ = ["excel_checks"]

_WHERE_MACROS = "檔案 → 選項 → 信任中心 → 信任中心設定 → 巨集設定"


def excel_checks(env: Environment, installed: str | None) -> list[Check]:
    return [*_addin_files(env, installed), *_user_conf(env), *_macro_security(env), *_trusted_location(env)]


def _candidate_files(env: Environment) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    folder = env.addin_folder()
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


def _stamp_check(env: Environment, kind: str, path: Path, installed: str | None) -> Check | None:
    """The xlwings version in the file's VBA; None when it could not be read (reported)."""
    name = f"{kind} {path.name}"
    try:
        stamp = env.stamp(path)
    except Exception as exc:  # olevba cannot read it: a damaged or foreign file
        return Check(name, Verdict.ERROR, f"無法讀取巨集（{type(exc).__name__}）：{path}",
                     "重新建立：python -m invoicetools.build，或重新執行 invoicetools addin install")
    if stamp is None:
        return Check(name, Verdict.ERROR, f"沒有 xlwings 巨集模組：{path}",
                     "這不是 InvoiceTools 建立的檔案；請重新安裝增益集或用 invoicetools new 建立活頁簿")
    if installed is not None and stamp != installed:
        return Check(name, Verdict.ERROR, f"巨集是 xlwings {stamp}，Python 端是 {installed}：{path}",
                     "兩邊版本必須相同：重新執行 invoicetools addin install（活頁簿請用 invoicetools new 重建後貼回資料）")
    return Check(name, Verdict.OK, f"巨集 xlwings {stamp}：{path}")


def _settings_source(env: Environment, path: Path) -> Check | None:
    """A workbook whose xlwings module reads other settings than the add-in (built before 0.2)."""
    try:
        project = env.project_name(path)
    except Exception:  # unreadable: the stamp check has said so
        return None
    if project is None or project == CONF_NAME:
        return None
    return Check(f"活頁簿 {path.name} 的設定", Verdict.NOTE,
                 f"舊版活頁簿：工作表上的按鈕讀取活頁簿裡隱藏的 {project}.conf 工作表與 "
                 f"%USERPROFILE%\\.{project}\\{project}.conf，不是 invoicetools addin install 寫入的設定",
                 "用 invoicetools new 建立新的活頁簿，再把[設定]、[機台配號設定]與資料貼過去；在那之前請用功能區的按鈕")


def _addin_files(env: Environment, installed: str | None) -> list[Check]:
    out: list[Check] = []
    files = _candidate_files(env)
    legacy = env.legacy_addin_folder()
    if legacy is not None and (legacy / ADDIN_NAME).is_file() and legacy != env.addin_folder():
        out.append(Check("舊版增益集位置", Verdict.NOTE, f"{legacy / ADDIN_NAME} 是舊版安裝的；Excel 可能載入兩份",
                         "重新執行 invoicetools addin install（會移除舊的那份）"))
    if not files:
        where = f"（{env.addin_folder()}）" if env.addin_folder() else ""
        out.append(Check("增益集", Verdict.NOTE, f"找不到已安裝的 {ADDIN_NAME}{where}",
                         "執行 invoicetools addin install；或直接開啟由 invoicetools new 建立的活頁簿，使用工作表上的按鈕"))
        return out
    for kind, path in files:
        stamp = _stamp_check(env, kind, path, installed)
        if stamp is not None:
            out.append(stamp)
        if path.suffix.lower() == ".xlsm":
            source = _settings_source(env, path)
            if source is not None:
                out.append(source)
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
    reg = env.registry
    for version in office_registry.OFFICE_VERSIONS:
        policy = reg.get(rf"Software\Policies\Microsoft\Office\{version}\Excel\Security", "VBAWarnings")
        user = reg.get(rf"Software\Microsoft\Office\{version}\Excel\Security", "VBAWarnings")
        block = reg.get(rf"Software\Policies\Microsoft\Office\{version}\Excel\Security",
                        "blockcontentexecutionfrominternet")
        if policy is not None or user is not None or block is not None:
            break
    value = policy if policy is not None else user
    by_it = "（由公司 IT 原則設定，請洽 IT 人員）" if policy is not None else ""
    out: list[Check] = []
    if value in (None, 2):
        out.append(Check("巨集設定", Verdict.OK, "停用所有巨集（但顯示通知）：開啟時按「啟用內容」即可"))
    elif value == 1:
        out.append(Check("巨集設定", Verdict.NOTE, "啟用所有巨集（不安全）",
                         f"建議改為「停用所有巨集（但顯示通知）」：{_WHERE_MACROS}"))
    elif value == 3:
        out.append(Check("巨集設定", Verdict.ERROR,
                         f"只允許數位簽章的巨集；InvoiceTools 的巨集沒有簽章{by_it}：活頁簿的按鈕不能執行；"
                         "增益集只在受信任的資料夾中才能執行（見「受信任位置」）",
                         f"活頁簿請放在 IT 設定的受信任位置，或改為「停用所有巨集（但顯示通知）」：{_WHERE_MACROS}"))
    else:
        out.append(Check("巨集設定", Verdict.ERROR, f"停用所有巨集且不通知{by_it}",
                         f"改為「停用所有巨集（但顯示通知）」：{_WHERE_MACROS}；或把檔案放在受信任位置"))
    if block == 1:
        out.append(Check("網際網路巨集封鎖", Verdict.NOTE, "公司原則封鎖來自網際網路的檔案中的巨集",
                         "檔案若有下載標記，請先解除封鎖（見上）"))
    return out


def _trusted_location(env: Environment) -> list[Check]:
    """Does Excel trust the folder the add-in is in (only when it is installed, on Windows)."""
    folder = env.addin_folder()
    if not env.windows or folder is None or not (folder / ADDIN_NAME).is_file():
        return []
    out = []
    for version in office_registry.excel_versions(env.registry):
        state = office_registry.trust(env.registry, str(folder), version, env.env)
        name = f"受信任位置（Excel {version}）"
        if state.all_disabled:
            out.append(Check(name, Verdict.ERROR, "公司原則停用了所有受信任位置：增益集的巨集會被封鎖，除非有簽章",
                             "請 IT 以公司信任的程式碼簽章憑證簽署 InvoiceTools.xlam 的 VBA 專案（addin/README.md），"
                             "或允許受信任位置"))
        elif state.trusted:
            out.append(Check(name, Verdict.OK, f"{folder} 受信任（{state.trusted_by}）"))
        elif state.user_locations_off:
            out.append(Check(name, Verdict.ERROR, f"{folder} 不是受信任位置，公司原則只允許 IT 設定的位置",
                             f"請 IT 把 {folder} 加為 Excel 的受信任位置（群組原則 Trusted Location）"))
        else:
            out.append(Check(name, Verdict.ERROR, f"{folder} 不是受信任位置：增益集的巨集會被封鎖",
                             "重新執行 invoicetools addin install（會把這個資料夾設為受信任位置）"))
    return out


def _same_path(a: str, b: str) -> bool:
    return os.path.normcase(os.path.normpath(a)) == os.path.normcase(os.path.normpath(b))


def _user_conf(env: Environment) -> list[Check]:
    conf = env.conf_file()
    if conf is None:
        return []
    name = f"設定檔 {CONF_NAME}.conf"
    values = read_conf(conf)
    if not values:
        verdict = Verdict.ERROR if env.windows else Verdict.NOTE
        return [Check(name, verdict, f"找不到 {conf}（Excel 不知道 Python 在哪裡）",
                      "執行 invoicetools addin install（會寫入 Python 的位置）")]
    out = []
    if xlwings_setting("ADD_WORKBOOK_TO_PYTHONPATH", "true", user_file=values).lower() != "false":
        out.append(Check(f"{name} OneDrive", Verdict.NOTE,
                         "沒有 ADD_WORKBOOK_TO_PYTHONPATH=False：從 OneDrive/SharePoint 開啟的活頁簿會在執行前失敗",
                         "重新執行 invoicetools addin install"))
    interpreter = values.get("INTERPRETER_WIN") or values.get("INTERPRETER")
    if not interpreter:
        return [Check(name, Verdict.ERROR, f"{conf} 沒有 INTERPRETER_WIN", "重新執行 invoicetools addin install"), *out]
    expanded = expand_vars(interpreter, env.env)
    if not Path(expanded).is_file():
        return [Check(name, Verdict.ERROR, f"設定的 Python 不存在：{expanded}",
                      "用要使用的 Python 重新執行 invoicetools addin install"), *out]
    current = str(pythonw_for(env.executable))
    if not _same_path(expanded, current):
        return [Check(name, Verdict.NOTE, f"Excel 會使用 {expanded}，不是目前的 {current}",
                      "要讓 Excel 使用目前的 Python，請用它執行 invoicetools addin install"), *out]
    return [Check(name, Verdict.OK, f"Excel 會使用 {expanded}（功能區與工作表按鈕都讀這個檔）"), *out]
