"""``invoicetools batch``, the run: the chosen steps over every client workbook in a folder, one summary workbook.

Accounting firms keep one workbook per client (統一編號). Each client's steps run exactly
as the CLI runs them (same commands, same checks, each client's own run log), one client
after the other; a client whose workbook is broken or whose step fails is reported in the
summary and the run goes on with the next client.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..domain import periods
from ..domain.errors import ExitCode, InputError, Location

__all__ = ["STEPS", "ClientResult", "run_batch", "write_summary"]

# step name → (command words, zh-TW title)
STEPS: dict[str, tuple[list[str], str]] = {
    "check-upload": (["check-upload"], "漏上傳檢核"),
    "gaps": (["gaps"], "異常跳號"),
    "e0402": (["e0402"], "E0402"),
    "calendar": (["calendar"], "行事曆"),
}


@dataclass
class StepOutcome:
    step: str
    exit_code: int
    rows: int = 0
    message: str = ""


@dataclass
class ClientResult:
    path: Path
    ubn: str = ""
    company: str = ""
    outcomes: list[StepOutcome] = field(default_factory=list)
    error: str = ""
    files: int = 0

    @property
    def status(self) -> str:
        if self.error or any(o.exit_code >= ExitCode.BAD_INPUT for o in self.outcomes):
            return "錯誤"
        if any(o.exit_code == ExitCode.FINDINGS for o in self.outcomes):
            return "需處理"
        return "完成"


Runner = Callable[[Sequence[str]], tuple[int, str, str]]


def _run_cli(argv: Sequence[str]) -> tuple[int, str, str]:
    from . import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _client_info(path: Path) -> tuple[str, str]:
    from ..book.file_backend import FileBook
    from ..book.settings import read_settings

    book = FileBook(path)
    try:
        settings = read_settings(book)
        return settings.values.get("統一編號") or "", settings.company
    finally:
        book.close()


def run_batch(
    folder: Path,
    period: str,
    steps: Sequence[str],
    *,
    out_dir: Path | None = None,
    today: datetime.date | None = None,
    progress: Callable[[str, int, int], None] = lambda text, done, total: None,
    runner: Runner = _run_cli,
) -> list[ClientResult]:
    if not folder.is_dir():
        raise InputError("找不到資料夾", where=Location(file=str(folder)))
    code = periods.parse(period).code
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise InputError(f"不認得的步驟「{'、'.join(unknown)}」；可用：{'、'.join(STEPS)}")
    books = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".xlsm", ".xlsx") and not p.name.startswith(("~$", ".")))
    results: list[ClientResult] = []
    for n, path in enumerate(books, 1):
        progress(path.name, n, len(books))
        client = ClientResult(path)
        results.append(client)
        try:
            client.ubn, client.company = _client_info(path)
        except InputError as exc:
            client.error = str(exc)
            continue
        except Exception as exc:  # a broken client must not stop the others
            client.error = f"無法開啟活頁簿：{type(exc).__name__}: {exc}"
            continue
        for step in steps:
            words, title = STEPS[step]
            argv = [*words, "--book", str(path)]
            if step in ("check-upload", "gaps", "e0402"):
                argv += ["--period", code]
            if step == "e0402":
                target = (out_dir / (client.ubn or path.stem)) if out_dir else None
                if target is not None:
                    argv += ["--out", str(target)]
            if step == "calendar" and today is not None:
                argv += ["--today", today.isoformat()]
            argv += ["--json", "--quiet"]
            try:
                exit_code, out, err = runner(argv)
            except Exception as exc:
                client.outcomes.append(StepOutcome(title, ExitCode.BAD_INPUT, 0, f"{type(exc).__name__}: {exc}"))
                continue
            rows: list[Any] = []
            if out.strip().startswith("["):
                with contextlib.suppress(json.JSONDecodeError):
                    rows = json.loads(out)
            if step == "e0402":
                client.files += len(rows)
            message = err.strip().splitlines()[0] if err.strip() else ""
            client.outcomes.append(StepOutcome(title, exit_code, len(rows), message))
    return results


def write_summary(results: Sequence[ClientResult], path: Path, *, period: str, today: datetime.date) -> Path:
    """One row per client (problems found, files written, next deadline), values only."""
    import xlsxwriter

    from ..actions.files import write_atomic

    p = periods.parse(period)
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    wb.set_properties({"title": f"批次執行結果 {p.label}", "created": datetime.datetime(2000, 1, 1)})
    bold = wb.add_format({"bold": True, "font_name": "微軟正黑體"})
    text = wb.add_format({"num_format": "@", "font_name": "微軟正黑體"})
    date = wb.add_format({"num_format": "yyyy/mm/dd", "font_name": "微軟正黑體"})
    ws = wb.add_worksheet("批次結果")
    ws.write(0, 0, f"批次執行結果　申報年月 {p.label}　執行日 {today:%Y/%m/%d}", bold)
    step_titles: list[str] = []
    for r in results:
        for o in r.outcomes:
            if o.step not in step_titles:
                step_titles.append(o.step)
    headers = ["序號", "檔案", "統一編號", "公司名稱", "狀態", *[f"{t}" for t in step_titles], "輸出檔案數",
               "空白字軌期限", "說明"]
    ws.write_row(2, 0, headers, bold)
    for i, r in enumerate(results, 1):
        row = 2 + i
        ws.write_number(row, 0, i)
        ws.write_string(row, 1, r.path.name, text)
        ws.write_string(row, 2, r.ubn, text)
        ws.write_string(row, 3, r.company, text)
        ws.write_string(row, 4, r.status, text)
        by_step = {o.step: o for o in r.outcomes}
        notes = [r.error] if r.error else []
        for j, title in enumerate(step_titles):
            outcome = by_step.get(title)
            if outcome is None:
                ws.write_string(row, 5 + j, "", text)
                continue
            word = {0: "無問題", 1: f"{outcome.rows} 筆待處理"}.get(outcome.exit_code, "錯誤")
            if title == "E0402" and outcome.exit_code == 0:
                word = f"{outcome.rows} 個檔案"
            ws.write_string(row, 5 + j, word, text)
            if outcome.exit_code != 0 and outcome.message:
                notes.append(f"{title}：{outcome.message}")
        ws.write_number(row, 5 + len(step_titles), r.files)
        ws.write_datetime(row, 6 + len(step_titles), datetime.datetime.combine(p.blank_deadline, datetime.time()), date)
        ws.write_string(row, 7 + len(step_titles), "；".join(notes)[:32000], text)
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 4, 12)
    ws.set_column(5, 5 + len(step_titles), 16)
    ws.set_column(7 + len(step_titles), 7 + len(step_titles), 60)
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, 2 + max(len(results), 1), len(headers) - 1)
    wb.close()
    write_atomic(path, buffer.getvalue())
    return path
