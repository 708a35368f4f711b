"""One writer at a time: a lock beside the workbook, held from the first read to the last write.

A command reads a workbook, works, and writes it back whole sheet by sheet; two commands
doing that at once would each write back what they read, and the later one would undo the
earlier one's work (a ``settings`` change made during a long ``invoices import`` was lost).
So a command that may write takes ``.~invoicetools-<workbook>.lock`` beside the workbook
before it reads: an OS lock on that file (``flock`` on POSIX, ``msvcrt.locking`` on Windows),
which the operating system drops when the process ends — a run that is killed cannot leave
it stuck. The file records who holds it, so the one who waits can be told; the holder removes
it when done, and a waiter that took the lock of a file removed meanwhile opens the new one
and tries again (the usual lock-file dance), so no two writers ever hold it together. The
second writer waits for the first, and refuses with that message when the wait is too long.

>>> from pathlib import Path
>>> lock_path(Path("/data/客戶A.xlsm")).name
'.~invoicetools-客戶A.xlsm.lock'
"""

from __future__ import annotations

import contextlib
import datetime
import getpass
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ..domain.errors import Location, RefusalError
from .file_safety import try_lock

__all__ = ["DEFAULT_WAIT", "WorkbookLock", "lock_path"]

DEFAULT_WAIT = 120.0  # seconds a second writer waits before it refuses
_POLL = 0.2


def lock_path(workbook: Path) -> Path:
    return workbook.with_name(f".~invoicetools-{workbook.name}.lock")


def _hide(path: Path) -> None:
    """Windows: the lock file is hidden like Excel's own ``~$`` file (elsewhere its dot hides it)."""
    if sys.platform.startswith("win"):
        try:
            import ctypes

            ctypes.windll.kernel32.SetFileAttributesW(str(path), 0x02)  # type: ignore[attr-defined]
        except (AttributeError, OSError):
            pass


def _holder_text(fd: int) -> str:
    """Who holds the lock, as its holder wrote it ('' when it cannot be read)."""
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        info = json.loads(os.read(fd, 4096).decode("utf-8") or "{}")
    except (OSError, ValueError, UnicodeDecodeError):
        return ""
    if not isinstance(info, dict):
        return ""
    parts = [f"使用者 {info['user']}" if info.get("user") else "",
             f"指令 {info['command']}" if info.get("command") else "",
             f"開始於 {info['since']}" if info.get("since") else ""]
    return "（" + "、".join(p for p in parts if p) + "）" if any(parts) else ""


class WorkbookLock:
    """The lock of one workbook; ``acquire`` waits up to ``wait`` seconds, ``release`` lets go."""

    def __init__(self, workbook: Path) -> None:
        self.workbook = workbook
        self.path = lock_path(workbook)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, wait: float = DEFAULT_WAIT, *, command: str = "",
                waiting: Callable[[str], None] = lambda text: None) -> None:
        """Take the lock, waiting for another writer up to ``wait`` seconds; else ``RefusalError``."""
        if self._fd is not None:
            return
        deadline = time.monotonic() + max(wait, 0.0)
        told = False
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
            except OSError:
                return  # a read-only folder: no one can write the workbook there either; the write will say so
            _hide(self.path)
            if try_lock(fd):
                if self._still_the_file(fd):
                    self._fd = fd
                    self._record(command)
                    return
                os.close(fd)  # its holder removed it after we opened it: take the new one
                continue
            holder = _holder_text(fd)
            os.close(fd)
            if time.monotonic() >= deadline:
                raise RefusalError(
                    f"活頁簿正由另一個 InvoiceTools 工作寫入{holder}，等了 {wait:.0f} 秒還沒結束；"
                    "請等它完成後再執行一次（兩個工作同時寫入同一本活頁簿，其中一個的結果會遺失）",
                    where=Location(file=str(self.workbook)), overridable=False)
            if not told:
                waiting(f"活頁簿正由另一個 InvoiceTools 工作寫入{holder}，等它完成…")
                told = True
            time.sleep(_POLL)

    def _still_the_file(self, fd: int) -> bool:
        """The locked file is the one at the path (not one a holder removed in between)."""
        try:
            here, there = os.fstat(fd), os.stat(self.path)
        except OSError:
            return False
        return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)

    def _record(self, command: str) -> None:
        assert self._fd is not None
        try:
            user = getpass.getuser()
        except Exception:  # no login name
            user = ""
        info = {"user": user, "pid": os.getpid(), "command": command,
                "since": f"{datetime.datetime.now():%Y/%m/%d %H:%M:%S}"}
        try:
            os.ftruncate(self._fd, 0)
            os.lseek(self._fd, 0, os.SEEK_SET)
            os.write(self._fd, json.dumps(info, ensure_ascii=False).encode("utf-8"))
        except OSError:
            pass  # who holds it is a courtesy; the lock is what counts

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            self.path.unlink()  # still holding it: a waiter that locks the removed file tries again
        os.close(fd)  # closing drops the OS lock
