"""What the 漏上傳檢核 actions share: a file that cannot be read, the exit code of findings, dates in words."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from ..domain.errors import ExitCode, Finding, InputError, Location, Severity, show_found
from .base import ActionResult, Context, finish

__all__ = ["date_text", "exit_code", "failed_read"]


def failed_read(ctx: Context, step: str, exc: InputError, params: dict[str, object]) -> ActionResult:
    """Input that cannot be read at all: a finding with its place, nothing written but the log."""
    where = exc.where or Location()
    text = exc.message + (f"（讀到「{show_found(exc.found)}」）" if exc.found is not ... else "")
    result = ActionResult(
        step, f"無法讀取：{exc}", exit_code=ExitCode.BAD_INPUT, params=params,
        findings=[Finding("unreadable_input", text, where)],
    )
    return finish(ctx, result)


def exit_code(findings: Sequence[Finding]) -> int:
    return ExitCode.FINDINGS if any(f.severity is Severity.ERROR for f in findings) else ExitCode.OK


def date_text(day: datetime.date | None) -> str:
    return f"{day:%Y/%m/%d}" if day else "（無）"
