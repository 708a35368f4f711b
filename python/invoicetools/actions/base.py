"""What every action shares: the context it runs in, its result, the findings sheet and the run log.

An action is ``def action(ctx: Context, ...) -> ActionResult``. It reads what it needs
from ``ctx.io`` (one bulk read per table), calls pure steps, writes its result table,
and ends with ``finish(ctx, result)``, which replaces the step's rows on 檢核訊息,
appends a row to 執行紀錄 (time, user, step, parameters, counts, outputs and their sha256)
and commits the workbook. The CLI prints the result; Excel shows it in a message box.
"""

from __future__ import annotations

import datetime
import getpass
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..book import layout
from ..book.io import WorkbookIO
from ..domain.errors import ExitCode, Finding, InterruptedAfterCommit, Severity
from .host import Host

if TYPE_CHECKING:
    from .files import FileTransaction

__all__ = [
    "MAX_FINDINGS_ROWS",
    "ActionResult",
    "Context",
    "Output",
    "append_log",
    "finish",
    "write_findings",
]

MAX_FINDINGS_ROWS = 20_000  # per step on 檢核訊息; beyond that a summary row says how many more


@dataclass
class Context:
    """Where an action runs: the workbook, the host (who to ask, where to show progress), the clock, the user."""

    io: WorkbookIO
    host: Host = field(default_factory=Host)
    now: Callable[[], datetime.datetime] = datetime.datetime.now
    user: str = field(default_factory=lambda: _user())
    force_reason: str | None = None  # --force REASON: override a refusal, logged

    def progress(self, text: str, done: int | None = None, total: int | None = None) -> None:
        """Show how far the action is (the status bar in Excel, stderr in a terminal)."""
        self.host.progress(text, done, total)


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (service accounts, some containers)
        return ""


@dataclass(frozen=True)
class Output:
    path: Path
    sha256: str


@dataclass
class ActionResult:
    """What an action did. ``message`` is the zh-TW text of the final message box."""

    step: str  # zh-TW step name, e.g. 漏上傳檢核
    message: str
    exit_code: int = ExitCode.OK
    counts: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    params: dict[str, object] = field(default_factory=dict)
    rows: list[dict[str, Any]] | None = None  # the result rows, keyed by the sheet's headers (--json)
    next_step: str = ""  # what to do next, shown after the message

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    def full_message(self) -> str:
        parts = [self.message]
        if self.findings:
            n_err = len(self.errors)
            parts.append(
                f"檢核訊息 {len(self.findings)} 筆（錯誤 {n_err} 筆），請見[檢核訊息]工作表。"
            )
        if self.outputs:
            parts.append("輸出檔案：\n" + "\n".join(str(o.path) for o in self.outputs))
        if self.next_step:
            parts.append(f"下一步：{self.next_step}")
        return "\n".join(parts)


def _typed_old(io: WorkbookIO, table: layout.Table) -> Any:
    """The rows already on a sheet we append to, with their types back (dates stay dates)."""
    from ..book.tables import typed
    from ..domain.errors import Location

    frame, _ = typed(io.read_table(table), table, Location(file=io.name, sheet=table.sheet))
    return frame


def _format_params(params: Mapping[str, object]) -> str:
    return "; ".join(f"{k}={v}" for k, v in params.items() if v not in (None, "", False))


def write_findings(io: WorkbookIO, step: str, findings: Sequence[Finding], now: datetime.datetime) -> None:
    """Replace this step's rows on 檢核訊息 (other steps' rows stay)."""
    import pandas as pd

    table = layout.table("檢核訊息")
    old = _typed_old(io, table)
    if "步驟" in old.columns:
        old = old[old["步驟"].astype("string").fillna("") != step]
    shown = list(findings[:MAX_FINDINGS_ROWS])
    rows = [
        {
            "步驟": step,
            "嚴重度": str(f.severity),
            "代碼": f.code,
            "檔案": f.where.file,
            "工作表": f.where.sheet,
            "列": f.where.row,
            "欄位": f.where.column,
            "訊息": f.message,
        }
        for f in shown
    ]
    if len(findings) > MAX_FINDINGS_ROWS:
        rows.append({"步驟": step, "嚴重度": str(Severity.WARNING), "代碼": "truncated",
                     "訊息": f"另有 {len(findings) - MAX_FINDINGS_ROWS:,} 筆訊息未列出；請先修正上面的問題後重新執行"})
    new = pd.DataFrame(rows, columns=list(table.headers))
    frame = pd.concat([old.reindex(columns=list(table.headers)), new], ignore_index=True) if len(old) else new
    io.write_table(table, frame)


def append_log(io: WorkbookIO, result: ActionResult, now: datetime.datetime, user: str) -> None:
    """Append one row to 執行紀錄."""
    import pandas as pd

    table = layout.table("執行紀錄")
    old = _typed_old(io, table)
    row = {
        "時間": now.replace(microsecond=0),
        "使用者": user,
        "步驟": result.step,
        "參數": _format_params(result.params),
        "筆數": "; ".join(f"{k}={v:,}" for k, v in result.counts.items()),
        "結果": result.message.splitlines()[0] if result.message else "",
        "輸出檔案": "\n".join(str(o.path) for o in result.outputs),
        "sha256": "\n".join(o.sha256 for o in result.outputs),
        "版本": __version__,
    }
    new = pd.DataFrame([row], columns=list(table.headers))
    frame = pd.concat([old.reindex(columns=list(table.headers)), new], ignore_index=True) if len(old) else new
    io.write_table(table, frame)


def finish(ctx: Context, result: ActionResult, *, findings_step: str | None = None,
           files: FileTransaction | None = None) -> ActionResult:
    """Record findings and the run log, then commit the workbook. Returns ``result``.

    ``files``: the step's output files (moved into place, not yet final). The workbook's
    commit is the step's commit point: Ctrl+C or ``kill`` arriving while it is written waits
    until the output files are final too, so an interrupted step is either wholly undone
    (the files taken back) or wholly done, never a workbook that lists files taken back.
    """
    now = ctx.now()
    write_findings(ctx.io, findings_step or result.step, result.findings, now)
    if ctx.force_reason:
        result.params = {**result.params, "force": ctx.force_reason}
    append_log(ctx.io, result, now, ctx.user)
    with interrupts_held():
        ctx.io.commit()
        if files is not None:
            files.finish()
    return result


@contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold Ctrl+C (SIGINT) and ``kill`` (SIGTERM) until the block ends, then stop (``InterruptedAfterCommit``)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals (Excel runs steps elsewhere)
        return
    arrived: list[int] = []
    kinds = [signal.SIGINT] + ([signal.SIGTERM] if hasattr(signal, "SIGTERM") else [])
    previous = {kind: signal.signal(kind, lambda signum, frame: arrived.append(signum)) for kind in kinds}
    try:
        yield
    finally:
        for kind, handler in previous.items():
            signal.signal(kind, handler if handler is not None else signal.SIG_DFL)
    if arrived:
        raise InterruptedAfterCommit
