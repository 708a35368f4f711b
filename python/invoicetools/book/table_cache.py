"""The file backend's tables in the sheet cache: kept when read, and kept when written.

A table read from a big sheet is kept (``sheet_cache``) as ``FileBook.read_table`` returns
it — the headers resolved, the rows as found, the cells as text — under its sheet part's
CRC-32 and size; the next step reads it, or only the columns it needs, in a fraction of a
second. A table the backend has just written (an import) is kept too, without parsing
the sheet it wrote: ``cell_text`` says what a read gives for each cell, and the rows above
the table come from the sheet itself, so the entry is what the next read would give. When
that cannot be told (an unusual column, cells kept beside the table, a workbook that counts
dates from 1904) nothing is kept and the next read parses the sheet as always.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.errors import InputError, Location
from . import layout, sheet_cache
from .grid import table_from_grid
from .io import find_header_row
from .layout import Table

if TYPE_CHECKING:
    import pandas as pd

    from .xlsx_package import Package

__all__ = ["entry", "header_mode", "keep_written", "read"]


def header_mode(table: Table) -> int | None:
    """Where a read looks for the table's headers: found by name on input sheets, else the layout's row."""
    return None if layout.sheet(table.sheet).role is layout.Role.INPUT else table.header_row


def entry(package: Package, table: Table) -> Path | None:
    """The cache entry of ``table`` read from the sheet as the package holds it (None: cache off)."""
    return sheet_cache.entry(package.identity(table.sheet), table.sheet,
                             sheet_cache.table_kind(table, header_mode(table)))


def read(package: Package, table: Table, columns: Sequence[str] | None = None) -> pd.DataFrame | None:
    """The table (or only ``columns`` of it) from the cache, or None on a miss."""
    return sheet_cache.read_columns(entry(package, table), columns)


def keep_written(package: Package, table: Table, frame: pd.DataFrame, styles: Sequence[int | None],
                 where: Location) -> None:
    """Keep what a read of ``table`` gives now that ``frame`` is written (``package``: the new file)."""
    if len(frame) < sheet_cache.CACHE_MIN_ROWS or sheet_cache.cache_dir() is None:
        return
    try:
        table_read = _read_after_write(package, table, frame, styles, where)
    except InputError:
        return  # what the read would say (a duplicate header …) is for the read to say
    if table_read is not None:
        sheet_cache.write(entry(package, table), table_read)


def _read_after_write(package: Package, table: Table, frame: pd.DataFrame, styles: Sequence[int | None],
                      where: Location) -> pd.DataFrame | None:
    import pandas as pd

    from .cell_text import date_styles, read_back

    if package.uses_1904_dates():
        return None
    as_date = date_styles(package.read("xl/styles.xml"), styles) if "xl/styles.xml" in package.names else {}
    text = read_back(frame, [as_date.get(s) for s in styles])
    if text is None:
        return None
    # the grid a read would see: the rows above the table as the sheet has them, then the rows written
    top = package.top_cells(package.sheet_part(table.sheet), table.header_row)
    columns = {table.first_col + j: text.iloc[:, j].array for j in range(text.shape[1])}
    body = pd.DataFrame(columns, index=range(table.header_row + 1, table.header_row + 1 + len(text)))
    above = pd.DataFrame.from_dict({r: {c: v for (rr, c), v in top.items() if rr == r}
                                    for r in sorted({r for r, _ in top})}, orient="index")
    grid = pd.concat([above, body]) if len(above) else body
    grid = grid.reindex(columns=sorted(grid.columns))
    if header_mode(table) is None:  # the header row is looked for by name: it must be the one written
        window = grid.loc[: grid.index[0] + 40]
        rows = [list(r) for r in window.itertuples(index=False, name=None)]
        if int(window.index[find_header_row(rows, table, where=where)]) != table.header_row:
            return None
    return table_from_grid(grid, table, where, header_row=table.header_row).astype("str")
