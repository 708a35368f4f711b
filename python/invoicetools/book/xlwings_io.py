"""The xlwings backend: ``WorkbookIO`` on the live workbook in Excel (Excel's dialogs are ``excel.host``).

One bulk read per table (the sheet's used range, header row found by name on input sheets
where data may be pasted below or beside the Excel table) and one bulk write per table
(old rows cleared, text formats set *before* the values so leading zeros survive, the
Excel table resized over the new rows, chunked above 10,000 rows). Values are normalised
at this boundary, in both directions:

* read: Excel numbers (``float``, or ``Decimal`` for currency-formatted cells, which
  Windows returns through ``Range.Value``) become ``int`` when whole, else ``float``;
  date cells stay ``datetime``; a time-only cell (day 0 = 1899-12-30) becomes a
  ``time``; empty cells are ``None``. The index is the Excel row number.
* write: NA/NaN/NaT → empty, ``Timestamp`` → ``datetime``, ``bool`` → 是/否, ``Decimal``
  and numpy numbers → ``int``/``float``, ``time`` → text; text that Excel would take as a
  formula (``= + - @``) gets Excel's quote prefix.

The module imports nothing from xlwings: it drives the objects it is handed (a
``xlwings.Book``; tests hand it ``tests/excel/fake_xlwings.py``), so the package imports
on machines without Excel.

>>> to_cell("=SUM(A1)"), to_cell("0012"), to_cell(True), to_cell(Decimal("12.50"))
("'=SUM(A1)", '0012', '是', 12.5)
>>> from_cell(12345678.0), from_cell(Decimal("1234.5000")), from_cell(datetime.datetime(1899, 12, 30, 9, 5))
(12345678, 1234.5, datetime.time(9, 5))
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..domain.dates import EXCEL_EPOCH
from ..domain.errors import InputError, Location
from . import layout
from .grid import table_from_grid
from .io import WorkbookIO
from .layout import Kind, Sheet, Table

if TYPE_CHECKING:
    import pandas as pd


__all__ = [
    "CHUNK_ROWS",
    "CHUNK_THRESHOLD",
    "XlwingsBook",
    "from_cell",
    "looks_like_formula",
    "to_cell",
]

CHUNK_THRESHOLD = 10_000  # rows: above this, xlwings writes (and reads) in chunks
CHUNK_ROWS = 5_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_STR_OR_NONE = frozenset({str, type(None)})


# --------------------------------------------------------------------------------------------
# values at the boundary
# --------------------------------------------------------------------------------------------
def looks_like_formula(text: str) -> bool:
    """Text a spreadsheet would take as a formula (``= + - @``) or that starts with tab/CR:
    written with the quote prefix, so it stays text (formula injection)."""
    return text.startswith(FORMULA_START)


def _quoted(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def from_cell(value: object) -> object:
    """One value as xlwings reads it → the value the steps see."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.datetime):
        if value.date() == EXCEL_EPOCH:
            return value.time()  # a time-of-day cell (Excel day 0)
        return value.replace(tzinfo=None)
    return value


def _column_from_cells(values: list[Any]) -> list[Any]:
    if set(map(type, values)) <= _STR_OR_NONE:
        return values  # text columns: nothing to normalise (the common case, kept fast)
    return [from_cell(v) for v in values]


def to_cell(value: object) -> object:
    """One value of a DataFrame → what is handed to Excel (which xlwings/COM can marshal)."""
    if value is None:
        return None
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.datetime):
        return None if value != value else value.replace(tzinfo=None)  # NaT is a datetime too
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    if isinstance(value, datetime.time):
        return value.isoformat()
    import numpy as np
    import pandas as pd

    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else to_cell(value.to_pydatetime())
    if isinstance(value, np.generic):
        return to_cell(value.item())
    return to_cell(str(value))


def _column_to_cells(series: pd.Series) -> list[Any]:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return [None if pd.isna(v) else v.to_pydatetime().replace(tzinfo=None) for v in series]
    values = series.astype(object).where(series.notna(), None).tolist()
    kinds = set(map(type, values))
    if kinds <= _STR_OR_NONE:
        return [None if v is None else _quoted(v) for v in values]
    return [to_cell(v) for v in values]


