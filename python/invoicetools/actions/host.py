"""The host an action runs in: what only the face that started it can do.

An action talks to the accountant only through its host: asking yes/no or for text or a
secret, choosing files and folders, showing progress, and — in Excel — the open
workbook's folder, the selected sheet tabs, Excel's own PDF printer and the files Excel
has loaded. The CLI builds a host from its flags (``cli/_common.py``), Excel from its
dialogs (``excel/host.py``); the default host asks nobody: it refuses every question and
chooses nothing, so an action run without a face never guesses. No action looks at the
backend's type to find out where it runs.

>>> host = Host()
>>> host.confirm("作廢？"), host.choose_folder("選擇資料夾"), host.workbook_folder()
(False, None, None)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Host", "PdfRenderer", "Progress"]

Progress = Callable[[str, int | None, int | None], None]  # (text, done, total)
PdfRenderer = Callable[[bytes], bytes]  # the values-only .xlsx → the PDF


def _quiet(text: str, done: int | None = None, total: int | None = None) -> None:
    return None


def _no(prompt: str) -> bool:
    return False


def _no_text(prompt: str, default: str) -> str | None:
    return None


def _no_secret(prompt: str) -> str | None:
    return None


def _no_files(title: str, kinds: str, many: bool) -> list[Path]:
    return []


def _no_folder(title: str) -> Path | None:
    return None


def _nothing() -> None:
    return None


def _no_names() -> list[str]:
    return []


def _no_paths() -> list[Path]:
    return []


@dataclass
class Host:
    """What the face running an action can do; each ability is a plain function (tests pass lambdas)."""

    progress: Progress = _quiet
    confirm: Callable[[str], bool] = _no  # Excel: a Yes/No box; CLI: an explicit flag
    ask_text: Callable[[str, str], str | None] = _no_text  # (prompt, default); Excel: an input box
    ask_secret: Callable[[str], str | None] = _no_secret  # Excel: an input box; CLI: getpass
    choose_files: Callable[[str, str, bool], list[Path]] = _no_files  # (title, kinds, many); Excel: file dialog
    choose_folder: Callable[[str], Path | None] = _no_folder  # Excel: folder dialog
    workbook_folder: Callable[[], Path | None] = _nothing  # the open workbook's folder, when it is a local one
    selected_sheets: Callable[[], list[str]] = _no_names  # the sheet tabs the accountant has selected
    loaded_files: Callable[[], list[Path]] = _no_paths  # the workbook and add-in files the host has open
    pdf_renderer: PdfRenderer | None = field(default=None)  # the host's own PDF printer (Excel's), else LibreOffice
