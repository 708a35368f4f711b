"""A plain, row-by-row reference of the 漏上傳檢核 rules (tests only; never used by the product).

It follows the rules as written in ``steps/upload_check.py``'s docstring and DESIGN.md with
dicts, sets and loops, so that the vectorised step can be checked against it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

ISSUED, CANCELLED, VOIDED = 0, 1, 2
PENDING, FAILED, ON, GONE = 0, 1, 2, 3  # platform states (GONE = cancelled on the platform)


@dataclass
class Reg:
    key: int  # -1: unusable number
    row: int
    issued: dt.datetime | None
    timed: bool
    status: int
    b2b: bool
    account: str | None


@dataclass
class Plat:
    key: int
    state: int
    date: dt.date | None
    time: dt.datetime | None


@dataclass(frozen=True)
class Alloc:
    begin: int
    end: int
    account: str | None


def _blank(text: str | None) -> str | None:
    return text.strip() if text is not None and text.strip() else None


def account_of(key: int, allocation: list[Alloc]) -> str | None:
    """The 帳別 of the range with the greatest begin ≤ key (then the greatest end), if it holds the key."""
    best: Alloc | None = None
    for a in allocation:
        if a.begin <= key and (best is None or (a.begin, a.end) >= (best.begin, best.end)):
            best = a
    return best.account if best is not None and key <= best.end else None


def contains(key: int, allocation: list[Alloc]) -> bool:
    return any(a.begin <= key <= a.end for a in allocation)


def deadline(r: Reg) -> dt.datetime:
    assert r.issued is not None
    days = dt.timedelta(days=7 if r.b2b else 2)
    if r.timed:
        return r.issued + days
    return dt.datetime.combine(r.issued.date() + days, dt.time(23, 59, 59))


def best_records(platform: list[Plat]) -> dict[int, tuple[tuple[int, float, int], Plat]]:
    """Per number the record with the highest (rank, time, position): on the platform beats failed beats pending."""
    best: dict[int, tuple[tuple[int, float, int], Plat]] = {}
    for pos, p in enumerate(platform):
        if p.key < 0:
            continue
        rank = (min(p.state, ON), p.time.timestamp() if p.time else float("-inf"), pos)
        if p.key not in best or rank > best[p.key][0]:
            best[p.key] = (rank, p)
    return best


def pending_count(register: list[Reg], platform: list[Plat], *, first: dt.date, last: dt.date,
                  account: str | None, allocation: list[Alloc]) -> int:
    """Numbers in scope whose best platform record is still pending."""
    rows = reference_rows(register, platform, allocation, first=first, last=last, account=account)
    return sum(1 for state in rows.values() if state == PENDING)


def reference_rows(register: list[Reg], platform: list[Plat], allocation: list[Alloc], *, first: dt.date,
                   last: dt.date, account: str | None) -> dict[int, int | None]:
    """Each number in scope with the state of its best platform record (None: not on the platform)."""
    def effective(r: Reg) -> str | None:
        own = _blank(r.account)
        return account_of(r.key, allocation) if own is None and allocation else own

    keys = {r.key for r in register if r.key >= 0 and r.issued is not None and first <= r.issued.date() <= last
            and (account is None or effective(r) == account)}
    best = best_records(platform)
    return {k: best[k][1].state if k in best else None for k in keys}


def reference_check(
    register: list[Reg],
    platform: list[Plat],
    allocation: list[Alloc],
    *,
    first: dt.date,
    last: dt.date,
    account: str | None,
) -> list[tuple[str, int, int | None, str | None, dt.datetime | None]]:
    """``(問題, key, register row or None, 帳別, 期限)`` for every problem, in no particular order."""
    out: list[tuple[str, int, int | None, str | None, dt.datetime | None]] = []

    def effective_account(r: Reg) -> str | None:
        own = _blank(r.account)
        if own is None and allocation:
            return account_of(r.key, allocation)
        return own

    scoped = [
        r for r in register
        if r.key >= 0 and r.issued is not None and first <= r.issued.date() <= last
        and (account is None or effective_account(r) == account)
    ]
    # one row per number: the first that is not 註銷, else the first
    reps: dict[int, Reg] = {}
    for r in scoped:
        held = reps.get(r.key)
        if held is None or (held.status == VOIDED and r.status != VOIDED):
            reps[r.key] = r
    # the platform: per number the record with the highest (rank, time, position)
    best = best_records(platform)
    for key, r in reps.items():
        p = best[key][1] if key in best else None
        due = deadline(r)
        if p is None:
            out.append(("未上傳", key, r.row, effective_account(r), due))
        elif p.state == PENDING:
            pass  # sent, result pending: counted, not a problem row (DESIGN "Pending statuses")
        elif p.state == FAILED:
            out.append(("上傳失敗", key, r.row, effective_account(r), due))
        elif p.state == ON and r.status == CANCELLED:
            out.append(("作廢未上傳", key, r.row, effective_account(r), due))
        elif p.state == GONE and r.status == ISSUED:
            out.append(("平台已作廢", key, r.row, effective_account(r), None))
        if allocation and not contains(key, allocation):
            out.append(("不在配號範圍", key, r.row, effective_account(r), None))
    counts = Counter(r.key for r in register if r.key >= 0 and r.status != VOIDED)
    for r in scoped:
        if r.status != VOIDED and counts[r.key] >= 2:
            out.append(("重號", r.key, r.row, effective_account(r), None))
    in_register = {r.key for r in register if r.key >= 0}
    for key, (_, p) in best.items():
        if p.state < ON or key in in_register:
            continue
        if p.date is not None:
            if not first <= p.date <= last:
                continue
        elif not contains(key, allocation):
            continue
        acc = account_of(key, allocation) if allocation else None
        if account is not None and acc != account:
            continue
        out.append(("平台有帳上無", key, None, acc, None))
    return out
