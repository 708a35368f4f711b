"""The big-sheet cache: what a sheet read gives, kept as Arrow files under the sheet part's CRC-32 and size.

Reading a 1M-row sheet with calamine costs seconds; the same unchanged sheet read again
costs a fraction of one from here. An entry is named by the sheet part's CRC-32 and
uncompressed size (its content, as the zip directory records it), the sheet's name, what
was kept (a sheet's whole grid, or one table read from it), the cache format and the reader's
version: any change to the sheet — an edit saved by Excel, a rewrite by a step — gives
another name, so an entry is never trusted for content it was not made from. Entries live in
the user's cache folder (``INVOICETOOLS_CACHE_DIR``; ``INVOICETOOLS_NO_CACHE`` turns the cache
off); the most recently used :data:`CACHE_KEEP` are kept. An entry is an uncompressed Arrow IPC
file, mapped into memory when read: a step that needs two columns of a 1M-row register
touches only those, and nothing is decoded or copied. Whatever goes wrong with the cache (a
full disk, a broken file) is a miss, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.user_cache import cache_dir

if TYPE_CHECKING:
    import pandas as pd

    from .layout import Table

__all__ = [
    "CACHE_KEEP",
    "CACHE_MIN_ROWS",
    "cache_dir",
    "entry",
    "keyed",
    "part_identity",
    "read",
    "read_columns",
    "read_with_notes",
    "table_kind",
    "write",
]

CACHE_MIN_ROWS = 10_000  # smaller sheets are read directly (a tenth of a second or less)
CACHE_KEEP = 8  # entries kept (most recently used) …
CACHE_BYTES = 2 * 1024**3  # … and no more than this in all (a 1M-row register takes about 200 MB)
FORMAT = 3  # the layout of an entry; a change makes every older entry a miss
SUFFIX = ".arrow"
_ROW = "\x00row"  # the column that keeps each row's Excel row number


def part_identity(path: Path, sheet: str) -> tuple[int, int] | None:
    """The CRC-32 and size of a sheet's part in the package at ``path``; None when it cannot be told."""
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
    return info.CRC, info.file_size


def table_kind(table: Table, header_row: int | None) -> str:
    """What a table read keeps, for an entry's name: the table's layout and where its header is looked for."""
    spec = repr((table.name, table.header_row, table.keep_extra_columns, header_row,
                 [(c.header, c.aliases, c.required) for c in table.columns]))
    return "table-" + hashlib.sha256(spec.encode()).hexdigest()[:16]


def entry(identity: tuple[int, int] | None, sheet: str, kind: str) -> Path | None:
    """The cache file for ``kind`` (``grid`` or :func:`table_kind`) of a sheet with that content, or None."""
    folder = cache_dir()
    if folder is None or identity is None:
        return None
    import fastexcel

    crc, size = identity
    key = f"{crc:08x}-{size}-{sheet}-{kind}-{FORMAT}-{getattr(fastexcel, '__version__', '')}"
    return folder / (hashlib.sha256(key.encode()).hexdigest()[:32] + SUFFIX)


def keyed(key: str) -> Path | None:
    """The cache file for anything else kept under ``key`` (e.g. a result computed from a table's content)."""
    folder = cache_dir()
    if folder is None:
        return None
    return folder / (hashlib.sha256(f"{key}-{FORMAT}".encode()).hexdigest()[:32] + SUFFIX)


def read(file: Path | None) -> pd.DataFrame | None:
    """An entry as the frame it was made from (index: Excel row numbers), or None on a miss."""
    return read_columns(file, None)


def read_with_notes(file: Path | None) -> tuple[pd.DataFrame, dict[str, object]] | None:
    """An entry written with ``notes`` (:func:`write`): the frame and the notes, or None on a miss."""
    import json

    found = _open(file, None)
    if found is None:
        return None
    frame, metadata = found
    try:
        return frame, json.loads(metadata.get(b"invoicetools.notes", b"{}"))
    except ValueError:
        return None


