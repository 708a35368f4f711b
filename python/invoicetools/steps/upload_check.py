"""漏上傳檢核: the ERP register against the platform status, vectorised on int64 invoice keys.

Inputs are plain frames (built by ``sources.register.register_input`` and
``sources.status.platform_input``); nothing here reads a file or a sheet.

* **register** – one row per register row: ``key`` (int64 invoice key, -1 when the number
  is unusable), ``row`` (where it came from), ``issued`` (issue date-time, NaT when
  unknown), ``timed`` (the time of day is known), ``status`` (:class:`RegisterStatus`),
  ``b2b`` (the buyer has a UBN), ``帳別`` and the display columns of the result sheet
  (``發票號碼``, ``客戶編號``, ``客戶名稱``, ``銷售人統編``, ``列印註記``, ``轉檔日``).
* **platform** – one row per status record: ``key``, ``state`` (:class:`State`), ``date``
  (發票日期 on the platform), ``time`` (upload time), ``detail`` (the platform's words),
  ``row``. Several records of one invoice reduce to one: a record that puts the invoice
  on the platform (uploaded or cancelled) beats a failure, a failure beats "in progress";
  among equals the latest upload time wins, then the later record.
* **allocation** – the period's allocated ranges: ``begin``/``end`` (inclusive keys) and
  ``帳別`` (the account of the machine range; blank for a bare track allocation).

Rules (DESIGN "Step semantics"): the rows checked are the register rows whose 發票日期 is
in the period ∩ [date_from, date_to] and whose 帳別 (the register's, else the account of
the range that holds the number) is ``account`` when one is given. Per invoice number
(its first row that is not 註銷, else its first row):

=====================  =========================================================
platform               outcome
=====================  =========================================================
nothing / in progress  未上傳 (any register status)
failed                 上傳失敗
live, register 作廢    作廢未上傳
cancelled, reg. 開立   a warning finding (the platform cancelled what the ERP has live)
=====================  =========================================================

Plus: 重號 for every checked row whose number has two or more rows in the register that
are not 註銷 (a 註銷 row and its re-issue are one invoice); 不在配號範圍 for numbers outside
every allocated range (skipped with an INFO finding when there is no allocation);
平台有帳上無 for invoices the platform holds (uploaded or cancelled) that are nowhere in the
register, dated in the range (or undated but inside the period's allocation), with the
帳別 of the range that holds the number. 期限 (upload problems only): issue time + 48 h,
or + 7 days when the buyer has a UBN; with no time of day, the end of that later day.

>>> import pandas as pd, datetime as dt
>>> from invoicetools.domain import periods
>>> reg = register_frame(["AB00000001", "AB00000002", "AB00000002"], ["2024-01-05"] * 3)
>>> plat = platform_frame(["AB00000001", "AB00000009"], [State.ON_PLATFORM] * 2, ["2024-01-05"] * 2)
>>> out = check(reg, plat, None, scope=Scope(periods.parse("11302")), now=dt.datetime(2024, 3, 1))
>>> out.rows[["發票號碼", "問題"]].values.tolist()
[['AB00000002', '未上傳'], ['AB00000002', '重號'], ['AB00000002', '重號'], ['AB00000009', '平台有帳上無']]
>>> out.counts["未上傳"], out.overdue
(1, 1)
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

from ..domain.errors import Finding, Location, Severity
from ..domain.invoice_number import KEY_BASE
from ..domain.periods import Period

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = [
    "DISPLAY_COLUMNS",
    "HEADERS",
    "PROBLEMS",
    "RegisterStatus",
    "Scope",
    "State",
    "UploadCheck",
    "allocation_frame",
    "check",
    "platform_frame",
    "register_frame",
]

MISSING, FAILED, CANCEL_LIVE, PLATFORM_ONLY, DUPLICATE, OUTSIDE = (
    "未上傳", "上傳失敗", "作廢未上傳", "平台有帳上無", "重號", "不在配號範圍",
)
PROBLEMS: tuple[str, ...] = (MISSING, FAILED, CANCEL_LIVE, PLATFORM_ONLY, DUPLICATE, OUTSIDE)
HEADERS: tuple[str, ...] = (
    "序號", "帳別", "資料申報年月", "發票日期", "發票號碼", "客戶編號", "客戶名稱", "銷售人統編",
    "列印註記", "轉檔日", "問題", "期限", "說明",
)
DISPLAY_COLUMNS: tuple[str, ...] = ("發票號碼", "客戶編號", "客戶名稱", "銷售人統編", "列印註記", "轉檔日")
MAX_ROW_FINDINGS = 200  # per kind of finding; the rest are counted in one summary finding


class RegisterStatus(IntEnum):
    """The register's 狀態."""

    ISSUED = 0  # 開立
    CANCELLED = 1  # 作廢
    VOIDED = 2  # 註銷 (void before re-issue with the same number)


