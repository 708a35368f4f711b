"""What every action reads of a workbook the same way: the period, its allocation, its used numbers.

The rules live in steps (``steps.allocation``, ``steps.used``); this module only reads the
tables they need (one bulk read each, the fewest columns of the big sheets) and hands them
over, so that 漏上傳檢核, 跳號, E0402 and 配號 ask one question and get one answer.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ..book import layout
from ..book.io import param_text
from ..book.settings import Settings
from ..book.tables import typed
from ..domain import periods
from ..domain.errors import InputError, Location
from ..domain.periods import Period

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from ..steps.allocation import PeriodAllocation
    from ..steps.used import PeriodUse
    from .base import Context

__all__ = ["platform_downloaded", "read_allocation", "read_used_numbers", "resolve_period", "sheet_period"]

_TRACKS = layout.table("字軌配號")
_ALLOCATION = layout.table("配號設定")
_REGISTER = layout.table("發票資料")
_PLATFORM = layout.table("平台狀況")
_REGISTER_COLUMNS = ("發票號碼", "發票日期")  # every status counts as used: nothing else is read
_PLATFORM_COLUMNS = ("發票號碼",)


def resolve_period(value: object, settings: Settings, *, where: str) -> Period:
    """The period given (any accepted form), else 設定 申報年月; refused when neither is there."""
    text = param_text(value)
    if text is not None:
        return periods.parse(text)
    if settings.period is not None:
        return settings.period
    raise InputError(f"請輸入申報年月（{where}），或在[設定]填寫申報年月，例如 11402")


def sheet_period(ctx: Context) -> Period | None:
    """配號設定's own 申報年月 (what a blank 申報年月 on its rows means); None when blank or unreadable."""
    text = param_text(ctx.io.read_params(layout.sheet("配號設定")).get("period"))
    try:
        return periods.parse(text) if text is not None else None
    except InputError:
        return None


def read_allocation(ctx: Context, period: Period, settings: Settings, account: str | None = None) -> PeriodAllocation:
    """The period's allocation (``steps.allocation``) from 字軌配號 and 配號設定.

    ``account``: the 帳別 for machine ranges taken from 字軌配號 when [設定] names none.
    """
    from ..steps.allocation import period_allocation

    name = ctx.io.name
    return period_allocation(
        ctx.io.read_table(_TRACKS), ctx.io.read_table(_ALLOCATION), period,
        sheet_period=sheet_period(ctx), account=settings.account or account,
        tracks_where=Location(file=name, sheet=_TRACKS.sheet), machines_where=Location(file=name, sheet=_ALLOCATION.sheet),
    )


def platform_downloaded(ctx: Context) -> object:
    """平台狀況's 下載時間 as the sheet holds it (None when the status was never downloaded)."""
    return ctx.io.read_params(layout.sheet("平台狀況")).get("downloaded_at")


def read_used_numbers(ctx: Context, allocation: PeriodAllocation) -> PeriodUse:
    """Every number of the register (any status) and of the platform (``steps.used``).

    Only 發票號碼 and 發票日期 of the register and 發票號碼 of the platform are read; the
    platform is "unknown" (``None``) when its status was never downloaded. The answer is kept
    per content (``actions.kept``: the two tables, the download state, the period's allocation),
    so that 跳號, 整批作廢 and E0402 on the same data read and compute it once.
    """
    from ..book import sheet_cache

    downloaded = param_text(platform_downloaded(ctx)) is not None
    file = _used_entry(ctx, allocation, downloaded)
    kept = sheet_cache.read_with_notes(file)
    if kept is not None:
        return _use_from(*kept)
    use = _read_used_numbers(ctx, allocation, downloaded)
    sheet_cache.write(file, *_use_notes(use))
    return use


def _read_used_numbers(ctx: Context, allocation: PeriodAllocation, downloaded: bool) -> PeriodUse:
    from ..steps.used import used_numbers

    ctx.io.prefetch([_REGISTER.sheet, _PLATFORM.sheet],
                    {_REGISTER.sheet: _REGISTER_COLUMNS, _PLATFORM.sheet: _PLATFORM_COLUMNS})
    where = Location(file=ctx.io.name, sheet=_REGISTER.sheet)
    raw = ctx.io.read_columns(_REGISTER, _REGISTER_COLUMNS)
    # numbers straight from the cells (keys_from_strings repairs what can be repaired); only dates are typed
    register, findings = typed(raw.loc[:, [c for c in ("發票日期",) if c in raw.columns]], _REGISTER, where)
    numbers = raw["發票號碼"] if "發票號碼" in raw.columns else register["發票號碼"]
    platform = ctx.io.read_columns(_PLATFORM, _PLATFORM_COLUMNS)
    if platform.empty or "發票號碼" not in platform.columns:
        platform_numbers: object = None if not downloaded else []
    else:
        platform_numbers = platform["發票號碼"]
    use = used_numbers(numbers, register["發票日期"], platform_numbers, allocation, where=where)
    return dataclasses.replace(use, findings=findings + use.findings)


def _used_entry(ctx: Context, allocation: PeriodAllocation, downloaded: bool) -> Path | None:
    """Where the used numbers of this content are kept: the tables, the download state, the allocation."""
    import hashlib

    from .kept import entry

    begins, ends = allocation.ranges()
    ranges = hashlib.sha256(begins.tobytes() + b"|" + ends.tobytes()).hexdigest()[:16]
    return entry(ctx, "used", ctx.io.content_key(_REGISTER), ctx.io.content_key(_PLATFORM), downloaded,
                 allocation.period.code, ranges)


def _use_notes(use: PeriodUse) -> tuple[pd.DataFrame, dict[str, object]]:
    """The used numbers as one frame (register keys, then the platform's) and notes (findings, dates)."""
    import numpy as np
    import pandas as pd

    from .kept import finding_notes

    reg, plat = use.used.register, use.used.platform
    keys = reg if plat is None else np.concatenate([reg, plat])
    frame = pd.DataFrame({"key": keys, "platform": np.arange(len(keys)) >= len(reg)})
    notes: dict[str, object] = {"findings": finding_notes(use.findings), "register": len(reg),
                                "platform_known": plat is not None,
                                "latest_issued": use.latest_issued.isoformat() if use.latest_issued else None}
    return frame, notes


def _use_from(frame: pd.DataFrame, notes: dict[str, object]) -> PeriodUse:
    import datetime

    import numpy as np

    from ..steps.blanks import UsedNumbers
    from ..steps.used import PeriodUse
    from .kept import findings

    keys = frame["key"].to_numpy(dtype=np.int64, copy=True)  # a step may sort in place: not the mapped file
    n = int(str(notes["register"]))
    platform = keys[n:] if notes["platform_known"] else None
    latest = notes["latest_issued"]
    return PeriodUse(UsedNumbers(keys[:n], platform), findings(notes["findings"]),
                     datetime.date.fromisoformat(str(latest)) if latest else None)
