r"""Excel's trusted locations in the current user's registry (``HKEY_CURRENT_USER``), behind a seam.

A macro in a file that Excel opens from a *trusted location* runs without the macro prompt
and even where IT allows only signed macros. ``invoicetools addin install`` puts the add-in
into the user's XLSTART folder (as xlwings' own ``xlwings addin install`` does); Excel lists
that folder among its default trusted locations ("User StartUp"). Install checks that Excel
really trusts it, and registers the folder under its own key when it does not; uninstall
removes that key again and nothing else.

Registry facts (Microsoft's Office Group Policy templates, office16.admx, as published at
admx.help; per Office version ``16.0`` = 2016/2019/2021/Microsoft 365, ``15.0`` = 2013):

* the user's locations: ``Software\Microsoft\Office\<v>\Excel\Security\Trusted Locations\<any
  name>`` with values ``Path`` (REG_SZ/REG_EXPAND_SZ), ``AllowSubfolders`` (DWORD),
  ``Description``, ``Date``;
* IT's locations: the same under ``Software\Policies\Microsoft\Office\<v>\Excel\Security\Trusted
  Locations``, where ``AllLocationsDisabled`` = 1 ("Disable all trusted locations") switches off
  every location;
* ``Software\Policies\Microsoft\Office\<v>\Common\Security\Trusted Locations`` value
  ``Allow User Locations`` = 0 ("Allow mix of policy and user locations" disabled): only IT's
  locations count.

:class:`WindowsRegistry` is the real one (``winreg``; it takes the module, so its calls can be
checked on any system); :class:`MemoryRegistry` ships for tests and for systems without a
registry.

>>> reg = MemoryRegistry()
>>> reg.set(r"Software\Microsoft\Office\16.0\Excel\Options", "Font", "Calibri,11")
>>> reg.get(r"software\microsoft\office\16.0\excel\options", "font")
'Calibri,11'
>>> reg.subkeys(r"Software\Microsoft\Office\16.0")
['Excel']
>>> covers(r"%APPDATA%\Microsoft\Excel\XLSTART\\", r"C:\Users\a\AppData\Roaming\Microsoft\Excel\XLSTART",
...        subfolders=False, env={"APPDATA": r"C:\Users\a\AppData\Roaming"})
True
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "OUR_DESCRIPTION",
    "OUR_LOCATION",
    "MemoryRegistry",
    "Registry",
    "Trust",
    "WindowsRegistry",
    "covers",
    "current",
    "excel_versions",
    "register",
    "trust",
    "unregister",
]

OFFICE_VERSIONS = ("16.0", "15.0")
USER_LOCATIONS = r"Software\Microsoft\Office\{version}\Excel\Security\Trusted Locations"
POLICY_LOCATIONS = r"Software\Policies\Microsoft\Office\{version}\Excel\Security\Trusted Locations"
POLICY_COMMON = r"Software\Policies\Microsoft\Office\{version}\Common\Security\Trusted Locations"
OUR_LOCATION = "InvoiceTools"  # our subkey under USER_LOCATIONS
OUR_DESCRIPTION = "InvoiceTools add-in (written by invoicetools addin install)"


class Registry(Protocol):
    """Keys and values under HKEY_CURRENT_USER; key paths with backslashes, case-insensitive."""

    def get(self, key: str, name: str) -> object | None: ...

    def subkeys(self, key: str) -> list[str]: ...

    def set(self, key: str, name: str, value: str | int) -> None: ...

    def delete_key(self, key: str) -> None: ...


class MemoryRegistry:
    """A registry in a dict (case-insensitive like Windows'): tests and non-Windows systems."""

    def __init__(self) -> None:
        self._keys: dict[str, tuple[str, dict[str, tuple[str, object]]]] = {}

    @staticmethod
    def _norm(key: str) -> str:
        return key.strip("\\").lower()

    def get(self, key: str, name: str) -> object | None:
        entry = self._keys.get(self._norm(key))
        if entry is None or name.lower() not in entry[1]:
            return None
        return entry[1][name.lower()][1]

    def subkeys(self, key: str) -> list[str]:
        prefix = self._norm(key) + "\\"
        found: dict[str, str] = {}
        for norm, (shown, _) in self._keys.items():
            if norm.startswith(prefix):
                child = shown.strip("\\").split("\\")[prefix.count("\\")]
                found.setdefault(child.lower(), child)
        return sorted(found.values(), key=str.lower)

    def set(self, key: str, name: str, value: str | int) -> None:
        parts = key.strip("\\").split("\\")
        for i in range(1, len(parts) + 1):  # parents exist too, as in the real registry
            self._keys.setdefault(self._norm("\\".join(parts[:i])), ("\\".join(parts[:i]), {}))
        self._keys[self._norm(key)][1][name.lower()] = (name, value)

    def delete_key(self, key: str) -> None:
        if self.subkeys(key):
            raise OSError(f"{key} has subkeys")
        self._keys.pop(self._norm(key), None)

    def values(self, key: str) -> dict[str, object]:
        entry = self._keys.get(self._norm(key))
        return {} if entry is None else {name: value for name, value in entry[1].values()}


class WindowsRegistry:
    """HKEY_CURRENT_USER through ``winreg`` (given as ``module`` in tests)."""

    def __init__(self, module: Any = None) -> None:
        if module is None:
            import winreg  # type: ignore[import-not-found,unused-ignore]

            module = winreg
        self._w = module

    def get(self, key: str, name: str) -> object | None:
        try:
            with self._w.OpenKey(self._w.HKEY_CURRENT_USER, key) as handle:
                value, _kind = self._w.QueryValueEx(handle, name)
                return value  # type: ignore[no-any-return]
        except OSError:
            return None

    def subkeys(self, key: str) -> list[str]:
        names: list[str] = []
        try:
            with self._w.OpenKey(self._w.HKEY_CURRENT_USER, key) as handle:
                while True:
                    try:
                        names.append(self._w.EnumKey(handle, len(names)))
                    except OSError:
                        return names
        except OSError:
            return names

    def set(self, key: str, name: str, value: str | int) -> None:
        kind = self._w.REG_DWORD if isinstance(value, int) else self._w.REG_SZ
        with self._w.CreateKeyEx(self._w.HKEY_CURRENT_USER, key, 0, self._w.KEY_WRITE) as handle:
            self._w.SetValueEx(handle, name, 0, kind, value)

    def delete_key(self, key: str) -> None:
        self._w.DeleteKey(self._w.HKEY_CURRENT_USER, key)


def current() -> Registry:
    """This machine's registry: HKEY_CURRENT_USER on Windows, an empty in-memory one elsewhere."""
    return WindowsRegistry() if sys.platform.startswith("win") else MemoryRegistry()


# --------------------------------------------------------------------------------------------
# trusted locations
# --------------------------------------------------------------------------------------------
def _expand(text: str, env: Mapping[str, str]) -> str:
    lowered = {k.upper(): v for k, v in env.items()}
    return re.sub(r"%([^%]+)%", lambda m: lowered.get(m.group(1).upper(), m.group(0)), text)


def _folder(path: str, env: Mapping[str, str]) -> str:
    return _expand(path, env).replace("/", "\\").rstrip("\\").lower()


def covers(location: str, folder: str, *, subfolders: bool, env: Mapping[str, str]) -> bool:
    """Whether a trusted location with this ``Path`` includes ``folder``."""
    loc, target = _folder(location, env), _folder(folder, env)
    return target == loc or (subfolders and target.startswith(loc + "\\"))


def excel_versions(reg: Registry) -> list[str]:
    """The Office versions whose Excel has settings for this user (16.0 when none has yet)."""
    found = [v for v in OFFICE_VERSIONS if "excel" in {k.lower() for k in reg.subkeys(rf"Software\Microsoft\Office\{v}")}]
    return found or [OFFICE_VERSIONS[0]]


@dataclass(frozen=True)
class Trust:
    """Whether Excel ``version`` trusts a folder, and why not."""

    version: str
    trusted_by: str = ""  # the Description (or key name) of the location that includes the folder
    ours: bool = False  # that location is the one install wrote
    all_disabled: bool = False  # IT: "Disable all trusted locations"
    user_locations_off: bool = False  # IT: only its own locations count

    @property
    def trusted(self) -> bool:
        return bool(self.trusted_by) and not self.all_disabled


def _matching(reg: Registry, root: str, folder: str, env: Mapping[str, str]) -> list[str]:
    found = []
    for name in reg.subkeys(root):
        key = f"{root}\\{name}"
        path = reg.get(key, "Path")
        if isinstance(path, str) and covers(path, folder, subfolders=reg.get(key, "AllowSubfolders") == 1, env=env):
            found.append(name)
    return found


def trust(reg: Registry, folder: str, version: str, env: Mapping[str, str]) -> Trust:
    """How Excel ``version`` treats macros in files of ``folder``."""
    all_disabled = reg.get(POLICY_LOCATIONS.format(version=version), "AllLocationsDisabled") == 1
    user_off = reg.get(POLICY_COMMON.format(version=version), "Allow User Locations") == 0
    policy_root = POLICY_LOCATIONS.format(version=version)
    user_root = USER_LOCATIONS.format(version=version)
    for name in _matching(reg, policy_root, folder, env):
        label = str(reg.get(f"{policy_root}\\{name}", "Description") or name)
        return Trust(version, trusted_by=label, all_disabled=all_disabled, user_locations_off=user_off)
    if not user_off:
        for name in _matching(reg, user_root, folder, env):
            label = str(reg.get(f"{user_root}\\{name}", "Description") or name)
            return Trust(version, trusted_by=label, ours=name.lower() == OUR_LOCATION.lower(),
                         all_disabled=all_disabled)
    return Trust(version, all_disabled=all_disabled, user_locations_off=user_off)


def register(reg: Registry, folder: str, version: str, today: str) -> str:
    """Add ``folder`` as a trusted location of Excel ``version`` under our own key; its key path."""
    key = USER_LOCATIONS.format(version=version) + "\\" + OUR_LOCATION
    reg.set(key, "Path", folder.rstrip("\\") + "\\")
    reg.set(key, "AllowSubfolders", 0)
    reg.set(key, "Description", OUR_DESCRIPTION)
    reg.set(key, "Date", today)
    return key


def unregister(reg: Registry, version: str) -> str | None:
    """Remove the trusted location ``register`` wrote (only when it still carries our description)."""
    key = USER_LOCATIONS.format(version=version) + "\\" + OUR_LOCATION
    if reg.get(key, "Description") != OUR_DESCRIPTION:
        return None
    reg.delete_key(key)
    return key
