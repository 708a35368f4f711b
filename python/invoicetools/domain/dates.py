"""Dates as ERP exports and Excel give them: Gregorian, ROC (民國), Excel serials.

>>> parse_date("2024-01-05"), parse_date("2024/1/5"), parse_date("113/01/05")
(datetime.date(2024, 1, 5), datetime.date(2024, 1, 5), datetime.date(2024, 1, 5))
>>> parse_date("1130105"), parse_date("113年1月5日"), parse_date(45296), parse_date("20240105")
(datetime.date(2024, 1, 5), datetime.date(2024, 1, 5), datetime.date(2024, 1, 5), datetime.date(2024, 1, 5))
>>> parse_date("2024-02-30")
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InvalidFormat: 日期無法辨識，請用 2024-01-05、2024/1/5、113/01/05 或 1130105（讀到「2024-02-30」）
>>> parse_datetime("2024/01/05 13:45:10"), parse_datetime("2024/1/1 13:37"), parse_datetime("１１３／０１／０５")
(datetime.datetime(2024, 1, 5, 13, 45, 10), datetime.datetime(2024, 1, 1, 13, 37), datetime.datetime(2024, 1, 5, 0, 0))
>>> parse_date("45296"), parse_datetime("45296.5")
(datetime.date(2024, 1, 5), datetime.datetime(2024, 1, 5, 12, 0))
>>> to_roc(datetime.date(2024, 1, 5))
'113/01/05'

Working days (行政程序法 §48: a deadline that ends on a Saturday, Sunday or public holiday
moves to the next working day; a make-up workday on a Saturday is a working day). Holidays
and make-up workdays come from the ``holidays`` package (its Taiwan calendar follows the
DGPA's yearly 政府行政機關辦公日曆表), never from a list kept here:

>>> next_working_day(datetime.date(2025, 3, 15))   # a Saturday
datetime.date(2025, 3, 17)
>>> next_working_day(datetime.date(2025, 1, 27))   # Lunar New Year 2025: 1/25 – 2/2 off
datetime.date(2025, 2, 3)
>>> next_working_day(datetime.date(2025, 2, 8))    # a Saturday, but a make-up workday (補行上班)
datetime.date(2025, 2, 8)
>>> next_working_day(datetime.date(2016, 9, 15))   # 中秋節 and the bridge day: Thu 9/15 – Sun 9/18
datetime.date(2016, 9, 19)
"""

from __future__ import annotations

import datetime
import functools
import os
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InvalidFormat

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = ["EXCEL_EPOCH", "is_working_day", "next_working_day", "parse_date", "parse_dates", "parse_datetime",
           "to_roc"]

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 date system)
_MESSAGE = "日期無法辨識，請用 2024-01-05、2024/1/5、113/01/05 或 1130105"
_SEP = r"[/\-.年月]"
_PATTERN = re.compile(
    rf"^(?:(?P<g>\d{{4}}){_SEP}(?P<gm>\d{{1,2}}){_SEP}(?P<gd>\d{{1,2}})日?"
    rf"|(?P<r>\d{{2,3}}){_SEP}(?P<rm>\d{{1,2}}){_SEP}(?P<rd>\d{{1,2}})日?"
    r"|(?P<g8>\d{4})(?P<g8m>\d{2})(?P<g8d>\d{2})"
    r"|(?P<r7>\d{2,3})(?P<r7m>\d{2})(?P<r7d>\d{2}))"
    r"(?:[T ]?(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\.\d+)?)?$"
)
_SERIAL_TEXT = re.compile(r"^\d{5}(?:\.\d+)?$")
# Excel serials that are plausible invoice dates: 1990-01-01 .. 2100-12-31.
_SERIAL_MIN, _SERIAL_MAX = 32874, 73415


def _from_serial(serial: float) -> datetime.datetime:
    """Excel serial → date-time, to the nearest second (serials are binary fractions of a day)."""
    return datetime.datetime.combine(EXCEL_EPOCH, datetime.time()) + datetime.timedelta(seconds=round(serial * 86400))


