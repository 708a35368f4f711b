"""Shared test set-up: test helper modules importable, the in-memory keyring, a template workbook."""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = Path(__file__).resolve().parent
if str(_TESTS) not in sys.path:
    sys.path.insert(0, str(_TESTS))

from workbooks import layout_book, template_book  # noqa: E402,F401  (fixtures)
