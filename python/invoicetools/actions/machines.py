"""機台配號設定: import the machine list (帳別, 機台號, 組數 …) from a CSV/xlsx file."""

from __future__ import annotations

from pathlib import Path

from ..book import layout
from ..book.tables import typed
from ..domain.errors import ExitCode, Finding, Location
from ..sources.tabular import read_table_file
from .base import ActionResult, Context, finish

__all__ = ["import_machines", "validate_machines"]

STEP = "機台配號設定"
_TABLE = layout.table("機台配號設定")


def validate_machines(frame: object, where: Location) -> list[Finding]:
    """Rows without 帳別/機台號, 組數 not a positive whole number, the same 帳別 × 機台號 twice."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    findings: list[Finding] = []
    for row, rec in frame.iterrows():
        here = where.with_row(int(row))  # type: ignore[arg-type]
        for col in ("帳別", "機台號"):
            if pd.isna(rec[col]):
                findings.append(Finding("machine_missing", f"缺少{col}", here.with_row(int(row), col)))  # type: ignore[arg-type]
        count = rec["組數"]
        if pd.isna(count) or int(count) <= 0:
            findings.append(Finding("machine_count", "組數應為大於 0 的整數（每組 50 張）", here.with_row(int(row), "組數")))  # type: ignore[arg-type]
    # the same machine may appear once per 所屬年月 (a blank one applies to every period)
    keys = frame[["帳別", "機台號", "所屬年月"]].astype("string").fillna("")
    dup = keys.duplicated(keep="first")
    for row in frame.index[dup.to_numpy()]:
        a, m, ym = keys.loc[row, "帳別"], keys.loc[row, "機台號"], keys.loc[row, "所屬年月"]
        when = f"（所屬年月 {ym}）" if ym else ""
        findings.append(Finding("machine_duplicate", f"帳別 {a} 機台 {m}{when} 重複", where.with_row(int(row), "機台號")))
    return findings


def import_machines(ctx: Context, path: Path) -> ActionResult:
    raw = read_table_file(path, _TABLE)
    frame, findings = typed(raw, _TABLE, Location(file=path.name))
    findings += validate_machines(frame, Location(file=path.name))
    result = ActionResult(STEP, "", params={"file": path.name}, findings=findings)
    if any(f.severity == "錯誤" for f in findings):
        result.message = f"機台配號設定有 {len(findings)} 個問題，未匯入；請修正檔案後再匯入。"
        result.exit_code = ExitCode.BAD_INPUT
        return finish(ctx, result)
    out = frame.reindex(columns=list(_TABLE.headers)).astype(object).where(frame.notna(), None)
    ctx.io.write_table(_TABLE, out)
    result.counts = {"機台": len(out)}
    result.message = f"已匯入 {len(out)} 台機台的配號設定。"
    result.next_step = "按[配號]（invoicetools tracks allocate）分配發票字軌。"
    return finish(ctx, result)
