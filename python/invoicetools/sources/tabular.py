"""Tabular input files (CSV in Big5/cp950 or UTF-8, with or without BOM; xlsx/xlsm) read by header.

Every importer (MOF allocation file, ERP register, status file, machine list) goes through
``read_table_file``: the header row is found by name (aliases allowed, in any order, blank
or title rows above it skipped), the values stay text, and the index is the line (CSV) or
row (xlsx) number the accountant sees in an editor or Excel. Undecodable bytes, ragged
lines and missing headers are ``InputError`` with the place.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..book.grid import load_grid, sheet_names, table_from_grid
from ..book.io import find_header_row
from ..book.layout import Table
from ..book.xlsx_cells import MAX_CELL_TEXT
from ..domain.errors import InputError, Location

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CSV_SUFFIXES", "EXCEL_SUFFIXES", "check_file", "decode_text", "read_table_file"]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
MAX_FILE_BYTES = 2 * 1024**3


def decode_text(data: bytes, where: Location) -> tuple[str, str]:
    """Decode a text file: UTF-8 (BOM or not), else cp950 (Big5). Returns ``(text, encoding)``.

    >>> decode_text("發票".encode("cp950"), Location(file="x.csv"))
    ('發票', 'cp950')
    >>> decode_text(b"\\xef\\xbb\\xbfA", Location(file="x.csv"))
    ('A', 'utf-8-sig')
    """
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8", "cp950"]
    error: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            error = error or exc if encoding != "utf-8" else exc
    assert error is not None
    # report the first bad place as the cp950 attempt sees it (the likelier encoding of a broken Big5 file)
    try:
        data.decode(encodings[-1])
    except UnicodeDecodeError as exc:
        error = exc
    line = data[: error.start].count(b"\n") + 1
    raise InputError(
        "檔案編碼無法辨識（不是 UTF-8 也不是 Big5），或檔案已損毀；請以 UTF-8 或 Big5 另存後再匯入",
        where=where.with_row(line),
        found=data[max(0, error.start - 8) : error.start + 8].hex(" "),
    )


def _read_csv(path: Path, table: Table) -> pd.DataFrame:
    import csv

    import pandas as pd

    where = Location(file=path.name)
    data = path.read_bytes()
    if not data or data.isspace():  # (not data.strip(): that copies the whole file)
        raise InputError("檔案是空的", where=where)
    text, _ = decode_text(data, where)
    if "\x00" in text:
        text = text.replace("\x00", "")
    delimiter = "\t" if path.suffix.lower() == ".tsv" or ("\t" in text[:2000] and "," not in text[:2000]) else ","
    head_lines = _head(text, 40)
    head_rows = list(csv.reader(head_lines, delimiter=delimiter))
    header_index = find_header_row(head_rows, table, where=where)
    width = len(head_rows[header_index])
    header = head_rows[header_index]
    try:
        frame = _read_csv_fast(text, delimiter, header_index, width)
    except Exception:
        frame = _read_csv_checked(text, delimiter, header_index, width, where, header)
    grid = pd.DataFrame(
        [header], columns=range(1, width + 1), index=[header_index + 1]
    )
    frame.columns = range(1, frame.shape[1] + 1)
    grid = pd.concat([grid, frame]) if len(frame) else grid
    return table_from_grid(grid, table, where, header_row=header_index + 1)


def _head(text: str, lines: int) -> list[str]:
    """The first ``lines`` lines of ``text`` (as ``splitlines`` gives them), without splitting the rest."""
    end = 0
    for _ in range(lines):
        nl = text.find("\n", end)
        if nl < 0:
            end = len(text)
            break
        end = nl + 1
    return text[:end].splitlines()[:lines]


def _read_csv_fast(text: str, delimiter: str, header_index: int, width: int) -> pd.DataFrame:
    """pyarrow's CSV reader on the decoded text; line numbers kept (empty lines are not skipped)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(width)]
    table = pacsv.read_csv(
        io.BytesIO(text.encode("utf-8")),
        read_options=pacsv.ReadOptions(skip_rows=header_index + 1, column_names=names, encoding="utf-8"),
        parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False, newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(
            # large_string is what pandas' string dtype holds: no copy in to_pandas
            column_types={n: pa.large_string() for n in names}, strings_can_be_null=True, null_values=[""],
            quoted_strings_can_be_null=True,
        ),
    )
    import pyarrow.compute as pc

    for column in table.columns:
        # bytes ≥ characters: count characters only when some cell has that many bytes
        if len(column) and (pc.max(pc.binary_length(column)).as_py() or 0) > MAX_CELL_TEXT and (
                pc.max(pc.utf8_length(column)).as_py() or 0) > MAX_CELL_TEXT:
            raise ValueError("a cell longer than Excel allows")  # the checked path says where
    frame = table.to_pandas()
    frame.index = range(header_index + 2, header_index + 2 + len(frame))
    return frame


