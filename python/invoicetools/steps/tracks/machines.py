"""機台配號設定 → the machines that apply to a period, each with its 組數 (how many booklets).

Three small readers: the previous period's counts (按當期數量配號), which row applies to the
period (a row for the period beats an every-period row of the same 帳別 × 機台號), and the
row's own values (組數, preferred track, branch UBN).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...domain import periods, ubn
from ...domain.errors import Finding, Location, Severity, ValidationError, show_found
from .columns import (
    A_ACCOUNT,
    A_COUNT,
    A_MACHINE,
    A_PERIOD,
    M_ACCOUNT,
    M_BRANCH,
    M_COUNT,
    M_KIND,
    M_MACHINE,
    M_PERIOD,
    M_SCOPE,
    M_TRACK,
    TRACK_RE,
    blank,
    text_column,
    where_of,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MachineRequest", "machine_requests"]


@dataclass(frozen=True)
class MachineRequest:
    """One machine of 機台配號設定 for one period: how many booklets, which track it prefers."""

    account: str
    machine: str
    count: int
    track: str | None = None
    kind: str | None = None  # 傳輸類別
    scope: str | None = None  # 交換範圍
    branch: str | None = None  # 分支機構統編
    where: Location = field(default_factory=Location)

    @property
    def name(self) -> str:
        return f"帳別 {self.account} 機台 {self.machine}"


def _previous_counts(previous: pd.DataFrame | None, p: periods.Period, where: Location,
                     findings: list[Finding]) -> dict[tuple[str, str], int]:
    """按當期數量配號: what each 帳別 × 機台 got in the previous period's rows of 配號設定."""
    used_before: dict[tuple[str, str], int] = {}
    if previous is None or not len(previous):
        return used_before
    prev_code = p.previous().code
    pa = text_column(previous, A_ACCOUNT, ident=True)
    pm = text_column(previous, A_MACHINE, ident=True)
    pp = text_column(previous, A_PERIOD, ident=True)
    pc = previous[A_COUNT].tolist() if A_COUNT in previous.columns else [None] * len(previous)
    for a, m, ym, c in zip(pa, pm, pp, pc, strict=True):
        if ym == prev_code and a and m and not blank(c):
            used_before[(a, m)] = used_before.get((a, m), 0) + int(float(str(c)))
    if not used_before:
        findings.append(Finding(
            "alloc_reuse_none",
            f"[配號設定]沒有上期（{p.previous().label}）的配號結果，按當期數量配號改用[機台配號設定]的組數",
            Location(where.file, "配號設定"), Severity.WARNING))
    return used_before


def _applying_rows(machines: pd.DataFrame, cols: dict[str, list[str | None]], counts: list[object],
                   p: periods.Period, where: Location, account: str | None, findings: list[Finding]) -> list[int]:
    """Positions of the rows that apply to the period, one per 帳別 × 機台號, in table order."""
    accounts, names, when = cols[M_ACCOUNT], cols[M_MACHINE], cols[M_PERIOD]
    rows = list(machines.index)
    candidates: dict[tuple[str, str], tuple[int, bool]] = {}  # key → (position, specific)
    order: list[tuple[str, str]] = []
    for i, row in enumerate(rows):
        a, m = accounts[i], names[i]
        if account is not None and a is not None and a != account:
            continue
        if a is None or m is None:
            if not (a is None and m is None and blank(counts[i])):
                for column, value in ((M_ACCOUNT, a), (M_MACHINE, m)):
                    if value is None:
                        findings.append(Finding("alloc_machine_missing", f"缺少{column}", where_of(where, row, column)))
            continue
        specific = False
        if when[i] is not None:
            try:
                applies = periods.parse(when[i]).code
            except ValidationError as exc:
                findings.append(Finding("alloc_machine_period", f"所屬年月：{exc.message}（讀到「{show_found(when[i])}」）",
                                        where_of(where, row, M_PERIOD)))
                continue
            if applies != p.code:
                continue
            specific = True
        key = (a, m)
        if key in candidates:
            prev_pos, prev_specific = candidates[key]
            if prev_specific == specific:
                findings.append(Finding(
                    "alloc_machine_duplicate",
                    f"帳別 {a} 機台 {m} 重複（與第 {rows[prev_pos]} 列）" + (f"，所屬年月都是 {p.code}" if specific else ""),
                    where_of(where, row, M_MACHINE)))
                continue
            if prev_specific:
                continue  # the row for this period wins over the every-period row
        else:
            order.append(key)
        candidates[key] = (i, specific)
    return [candidates[key][0] for key in order]


