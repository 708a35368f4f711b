"""The 跳號作廢 sheet: its rows read back (with the 已作廢 state), written, and told in words.

The 已作廢 state lives on this sheet; ``actions.gaps`` recomputes the runs and carries the
state over by number. Here: reading the rows with their period and keys, turning result
rows into the sheet's columns, and the texts of the messages and the run log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..book import layout
from ..book.tables import typed
from ..domain.errors import Finding, Location, Severity
from ..domain.periods import Period
from ..steps import gaps as steps

if TYPE_CHECKING:
    import pandas as pd

    from ..steps.allocation import PeriodAllocation
    from .base import Context

__all__ = [
    "SHEET",
    "TABLE",
    "describe",
    "log_ranges",
    "next_step",
    "read_sheet",
    "records",
    "scope_label",
    "sheet_rows",
    "summary",
    "text",
]

SHEET = layout.sheet("跳號作廢")
TABLE = layout.table("跳號作廢")
_MAX_ROW_FINDINGS = 200
_LOG_CHARS = 2000


def text(series: pd.Series) -> pd.Series:
    """A column as trimmed text ('' for blank)."""
    return series.astype("string").fillna("").str.strip()


def read_sheet(ctx: Context) -> tuple[pd.DataFrame, list[Finding]]:
    """The 跳號作廢 rows as they are, with their period code, keys and row numbers."""
    import numpy as np

    from ..steps.allocation import row_periods
    from ..steps.tracks.columns import range_keys

    frame, findings = typed(ctx.io.read_table(TABLE), TABLE, Location(file=ctx.io.name, sheet=TABLE.sheet))
    frame = frame.loc[:, list(TABLE.headers)].copy()
    if frame.empty:
        for column, dtype in (("_period", object), ("_begin", np.int64), ("_end", np.int64), ("_ok", bool),
                              ("_row", np.int64)):
            frame[column] = np.empty(0, dtype)
        return frame, findings
    frame["_period"] = row_periods(frame, "申報年月")
    begin, end, ok = range_keys(frame, "發票字軌", "起號", "迄號")
    frame["_begin"], frame["_end"], frame["_ok"] = begin, end, ok
    frame["_row"] = frame.index.to_numpy()
    voided = (text(frame["處理"]) == steps.VOIDED).to_numpy(dtype=bool)
    where = Location(file=ctx.io.name, sheet=TABLE.sheet)
    for row in frame.index[voided & ~ok][:_MAX_ROW_FINDINGS]:
        findings.append(Finding("gaps_sheet_row", "已作廢的列字軌或起迄號無法辨識，作廢狀態無法保留；請勿手動修改此表",
                                where.with_row(int(row)), Severity.ERROR))
    return frame, findings


def sheet_rows(rows: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Result rows (keys) → the 跳號作廢 table's columns."""
    import pandas as pd

    from ..domain.invoice_number import KEY_BASE, track_from_code

    begin = rows["begin"].to_numpy()
    end = rows["end"].to_numpy()
    return pd.DataFrame({
        "序號": 0,
        "帳別": rows["account"].to_numpy(object),
        "機台號": rows["machine"].to_numpy(object),
        "發票字軌": [track_from_code(int(t)) for t in rows["track"].tolist()],
        "起號": [f"{int(b) % KEY_BASE:08d}" for b in begin.tolist()],
        "迄號": [f"{int(e) % KEY_BASE:08d}" for e in end.tolist()],
        "張數": rows["count"].to_numpy(),
        "類型": rows["kind"].to_numpy(object),
        "處理": rows["state"].to_numpy(object),
        "原因": rows["cause"].to_numpy(object),
        "申報年月": period.code,
    }, columns=list(TABLE.headers))


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Sheet rows as --json records (序號 and 張數 as integers)."""
    out: list[dict[str, object]] = frame.to_dict("records")
    for rec in out:
        for key in ("序號", "張數"):
            if rec.get(key) is not None:
                rec[key] = int(str(rec[key]))
    return out


def describe(rows: pd.DataFrame, limit: int) -> list[str]:
    """One line per run (帳別, 機台, range, count), at most ``limit``, then how many more."""
    lines = []
    for rec in rows.head(limit).itertuples(index=False):
        lines.append(f"帳別 {rec.account} 機台 {rec.machine or '（空白）'}　{steps.range_text(int(rec.begin), int(rec.end))}"
                     f"（{int(rec.count):,} 張）")
    if len(rows) > limit:
        lines.append(f"…另有 {len(rows) - limit:,} 組，請見[跳號作廢]工作表")
    return lines


def log_ranges(rows: pd.DataFrame) -> str:
    """The runs for 執行紀錄, cut at a readable length."""
    parts = [f"{r.account}/{r.machine or '-'} {steps.range_text(int(r.begin), int(r.end))}" for r in rows.itertuples(index=False)]
    joined = "; ".join(parts)
    if len(joined) > _LOG_CHARS:
        joined = joined[:_LOG_CHARS].rsplit("; ", 1)[0] + f" …共 {len(parts):,} 組"
    return joined


def scope_label(period: Period, account: str | None) -> str:
    who = f"帳別 {account}" if account is not None else "全部帳別"
    return f"{period.label} {who}"


def summary(period: Period, account: str | None, allocation: PeriodAllocation, platform_known: bool,
            result: steps.GapResult) -> tuple[str, list[str]]:
    """The first line (status) and the detail lines of a check's message."""
    counts = result.counts()
    lines: list[str] = []
    if allocation.from_tracks and len(allocation.machines):
        has_machine = (allocation.machines["machine"] != "").any()
        lines.append(f"[配號設定] 沒有 {period.code} 的資料，改用[字軌配號]的整段配號計算"
                     f"（帳別取自[設定]，機台號{'取自機台號碼欄' if has_machine else '空白'}）。")
    if counts["跳號組數"] == 0:
        head = f"{steps.NO_GAPS}（{scope_label(period, account)}）"
    else:
        head = (f"{scope_label(period, account)} 找到跳號 {counts['跳號組數']:,} 組、共 {counts['跳號張數']:,} 張："
                f"待確認 {counts['待確認張數']:,} 張、已作廢 {counts['已作廢張數']:,} 張"
                + (f"、平台有但 ERP 缺漏 {counts['待補ERP張數']:,} 張" if counts["待補ERP張數"] else "") + "。")
    lines.append(f"已檢查 {result.machines:,} 個帳別×機台×字軌；最後已開號碼之後未使用 {counts['未使用張數']:,} 張（列入 E0402）。")
    if not platform_known and counts["跳號組數"]:
        lines.append("尚未下載平台發票狀況：無法確認跳號是否曾開立，請先[下載平台發票狀況]。")
    return head, lines


def next_step(result: steps.GapResult) -> str:
    todo: list[str] = []
    if len(result.fix_erp):
        todo.append("平台有、ERP 沒有的發票請補匯入[發票資料]後重新[檢查]")
    if len(result.pending):
        todo.append("確認待確認的跳號確實沒有開立後，按[確定]（invoicetools gaps --void）整批作廢")
    if not todo:
        todo.append("到[E0402]按[轉出]產生空白未使用字軌檔")
    return "；".join(todo) + "。"
