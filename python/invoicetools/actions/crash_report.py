"""The crash report: an unexpected error's traceback in a file for support, never on the accountant's screen.

Both faces (the CLI and the Excel buttons) show a short zh-TW message with the file's path.
"""

from __future__ import annotations

import tempfile
import traceback
from pathlib import Path

__all__ = ["crash_report"]


def crash_report(exc: BaseException) -> Path:
    """Write the traceback of an unexpected error to a file and return its path."""
    fd, name = tempfile.mkstemp(prefix="invoicetools-crash-", suffix=".txt")
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write("".join(traceback.format_exception(exc)))
    return Path(name)
