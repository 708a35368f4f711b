"""The period's allocation — one answer for every step: its ranges, their machines, and who
reports each booklet's blanks.

Read from two tables (raw, as a backend returns them):

* 字軌配號 — what the MOF allocated to the company (or a branch): every range of the period,
  with 營業人統編, 發票類別代號 and 擁有者. A row belongs to the period of its 申報年月, else
  of its 發票期別.
* 配號設定 — the machine ranges: 帳別 × 機台號 × range. A row belongs to the period of its
  申報年月; a blank 申報年月 takes the sheet's own 申報年月, else the period asked for.
  When 配號設定 has nothing for the period, the machine ranges are the period's 字軌配號
  ranges that this system reports (擁有者 blank or 本系統), with the 帳別 of [設定] and the
  機台號碼 of the MOF file (``from_tracks``).

Questions every action asks of it:

* :meth:`PeriodAllocation.contains` — is a number allocated for the period at all (any
  owner, any machine)? A register number that is not is 不在配號範圍.
* :meth:`PeriodAllocation.machine_of` / :meth:`PeriodAllocation.account_of` — which machine
  range holds a number (跳號 are per machine range; 平台有帳上無 takes its 帳別).
* :meth:`PeriodAllocation.reporters` — who reports the blanks of each part: 擁有者 when it is
  filled; else the parts a machine holds are this system's; else the rest takes
  ``unassigned`` (the caller's rule for booklets no machine holds).

Ranges are inclusive int64 keys (``domain.invoice_number``); "which range holds this key"
is ``domain.ranges.locate``.

>>> import pandas as pd
>>> from invoicetools.domain import periods
>>> from invoicetools.domain.invoice_number import from_key, to_key
>>> tracks = pd.DataFrame({"營業人統編": ["53212539"], "發票類別代號": ["07"], "發票期別": ["114/01 ~ 114/02"],
...     "發票字軌名稱": ["KA"], "發票起號": ["00000000"], "發票迄號": ["00000199"], "擁有者": [None]}, index=[5])
>>> machines = pd.DataFrame({"帳別": ["A"], "機台號": ["01"], "發票字軌": ["KA"], "起號": ["00000050"],
...     "迄號": ["00000099"], "申報年月": ["11402"]}, index=[5])
>>> a = period_allocation(tracks, machines, periods.parse("11402"))
>>> a.contains([to_key("KA00000000"), to_key("KA00000199"), to_key("KA00000200")]).tolist()
[True, True, False]
>>> a.account_of([to_key("KA00000000"), to_key("KA00000060")]).tolist()
[None, 'A']
>>> [(from_key(r.begin), from_key(r.end), r.reporter) for r in a.reporters(OWNER_OTHER).itertuples()]
[('KA00000000', 'KA00000049', '其他系統'), ('KA00000050', 'KA00000099', '本系統'), ('KA00000100', 'KA00000199', '其他系統')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..domain import ranges as _ranges
from ..domain.errors import Finding, Location, Severity
from ..domain.periods import Period
from .tracks.columns import OWNER_OTHER, OWNER_SELF, is_own, range_keys, row_periods, text_column

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MACHINE_COLUMNS",
    "OWNER_OTHER",
    "OWNER_SELF",
    "REPORTER_COLUMNS",
    "PeriodAllocation",
    "period_allocation",
    "row_periods",
]

Int64s = npt.NDArray[np.int64]

MACHINE_COLUMNS = ("account", "machine", "ban", "type", "begin", "end", "row")
TRACK_COLUMNS = ("ban", "type", "begin", "end", "owner", "machine", "row")
REPORTER_COLUMNS = ("ban", "type", "begin", "end", "reporter", "track_row", "machine_row")
_MAX_ROW_FINDINGS = 200


@dataclass
class PeriodAllocation:
    """One period's allocation: 字軌配號 ranges (``tracks``) and machine ranges (``machines``).

    ``tracks`` columns: ban, type, begin, end (keys), owner (擁有者 as typed, None when blank),
    machine (機台號碼), row (the sheet row). ``machines`` columns: ``MACHINE_COLUMNS``.
    """

    period: Period
    tracks: pd.DataFrame
    machines: pd.DataFrame
    from_tracks: bool = False  # the machine ranges are 字軌配號's (配號設定 has nothing for the period)
    findings: list[Finding] = field(default_factory=list)
    tracks_where: Location = field(default_factory=lambda: Location(sheet="字軌配號"))
    machines_where: Location = field(default_factory=lambda: Location(sheet="配號設定"))

    @classmethod
    def of_machine_ranges(cls, period: Period, begins: object, ends: object,
                          accounts: Sequence[str | None] | None = None) -> PeriodAllocation:
        """An allocation of bare machine ranges (keys), for tests, doctests and benchmarks."""
        import pandas as pd

        b = np.asarray(begins, dtype=np.int64).reshape(-1)
        e = np.asarray(ends, dtype=np.int64).reshape(-1)
        names = np.asarray([a or "" for a in (accounts or [None] * b.size)], dtype=object)
        machines = pd.DataFrame({"account": names, "machine": "", "ban": "", "type": "", "begin": b, "end": e,
                                 "row": np.arange(b.size)}, columns=list(MACHINE_COLUMNS))
        return cls(period, pd.DataFrame(columns=list(TRACK_COLUMNS)), machines)

    @property
    def empty(self) -> bool:
        return bool(self.tracks.empty and self.machines.empty)

    def for_account(self, account: str | None) -> pd.DataFrame:
        """The machine ranges of one 帳別 (all of them for ``None``)."""
        if account is None:
            return self.machines
        return self.machines[self.machines["account"] == account]

    def ranges(self) -> tuple[Int64s, Int64s]:
        """Every allocated number of the period (字軌配號 ∪ machine ranges), merged."""
        return _ranges.merge(np.r_[self.tracks["begin"].to_numpy(np.int64), self.machines["begin"].to_numpy(np.int64)],
                             np.r_[self.tracks["end"].to_numpy(np.int64), self.machines["end"].to_numpy(np.int64)])

    def contains(self, keys: object) -> npt.NDArray[np.bool_]:
        """Which keys the period's allocation holds (any owner, any machine)."""
        b, e = self.ranges()
        found: npt.NDArray[np.bool_] = _ranges.locate(b, e, keys) >= 0
        return found

    def machine_of(self, keys: object) -> Int64s:
        """For each key, the position (in ``machines``) of the machine range that holds it, -1 when none."""
        return _holder(self.machines["begin"].to_numpy(np.int64), self.machines["end"].to_numpy(np.int64),
                       np.asarray(keys, dtype=np.int64).reshape(-1))

    def account_of(self, keys: object) -> npt.NDArray[np.object_]:
        """The 帳別 of the machine range holding each key; None where no machine range does."""
        at = self.machine_of(keys)
        accounts = self.machines["account"].to_numpy(dtype=object)
        out = np.full(at.size, None, dtype=object)
        held = at >= 0
        if held.any():
            out[held] = accounts[at[held]]
        out[held & (out == "")] = None
        return out

    def reporters(self, unassigned: str | None) -> pd.DataFrame:
        """Who reports the blanks of every allocated number of the period, as disjoint pieces.

        A 字軌配號 range with 擁有者 is that owner's as a whole; the parts a machine range holds
        are 本系統's (with the machine row's 營業人統編 and 發票類別代號 where filled, a branch's
        booklets are the branch's); the rest of a range with a blank 擁有者 takes ``unassigned``
        (``None``: nobody has decided). Machine ranges outside every 字軌配號 range are 本系統's.
        Columns ``REPORTER_COLUMNS``; ``track_row``/``machine_row`` are positions (-1 for none).
        """
        return _reporter_pieces(self, unassigned)