class State(IntEnum):
    """The platform's state of one invoice; the order is the precedence when records disagree."""

    PENDING = 0  # sent, not yet on the platform (ECPay upload 0, Turnkey P)
    FAILED = 1
    ON_PLATFORM = 2
    CANCELLED = 3  # held by the platform as cancelled


@dataclass(frozen=True)
class Scope:
    """What is checked: a period, optionally narrowed by 發票日期 and 帳別."""

    period: Period
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    account: str | None = None

    @property
    def first(self) -> datetime.date:
        return max(self.period.first_day, self.date_from) if self.date_from else self.period.first_day

    @property
    def last(self) -> datetime.date:
        return min(self.period.last_day, self.date_to) if self.date_to else self.period.last_day

    @property
    def empty(self) -> bool:
        return self.first > self.last


@dataclass
class UploadCheck:
    """The result: the sheet's rows (``HEADERS`` plus ``row``, the register row or NA), counts, findings."""

    rows: pd.DataFrame
    counts: dict[str, int]
    overdue: int  # rows whose 期限 has passed
    checked: int  # register rows in scope
    findings: list[Finding] = field(default_factory=list)
    late: int = 0  # invoices on the platform that were uploaded after their deadline


# --------------------------------------------------------------------------- small builders


def register_frame(
    numbers: Sequence[str],
    dates: Sequence[object],
    *,
    status: Sequence[int] | None = None,
    accounts: Sequence[str | None] | None = None,
    b2b: Sequence[bool] | None = None,
    first_row: int = 5,
) -> pd.DataFrame:
    """A register input frame from plain lists (tests, doctests); dates may carry a time of day."""
    import numpy as np
    import pandas as pd

    from ..domain.invoice_number import keys_from_strings

    n = len(numbers)
    keys, _ = keys_from_strings(list(numbers))
    issued = pd.to_datetime(pd.Series(list(dates), dtype="object"))
    frame = pd.DataFrame({
        "key": keys,
        "row": np.arange(first_row, first_row + n),
        "issued": issued.to_numpy(dtype="datetime64[ns]"),
        "timed": (issued != issued.dt.normalize()).to_numpy(dtype=bool),
        "status": np.asarray(status if status is not None else [0] * n, dtype=np.int8),
        "b2b": np.asarray(b2b if b2b is not None else [False] * n, dtype=bool),
        "帳別": pd.array(list(accounts) if accounts is not None else [None] * n, dtype="string"),
        "發票號碼": pd.array(list(numbers), dtype="string"),
    })
    for col in DISPLAY_COLUMNS[1:-1]:
        frame[col] = pd.array([None] * n, dtype="string")
    frame["轉檔日"] = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    return frame


def platform_frame(
    numbers: Sequence[str],
    states: Sequence[int],
    dates: Sequence[object] | None = None,
    *,
    times: Sequence[object] | None = None,
    details: Sequence[str] | None = None,
    first_row: int = 7,
) -> pd.DataFrame:
    """A platform input frame from plain lists (tests, doctests)."""
    import numpy as np
    import pandas as pd

    from ..domain.invoice_number import keys_from_strings

    n = len(numbers)
    keys, _ = keys_from_strings(list(numbers))
    return pd.DataFrame({
        "key": keys,
        "state": np.asarray(states, dtype=np.int8),
        "date": pd.to_datetime(pd.Series(list(dates) if dates is not None else [None] * n, dtype="object"))
        .dt.normalize().to_numpy(dtype="datetime64[ns]"),
        "time": pd.to_datetime(pd.Series(list(times) if times is not None else [None] * n, dtype="object"))
        .to_numpy(dtype="datetime64[ns]"),
        "detail": pd.array(list(details) if details is not None else [""] * n, dtype="string"),
        "row": np.arange(first_row, first_row + n),
    })


