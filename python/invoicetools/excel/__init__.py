"""RunPython entry points: one thin, parameterless function per button (see ``book.layout.ACTIONS``).

``RunPython "import invoicetools.excel as x; x.check_upload()"`` resolves ``check_upload``
lazily from this package's modules (``excel/upload.py`` …), so a click imports only the
area it needs. Each function gets the calling workbook through xlwings, runs the same
action as the CLI and shows the result in a message box; nothing raises into Excel
(``_entry.run_in_excel``).
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from ._entry import run_in_excel

__all__ = ["entry_points", "run_in_excel"]


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def entry_points() -> dict[str, Any]:
    """Every public function of the area modules, by name (for checks and docs)."""
    found: dict[str, Any] = {}
    for name in _modules():
        module = importlib.import_module(f"{__name__}.{name}")
        for attr in getattr(module, "__all__", ()):
            found[attr] = getattr(module, attr)
    return found


def __getattr__(name: str) -> Any:
    for module_name in _modules():
        module = importlib.import_module(f"{__name__}.{module_name}")
        if name in getattr(module, "__all__", ()):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
