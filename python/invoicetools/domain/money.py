"""Money: NT$ amounts as ``Decimal`` (integer dollars in practice), never float.

>>> parse("1,234")
Decimal('1234')
>>> parse(" NT$ 1,234.50 ")
Decimal('1234.50')
>>> parse("（1,000）"), parse("-50")
(Decimal('-1000'), Decimal('-50'))
>>> parse(1234.0), parse(None), parse("")
(Decimal('1234'), None, None)
>>> parse("abc")
Traceback (most recent call last):
    ...
invoicetools.domain.errors.InvalidFormat: 金額應為數字（讀到「abc」）
>>> to_dollars(Decimal("1234.5"))
1235
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ._text import to_ascii
from .errors import InvalidFormat

__all__ = ["Decimal", "parse", "to_dollars"]


def parse(value: object) -> Decimal | None:
    """Parse an amount as Excel or an ERP export writes it; ``None`` for blank."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise InvalidFormat("金額應為數字", found=value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value:
            return None
        return Decimal(repr(value)).normalize() if not value.is_integer() else Decimal(int(value))
    text = to_ascii(str(value)).replace(",", "").replace("NT$", "").replace("$", "").replace("元", "")
    if text == "":
        return None
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidFormat("金額應為數字", found=value) from None
    if not amount.is_finite():
        raise InvalidFormat("金額應為數字", found=value)
    return -amount if negative else amount


def to_dollars(amount: Decimal) -> int:
    """Round half up to whole NT dollars."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
