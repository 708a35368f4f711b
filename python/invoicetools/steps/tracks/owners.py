"""擁有者 on 字軌配號: name who reports the blanks of a track, or of some of its booklets.

A range given for part of a 字軌配號 row splits that row (same 營業人統編, 類別, 期別, 來源 …,
its own 起號/迄號/組數), so that each row has one owner; every other cell is kept as it is.
The range must be whole booklets and lie in the period's allocation of that track.

>>> import pandas as pd
>>> from invoicetools.domain.errors import Location
>>> sheet = pd.DataFrame({"營業人統編": ["53212539"], "發票類別代號": ["07"], "發票期別": ["114/01 ~ 114/02"],
...     "發票字軌名稱": ["KA"], "發票起號": ["00000000"], "發票迄號": ["00000199"], "組數": [4], "擁有者": [None]},
...     index=[5])
>>> change = set_owner(sheet, period="11402", track="KA", begin=100, end=149, owner="其他系統")
>>> change.table[["發票起號", "發票迄號", "組數", "擁有者"]].values.tolist()
[['00000000', '00000099', 2, None], ['00000100', '00000149', 1, '其他系統'], ['00000150', '00000199', 1, None]]
>>> change.described
['KA00000100–KA00000149（1 組）：擁有者 （空白） → 其他系統']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...domain import periods
from ...domain.errors import InputError, Location
from ...domain.invoice_number import KEY_BASE, track_code
from ...domain.ranges import BOOKLET
from .columns import BEGIN, BOOKLETS, END, KEY_BEGIN, KEY_END, OWNER, PERIOD, TRACK, TRACK_RE, key_range
from .parse import parse_track_rows

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["OwnerChange", "set_owner"]


@dataclass
class OwnerChange:
    """The new 字軌配號 table and one line per range whose 擁有者 changed."""

    table: pd.DataFrame
    described: list[str] = field(default_factory=list)


def _target(track: str, begin: int | None, end: int | None, period: periods.Period) -> tuple[str, int | None, int | None]:
    tr = track.strip().upper()
    if not TRACK_RE.match(tr):
        raise InputError("發票字軌應為 2 個英文字母", found=track)
    if begin is None or end is None:
        return tr, None, None
    if begin > end or begin % BOOKLET or (end + 1) % BOOKLET:
        raise InputError(f"{tr} {begin:08d}-{end:08d} 不是整本：起號尾數應為 00 或 50、迄號尾數應為 49 或 99",
                         found=f"{begin:08d}-{end:08d}")
    code = track_code(tr) * KEY_BASE
    return tr, code + begin, code + end


def _pieces(row_begin: int, row_end: int, lo: int, hi: int) -> list[tuple[int, int, bool]]:
    """The row cut at ``[lo, hi]``: (begin, end, inside) in number order, empty parts left out."""
    out = [(row_begin, lo - 1, False), (max(row_begin, lo), min(row_end, hi), True), (hi + 1, row_end, False)]
    return [(b, e, inside) for b, e, inside in out if b <= e]


def set_owner(table: pd.DataFrame, *, period: str, track: str, begin: int | None = None, end: int | None = None,
              owner: str | None, where: Location | None = None) -> OwnerChange:
    """Set 擁有者 on the period's 字軌配號 rows of ``track`` (between ``begin`` and ``end``, 8-digit
    numbers, when given); raises ``InputError`` when the range is not the period's allocation."""
    import pandas as pd

    p = periods.parse(period)
    tr, lo, hi = _target(track, begin, end, p)
    parsed, _ = parse_track_rows(table, where or Location(sheet="字軌配號"))
    mine = parsed[(parsed[PERIOD] == p.code) & (parsed[TRACK] == tr)].sort_values(KEY_BEGIN)
    if lo is None or hi is None:
        if mine.empty:
            raise InputError(f"[字軌配號] 沒有 {p.label} 的字軌 {tr}", found=track)
        lo, hi = int(mine[KEY_BEGIN].min()), int(mine[KEY_END].max())
    held = sum(max(0, min(hi, int(e)) - max(lo, int(b)) + 1) for b, e in zip(mine[KEY_BEGIN], mine[KEY_END], strict=True))
    if held != hi - lo + 1:
        raise InputError(f"{key_range(lo, hi)} 不全在[字軌配號] {p.label} 的配號中（有 {held:,} 張在內）",
                         found=f"{tr}:{lo % KEY_BASE:08d}-{hi % KEY_BASE:08d}")
    new_owner = owner.strip() if owner and owner.strip() else None
    change = OwnerChange(table)
    rows: list[dict[str, Any]] = []
    for row, record in table.iterrows():
        if row not in mine.index or int(mine.at[row, KEY_END]) < lo or int(mine.at[row, KEY_BEGIN]) > hi:
            rows.append(record.to_dict())
            continue
        old = record.get(OWNER)
        for b, e, inside in _pieces(int(mine.at[row, KEY_BEGIN]), int(mine.at[row, KEY_END]), lo, hi):
            piece = {**record.to_dict(), BEGIN: f"{b % KEY_BASE:08d}", END: f"{e % KEY_BASE:08d}",
                     BOOKLETS: (e - b + 1) // BOOKLET}
            if inside:
                piece[OWNER] = new_owner
                before = "（空白）" if old is None or old != old or not str(old).strip() else str(old).strip()
                change.described.append(
                    f"{key_range(b, e)}（{(e - b + 1) // BOOKLET:,} 組）：擁有者 {before} → {new_owner or '（空白）'}")
            rows.append(piece)
    frame = pd.DataFrame(rows, columns=list(table.columns)).reset_index(drop=True)
    change.table = frame.astype(object).where(frame.notna(), None)  # blank cells stay blank
    return change
