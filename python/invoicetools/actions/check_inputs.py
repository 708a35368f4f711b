"""漏上傳檢核's inputs, prepared once per content: the register and the platform status as the check reads them.

``gaps --void`` runs the upload check itself (``actions.gaps``) right after [查詢] prepared the
same 1M-row 發票資料 and 平台狀況 for it; preparing them again costs a second or more. What
``sources.register.prepare_register`` and ``sources.status.platform_input`` make of a table
depends on the table's content, the workbook's name (in the places of the findings) and their
own code, nothing else: it is kept in the sheet cache (``book.sheet_cache``) under the table's
content key (``WorkbookIO.content_key``: the sheet part's CRC-32 and size), the workbook's name
and a digest of that code (``actions.kept``), and the next step finds it. A backend that cannot tell its content
(Excel through COM, memory), a table smaller than the cache keeps, or any change to the sheet
or the code: it is prepared again, as always.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..book import layout
from ..domain.errors import Finding, Location
from .kept import finding_notes, findings

if TYPE_CHECKING:
    import pandas as pd

    from ..sources.register import Register
    from .base import Context

__all__ = ["check_inputs", "read_ahead"]

_INVOICES = layout.table("發票資料")
_PLATFORM = layout.table("平台狀況")


def _entry(ctx: Context, kind: str, content: str | None) -> Path | None:
    from .kept import entry

    return entry(ctx, f"prepared-{kind}", content)


def _register(ctx: Context, where: Location) -> Register:
    from ..book import sheet_cache
    from ..sources.register import Register, prepare_register

    file = _entry(ctx, "register", ctx.io.content_key(_INVOICES))
    kept = sheet_cache.read_with_notes(file)
    if kept is not None:
        data, notes = kept
        first, last = notes["first_date"], notes["last_date"]
        counts = notes["counts"]
        assert isinstance(counts, dict)
        return Register(sheet=_empty(), data=data, findings=findings(notes["findings"]),
                        counts={str(k): int(v) for k, v in counts.items()},
                        first_date=datetime.date.fromisoformat(str(first)) if first else None,
                        last_date=datetime.date.fromisoformat(str(last)) if last else None)
    reg = prepare_register(ctx.io.read_table(_INVOICES), where, for_sheet=False)
    sheet_cache.write(file, reg.data, {
        "findings": finding_notes(reg.findings), "counts": reg.counts,
        "first_date": reg.first_date.isoformat() if reg.first_date else None,
        "last_date": reg.last_date.isoformat() if reg.last_date else None})
    return reg


def _platform(ctx: Context, where: Location) -> tuple[pd.DataFrame, list[Finding]]:
    from ..book import sheet_cache
    from ..sources.status import platform_input

    file = _entry(ctx, "platform", ctx.io.content_key(_PLATFORM))
    kept = sheet_cache.read_with_notes(file)
    if kept is not None:
        frame, notes = kept
        return frame, findings(notes["findings"])
    frame, found = platform_input(ctx.io.read_table(_PLATFORM), where)
    sheet_cache.write(file, frame, {"findings": finding_notes(found)})
    return frame, found


def _empty() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame()


def read_ahead(ctx: Context) -> None:
    """Read 發票資料 and 平台狀況 whole now when :func:`check_inputs` will read them (not both prepared
    before): both at once where the backend can, and a step that reads some of their columns
    first (``gaps --void``) then gets them from these tables instead of parsing the sheets again."""
    kept = [_entry(ctx, kind, ctx.io.content_key(t)) for kind, t in (("register", _INVOICES), ("platform", _PLATFORM))]
    if not all(file is not None and file.exists() for file in kept):
        ctx.io.prefetch([_INVOICES.sheet, _PLATFORM.sheet])


def check_inputs(ctx: Context) -> tuple[Register, pd.DataFrame, list[Finding]]:
    """發票資料 prepared for the check (``prepare_register(…, for_sheet=False)``) and 平台狀況 as the
    check's platform rows with their findings (``platform_input``), each from the cache when its
    content was prepared before."""
    book = ctx.io.name
    read_ahead(ctx)
    return (_register(ctx, Location(file=book, sheet=_INVOICES.sheet)),
            *_platform(ctx, Location(file=book, sheet=_PLATFORM.sheet)))