# ------------------------------------------------------------------------------------------------
# reading the two tables
# ------------------------------------------------------------------------------------------------


def _bad_rows(frame: pd.DataFrame, bad: npt.NDArray[np.bool_], where: Location, what: str, code: str) -> list[Finding]:
    out = [Finding(code, f"{what}的字軌或起迄號不正確（應為 2 個英文字母與 8 位數字，起號不大於迄號），此列未計入",
                   where.with_row(int(row)), Severity.ERROR) for row in frame.index[bad][:_MAX_ROW_FINDINGS]]
    if int(bad.sum()) > _MAX_ROW_FINDINGS:
        out.append(Finding(code, f"另有 {int(bad.sum()) - _MAX_ROW_FINDINGS:,} 列同樣的問題未列出", where, Severity.ERROR))
    return out


def _tracks_of_period(raw: pd.DataFrame, period: Period, where: Location) -> tuple[pd.DataFrame, list[Finding]]:
    import pandas as pd

    mine = row_periods(raw, "申報年月", "發票期別") == period.code
    rows = raw[mine]
    begin, end, ok = range_keys(rows, "發票字軌名稱", "發票起號", "發票迄號")
    findings = _bad_rows(rows, ~ok, where, "[字軌配號]", "allocation_bad_track")
    owner = np.asarray(text_column(rows, "擁有者", ident=False), dtype=object)
    frame = pd.DataFrame({
        "ban": _texts(rows, "營業人統編"), "type": _types(rows, "發票類別代號"), "begin": begin, "end": end,
        "owner": owner, "machine": _texts(rows, "機台號碼"), "row": rows.index.to_numpy(),
    }, columns=list(TRACK_COLUMNS))
    return frame[ok].reset_index(drop=True), findings


