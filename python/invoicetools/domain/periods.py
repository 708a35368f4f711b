"""Invoice periods (期別): two calendar months, named by ROC year + the *even* end month.

``11402`` is ROC 114 (2025) January–February; ``11412`` is November–December. The MOF
file writes ``114/01 ~ 114/02``; ERP screens write ``113 01~02``; ECPay numbers the
periods of a year 1–6 (InvoiceTerm), Amego 0–5.

>>> p = parse("11402")
>>> p.code, p.label, p.first_day, p.last_day
('11402', '114/01 ~ 114/02', datetime.date(2025, 1, 1), datetime.date(2025, 2, 28))
>>> [parse(s).code for s in ["114/01 ~ 114/02", "114/01~114/02", "113 01~02", "11401-02",
...                          "2025-01", "2025/2", "114年1-2月", "１１４０２", "114/03"]]
['11402', '11402', '11302', '11402', '11402', '11402', '11402', '11402', '11404']
>>> parse("11401")
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InvalidComponent: 申報年月的月份應為期別結束的雙月（02、04 … 12）（讀到「11401」）
>>> parse("113/13")
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InvalidComponent: 月份應為 1 到 12（讀到「113/13」）

A period needs its year: ``01-02`` (January–February of which year?) is refused, not read
as ROC year 1:

>>> parse("01-02")
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InvalidFormat: 申報年月要寫出民國年（例如 114）；申報年月可寫成 11402、114/01 ~ 114/02、113 01~02、11401-02 或 2025-01（讀到「01-02」）
>>> from_term(114, 6).code, from_amego(114, 0).code, parse("11402").term
('11412', '11402', 1)
>>> parse("11312").next().code, parse("11402").previous().code
('11402', '11312')
>>> of(datetime.date(2024, 2, 29)).code
'11302'

Deadlines (統一發票使用辦法; see notes/domain.md): blank unused numbers by the 10th of the
next odd month, VAT filing by the 15th; a day-of-month deadline that falls on a Saturday,
Sunday or public holiday moves to the next working day (行政程序法 §48; make-up workdays
count as working days; ``dates.next_working_day``). Invoices are uploaded 48 hours after
issue (B2C) or 7 days (buyer with UBN).

>>> parse("11312").blank_deadline, parse("11402").vat_deadline    # 2025/03/15 is a Saturday
(datetime.date(2025, 1, 10), datetime.date(2025, 3, 17))
>>> parse("11412").blank_deadline, parse("10508").vat_deadline    # 2026/01/10 a Saturday; 2016/09/15 中秋節
(datetime.date(2026, 1, 12), datetime.date(2016, 9, 19))
>>> upload_deadline(datetime.datetime(2025, 2, 27, 15, 30), b2b=False)
datetime.datetime(2025, 3, 1, 15, 30)
>>> upload_deadline(datetime.date(2025, 2, 27), b2b=True)
datetime.datetime(2025, 3, 6, 23, 59, 59)
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from ._text import to_ascii
from .dates import next_working_day
from .errors import InvalidComponent, InvalidFormat

__all__ = [
    "ROC_OFFSET",
    "Period",
    "from_amego",
    "from_term",
    "is_valid",
    "next_allocation_day",
    "of",
    "parse",
    "upload_deadline",
]

ROC_OFFSET = 1911
_FORMS = "申報年月可寫成 11402、114/01 ~ 114/02、113 01~02、11401-02 或 2025-01"
_NO_YEAR = f"申報年月要寫出民國年（例如 114）；{_FORMS}"
MIN_ROC_YEAR = 10  # a "year" below this is a month written without its year (01-02, 00102)


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A two-month invoice period. ``roc_year`` e.g. 114, ``end_month`` one of 2, 4, … 12."""

    roc_year: int
    end_month: int

    def __post_init__(self) -> None:
        if self.end_month not in (2, 4, 6, 8, 10, 12):
            raise InvalidComponent("申報年月的月份應為期別結束的雙月（02、04 … 12）", found=self.code)
        if not 1 <= self.roc_year <= 999:
            raise InvalidComponent("民國年應為 1 到 999", found=self.roc_year)

    # --- names -------------------------------------------------------------------------------
    @property
    def code(self) -> str:
        """MIG ``YearMonth``: ``11402``."""
        return f"{self.roc_year:03d}{self.end_month:02d}"

    @property
    def label(self) -> str:
        """The MOF file's 發票期別: ``114/01 ~ 114/02``."""
        return f"{self.roc_year:03d}/{self.start_month:02d} ~ {self.roc_year:03d}/{self.end_month:02d}"

    @property
    def zh(self) -> str:
        """As accountants say it: ``114年01-02月``."""
        return f"{self.roc_year}年{self.start_month:02d}-{self.end_month:02d}月"

    def __str__(self) -> str:
        return self.code

    # --- calendar ----------------------------------------------------------------------------
    @property
    def start_month(self) -> int:
        return self.end_month - 1

    @property
    def year(self) -> int:
        """Gregorian year."""
        return self.roc_year + ROC_OFFSET

    @property
    def term(self) -> int:
        """ECPay InvoiceTerm 1–6."""
        return self.end_month // 2

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.start_month, 1)

    @property
    def last_day(self) -> datetime.date:
        return self.next().first_day - datetime.timedelta(days=1)

    def contains(self, day: datetime.date) -> bool:
        return self.first_day <= day <= self.last_day

    def next(self) -> Period:
        if self.end_month == 12:
            return Period(self.roc_year + 1, 2)
        return Period(self.roc_year, self.end_month + 2)

    def previous(self) -> Period:
        if self.end_month == 2:
            return Period(self.roc_year - 1, 12)
        return Period(self.roc_year, self.end_month - 2)

    # --- deadlines ---------------------------------------------------------------------------
    @property
    def blank_deadline(self) -> datetime.date:
        """空白未使用字軌 must be uploaded by the 10th of the next odd month (next working day)."""
        return next_working_day(self.next().first_day.replace(day=10))

    @property
    def vat_deadline(self) -> datetime.date:
        """營業稅申報 by the 15th of the next odd month (next working day)."""
        return next_working_day(self.next().first_day.replace(day=15))

    @property
    def warning_mail_day(self) -> datetime.date:
        """The platform mails its 'not yet uploaded' warning on the 7th of the next odd month.

        Not a deadline of the merchant's (the platform's own mail run), so it does not roll.
        """
        return self.next().first_day.replace(day=7)

    @property
    def allocation_day(self) -> datetime.date:
        """The MOF allocates the next period from the booklet count on the 18th of the end month.

        The day the platform runs the allocation, not a legal period of the merchant's: it does
        not roll to a working day (a change of booklets is due *before* it, so rolling it later
        could only make a request late).
        """
        return datetime.date(self.year, self.end_month, 18)


