"""UBN (統一編號, Unified Business Number): the 8-digit Taiwanese business identifier.

Check rule: multiply the digits by 1,2,1,2,1,2,4,1, add the digits of each product, and
the total must be divisible by 5 (since 2023-04-01; divisible by 10 before). When the
7th digit is 7 its product 28 counts as either 10 or 1, so the total + 1 may be
divisible instead. python-stdnum 2.2 still checks the old rule: it is not used here.

>>> validate("04595257")
'04595257'
>>> validate("０４５９ ５２５７")
'04595257'
>>> validate(4595257)
'04595257'
>>> validate("04595252")   # valid only under the 2023 rule
'04595252'
>>> is_valid("04595252", rule=2013)
False
>>> validate("10458574")   # 7th digit 7: total + 1 divisible
'10458574'
>>> validate("12345678")
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InvalidChecksum: 統一編號檢查碼不正確（讀到「12345678」）
>>> validate("1234567")
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InvalidLength: 統一編號應為 8 位數字（讀到「1234567」）
>>> is_valid(None), is_valid("ABCDEFGH")
(False, False)
"""

from __future__ import annotations

from ._text import is_ascii_digits, to_ascii
from .errors import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError

__all__ = ["checksum", "compact", "format", "is_valid", "validate"]

_WEIGHTS = (1, 2, 1, 2, 1, 2, 4, 1)


def compact(number: object) -> str:
    """Full-width digits and spaces → ASCII; an int or Excel float gets its leading zeros back."""
    if isinstance(number, bool):
        return str(number)
    if isinstance(number, int):
        return f"{number:08d}"
    if isinstance(number, float) and number.is_integer():
        return f"{int(number):08d}"
    text = to_ascii(str(number)).replace("-", "")
    if text.endswith(".0") and is_ascii_digits(text[:-2]):
        text = text[:-2].zfill(8)
    return text


def checksum(number: str) -> int:
    """The weighted digit sum of an 8-digit string."""
    total = 0
    for digit, weight in zip(number, _WEIGHTS, strict=True):
        product = int(digit) * weight
        total += product // 10 + product % 10
    return total


def validate(number: object, *, rule: int = 2023) -> str:
    """Return the 8-digit normal form or raise. ``rule=2013`` checks the pre-2023 rule (divisible by 10)."""
    if number is None:
        raise InvalidFormat("統一編號應為 8 位數字", found=number)
    text = compact(number)
    if not is_ascii_digits(text):
        raise InvalidFormat("統一編號應為 8 位數字", found=number)
    if len(text) != 8:
        raise InvalidLength("統一編號應為 8 位數字", found=number)
    divisor = 5 if rule >= 2023 else 10
    total = checksum(text)
    if total % divisor and not (text[6] == "7" and (total + 1) % divisor == 0):
        raise InvalidChecksum("統一編號檢查碼不正確", found=number)
    return text


def is_valid(number: object, *, rule: int = 2023) -> bool:
    try:
        validate(number, rule=rule)
    except ValidationError:
        return False
    return True


def format(number: object) -> str:
    return validate(number)
