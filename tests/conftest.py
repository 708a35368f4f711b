"""Shared test set-up: test helper modules importable, a private sheet cache, template workbooks."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent
if str(_TESTS) not in sys.path:
    sys.path.insert(0, str(_TESTS))
# Test helper modules (fakes, references) are imported by name from their folder; pytest runs
# with --import-mode=importlib, so folders are not on sys.path by themselves.
for _folder in sorted(p for p in _TESTS.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
    if str(_folder) not in sys.path:
        sys.path.append(str(_folder))

# Developer scripts (scripts/docs_images.py …) are checked by the tests too.
_SCRIPTS = _TESTS.parent / "scripts"
if str(_SCRIPTS) not in sys.path:
    sys.path.append(str(_SCRIPTS))

from keyring_memory import MemoryKeyring, installed_memory_keyring  # noqa: E402
from workbooks import layout_book, template_book  # noqa: E402,F401  (fixtures)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test runs with a fresh in-memory keyring: no test ever reads or writes the OS keyring."""
    with installed_memory_keyring() as ring:
        yield ring


@pytest.fixture(autouse=True, scope="session")
def _private_sheet_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Big-sheet cache in a temp folder: tests never read or fill the user's cache."""
    os.environ["INVOICETOOLS_CACHE_DIR"] = str(tmp_path_factory.mktemp("sheet-cache"))


# Hypothesis: no per-example deadline (a 2-core CI box under load makes timings unreliable);
# the example counts stay as each test sets them.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("invoicetools", deadline=None)
_hypothesis_settings.load_profile("invoicetools")
