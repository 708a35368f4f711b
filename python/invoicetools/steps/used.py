"""The used numbers of a period — one answer for 跳號, E0402 and 配號.

A number is *used* when the register has it with any status (開立, 作廢, 註銷) or the
platform has it: an issued number is never blank (DESIGN "Step semantics"). Period
membership of register rows is by 發票日期, but a number of the period's allocation is
used whatever its date; such a row is reported, as is a register row of the period whose
number lies outside the period's allocation, and a number that cannot be read.

>>> import pandas as pd
>>> from invoicetools.domain import periods
>>> from invoicetools.steps.allocation import period_allocation
>>> machines = pd.DataFrame({"帳別": ["A"], "機台號": ["01"], "發票字軌": ["KA"], "起號": ["00000000"],
...     "迄號": ["00000049"], "申報年月": ["11402"]})
>>> alloc = period_allocation(pd.DataFrame(), machines, periods.parse("11402"))
>>> numbers = pd.Series(["KA00000001", "KA00000007", "KB00000001", "KA0000"], index=[5, 6, 7, 8])
>>> dates = pd.Series(pd.to_datetime(["2025-01-02", "2025-04-01", "2025-01-03", "2025-01-04"]), index=numbers.index)
>>> use = used_numbers(numbers, dates, ["KA00000003"], alloc)
>>> from invoicetools.domain.invoice_number import from_key
>>> [from_key(k) for k in use.used.register], [from_key(k) for k in use.used.platform]
(['KA00000001', 'KA00000007', 'KB00000001'], ['KA00000003'])
>>> [(f.code, f.where.row) for f in use.findings], use.latest_issued
([('gaps_bad_number', 8), ('gaps_other_period', 6), ('gaps_outside_allocation', 7)], datetime.date(2025, 1, 4))
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..domain.errors import Finding, Location, Severity
from .allocation import PeriodAllocation
from .blanks import UsedNumbers

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PeriodUse", "used_numbers"]

_MAX_ROW_FINDINGS = 200


def _row_findings(rows: pd.Index, where: Location, code: str, message: str) -> list[Finding]:
    out = [Finding(code, message, where.with_row(int(r), "發票號碼"), Severity.WARNING) for r in rows[:_MAX_ROW_FINDINGS]]
    if len(rows) > _MAX_ROW_FINDINGS:
        out.append(Finding(code, f"另有 {len(rows) - _MAX_ROW_FINDINGS:,} 列同樣的情形未列出", where, Severity.WARNING))
    return out


@dataclass(frozen=True)
class PeriodUse:
    """The used numbers, what was wrong with the register rows, and the newest 發票日期 of the period."""

    used: UsedNumbers
    findings: list[Finding] = field(default_factory=list)
    latest_issued: datetime.date | None = None  # of the register rows dated in the period


def used_numbers(
    numbers: pd.Series,
    dates: pd.Series,
    platform: Sequence[object] | pd.Series | None,
    allocation: PeriodAllocation,
    *,
    where: Location | None = None,
) -> PeriodUse:
    """Every number of the register (``numbers`` as the cells hold them, ``dates`` their 發票日期,
    index = sheet rows) and of the platform (``None`` when its status was never downloaded)."""
    from ..domain.invoice_number import keys_from_strings

    where = where or Location(sheet="發票資料")
    period = allocation.period
    if len(numbers):
        keys, ok = keys_from_strings(numbers)
        blank = numbers.astype("string").fillna("").str.strip().to_numpy() == ""
    else:
        keys, ok, blank = np.empty(0, np.int64), np.empty(0, bool), np.empty(0, bool)
    findings = _row_findings(numbers.index[~ok & ~blank], where, "gaps_bad_number",
                             "發票號碼不正確，此列未計入已使用號碼；若確有開立，請修正後重新檢查")
    latest: datetime.date | None = None
    if len(numbers):
        in_period = ((dates >= np.datetime64(period.first_day)) & (dates <= np.datetime64(period.last_day))
                     ).fillna(False).to_numpy(dtype=bool)
        if in_period.any():
            latest = dates[in_period].max().date()
        dated = dates.notna().to_numpy(dtype=bool)
        inside = allocation.contains(keys) & ok
        findings += _row_findings(
            numbers.index[inside & dated & ~in_period], where, "gaps_other_period",
            f"發票日期不在 {period.label}，但號碼屬於本期字軌：仍算已使用（不會列為空白），請確認日期")
        findings += _row_findings(
            numbers.index[ok & ~inside & in_period], where, "gaps_outside_allocation",
            "發票日期在本期，但號碼不在本期任何配號範圍內：請確認[配號設定]或發票號碼")
    platform_keys = None
    if platform is not None:
        p_keys, p_ok = keys_from_strings(platform) if len(platform) else (np.empty(0, np.int64), np.empty(0, bool))
        platform_keys = p_keys[p_ok]
    return PeriodUse(UsedNumbers.of(keys[ok], platform_keys), findings, latest)
