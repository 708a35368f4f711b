"""Excel as the host of an action: its message and input boxes, file and folder dialogs, the status
bar, the open workbook's folder and selected tabs, its PDF printer and the files it has loaded.

Everything here drives the xlwings objects it is handed (``xw.Book.caller()`` in Excel,
``tests/excel/fake_xlwings.py`` in the tests); nothing imports xlwings.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..actions.host import Host, PdfRenderer

__all__ = ["TITLE", "busy", "excel_host", "file_filter", "workbook_folder"]

TITLE = "InvoiceTools 電子發票"
_MSO_FILE_DIALOG_FOLDER_PICKER = 4
ADDIN_NAME = "InvoiceTools.xlam"


def file_filter(kinds: str) -> str:
    """An Excel ``GetOpenFilename`` filter from ``kinds``: an Excel filter as is, or extensions.

    >>> file_filter("csv,xlsx")
    '支援的檔案 (*.csv;*.xlsx),*.csv;*.xlsx,所有檔案 (*.*),*.*'
    >>> file_filter("配號檔 (*.csv),*.csv")
    '配號檔 (*.csv),*.csv'
    >>> file_filter("")
    '所有檔案 (*.*),*.*'
    """
    if "(" in kinds and ")," in kinds:
        return kinds
    exts = [e.strip().lstrip("*").lstrip(".") for e in kinds.replace(";", ",").replace(" ", ",").split(",")]
    patterns = ";".join(f"*.{e}" for e in exts if e)
    everything = "所有檔案 (*.*),*.*"
    return f"支援的檔案 ({patterns}),{patterns},{everything}" if patterns else everything


def _confirm(app: Any) -> Callable[[str], bool]:
    def confirm(prompt: str) -> bool:
        return bool(app.alert(prompt, title=TITLE, buttons="yes_no") == "yes")

    return confirm


def _input_box(app: Any, prompt: str, default: str) -> str | None:
    answer = app.api.InputBox(prompt, TITLE, default)
    if answer is False or answer is None:  # Cancel
        return None
    return str(answer)


def _ask_text(app: Any) -> Callable[[str, str], str | None]:
    def ask_text(prompt: str, default: str) -> str | None:
        return _input_box(app, prompt, default or "")

    return ask_text


def _ask_secret(app: Any) -> Callable[[str], str | None]:
    def ask_secret(prompt: str) -> str | None:
        # The answer goes straight back to the caller: never into a cell, the status bar or a log.
        return _input_box(app, prompt, "")

    return ask_secret


def _choose_files(app: Any) -> Callable[[str, str, bool], list[Path]]:
    def choose_files(title: str, kinds: str, many: bool) -> list[Path]:
        answer = app.api.GetOpenFilename(file_filter(kinds), 1, title, None, bool(many))
        if answer is False or answer is None:
            return []
        if isinstance(answer, str):
            return [Path(answer)]
        return [Path(str(a)) for a in answer]

    return choose_files


def _choose_folder(app: Any) -> Callable[[str], Path | None]:
    def choose_folder(title: str) -> Path | None:
        dialog = app.api.FileDialog(_MSO_FILE_DIALOG_FOLDER_PICKER)
        dialog.Title = title
        dialog.AllowMultiSelect = False
        if dialog.Show() != -1:  # -1 = the accountant pressed OK
            return None
        return Path(str(dialog.SelectedItems(1)))

    return choose_folder


def _progress(app: Any) -> Callable[[str, int | None, int | None], None]:
    last: list[str] = [""]

    def progress(text: str, done: int | None = None, total: int | None = None) -> None:
        shown = f"{text} {done * 100 // total}%" if done is not None and total else text
        if shown != last[0]:  # one status-bar call per visible change
            last[0] = shown
            app.status_bar = shown

    return progress




def workbook_folder(book: Any) -> Path | None:
    """The workbook's folder when it is a local one (OneDrive/SharePoint give a URL: ``None``)."""
    try:
        full = str(book.fullname)
    except Exception:  # an unsaved book
        return None
    if "://" in full:
        return None
    folder = Path(full).parent
    return folder if str(folder) not in ("", ".") and folder.is_dir() else None


def _selected_sheets(book: Any) -> Callable[[], list[str]]:
    def selected_sheets() -> list[str]:
        """Names of the sheet tabs the accountant has selected (grouped with Ctrl-click)."""
        try:
            return [str(s.Name) for s in book.api.Windows(1).SelectedSheets]
        except Exception:  # no window (hidden book) or not Windows
            return []

    return selected_sheets


def _loaded_files(book: Any) -> Callable[[], list[Path]]:
    def loaded_files() -> list[Path]:
        """The workbook itself (an .xlsm carries the VBA too) and the loaded add-in, as Excel knows them."""
        paths: list[Path] = []
        for kind in ("book", "addin"):
            try:
                full = str(book.fullname if kind == "book" else book.app.api.Workbooks(ADDIN_NAME).FullName)
            except Exception:  # an unsaved book, the add-in not loaded
                continue
            if "://" not in full:
                paths.append(Path(full))
        return paths

    return loaded_files


def pdf_renderer(app: Any) -> PdfRenderer:
    """Print the values-only workbook to PDF with Excel (``Book.to_pdf``), in a temp folder."""

    def render(xlsx: bytes) -> bytes:
        with tempfile.TemporaryDirectory(prefix="invoicetools-pdf-") as tmp:
            source = Path(tmp) / "審閱.xlsx"
            source.write_bytes(xlsx)
            pdf = Path(tmp) / "審閱.pdf"
            opened = app.books.open(str(source), read_only=True)
            try:
                opened.to_pdf(str(pdf))
            finally:
                opened.close()
            return pdf.read_bytes()

    return render


@contextmanager
def busy(app: Any, text: str) -> Iterator[None]:
    """Screen updating off, calculation manual, ``text`` on the status bar; all restored, even on error."""
    with app.properties(screen_updating=False, status_bar=text, calculation="manual"):
        yield


def excel_host(book: Any, **overrides: Any) -> Host:
    """A host whose questions are Excel's own boxes and whose progress is the status bar."""
    app = book.app
    values: dict[str, Any] = {
        "progress": _progress(app),
        "confirm": _confirm(app),
        "ask_text": _ask_text(app),
        "ask_secret": _ask_secret(app),
        "choose_files": _choose_files(app),
        "choose_folder": _choose_folder(app),
        "workbook_folder": lambda: workbook_folder(book),
        "selected_sheets": _selected_sheets(book),
        "loaded_files": _loaded_files(book),
        "pdf_renderer": pdf_renderer(app),
    }
    values.update(overrides)
    return Host(**values)
