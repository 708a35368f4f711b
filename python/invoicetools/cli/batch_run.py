"""``invoicetools batch``, the run: the chosen steps over every client workbook in a folder.

Accounting firms keep one workbook per client (統一編號). Each client's steps run exactly
as the CLI runs them (same commands, same checks, each client's own run log), one client
after the other; a client whose workbook is broken or whose step fails is reported in the
summary and the run goes on with the next client. Files of the folder that are not clients
(the batch's own summaries, ERP exports …) are skipped and listed (``batch_clients``).

What a client's row says comes from its own workbook after the run: each step's message,
and the findings the steps of this run wrote on its 檢核訊息 (the steps that wrote a row on
執行紀錄 this time; a step that refused before writing anything leaves older findings aside).

Status of a client (``ClientResult.status``):

* 錯誤 — the workbook could not be opened or a step ended with exit code 2 (bad input).
* 需處理 — the filing is not right yet: a step ended with exit code 1 (problem rows, 跳號
  待確認, a refusal, 「沒有發票資料可檢核」, platform results still pending), or a finding of
  this run is an error (錯誤: a row not checked, a number not counted …), or is a warning in
  ``FILING_WARNINGS`` (the E0402 would not be uploaded, or would be wrong).
* 完成 — otherwise; other warnings and notes (提示) are listed in 說明 all the same.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..actions.calendar import STEP as CALENDAR_STEP
from ..actions.e0402 import STEP as E0402_STEP
from ..actions.gaps import STEP as GAPS_STEP
from ..actions.upload_check import STEP_CHECK
from ..domain import periods
from ..domain.errors import ExitCode, InputError, Location, Severity
from .batch_clients import Skipped, find_clients

__all__ = ["FILING_WARNINGS", "STEPS", "BatchRun", "BatchStep", "ClientFinding", "ClientResult", "StepOutcome",
           "run_batch"]


@dataclass(frozen=True)
class BatchStep:
    words: tuple[str, ...]  # the command
    title: str  # the summary's column
    log_step: str  # the 步驟 its run writes on 執行紀錄 and 檢核訊息


STEPS: dict[str, BatchStep] = {
    "check-upload": BatchStep(("check-upload",), "漏上傳檢核", STEP_CHECK),
    "gaps": BatchStep(("gaps",), "異常跳號", GAPS_STEP),
    "e0402": BatchStep(("e0402",), "E0402", E0402_STEP),
    "calendar": BatchStep(("calendar",), "行事曆", CALENDAR_STEP),
}

# Warnings (not errors) that make the filing wrong unless someone acts: the client is 需處理.
FILING_WARNINGS: dict[str, str] = {
    "e0402_not_turnkey": "E0402 檔不在 Turnkey 的 UpCast 資料夾，不會自動上傳",
    "e0402_split_track": "同一字軌分屬兩個申報者，兩份 E0402 會互相取代",
    "e0402_type_default": "發票類別代號空白，E0402 以 07 申報",
    "gaps_bad_number": "發票號碼無法辨識，未計入已使用號碼（可能被當成空白號碼申報）",
    "gaps_outside_allocation": "本期發票的號碼不在任何配號範圍內（配號可能不完整）",
    "prerequisite_forced": "平台狀況未下載或過舊時強制檢核，結果可能不完整",
}
_MESSAGE_LIMIT = 800  # characters of one step's message in 說明
_MESSAGE_LINES = 8
_TRAILER = re.compile(r"(檢核訊息 [\d,]+ 筆（錯誤 [\d,]+ 筆）|輸出檔案：|下一步：|命令列：)")


@dataclass
class StepOutcome:
    step: str  # the summary's column (BatchStep.title)
    exit_code: int
    rows: int = 0  # result rows (--json)
    open_rows: int = 0  # of them, rows someone must act on
    message: str = ""
    refused: bool = False  # the step refused and wrote nothing (exit 1)
    key: str = ""  # the step's name (STEPS)


@dataclass(frozen=True)
class ClientFinding:
    """A row of the client's 檢核訊息 written by a step of this run."""

    step: str
    severity: str  # 錯誤 / 警告 / 提示
    code: str
    where: str
    message: str

    @property
    def needs_action(self) -> bool:
        return self.severity == Severity.ERROR or self.code in FILING_WARNINGS


