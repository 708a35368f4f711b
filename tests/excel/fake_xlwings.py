"""A small fake of exactly the slice of xlwings that ``invoicetools.book.xlwings_io`` and the
Excel entry points use, behaving like Excel on Windows where it matters:

* writing a value is like typing it: in a cell not formatted as text (``'@'``) a numeric
  string becomes a number (``"00123"`` → ``123.0``, the leading-zero bug), a date-like
  string becomes a date, ``"=..."`` becomes a formula; a leading apostrophe is Excel's
  quote prefix (not part of the value);
* reading gives what ``Range.Value`` gives: numbers as ``float``, currency-formatted cells
  (a ``$`` in the number format) as ``Decimal`` rounded to 4 places, dates as ``datetime``,
  empty cells as ``None``; a single row or column is 1-D unless ``options(ndim=2)``;
* ``chunksize`` splits a transfer into several COM calls, which are counted;
* ``Book.api.Saved`` is Excel's flag (False until a test says the workbook is saved) and
  ``Book.fullname`` its path (or a OneDrive address);
* ``App.alert`` accepts only the buttons/modes xlwings' Windows engine knows;
* only values COM can marshal may be written (no ``pd.NA``, ``time``, arbitrary objects).

Every read, write, format, clear and resize is recorded in ``app.log``.
"""

from __future__ import annotations

import datetime
import math
import re
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from invoicetools.book import layout

__all__ = ["ComError", "FakeApp", "FakeBook", "FakeRange", "FakeSheet", "FakeTable", "Formula", "layout_book"]

MAX_ROWS = 1_048_576
_NUMBER = re.compile(r"^\s*[+-]?(\d+(,\d{3})*|\d*)(\.\d+)?([eE][+-]?\d+)?\s*$")
_DATE = re.compile(r"^\s*(\d{4})[/-](\d{1,2})[/-](\d{1,2})\s*$")
_BUTTONS = {"ok", "ok_cancel", "yes_no", "yes_no_cancel"}
_MODES = {None, "info", "critical"}


class ComError(Exception):
    """What pywin32 raises for a missing sheet, table … (pywintypes.com_error)."""


class Formula(str):
    """A cell that Excel took as a formula."""


def col_letter(n: int) -> str:
    return layout.column_letter(n)


def parse_address(address: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", address.upper())
    if not m:
        raise ValueError(address)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


# --------------------------------------------------------------------------------------------
class FakeApp:
    def __init__(self, *, answers: list[str] | None = None) -> None:
        self.screen_updating = True
        self.status_bar: str | bool = False
        self.calculation = "automatic"
        self.display_alerts = True
        self.status_history: list[str | bool] = []
        self.alerts: list[dict[str, Any]] = []
        self.alert_answers: deque[str] = deque(answers or [])
        self.log: list[tuple[Any, ...]] = []
        self.api = FakeAppApi(self)
        self.books = FakeBooks(self)
        self.pdf_exports: list[tuple[str, Path, Any]] = []

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "status_bar" and "status_history" in self.__dict__:
            self.status_history.append(value)
        super().__setattr__(name, value)

    @contextmanager
    def properties(self, **kwargs: Any) -> Iterator[FakeApp]:
        initial = {k: getattr(self, k) for k in kwargs}
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.log.append(("properties", dict(kwargs)))
        try:
            yield self
        finally:
            for k, v in initial.items():
                setattr(self, k, v)

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None,
              callback: str | None = None) -> str:
        if buttons not in _BUTTONS or mode not in _MODES:  # xlwings' Windows engine: KeyError
            raise KeyError(buttons if buttons not in _BUTTONS else mode)
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        if self.alert_answers:
            return self.alert_answers.popleft()
        return {"ok": "ok", "ok_cancel": "ok", "yes_no": "no", "yes_no_cancel": "cancel"}[buttons]


class FakeFileDialog:
    def __init__(self, api: FakeAppApi, kind: int) -> None:
        self.api = api
        self.kind = kind
        self.Title = ""
        self.AllowMultiSelect = True
        self._chosen: str | None = None

    def Show(self) -> int:
        self.api.calls.append(("FileDialog.Show", self.kind, self.Title))
        self._chosen = self.api.folder_answers.popleft() if self.api.folder_answers else None
        return -1 if self._chosen is not None else 0

    def SelectedItems(self, index: int) -> str:
        assert index == 1 and self._chosen is not None
        return self._chosen