def _count(raw_count: object, where: Location, findings: list[Finding]) -> int | None:
    """組數: a whole number >= 0 (每組 50 張); a finding when blank or not a number."""
    if blank(raw_count):
        findings.append(Finding("alloc_machine_count", "缺少組數（每組 50 張）", where))
        return None
    try:
        number = float(str(raw_count).replace(",", ""))
    except ValueError:
        number = float("nan")
    if number == number and number.is_integer() and number >= 0:
        return int(number)
    findings.append(Finding("alloc_machine_count", f"組數應為 0 以上的整數（每組 50 張）（讀到「{show_found(raw_count)}」）",
                            where))
    return None


def _columns(machines: pd.DataFrame) -> dict[str, list[str | None]]:
    """The table's columns as text, read once."""
    idents = (M_ACCOUNT, M_MACHINE, M_PERIOD, M_TRACK, M_BRANCH)
    return {c: text_column(machines, c, ident=c in idents) for c in (*idents, M_KIND, M_SCOPE)}


def _request(cols: dict[str, list[str | None]], i: int, row: object, count: int, where: Location,
             findings: list[Finding]) -> MachineRequest | None:
    """The row's request, or None (with a finding) when its preferred track or branch UBN is wrong."""
    raw_pref = cols[M_TRACK][i]
    pref = raw_pref.upper() if raw_pref else None
    if pref is not None and not TRACK_RE.match(pref):
        findings.append(Finding("alloc_machine_track", f"發票字軌應為 2 個英文字母（讀到「{show_found(raw_pref)}」）",
                                where_of(where, row, M_TRACK)))
        return None
    branch = cols[M_BRANCH][i]
    if branch is not None:
        try:
            branch = ubn.validate(branch)
        except ValidationError as exc:
            findings.append(Finding("alloc_machine_branch", f"分支機構統編：{exc.message}（讀到「{show_found(branch)}」）",
                                    where_of(where, row, M_BRANCH)))
            return None
    account, machine = cols[M_ACCOUNT][i], cols[M_MACHINE][i]
    assert account is not None and machine is not None
    return MachineRequest(account, machine, count, pref, cols[M_KIND][i], cols[M_SCOPE][i], branch,
                          where_of(where, row, None))


def machine_requests(
    machines: pd.DataFrame,
    *,
    period: str,
    where: Location | None = None,
    reuse_counts: bool = False,
    previous: pd.DataFrame | None = None,
    account: str | None = None,
) -> tuple[list[MachineRequest], list[Finding]]:
    """The machines of 機台配號設定 that apply to ``period``, in table order, with their 組數.

    A row whose 所屬年月 is set applies to that period only and takes the place of a row of
    the same 帳別 × 機台號 with a blank 所屬年月. With ``reuse_counts`` (按當期數量配號) a
    machine's 組數 is what it got in the previous period's rows of ``previous`` (配號設定),
    when it had any. ``account`` keeps only that 帳別's machines.
    """
    where = where or Location(sheet="機台配號設定")
    p = periods.parse(period)
    findings: list[Finding] = []
    used_before = _previous_counts(previous, p, where, findings) if reuse_counts else {}
    cols = _columns(machines)
    counts = machines[M_COUNT].tolist() if M_COUNT in machines.columns else [None] * len(machines)
    requests: list[MachineRequest] = []
    for i in _applying_rows(machines, cols, counts, p, where, account, findings):
        key = (cols[M_ACCOUNT][i], cols[M_MACHINE][i])
        row = machines.index[i]
        if reuse_counts and key in used_before:
            count: int | None = used_before[key]  # type: ignore[index]  # both set: see _applying_rows
        else:
            count = _count(counts[i], where_of(where, row, M_COUNT), findings)
        if count is None:
            continue
        request = _request(cols, i, row, count, where, findings)
        if request is not None:
            requests.append(request)
    return requests, findings