@dataclass
class ClientResult:
    path: Path
    ubn: str = ""
    company: str = ""
    outcomes: list[StepOutcome] = field(default_factory=list)
    findings: list[ClientFinding] = field(default_factory=list)
    error: str = ""
    files: int = 0

    @property
    def status(self) -> str:
        if self.error or any(o.exit_code >= ExitCode.BAD_INPUT for o in self.outcomes):
            return "錯誤"
        if any(o.exit_code == ExitCode.FINDINGS for o in self.outcomes) or any(f.needs_action for f in self.findings):
            return "需處理"
        return "完成"


@dataclass
class BatchRun:
    clients: list[ClientResult]
    skipped: list[Skipped]


Runner = Callable[[Sequence[str]], tuple[int, str, str]]


def _run_cli(argv: Sequence[str]) -> tuple[int, str, str]:
    from . import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _client_info(path: Path) -> tuple[str, str, int]:
    """統一編號, 公司名稱 and the number of rows on 執行紀錄 before the run."""
    from ..book import layout
    from ..book.file_backend import FileBook
    from ..book.settings import read_settings

    book = FileBook(path)
    try:
        settings = read_settings(book)
        logged = len(book.read_table(layout.table("執行紀錄")))
        return settings.values.get("統一編號") or "", settings.company, logged
    finally:
        book.close()


def _text(value: object) -> str:
    import pandas as pd

    return "" if value is None or bool(pd.isna(value)) else str(value).strip()


def _where(row: dict[str, Any], workbook: str) -> str:
    number = _text(row.get("列"))
    place = Location(
        file=None if _text(row.get("檔案")) in ("", workbook) else _text(row.get("檔案")),
        sheet=_text(row.get("工作表")) or None,
        row=int(float(number)) if re.fullmatch(r"\d+(\.0+)?", number) else None,
        column=_text(row.get("欄位")) or None,
    )
    return str(place)


def run_findings(path: Path, logged_before: int) -> list[ClientFinding]:
    """The 檢核訊息 rows of the steps that wrote a row on 執行紀錄 after the first ``logged_before``
    rows (this run's steps), each finding once (E0402 repeats the findings of its 跳號 check)."""
    from ..book import layout
    from ..book.file_backend import FileBook

    book = FileBook(path)
    try:
        log = book.read_table(layout.table("執行紀錄"))
        steps = {_text(s) for s in log["步驟"].tolist()[logged_before:]} if "步驟" in log.columns else set()
        found = book.read_table(layout.table("檢核訊息"))
    finally:
        book.close()
    out: dict[tuple[str, str, str], ClientFinding] = {}
    for row in found.to_dict("records"):
        step = _text(row.get("步驟"))
        if step not in steps:
            continue
        finding = ClientFinding(step, _text(row.get("嚴重度")), _text(row.get("代碼")), _where(row, path.name),
                                _text(row.get("訊息")))
        out.setdefault((finding.code, finding.where, finding.message), finding)
    return list(out.values())


def step_message(err: str) -> str:
    """A step's message as the CLI wrote it on stderr, without the lines after it (findings count,
    output files, next step, the command-line hint), at most a few lines.

    >>> step_message("漏上傳檢核：共 2 筆\\n另有 1 張處理中\\n檢核訊息 3 筆（錯誤 0 筆），請見[檢核訊息]工作表。")
    '漏上傳檢核：共 2 筆\\n另有 1 張處理中'
    >>> step_message("未執行：不能轉出 E0402：…\\n命令列：確定要執行時，加上 --force 原因 再執行一次。")
    '未執行：不能轉出 E0402：…'
    """
    lines: list[str] = []
    for line in err.strip().splitlines():
        if _TRAILER.match(line.strip()):
            break
        if line.strip():
            lines.append(line.strip())
    text = "\n".join(lines[:_MESSAGE_LINES]) + ("\n…" if len(lines) > _MESSAGE_LINES else "")
    return text if len(text) <= _MESSAGE_LIMIT else text[:_MESSAGE_LIMIT] + "…"


