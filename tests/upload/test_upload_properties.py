"""The vectorised reconciliation (steps.upload_check) against the plain reference (reference.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference import Alloc, Plat, Reg, pending_count, reference_check

from invoicetools.domain import periods
from invoicetools.domain.invoice_number import from_key, to_key
from invoicetools.steps.allocation import PeriodAllocation
from invoicetools.steps.upload_check import HEADERS, PROBLEMS, Scope, check
from invoicetools.steps.upload_check.join import sorted_order

PERIOD = periods.parse("11302")  # 2024-01-01 .. 2024-02-29
NOW = dt.datetime(2024, 3, 20, 12, 0)
BASE = to_key("AB00000000")
KEYS = [BASE + n for n in range(40)] + [to_key("AC00000000") + n for n in range(10)]


def register_input(rows: list[Reg]) -> pd.DataFrame:
    n = len(rows)
    return pd.DataFrame({
        "key": np.array([r.key for r in rows], dtype=np.int64),
        "row": np.array([r.row for r in rows], dtype=np.int64),
        "issued": pd.to_datetime(pd.Series([r.issued for r in rows], dtype="object")).to_numpy(dtype="datetime64[ns]"),
        "timed": np.array([r.timed for r in rows], dtype=bool),
        "status": np.array([r.status for r in rows], dtype=np.int8),
        "b2b": np.array([r.b2b for r in rows], dtype=bool),
        "帳別": pd.array([r.account for r in rows], dtype="string"),
        "發票號碼": pd.array([from_key(r.key) if r.key >= 0 else "X" for r in rows], dtype="string"),
        "客戶編號": pd.array([None] * n, dtype="string"),
        "客戶名稱": pd.array([None] * n, dtype="string"),
        "銷售人統編": pd.array([None] * n, dtype="string"),
        "列印註記": pd.array([None] * n, dtype="string"),
        "轉檔日": np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"),
    })


def platform_input(rows: list[Plat]) -> pd.DataFrame:
    return pd.DataFrame({
        "key": np.array([p.key for p in rows], dtype=np.int64),
        "state": np.array([p.state for p in rows], dtype=np.int8),
        "date": pd.to_datetime(pd.Series([p.date for p in rows], dtype="object")).to_numpy(dtype="datetime64[ns]"),
        "time": pd.to_datetime(pd.Series([p.time for p in rows], dtype="object")).to_numpy(dtype="datetime64[ns]"),
        "detail": pd.array([f"d{i}" for i in range(len(rows))], dtype="string"),
        "row": np.arange(7, 7 + len(rows)),
    })


def allocation_input(ranges: list[Alloc]) -> PeriodAllocation | None:
    if not ranges:
        return None
    return PeriodAllocation.of_machine_ranges(PERIOD, [a.begin for a in ranges], [a.end for a in ranges],
                                              [a.account for a in ranges])


def step_tuples(rows: pd.DataFrame) -> list[tuple[str, int, int | None, str | None, dt.datetime | None]]:
    out = []
    for _, r in rows.iterrows():
        due = r["期限"]
        out.append((
            r["問題"],
            to_key(r["發票號碼"]),
            None if pd.isna(r["row"]) else int(r["row"]),
            None if pd.isna(r["帳別"]) else str(r["帳別"]),
            None if pd.isna(due) else pd.Timestamp(due).to_pydatetime(),
        ))
    return out


# --- strategies ---------------------------------------------------------------------------------
days = st.integers(min_value=-5, max_value=64).map(lambda d: dt.date(2024, 1, 1) + dt.timedelta(days=d))
seconds = st.integers(min_value=0, max_value=86399)
accounts = st.sampled_from([None, "A", "B", " ", ""])
keys = st.one_of(st.sampled_from(KEYS), st.just(-1))


@st.composite
def registers(draw: st.DrawFn) -> list[Reg]:
    n = draw(st.integers(min_value=0, max_value=30))
    rows = []
    for i in range(n):
        timed = draw(st.booleans())
        day = draw(st.one_of(days, st.none()))
        issued = None if day is None else dt.datetime.combine(day, dt.time()) + (
            dt.timedelta(seconds=draw(seconds)) if timed else dt.timedelta())
        timed = timed and issued is not None and issued.time() != dt.time()
        rows.append(Reg(
            key=draw(keys), row=5 + i, issued=issued, timed=timed,
            status=draw(st.sampled_from([0, 0, 0, 1, 2])), b2b=draw(st.booleans()), account=draw(accounts),
        ))
    return rows


@st.composite
def platforms(draw: st.DrawFn) -> list[Plat]:
    n = draw(st.integers(min_value=0, max_value=30))
    out = []
    for _ in range(n):
        day = draw(st.one_of(days, st.none()))
        time = draw(st.one_of(st.none(), days.map(lambda d: dt.datetime.combine(d, dt.time(10)))))
        out.append(Plat(key=draw(keys), state=draw(st.integers(0, 3)), date=day, time=time))
    return out


@st.composite
def allocations(draw: st.DrawFn) -> list[Alloc]:
    """Non-overlapping ranges over the key space (in random order), some with a 帳別."""
    cuts = sorted(draw(st.sets(st.integers(0, len(KEYS) - 1), max_size=6)))
    ranges = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        ranges.append(Alloc(KEYS[a], KEYS[b], draw(st.sampled_from([None, "A", "B"]))))
    return draw(st.permutations(ranges))


@st.composite
def scopes(draw: st.DrawFn) -> Scope:
    lo = draw(st.one_of(st.none(), days))
    hi = draw(st.one_of(st.none(), days))
    if lo and hi and lo > hi:
        lo, hi = hi, lo
    if (lo and lo > PERIOD.last_day) or (hi and hi < PERIOD.first_day):
        lo = hi = None
    return Scope(PERIOD, lo, hi, draw(st.sampled_from([None, "A", "B"])))


# --- properties --------------------------------------------------------------------------------------
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers(), platforms(), allocations(), scopes())
def test_step_matches_the_reference(reg: list[Reg], plat: list[Plat], alloc: list[Alloc], scope: Scope) -> None:
    out = check(register_input(reg), platform_input(plat), allocation_input(alloc), scope=scope, now=NOW)
    expected = reference_check(reg, plat, alloc, first=scope.first, last=scope.last, account=scope.account)
    got = step_tuples(out.rows)
    assert sorted(got, key=repr) == sorted(expected, key=repr)
    # the sheet's shape: headers, 序號 1..n, sorted by 發票日期, number, problem, register row
    assert list(out.rows.columns) == [*HEADERS, "row"]
    assert out.rows["序號"].tolist() == list(range(1, len(out.rows) + 1))
    order = [(r["發票日期"], to_key(r["發票號碼"]), PROBLEMS.index(r["問題"]), -1 if pd.isna(r["row"]) else r["row"])
             for _, r in out.rows.iterrows()]
    assert order == sorted(order)
    assert out.counts == {p: sum(1 for e in expected if e[0] == p) for p in PROBLEMS}
    assert out.overdue == sum(1 for e in expected if e[4] is not None and e[4] < NOW)
    assert out.pending == pending_count(reg, plat, first=scope.first, last=scope.last, account=scope.account,
                                        allocation=alloc)
    if not alloc:
        assert any(f.code == "no_allocation" for f in out.findings)


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_bigger_random_registers_match_the_reference(seed: int) -> None:
    """A few thousand rows: the same answer as the reference on the larger-array code paths."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(500, 3000)), int(rng.integers(500, 3000))
    space = BASE + rng.choice(10_000, size=max(n, m), replace=False)
    reg = [
        Reg(int(rng.choice(space)) if rng.random() > 0.01 else -1, 5 + i,
            dt.datetime(2024, 1, 1) + dt.timedelta(minutes=int(rng.integers(-3 * 1440, 62 * 1440))),
            True, int(rng.choice([0, 0, 0, 0, 1, 2])), bool(rng.random() < 0.3), str(rng.choice(["A", "B", ""])))
        for i in range(n)
    ]
    for r in reg:
        r.timed = r.issued is not None and r.issued.time() != dt.time()
    plat = [
        Plat(int(rng.choice(space)), int(rng.choice([2, 2, 2, 2, 3, 1, 0])),
             dt.date(2024, 1, 1) + dt.timedelta(days=int(rng.integers(-3, 62))) if rng.random() > 0.05 else None,
             dt.datetime(2024, 1, 3) + dt.timedelta(hours=int(rng.integers(0, 1500))) if rng.random() > 0.1 else None)
        for _ in range(m)
    ]
    alloc = [Alloc(BASE, BASE + 4_999, "A"), Alloc(BASE + 6_000, BASE + 9_999, "B")]
    for account in (None, "A"):
        scope = Scope(PERIOD, None, None, account)
        out = check(register_input(reg), platform_input(plat), allocation_input(alloc), scope=scope, now=NOW)
        expected = reference_check(reg, plat, alloc, first=scope.first, last=scope.last, account=account)
        assert sorted(step_tuples(out.rows), key=repr) == sorted(expected, key=repr)


