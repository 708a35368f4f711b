r"""The xlwings settings the add-in and the workbook read (``invoicetools.conf``), written by the installer.

Both xlwings VBA modules in our files have PROJECT_NAME ``invoicetools``, so xlwings'
``GetConfig`` (pinned 0.37.8, ``xlwings.bas``/``xlwings_custom_addin.bas``) looks a key up in:

1. the sheet ``invoicetools.conf`` of the workbook (the add-in: of the active workbook, then of
   the add-in): keys in column A from A1 down, values in column B;
2. the file ``invoicetools.conf`` in the workbook's folder;
3. the user's file ``%USERPROFILE%\.invoicetools\invoicetools.conf``;
4. the default the caller gives;

and expands ``%VAR%`` in the value. A file holds lines ``"KEY","VALUE"`` read with VBA's
``Input #`` in the ANSI code page; keys compare case-insensitively (``LCase``), sheet keys
upper-cased (``UCase``). :func:`xlwings_setting` is that lookup, for checks and tests.

``invoicetools addin install`` writes into the user's file (:data:`INSTALL_KEYS`): the
interpreter, PYTHONPATH, and ``ADD_WORKBOOK_TO_PYTHONPATH`` ``False``: with xlwings' default
(true) a workbook opened from OneDrive/SharePoint stops before any of our code runs
("Couldn't find your local OneDrive file", xlwings.utils.prepare_sys_path) and a ``.py`` file
next to the workbook could shadow a module. Uninstall removes exactly these keys.

>>> conf_text({"INTERPRETER_WIN": r"%LOCALAPPDATA%\venv\Scripts\pythonw.exe"})
'"INTERPRETER_WIN","%LOCALAPPDATA%\\venv\\Scripts\\pythonw.exe"\r\n'
>>> expand_vars(r"%LOCALAPPDATA%\x", {"LOCALAPPDATA": r"C:\Users\a\AppData\Local"})
'C:\\Users\\a\\AppData\\Local\\x'
>>> with_env_vars(r"C:\Users\王\AppData\Local\venv\pythonw.exe", {"LOCALAPPDATA": r"C:\Users\王\AppData\Local"})
'%LOCALAPPDATA%\\venv\\pythonw.exe'
>>> xlwings_setting("add_workbook_to_pythonpath", "true", sheet={"ADD_WORKBOOK_TO_PYTHONPATH": "False"},
...                 user_file={"ADD_WORKBOOK_TO_PYTHONPATH": "true"})
'False'
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "CONF_NAME",
    "INSTALLED_MARKER",
    "INSTALL_KEYS",
    "conf_encoding",
    "conf_text",
    "expand_vars",
    "install_values",
    "read_conf",
    "with_env_vars",
    "xlwings_setting",
]

CONF_NAME = "invoicetools"  # xlwings PROJECT_NAME of the add-in and the workbook
INSTALLED_MARKER = "INVOICETOOLS_INSTALLED"  # our line in the file: uninstall removes only what we wrote
INSTALL_KEYS = ("INTERPRETER_WIN", "PYTHONPATH", "ADD_WORKBOOK_TO_PYTHONPATH")
_ENV_PREFIXES = ("LOCALAPPDATA", "APPDATA", "USERPROFILE")


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


def conf_encoding() -> str:
    """What VBA reads text files with: the ANSI code page on Windows (cp950 on zh-TW)."""
    if sys.platform.startswith("win"):
        import locale

        return locale.getpreferredencoding(False) or "mbcs"
    return "utf-8"


def read_conf(path: Path, encoding: str | None = None) -> dict[str, str]:
    """The keys and values of an xlwings conf file (keys upper-cased); ``{}`` when missing."""
    try:
        data = path.read_bytes()
    except OSError:
        return {}
    text = data.decode(encoding or conf_encoding(), errors="replace")
    out: dict[str, str] = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 2 and row[0].strip():
            out[row[0].strip().upper()] = row[1].strip()
    return out


def conf_text(values: Mapping[str, str]) -> str:
    return "".join(f'"{k}","{v}"\r\n' for k, v in values.items())


def install_values(python: str, package_root: str, version: str, env: Mapping[str, str]) -> dict[str, str]:
    """What ``invoicetools addin install`` writes into the user's file (paths with %VARS%)."""
    return {
        "INTERPRETER_WIN": with_env_vars(python, env),
        "PYTHONPATH": with_env_vars(package_root, env),
        "ADD_WORKBOOK_TO_PYTHONPATH": "False",
        INSTALLED_MARKER: version,
    }


def xlwings_setting(
    key: str,
    default: str = "",
    *,
    sheet: Mapping[str, str] | None = None,
    folder_file: Mapping[str, str] | None = None,
    user_file: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
) -> str:
    """The value xlwings' VBA ``GetConfig(key, default)`` finds (see the module docstring)."""
    for layer in (sheet, folder_file, user_file):
        if not layer:
            continue
        by_key = {k.upper(): v for k, v in layer.items()}
        if key.upper() in by_key:
            return expand_vars(by_key[key.upper()], env or {})
    return expand_vars(default, env or {})
