"""Walking a Turnkey folder for one kind of message, collecting per-file problems (private).

Layer: ``mig/`` (beside ``steps`` and ``sources``, below ``actions``, above
``book``/``domain``); imports only :mod:`invoicetools.domain` and :mod:`.safe_xml`.

Errors are values here (as in beancount's loader): a file that cannot be read becomes a
:class:`~invoicetools.domain.errors.Finding` and the walk goes on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from ..domain.errors import Finding, InputError, InvoiceToolsError, Location, show_found

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["FolderScan", "Kind", "local_name"]

T = TypeVar("T")


def local_name(el: etree._Element) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rpartition("}")[2]


@dataclass(frozen=True)
class Kind(Generic[T]):
    """What to look for: which files, how to recognise the message, how to read it."""

    title: str  # zh-TW, e.g. "E0501 配號檔"
    code: str  # Finding code for an unreadable file
    dir_names: frozenset[str]  # upper-case folder names whose files are all candidates
    suffixes: frozenset[str]  # lower-case file suffixes that are candidates anywhere
    markers: tuple[bytes, ...]  # outside those folders, a candidate must contain one of these
    is_kind: Callable[[etree._Element], bool]
    parse: Callable[[bytes, str], list[T]]


def _finding(exc: InvoiceToolsError, file: str, code: str) -> Finding:
    text = exc.message
    if exc.found is not ...:
        text += f"（讀到「{show_found(exc.found)}」）"
    where = exc.where if exc.where is not None and exc.where.file else Location(file=file)
    return Finding(code=code, message=text, where=where)


def _walk(folder: Path) -> Iterator[Path]:
    """Regular files under ``folder``, depth first, sorted by name; hidden entries skipped."""
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                yield Path(dirpath) / name


@dataclass
class FolderScan(Iterator[T]):
    """Iterates over the records found under ``folder``; per-file problems land in ``errors``.

    ``errors`` is complete once iteration has finished. ``files`` lists the files that gave
    records, ``skipped`` counts files that are something else (other messages, logs),
    ``duplicates`` the records seen before (Turnkey keeps copies in several folders) when a
    ``dedupe_key`` is given.
    """

    folder: Path
    kind: Kind[T]
    dedupe_key: Callable[[T], Hashable] | None = None
    errors: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: int = 0
    duplicates: int = 0
    _it: Iterator[T] | None = field(default=None, repr=False)

    def __iter__(self) -> FolderScan[T]:
        return self

    def __next__(self) -> T:
        if self._it is None:
            self._it = self._run()
        return next(self._it)

    def _records(self, path: Path, kind_dir: str | None, *, chosen: bool = False) -> list[T] | None:
        """The records of one file; ``None`` when it is not this kind of message (skipped).

        Inside a folder named for the message (``kind_dir``), or when the user chose the file
        itself (``chosen``), a file of another kind is reported instead of skipped.
        """
        from . import safe_xml

        name = str(path)
        data = safe_xml.read_bytes(path)
        strict = chosen or kind_dir is not None
        if not strict and not any(m in data for m in self.kind.markers):
            return None
        root = safe_xml.parse_bytes(data, file=name).getroot()
        if not self.kind.is_kind(root):
            if strict:
                place = f"在 {kind_dir} 資料夾裡，但" if kind_dir is not None else ""
                raise InputError(
                    f"{place}不是 {self.kind.title}（根元素 <{local_name(root)}>）",
                    where=Location(file=name, row=root.sourceline),
                )
            return None
        return self.kind.parse(data, name)

    def _run(self) -> Iterator[T]:
        if self.folder.is_file():  # a single file chosen by the user
            try:
                single = self._records(self.folder, None, chosen=True) or []
            except InvoiceToolsError as exc:
                self.errors.append(_finding(exc, str(self.folder), self.kind.code))
                return
            self.files.append(str(self.folder))
            yield from single
            return
        if not self.folder.is_dir():
            self.errors.append(
                Finding(
                    code=f"{self.kind.code}_folder",
                    message="找不到資料夾",
                    where=Location(file=str(self.folder)),
                )
            )
            return
        seen: set[Hashable] = set()
        for path in _walk(self.folder):
            parts = path.relative_to(self.folder).parts[:-1]
            kind_dir = next((p for p in parts if p.upper() in self.kind.dir_names), None)
            if kind_dir is None and path.suffix.lower() not in self.kind.suffixes:
                self.skipped += 1
                continue
            try:
                records = self._records(path, kind_dir)
            except InvoiceToolsError as exc:
                self.errors.append(_finding(exc, str(path), self.kind.code))
                continue
            if records is None:
                self.skipped += 1
                continue
            self.files.append(str(path))
            for record in records:
                if self.dedupe_key is not None:
                    key = self.dedupe_key(record)
                    if key in seen:
                        self.duplicates += 1
                        continue
                    seen.add(key)
                yield record
