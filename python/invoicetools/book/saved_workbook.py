"""A workbook open in Excel whose file on disk holds what Excel shows: read from the file, write through Excel.

COM moves about a million cells in 3–5 seconds (xlwings issue 397), so a button that reads a
1M × 14 register through COM waits a minute before it starts. When the workbook is saved
(Excel's ``Saved`` flag: nothing changed since) and is a file on this computer (not a
OneDrive/SharePoint address), the file on disk *is* what Excel shows: this backend reads
it as the CLI does (calamine and the sheet cache, ``file_backend.FileBook``) and sends only
what the step writes — its result table, parameters and message — through COM
(``xlwings_io.XlwingsBook``). The file is never written: the results are in the open
workbook, and saving it stays the accountant's call. What the step wrote is also kept in
memory, so a later read in the same step sees it as the CLI's backend would.

``excel._entry.excel_context`` picks this backend (:func:`saved_local_file`); an unsaved or
cloud-only workbook is read through COM as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .io import WorkbookIO
from .layout import Sheet, Table

if TYPE_CHECKING:
    import pandas as pd

    from .file_backend import FileBook

__all__ = ["SavedWorkbook", "saved_local_file"]

_READABLE = (".xlsx", ".xlsm")


def saved_local_file(book: Any) -> Path | None:
    """The file of an xlwings ``Book`` when Excel holds it saved and it is on this computer, else None.

    >>> class Api:
    ...     Saved = True
    >>> class Book:
    ...     api, fullname = Api(), "https://d.docs.live.net/abc/Books/帳.xlsm"
    >>> saved_local_file(Book()) is None  # cloud-only: read through Excel
    True
    """
    try:
        saved = bool(book.api.Saved)
        fullname = str(book.fullname)
    except Exception:  # no Saved flag (another platform, a closed book): read through Excel
        return None
    if not saved or "://" in fullname:
        return None
    path = Path(fullname)
    try:
        return path if path.suffix.lower() in _READABLE and path.is_file() else None
    except OSError:
        return None


class SavedWorkbook(WorkbookIO):
    """Reads from the saved file (``FileBook``), writes through Excel (``excel``) — see the module docstring."""

    def __init__(self, excel: WorkbookIO, path: Path) -> None:
        from .file_backend import FileBook

        self._excel = excel
        self._file: FileBook = FileBook(path)
        self.path = path

    @property
    def name(self) -> str:
        return self._excel.name

    # --- reading: the file on disk (with what this step wrote kept in memory) ------------------
    def read_table(self, table: Table) -> pd.DataFrame:
        return self._file.read_table(table)

    def read_columns(self, table: Table, columns: Sequence[str]) -> pd.DataFrame:
        return self._file.read_columns(table, columns)

    def prefetch(self, sheets: Sequence[str], columns: Mapping[str, Sequence[str]] | None = None) -> None:
        self._file.prefetch(sheets, columns)

    def read_params(self, sheet: Sheet) -> dict[str, object]:
        return self._file.read_params(sheet)

    def read_status(self, sheet: Sheet) -> str | None:
        return self._file.read_status(sheet)

    def content_key(self, table: Table) -> str | None:
        return self._file.content_key(table)

    # --- writing: through Excel (and remembered for the reads above) ---------------------------
    def write_table(self, table: Table, frame: pd.DataFrame) -> None:
        self._excel.write_table(table, frame)
        self._file.write_table(table, frame)

    def write_params(self, sheet: Sheet, values: Mapping[str, object]) -> None:
        self._excel.write_params(sheet, values)
        self._file.write_params(sheet, values)

    def set_status(self, sheet: Sheet, text: str) -> None:
        self._excel.set_status(sheet, text)
        self._file.set_status(sheet, text)

    def commit(self) -> None:
        """The open workbook has the writes; the file on disk is never written."""
        self._excel.commit()

    def close(self) -> None:
        self._file.close()
        self._excel.close()