# --------------------------------------------------------------------------------------------
# the backend
# --------------------------------------------------------------------------------------------
class XlwingsBook(WorkbookIO):
    """``WorkbookIO`` over an open xlwings ``Book`` (usually ``xw.Book.caller()``)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.app = book.app

    @property
    def name(self) -> str:
        return str(self.book.name)

    def _where(self, sheet: str) -> Location:
        return Location(file=self.name, sheet=sheet)

    def _sheet(self, name: str) -> Any:
        try:
            return self.book.sheets[name]
        except Exception:  # COM error / KeyError: the sheet is not there
            raise InputError(
                f"這本活頁簿沒有[{name}]工作表；請在 InvoiceTools 活頁簿（invoicetools new 建立）中執行",
                where=Location(file=self.name),
            ) from None

    def _table(self, sheet: Any, table: Table) -> Any:
        try:
            return sheet.tables[table.name]
        except Exception:
            raise InputError(
                f"[{table.sheet}]工作表上找不到表格 {table.name}；請勿刪除或改名表格"
                "（可用 invoicetools new 建立新的活頁簿後貼回資料）",
                where=self._where(table.sheet),
            ) from None

    # --- reading -----------------------------------------------------------------------------
    def _grid(self, sheet: Any) -> pd.DataFrame:
        """The sheet's used range in one read: index = Excel rows, columns = Excel column numbers."""
        import pandas as pd

        used = sheet.used_range
        n_rows = int(used.shape[0])
        options: dict[str, Any] = {"ndim": 2}
        if n_rows > CHUNK_THRESHOLD:
            options["chunksize"] = CHUNK_ROWS
        rows = used.options(**options).value or []
        first_row, first_col = int(used.row), int(used.column)
        columns = [_column_from_cells(list(col)) for col in zip(*rows, strict=True)] if rows else []
        return pd.DataFrame(
            {first_col + j: col for j, col in enumerate(columns)},
            index=range(first_row, first_row + len(rows)),
            dtype=object,
        )

    def read_table(self, table: Table) -> pd.DataFrame:
        sheet = self._sheet(table.sheet)
        grid = self._grid(sheet)
        header_row = None if layout.sheet(table.sheet).role is layout.Role.INPUT else table.header_row
        return table_from_grid(grid, table, self._where(table.sheet), header_row=header_row)

    def read_params(self, sheet: Sheet) -> dict[str, object]:
        if not sheet.params:
            return {}
        ws = self._sheet(sheet.name)
        top = min(p.row for p in sheet.params)
        bottom = max(p.row for p in sheet.params)
        block = ws.range((top, 2), (bottom, 2)).options(ndim=2).value
        out: dict[str, object] = {}
        for p in sheet.params:
            value = from_cell(block[p.row - top][0])
            if isinstance(value, str) and value.strip() == "":
                value = None
            if value is not None and p.kind in (Kind.ID, Kind.TEXT) and not isinstance(value, str):
                value = str(value)  # a number typed into an ID cell: 11402, not 11402.0
            out[p.key] = value
        return out

    # --- writing -----------------------------------------------------------------------------
    def write_table(self, table: Table, frame: pd.DataFrame) -> None:
        ws = self._sheet(table.sheet)
        excel_table = self._table(ws, table)
        headers = [str(c) for c in frame.columns]
        n = len(frame)
        first_col, header_row = table.first_col, table.header_row
        last_col = first_col + len(headers) - 1

        old = excel_table.range
        old_last_row = int(old.row) + int(old.shape[0]) - 1
        old_last_col = int(old.column) + int(old.shape[1]) - 1
        used = ws.used_range
        used_last_row = int(used.row) + int(used.shape[0]) - 1
        clear_last_row = max(old_last_row, used_last_row)
        clear_last_col = max(old_last_col, last_col)

        # 1. old rows out (and rows pasted below the table): contents only, formats stay
        if clear_last_row > header_row:
            ws.range((header_row + 1, first_col), (clear_last_row, clear_last_col)).clear_contents()
        # 2. the Excel table over the new rows (header + at least one body row)
        excel_table.resize(ws.range((header_row, first_col), (header_row + max(n, 1), last_col)))
        if old_last_col > last_col:
            ws.range((header_row, last_col + 1), (header_row, old_last_col)).clear_contents()
        current = ws.range((header_row, first_col), (header_row, last_col)).options(ndim=2).value
        if [("" if v is None else str(v)) for v in current[0]] != headers:
            ws.range((header_row, first_col)).value = [headers]
        if n == 0:
            return
        # 3. formats before values: text columns as '@' so 00123 stays 00123
        columns = [_column_to_cells(frame.iloc[:, j]) for j in range(len(headers))]
        formats = [_column_format(table, h, col) for h, col in zip(headers, columns, strict=True)]
        first_row, last_row = header_row + 1, header_row + n
        start = 0
        for j in range(1, len(formats) + 1):
            if j == len(formats) or formats[j] != formats[start]:
                if formats[start] is not None:
                    ws.range((first_row, first_col + start), (last_row, first_col + j - 1)).number_format = formats[start]
                start = j
        # 4. one write of all values
        rows = [list(r) for r in zip(*columns, strict=True)]
        target = ws.range((first_row, first_col))
        if n > CHUNK_THRESHOLD:
            target = target.options(chunksize=CHUNK_ROWS)
        target.value = rows

    def write_params(self, sheet: Sheet, values: Mapping[str, object]) -> None:
        ws = self._sheet(sheet.name)
        for key, value in values.items():
            p = sheet.param(key)
            cell = ws.range(p.cell)
            if p.kind in (Kind.ID, Kind.TEXT, Kind.BOOL):
                cell.number_format = "@"
            elif p.kind in (Kind.DATE, Kind.DATETIME):
                cell.number_format = p.kind.number_format
            cell.value = to_cell(value)

    def set_status(self, sheet: Sheet, text: str) -> None:
        if sheet.status_cell is None:
            raise KeyError(f"{sheet.name} has no status row")
        self._sheet(sheet.name).range(sheet.status_cell).value = to_cell(text)

    def read_status(self, sheet: Sheet) -> str | None:
        if sheet.status_cell is None:
            return None
        value = self._sheet(sheet.name).range(sheet.status_cell).value
        return str(value).strip() or None if value is not None else None

    def commit(self) -> None:
        """Nothing to do: the writes are in the open workbook; saving it is the accountant's call."""


def _column_format(table: Table, header: str, values: Sequence[object]) -> str | None:
    if header in table.headers:
        return table.column(header).kind.number_format
    # a column the layout does not know (kept from an ERP export): text stays text
    return "@" if all(v is None or isinstance(v, str) for v in values) else None