def allocation_frame(ranges: Sequence[tuple[str, str, str | None]]) -> pd.DataFrame:
    """``[(first number, last number, 帳別), …]`` → an allocation input frame."""
    import numpy as np
    import pandas as pd

    from ..domain.invoice_number import keys_from_strings

    begin, _ = keys_from_strings([r[0] for r in ranges])
    end, _ = keys_from_strings([r[1] for r in ranges])
    return pd.DataFrame({
        "begin": np.asarray(begin, dtype=np.int64),
        "end": np.asarray(end, dtype=np.int64),
        "帳別": pd.array([r[2] for r in ranges], dtype="string"),
    })


# --------------------------------------------------------------------------- vectorised helpers


def _keys_to_strings(keys: npt.NDArray[np.int64]) -> pd.Series:
    """Display strings of many keys without a Python loop per key."""
    import numpy as np
    import pandas as pd

    letters = np.array([chr(65 + c // 26) + chr(65 + c % 26) for c in range(676)], dtype=object)
    track = letters[(keys // KEY_BASE).astype(np.int64)]
    digits = pd.Series(keys % KEY_BASE).astype(str).str.zfill(8)
    return pd.Series(track, dtype="string") + digits.astype("string").to_numpy()


class _Ranges:
    """Allocated ranges: containment (merged ranges) and the 帳別 of the range holding a key."""

    def __init__(self, allocation: pd.DataFrame | None) -> None:
        import numpy as np
        import pandas as pd

        if allocation is None or allocation.empty:
            self.empty = True
            self.begin = self.end = self.m_begin = self.m_end = np.empty(0, dtype=np.int64)
            self.account = pd.array([], dtype="string")
            return
        self.empty = False
        a = allocation[(allocation["begin"] >= 0) & (allocation["end"] >= allocation["begin"])]
        order = np.lexsort((a["end"].to_numpy(), a["begin"].to_numpy()))
        self.begin = a["begin"].to_numpy(dtype=np.int64)[order]
        self.end = a["end"].to_numpy(dtype=np.int64)[order]
        self.account = pd.array(a["帳別"].astype("string").to_numpy()[order], dtype="string")
        # merged ranges for containment (ranges may overlap or touch)
        if len(self.begin):
            reach = np.maximum.accumulate(self.end)
            starts = np.r_[True, self.begin[1:] > reach[:-1] + 1]
            group = np.cumsum(starts) - 1
            self.m_begin = self.begin[starts]
            self.m_end = np.zeros(int(group[-1]) + 1, dtype=np.int64)
            np.maximum.at(self.m_end, group, self.end)
        else:
            self.m_begin = self.m_end = np.empty(0, dtype=np.int64)

    def contains(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
        import numpy as np

        if not len(self.m_begin):
            return np.zeros(len(keys), dtype=bool)
        i = np.searchsorted(self.m_begin, keys, side="right") - 1
        ok = i >= 0
        j = np.where(ok, i, 0)
        return np.asarray(ok & (keys <= self.m_end[j]), dtype=bool)

    def account_of(self, keys: npt.NDArray[np.int64]) -> pd.Series:
        """The 帳別 of the range (greatest begin ≤ key) that holds each key; NA when none."""
        import numpy as np
        import pandas as pd

        out = pd.Series(pd.NA, index=range(len(keys)), dtype="string")
        if not len(self.begin):
            return out
        i = np.searchsorted(self.begin, keys, side="right") - 1
        j = np.where(i >= 0, i, 0)
        hit = (i >= 0) & (keys <= self.end[j])
        values = pd.Series(self.account, dtype="string").to_numpy()[j]
        out[hit] = values[hit]
        return out


def _in_sorted(values: npt.NDArray[np.int64], sorted_unique: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    import numpy as np

    if not len(sorted_unique):
        return np.zeros(len(values), dtype=bool)
    i = np.searchsorted(sorted_unique, values)
    i[i >= len(sorted_unique)] = 0
    return np.asarray(sorted_unique[i] == values, dtype=bool)


def _sorted_order(keys: npt.NDArray[np.int64], tie: npt.NDArray[np.int64] | None = None) -> npt.NDArray[np.intp]:
    """Indices that sort ``keys`` (then ``tie``, a small non-negative int, then position): one int64 sort."""
    import numpy as np

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


def _reduce_platform(platform: pd.DataFrame) -> npt.NDArray[np.intp]:
    """Positions of one record per key, in key order: the highest (state rank, upload time, position).

    CANCELLED ranks with ON_PLATFORM (both mean the platform holds the invoice). Invoices with
    one record (the usual case) cost one sort; only keys with several records are lexsorted.
    """
    import numpy as np

    key = platform["key"].to_numpy(dtype=np.int64)
    usable = np.flatnonzero(key >= 0)
    if not len(usable):
        return usable
    k = key[usable]
    order = usable[_sorted_order(k)]
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


# --------------------------------------------------------------------------- the check


def _deadline(
    issued: npt.NDArray[np.datetime64], timed: npt.NDArray[np.bool_], b2b: npt.NDArray[np.bool_]
) -> npt.NDArray[np.datetime64]:
    import numpy as np

    days = np.where(b2b, 7, 2).astype("timedelta64[D]").astype("timedelta64[ns]")
    end_of_day = np.timedelta64(86399, "s").astype("timedelta64[ns]")
    midnight = issued.astype("datetime64[D]").astype("datetime64[ns]")
    due: npt.NDArray[np.datetime64] = np.where(timed, issued + days, midnight + days + end_of_day)
    return due


@dataclass
class _Part:
    """Rows of one problem: register positions (or platform-only keys) with their note and deadline."""

    problem: str
    keys: npt.NDArray[np.int64]
    account: npt.NDArray[np.object_] | None  # None: taken from the register rows at assembly
    day: npt.NDArray[np.datetime64]
    note: npt.NDArray[np.object_]
    due: npt.NDArray[np.datetime64] | None = None
    at: npt.NDArray[np.intp] | None = None  # register positions; None for 平台有帳上無


def check(
    register: pd.DataFrame,
    platform: pd.DataFrame,
    allocation: pd.DataFrame | None,
    *,
    scope: Scope,
    now: datetime.datetime,
    where: Location | None = None,
    platform_where: Location | None = None,
) -> UploadCheck:
    """Reconcile (see the module docstring). ``where``/``platform_where`` place the findings."""
    import numpy as np
    import pandas as pd

    where = where or Location(sheet="發票資料")
    platform_where = platform_where or Location(sheet="平台狀況")
    ranges = _Ranges(allocation)
    findings: list[Finding] = []
    lo, hi = np.datetime64(scope.first, "D"), np.datetime64(scope.last, "D")

    # --- the register rows in scope (positions into ``register``) ------------------------------
    keys = register["key"].to_numpy(dtype=np.int64)
    valid = keys >= 0
    status = register["status"].to_numpy(dtype=np.int8)
    issued = register["issued"].to_numpy(dtype="datetime64[ns]")
    day_all = issued.astype("datetime64[D]")
    pick = np.flatnonzero(valid & (day_all >= lo) & (day_all <= hi))
    account_col = register["帳別"]

    def accounts_at(at: npt.NDArray[np.intp]) -> npt.NDArray[np.object_]:
        """帳別 of register rows: the register's own, else the account of the range holding the number."""
        text = account_col.astype("string").iloc[at].str.strip()
        blank = (text.isna() | (text == "")).to_numpy(dtype=bool)
        values: npt.NDArray[np.object_] = np.asarray(text.to_numpy(dtype=object, na_value=None), dtype=object)
        values[blank] = None
        if blank.any() and not ranges.empty:
            values[blank] = ranges.account_of(keys[at][blank]).to_numpy(dtype=object, na_value=None)
        return values

    if scope.account:
        pick = pick[np.asarray(accounts_at(pick) == scope.account, dtype=bool)]
    checked = len(pick)

    # --- one row per number (its first row that is not 註銷, else its first), in key order ----
    s_keys = keys[pick]
    s_void = status[pick] == RegisterStatus.VOIDED
    order = _sorted_order(s_keys, s_void.astype(np.int64))
    ks = s_keys[order]
    firsts = order[np.r_[True, ks[1:] != ks[:-1]]] if len(ks) else order
    rep = pick[firsts]
    r_keys = keys[rep]
    r_status = status[rep]
    r_day = day_all[rep].astype("datetime64[ns]")
    deadline = _deadline(issued[rep], register["timed"].to_numpy(dtype=bool)[rep],
                         register["b2b"].to_numpy(dtype=bool)[rep])

    # --- the platform, one record per number (sorted), joined on the key ---------------------
    p_at = _reduce_platform(platform)
    p_keys = platform["key"].to_numpy(dtype=np.int64)[p_at]
    p_state = platform["state"].to_numpy(dtype=np.int8)[p_at]
    if len(p_keys):
        idx = np.searchsorted(p_keys, r_keys)  # both sorted: a merge, not random probes
        idx[idx >= len(p_keys)] = 0
        found = p_keys[idx] == r_keys
    else:
        idx = np.zeros(len(r_keys), dtype=np.intp)
        found = np.zeros(len(r_keys), dtype=bool)
    r_state = np.where(found, p_state[idx] if len(p_state) else -1, -1)
    r_detail = np.full(len(r_keys), "", dtype=object)
    if found.any():
        said = platform["detail"].astype("string").iloc[p_at[idx[found]]].fillna("")
        r_detail[found] = said.to_numpy(dtype=object)

    missing = (r_state < 0) | (r_state == State.PENDING)
    failed = r_state == State.FAILED
    cancel_live = (r_state == State.ON_PLATFORM) & (r_status == RegisterStatus.CANCELLED)
    cancelled_on_platform = (r_state == State.CANCELLED) & (r_status == RegisterStatus.ISSUED)

    parts: list[_Part] = []

    def add(mask: npt.NDArray[np.bool_], problem: str, note: object, due: bool) -> None:
        if not mask.any():
            return
        n = int(mask.sum())
        notes = np.asarray(note, dtype=object) if not isinstance(note, str) else np.full(n, note, dtype=object)
        parts.append(_Part(problem, r_keys[mask], None, r_day[mask], notes,
                           deadline[mask] if due else None, rep[mask]))

    pending = r_state[missing] == State.PENDING
    said_missing = r_detail[missing]
    notes = np.where(pending, "平台處理中，尚未完成上傳", "平台查無此發票").astype(object)
    with_detail = pending & (said_missing != "")
    notes[with_detail] = "平台處理中，尚未完成上傳：" + said_missing[with_detail].astype(str).astype(object)
    add(missing, MISSING, notes, True)
    failed_said = r_detail[failed]
    failed_notes = np.full(len(failed_said), "平台上傳失敗", dtype=object)
    has_said = failed_said != ""
    failed_notes[has_said] = "平台狀態：" + failed_said[has_said].astype(str).astype(object)
    add(failed, FAILED, failed_notes, True)
    if cancel_live.any():
        add(cancel_live, CANCEL_LIVE, _cancel_notes(platform, r_keys[cancel_live]), True)

    # --- findings that are not rows (per row up to MAX_ROW_FINDINGS, then one summary) ------
    rows_all = register["row"].to_numpy()
    numbers_all = register["發票號碼"]

    def number(i: int) -> str:
        return str(numbers_all.iat[int(rep[i])])

    shown = np.flatnonzero(cancelled_on_platform)
    for i in shown[:MAX_ROW_FINDINGS]:
        findings.append(Finding(
            "platform_cancelled", f"發票 {number(i)} 在平台上已作廢，但發票資料的狀態是開立；請確認 ERP 是否漏記作廢",
            where.with_row(int(rows_all[rep[i]]), "狀態"), Severity.WARNING))
    if len(shown) > MAX_ROW_FINDINGS:
        findings.append(Finding(
            "platform_cancelled", f"另有 {len(shown) - MAX_ROW_FINDINGS:,} 張發票在平台上已作廢、發票資料仍為開立",
            where, Severity.WARNING))
    late_count = 0
    if len(p_keys):
        up_time = platform["time"].to_numpy(dtype="datetime64[ns]")[p_at][idx]
        late = np.flatnonzero(found & (r_state >= State.ON_PLATFORM) & ~np.isnat(up_time) & (up_time > deadline))
        late_count = len(late)
        for i in late[:MAX_ROW_FINDINGS]:
            findings.append(Finding(
                "late_upload",
                f"發票 {number(i)} 逾期上傳：上傳時間 {pd.Timestamp(up_time[i]):%Y/%m/%d %H:%M}，"
                f"期限 {pd.Timestamp(deadline[i]):%Y/%m/%d %H:%M}",
                where.with_row(int(rows_all[rep[i]]), "發票號碼"), Severity.WARNING))
        if late_count > MAX_ROW_FINDINGS:
            findings.append(Finding(
                "late_upload", f"另有 {late_count - MAX_ROW_FINDINGS:,} 張發票逾期上傳（已在平台上）", where,
                Severity.WARNING))

    # --- 重號: every checked row whose number has two or more rows that are not 註銷 ------------
    not_void_all = valid & (status != RegisterStatus.VOIDED)
    nv_sorted = np.sort(keys[not_void_all])
    repeated = nv_sorted[1:][nv_sorted[1:] == nv_sorted[:-1]]
    dup_keys = repeated[np.r_[True, repeated[1:] != repeated[:-1]]] if len(repeated) else repeated
    if len(dup_keys):
        is_dup = ~s_void & _in_sorted(s_keys, dup_keys)
        if is_dup.any():
            at = pick[is_dup]
            every = np.flatnonzero(not_void_all & _in_sorted(keys, dup_keys))
            listed = pd.Series(rows_all[every], index=keys[every]).groupby(level=0).agg(
                lambda r: "、".join(str(int(x)) for x in r))
            note = ("發票資料第 " + listed.reindex(keys[at]).astype(str) + " 列重複").to_numpy(dtype=object)
            parts.append(_Part(DUPLICATE, keys[at], None, day_all[at].astype("datetime64[ns]"), note, None, at))

    # --- 不在配號範圍 --------------------------------------------------------------------------
    if ranges.empty:
        findings.append(Finding(
            "no_allocation",
            f"[配號設定] 與 [字軌配號] 都沒有 {scope.period.code} 的配號資料，未檢核「{OUTSIDE}」",
            Location(sheet="配號設定"), Severity.INFO))
    else:
        add(~ranges.contains(r_keys), OUTSIDE, f"不在 {scope.period.code} 的任何配號區間", False)

    # --- 平台有帳上無: held by the platform, nowhere in the register ---------------------------
    if len(p_keys):
        reg_keys = np.sort(keys[valid])  # duplicates do no harm to a sorted lookup
        p_day = platform["date"].to_numpy(dtype="datetime64[ns]")[p_at].astype("datetime64[D]")
        dated = ~np.isnat(p_day)
        in_dates = dated & (p_day >= lo) & (p_day <= hi)
        undated_ok = ~dated
        if undated_ok.any():
            undated_ok[undated_ok] = ranges.contains(p_keys[undated_ok])
        only = np.flatnonzero(
            (p_state >= State.ON_PLATFORM) & (in_dates | undated_ok) & ~_in_sorted(p_keys, reg_keys))
        if len(only):
            o_keys = p_keys[only]
            o_account = ranges.account_of(o_keys).to_numpy(dtype=object, na_value=None)
            if scope.account:
                keep = np.asarray(o_account == scope.account, dtype=bool)
                only, o_keys, o_account = only[keep], o_keys[keep], o_account[keep]
            if len(only):
                note = np.where(p_state[only] == State.CANCELLED, "平台上為已作廢；發票資料沒有這張發票",
                                "平台已有這張發票；發票資料沒有這張發票").astype(object)
                parts.append(_Part(PLATFORM_ONLY, o_keys, o_account, p_day[only].astype("datetime64[ns]"), note))

    for part in parts:
        if part.account is None and part.at is not None:
            part.account = accounts_at(part.at)
    rows = _assemble(parts, register, scope)
    counts = {p: int((rows["問題"] == p).sum()) for p in PROBLEMS}
    due = rows["期限"]
    overdue = int((due.notna() & (due < pd.Timestamp(now))).sum())
    return UploadCheck(rows, counts, overdue, checked, findings, late_count)


def _cancel_notes(platform: pd.DataFrame, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
    """作廢未上傳: say so, and add the latest failure of a cancel message when the platform has one."""
    import numpy as np

    base = "發票資料為作廢，平台上仍為開立（作廢未上傳）"
    failed = platform[(platform["state"].to_numpy() == State.FAILED) & (platform["key"].to_numpy() >= 0)]
    notes = np.full(len(keys), base, dtype=object)
    if failed.empty:
        return notes
    last = _reduce_platform(failed)
    f_keys = failed["key"].to_numpy(dtype=np.int64)[last]
    i = np.searchsorted(f_keys, keys)
    i[i >= len(f_keys)] = 0
    hit = f_keys[i] == keys
    detail = failed["detail"].astype("string").fillna("").iloc[last].to_numpy(dtype=object)[i]
    notes[hit] = [f"{base}；平台失敗訊息：{d}" if d else base for d in detail[hit]]
    return notes


def _assemble(parts: list[_Part], register: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """The sheet's rows, sorted by 發票日期, number, problem, register row; display columns taken only here."""
    import numpy as np
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
