"""Plain records that cross layers: what a source produces and a step consumes.

Kept deliberately small and immutable. Bulk data (registers, status lists) travel as
pandas DataFrames whose columns are named in ``book.layout``; these records are for the
small things (allocations, results of one provider call).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from .errors import Location

__all__ = ["PlatformState", "StatusRecord", "TrackAllocation"]


@dataclass(frozen=True, slots=True)
class TrackAllocation:
    """One allocated range of a track (字軌配號), as the MOF file, E0501 or a provider gives it.

    ``year_month`` is the period code (ROC year + even end month, e.g. ``"11402"``);
    ``begin``/``end`` are the 8-digit numbers as integers, inclusive.
    """

    ban: str  # 營業人統編 (8 digits)
    invoice_type: str  # "07" 一般稅額 / "08" 特種稅額
    year_month: str  # "11402"
    track: str  # "AB"
    begin: int
    end: int
    machine: str = ""  # 機台號碼 (optional 8th MOF column)
    source: Location | None = None  # where the row came from (file, row)

    @property
    def booklets(self) -> int:
        """Number of 50-number booklets (組); only meaningful for aligned ranges."""
        return (self.end - self.begin + 1) // 50


class PlatformState(StrEnum):
    """What the platform says about one invoice."""

    ON_PLATFORM = "已上傳"  # 已上傳 / 已確認 / 成功 / C / G
    FAILED = "上傳失敗"  # 失敗 / 錯誤 / E
    CANCELLED = "作廢"  # cancelled on the platform
    PENDING = "處理中"  # P / 待處理 (sent, not yet confirmed)


@dataclass(frozen=True, slots=True)
class StatusRecord:
    """One invoice's platform status (下載平台發票狀況).

    ``state`` is ``None`` when the source knows the invoice but its record says nothing about
    a live invoice by itself (a voided/註銷 invoice awaiting its re-issue): the number is kept
    (it is used) and the check reads no state from it.
    """

    invoice_number: str  # "AB12345678"
    state: PlatformState | None
    invoice_date: dt.date | None = None
    upload_time: dt.datetime | None = None
    detail: str = ""  # the original status word / code / message
    source: Location | None = None
