"""Rows of any allocation source (MOF file, E0501, a provider, the 字軌配號 sheet) → the 字軌配號 form.

Each field has its own reader; a value that cannot be used leaves the row out with a
finding at its file or sheet, row and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ...domain import periods, ubn
from ...domain.errors import Finding, Location, ValidationError, show_found
from ...domain.invoice_number import KEY_BASE, track_code
from ...domain.ranges import BOOKLET
from .columns import (
    BAN,
    BEGIN,
    BOOKLETS,
    END,
    IMPORTED,
    KEY_BEGIN,
    KEY_END,
    LABEL,
    MACHINE_NO,
    OWNER,
    PERIOD,
    SOURCE,
    TRACK,
    TRACK_RE,
    TYPE,
    TYPE_NAME,
    TYPE_NAMES,
    WHERE,
    blank,
    shown,
    text_column,
    where_of,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["parse_track_rows"]

_DIGITS_RE = re.compile(r"^\d{1,8}$")
_FULL_RE = re.compile(r"^([A-Z]{2})(\d{8})$")
_TYPES = {"7": "07", "07": "07", "8": "08", "08": "08"}
_BAD_TYPE = "發票類別代號應為 07（一般稅額）或 08（特種稅額）"
_ALIGN = "不是整本：50 張一本，起號尾數應為 00 或 50、迄號尾數應為 49 或 99"


@dataclass
class _Fields:
    """The parsed values of every row (``None`` where unusable), with the findings."""

    raw: pd.DataFrame
    where: Location
    ok: np.ndarray
    begin_keys: np.ndarray
    end_keys: np.ndarray
    findings: list[Finding] = field(default_factory=list)
    out: dict[str, list[str | None]] = field(default_factory=dict)
    _ubns: dict[str, str | ValidationError] = field(default_factory=dict)
    _periods: dict[str, periods.Period | ValidationError] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for column in (BAN, TYPE, LABEL, PERIOD, TRACK, BEGIN, END):
            self.out[column] = [None] * len(self.raw)

    def bad(self, i: int, column: str, code: str, message: str) -> None:
        self.ok[i] = False
        self.findings.append(Finding(code, message, where_of(self.where, self.raw.index[i], column)))

    def period_of(self, text: str) -> periods.Period | ValidationError:
        if text not in self._periods:
            try:
                self._periods[text] = periods.parse(text)
            except ValidationError as exc:
                self._periods[text] = exc
        return self._periods[text]

    def ubn_of(self, text: str) -> str | ValidationError:
        if text not in self._ubns:
            try:
                self._ubns[text] = ubn.validate(text)
            except ValidationError as exc:
                self._ubns[text] = exc
        return self._ubns[text]


def _read_ban(f: _Fields, i: int, b: str | None) -> None:
    if b is None:
        f.bad(i, BAN, "track_ubn", "缺少營業人統編")
        return
    got = f.ubn_of(b)
    if isinstance(got, ValidationError):
        f.bad(i, BAN, "track_ubn", f"營業人統編：{got.message}（讀到「{show_found(b)}」）")
    else:
        f.out[BAN][i] = got


def _read_type(f: _Fields, i: int, t: str | None) -> None:
    if t is None or t not in _TYPES:
        f.bad(i, TYPE, "track_type", f"{_BAD_TYPE}（讀到「{show_found(t)}」）")
    else:
        f.out[TYPE][i] = _TYPES[t]


def _read_period(f: _Fields, i: int, label_text: str | None, code_text: str | None) -> None:
    """發票期別 (any form ``domain.periods`` reads) and/or 申報年月; when both are there they must agree."""
    if label_text is None and code_text is None:
        f.bad(i, LABEL, "track_period", "缺少發票期別（例如 114/01 ~ 114/02）")
        return
    p_label = f.period_of(label_text) if label_text is not None else None
    p_code = f.period_of(code_text) if code_text is not None else None
    if isinstance(p_label, ValidationError):
        f.bad(i, LABEL, "track_period", f"發票期別：{p_label.message}（讀到「{show_found(label_text)}」）")
    elif isinstance(p_code, ValidationError):
        f.bad(i, PERIOD, "track_period", f"申報年月：{p_code.message}（讀到「{show_found(code_text)}」）")
    elif p_label is not None and p_code is not None and p_label != p_code:
        f.bad(i, PERIOD, "track_period", f"發票期別 {p_label.label} 與申報年月 {p_code.code} 不一致")
    else:
        p = p_label or p_code
        assert isinstance(p, periods.Period)
        f.out[LABEL][i], f.out[PERIOD][i] = p.label, p.code


def _read_track(f: _Fields, i: int, raw_track: str | None) -> str | None:
    tr = raw_track.upper() if raw_track is not None else None
    if tr is None or not TRACK_RE.match(tr):
        f.bad(i, TRACK, "track_track", f"發票字軌名稱應為 2 個英文字母（讀到「{show_found(raw_track)}」）")
        return None
    f.out[TRACK][i] = tr
    return tr


def _number(text: str | None, track: str | None) -> int | None:
    """8 digits (fewer are zero-padded), or the whole number with the row's own track."""
    if text is None:
        return None
    up = text.upper()
    if _DIGITS_RE.match(up):
        return int(up)
    full = _FULL_RE.match(up)
    if full and (track is None or full.group(1) == track):
        return int(full.group(2))
    return None


