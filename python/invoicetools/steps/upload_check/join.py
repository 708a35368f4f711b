"""The join of 漏上傳檢核: the register rows in scope, one per number, each with its platform record.

Everything the checks look at is computed once here, on sorted int64 keys (a merge of two
sorted arrays, not random probes): the rows in scope, the representative row of each
number (its first row that is not 註銷, else its first), its deadline, and the platform's
one record for it (several records of one invoice reduce to one: a record that puts the
invoice on the platform beats a failure, a failure beats "in progress"; among equals the
latest upload time wins, then the later record).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ...domain.errors import Location
from .model import RegisterStatus, Scope, State

if TYPE_CHECKING:
    import pandas as pd

    from ..allocation import PeriodAllocation

__all__ = ["Joined", "deadline", "in_sorted", "join", "reduce_platform", "register_accounts", "sorted_order"]

Int64s = npt.NDArray[np.int64]


def in_sorted(values: Int64s, sorted_unique: Int64s) -> npt.NDArray[np.bool_]:
    """Which values are in a sorted array."""
    if not len(sorted_unique):
        return np.zeros(len(values), dtype=bool)
    i = np.searchsorted(sorted_unique, values)
    i[i >= len(sorted_unique)] = 0
    return np.asarray(sorted_unique[i] == values, dtype=bool)


def sorted_order(keys: Int64s, tie: Int64s | None = None) -> npt.NDArray[np.intp]:
    """Indices that sort ``keys`` (then ``tie``, a small non-negative int, then position): one int64 sort."""
    n = len(keys)
    if n == 0:
        return np.empty(0, dtype=np.intp)
    bits = max(1, int(n - 1).bit_length())
    tie_bits = 2 if tie is not None else 0
    top = int(keys.max()) if n else 0
    if top >= 0 and top.bit_length() + bits + tie_bits <= 62:
        composite = keys << (bits + tie_bits)
        if tie is not None:
            composite = composite | (tie.astype(np.int64) << bits)
        composite = composite | np.arange(n, dtype=np.int64)
        return np.argsort(composite)  # unique values: an unstable sort is exact
    columns = (np.arange(n), tie, keys) if tie is not None else (np.arange(n), keys)
    return np.lexsort(columns)


def reduce_platform(platform: pd.DataFrame) -> npt.NDArray[np.intp]:
    """Positions of one record per key, in key order: the highest (state rank, upload time, position).

    CANCELLED ranks with ON_PLATFORM (both mean the platform holds the invoice). Invoices with
    one record (the usual case) cost one sort; only keys with several records are lexsorted.
    """
    key = platform["key"].to_numpy(dtype=np.int64)
    usable = np.flatnonzero(key >= 0)
    if not len(usable):
        return usable
    order = usable[sorted_order(key[usable])]
    ks = key[order]
    same = ks[1:] == ks[:-1]
    if not same.any():
        return order
    in_group = np.r_[same, False] | np.r_[False, same]
    singles = order[~in_group]
    sub = order[in_group]
    rank = np.minimum(platform["state"].to_numpy(dtype=np.int8)[sub], State.ON_PLATFORM)
    time = platform["time"].to_numpy(dtype="datetime64[ns]")[sub].view(np.int64)  # NaT is the smallest
    sub_order = np.lexsort((sub, time, rank, key[sub]))
    sk = key[sub][sub_order]
    last = np.r_[sk[1:] != sk[:-1], True]
    picks = np.concatenate([singles, sub[sub_order][last]])
    return picks[np.argsort(key[picks], kind="stable")]


def deadline(issued: npt.NDArray[np.datetime64], timed: npt.NDArray[np.bool_],
             b2b: npt.NDArray[np.bool_]) -> npt.NDArray[np.datetime64]:
    """期限: issue time + 48 h, or + 7 days when the buyer has a UBN; with no time of day, the end of that day."""
    days = np.where(b2b, 7, 2).astype("timedelta64[D]").astype("timedelta64[ns]")
    end_of_day = np.timedelta64(86399, "s").astype("timedelta64[ns]")
    midnight = issued.astype("datetime64[D]").astype("datetime64[ns]")
    due: npt.NDArray[np.datetime64] = np.where(timed, issued + days, midnight + days + end_of_day)
    return due


@dataclass
class Joined:
    """The register in scope joined with the platform; ``r_*`` arrays are per representative row."""

    register: pd.DataFrame
    platform: pd.DataFrame
    allocation: PeriodAllocation | None
    scope: Scope
    now: datetime.datetime
    where: Location
    platform_where: Location
    keys: Int64s  # every register row
    status: npt.NDArray[np.int8]
    day: npt.NDArray[np.datetime64]  # 發票日期 of every register row (datetime64[D])
    pick: npt.NDArray[np.intp]  # register rows in scope
    rep: npt.NDArray[np.intp]  # one row per number in scope, in key order
    r_keys: Int64s
    r_status: npt.NDArray[np.int8]
    r_due: npt.NDArray[np.datetime64]
    p_at: npt.NDArray[np.intp]  # platform rows, one per key, sorted
    p_keys: Int64s
    p_state: npt.NDArray[np.int8]
    r_found: npt.NDArray[np.bool_]  # the platform has a record of the number
    r_at: npt.NDArray[np.intp]  # position in p_at of that record (0 where not found)
    r_state: npt.NDArray[np.int8]  # the platform's state of the number, -1 when none

    @property
    def lo(self) -> np.datetime64:
        return np.datetime64(self.scope.first, "D")

    @property
    def hi(self) -> np.datetime64:
        return np.datetime64(self.scope.last, "D")

    @property
    def r_day(self) -> npt.NDArray[np.datetime64]:
        return self.day[self.rep].astype("datetime64[ns]")

    def r_detail(self) -> npt.NDArray[np.object_]:
        """The platform's words for each representative row's record ('' when none)."""
        out = np.full(len(self.r_keys), "", dtype=object)
        if self.r_found.any():
            said = self.platform["detail"].astype("string").iloc[self.p_at[self.r_at[self.r_found]]].fillna("")
            out[self.r_found] = said.to_numpy(dtype=object)
        return out

    def accounts_at(self, at: npt.NDArray[np.intp]) -> npt.NDArray[np.object_]:
        """帳別 of register rows (see :func:`register_accounts`)."""
        return register_accounts(self.register, self.allocation, self.keys, at)

    def number(self, i: int) -> str:
        """The register's 發票號碼 of representative ``i``."""
        return str(self.register["發票號碼"].iat[int(self.rep[i])])

    def row(self, i: int) -> int:
        """The sheet row of representative ``i``."""
        return int(self.register["row"].iat[int(self.rep[i])])


