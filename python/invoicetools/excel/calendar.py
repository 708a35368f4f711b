"""Excel entry point for the 行事曆 button."""

from __future__ import annotations

__all__ = ["calendar_refresh"]


def calendar_refresh() -> None:
    from ..actions.calendar import refresh_calendar
    from ._entry import run_in_excel

    run_in_excel("calendar_refresh", lambda ctx: refresh_calendar(ctx))