def _read_csv_checked(text: str, delimiter: str, header_index: int, width: int, where: Location,
                      header: Sequence[str] = ()) -> pd.DataFrame:
    """Slow path with exact line numbers (quoted newlines, ragged lines, huge cells): says which line is wrong."""
    import csv

    import pandas as pd

    rows: list[list[str | None]] = []
    index: list[int] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    start = 1  # the line where the current record begins
    last_line = text.count("\n") + (not text.endswith("\n"))
    try:
        for record in reader:
            line, first, start = reader.line_num, start, reader.line_num + 1
            if line == last_line and any(v.endswith(("\n", "\r")) for v in record):
                raise InputError(  # a quote that is never closed swallows the rest of the file
                    "這一列的引號（\"）沒有結束，後面各列都被當成同一格；請檢查這一列的引號",
                    where=where.with_row(first),
                )
            if line <= header_index + 1:
                continue
            if len(record) > width and any(v.strip() for v in record[width:]):
                raise InputError(
                    f"這一列有 {len(record)} 欄，比標題列的 {width} 欄多；請檢查是否有未加引號的逗號",
                    where=where.with_row(line),
                )
            record = record[:width] + [""] * (width - len(record))
            for i, value in enumerate(record):
                if len(value) > MAX_CELL_TEXT:  # a sheet cannot hold it: refuse rather than cut it
                    column = str(header[i]).strip() if i < len(header) else None
                    raise InputError(f"這一格有 {len(value):,} 字，超過 Excel 儲存格上限 {MAX_CELL_TEXT:,} 字",
                                     where=where.with_row(line, column), found=value)
            rows.append([v if v != "" else None for v in record])
            index.append(line)
    except csv.Error as exc:
        raise InputError(f"CSV 格式錯誤：{exc}", where=where.with_row(reader.line_num)) from exc
    return pd.DataFrame(rows, index=index, columns=[f"c{i}" for i in range(width)])


def _read_excel(path: Path, table: Table, sheet: str | None) -> pd.DataFrame:
    where = Location(file=path.name)
    names = [sheet] if sheet else sheet_names(path)
    last_error: InputError | None = None
    for name in names:
        grid = load_grid(path, name)
        if grid.empty:
            continue
        try:
            return table_from_grid(grid, table, Location(file=path.name, sheet=name))
        except InputError as exc:
            last_error = exc
    if last_error is not None:
        raise last_error
    raise InputError("檔案中沒有資料", where=where)


def check_file(path: Path) -> None:
    """Refuse, before anything opens it, a file that is missing, a folder, empty or over 2 GB."""
    where = Location(file=path.name)
    if not path.exists():
        raise InputError("找不到檔案", where=where)
    if path.is_dir():
        raise InputError("這是資料夾，請指定檔案", where=where)
    size = path.stat().st_size
    if size == 0:
        raise InputError("檔案是空的", where=where)
    if size > MAX_FILE_BYTES:
        raise InputError(f"檔案太大（{size / 1024**3:.1f} GB），上限 2 GB；請分批匯入", where=where)


def read_table_file(path: Path, table: Table, *, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV or Excel file as ``table``'s raw rows (text), index = source line/row number."""
    where = Location(file=path.name)
    check_file(path)
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(path, table, sheet)
    if suffix == ".xls":
        raise InputError("不支援舊版 .xls 檔，請在 Excel 另存為 .xlsx 後再匯入", where=where)
    if suffix in CSV_SUFFIXES or suffix == "":
        return _read_csv(path, table)
    raise InputError(f"不支援的檔案類型「{suffix}」；請用 CSV 或 xlsx", where=where)