def read_columns(file: Path | None, columns: Sequence[str] | None) -> pd.DataFrame | None:
    """Only ``columns`` of an entry (those it has, in that order; all when None), or None on a miss."""
    found = _open(file, columns)
    return None if found is None else found[0]


def _open(file: Path | None, columns: Sequence[str] | None) -> tuple[pd.DataFrame, dict[bytes, bytes]] | None:
    """An entry's frame (only ``columns`` when given) and its schema metadata, or None on a miss."""
    if file is None or not file.exists():
        return None
    try:
        import pandas as pd
        import pyarrow as pa

        with pa.memory_map(str(file)) as source:
            reader = pa.ipc.open_file(source)
            names = [n for n in reader.schema.names if n != _ROW]
            wanted = names if columns is None else [c for c in columns if c in names]
            table = reader.read_all().select([*wanted, _ROW])
            metadata = reader.schema.metadata or {}
        frame = table.to_pandas()  # the text stays in the mapped file: nothing is copied
        rows = frame.pop(_ROW).to_numpy()
        frame.index = pd.RangeIndex(len(rows)) if metadata.get(b"invoicetools.range") == b"1" else rows
        if columns is None:
            frame.columns = _column_labels(metadata, list(frame.columns))
        file.touch()
        return frame, metadata
    except Exception:
        return None


def _column_labels(metadata: dict[bytes, bytes] | None, names: list[str]) -> list[object]:
    """A grid's columns are Excel column numbers (stored as text): give them back as numbers."""
    if metadata and metadata.get(b"invoicetools.labels") == b"int":
        return [int(n) for n in names]
    return list(names)


def write(file: Path | None, frame: pd.DataFrame, notes: dict[str, object] | None = None) -> None:
    """Keep ``frame`` (index: Excel row numbers, or a plain range) as an entry, with ``notes`` (JSON) when
    given; then drop the least recently used entries."""
    if file is None or len(frame) < CACHE_MIN_ROWS:
        return
    with contextlib.suppress(Exception):
        import json

        import pandas as pd
        import pyarrow as pa

        labels_int = all(isinstance(c, int) for c in frame.columns)
        data = {str(c): frame[c] for c in frame.columns}
        table = pa.Table.from_pandas(pd_frame(data, frame.index.to_numpy()), preserve_index=False)
        metadata = {**(table.schema.metadata or {}), b"invoicetools.labels": b"int" if labels_int else b"text",
                    b"invoicetools.range": b"1" if isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0
                    and frame.index.step == 1 else b"0"}
        if notes is not None:
            metadata[b"invoicetools.notes"] = json.dumps(notes, ensure_ascii=False).encode()
        table = table.replace_schema_metadata(metadata)
        file.parent.mkdir(parents=True, exist_ok=True)
        tmp = file.with_suffix(f".{os.getpid()}.tmp")
        with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=1 << 20)
        os.replace(tmp, file)
        _prune(file.parent)


def _prune(folder: Path) -> None:
    """Keep the most recently used entries: at most :data:`CACHE_KEEP`, :data:`CACHE_BYTES` in all."""
    entries = sorted(folder.glob("*" + SUFFIX), key=lambda p: p.stat().st_mtime, reverse=True)
    total = 0
    for i, old in enumerate(entries):
        total += old.stat().st_size
        if i >= CACHE_KEEP or (i and total > CACHE_BYTES):
            with contextlib.suppress(OSError):  # in use by another process (Windows): next time
                old.unlink()


def pd_frame(columns: dict[str, pd.Series], rows: object) -> pd.DataFrame:
    """The columns (positional) and the row numbers as one frame for the Arrow file."""
    import pandas as pd

    frame = pd.DataFrame({name: values.to_numpy() if values.dtype == object else values.array
                          for name, values in columns.items()})
    frame[_ROW] = rows
    return frame