def register_accounts(register: pd.DataFrame, allocation: PeriodAllocation | None, keys: Int64s,
                      at: npt.NDArray[np.intp]) -> npt.NDArray[np.object_]:
    """帳別 of register rows: the register's own, else the account of the machine range holding the number."""
    text = register["帳別"].astype("string").iloc[at].str.strip()
    blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
    values: npt.NDArray[np.object_] = np.asarray(text.to_numpy(dtype=object, na_value=None), dtype=object)
    values[blank] = None
    if blank.any() and allocation is not None:
        values[blank] = allocation.account_of(keys[at][blank])
    return values


def _in_scope(register: pd.DataFrame, allocation: PeriodAllocation | None, scope: Scope,
              keys: Int64s, day: npt.NDArray[np.datetime64]) -> npt.NDArray[np.intp]:
    lo, hi = np.datetime64(scope.first, "D"), np.datetime64(scope.last, "D")
    pick = np.flatnonzero((keys >= 0) & (day >= lo) & (day <= hi))
    if scope.account:
        pick = pick[np.asarray(register_accounts(register, allocation, keys, pick) == scope.account, dtype=bool)]
    return pick


def join(register: pd.DataFrame, platform: pd.DataFrame, allocation: PeriodAllocation | None, *, scope: Scope,
         now: datetime.datetime, where: Location, platform_where: Location) -> Joined:
    """The register rows in scope, one per number, with the platform's record of each."""
    keys = register["key"].to_numpy(dtype=np.int64)
    status = register["status"].to_numpy(dtype=np.int8)
    issued = register["issued"].to_numpy(dtype="datetime64[ns]")
    day = issued.astype("datetime64[D]")
    pick = _in_scope(register, allocation, scope, keys, day)
    s_keys = keys[pick]
    order = sorted_order(s_keys, (status[pick] == RegisterStatus.VOIDED).astype(np.int64))
    ks = s_keys[order]
    rep = pick[order[np.r_[True, ks[1:] != ks[:-1]]] if len(ks) else order]
    r_keys = keys[rep]
    due = deadline(issued[rep], register["timed"].to_numpy(dtype=bool)[rep], register["b2b"].to_numpy(dtype=bool)[rep])
    p_at = reduce_platform(platform)
    p_keys = platform["key"].to_numpy(dtype=np.int64)[p_at]
    p_state = platform["state"].to_numpy(dtype=np.int8)[p_at]
    if len(p_keys):
        r_at = np.searchsorted(p_keys, r_keys)  # both sorted: a merge, not random probes
        r_at[r_at >= len(p_keys)] = 0
        found = p_keys[r_at] == r_keys
    else:
        r_at = np.zeros(len(r_keys), dtype=np.intp)
        found = np.zeros(len(r_keys), dtype=bool)
    r_state = np.where(found, p_state[r_at] if len(p_state) else -1, -1).astype(np.int8)
    return Joined(register, platform, allocation, scope, now, where, platform_where, keys, status, day, pick, rep,
                  r_keys, status[rep], due, p_at, p_keys, p_state, found, r_at, r_state)
