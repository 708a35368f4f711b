"""In-memory workbook (tests, and a fake that ships with the package like httpx's MockTransport).

>>> from invoicetools.book import layout
>>> book = MemoryBook.new()
>>> book.read_settings_value("MIG版本")
'4.1'
>>> import pandas as pd
>>> t = layout.table("機台配號設定")
>>> book.write_table(t, pd.DataFrame({"帳別": ["A"], "機台號": ["01"], "組數": [2]}))
>>> book.read_table(t).loc[5, "機台號"]
'01'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from . import layout
from .io import WorkbookIO
from .layout import Sheet, Table

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MemoryBook"]


class MemoryBook(WorkbookIO):
    """A workbook held in dicts: one DataFrame per table, parameters and status per sheet."""

    def __init__(self, name: str = "memory.xlsm") -> None:
        self._name = name
        self.tables: dict[str, pd.DataFrame] = {}
        self.params: dict[str, dict[str, object]] = {}
        self.status: dict[str, str] = {}
        self.commits = 0

    @classmethod
    def new(cls, name: str = "memory.xlsm") -> MemoryBook:
        """A workbook as the template starts: settings rows with their defaults, empty tables."""
        import pandas as pd

        book = cls(name)
        for sheet in layout.SHEETS:
            if sheet.table is not None:
                book.tables[sheet.table.name] = pd.DataFrame(columns=list(sheet.table.headers))
            book.params[sheet.name] = {p.key: (p.default or None) for p in sheet.params}
        settings = layout.table("設定")
        book.tables[settings.name] = pd.DataFrame(
            [[label, default or None, note] for label, default, note in layout.SETTING_KEYS],
            columns=list(settings.headers),
        )
        book._reindex(settings)
        return book

    @property
    def name(self) -> str:
        return self._name

    def _reindex(self, table: Table) -> None:
        frame = self.tables[table.name]
        frame.index = range(table.first_data_row, table.first_data_row + len(frame))

    def read_table(self, table: Table) -> pd.DataFrame:
        import pandas as pd

        frame = self.tables.get(table.name)
        if frame is None:
            return pd.DataFrame(columns=list(table.headers))
        return frame.copy()

    def write_table(self, table: Table, frame: pd.DataFrame) -> None:
        self.tables[table.name] = frame.reset_index(drop=True).copy()
        self._reindex(table)

    def read_params(self, sheet: Sheet) -> dict[str, object]:
        return dict(self.params.get(sheet.name, {}))

    def write_params(self, sheet: Sheet, values: Mapping[str, object]) -> None:
        known = {p.key for p in sheet.params}
        unknown = set(values) - known
        if unknown:
            raise KeyError(f"{sheet.name} has no parameters {sorted(unknown)}")
        self.params.setdefault(sheet.name, {}).update(values)

    def set_status(self, sheet: Sheet, text: str) -> None:
        self.status[sheet.name] = text

    def read_status(self, sheet: Sheet) -> str | None:
        return self.status.get(sheet.name) or None

    def commit(self) -> None:
        self.commits += 1

    # convenience for tests and doctests
    def read_settings_value(self, label: str) -> object:
        frame = self.tables[layout.table("設定").name]
        match = frame.loc[frame["項目"] == label, "設定值"]
        return None if match.empty else match.iloc[0]
