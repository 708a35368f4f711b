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
        raise InputError(f"無法開啟 Excel 檔：檔案不是有效的 .xlsx/.xlsm 或已損毀；請在 Excel 開啟後另存新檔再試"
                         f"（{_detail(exc)}）", where=Location(file=path.name)) from exc


def _detail(exc: BaseException) -> str:
    """The reader's own words, first line only and short (its full text names folders and repeats itself)."""
    from ..domain.errors import show_found

    lines = str(exc).strip().splitlines()
    return show_found(lines[0] if lines else type(exc).__name__, 120)


CACHE_MIN_ROWS = 50_000  # smaller sheets are read directly (well under a second)
CACHE_KEEP = 8  # cached sheets kept (most recently used)


def _cache_dir() -> Path | None:
    import os

    if os.environ.get("INVOICETOOLS_NO_CACHE"):
        return None
    base = os.environ.get("INVOICETOOLS_CACHE_DIR")
    if base:
        return Path(base)
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "InvoiceTools" / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "invoicetools"


def _cache_file(path: Path, sheet: str) -> Path | None:
    """Cache file for a sheet, named by the sheet part's CRC-32 and size (its content), or None."""
    import hashlib
    import zipfile

    folder = _cache_dir()
    if folder is None:
        return None
    from .xlsx_package import Package

    try:
        package = Package(path)
        try:
            part = package.sheet_part(sheet)
            info = zipfile.ZipFile(path).getinfo(part)
        finally:
            package.close()
    except Exception:
        return None
    import fastexcel

    key = f"{info.CRC:08x}-{info.file_size}-{sheet}-{getattr(fastexcel, '__version__', '')}"
    return folder / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".parquet")


def _cache_read(file: Path | None) -> pd.DataFrame | None:
    if file is None or not file.exists():
        return None
    try:
        import pandas as pd

        frame = pd.read_parquet(file)
        frame.columns = [int(c) for c in frame.columns]
        first = int(frame.attrs.get("first_row", 0)) if frame.attrs else 0
        rows = frame.pop(-1) if -1 in frame.columns else None
        if rows is not None:
            frame.index = rows.to_numpy()
        elif first:
            frame.index = range(first, first + len(frame))
        file.touch()
        return frame
    except Exception:
        return None


def _cache_write(file: Path | None, frame: pd.DataFrame) -> None:
    if file is None or len(frame) < CACHE_MIN_ROWS:
        return
    import contextlib
    import os

    with contextlib.suppress(Exception):
        file.parent.mkdir(parents=True, exist_ok=True)
        out = frame.copy()
        out.columns = [str(c) for c in out.columns]
        out["-1"] = frame.index.to_numpy()
        tmp = file.with_suffix(".tmp")
        out.to_parquet(tmp, index=False)
        os.replace(tmp, file)
        cached = sorted(file.parent.glob("*.parquet"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in cached[CACHE_KEEP:]:
            old.unlink(missing_ok=True)


def load_grid(path: Path, sheet: str, first_row: int | None = None) -> pd.DataFrame:
    """Every cell of a sheet as text (blank = NA): index = Excel row numbers, columns = Excel column numbers.

    ``first_row`` is the row where the sheet's first value sits (calamine starts its range
    there); when not given it is read from the sheet XML. Big sheets are cached (Parquet in
    the user's cache folder) under their content's CRC-32 and size, so the next step reads
    the same unchanged sheet in a fraction of a second; any change to the sheet is a miss.
    """
    cache = _cache_file(path, sheet)
    cached = _cache_read(cache)
    if cached is not None:
        return cached
    frame = _load_grid(path, sheet, first_row)
    _cache_write(cache, frame)
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


def cache_exists(path: Path, sheet: str) -> bool:
    """Whether the big-sheet cache already holds this sheet's current content."""
    file = _cache_file(path, sheet)
    return file is not None and file.exists()


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
