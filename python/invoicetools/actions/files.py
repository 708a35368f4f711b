"""Output files written atomically, as one transaction: all of them or none.

Every file is first written (and fsynced) under a temporary name in a staging folder on
the same disk, then moved into place. If anything fails before the moves, nothing is in
the output folder; if a move fails, the files already moved are taken back and any file
they replaced is restored.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..domain.errors import InputError, Location
from .base import Output

__all__ = ["FileTransaction", "sha256_bytes", "sha256_file", "write_atomic"]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows: directories cannot be opened; NTFS journals the rename
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class FileTransaction:
    """Stage files, then commit them all into their folders. Use as a context manager."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path, str]] = []  # (temp, final, sha256)
        self._stage_dirs: dict[Path, Path] = {}

    def _stage_dir(self, folder: Path) -> Path:
        if folder not in self._stage_dirs:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                self._stage_dirs[folder] = Path(tempfile.mkdtemp(prefix=".invoicetools-staging-", dir=folder.parent))
            except OSError as exc:
                raise InputError(f"無法寫入資料夾：{exc.strerror or exc}", where=Location(file=str(folder))) from exc
        return self._stage_dirs[folder]

    def add(self, path: Path, data: bytes) -> None:
        stage = self._stage_dir(path.parent)
        tmp = stage / path.name
        try:
            with tmp.open("wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise InputError(f"無法寫入檔案：{exc.strerror or exc}", where=Location(file=str(path))) from exc
        self._staged.append((tmp, path, sha256_bytes(data)))

    def commit(self) -> list[Output]:
        moved: list[tuple[Path, Path | None]] = []  # (final, backup of what it replaced)
        try:
            for tmp, final, _ in self._staged:
                backup = None
                if final.exists():
                    backup = tmp.with_name(tmp.name + ".old")
                    os.replace(final, backup)
                moved.append((final, backup))
                os.replace(tmp, final)
        except OSError as exc:
            for final, backup in reversed(moved):
                final.unlink(missing_ok=True)
                if backup is not None and backup.exists():
                    os.replace(backup, final)
            raise InputError(f"寫入輸出檔時失敗，已還原：{exc.strerror or exc}",
                             where=Location(file=str(exc.filename or ""))) from exc
        finally:
            self.cleanup()
        for folder in {final.parent for _, final, _ in self._staged}:
            _fsync_dir(folder)
        return [Output(final, digest) for _, final, digest in self._staged]

    def cleanup(self) -> None:
        for stage in self._stage_dirs.values():
            shutil.rmtree(stage, ignore_errors=True)
        self._stage_dirs.clear()


@contextmanager
def transaction() -> Iterator[FileTransaction]:
    tx = FileTransaction()
    try:
        yield tx
    finally:
        tx.cleanup()


def write_atomic(path: Path, data: bytes) -> Output:
    with transaction() as tx:
        tx.add(path, data)
        return tx.commit()[0]