def parse_datetime(value: object) -> datetime.datetime:
    """Parse a date or date-time; a bare date gives midnight. Raises ``InvalidFormat``."""
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value == value and _SERIAL_MIN <= value <= _SERIAL_MAX:
            return _from_serial(float(value)).replace(microsecond=0)
        value = str(int(value)) if value == value and float(value).is_integer() else str(value)
    if not isinstance(value, str):
        raise InvalidFormat(_MESSAGE, found=value)
    # full-width → ASCII, but keep one space between a date and its time ("2024/1/1 13:37")
    text = " ".join(unicodedata.normalize("NFKC", value).split())
    text = re.sub(r"\s*([/\-.年月日:])\s*", r"\1", text)
    if _SERIAL_TEXT.match(text) and _SERIAL_MIN <= float(text) <= _SERIAL_MAX:
        return _from_serial(float(text)).replace(microsecond=0)  # a serial that arrived as text
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    m = _PATTERN.match(text)
    if not m:
        raise InvalidFormat(_MESSAGE, found=value)
    g = m.groupdict()
    if g["g"]:
        y, mo, d = int(g["g"]), int(g["gm"]), int(g["gd"])
    elif g["r"]:
        y, mo, d = int(g["r"]) + 1911, int(g["rm"]), int(g["rd"])
    elif g["g8"] and 1900 <= int(g["g8"]) <= 2199:
        y, mo, d = int(g["g8"]), int(g["g8m"]), int(g["g8d"])
    elif g["r7"] or g["g8"]:
        # an 8-digit value outside 1900..2199 cannot be ROC either (ROC years have <= 3 digits)
        if not g["r7"]:
            raise InvalidFormat(_MESSAGE, found=value)
        y, mo, d = int(g["r7"]) + 1911, int(g["r7m"]), int(g["r7d"])
    else:  # pragma: no cover - the regex has no other branch
        raise InvalidFormat(_MESSAGE, found=value)
    try:
        return datetime.datetime(y, mo, d, int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0))
    except ValueError:
        raise InvalidFormat(_MESSAGE, found=value) from None


def parse_date(value: object) -> datetime.date:
    return parse_datetime(value).date()


def to_roc(day: datetime.date) -> str:
    return f"{day.year - 1911:03d}/{day.month:02d}/{day.day:02d}"


@functools.lru_cache(maxsize=1)
def _taiwan_calendar() -> Any:
    """Taiwan's public holidays and make-up workdays (``holidays``, imported only when needed).

    Years are filled in as they are asked for. Years the package does not cover yet (the
    DGPA publishes each year's calendar in the year before) have no holidays: only
    weekends move a deadline then.
    """
    import holidays

    return holidays.country_holidays("TW")


def _calendar_key() -> str:
    """The installed ``holidays`` package's version file, hashed: its answers are kept under it
    (found without importing the package, which costs ~0.18 s per process)."""
    import hashlib
    import importlib.util

    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        return "none"
    try:
        text = (Path(spec.origin).parent / "version.py").read_bytes()
    except OSError:
        return "none"
    return hashlib.sha256(text).hexdigest()[:16]


@functools.cache
def _working_days(year: int) -> str:
    """One character per day of ``year``: 1 a working day, 0 not — the ``holidays`` package's own
    answers, kept in the user's cache folder (``domain.user_cache``) under the package's version, so
    a process asks the package only for a year it has not seen (a new version asks again)."""
    from .user_cache import cache_dir

    days = (datetime.date(year + 1, 1, 1) - datetime.date(year, 1, 1)).days
    folder = cache_dir()
    file = folder / f"working-days-TW-{_calendar_key()}-{year}.txt" if folder is not None else None
    if file is not None:
        try:
            kept = file.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            kept = ""
        if len(kept) == days and set(kept) <= {"0", "1"}:
            return kept
    calendar = _taiwan_calendar()
    first = datetime.date(year, 1, 1)
    answer = "".join("1" if calendar.is_working_day(first + datetime.timedelta(days=i)) else "0"
                     for i in range(days))
    if file is not None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
            tmp.write_text(answer, encoding="ascii")
            os.replace(tmp, file)
        except OSError:
            pass  # a cache that cannot be written is a miss next time, never an error
    return answer


