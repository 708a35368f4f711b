"""Helpers the command modules share: the --book argument, opening a workbook, printing results."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..actions.base import ActionResult, Context
from ..actions.host import Host
from ..book.file_backend import FileBook
from ..domain.errors import ExitCode, InputError, Location

__all__ = ["add_book", "add_common", "close_books", "context", "emit", "open_book"]


def add_book(parser: argparse.ArgumentParser, *, required: bool = True) -> None:
    parser.add_argument("--book", required=required, metavar="BOOK", help="活頁簿檔案（.xlsm，由 invoicetools new 建立）")


def add_common(parser: argparse.ArgumentParser, *, json_output: bool = True, force: bool = False) -> None:
    if json_output:
        parser.add_argument("--json", action="store_true", help="以 JSON 輸出結果列（標準輸出只有 JSON，訊息寫到標準錯誤）")
    if force:
        parser.add_argument("--force", metavar="REASON", help="強制執行被拒絕的步驟；原因會寫入執行紀錄")
    parser.add_argument("--quiet", "-q", action="store_true", help="只顯示錯誤")


_OPEN: list[FileBook] = []  # books this command opened; closed (and their locks dropped) when it ends


def open_book(path: str, *, writer: bool = True, command: str = "") -> FileBook:
    """The workbook file of a command; a writer takes its lock first (``book.workbook_lock``) and
    waits for another writer, saying so on stderr."""
    p = Path(path)
    if p.suffix.lower() not in (".xlsm", ".xlsx"):
        raise InputError("活頁簿應為 .xlsm 或 .xlsx 檔", where=Location(file=path))

    def waiting(text: str) -> None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    wait = os.environ.get("INVOICETOOLS_LOCK_WAIT")
    book = FileBook(p, writer=writer, lock_wait=float(wait) if wait else None, command=command, waiting=waiting)
    _OPEN.append(book)
    return book


def close_books() -> None:
    """Close every book the command opened (the lock goes with it)."""
    while _OPEN:
        _OPEN.pop().close()


def release_memory() -> None:
    """Give the memory a command used back to the system once it is done.

    Arrow's pool and glibc's heap keep freed memory for reuse: a process that runs several
    commands (``batch`` runs every step of every client in one) would start each 1M-row step on
    top of the last one's high-water mark (1.7 GB after five steps, 1.3 GB with this; measured
    in bench/README.md). Costs well under a millisecond.
    """
    import contextlib
    import ctypes

    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc (musl has no malloc_trim)
            ctypes.CDLL(None).malloc_trim(0)


def context(args: argparse.Namespace, book: FileBook | None = None, **abilities: Any) -> Context:
    """The Context of a CLI action: the workbook file, --force, progress on stderr, and a host whose
    other ``abilities`` (confirm, ask_secret …) are what the command's flags allow."""
    from ._progress import TerminalProgress

    io = book if book is not None else open_book(args.book, command=str(getattr(args, "command", "") or ""))
    progress = TerminalProgress(quiet=getattr(args, "quiet", False) or getattr(args, "json", False))
    args._progress = progress  # closed by emit()
    io.progress = progress
    return Context(io=io, host=Host(progress=progress, **abilities), force_reason=getattr(args, "force", None))


def _json_default(value: object) -> object:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    if value != value:  # NaN / NaT
        return None
    return str(value)


def emit(result: ActionResult, args: argparse.Namespace) -> int:
    """Print the result: JSON rows on stdout with --json, the message on stderr; return the exit code."""
    progress = getattr(args, "_progress", None)
    if progress is not None:
        progress.close()
    quiet = getattr(args, "quiet", False)
    if getattr(args, "json", False):
        json.dump(result.rows if result.rows is not None else [], sys.stdout, ensure_ascii=False,
                  default=_json_default, indent=1)
        sys.stdout.write("\n")
        if not quiet:
            sys.stderr.write(result.full_message() + "\n")
    elif not quiet or result.exit_code != ExitCode.OK:
        stream = sys.stdout if result.exit_code == ExitCode.OK else sys.stderr
        stream.write(result.full_message() + "\n")
        for finding in result.findings[:20]:
            stream.write(f"  - {finding}\n")
        if len(result.findings) > 20:
            stream.write(f"  …另有 {len(result.findings) - 20:,} 筆，請見[檢核訊息]工作表\n")
    return result.exit_code
