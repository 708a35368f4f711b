"""File modes and the leftovers of killed runs, for every file InvoiceTools writes.

* **Modes.** A file written under a temporary name and then moved into place takes the
  mode of the file it replaces (a workbook shared read-write with a group stays so), and a
  new file the mode the user's umask gives (``tempfile.mkstemp`` alone would leave 0600).
* **Leftovers.** A run killed while it writes (Task Manager, a power cut) leaves its
  ``.~invoicetools-*.tmp`` beside the workbook. The next run removes the ones that are
  certainly dead: older than the start of the running process *and* not held by a live
  writer. A writer holds an OS lock on its temporary file for as long as it writes it
  (``flock`` on POSIX, released by the OS when the process dies); on Windows a file another
  process still has open cannot be deleted, which is the same guard. Only this module's own
  kind of file is touched, never anything else in the folder.

>>> from pathlib import Path
>>> is_leftover(Path(".~invoicetools-a1b2.tmp")), is_leftover(Path("~$book.xlsm")), is_leftover(Path("x.tmp"))
(True, False, False)
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import time
from pathlib import Path

__all__ = [
    "LEFTOVER_PREFIX",
    "LEFTOVER_SUFFIX",
    "apply_mode",
    "is_leftover",
    "mode_for",
    "process_start",
    "remove_leftovers",
    "try_lock",
]

LEFTOVER_PREFIX = ".~invoicetools-"
LEFTOVER_SUFFIX = ".tmp"
_IMPORTED = time.time()  # the fallback for "when did this process start"


def try_lock(fd: int) -> bool:
    """Take an exclusive lock on an open file without waiting; the OS drops it when the process ends."""
    try:
        try:
            import fcntl
        except ImportError:  # Windows
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _umask() -> int:
    try:  # Linux: read it without changing it
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def mode_for(dest: Path) -> int:
    """The permission bits a file written to ``dest`` should get: those of the file it replaces, else 0666 − umask."""
    try:
        return stat.S_IMODE(os.stat(dest).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def apply_mode(fd: int, path: Path, mode: int) -> None:
    """Set ``mode`` on a freshly created temporary file (no-op where the OS has no such bits)."""
    if sys.platform.startswith("win"):
        return
    try:
        os.fchmod(fd, mode)
    except (OSError, AttributeError):
        with contextlib.suppress(OSError):
            os.chmod(path, mode)


def process_start() -> float:
    """When the running process started (epoch seconds); Linux reads /proc, elsewhere the import time."""
    try:
        with open("/proc/self/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22 of proc(5): starttime, in clock ticks after boot
        with open("/proc/stat", encoding="ascii") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration, AttributeError):
        return _IMPORTED


def is_leftover(path: Path) -> bool:
    return path.name.startswith(LEFTOVER_PREFIX) and path.name.endswith(LEFTOVER_SUFFIX)


def _held(path: Path) -> bool:
    """True when a live process holds the file (its lock cannot be taken), or it cannot be opened."""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    except OSError:
        return True
    try:
        return not try_lock(fd)
    finally:
        os.close(fd)


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete the dead ``.~invoicetools-*.tmp`` files in ``folder``; return what was removed.

    A file is dead when it was last written before this process started and no process
    holds its lock. Nothing here raises: what cannot be removed now is tried next time.
    """
    started = process_start()
    removed: list[Path] = []
    try:
        candidates = [p for p in folder.iterdir() if is_leftover(p)]
    except OSError:
        return removed
    for path in candidates:
        try:
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode) or info.st_mtime >= started or _held(path):
                continue
            path.unlink()
        except OSError:  # Windows: still open in the run that writes it; or already gone
            continue
        removed.append(path)
    return removed
