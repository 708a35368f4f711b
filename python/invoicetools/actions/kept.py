"""What a step computes from big tables, kept per content for the next step (in the sheet cache).

A result is kept under a key made of everything it depends on: the tables' content keys
(``WorkbookIO.content_key``: the sheet part's CRC-32 and size), the workbook's name (findings
name it), whatever else the caller passes (the period's allocation, a download state), and a
digest of the code that computes it (``code_digest``) — a change to any of them is a miss.
A backend that cannot tell its content (Excel through COM, memory) keeps nothing. Findings
travel as JSON notes beside the result's arrays (``book.sheet_cache``).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.errors import Finding, Location, Severity

if TYPE_CHECKING:
    from .base import Context

__all__ = ["code_digest", "entry", "finding_notes", "findings"]


@functools.cache
def code_digest() -> str:
    """A digest of the code whose results are kept (sources, steps, domain, the tables' typing, actions)."""
    from .. import actions, domain, sources, steps

    h = hashlib.sha256()
    for package in (sources, steps, domain, actions):
        for path in sorted(Path(str(package.__file__)).parent.glob("*.py")):
            h.update(path.name.encode() + path.read_bytes())
    book = Path(__file__).parent.parent / "book"
    for name in ("tables.py", "io.py"):
        h.update((book / name).read_bytes())
    return h.hexdigest()[:16]


def entry(ctx: Context, what: str, *parts: object) -> Path | None:
    """The cache file of ``what`` for these parts (content keys and the like); None when one is unknown."""
    from ..book import sheet_cache

    if any(p is None for p in parts):
        return None
    return sheet_cache.keyed("|".join(["kept", what, ctx.io.name, *map(str, parts), code_digest()]))


def finding_notes(found: list[Finding]) -> list[dict[str, object]]:
    return [{"code": f.code, "message": f.message, "severity": f.severity.value, "file": f.where.file,
             "sheet": f.where.sheet, "row": f.where.row, "column": f.where.column} for f in found]


def findings(notes: object) -> list[Finding]:
    assert isinstance(notes, list)
    return [Finding(n["code"], n["message"], Location(n["file"], n["sheet"], n["row"], n["column"]),
                    Severity(n["severity"])) for n in notes]
