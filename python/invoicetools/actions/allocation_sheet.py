"""The 配號設定 sheet as the 配號 actions read it: its 申報年月 and switches, and how rows go back to cells.

Shared by 配號匯入 (``tracks``), 配號 (``allocation``) and 轉出E0401 (``e0401``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..book import layout
from ..book.io import param_text
from ..book.settings import Settings
from ..domain import periods
from ..domain.errors import ExitCode, Finding, InputError, Location, Severity
from .base import Context

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SHEET", "blank", "cell_values", "exit_code", "flag", "period_of", "records"]

SHEET = layout.sheet("配號設定")
_TRUE = {"是", "y", "yes", "true", "1", "v", "t"}


def flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return value is not None and str(value).strip().lower() in _TRUE


def blank(value: object) -> bool:
    """None, NaN, NA, NaT or only spaces (``param_text``'s blank)."""
    return param_text(value) is None


def period_of(ctx: Context, settings: Settings, explicit: object, *, required: bool) -> periods.Period | None:
    """The period: given, else 配號設定's 申報年月, else 設定's."""
    params = ctx.io.read_params(SHEET)
    for raw, where in ((explicit, None), (params.get("period"), Location(sheet="配號設定", column="申報年月"))):
        text = param_text(raw)
        if text is not None:
            try:
                return periods.parse(text)
            except InputError as exc:
                raise InputError(f"申報年月：{exc.message}", where=where, found=exc.found) from None
    if settings.period is not None:
        return settings.period
    if required:
        raise InputError("請在[配號設定]或[設定]填寫申報年月（例如 11402），或用 --period 指定")
    return None


def exit_code(findings: Sequence[Finding]) -> int:
    if any(f.severity is Severity.ERROR for f in findings):
        return ExitCode.BAD_INPUT
    if any(f.severity is Severity.WARNING for f in findings):
        return ExitCode.FINDINGS
    return ExitCode.OK


def records(frame: pd.DataFrame, headers: Sequence[str]) -> list[dict[str, Any]]:
    out = frame.reindex(columns=list(headers))
    return [
        {h: (None if blank(v) else v) for h, v in zip(headers, row, strict=True)}
        for row in out.itertuples(index=False, name=None)
    ]


def cell_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Blank cells as None (pandas NA/NaN/NaT do not belong in a sheet)."""
    return frame.astype(object).where(frame.notna(), None)