def test_sorted_order_falls_back_to_lexsort_for_huge_keys() -> None:
    keys = np.array([2**60, 5, 2**60, 5, 7], dtype=np.int64)
    tie = np.array([1, 1, 0, 0, 0], dtype=np.int64)
    assert sorted_order(keys, tie).tolist() == [3, 1, 4, 2, 0]
    assert sorted_order(np.array([3, 1, 3, 2], dtype=np.int64)).tolist() == [1, 3, 0, 2]


@pytest.mark.parametrize("state, status, problem", [
    (None, 0, "未上傳"), (0, 0, None), (1, 0, "上傳失敗"), (2, 1, "作廢未上傳"),
    (2, 0, None), (3, 0, "平台已作廢"), (3, 1, None), (3, 2, None), (2, 2, None), (1, 1, "上傳失敗"),
    (None, 2, "未上傳"), (0, 1, None),
])
def test_outcome_table(state: int | None, status: int, problem: str | None) -> None:
    """DESIGN 'Upload-check outcomes' and 'Second edition', one invoice at a time: a pending result
    (處理中) is neither 已上傳 nor a row, only counted; 作廢 on the platform with 開立 in the ERP is a row."""
    reg = [Reg(BASE + 1, 5, dt.datetime(2024, 1, 5), False, status, False, "A")]
    plat = [] if state is None else [Plat(BASE + 1, state, dt.date(2024, 1, 5), None)]
    out = check(register_input(reg), platform_input(plat), None, scope=Scope(PERIOD), now=NOW)
    assert out.rows["問題"].tolist() == ([problem] if problem else [])
    assert out.pending == (1 if state == 0 else 0)
