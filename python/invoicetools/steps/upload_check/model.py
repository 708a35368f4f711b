"""The words of 漏上傳檢核: problems, statuses, the scope of a check, its result, a group of rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING

from ...domain.errors import Finding
from ...domain.periods import Period

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = [
    "DISPLAY_COLUMNS",
    "HEADERS",
    "PROBLEMS",
    "Part",
    "RegisterStatus",
    "Scope",
    "State",
    "UploadCheck",
]

MISSING, FAILED, CANCEL_LIVE, PLATFORM_CANCELLED, PLATFORM_ONLY, DUPLICATE, OUTSIDE = (
    "未上傳", "上傳失敗", "作廢未上傳", "平台已作廢", "平台有帳上無", "重號", "不在配號範圍",
)
PROBLEMS: tuple[str, ...] = (MISSING, FAILED, CANCEL_LIVE, PLATFORM_CANCELLED, PLATFORM_ONLY, DUPLICATE, OUTSIDE)
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

    PENDING = 0  # sent, the platform's result still pending (ECPay IIS_Turnkey_Status G/P, Turnkey P)
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
    pending: int = 0  # invoices whose upload result is still pending: neither uploaded nor a problem yet


@dataclass
class Part:
    """Rows of one problem: register positions (or platform-only keys) with their note and deadline."""

    problem: str
    keys: npt.NDArray[np.int64]
    account: npt.NDArray[np.object_] | None  # None: taken from the register rows at assembly
    day: npt.NDArray[np.datetime64]
    note: npt.NDArray[np.object_]
    due: npt.NDArray[np.datetime64] | None = None
    at: npt.NDArray[np.intp] | None = None  # register positions; None for 平台有帳上無
