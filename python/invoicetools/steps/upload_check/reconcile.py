"""The rows of the 漏上傳檢核 sheet from the checks' parts, and the check itself.

:func:`check` joins the register with the platform once (``join``), runs every check of
``checks.CHECKS`` and assembles their rows: sorted by 發票日期, number, problem and register
row; the display columns are taken from the register only here.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ...domain.errors import Finding, Location
from ...domain.invoice_number import KEY_BASE
from .checks import CHECKS
from .join import join
from .model import DISPLAY_COLUMNS, HEADERS, PROBLEMS, Part, Scope, UploadCheck

if TYPE_CHECKING:
    import pandas as pd

    from ..allocation import PeriodAllocation

__all__ = ["check"]


def check(
    register: pd.DataFrame,
    platform: pd.DataFrame,
    allocation: PeriodAllocation | None,
    *,
    scope: Scope,
    now: datetime.datetime,
    where: Location | None = None,
    platform_where: Location | None = None,
) -> UploadCheck:
    """Reconcile (see the package docstring). ``where``/``platform_where`` place the findings."""
    import pandas as pd

    j = join(register, platform, allocation, scope=scope, now=now, where=where or Location(sheet="發票資料"),
             platform_where=platform_where or Location(sheet="平台狀況"))
    parts: list[Part] = []
    findings: list[Finding] = []
    late = waiting = 0
    for run in CHECKS:
        outcome = run(j)
        parts += outcome.parts
        findings += outcome.findings
        late += outcome.late
        waiting += outcome.pending
    for part in parts:
        if part.account is None and part.at is not None:
            part.account = j.accounts_at(part.at)
    rows = _assemble(parts, register, scope)
    counts = {p: int((rows["問題"] == p).sum()) for p in PROBLEMS}
    due = rows["期限"]
    overdue = int((due.notna() & (due < pd.Timestamp(now))).sum())
    return UploadCheck(rows, counts, overdue, len(j.pick), findings, late, waiting)


def _keys_to_strings(keys: npt.NDArray[np.int64]) -> pd.Series:
    """Display strings of many keys without a Python loop per key."""
    import pandas as pd

    letters = np.array([chr(65 + c // 26) + chr(65 + c % 26) for c in range(676)], dtype=object)
    track = letters[(keys // KEY_BASE).astype(np.int64)]
    digits = pd.Series(keys % KEY_BASE).astype(str).str.zfill(8)
    return pd.Series(track, dtype="string") + digits.astype("string").to_numpy()


def _assemble(parts: list[Part], register: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The sheet's rows, sorted by 發票日期, number, problem, register row; display columns taken only here."""
    import pandas as pd

    nat = np.datetime64("NaT", "ns")
    if not parts:
        empty = pd.DataFrame({c: pd.Series(dtype="object") for c in HEADERS})
        empty["row"] = pd.Series(dtype="Int64")
        return empty
    at = np.concatenate([p.at if p.at is not None else np.full(len(p.keys), -1) for p in parts])
    keys = np.concatenate([p.keys for p in parts])
    day = np.concatenate([p.day for p in parts]).astype("datetime64[ns]")
    rank = np.concatenate([np.full(len(p.keys), PROBLEMS.index(p.problem)) for p in parts])
    rows_all = register["row"].to_numpy(dtype=np.int64)
    row = np.where(at >= 0, rows_all[np.maximum(at, 0)] if len(rows_all) else -1, -1)
    order = np.lexsort((row, rank, keys, day.view(np.int64)))
    at, keys, day, row = at[order], keys[order], day[order], row[order]
    has_row = at >= 0
    out = pd.DataFrame({
        "序號": np.arange(1, len(order) + 1),
        "帳別": pd.array(np.concatenate([p.account for p in parts if p.account is not None])[order], dtype="string"),
        "資料申報年月": scope.period.code,
        "發票日期": day,
    })
    taken = register.iloc[at[has_row]]
    for col in DISPLAY_COLUMNS:
        values = np.full(len(order), None, dtype=object)
        if col == "發票號碼":
            values[~has_row] = _keys_to_strings(keys[~has_row]).to_numpy(dtype=object)
        if col == "轉檔日":
            dates = np.full(len(order), nat)
            dates[has_row] = pd.to_datetime(taken[col]).to_numpy(dtype="datetime64[ns]")
            out[col] = dates
            continue
        values[has_row] = taken[col].astype(object).where(taken[col].notna(), None).to_numpy(dtype=object)
        out[col] = values
    out["問題"] = np.concatenate([np.full(len(p.keys), p.problem, dtype=object) for p in parts])[order]
    out["期限"] = np.concatenate([p.due if p.due is not None else np.full(len(p.keys), nat) for p in parts])[order]
    out["說明"] = np.concatenate([p.note for p in parts])[order]
    out["row"] = pd.array(np.where(has_row, row, 0), dtype="Int64")
    out.loc[~has_row, "row"] = pd.NA
    return out
