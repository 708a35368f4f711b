"""The xlwings backend: ``WorkbookIO`` on the live workbook in Excel, and the Excel ``Context``.

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
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.dates import EXCEL_EPOCH
from ..domain.errors import InputError, Location
from . import layout
from .grid import table_from_grid
from .layout import Kind, Sheet, Table

if TYPE_CHECKING:
    import pandas as pd

    from ..actions.base import Context

__all__ = [
    "CHUNK_ROWS",
    "CHUNK_THRESHOLD",
    "TITLE",
    "XlwingsBook",
    "excel_context",
    "file_filter",
    "from_cell",
    "looks_like_formula",
    "to_cell",
]

TITLE = "InvoiceTools 電子發票"
CHUNK_THRESHOLD = 10_000  # rows: above this, xlwings writes (and reads) in chunks
CHUNK_ROWS = 5_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_STR_OR_NONE = frozenset({str, type(None)})
_MSO_FILE_DIALOG_FOLDER_PICKER = 4


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
class XlwingsBook:
    """``WorkbookIO`` over an open xlwings ``Book`` (usually ``xw.Book.caller()``)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.app = book.app

    @property
    def name(self) -> str:
        return str(self.book.name)

    @property
    def folder(self) -> Path | None:
        """The workbook's folder when it is a local one (OneDrive/SharePoint give a URL: ``None``)."""
        try:
            full = str(self.book.fullname)
        except Exception:  # an unsaved book
            return None
        if "://" in full:
            return None
        folder = Path(full).parent
        return folder if str(folder) not in ("", ".") and folder.is_dir() else None

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

    # --- Excel while working -----------------------------------------------------------------
    @contextmanager
    def busy(self, text: str) -> Iterator[None]:
        """Screen updating off, calculation manual, ``text`` on the status bar; all restored, even on error."""
        with self.app.properties(screen_updating=False, status_bar=text, calculation="manual"):
            yield

    def selected_sheets(self) -> list[str]:
        """Names of the sheet tabs the accountant has selected (grouped with Ctrl-click)."""
        try:
            return [str(s.Name) for s in self.book.api.Windows(1).SelectedSheets]
        except Exception:  # no window (hidden book) or not Windows
            return []


def _column_format(table: Table, header: str, values: Sequence[object]) -> str | None:
    if header in table.headers:
        return table.column(header).kind.number_format
    # a column the layout does not know (kept from an ERP export): text stays text
    return "@" if all(v is None or isinstance(v, str) for v in values) else None


# --------------------------------------------------------------------------------------------
# talking to the accountant: message boxes, input boxes, file dialogs, the status bar
# --------------------------------------------------------------------------------------------
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


def excel_context(io: XlwingsBook, **overrides: Any) -> Context:
    """A ``Context`` whose questions are Excel's own boxes and whose progress is the status bar."""
    from ..actions.base import Context

    app = io.app
    values: dict[str, Any] = {
        "progress": _progress(app),
        "confirm": _confirm(app),
        "ask_text": _ask_text(app),
        "ask_secret": _ask_secret(app),
        "choose_files": _choose_files(app),
        "choose_folder": _choose_folder(app),
    }
    values.update(overrides)
    return Context(io=io, **values)