def is_working_day(day: datetime.date) -> bool:
    """Not a Saturday, Sunday or Taiwan public holiday, or a weekend day that is a make-up workday."""
    return _working_days(day.year)[day.timetuple().tm_yday - 1] == "1"


def next_working_day(day: datetime.date) -> datetime.date:
    """``day`` when it is a working day, else the first working day after it (行政程序法 §48)."""
    while not is_working_day(day):
        day += datetime.timedelta(days=1)
    return day


def _fits(text: str, form: str) -> bool:
    try:
        datetime.datetime.strptime(text, form)
    except ValueError:
        return False
    return True


def parse_dates(values: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """Vectorised ``parse_datetime`` for a column: ``(datetime64[ns] Series, ok mask)``.

    Blank cells are NaT with ``ok = True`` (blank is for the caller to judge); cells that
    cannot be read are NaT with ``ok = False``. Typed datetime columns pass straight
    through; numbers are Excel serials; text is parsed by pattern, vectorised for the
    common ``YYYY-MM-DD``/``YYYY/M/D`` forms and one by one for the rest.
    """
    import numpy as np
    import pandas as pd

    from .fixed_width_dates import with_fixed_width

    n = len(values)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = pd.to_datetime(values).dt.tz_localize(None) if getattr(values.dt, "tz", None) else values
        return pd.Series(out.to_numpy(dtype="datetime64[ns]"), index=values.index), np.ones(n, dtype=bool)
    return with_fixed_width(values, _parse_dates_general)


def _parse_dates_general(values: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """``parse_dates`` for the cells that are not in a fixed-width form."""
    import numpy as np
    import pandas as pd

    n = len(values)
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    ok = np.ones(n, dtype=bool)
    if isinstance(values.dtype, pd.StringDtype):  # text only: vectorised string kernels, no Python call per cell
        obj = values
        blank = values.isna().to_numpy() | (values.str.strip() == "").fillna(False).to_numpy(dtype=bool)
    else:
        obj = values.astype("object")
        blank = obj.isna().to_numpy() | obj.map(lambda v: isinstance(v, str) and v.strip() == "").to_numpy(
            dtype=bool
        )
    todo = ~blank
    if not todo.any():
        return result, ok
    # Fast paths: Excel serials (as numbers or as text), then ISO-like text.
    text = obj[todo].astype(str)
    serial = pd.to_numeric(text.where(text.str.fullmatch(r"\d{5}(?:\.\d+)?")), errors="coerce")
    serial = serial.where((serial >= _SERIAL_MIN) & (serial <= _SERIAL_MAX))
    # the last form is what the file backend reads from date cells; the form of the first value goes
    # first (a form that matches nothing costs as much as one that matches everything)
    forms = sorted(("%Y-%m-%d", "%Y/%m/%d", "%Y-%m-%d %H:%M:%S"), key=lambda f: not _fits(text.iat[0], f))
    fast = pd.to_datetime(text, format=forms[0], errors="coerce")
    has_serial = serial.notna()
    if has_serial.any():
        base = pd.Timestamp(EXCEL_EPOCH)
        fast[has_serial] = base + pd.to_timedelta(serial[has_serial].round(5) * 86400, unit="s").dt.round("s")
    for form in forms[1:]:
        miss = fast.isna()
        if miss.any():
            fast[miss] = pd.to_datetime(text[miss], format=form, errors="coerce")
    # pandas parses to microseconds: a year outside datetime64[ns] (e.g. 0361) would wrap around silently
    fast = fast.where((fast >= pd.Timestamp.min) & (fast <= pd.Timestamp.max))
    result[todo] = fast.to_numpy(dtype="datetime64[ns]")
    slow_idx = np.flatnonzero(todo)[fast.isna().to_numpy()]
    for i in slow_idx.tolist():
        try:
            result.iat[i] = parse_datetime(obj.iat[i])
        except (InvalidFormat, ValueError):  # ValueError: a year pandas cannot hold (before 1677, after 2262)
            ok[i] = False
    return result, ok
