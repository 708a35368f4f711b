"""Track allocation sources (字軌配號): the MOF platform file, E0501 files and Turnkey folders, providers.

Every source becomes a :class:`TrackSource`: raw rows under the 字軌配號 headers (values as
text, nothing judged yet), indexed by the line or row the accountant can look up, and the
name that goes into the 來源 column. ``steps.tracks.parse_track_rows`` judges them.

* The MOF platform file (``invnoapply*.csv`` from 電子發票整合服務平台 › 字軌號碼取號):
  CSV in Big5/cp950 or UTF-8 (with or without BOM), or the same data saved as xlsx; a header
  row with 營業人統編, 發票類別代號 (``7`` or ``07``), 發票類別, 發票期別 (``114/01 ~ 114/02``),
  發票字軌名稱, 發票起號, 發票迄號, and optionally 機台號碼 (columns found by name, any order).
* E0501 (MIG 3.2/4.0/4.1), bare or in Turnkey's envelope: one file, or a whole folder
  (``DownCast`` …) walked recursively by ``mig.e0501``.
* A provider's answer (:class:`~invoicetools.domain.records.TrackAllocation` records).

A file that cannot be read at all becomes an error finding with its place, so that one bad
file among several is reported together with the others.

>>> from invoicetools.domain.records import TrackAllocation
>>> [src] = from_allocations([TrackAllocation("53212539", "07", "11402", "KA", 0, 49,
...                                           source=Location(file="E0501.xml", row=3))])
>>> src.name, src.frame.loc[3, ["申報年月", "發票字軌名稱", "發票起號", "發票迄號"]].tolist()
('E0501.xml', ['11402', 'KA', '00000000', '00000049'])
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..book import layout
from ..domain.errors import Finding, InvoiceToolsError, Location, show_found
from ..domain.records import TrackAllocation

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TrackSource", "TrackSources", "from_allocations", "is_xml", "read_mof_file", "read_sources"]

TABLE = layout.table("字軌配號")
MOF_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")


@dataclass
class TrackSource:
    """Raw rows of one file (or one provider answer) under the 字軌配號 headers."""

    name: str  # what 來源 shows: the file name, or e.g. 'ECPay'
    frame: pd.DataFrame  # index = line (CSV, XML) or row (xlsx) number
    where: Location  # the file (for findings: where.with_row(row, column))
    kind: str = "MOF"  # MOF / E0501 / provider


@dataclass
class TrackSources:
    """Everything read from the paths the accountant chose."""

    sources: list[TrackSource] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # files that gave rows
    e0501_duplicates: int = 0

    @property
    def rows(self) -> int:
        return sum(len(s.frame) for s in self.sources)


def _finding(exc: InvoiceToolsError, where: Location, code: str) -> Finding:
    text = exc.message
    if exc.found is not ...:
        text += f"（讀到「{show_found(exc.found)}」）"
    place = exc.where if exc.where is not None and (exc.where.file or exc.where.sheet) else where
    return Finding(code, text, place)


def is_xml(path: Path) -> bool:
    """An XML document by name or by its first bytes (Turnkey leaves files without an extension)."""
    if path.suffix.lower() == ".xml":
        return True
    if path.suffix.lower() in MOF_SUFFIXES:
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError:
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def read_mof_file(path: Path) -> TrackSource:
    """The MOF allocation file (CSV or xlsx) as raw rows; ``InputError`` when it cannot be read."""
    from .tabular import read_table_file

    raw = read_table_file(path, TABLE)
    return TrackSource(path.name, raw, Location(file=path.name), "MOF")


def from_allocations(
    allocations: Iterable[TrackAllocation], *, name: str | None = None, kind: str = "E0501"
) -> list[TrackSource]:
    """Records (E0501, a provider) → one :class:`TrackSource` per file/answer they came from.

    ``name`` overrides 來源 (a provider's name); otherwise it is the file's name.
    """
    import pandas as pd

    groups: dict[str, list[TrackAllocation]] = {}
    for a in allocations:
        file = (a.source.file if a.source is not None else None) or (name or "")
        groups.setdefault(file, []).append(a)
    out: list[TrackSource] = []
    for file, records in groups.items():
        index = [
            (a.source.row if a.source is not None and a.source.row is not None else i + 1)
            for i, a in enumerate(records)
        ]
        frame = pd.DataFrame(
            {
                "營業人統編": [a.ban for a in records],
                "發票類別代號": [a.invoice_type for a in records],
                "申報年月": [a.year_month for a in records],
                "發票字軌名稱": [a.track for a in records],
                "發票起號": [f"{a.begin:08d}" for a in records],
                "發票迄號": [f"{a.end:08d}" for a in records],
                "機台號碼": [a.machine or None for a in records],
            },
            index=index,
        )
        shown = name or os.path.basename(file) or file
        out.append(TrackSource(shown, frame, Location(file=file or None), kind))
    return out


def read_sources(paths: Sequence[Path]) -> TrackSources:
    """Read every chosen path: MOF files (CSV/xlsx), E0501 files, folders of E0501 (recursively)."""
    from ..mig import e0501

    out = TrackSources()
    for path in paths:
        where = Location(file=str(path))
        if not path.exists():
            out.findings.append(Finding("track_file", "找不到檔案或資料夾", where))
            continue
        if path.is_dir() or is_xml(path):
            scan = e0501.iter_e0501_folder(path)
            allocations = list(scan)
            out.findings.extend(scan.errors)
            out.e0501_duplicates += scan.duplicates
            if path.is_dir() and not allocations and not scan.errors:
                out.findings.append(Finding(
                    "track_no_e0501", "資料夾中沒有 E0501 配號檔（Turnkey 下載的 InvoiceAssignNo）", where))
            out.sources.extend(from_allocations(allocations, kind="E0501"))
            out.files.extend(scan.files)
            continue
        try:
            source = read_mof_file(path)
        except InvoiceToolsError as exc:
            out.findings.append(_finding(exc, Location(file=path.name), "track_file"))
            continue
        if len(source.frame) == 0:
            out.findings.append(Finding("track_empty", "檔案中沒有配號資料（只有標題列）", Location(file=path.name)))
            continue
        out.sources.append(source)
        out.files.append(str(path))
    return out
