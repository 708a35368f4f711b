"""``invoicetools batch``, the summary workbook: one row per client, the skipped files on a sheet of their own.

Values only (no formulas, text written as text), so a reviewer can sort and filter it and a
second batch over the same folder recognises it as a summary (``batch_clients.SUMMARY_SHEET``)
and skips it.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain import periods
from ..domain.errors import ExitCode, Severity
from .batch_clients import SUMMARY_SHEET, Skipped
from .batch_run import FILING_WARNINGS, ClientFinding, ClientResult, StepOutcome

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

__all__ = ["LEGEND", "LEGEND_SHEET", "SKIPPED_SHEET", "notes", "step_word", "write_summary"]

SKIPPED_SHEET = "略過的檔案"
_CELL_LIMIT = 32_000  # Excel holds 32,767 characters in a cell
_SEVERITY_ORDER = {str(Severity.ERROR): 0, str(Severity.WARNING): 1, str(Severity.INFO): 2}
LEGEND_SHEET = "狀態說明"
LEGEND: tuple[tuple[str, str], ...] = (
    ("完成", "各步驟都沒有需要處理的問題；說明欄的警告與提示仍請過目"),
    ("需處理", "申報還不正確或不完整：步驟有待處理的資料、拒絕執行（例如跳號待確認、平台狀況未下載或過舊）、"
              "沒有發票資料可檢核、平台仍在處理中，或本次的檢核訊息有錯誤，或有會讓申報出錯的警告："
              + "；".join(FILING_WARNINGS.values())),
    ("錯誤", "活頁簿無法開啟，或步驟因輸入錯誤無法執行（例如[設定]沒有統一編號、本期沒有配號資料）"),
)


def step_word(o: StepOutcome) -> str:
    """What a step's column shows."""
    if o.exit_code >= ExitCode.BAD_INPUT:
        return "錯誤"
    if o.refused:
        return "未執行（拒絕）"
    if o.key == "e0402":
        if o.exit_code == ExitCode.OK:
            return f"{o.rows} 個檔案"
        return f"{o.rows} 個檔案，需處理" if o.rows else "需處理"
    if o.exit_code == ExitCode.OK:
        return "無問題"
    return f"{o.open_rows} 筆待處理" if o.open_rows else "需處理"


def _finding_lines(findings: Sequence[ClientFinding]) -> list[str]:
    """One line per kind of finding (錯誤 first), with how many of that kind there are."""
    kinds: dict[tuple[str, str, str], list[ClientFinding]] = {}
    for f in findings:
        kinds.setdefault((f.step, f.severity, f.code), []).append(f)
    lines = []
    ordered = sorted(kinds.items(), key=lambda kv: _SEVERITY_ORDER.get(kv[0][1], 3))
    for (step, severity, _), same in ordered:
        first = same[0]
        place = f"{first.where}：" if first.where else ""
        more = f"（同類共 {len(same):,} 筆，見該活頁簿[檢核訊息]）" if len(same) > 1 else ""
        lines.append(f"{step} {severity}：{place}{first.message}{more}")
    return lines


def notes(r: ClientResult) -> str:
    """The 說明 of a client's row: the error, each step's message, then this run's findings."""
    lines = [r.error] if r.error else []
    lines += [f"{o.step}：{o.message}" for o in r.outcomes if o.message]
    lines += _finding_lines(r.findings)
    text = "\n".join(lines)
    return text if len(text) <= _CELL_LIMIT else text[:_CELL_LIMIT] + "…"


def write_summary(results: Sequence[ClientResult], skipped: Sequence[Skipped], path: Path, *, period: str,
                  today: datetime.date) -> Path:
    """One row per client (status, each step, files written, deadline, 說明), values only."""
    import xlsxwriter

    from ..actions.files import write_atomic

    p = periods.parse(period)
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                                      "strings_to_urls": False})
    wb.set_properties({"title": f"批次執行結果 {p.label}", "created": datetime.datetime(2000, 1, 1)})
    font = {"font_name": "微軟正黑體"}
    bold = wb.add_format({"bold": True, **font})
    text = wb.add_format({"num_format": "@", "valign": "top", **font})
    wrap = wb.add_format({"num_format": "@", "valign": "top", "text_wrap": True, **font})
    date = wb.add_format({"num_format": "yyyy/mm/dd", "valign": "top", **font})
    ws = wb.add_worksheet(SUMMARY_SHEET)
    ws.write(0, 0, f"批次執行結果　申報年月 {p.label}　執行日 {today:%Y/%m/%d}", bold)
    counts = {s: sum(1 for r in results if r.status == s) for s in ("完成", "需處理", "錯誤")}
    line = f"客戶 {len(results)} 位：完成 {counts['完成']}、需處理 {counts['需處理']}、錯誤 {counts['錯誤']}"
    if skipped:
        line += f"；略過 {len(skipped)} 個不是客戶活頁簿的檔案（見[{SKIPPED_SHEET}]）"
    ws.write_string(1, 0, line + f"；狀態的意思見[{LEGEND_SHEET}]", text)
    titles = list(dict.fromkeys(o.step for r in results for o in r.outcomes))
    headers = ["序號", "檔案", "統一編號", "公司名稱", "狀態", *titles, "輸出檔案數", "空白字軌期限", "說明"]
    ws.write_row(2, 0, headers, bold)
    last = len(headers) - 1
    deadline = datetime.datetime.combine(p.blank_deadline, datetime.time())
    for i, r in enumerate(results, 1):
        row = 2 + i
        by_step = {o.step: o for o in r.outcomes}
        ws.write_number(row, 0, i, text)
        for col, value in enumerate((r.path.name, r.ubn, r.company, r.status), 1):
            ws.write_string(row, col, value, text)
        for j, title in enumerate(titles):
            outcome = by_step.get(title)
            ws.write_string(row, 5 + j, step_word(outcome) if outcome else "", text)
        ws.write_number(row, last - 2, r.files, text)
        ws.write_datetime(row, last - 1, deadline, date)
        ws.write_string(row, last, notes(r), wrap)
    ws.set_column(0, 0, 6)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 4, 12)
    ws.set_column(5, last - 1, 16)
    ws.set_column(last, last, 80)
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, 2 + max(len(results), 1), last)
    _two_columns(wb.add_worksheet(SKIPPED_SHEET), ("檔案", "原因"), [(s.path.name, s.reason) for s in skipped], bold, text)
    _two_columns(wb.add_worksheet(LEGEND_SHEET), ("狀態", "意思"), LEGEND, bold, wrap)
    wb.close()
    write_atomic(path, buffer.getvalue())
    return path


def _two_columns(ws: Worksheet, headers: tuple[str, str], rows: Sequence[tuple[str, str]], bold: Format,
                 text: Format) -> None:
    ws.write_row(0, 0, headers, bold)
    for i, (first, second) in enumerate(rows, 1):
        ws.write_string(i, 0, first, text)
        ws.write_string(i, 1, second, text)
    ws.set_column(0, 0, 36)
    ws.set_column(1, 1, 90)
    ws.freeze_panes(1, 0)
