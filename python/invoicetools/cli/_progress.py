"""Progress on the terminal: a rich progress bar for counted work, a status line otherwise.

Everything goes to stderr (stdout is kept for ``--json``). When stderr is not a terminal
(CI, a pipe, a log file) each message is one plain line and no bar is drawn.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["TerminalProgress", "silenced"]

_SILENCED = contextvars.ContextVar("invoicetools_progress_silenced", default=False)


@contextmanager
def silenced() -> Iterator[None]:
    """No progress lines from the commands run inside (the demo shows each step's result, not its reads)."""
    token = _SILENCED.set(True)
    try:
        yield
    finally:
        _SILENCED.reset(token)


class TerminalProgress:
    """``(text, done, total)`` callback for ``Context.progress``; call ``close()`` at the end."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self._progress: Any = None
        self._tasks: dict[str, Any] = {}
        self._last = ""

    def __call__(self, text: str, done: int | None = None, total: int | None = None) -> None:
        if self.quiet or _SILENCED.get():
            return
        if not self.tty:
            if text != self._last and (done is None or done == 0 or (total and done >= total)):
                sys.stderr.write(f"{text}\n" if done is None else f"{text} {done:,}/{total:,}\n")
                sys.stderr.flush()
            self._last = text
            return
        progress = self._ensure()
        if done is None or not total:
            progress.console.print(f"[dim]• {text}[/dim]")
            return
        task = self._tasks.get(text)
        if task is None:
            task = self._tasks[text] = progress.add_task(text, total=total)
        progress.update(task, completed=done)
        if done >= total:
            progress.remove_task(task)
            del self._tasks[text]

    def _ensure(self) -> Any:
        if self._progress is None:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=Console(stderr=True), transient=True,
            )
            self._progress.start()
        return self._progress

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
