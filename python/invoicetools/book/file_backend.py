"""The file backend: a workbook file read with calamine (fastexcel) and written part by part.

Reads: one bulk read per sheet (all cells as text, so nothing is guessed: IDs keep their
zeros, dates arrive as Excel serials or as typed text) with the header row found by name.
Writes: only the sheets that changed are rewritten (``xlsx_sheet``), every other part of
the package is copied byte for byte, and the file is replaced atomically. A workbook that
is open in Excel is refused, never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.errors import InputError, Location
from . import layout, sheet_cache
from .grid import load_columns, load_grid, table_from_grid
from .io import WorkbookIO
from .layout import Kind, Sheet, Table
from .xlsx_package import Package, Replacement, refuse_if_open
from .xlsx_sheet import TableWrite, rewrite_sheet, rewrite_table_part
from .xlsx_styles import QuoteStyles

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FileBook"]

_STYLES = "xl/styles.xml"
# Parsing sheets in parallel threads costs the sum of their memory: a 1M-row register (600 MB of XML)
# takes 1.1 GB while calamine parses it, its platform status (360 MB) 0.6 GB. Together they stay under this.
PARSE_MEMORY = 900 * 1024**2
_PARSE_BYTES_PER_XML_BYTE = 1.9


@dataclass
class _Grid:
    """A whole sheet as text: index = Excel row numbers, columns = Excel column numbers."""

    frame: pd.DataFrame

    def value(self, row: int, col: int) -> str | None:
        if row in self.frame.index and col in self.frame.columns:
            v = self.frame.at[row, col]
            if v is None or v != v or (isinstance(v, str) and v == ""):
                return None
            return str(v)
        return None


class FileBook(WorkbookIO):
    """``WorkbookIO`` over an .xlsm/.xlsx file. Writes are kept until ``commit``.

    ``writer=True`` (every command that may write) takes the workbook's lock before the first
    read and keeps it until :meth:`close` (``workbook_lock``): a second writer waits up to
    ``lock_wait`` seconds, then refuses; nothing one of them does is lost.
    """

    def __init__(self, path: str | Path, *, writer: bool = False, lock_wait: float | None = None,
                 command: str = "", waiting: Callable[[str], None] | None = None) -> None:
        from .workbook_lock import DEFAULT_WAIT, WorkbookLock

        self.path = Path(path)
        if not self.path.exists():
            raise InputError("找不到活頁簿檔案", where=Location(file=str(self.path)))
        self._lock = WorkbookLock(self.path)
        if writer:
            self._lock.acquire(DEFAULT_WAIT if lock_wait is None else lock_wait, command=command,
                               waiting=waiting or (lambda text: None))
        try:
            self._package = Package(self.path)
        except BaseException:
            self._lock.release()
            raise
        self._grids: dict[str, _Grid] = {}
        self._tables: dict[str, tuple[Table, pd.DataFrame]] = {}
        self._cells: dict[str, dict[tuple[int, int], object]] = {}
        self._subsets: dict[tuple[str, tuple[str, ...]], pd.DataFrame | None] = {}
        self._read_tables: dict[str, pd.DataFrame] = {}  # tables read from the file as it is now
        # (text, done, total) → the CLI's progress bar; silent by default
        self.progress: Callable[[str, int | None, int | None], None] = lambda text, done, total: None

    @property
    def name(self) -> str:
        return self.path.name

    def close(self) -> None:
        self._package.close()
        self._lock.release()

    # --- reading -----------------------------------------------------------------------------
    def _grid(self, sheet_name: str) -> _Grid:
        if sheet_name not in self._grids:
            part = self._package.sheet_part(sheet_name)
            first_row = self._package.first_value_row(part)
            self.progress(f"讀取工作表「{sheet_name}」…", None, None)
            self._grids[sheet_name] = _Grid(load_grid(self.path, sheet_name, first_row, cache=False))
        return self._grids[sheet_name]

    def _parse(self, table: Table) -> pd.DataFrame:
        """The table from the sheet itself (calamine), kept in the cache when the sheet is big."""
        from . import table_cache

        grid = self._grid(table.sheet).frame
        where = Location(file=self.name, sheet=table.sheet)
        frame = table_from_grid(grid, table, where, header_row=table_cache.header_mode(table))
        if len(grid) >= sheet_cache.CACHE_MIN_ROWS:
            del self._grids[table.sheet]  # a 1M-row grid is not kept: its table is (and the cache)
            sheet_cache.write(table_cache.entry(self._package, table), frame)
        return frame

    def _read(self, table: Table) -> pd.DataFrame:
        """The table as the file holds it: from this book's memory, the cache, or the sheet."""
        from . import table_cache

        if table.name not in self._read_tables:
            frame = table_cache.read(self._package, table)
            self._read_tables[table.name] = frame if frame is not None else self._parse(table)
        return self._read_tables[table.name]

    def prefetch(self, sheets: Sequence[str], columns: Mapping[str, Sequence[str]] | None = None) -> None:
        """Read several big sheets at once (calamine parses in parallel threads, without the GIL).

        Steps that need both 發票資料 and 平台狀況 call this first; reading then costs the
        slower of the two instead of their sum. ``columns`` names, per sheet, the only columns
        the step will ask for with :meth:`read_columns`: with the cache off only those are
        converted; with it on the whole table is read once and kept for the next steps.
        Sheets already read, or in the cache, are skipped; sheets too big to parse together
        (:meth:`_parse_together`) are read one after the other.
        """
        from concurrent.futures import ThreadPoolExecutor

        from . import table_cache

        def needed(sheet: str) -> bool:
            table = layout.table(sheet)
            if sheet in self._tables or table.name in self._read_tables:
                return False
            file = table_cache.entry(self._package, table)
            return file is None or not file.exists()

        todo = [s for s in dict.fromkeys(sheets) if needed(s)]
        if not todo:
            return
        wanted = dict(columns or {})
        cache_on = sheet_cache.cache_dir() is not None

        def read(sheet: str) -> None:
            if not cache_on and sheet in wanted and self._subset(sheet, wanted[sheet]) is not None:
                return
            self._read(layout.table(sheet))

        if len(todo) < 2 or not self._parse_together(todo):
            for sheet in todo:  # too big to parse at once: one after the other, now, as asked
                read(sheet)
            return
        self.progress(f"讀取工作表「{'」「'.join(todo)}」…", None, None)
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(read, todo))

    def _parse_together(self, sheets: Sequence[str]) -> bool:
        """Whether parsing these sheets at the same time stays within :data:`PARSE_MEMORY` (calamine holds every
        cell of a sheet while it parses: about 1.9 bytes per byte of sheet XML); else they are read one by one."""
        sizes = [self._package.identity(s) for s in sheets]
        return sum(size[1] for size in sizes if size is not None) * _PARSE_BYTES_PER_XML_BYTE <= PARSE_MEMORY

    def _subset(self, sheet: str, columns: Sequence[str]) -> pd.DataFrame | None:
        """Only some columns converted from the sheet (cache off); None when the sheet needs the full read."""
        key = (sheet, tuple(columns))
        if key not in self._subsets:
            self._subsets[key] = load_columns(self.path, sheet, layout.table(sheet), list(columns))
        return self._subsets[key]

    def read_columns(self, table: Table, columns: Sequence[str]) -> pd.DataFrame:
        """Only some columns of a table (those present): the same rows and values as ``read_table(table)[columns]``.

        From the cache only those columns are read; with the cache off only they are converted
        from the sheet; with the cache on and no entry yet, the whole table is read and kept.
        """
        from . import table_cache

        if table.sheet not in self._tables and table.name not in self._read_tables:
            key = (table.sheet, tuple(columns))
            cached = table_cache.read(self._package, table, columns)
            if cached is not None:
                self._subsets[key] = None  # served by the cache
                return cached
            if sheet_cache.cache_dir() is None:
                subset = self._subset(table.sheet, columns)
                if subset is not None:
                    return subset.copy()
        return super().read_columns(table, columns)

    def content_key(self, table: Table) -> str | None:
        """The sheet part's CRC-32 and size, while nothing is pending for the sheet."""
        identity = self._package.identity(table.sheet)
        if identity is None or table.sheet in self._tables or table.sheet in self._cells:
            return None
        return f"{identity[0]:08x}-{identity[1]}"

    def read_table(self, table: Table) -> pd.DataFrame:
        if table.sheet in self._tables:
            return self._tables[table.sheet][1].copy()
        return self._read(table).copy()

    def read_params(self, sheet: Sheet) -> dict[str, object]:
        if not sheet.params:
            return {}
        pending = self._cells.get(sheet.name, {})
        if sheet.name in self._grids:
            grid = self._grids[sheet.name]
            found = {(p.row, 2): grid.value(p.row, 2) for p in sheet.params}
        else:  # the cells above the table only: a 1M-row sheet is not parsed for them
            top = self._package.top_cells(self._package.sheet_part(sheet.name), max(p.row for p in sheet.params))
            found = {(p.row, 2): (top.get((p.row, 2)) or None) for p in sheet.params}
        return {p.key: pending.get((p.row, 2), found[(p.row, 2)]) for p in sheet.params}

    # --- writing -----------------------------------------------------------------------------
    def write_table(self, table: Table, frame: pd.DataFrame) -> None:
        import pandas as pd

        frame = frame.reset_index(drop=True)
        frame.index = pd.RangeIndex(table.first_data_row, table.first_data_row + len(frame))
        self._tables[table.sheet] = (table, frame)

    def write_params(self, sheet: Sheet, values: Mapping[str, object]) -> None:
        cells = self._cells.setdefault(sheet.name, {})
        for key, value in values.items():
            p = sheet.param(key)
            cells[(p.row, 2)] = _param_value(p.kind, value)

    def set_status(self, sheet: Sheet, text: str) -> None:
        if sheet.status_row is None:
            raise KeyError(f"{sheet.name} has no status row")
        self._cells.setdefault(sheet.name, {})[(sheet.status_row, 1)] = text

    def read_status(self, sheet: Sheet) -> str | None:
        if sheet.status_row is None:
            return None
        key = (sheet.status_row, 1)
        pending = self._cells.get(sheet.name, {})
        if key in pending:
            value = pending[key]
        elif sheet.name in self._grids:
            value = self._grids[sheet.name].value(*key)
        else:
            value = self._package.top_cells(self._package.sheet_part(sheet.name), sheet.status_row).get(key)
        return str(value).strip() or None if value is not None else None

    def commit(self, dest: Path | None = None) -> None:
        """Write the changed sheets (and their table parts) into the file, atomically."""
        if not self._tables and not self._cells:
            return
        target = dest or self.path
        refuse_if_open(target)
        replacements: dict[str, Replacement] = {}
        column_styles: dict[str, list[int | None]] = {}  # tables written alone: their columns' styles
        quote = self._quote_styles()
        for sheet_name in sorted(set(self._tables) | set(self._cells)):
            part = self._package.sheet_part(sheet_name)
            table_write = None
            if sheet_name in self._tables:
                table, frame = self._tables[sheet_name]
                headers = [str(c) for c in frame.columns]
                old_last = self._old_table_last_col(sheet_name, table)
                table_write = TableWrite(table.header_row, table.first_col, headers, frame, old_last)
                for tpart in self._package.table_parts(sheet_name):
                    from .layout import column_letter

                    last_row = table.header_row + max(len(frame), 1)
                    ref = f"{column_letter(table.first_col)}{table.header_row}:" f"{column_letter(table_write.last_col)}{last_row}"
                    replacements[tpart] = self._rewrite_table_part(tpart, ref, headers)
            # a table's old rows are never read: the sheet is read as far as its first data row
            source = (self._package.stream_sheet(part, table_write.header_row + 1) if table_write is not None
                      else self._package.read(part))

            def on_table(styles: list[int | None], alone: bool, name: str = sheet_name) -> None:
                if alone:
                    column_styles[name] = styles

            chunks = rewrite_sheet(source, cells=self._cells.get(sheet_name, {}), table=table_write, quote=quote,
                                   on_table=on_table)
            replacements[part] = chunks
        if quote is not None:
            order = self._package.order
            if order.index(_STYLES) < max(order.index(p) for p in replacements):
                quote.prepare_all()  # styles.xml is written before a sheet that may need a twin
            replacements[_STYLES] = quote.styles_xml  # None (kept byte for byte) unless a twin was added
        big = {s: len(f) for s, (_, f) in self._tables.items() if len(f) >= 10_000}
        detail = "、".join(f"「{s}」{n:,} 列" for s, n in big.items())
        self.progress(f"寫入活頁簿{('：' + detail) if detail else ''}…", None, None)
        self._package.save(target, replacements)
        self._package.close()
        self.path = target
        self._package = Package(target)
        self._keep_written(column_styles)
        self._subsets.clear()
        self._read_tables.clear()
        self._grids.clear()
        self._tables.clear()
        self._cells.clear()

    def _keep_written(self, column_styles: Mapping[str, list[int | None]]) -> None:
        """The big tables just written go into the cache as the next read would give them (``table_cache``)."""
        from . import table_cache

        for sheet_name, styles in column_styles.items():
            table, frame = self._tables[sheet_name]
            table_cache.keep_written(self._package, table, frame, styles, Location(file=self.name, sheet=table.sheet))

    def _quote_styles(self) -> QuoteStyles | None:
        """Twins of the workbook's styles with Excel's quote prefix (none when it has no styles part)."""
        from lxml import etree

        if _STYLES not in self._package.names:
            return None
        try:
            return QuoteStyles(self._package.read(_STYLES))
        except etree.XMLSyntaxError:
            return None  # a styles part that does not parse is copied as it is, and formula-like text unflagged

    def _rewrite_table_part(self, part: str, ref: str, headers: list[str]) -> bytes:
        from lxml import etree

        from .xlsx_package import damaged

        try:
            return rewrite_table_part(self._package.read(part), ref=ref, headers=headers)
        except (etree.XMLSyntaxError, ValueError) as exc:  # a table part that is not XML, or a bad id
            raise damaged(self.path, part) from exc

    def _old_table_last_col(self, sheet_name: str, table: Table) -> int:
        import re

        from .xlsx_sheet import column_number

        for tpart in self._package.table_parts(sheet_name):
            m = re.search(rb'\bref="[A-Z]+\d+:([A-Z]+)\d+"', self._package.read(tpart))
            if m:
                return column_number(m.group(1).decode())
        return table.first_col + len(table.columns) - 1


def _param_value(kind: Kind, value: object) -> object:
    if value is None:
        return None
    if kind is Kind.BOOL and isinstance(value, bool):
        return "是" if value else "否"
    return value

