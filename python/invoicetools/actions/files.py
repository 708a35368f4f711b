"""Output files written atomically, as one transaction: all of them or none.

Every file is first written (and fsynced) under a temporary name in a staging folder on
the output folder's own drive (beside the folder, or inside it when the folder is the root
of another drive: a USB stick, a network share), then moved into place; a file that
replaces another keeps that one's mode, a new one follows the umask. If anything fails before the moves, nothing is in
the output folder; if a move fails, the files already moved are taken back and any file
they replaced is restored.

The files they replaced stay in the staging folder until the ``with transaction()`` block
ends, so an action writes its files *and its workbook* inside one block: when the workbook
cannot be written after the files were moved (Excel has it open, the disk is full, Ctrl+C),
the files are taken back too and the output folder is as it was.

A journal in the staging folder lists the moves before they start, and its owner holds a
lock on it while it runs. If the process is killed between two moves (power cut, task
manager), the next transaction that writes beside the same folder finds the journal,
sees that nobody holds its lock, and puts the files back as they were before the killed
step (:func:`recover`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..book.file_safety import apply_mode, mode_for, try_lock
from ..domain.errors import InputError, Location, describe_os_error
from .base import Output

__all__ = ["FileTransaction", "recover", "sha256_bytes", "sha256_file", "transaction", "write_atomic"]

STAGING_PREFIX = ".invoicetools-staging-"
_JOURNAL = "journal"
_DONE = b"done\n"


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


def _lock(fh: IO[bytes]) -> bool:
    return try_lock(fh.fileno())


def _undo(stage: Path, entries: list[dict[str, str]]) -> bool:
    """Take back the moves an entry list describes, last first. False when something could not be restored."""
    ok = True
    for entry in reversed(entries):
        staged, final = stage / entry["staged"], stage.parent / entry["final"]
        backup = stage / (entry["staged"] + ".old")
        try:
            if not staged.exists():  # it was moved into place: take it out
                final.unlink(missing_ok=True)
            if backup.exists():  # put back what it replaced
                os.replace(backup, final)
        except OSError:
            ok = False
    return ok


def recover(parent: Path) -> None:
    """Put back what a transaction killed between two moves left in ``parent``'s staging folders.

    A staging folder whose journal is locked belongs to a running step and is left alone;
    one without a journal is still being set up. Nothing here raises: a folder that cannot
    be cleaned is tried again next time.
    """
    try:
        stages = sorted(p for p in parent.iterdir() if p.name.startswith(STAGING_PREFIX) and p.is_dir())
    except OSError:
        return
    for stage in stages:
        try:
            fh = open(stage / _JOURNAL, "rb")  # noqa: SIM115  (closed below, after the undo)
        except OSError:
            continue
        with fh:
            if not _lock(fh):
                continue
            lines = fh.read().splitlines(keepends=True)
            entries: list[dict[str, str]] = []
            for line in lines:
                if line == _DONE:  # finished: only the clean-up was missed
                    entries = []
                    break
                try:
                    entries.append(json.loads(line))
                except ValueError:  # a journal cut short: written before any move, so nothing moved
                    entries = []
                    break
            ok = _undo(stage, entries)
        if ok:
            shutil.rmtree(stage, ignore_errors=True)


def _device(path: Path) -> int | None:
    try:
        return os.stat(path).st_dev
    except OSError:
        return None


def _stage_parent(folder: Path) -> Path:
    """Where to stage files for ``folder``: beside it (so that Turnkey never sees a half-staged
    file in it) when that is on the same drive, else inside it (a USB stick, a network share,
    the root of a drive): a rename never crosses drives."""
    parent = folder.absolute().parent
    if parent != folder.absolute() and _device(parent) == _device(folder):
        return parent
    return folder


class FileTransaction:
    """Stage files, then commit them all into their folders. Use through :func:`transaction`."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path, str]] = []  # (temp, final, sha256)
        self._stage_dirs: dict[Path, Path] = {}  # output folder → its staging folder
        self._journals: dict[Path, IO[bytes]] = {}  # staging folder → its journal (locked)
        self._moved: list[tuple[Path, Path, Path | None]] = []  # (temp, final, backup of what it replaced)
        self._keep: set[Path] = set()  # staging folders holding files that could not be put back

    def _stage_dir(self, folder: Path) -> Path:
        if folder not in self._stage_dirs:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                recover(folder.parent)
                recover(folder)
                try:
                    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=_stage_parent(folder)))
                except PermissionError:  # no right to write beside the folder: stage inside it
                    stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
                self._stage_dirs[folder] = stage
                journal = open(stage / _JOURNAL, "xb")  # noqa: SIM115  (closed in cleanup)
                self._journals[stage] = journal
                _lock(journal)
            except OSError as exc:
                raise InputError(f"無法寫入資料夾：{describe_os_error(exc)}", where=Location(file=str(folder))) from exc
        return self._stage_dirs[folder]

    def add(self, path: Path, data: bytes) -> None:
        stage = self._stage_dir(path.parent)
        tmp = stage / path.name
        try:
            with tmp.open("wb") as fh:
                apply_mode(fh.fileno(), tmp, mode_for(path))  # a replaced file keeps its mode
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise InputError(f"無法寫入檔案：{describe_os_error(exc)}", where=Location(file=str(path))) from exc
        self._staged.append((tmp, path, sha256_bytes(data)))

    def _write_journals(self) -> None:
        for tmp, final, _ in self._staged:
            where = os.path.relpath(final.absolute(), tmp.parent.parent)  # relative: the folder may be moved
            line = json.dumps({"final": where, "staged": tmp.name}, ensure_ascii=False)
            self._journals[tmp.parent].write(line.encode("utf-8") + b"\n")
        for journal in self._journals.values():
            journal.flush()
            os.fsync(journal.fileno())

    def commit(self) -> list[Output]:
        """Move every staged file into place (all or none). What they replace is kept until the block ends."""
        final: Path | None = None
        try:
            self._write_journals()
            for tmp, final, _ in self._staged:
                backup = None
                if final.exists():
                    backup = tmp.with_name(tmp.name + ".old")
                    os.replace(final, backup)
                self._moved.append((tmp, final, backup))
                os.replace(tmp, final)
        except OSError as exc:
            undone = self.rollback()
            where = final if final is not None else Path(exc.filename or "")  # the user's path, not the staging name
            raise InputError(f"寫入輸出檔時失敗，{undone}：{describe_os_error(exc)}",
                             where=Location(file=str(where))) from exc
        for folder in {final.parent for _, final, _ in self._staged}:
            _fsync_dir(folder)
        return [Output(final, digest) for _, final, digest in self._staged]

    def rollback(self) -> str:
        """Take back the files already moved, last first, and put back what they replaced.

        Returns what happened, for the message: 已還原, or where the files that could not be
        put back are kept (the next transaction beside that folder puts them back).
        """
        for tmp, final, backup in reversed(self._moved):
            try:
                final.unlink(missing_ok=True)
                if backup is not None and backup.exists():
                    os.replace(backup, final)
            except OSError:
                self._keep.add(tmp.parent)  # its journal and backups stay: never delete the only copy
        self._moved.clear()
        if not self._keep:
            return "已還原"
        kept = "、".join(str(p) for p in sorted(self._keep))
        return f"部分檔案無法立即還原，原有檔案保留在 {kept}，下次執行時會自動放回"
    def finish(self) -> None:
        """The step succeeded: mark the journals done (nothing to put back after a kill from now on)."""
        if self._moved or self._staged:
            for journal in self._journals.values():
                with contextlib.suppress(OSError):
                    journal.write(_DONE)
                    journal.flush()
                    os.fsync(journal.fileno())
        self._moved.clear()
        self._staged.clear()

    def cleanup(self) -> None:
        for journal in self._journals.values():
            journal.close()
        self._journals.clear()
        for stage in self._stage_dirs.values():
            if stage not in self._keep:
                shutil.rmtree(stage, ignore_errors=True)
        self._stage_dirs.clear()


@contextmanager
def transaction() -> Iterator[FileTransaction]:
    """``with transaction() as tx: tx.add(...); tx.commit(); ...; finish(ctx, result)``.

    An exception anywhere in the block (after ``commit`` too) takes the files back.
    """
    tx = FileTransaction()
    try:
        yield tx
    except BaseException as exc:
        moved = bool(tx._moved)  # False when commit itself failed (and has already taken them back)
        undone = tx.rollback()
        if moved and tx._keep and isinstance(exc, Exception):
            raise InputError(f"{exc}；輸出檔{undone}") from exc
        raise
    else:
        tx.finish()
    finally:
        tx.cleanup()


def write_atomic(path: Path, data: bytes) -> Output:
    with transaction() as tx:
        tx.add(path, data)
        return tx.commit()[0]
