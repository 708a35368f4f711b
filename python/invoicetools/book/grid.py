"""A whole sheet of an .xlsx/.xlsm as text, with its Excel row and column numbers (one calamine read)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.errors import InputError, Location
from .io import find_header_row, header_aliases, normalise_header
from .layout import Table, column_letter

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["columns_by_header", "load_grid", "sheet_names", "table_from_grid"]


def sheet_names(path: Path) -> list[str]:
    import fastexcel

    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as exc:  # fastexcel's own error types
        raise InputError(f"無法開啟 Excel 檔：{exc}", where=Location(file=path.name)) from exc


def load_grid(path: Path, sheet: str, first_row: int | None = None) -> pd.DataFrame:
    """Every cell of a sheet as text (blank = NA): index = Excel row numbers, columns = Excel column numbers.

    ``first_row`` is the row where the sheet's first value sits (calamine starts its range
    there); when not given it is read from the sheet XML.
    """
    import fastexcel
    import pandas as pd

    where = Location(file=path.name, sheet=sheet)
    try:
        reader = fastexcel.read_excel(str(path))
        loaded = reader.load_sheet(sheet, header_row=None, dtypes="string")
        columns = [c.absolute_index + 1 for c in loaded.available_columns()]
        frame = loaded.to_pandas() if columns else pd.DataFrame()
    except Exception as exc:
        text = str(exc).lower()
        if "empty" in text or "no data" in text or "could not determine" in text:
            return pd.DataFrame()
        raise InputError(f"無法讀取工作表：{exc}", where=where) from exc
    if first_row is None:
        from .xlsx_package import Package

        package = Package(path)
        try:
            first_row = package.first_value_row(package.sheet_part(sheet))
        finally:
            package.close()
    frame.columns = columns
    frame.index = range(first_row, first_row + len(frame))
    return frame


def columns_by_header(
    header_values: list[object], columns: list[int], table: Table, where: Location
) -> list[str | None]:
    """The layout header of each column (aliases resolved); unknown columns kept (inputs) or dropped; duplicates refused."""
    aliases = header_aliases(table)
    names: list[str | None] = []
    seen: dict[str, int] = {}
    for col, raw in zip(columns, header_values, strict=True):
        if raw is None or (isinstance(raw, float) and raw != raw) or str(raw).strip() == "":
            names.append(None)
            continue
        name = aliases.get(normalise_header(raw))
        if name is None:
            name = str(raw).strip() if table.keep_extra_columns else None
        if name is not None:
            if name in seen:
                raise InputError(
                    f"標題「{name}」出現兩次（{column_letter(seen[name])} 欄與 {column_letter(col)} 欄），請只保留一欄",
                    where=where,
                )
            seen[name] = col
        names.append(name)
    return names


def table_from_grid(grid: pd.DataFrame, table: Table, where: Location, *, header_row: int | None = None) -> pd.DataFrame:
    """The table's rows from a grid: header found by name (or given), columns renamed to layout headers.

    The index keeps the source row numbers; rows with no value at all are dropped.
    """
    import pandas as pd

    if grid.empty:
        return pd.DataFrame(columns=list(table.headers))
    if header_row is None:
        top = grid.loc[: grid.index[0] + 40]
        rows = [list(r) for r in top.itertuples(index=False, name=None)]
        header_row = int(top.index[find_header_row(rows, table, where=where)])
    elif header_row not in grid.index:
        return pd.DataFrame(columns=list(table.headers))
    else:
        find_header_row([list(grid.loc[header_row])], table, where=where.with_row(header_row))
    names = columns_by_header(grid.loc[header_row].tolist(), list(grid.columns), table, where.with_row(header_row))
    keep = [c for c, n in zip(grid.columns, names, strict=True) if n is not None]
    frame = grid.loc[header_row + 1 :, keep]
    frame.columns = [n for n in names if n is not None]
    if len(frame):
        frame = frame[frame.notna().any(axis=1)]
    return frame
