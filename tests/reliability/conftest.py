"""The reliability tests import their helpers and the corpus script as plain modules."""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _path in (_HERE, _HERE.parent / "corpus"):
    if str(_path) not in sys.path:
        sys.path.append(str(_path))  # appended: this folder's conftest.py must not shadow another folder's
