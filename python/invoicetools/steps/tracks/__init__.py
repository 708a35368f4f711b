"""配號 (step 1): track allocations in, booklets of 50 handed to 帳別 × 機台 out — pure functions.

Four parts, each tables in → tables + findings out, no I/O (``columns`` holds the three
tables' columns and how their cells are read):

* ``parse`` — :func:`parse_track_rows` turns rows of any allocation source (MOF file, E0501, a provider,
  the 字軌配號 sheet itself) into the 字軌配號 form: 起號/迄號 as 8-digit text, 發票類別代號
  ``"07"``/``"08"``, 發票期別 as the MOF label, 申報年月 as the period code, 組數 — with a
  finding (file or sheet, row, column) for every value that cannot be used.
* ``importing`` — :func:`merge_import` checks the parsed rows (company UBN, the period asked for, duplicate
  and overlapping ranges within the import and against what is already imported) and adds
  them: a range already there is unchanged, one overlapping a different range is an error;
  with ``replace`` the rows of each 營業人統編 × 申報年月 the import covers are replaced and
  what was added, changed and removed is reported. Importing the same data twice changes nothing.
* ``allocate`` (with ``machines``) — :func:`allocate` hands each machine of 機台配號設定 exactly its 組數 of booklets:
  deterministic, never one booklet twice, contiguous where possible, all or nothing.
* ``owners`` — :func:`set_owner`: 擁有者 on a track or some of its booklets (splitting rows);
* ``branches`` — :func:`branch_plans`: what goes into an E0401 for each branch.

Who reports a booklet's blanks is ``steps.allocation``'s answer (``PeriodAllocation.reporters``).

Numbers are int64 keys (``track_code * 10**8 + digits``) as everywhere; booklets are the
keys of their first numbers.

>>> import pandas as pd
>>> from invoicetools.domain.errors import Location
>>> raw = pd.DataFrame({"營業人統編": ["53212539"], "發票類別代號": ["7"], "發票類別": ["一般稅額計算"],
...     "發票期別": ["114/01~114/02"], "發票字軌名稱": ["ka"], "發票起號": ["12340000"], "發票迄號": ["12340149"]},
...     index=[2])
>>> rows, findings = parse_track_rows(raw, Location(file="invnoapply.csv"), source="invnoapply.csv")
>>> rows.loc[2, ["發票類別代號", "發票期別", "發票字軌名稱", "申報年月", "組數"]].tolist(), findings
(['07', '114/01 ~ 114/02', 'KA', '11402', 3], [])
>>> machines = pd.DataFrame({"帳別": ["A", "A"], "機台號": ["001", "002"], "組數": [2, 1]}, index=[5, 6])
>>> result = allocate(rows, machines, period="11402")
>>> result.rows[["機台號", "發票字軌", "起號", "迄號", "組數"]].values.tolist()
[['001', 'KA', '12340000', '12340099', 2], ['002', 'KA', '12340100', '12340149', 1]]
"""

from __future__ import annotations

from .allocate import AllocationResult, allocate, assign_booklets, merge_allocation
from .branches import BranchPlan, branch_plans
from .columns import (
    ALLOCATION_HEADERS,
    MACHINE_HEADERS,
    OWNER_OTHER,
    OWNER_SELF,
    TRACK_HEADERS,
    TYPE_NAMES,
    is_own,
)
from .importing import TrackImport, merge_import, period_filter
from .machines import MachineRequest, machine_requests
from .owners import OwnerChange, set_owner
from .parse import parse_track_rows

__all__ = [
    "ALLOCATION_HEADERS",
    "MACHINE_HEADERS",
    "OWNER_OTHER",
    "OWNER_SELF",
    "TRACK_HEADERS",
    "TYPE_NAMES",
    "AllocationResult",
    "BranchPlan",
    "MachineRequest",
    "OwnerChange",
    "TrackImport",
    "allocate",
    "assign_booklets",
    "branch_plans",
    "is_own",
    "machine_requests",
    "merge_allocation",
    "merge_import",
    "parse_track_rows",
    "period_filter",
    "set_owner",
]