class FakeAppApi:
    """``app.api``: Application.InputBox, GetOpenFilename, FileDialog."""

    def __init__(self, app: FakeApp) -> None:
        self.app = app
        self.calls: list[tuple[Any, ...]] = []
        self.input_answers: deque[str | bool] = deque()
        self.file_answers: deque[Any] = deque()
        self.folder_answers: deque[str | None] = deque()
        self.loaded: dict[str, str] = {}  # add-ins Excel has loaded: name → full path

    def InputBox(self, prompt: str, title: Any = None, default: Any = None, *args: Any) -> str | bool:
        self.calls.append(("InputBox", prompt, title, default))
        return self.input_answers.popleft() if self.input_answers else False

    def GetOpenFilename(self, file_filter: str = "", filter_index: int = 1, title: str = "",
                        button_text: Any = None, multi_select: bool = False) -> Any:
        self.calls.append(("GetOpenFilename", file_filter, filter_index, title, multi_select))
        return self.file_answers.popleft() if self.file_answers else False

    def Workbooks(self, name: str) -> Any:
        """Open workbooks and loaded add-ins by name (``.FullName``)."""
        if name not in self.loaded:
            raise ComError(f"no workbook {name!r}")
        return type("Workbook", (), {"Name": name, "FullName": self.loaded[name]})()

    def FileDialog(self, kind: int) -> FakeFileDialog:
        return FakeFileDialog(self, kind)


class FakeBooks:
    def __init__(self, app: FakeApp) -> None:
        self.app = app
        self.opened: list[FakeBook] = []

    def open(self, fullname: str | Path, **kwargs: Any) -> FakeBook:
        book = FakeBook(Path(fullname).name, fullname=str(fullname), app=self.app)
        self.app.log.append(("open", str(fullname)))
        self.opened.append(book)
        return book


class _SelectedSheet:
    def __init__(self, name: str) -> None:
        self.Name = name


class _Window:
    def __init__(self, book: FakeBook) -> None:
        self.SelectedSheets = [_SelectedSheet(n) for n in book.selected]


class _BookApi:
    def __init__(self, book: FakeBook) -> None:
        self.book = book
        self.Saved = False  # Workbook.Saved: nothing changed since the last save (a test sets it)

    def Windows(self, index: int) -> _Window:
        return _Window(self.book)


class FakeBook:
    def __init__(self, name: str = "InvoiceTools.xlsm", *, fullname: str | None = None, app: FakeApp | None = None) -> None:
        self.name = name
        self.fullname = fullname if fullname is not None else name
        self.app = app or FakeApp()
        self.sheets = FakeSheets(self)
        self.selected: list[str] = []
        self.api = _BookApi(self)
        self.closed = False

    def to_pdf(self, path: str | Path | None = None, include: Any = None, exclude: Any = None, **kwargs: Any) -> str:
        target = Path(path) if path is not None else Path(self.fullname).with_suffix(".pdf")
        names = [s.name for s in self.sheets]
        target.write_bytes(b"%PDF-1.7\n% fake: " + ",".join(names).encode("utf-8") + b"\n%%EOF\n")
        self.app.pdf_exports.append((self.name, target, include))
        return str(target)

    def close(self) -> None:
        self.closed = True


class FakeSheets:
    def __init__(self, book: FakeBook) -> None:
        self.book = book
        self._sheets: dict[str, FakeSheet] = {}

    def add(self, name: str) -> FakeSheet:
        sheet = FakeSheet(name, self.book)
        self._sheets[name] = sheet
        return sheet

    def __getitem__(self, key: str | int) -> FakeSheet:
        if isinstance(key, int):
            return list(self._sheets.values())[key]
        try:
            return self._sheets[key]
        except KeyError:
            raise ComError(f"no sheet {key!r}") from None

    def __iter__(self) -> Iterator[FakeSheet]:
        return iter(list(self._sheets.values()))

    def __len__(self) -> int:
        return len(self._sheets)