def _machines_of_period(raw: pd.DataFrame, period: Period, sheet_period: Period | None,
                        where: Location) -> tuple[pd.DataFrame, list[Finding]]:
    import pandas as pd

    mine = row_periods(raw, "申報年月", default=sheet_period or period) == period.code
    rows = raw[mine]
    begin, end, ok = range_keys(rows, "發票字軌", "起號", "迄號")
    findings = _bad_rows(rows, ~ok, where, "[配號設定]", "gaps_bad_range")
    frame = pd.DataFrame({
        "account": _texts(rows, "帳別"), "machine": _texts(rows, "機台號"), "ban": _texts(rows, "營業人統編"),
        "type": _types(rows, "發票類別代號"), "begin": begin, "end": end, "row": rows.index.to_numpy(),
    }, columns=list(MACHINE_COLUMNS))
    return frame[ok].reset_index(drop=True), findings


def _texts(frame: pd.DataFrame, column: str) -> npt.NDArray[np.object_]:
    return np.asarray([t or "" for t in text_column(frame, column, ident=True)], dtype=object)


def _types(frame: pd.DataFrame, column: str) -> npt.NDArray[np.object_]:
    """發票類別代號 as the MIG writes it: 7 → 07, 8 → 08 ('' when blank)."""
    return np.asarray([{"7": "07", "8": "08"}.get(t, t) for t in _texts(frame, column)], dtype=object)


def period_allocation(
    tracks: pd.DataFrame,
    machines: pd.DataFrame,
    period: Period,
    *,
    sheet_period: Period | None = None,
    account: str | None = None,
    tracks_where: Location | None = None,
    machines_where: Location | None = None,
) -> PeriodAllocation:
    """The period's allocation from the 字軌配號 and 配號設定 tables (see the module docstring).

    ``sheet_period`` is 配號設定's own 申報年月 (what a blank row means); ``account`` is the
    帳別 given to machine ranges taken from 字軌配號 when 配號設定 has none for the period.
    """
    import pandas as pd

    tracks_where = tracks_where or Location(sheet="字軌配號")
    machines_where = machines_where or Location(sheet="配號設定")
    track_frame, findings = _tracks_of_period(tracks, period, tracks_where)
    machine_frame, more = _machines_of_period(machines, period, sheet_period, machines_where)
    findings += more
    from_tracks = machine_frame.empty and not track_frame.empty
    if from_tracks:
        own = np.array([is_own(o) is not False for o in track_frame["owner"]], dtype=bool)
        own_rows = track_frame[own]
        machine_frame = pd.DataFrame({
            "account": account or "", "machine": own_rows["machine"], "ban": own_rows["ban"],
            "type": own_rows["type"], "begin": own_rows["begin"], "end": own_rows["end"], "row": own_rows["row"],
        }, columns=list(MACHINE_COLUMNS)).reset_index(drop=True)
    return PeriodAllocation(period, track_frame, machine_frame, from_tracks, findings, tracks_where,
                            machines_where if not from_tracks else tracks_where)


