"""RunPython entry points: one thin, parameterless function per button (see ``book.layout.ACTIONS``).

Each gets the calling workbook through xlwings, runs the same action as the CLI and shows
the result in a message box. Nothing here raises into Excel: every error becomes a zh-TW
message that says what to do (``_entry.run_in_excel``).
"""

from __future__ import annotations

from ._entry import run_in_excel

__all__ = ["run_in_excel"]