def of(day: datetime.date) -> Period:
    """The period a date belongs to."""
    return Period(day.year - ROC_OFFSET, day.month + (day.month % 2))


def next_allocation_day(day: datetime.date) -> datetime.date:
    """The first MOF allocation day (the even month's 18th) on or after ``day``: never a past one.

    >>> next_allocation_day(datetime.date(2025, 2, 15)), next_allocation_day(datetime.date(2025, 2, 19))
    (datetime.date(2025, 2, 18), datetime.date(2025, 4, 18))
    """
    current = of(day)
    return current.allocation_day if current.allocation_day >= day else current.next().allocation_day


def from_term(roc_year: int, term: int) -> Period:
    """ECPay ``InvoiceYear`` + ``InvoiceTerm`` (1–6)."""
    if not 1 <= term <= 6:
        raise InvalidComponent("期別序號應為 1 到 6", found=term)
    return Period(roc_year, term * 2)


def from_amego(roc_year: int, index: int) -> Period:
    """Amego numbers the periods of a year 0–5."""
    if not 0 <= index <= 5:
        raise InvalidComponent("期別序號應為 0 到 5", found=index)
    return Period(roc_year, index * 2 + 2)


def _month_period(year: int, month: int, found: str, *, roc: bool) -> Period:
    if not 1 <= month <= 12:
        raise InvalidComponent("月份應為 1 到 12", found=found)
    roc_year = year if roc else year - ROC_OFFSET
    return Period(roc_year, month + (month % 2))