# ------------------------------------------------------------------------------------------------
# who reports which part
# ------------------------------------------------------------------------------------------------


def _holder(begins: Int64s, ends: Int64s, keys: Int64s) -> Int64s:
    """Position of the range (in input order) that holds each key, -1 for none.

    Ranges may overlap (a configuration error the readers report): then the first by begin
    that holds the key is taken.
    """
    if begins.size == 0:
        return np.full(keys.size, -1, dtype=np.int64)
    order = np.argsort(begins, kind="stable")
    sb, se = begins[order], ends[order]
    at = _ranges.locate(sb, se, keys)
    out = np.where(at >= 0, order[np.maximum(at, 0)], -1).astype(np.int64)
    if (sb[1:] <= np.maximum.accumulate(se)[:-1]).any():
        for k in np.flatnonzero(out < 0).tolist():
            hits = np.flatnonzero((sb <= keys[k]) & (keys[k] <= se))
            out[k] = order[hits[0]] if hits.size else -1
    return out


def _reporter_pieces(alloc: PeriodAllocation, unassigned: str | None) -> pd.DataFrame:
    import pandas as pd

    tb = alloc.tracks["begin"].to_numpy(np.int64)
    te = alloc.tracks["end"].to_numpy(np.int64)
    mb = alloc.machines["begin"].to_numpy(np.int64)
    me = alloc.machines["end"].to_numpy(np.int64)
    bounds = np.unique(np.concatenate([tb, te + 1, mb, me + 1]))
    if bounds.size < 2:
        return pd.DataFrame(columns=list(REPORTER_COLUMNS))
    seg_b, seg_e = bounds[:-1], bounds[1:] - 1
    t_at, m_at = _holder(tb, te, seg_b), _holder(mb, me, seg_b)
    keep = (t_at >= 0) | (m_at >= 0)
    seg_b, seg_e, t_at, m_at = seg_b[keep], seg_e[keep], t_at[keep], m_at[keep]
    owners = np.array([None if is_own(o) is None else str(o).strip() for o in alloc.tracks["owner"]], dtype=object)
    named = np.full(seg_b.size, None, dtype=object)
    if owners.size:
        named[t_at >= 0] = owners[t_at[t_at >= 0]]
    has_owner = np.array([o is not None for o in named], dtype=bool)
    fallback = np.full(seg_b.size, unassigned, dtype=object)
    reporter = np.where(has_owner, named, np.where(m_at >= 0, OWNER_SELF, fallback))
    machine_rows = np.where(has_owner, -1, m_at)  # a named owner's part is not a machine's
    # join neighbouring segments that say the same
    same = np.r_[False, (seg_b[1:] == seg_e[:-1] + 1) & (t_at[1:] == t_at[:-1]) & (machine_rows[1:] == machine_rows[:-1])
                 & (reporter[1:] == reporter[:-1])]
    firsts = np.flatnonzero(~same)
    lasts = np.r_[firsts[1:] - 1, seg_b.size - 1]
    t_at, m_at, reporter = t_at[firsts], machine_rows[firsts], reporter[firsts]
    return pd.DataFrame({
        "ban": _pick(alloc.machines["ban"], m_at, alloc.tracks["ban"], t_at),
        "type": _pick(alloc.machines["type"], m_at, alloc.tracks["type"], t_at),
        "begin": seg_b[firsts], "end": seg_e[lasts], "reporter": reporter,
        "track_row": t_at, "machine_row": m_at,
    }, columns=list(REPORTER_COLUMNS))


def _pick(first: pd.Series, first_at: Int64s, second: pd.Series, second_at: Int64s) -> npt.NDArray[np.object_]:
    """The value of ``first`` at ``first_at`` when there is one and it is filled, else ``second``'s ('' for none)."""
    a = first.to_numpy(dtype=object)
    b = second.to_numpy(dtype=object)
    out = np.full(first_at.size, "", dtype=object)
    has_b = second_at >= 0
    if b.size:
        out[has_b] = b[second_at[has_b]]
    has_a = first_at >= 0
    if a.size:
        from_a = a[np.maximum(first_at, 0)]
        use = has_a & (from_a != "")
        out[use] = from_a[use]
    return out
