"""A whole sheet of an .xlsx/.xlsm as text, with its Excel row and column numbers (one calamine read)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.errors import InputError, Location
from .io import find_header_row, header_aliases, normalise_header
from .layout import Table, column_letter

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["columns_by_header", "load_columns", "load_grid", "sheet_names", "table_from_grid"]


def sheet_names(path: Path) -> list[str]:
    import fastexcel

    try:
        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as exc:  # fastexcel's own error types
        raise InputError(f"無法開啟 Excel 檔：檔案不是有效的 .xlsx/.xlsm 或已損毀；請在 Excel 開啟後另存新檔再試"
                         f"（{_detail(exc)}）", where=Location(file=path.name)) from exc


def _detail(exc: BaseException) -> str:
    """The reader's own words, first line only and short (its full text names folders and repeats itself)."""
    from ..domain.errors import show_found

    lines = str(exc).strip().splitlines()
    return show_found(lines[0] if lines else type(exc).__name__, 120)


def load_grid(path: Path, sheet: str, first_row: int | None = None, *, cache: bool = True) -> pd.DataFrame:
    """Every cell of a sheet as text (blank = NA): index = Excel row numbers, columns = Excel column numbers.

    ``first_row`` is the row where the sheet's first value sits (calamine starts its range
    there); when not given it is read from the sheet XML. Big sheets are cached
    (``sheet_cache``) under their content's CRC-32 and size, so the next read of the same
    unchanged sheet takes a fraction of a second; any change to the sheet is a miss.
    ``cache=False``: read and keep nothing (the file backend keeps the tables it reads instead).
    """
    from . import sheet_cache

    file = sheet_cache.entry(sheet_cache.part_identity(path, sheet), sheet, "grid") if cache else None
    cached = sheet_cache.read(file)
    if cached is not None:
        return cached
    frame = _load_grid(path, sheet, first_row)
    sheet_cache.write(file, frame)
    return frame


def _load_grid(path: Path, sheet: str, first_row: int | None) -> pd.DataFrame:
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
        raise InputError(f"無法讀取工作表：內容已損毀或不是 Excel 的格式（{_detail(exc)}）", where=where) from exc
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


def load_columns(path: Path, sheet: str, table: Table, columns: list[str]) -> pd.DataFrame | None:
    """Some columns of a table whose headers sit on the layout's header row, in one calamine read.

    Only the asked-for columns are converted (the conversion costs as much as the parse for a
    1M-row sheet). Returns ``None`` — the caller then reads the whole sheet the careful way —
    when the header row is not where the layout puts it, a required header is missing, a
    header appears twice, or the first rows look like a second header (data pasted with its
    own header further down). Rows keep their Excel numbers; empty rows are dropped.
    """
    import re

    import fastexcel

    aliases = header_aliases(table)
    wanted = set(columns)
    try:
        reader = fastexcel.read_excel(str(path))
        loaded = reader.load_sheet(
            sheet, header_row=table.header_row - 1, dtypes="string",
            use_columns=lambda c: aliases.get(normalise_header(c.name)) in wanted,
        )
        names = [c.name for c in loaded.available_columns()]
        frame = loaded.to_pandas()
    except Exception:
        return None
    found = [aliases.get(normalise_header(n)) for n in names]
    duplicated = [n for n in names if re.search(r"_\d+$", n) and aliases.get(normalise_header(re.sub(r"_\d+$", "", n)))]
    if duplicated or any(h not in found for h in table.required) or len(set(filter(None, found))) < len(
        [f for f in found if f]
    ):
        return None
    frame.columns = [aliases[normalise_header(str(c))] for c in frame.columns]
    if set(frame.columns) != wanted & set(found):
        return None
    header_words = set(aliases)
    head = frame.head(40)
    if any(normalise_header(v) in header_words for col in head.columns for v in head[col].dropna()):
        return None
    frame.index = range(table.header_row + 1, table.header_row + 1 + len(frame))
    if len(frame):
        frame = frame[frame.notna().any(axis=1)]
    return frame