def _open_rows(key: str, rows: list[Any]) -> int:
    """Result rows someone must act on: every 漏上傳檢核 row; 跳號 待確認 or 待補ERP資料."""
    from ..steps.gaps import FIX_ERP, PENDING

    if key == "gaps":
        return sum(1 for r in rows if isinstance(r, dict) and r.get("處理") in (PENDING, FIX_ERP))
    return len(rows) if key == "check-upload" else 0


def _argv(key: str, path: Path, code: str, ubn: str, out_dir: Path | None, today: datetime.date | None,
          yes: bool) -> list[str]:
    argv = [*STEPS[key].words, "--book", str(path)]
    if key in ("check-upload", "gaps", "e0402"):
        argv += ["--period", code]
    if key == "e0402":
        if out_dir is not None:
            argv += ["--out", str(out_dir / (ubn or path.stem))]
        if yes:
            argv.append("--yes")
    if key == "calendar" and today is not None:
        argv += ["--today", today.isoformat()]
    return [*argv, "--json"]  # the rows on stdout, the message on stderr


def _run_step(key: str, argv: Sequence[str], runner: Runner) -> tuple[StepOutcome, int]:
    """One step of one client: its outcome and the number of files it wrote (E0402)."""
    title = STEPS[key].title
    try:
        exit_code, out, err = runner(argv)
    except Exception as exc:  # a bug in one client's step must not stop the others
        return StepOutcome(title, ExitCode.BAD_INPUT, 0, 0, f"{type(exc).__name__}: {exc}", key=key), 0
    rows: list[Any] = []
    if out.strip().startswith("["):
        with contextlib.suppress(json.JSONDecodeError):
            rows = json.loads(out)
    refused = err.lstrip().startswith("未執行")
    message = step_message(err)
    outcome = StepOutcome(title, exit_code, len(rows), _open_rows(key, rows), message, refused, key)
    return outcome, len(rows) if key == "e0402" else 0


def run_batch(
    folder: Path,
    period: str,
    steps: Sequence[str],
    *,
    out_dir: Path | None = None,
    today: datetime.date | None = None,
    yes: bool = False,
    progress: Callable[[str, int, int], None] = lambda text, done, total: None,
    runner: Runner = _run_cli,
) -> BatchRun:
    if not folder.is_dir():
        raise InputError("找不到資料夾", where=Location(file=str(folder)))
    code = periods.parse(period).code
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise InputError(f"不認得的步驟「{'、'.join(unknown)}」；可用：{'、'.join(STEPS)}")
    books, skipped, broken = find_clients(folder)
    results: list[ClientResult] = []
    for n, path in enumerate(books, 1):
        progress(path.name, n, len(books))
        client = ClientResult(path)
        results.append(client)
        if path in broken:
            client.error = broken[path]
            continue
        try:
            client.ubn, client.company, logged = _client_info(path)
        except InputError as exc:
            client.error = str(exc)
            continue
        except Exception as exc:  # a broken client must not stop the others
            client.error = f"無法開啟活頁簿：{type(exc).__name__}: {exc}"
            continue
        for key in steps:
            outcome, files = _run_step(key, _argv(key, path, code, client.ubn, out_dir, today, yes), runner)
            client.outcomes.append(outcome)
            client.files += files
        try:
            client.findings = run_findings(path, logged)
        except InputError as exc:
            client.error = f"無法讀取[檢核訊息]：{exc}"
    return BatchRun(results, skipped)