def _read_numbers(f: _Fields, i: int, tr: str | None, begin: str | None, end: str | None) -> None:
    """發票起號/發票迄號: 8 digits each, begin <= end, whole booklets; the row's keys when the track is known."""
    numbers: list[int | None] = []
    for column, text in ((BEGIN, begin), (END, end)):
        number = _number(text, tr)
        if number is None:
            f.bad(i, column, "track_number", f"{column}應為 8 位數字（讀到「{show_found(text)}」）")
        else:
            f.out[column][i] = f"{number:08d}"
        numbers.append(number)
    lo, hi = numbers
    if lo is None or hi is None:
        return
    if lo > hi:
        f.bad(i, END, "track_order", f"起號大於迄號：{shown(tr or '', lo, hi)}")
    elif lo % BOOKLET or (hi + 1) % BOOKLET:
        f.bad(i, BEGIN if lo % BOOKLET else END, "track_alignment", f"{shown(tr or '', lo, hi)} {_ALIGN}")
    elif tr is not None:
        code = track_code(tr) * KEY_BASE
        f.begin_keys[i], f.end_keys[i] = code + lo, code + hi


def parse_track_rows(
    raw: pd.DataFrame, where: Location, *, source: str | None = None
) -> tuple[pd.DataFrame, list[Finding]]:
    """Rows of an allocation source → the 字軌配號 form, plus a finding for every unusable value.

    ``raw`` has the 字軌配號 headers (aliases already resolved), index = the row number shown
    to the accountant. The period may come as 發票期別 (any form ``domain.periods`` reads) or
    as 申報年月. ``source`` fills 來源 (else 來源 is kept from ``raw``). Rows with an error are
    left out of the result; the result keeps the row numbers and has three extra columns:
    ``_where`` (the row's Location), ``_begin`` and ``_end`` (int64 keys).
    """
    n = len(raw)
    f = _Fields(raw, where, np.ones(n, dtype=bool), np.full(n, -1, np.int64), np.full(n, -1, np.int64))
    bans, types = text_column(raw, BAN, ident=True), text_column(raw, TYPE, ident=True)
    labels, codes = text_column(raw, LABEL, ident=False), text_column(raw, PERIOD, ident=True)
    tracks = text_column(raw, TRACK, ident=True)
    begins, ends = text_column(raw, BEGIN, ident=True), text_column(raw, END, ident=True)
    for i in range(n):
        _read_ban(f, i, bans[i])
        _read_type(f, i, types[i])
        _read_period(f, i, labels[i], codes[i])
        tr = _read_track(f, i, tracks[i])
        _read_numbers(f, i, tr, begins[i], ends[i])
    return _frame(f, source), f.findings


def _frame(f: _Fields, source: str | None) -> pd.DataFrame:
    import pandas as pd

    raw, n = f.raw, len(f.raw)
    type_names = text_column(raw, TYPE_NAME, ident=False)
    imported: list[object] = raw[IMPORTED].tolist() if IMPORTED in raw.columns else [None] * n
    rows = pd.DataFrame(
        {
            BAN: f.out[BAN],
            TYPE: f.out[TYPE],
            TYPE_NAME: [nm if nm is not None else TYPE_NAMES.get(tp or "") for nm, tp in
                        zip(type_names, f.out[TYPE], strict=True)],
            LABEL: f.out[LABEL],
            TRACK: f.out[TRACK],
            BEGIN: f.out[BEGIN],
            END: f.out[END],
            MACHINE_NO: text_column(raw, MACHINE_NO, ident=True),
            PERIOD: f.out[PERIOD],
            BOOKLETS: pd.Series([int((e - b + 1) // BOOKLET) if b >= 0 else None for b, e in
                                 zip(f.begin_keys.tolist(), f.end_keys.tolist(), strict=True)],
                                dtype=object, index=raw.index),
            OWNER: text_column(raw, OWNER, ident=False),
            SOURCE: [source] * n if source is not None else text_column(raw, SOURCE, ident=False),
            IMPORTED: [None if blank(v) else v for v in imported],
            WHERE: [where_of(f.where, r, None) for r in raw.index],
            KEY_BEGIN: f.begin_keys,
            KEY_END: f.end_keys,
        },
        index=raw.index,
    )
    return rows[f.ok].copy()
