"""擁有者 from the command line (and any host): who reports the blanks of a track or some of its booklets.

``invoicetools tracks owner --book B KA:12340150-12340199 本系統`` writes 擁有者 on the period's
字軌配號 rows (splitting a row when the range is part of it); the 字軌配號 sheet offers the
same in Excel as a drop-down on its 擁有者 column. E0402 refuses while a booklet has no
decided reporter and names this command as one way to decide.
"""

from __future__ import annotations

import re

from ..book import layout
from ..book.settings import read_settings
from ..domain.errors import InputError, Location
from .allocation_sheet import SHEET, cell_values, period_of
from .base import ActionResult, Context, finish

__all__ = ["OWNER_STEP", "parse_track_range", "set_track_owner"]

OWNER_STEP = "擁有者"
_TRACKS = layout.table("字軌配號")
_SPEC = re.compile(r"^\s*([A-Za-z]{2})\s*(?::\s*(?:[A-Za-z]{2})?(\d{1,8})\s*[-~～]\s*(?:[A-Za-z]{2})?(\d{1,8}))?\s*$")


def parse_track_range(spec: str) -> tuple[str, int | None, int | None]:
    """``KA`` (the whole track) or ``KA:12340150-12340199`` → (track, begin, end).

    >>> parse_track_range("ka:12340150-12340199"), parse_track_range("KB")
    (('KA', 12340150, 12340199), ('KB', None, None))
    """
    m = _SPEC.match(spec)
    if not m:
        raise InputError("字軌範圍應寫成 KA（整個字軌）或 KA:12340150-12340199", found=spec)
    track, begin, end = m.groups()
    return track.upper(), int(begin) if begin else None, int(end) if end else None


def set_track_owner(ctx: Context, spec: str, owner: str | None, *, period: str | None = None) -> ActionResult:
    """Write ``owner`` (本系統, 其他系統, a 加值中心's name; blank clears it) as 擁有者 of ``spec``."""
    from ..steps.tracks import set_owner

    settings = read_settings(ctx.io)
    the_period = period_of(ctx, settings, period, required=True)
    assert the_period is not None
    track, begin, end = parse_track_range(spec)
    table = ctx.io.read_table(_TRACKS)
    change = set_owner(table, period=the_period.code, track=track, begin=begin, end=end, owner=owner,
                       where=Location(file=ctx.io.name, sheet=_TRACKS.sheet))
    ctx.io.write_table(_TRACKS, cell_values(change.table.reindex(columns=list(_TRACKS.headers))))
    message = f"已設定[字軌配號]{the_period.label} 的擁有者：" + "；".join(change.described)
    ctx.io.set_status(SHEET, message)
    return finish(ctx, ActionResult(
        OWNER_STEP, message, params={"period": the_period.code, "range": spec, "owner": owner or ""},
        counts={"區間": len(change.described)},
        next_step="到[E0402]按[轉出]（invoicetools e0402）；本系統申報的空白號碼會列入 E0402。",
    ))
