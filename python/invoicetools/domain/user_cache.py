"""The user's cache folder: where derived data is kept between runs (never anything typed or imported).

``INVOICETOOLS_CACHE_DIR`` moves it; ``INVOICETOOLS_NO_CACHE`` turns every cache off. Everything
kept there can be made again from its source: deleting the folder costs time, nothing else.
Users: the big-sheet cache (``book.sheet_cache``) and the working-day calendar
(``domain.dates``).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir"]


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    if os.environ.get("INVOICETOOLS_NO_CACHE"):
        return None
    base = os.environ.get("INVOICETOOLS_CACHE_DIR")
    if base:
        return Path(base)
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "InvoiceTools" / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "invoicetools"
