"""The one I/O seam between the steps and a workbook (like httpx's transport).

``WorkbookIO`` reads a sheet's table as a DataFrame, replaces a table whole, reads and
writes a sheet's parameter cells and status message. Three backends implement it:
``memory.MemoryBook`` (tests; ships in the package like httpx's ``MockTransport``),
``file_backend.FileBook`` (the CLI and CI: calamine-based reads, writes only the sheets
that change) and ``xlwings_io.XlwingsBook`` (the live workbook in Excel).

The protocol is the whole contract (like httpx's transport): a backend subclasses it and
gets working defaults for what it need not do better — ``prefetch`` (read several sheets at
once) does nothing, ``read_columns`` reads the table and keeps the columns asked for.
Nothing is found on a backend with ``getattr`` or an ``isinstance`` test; what only Excel
can do (dialogs, the status bar, the open workbook's folder) is the action's host, not
the backend's.

Backends return *raw* tables: the headers as found in the sheet and the values as the
backend holds them (strings for files, Python objects from Excel). The index is the Excel
row number of each data row, so every finding can point at a row. ``book.tables`` turns
raw tables into typed ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from ..domain.errors import InputError, Location
from .layout import Sheet, Table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["HEADER_SCAN_ROWS", "WorkbookIO", "find_header_row", "header_aliases", "param_text"]

HEADER_SCAN_ROWS = 30  # pasted data: look for the header row among the first rows


@runtime_checkable
class WorkbookIO(Protocol):
    """What a step's action needs from a workbook."""

    @property
    def name(self) -> str:
        """The workbook's file name, for messages and the run log."""
        ...

    def read_table(self, table: Table) -> pd.DataFrame:
        """The table's rows as found (header detection allowed); index = Excel row numbers."""
        ...

    def write_table(self, table: Table, frame: pd.DataFrame) -> None:
        """Replace the table's rows with ``frame`` (columns = headers, layout order first)."""
        ...

    def read_params(self, sheet: Sheet) -> dict[str, object]:
        """The sheet's parameter values by ``Param.key`` (``None`` when blank)."""
        ...

    def write_params(self, sheet: Sheet, values: Mapping[str, object]) -> None: ...

    def set_status(self, sheet: Sheet, text: str) -> None:
        """Show the step's message on the sheet (its status row)."""
        ...

    def read_status(self, sheet: Sheet) -> str | None:
        """The step's message as the sheet shows it (``None`` when blank or the sheet has no status row)."""
        ...

    def commit(self) -> None:
        """Make the writes durable (the file backend writes the file; others do nothing)."""
        ...

    def prefetch(self, sheets: Sequence[str], columns: Mapping[str, Sequence[str]] | None = None) -> None:
        """Read several sheets at once where the backend can (the file backend: in parallel threads).

        ``columns`` names, per sheet, the only columns the step will ask for with
        :meth:`read_columns`. The default reads nothing ahead.
        """
        return None

    def read_columns(self, table: Table, columns: Sequence[str]) -> pd.DataFrame:
        """Only ``columns`` of the table (those present), same rows and values as ``read_table``."""
        frame = self.read_table(table)
        return frame.loc[:, [c for c in columns if c in frame.columns]]


def header_aliases(table: Table) -> dict[str, str]:
    """Map every accepted header spelling (normalised) to the layout header."""
    out: dict[str, str] = {}
    for col in table.columns:
        for name in (col.header, *col.aliases):
            out[normalise_header(name)] = col.header
    return out


def normalise_header(text: object) -> str:
    """Headers compare without spaces, full-width forms or case: ' 發票 號碼 ' == '發票號碼'.

    >>> normalise_header("　發票 號碼 "), normalise_header("InvoiceNumber")
    ('發票號碼', 'invoicenumber')
    """
    from ..domain._text import to_ascii

    if text is None:
        return ""
    return to_ascii(str(text)).lower()


def find_header_row(rows: Sequence[Sequence[object]], table: Table, *, where: Location) -> int:
    """Index (into ``rows``) of the row that holds the table's headers.

    The row with the most known headers wins; it must hold every required header, else
    ``InputError`` lists the headers that were found (beangulp style).
    """
    aliases = header_aliases(table)
    best, best_hits = -1, 0
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        hits = len({aliases[h] for h in (normalise_header(v) for v in row) if h in aliases})
        if hits > best_hits:
            best, best_hits = i, hits
    if best < 0:
        raise InputError(
            f"找不到標題列；需要的欄位：{'、'.join(table.required or table.headers)}",
            where=where,
        )
    found = {aliases[h] for h in (normalise_header(v) for v in rows[best]) if h in aliases}
    missing = [h for h in table.required if h not in found]
    if missing:
        present = [str(v) for v in rows[best] if v is not None and str(v).strip()]
        raise InputError(
            f"缺少必要欄位「{'、'.join(missing)}」；找到的欄位：{'、'.join(present) or '（無）'}",
            where=where,
        )
    return best


def param_text(value: object) -> str | None:
    """A parameter cell as trimmed text, ``None`` when blank; Excel's 11402.0 comes back as 11402.

    >>> param_text(" 11402 "), param_text(11402.0), param_text(""), param_text(None), param_text(float("nan"))
    ('11402', '11402', None, None, None)
    """
    try:
        if value is None or bool(value != value):  # NaN, NaT
            return None
    except TypeError:  # pandas.NA has no truth value
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None
