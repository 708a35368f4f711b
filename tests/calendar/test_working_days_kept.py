"""Working days are the ``holidays`` package's answers, kept in the user's cache folder per year
and package version: what is kept equals what the package says, and a damaged, foreign or
missing entry is asked again."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import holidays
import pytest

from invoicetools.domain import dates


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("INVOICETOOLS_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("INVOICETOOLS_NO_CACHE", raising=False)
    dates._working_days.cache_clear()
    yield tmp_path
    dates._working_days.cache_clear()


def _package_says(year: int) -> list[bool]:
    calendar = holidays.country_holidays("TW")
    first = datetime.date(year, 1, 1)
    n = (datetime.date(year + 1, 1, 1) - first).days
    return [bool(calendar.is_working_day(first + datetime.timedelta(days=i))) for i in range(n)]


def _we_say(year: int) -> list[bool]:
    first = datetime.date(year, 1, 1)
    n = (datetime.date(year + 1, 1, 1) - first).days
    return [dates.is_working_day(first + datetime.timedelta(days=i)) for i in range(n)]


@pytest.mark.parametrize("year", [2016, 2020, 2024, 2025, 2026, 2027])
def test_kept_days_are_the_packages_days(cache: Path, year: int) -> None:
    expected = _package_says(year)
    assert _we_say(year) == expected  # computed and kept
    assert list(cache.glob(f"working-days-TW-*-{year}.txt"))
    dates._working_days.cache_clear()
    assert _we_say(year) == expected  # read back from the file


def test_a_damaged_entry_is_asked_again(cache: Path) -> None:
    dates.is_working_day(datetime.date(2025, 1, 2))
    (file,) = cache.glob("working-days-TW-*-2025.txt")
    file.write_text("1" * 100, encoding="ascii")  # too short: not trusted
    dates._working_days.cache_clear()
    assert dates.next_working_day(datetime.date(2025, 3, 15)) == datetime.date(2025, 3, 17)
    assert len(file.read_text(encoding="ascii")) == 365


def test_another_package_version_does_not_read_the_entry(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dates.is_working_day(datetime.date(2025, 1, 2))
    (file,) = cache.glob("working-days-TW-*-2025.txt")
    file.write_text("0" * 365, encoding="ascii")  # every day a holiday, under today's version
    dates._working_days.cache_clear()
    assert not dates.is_working_day(datetime.date(2025, 3, 17))  # the entry is what is read …
    monkeypatch.setattr(dates, "_calendar_key", lambda: "another-version")
    dates._working_days.cache_clear()
    assert dates.is_working_day(datetime.date(2025, 3, 17))  # … and only under its own version


def test_without_the_cache_nothing_is_written(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVOICETOOLS_NO_CACHE", "1")
    assert dates.next_working_day(datetime.date(2025, 1, 27)) == datetime.date(2025, 2, 3)
    assert not list(cache.iterdir())
