"""Checks shared by the MIG builders: the Main fields and number ranges (private).

Layer: ``mig/`` (beside ``steps`` and ``sources``, below ``actions``, above
``book``/``domain``); imports only :mod:`invoicetools.domain`.

Builders are strict: what goes to the platform must be right, and a wrong value is refused
with a zh-TW message saying which field, what was read and what was expected.

>>> invoice_type("7"), invoice_type(8), invoice_type(" 07 ")
('07', '08', '07')
>>> invoice_type("05")
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InvalidComponent: 發票類別應為 07（一般稅額）或 08（特種稅額）（讀到「05」）
>>> year_month("114/01 ~ 114/02"), year_month("11412")
('11402', '11412')
>>> number(35, "發票起號")
'00000035'
>>> number(100_000_000, "發票起號")
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InvalidComponent: 發票起號應為 0 到 99999999 的整數（8 位數字）（讀到「100000000」）
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from typing import SupportsIndex, cast

from ..domain import invoice_number, periods, ubn
from ..domain.errors import InputError, InvalidComponent, ValidationError

__all__ = ["ban", "checked_ranges", "integer", "invoice_type", "number", "track", "year_month"]

MAX_NUMBER = 99_999_999


def invoice_type(value: object) -> str:
    """``"07"``/``"08"``; the MOF CSV's unpadded ``7``/``8`` are accepted."""
    text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    if text in ("7", "07"):
        return "07"
    if text in ("8", "08"):
        return "08"
    raise InvalidComponent("發票類別應為 07（一般稅額）或 08（特種稅額）", found=value)


def ban(value: object, field: str) -> str:
    """An 8-digit UBN with a valid check digit (2023 rule); ``field`` names it in errors."""
    try:
        return ubn.validate(value)
    except ValidationError as exc:
        raise type(exc)(f"{field}：{exc.message}", found=exc.found) from None


def year_month(value: object) -> str:
    """The MIG ``YearMonth`` (``11402``) from any period form ``domain.periods`` accepts."""
    try:
        return periods.parse(value).code
    except ValidationError as exc:
        raise type(exc)(f"發票期別：{exc.message}", found=exc.found) from None


def track(value: object) -> str:
    """Two upper-case letters."""
    try:
        return invoice_number.validate_track(value)
    except ValidationError as exc:
        raise type(exc)(f"發票字軌：{exc.message}", found=exc.found) from None


def number(value: object, field: str) -> str:
    """An invoice number's 8 digits from an int (numpy integers too) → ``"00000035"``."""
    return f"{integer(value, field):08d}"


def integer(value: object, field: str) -> int:
    """An invoice number's digits as an int in 0..99,999,999 (numpy integers too)."""
    try:
        n = _as_int(value)
    except TypeError:
        raise InvalidComponent(f"{field}應為 0 到 {MAX_NUMBER} 的整數（8 位數字）", found=value) from None
    if not 0 <= n <= MAX_NUMBER:
        raise InvalidComponent(f"{field}應為 0 到 {MAX_NUMBER} 的整數（8 位數字）", found=value)
    return n


def checked_ranges(
    ranges: Iterable[Sequence[object]],
    *,
    what: str,
    track_letters: str,
    max_items: int,
    too_many: str,
    empty: str,
) -> tuple[tuple[int, int], ...]:
    """Check a list of ``(begin, end)`` ranges and return them as ``int`` pairs.

    Rules: 1..``max_items`` ranges, each ``begin <= end``, in ascending order and not
    overlapping (touching is allowed: the caller decides whether to merge). ``what`` names
    one range in messages (``空白區間``), ``track_letters`` prefixes the numbers shown.
    """
    items = list(ranges)
    if not items:
        raise InputError(empty)
    if len(items) > max_items:
        raise InputError(too_many, found=f"{len(items):,} 組")
    out: list[tuple[int, int]] = []
    previous_end = -1
    for i, item in enumerate(items, start=1):
        try:
            begin, end = item
            if type(begin) is not int or type(end) is not int:  # numpy integers, str …: slow path
                begin, end = _as_int(begin), _as_int(end)
        except (TypeError, ValueError):
            begin = end = -1
        if not (0 <= begin <= MAX_NUMBER and 0 <= end <= MAX_NUMBER):
            _refuse_item(i, item, what)
        if begin > end:
            raise InputError(f"第 {i} 組{what}的起號大於迄號", found=_shown(track_letters, begin, end))
        if begin <= previous_end:
            raise InputError(
                f"第 {i} 組{what}與前一組重疊或未依號碼由小到大排列"
                f"（前一組迄號 {track_letters}{previous_end:08d}）",
                found=_shown(track_letters, begin, end),
            )
        previous_end = end
        out.append((begin, end))
    return tuple(out)


def _as_int(value: object) -> int:
    if isinstance(value, bool):
        raise TypeError
    return operator.index(cast(SupportsIndex, value))


def _shown(track_letters: str, begin: int, end: int) -> str:
    return f"{track_letters}{begin:08d}–{track_letters}{end:08d}"


def _refuse_item(i: int, item: object, what: str) -> None:
    """Raise the precise error for a range that is not two 8-digit integers."""
    if not isinstance(item, Sequence) or isinstance(item, str) or len(item) != 2:
        raise InputError(f"第 {i} 組{what}應為（起號, 迄號）兩個整數", found=item)
    number(item[0], f"第 {i} 組{what}的起號")
    number(item[1], f"第 {i} 組{what}的迄號")
    raise InputError(f"第 {i} 組{what}不正確", found=item)  # not reached: number() raised
