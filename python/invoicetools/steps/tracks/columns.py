"""The columns of 字軌配號, 機台配號設定 and 配號設定, and how the 配號 step reads their cells.

Cells arrive as the backends give them (text from files, numbers from Excel): identifiers
are read through :func:`text_column` (full-width forms, Excel's ``.0``), ranges through
:func:`range_keys` (int64 keys, ``ok`` where the row can be used).

>>> import pandas as pd
>>> text_column(pd.DataFrame({"機台號": ["００１", 2.0, None, " "]}), "機台號", ident=True)
['001', '2', None, None]
>>> b, e, ok = range_keys(pd.DataFrame({"t": ["ab", "AB"], "b": ["00000050", "x"], "e": ["00000099", "1"]}), "t", "b", "e")
>>> b.tolist(), ok.tolist()
([100000050, -1], [True, False])
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ...book.io import param_text
from ...domain import periods
from ...domain._text import to_ascii
from ...domain.errors import InputError, Location
from ...domain.invoice_number import KEY_BASE, track_code, track_from_code
from ...domain.periods import Period

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ALLOCATION_HEADERS",
    "MACHINE_HEADERS",
    "OWNER_OTHER",
    "OWNER_SELF",
    "TRACK_HEADERS",
    "TYPE_NAMES",
    "blank",
    "is_own",
    "key_range",
    "range_keys",
    "row_periods",
    "text_column",
    "where_of",
]

Int64s = npt.NDArray[np.int64]

OWNER_SELF = "本系統"
OWNER_OTHER = "其他系統"
TYPE_NAMES = {"07": "一般稅額計算", "08": "特種稅額計算"}

# 字軌配號 (tblTracks) — the MOF file's columns first, then ours.
BAN, TYPE, TYPE_NAME, LABEL, TRACK, BEGIN, END, MACHINE_NO = (
    "營業人統編", "發票類別代號", "發票類別", "發票期別", "發票字軌名稱", "發票起號", "發票迄號", "機台號碼")
PERIOD, BOOKLETS, OWNER, SOURCE, IMPORTED = "申報年月", "組數", "擁有者", "來源", "匯入時間"
TRACK_HEADERS = (BAN, TYPE, TYPE_NAME, LABEL, TRACK, BEGIN, END, MACHINE_NO, PERIOD, BOOKLETS, OWNER, SOURCE,
                 IMPORTED)

# 機台配號設定 (tblMachines)
M_ACCOUNT, M_MACHINE, M_COUNT, M_KIND, M_SCOPE, M_PERIOD, M_TRACK, M_BRANCH = (
    "帳別", "機台號", "組數", "傳輸類別", "交換範圍", "所屬年月", "發票字軌", "分支機構統編")
MACHINE_HEADERS = (M_ACCOUNT, M_MACHINE, M_COUNT, M_KIND, M_SCOPE, M_PERIOD, M_TRACK, M_BRANCH)

# 配號設定 (tblAllocation) — the columns this step writes.
A_ACCOUNT, A_MACHINE, A_TRACK, A_BEGIN, A_END, A_COUNT, A_PERIOD, A_TYPE, A_BAN, A_KIND, A_SCOPE = (
    "帳別", "機台號", "發票字軌", "起號", "迄號", "組數", "申報年月", "發票類別代號", "營業人統編", "傳輸類別", "交換範圍")
ALLOCATION_HEADERS = (A_ACCOUNT, A_MACHINE, A_TRACK, A_BEGIN, A_END, A_COUNT, A_PERIOD, A_TYPE, A_BAN, A_KIND,
                      A_SCOPE)

# internal columns of parsed rows
WHERE, KEY_BEGIN, KEY_END = "_where", "_begin", "_end"

TRACK_RE = re.compile(r"^[A-Z]{2}$")
DIGITS_RE = re.compile(r"^\d{1,8}$")


def blank(value: object) -> bool:
    """None, NaN, NA, NaT, or only spaces."""
    return param_text(value) is None


def text_column(frame: pd.DataFrame, column: str, *, ident: bool) -> list[str | None]:
    """A column as stripped text (``None`` for blank); identifiers also lose full-width forms and ``.0``."""
    if column not in frame.columns:
        return [None] * len(frame)
    out: list[str | None] = []
    for value in frame[column].tolist():
        text = param_text(value)
        if text is not None and ident:
            text = to_ascii(text)
            if text.endswith(".0") and text[:-2].isdigit():
                text = text[:-2]
        out.append(text or None)
    return out


def is_own(owner: object) -> bool | None:
    """Whether an 擁有者 value says the range is this system's: True, False, or None when blank.

    >>> is_own("本系統"), is_own(" 其他系統 "), is_own("綠界"), is_own(None)
    (True, False, False, None)
    """
    if blank(owner):
        return None
    return str(owner).strip() == OWNER_SELF


def shown(track: str, begin: int, end: int) -> str:
    return f"{track}{begin:08d}–{track}{end:08d}"


def key_range(begin_key: int, end_key: int) -> str:
    """``AB00000000–AB00000049`` for two keys of one track."""
    track = track_from_code(begin_key // KEY_BASE)
    return shown(track, begin_key % KEY_BASE, end_key % KEY_BASE)


def row_of(where: Location) -> str:
    return str(where) or "（未知位置）"


def where_of(where: Location, row: object, column: str | None) -> Location:
    """``where`` at ``row`` (an index label: a row number, or anything else for none) and ``column``."""
    number: int | None
    try:
        number = int(row)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = None
    return Location(where.file, where.sheet, number, column)


def range_keys(frame: pd.DataFrame, track_col: str, begin_col: str, end_col: str) -> tuple[Int64s, Int64s, npt.NDArray[np.bool_]]:
    """The keys of each row's ``track + begin`` and ``track + end``; ``ok`` where both are valid and ordered."""
    tracks = text_column(frame, track_col, ident=True)
    begins = text_column(frame, begin_col, ident=True)
    ends = text_column(frame, end_col, ident=True)
    n = len(frame)
    b = np.full(n, -1, np.int64)
    e = np.full(n, -1, np.int64)
    ok = np.zeros(n, bool)
    for i in range(n):
        t, lo, hi = tracks[i], begins[i], ends[i]
        if t and lo and hi and TRACK_RE.match(t.upper()) and DIGITS_RE.match(lo) and DIGITS_RE.match(hi):
            code = track_code(t.upper()) * KEY_BASE
            b[i], e[i] = code + int(lo), code + int(hi)
            ok[i] = b[i] <= e[i]
    return b, e, ok


def row_periods(frame: pd.DataFrame, *columns: str, default: Period | None = None) -> npt.NDArray[np.object_]:
    """Each row's period code from the first filled column ('' when unreadable or none; blank → ``default``).

    >>> import pandas as pd
    >>> row_periods(pd.DataFrame({"申報年月": ["11402", None, "x"], "發票期別": [None, "114/03 ~ 114/04", None]}),
    ...             "申報年月", "發票期別").tolist()
    ['11402', '11404', '']
    """
    codes = np.full(len(frame), "", dtype=object)
    filled = np.zeros(len(frame), dtype=bool)
    cache: dict[str, str] = {}
    for column in columns:
        for i, text in enumerate(text_column(frame, column, ident=True)):
            if filled[i] or text is None:
                continue
            filled[i] = True
            if text not in cache:
                try:
                    cache[text] = periods.parse(text).code
                except InputError:
                    cache[text] = ""
            codes[i] = cache[text]
    if default is not None:
        codes[~filled] = default.code
    return codes