class FakeTables:
    def __init__(self) -> None:
        self._tables: dict[str, FakeTable] = {}

    def __getitem__(self, name: str) -> FakeTable:
        try:
            return self._tables[name]
        except KeyError:
            raise ComError(f"no table {name!r}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._tables

    def __iter__(self) -> Iterator[FakeTable]:
        return iter(list(self._tables.values()))


class FakeSheet:
    def __init__(self, name: str, book: FakeBook) -> None:
        self.name = name
        self.book = book
        self.rows: dict[int, list[Any]] = {}  # Excel row → values by column (index 0 = column A)
        self.formats: dict[int, list[tuple[int, int, str]]] = {}  # column → painted (first, last, format)
        self.tables = FakeTables()

    @property
    def app(self) -> FakeApp:
        return self.book.app

    # addresses -------------------------------------------------------------------------------
    def range(self, first: Any, last: Any = None) -> FakeRange:
        r1, c1 = _cell(first)
        r2, c2 = _cell(last) if last is not None else (r1, c1)
        if isinstance(first, str) and ":" in first:
            a, b = first.split(":")
            (r1, c1), (r2, c2) = parse_address(a), parse_address(b)
        return FakeRange(self, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    @property
    def used_range(self) -> FakeRange:
        rows = [r for r, vals in self.rows.items() if any(v is not None for v in vals)]
        cols = [c + 1 for vals in self.rows.values() for c, v in enumerate(vals) if v is not None] if rows else []
        for t in self.tables:
            rows += [t.ref[0], t.ref[2]]
            cols += [t.ref[1], t.ref[3]]
        if not rows:
            return FakeRange(self, 1, 1, 1, 1)
        return FakeRange(self, min(rows), min(cols), max(rows), max(cols))

    # cells -----------------------------------------------------------------------------------
    def get(self, row: int, col: int) -> Any:
        vals = self.rows.get(row)
        return vals[col - 1] if vals is not None and col - 1 < len(vals) else None

    def put(self, row: int, col: int, value: Any) -> None:
        vals = self.rows.setdefault(row, [])
        if col - 1 >= len(vals):
            if value is None:
                return
            vals.extend([None] * (col - len(vals)))
        vals[col - 1] = value

    def format_of(self, row: int, col: int) -> str:
        for first, last, fmt in reversed(self.formats.get(col, [])):
            if first <= row <= last:
                return fmt
        return "General"

    def column_formats(self, col: int, r1: int, r2: int) -> list[str]:
        out = ["General"] * (r2 - r1 + 1)
        for first, last, fmt in self.formats.get(col, []):
            lo, hi = max(first, r1), min(last, r2)
            if lo <= hi:
                out[lo - r1 : hi - r1 + 1] = [fmt] * (hi - lo + 1)
        return out

    def add_table(self, name: str, header_row: int, first_col: int, headers: list[str], n_rows: int = 1) -> FakeTable:
        for j, h in enumerate(headers):
            self.put(header_row, first_col + j, h)
        table = FakeTable(self, name, (header_row, first_col, header_row + max(n_rows, 1), first_col + len(headers) - 1))
        self.tables._tables[name] = table
        return table

    # test helpers -----------------------------------------------------------------------------
    def type_in(self, address: str, rows: list[list[Any]]) -> None:
        """Type values in as a user would (Excel's entry rules apply)."""
        r0, c0 = parse_address(address)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                self.put(r0 + i, c0 + j, _store(value, self.format_of(r0 + i, c0 + j)))

    def formulas(self) -> list[tuple[int, int, str]]:
        return [(r, c + 1, v) for r, vals in self.rows.items() for c, v in enumerate(vals) if isinstance(v, Formula)]


def _cell(ref: Any) -> tuple[int, int]:
    if isinstance(ref, tuple):
        return int(ref[0]), int(ref[1])
    if isinstance(ref, FakeRange):
        return ref.r1, ref.c1
    text = str(ref).split(":")[0]
    return parse_address(text)


# --------------------------------------------------------------------------------------------
def _store(value: Any, fmt: str) -> Any:
    """What Excel keeps when ``value`` is assigned to a cell with number format ``fmt``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, np.generic) and not isinstance(value, np.str_):  # xlwings: numpy numbers → float
        value = value.item()
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, datetime.datetime):
        return datetime.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        if value == "":
            return None
        if value.startswith("'"):
            return value[1:]  # the quote prefix
        if fmt == "@":
            return value
        if value.startswith("="):
            return Formula(value)
        if _NUMBER.match(value) and any(ch.isdigit() for ch in value):
            return float(value.replace(",", ""))
        m = _DATE.match(value)
        if m:
            try:
                return datetime.datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:  # not a real date: Excel keeps the text
                return value
        return value
    raise TypeError(f"COM cannot marshal {type(value).__name__}: {value!r}")


def _load(value: Any, fmt: str) -> Any:
    """What ``Range.Value`` returns for a stored value."""
    if isinstance(value, float) and "$" in fmt:
        return Decimal(str(round(value, 4)))
    return value


class FakeRange:
    def __init__(self, sheet: FakeSheet, r1: int, c1: int, r2: int, c2: int, options: dict[str, Any] | None = None) -> None:
        assert 1 <= r1 <= r2 <= MAX_ROWS and 1 <= c1 <= c2, (r1, c1, r2, c2)
        self.sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2
        self._options = dict(options or {})

    def __repr__(self) -> str:
        return f"<FakeRange {self.sheet.name}!{self.address}>"

    @property
    def api(self) -> FakeRange:
        return self

    @property
    def row(self) -> int:
        return self.r1

    @property
    def column(self) -> int:
        return self.c1

    @property
    def shape(self) -> tuple[int, int]:
        return self.r2 - self.r1 + 1, self.c2 - self.c1 + 1

    @property
    def last_cell(self) -> FakeRange:
        return FakeRange(self.sheet, self.r2, self.c2, self.r2, self.c2)

    @property
    def address(self) -> str:
        a = f"${col_letter(self.c1)}${self.r1}"
        return a if (self.r1, self.c1) == (self.r2, self.c2) else f"{a}:${col_letter(self.c2)}${self.r2}"

    def options(self, **kwargs: Any) -> FakeRange:
        return FakeRange(self.sheet, self.r1, self.c1, self.r2, self.c2, {**self._options, **kwargs})

    def resize(self, row_size: int | None = None, column_size: int | None = None) -> FakeRange:
        rows, cols = self.shape
        return FakeRange(self.sheet, self.r1, self.c1, self.r1 + (row_size or rows) - 1, self.c1 + (column_size or cols) - 1)

    def _calls(self, n_rows: int) -> int:
        chunk = self._options.get("chunksize")
        return max(1, math.ceil(n_rows / chunk)) if chunk else 1

    # values ----------------------------------------------------------------------------------
    @property
    def value(self) -> Any:
        rows, cols = self.shape
        self.sheet.app.log.append(("read", self.sheet.name, self.address, (rows, cols), self._calls(rows)))
        columns = []
        for c in range(self.c1, self.c2 + 1):
            fmts = self.sheet.column_formats(c, self.r1, self.r2)
            columns.append([_load(self.sheet.get(r, c), f) for r, f in zip(range(self.r1, self.r2 + 1), fmts, strict=True)])
        grid = [list(r) for r in zip(*columns, strict=True)]
        if self._options.get("ndim") == 2:
            return grid
        if rows == 1 and cols == 1:
            return grid[0][0]
        if rows == 1:
            return grid[0]
        if cols == 1:
            return [r[0] for r in grid]
        return grid

    @value.setter
    def value(self, data: Any) -> None:
        if isinstance(data, (list, tuple)):
            grid = [list(r) for r in data] if data and isinstance(data[0], (list, tuple)) else [list(data)]
        else:
            grid = [[data] * self.shape[1] for _ in range(self.shape[0])]
        n_rows = len(grid)
        n_cols = max((len(r) for r in grid), default=0)
        self.sheet.app.log.append(("write", self.sheet.name, self.address, (n_rows, n_cols), self._calls(n_rows)))
        if n_rows == 0:
            return
        r2 = self.r1 + n_rows - 1
        for j in range(n_cols):
            c = self.c1 + j
            fmts = self.sheet.column_formats(c, self.r1, r2)
            for i, row in enumerate(grid):
                self.sheet.put(self.r1 + i, c, _store(row[j] if j < len(row) else None, fmts[i]))

    @property
    def number_format(self) -> str:
        return self.sheet.format_of(self.r1, self.c1)

    @number_format.setter
    def number_format(self, fmt: str) -> None:
        self.sheet.app.log.append(("format", self.sheet.name, self.address, fmt))
        for c in range(self.c1, self.c2 + 1):
            self.sheet.formats.setdefault(c, []).append((self.r1, self.r2, fmt))

    def clear_contents(self) -> None:
        self.sheet.app.log.append(("clear", self.sheet.name, self.address))
        for r in [r for r in self.sheet.rows if self.r1 <= r <= self.r2]:
            vals = self.sheet.rows[r]
            for c in range(self.c1, min(self.c2, len(vals)) + 1):
                vals[c - 1] = None


class _TableApi:
    def __init__(self, table: FakeTable) -> None:
        self.table = table

    def Resize(self, rng: FakeRange) -> None:
        self.table.resize(rng)


class FakeTable:
    """An Excel table (ListObject): ``ref`` = (first row, first col, last row, last col), header row first."""

    def __init__(self, sheet: FakeSheet, name: str, ref: tuple[int, int, int, int]) -> None:
        self.sheet, self.name, self.ref = sheet, name, ref
        self.api = _TableApi(self)

    @property
    def range(self) -> FakeRange:
        return FakeRange(self.sheet, *self.ref)

    @property
    def header_row_range(self) -> FakeRange:
        r1, c1, _, c2 = self.ref
        return FakeRange(self.sheet, r1, c1, r1, c2)

    @property
    def data_body_range(self) -> FakeRange | None:
        r1, c1, r2, c2 = self.ref
        return None if r2 == r1 else FakeRange(self.sheet, r1 + 1, c1, r2, c2)

    def resize(self, rng: FakeRange) -> None:
        r1, c1, _, c2 = self.ref
        if rng.r1 != r1:
            raise ComError("the header row must stay in the same row")
        if rng.c2 < c1 or rng.c1 > c2:
            raise ComError("the new range must overlap the table")
        self.ref = (rng.r1, rng.c1, rng.r2, rng.c2)
        self.sheet.app.log.append(("resize", self.name, rng.address))
        for j in range(rng.c1, rng.c2 + 1):  # Excel names empty header cells Column1, Column2 …
            if self.sheet.get(r1, j) in (None, ""):
                self.sheet.put(r1, j, f"Column{j - rng.c1 + 1}")


# --------------------------------------------------------------------------------------------
def layout_book(name: str = "InvoiceTools.xlsm", *, fullname: str | None = None, app: FakeApp | None = None) -> FakeBook:
    """A fake workbook laid out like the product template: every sheet, table, parameter
    label and column format of ``book.layout``, the 設定 rows filled with their defaults."""
    book = FakeBook(name, fullname=fullname, app=app)
    for sheet in layout.SHEETS:
        ws = book.sheets.add(sheet.name)
        ws.put(1, 1, sheet.title)
        for p in sheet.params:
            ws.put(p.row, 1, p.label)
            ws.formats.setdefault(2, []).append((p.row, p.row, p.kind.number_format))
            if p.default:
                ws.put(p.row, 2, p.default)
        t = sheet.table
        if t is None:
            continue
        for j, col in enumerate(t.columns):
            ws.formats.setdefault(t.first_col + j, []).append((t.first_data_row, MAX_ROWS, col.kind.number_format))
        rows: list[list[Any]] = []
        if sheet.name == "設定":
            rows = [[label, default or None, note] for label, default, note in layout.SETTING_KEYS]
        ws.add_table(t.name, t.header_row, t.first_col, list(t.headers), max(len(rows), 1))
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                ws.put(t.first_data_row + i, t.first_col + j, v)
    book.app.log.clear()
    return book