def _pair_period(year: int, first: int, second: int, found: str) -> Period:
    if second != first + 1 or second % 2:
        raise InvalidComponent("期別應為連續兩個月，例如 01-02 或 11-12", found=found)
    return Period(year, second)


_CODE = re.compile(r"^(\d{3})(\d{2})$")
_ROC_RANGE = re.compile(r"^(\d{2,3})[/.年]?(\d{1,2})[~\-－〜～至](?:(\d{2,3})[/.年]?)?(\d{1,2})月?$")
_YEAR_MONTH = re.compile(r"^(\d{2,3})[/\-.年](\d{1,2})月?$")
_GREGORIAN = re.compile(r"^(\d{4})[/\-.年](\d{1,2})月?$")
_CODE_PAIR = re.compile(r"^(\d{3})(\d{2})[~\-](\d{2})$")
_MONTHS_ONLY = re.compile(r"^\d{1,2}月?[~\-－〜～至]\d{1,2}月?$")  # 1-2月: the months without a year


def parse(text: object) -> Period:
    """Parse any accepted period form; raises ``InvalidFormat``/``InvalidComponent`` saying what was read."""
    if isinstance(text, Period):
        return text
    period = _parse(text)
    if period.roc_year < MIN_ROC_YEAR:
        raise InvalidFormat(_NO_YEAR, found=text)
    return period


def _parse(text: object) -> Period:
    if isinstance(text, Period):
        return text
    if isinstance(text, int) and not isinstance(text, bool):
        text = f"{text:05d}"
    if not isinstance(text, str):
        raise InvalidFormat(_FORMS, found=text)
    raw = text
    s = to_ascii(text)
    if m := _CODE.match(s):
        year, month = int(m.group(1)), int(m.group(2))
        if month % 2 or not 2 <= month <= 12:
            raise InvalidComponent("申報年月的月份應為期別結束的雙月（02、04 … 12）", found=raw)
        return Period(year, month)
    if m := _GREGORIAN.match(s):
        return _month_period(int(m.group(1)), int(m.group(2)), raw, roc=False)
    # "113 01~02" loses its space in to_ascii: "11301~02" – same shape as "11401-02".
    if m := _CODE_PAIR.match(s):
        return _pair_period(int(m.group(1)), int(m.group(2)), int(m.group(3)), raw)
    if m := _ROC_RANGE.match(s):
        y1, a, y2, b = m.groups()
        if y2 is not None and y2 != y1:
            raise InvalidComponent("期別的起迄應在同一年", found=raw)
        return _pair_period(int(y1), int(a), int(b), raw)
    if m := _YEAR_MONTH.match(s):
        return _month_period(int(m.group(1)), int(m.group(2)), raw, roc=True)
    raise InvalidFormat(_NO_YEAR if _MONTHS_ONLY.match(s) else _FORMS, found=raw)


def is_valid(text: object) -> bool:
    try:
        parse(text)
    except (InvalidFormat, InvalidComponent):
        return False
    return True


def upload_deadline(issued: datetime.date | datetime.datetime, *, b2b: bool) -> datetime.datetime:
    """Upload deadline: 48 hours after issue (B2C) or 7 days (buyer has a UBN).

    With no time of day the deadline is the end of the day, 2 or 7 days later.
    """
    delta = datetime.timedelta(days=7 if b2b else 2)
    if isinstance(issued, datetime.datetime):
        return issued + delta
    return datetime.datetime.combine(issued + delta, datetime.time(23, 59, 59))
