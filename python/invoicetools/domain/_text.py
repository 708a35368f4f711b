"""Text clean-up shared by the identifier modules (python-stdnum's ``clean`` idea)."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


def to_ascii(text: str) -> str:
    """Full-width letters/digits/punctuation → ASCII (NFKC), all kinds of space removed.

    >>> to_ascii("ＡＢ　１２３４ ５６７８")
    'AB12345678'
    >>> to_ascii("\\ufeff 114／01 ")
    '114/01'
    """
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal or in a monospaced table: CJK and full-width forms take two.

    >>> display_width("統一編號"), display_width("MIG版本"), display_width("AB12")
    (8, 7, 4)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def is_ascii_digits(text: str) -> bool:
    """True only for ASCII 0-9 (``str.isdigit`` also accepts other scripts' digits).

    >>> is_ascii_digits("0123"), is_ascii_digits("٠١"), is_ascii_digits("")
    (True, False, False)
    """
    return bool(text) and all("0" <= c <= "9" for c in text)
