"""Who owns each part of the allocation: 本系統, 其他系統, or the 加值中心 the accountant named."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ...domain import periods
from ...domain.errors import Location
from ...domain.invoice_number import KEY_BASE
from ...domain.ranges import merge
from .columns import (
    A_BEGIN,
    A_END,
    A_PERIOD,
    A_TRACK,
    BAN,
    KEY_BEGIN,
    KEY_END,
    OWNER,
    OWNER_OTHER,
    OWNER_SELF,
    PERIOD,
    TRACK,
    TYPE,
    blank,
    range_keys,
    text_column,
)
from .parse import parse_track_rows

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["is_own", "owner_of_ranges"]


def is_own(owner: object) -> bool | None:
    """Whether an 擁有者 value says the range is this system's: True, False, or None when blank.

    >>> is_own("本系統"), is_own(" 其他系統 "), is_own("綠界"), is_own(None)
    (True, False, False, None)
    """
    if blank(owner):
        return None
    return str(owner).strip() == OWNER_SELF




def owner_of_ranges(
    tracks: pd.DataFrame, allocation: pd.DataFrame, *, period: str | None = None,
    where: Location | None = None,
) -> pd.DataFrame:
    """Split each 字軌配號 range by owner: 本系統, 其他系統, or the 加值中心 the accountant named.

    An 擁有者 typed on the row wins for the whole row. A blank 擁有者 makes the parts that
    配號設定 (``allocation``) hands to a machine 本系統 and the rest 其他系統. Rows that
    cannot be read are left out. Columns: 營業人統編, 發票類別代號, 申報年月, 發票字軌, 起號, 迄號,
    張數, 擁有者, 字軌配號列 (the sheet row), and the int64 keys ``begin_key``/``end_key``.

    >>> import pandas as pd
    >>> tracks = pd.DataFrame({"營業人統編": ["53212539"] * 2, "發票類別代號": ["07"] * 2,
    ...     "發票期別": ["114/01 ~ 114/02"] * 2, "發票字軌名稱": ["KA", "KB"],
    ...     "發票起號": ["00000000", "00000000"], "發票迄號": ["00000199", "00000049"],
    ...     "擁有者": [None, "綠界"]}, index=[5, 6])
    >>> alloc = pd.DataFrame({"發票字軌": ["KA"], "起號": ["00000050"], "迄號": ["00000099"], "申報年月": ["11402"]})
    >>> owner_of_ranges(tracks, alloc)[["發票字軌", "起號", "迄號", "擁有者", "字軌配號列"]].values.tolist()
    [['KA', '00000000', '00000049', '其他系統', 5], ['KA', '00000050', '00000099', '本系統', 5], ['KA', '00000100', '00000199', '其他系統', 5], ['KB', '00000000', '00000049', '綠界', 6]]
    """
    import pandas as pd

    columns = [BAN, TYPE, A_PERIOD, A_TRACK, A_BEGIN, A_END, "張數", OWNER, "字軌配號列", "begin_key", "end_key"]
    parsed, _ = parse_track_rows(tracks, where or Location(sheet="字軌配號"))
    if period is not None:
        parsed = parsed[parsed[PERIOD] == periods.parse(period).code]
    out: list[dict[str, Any]] = []

    def emit(rec: Any, row: object, lo: int, hi: int, owner: str) -> None:
        out.append({BAN: rec[BAN], TYPE: rec[TYPE], A_PERIOD: rec[PERIOD], A_TRACK: rec[TRACK],
                    A_BEGIN: f"{lo % KEY_BASE:08d}", A_END: f"{hi % KEY_BASE:08d}", "張數": hi - lo + 1,
                    OWNER: owner, "字軌配號列": row, "begin_key": lo, "end_key": hi})

    explicit = np.array([is_own(o) is not None for o in parsed[OWNER]], dtype=bool)
    for row, rec in parsed[explicit].iterrows():
        emit(rec, row, int(rec[KEY_BEGIN]), int(rec[KEY_END]), str(rec[OWNER]).strip())
    blank = parsed[~explicit]
    ab, ae, aok = range_keys(allocation, A_TRACK, A_BEGIN, A_END)
    aper = np.array(text_column(allocation, A_PERIOD, ident=True), dtype=object)
    for code, group in blank.groupby(PERIOD, sort=True):
        group = group.sort_values(KEY_BEGIN, kind="stable")
        sel = aok & (aper == code)
        cb, ce = merge(ab[sel], ae[sel])
        rb = group[KEY_BEGIN].to_numpy(np.int64)
        re_ = group[KEY_END].to_numpy(np.int64)
        bounds = np.unique(np.concatenate([rb, re_ + 1, cb, ce + 1]))
        seg_b, seg_e = bounds[:-1], bounds[1:] - 1
        ri = np.searchsorted(rb, seg_b, side="right") - 1
        inside = (ri >= 0) & (seg_b <= re_[np.maximum(ri, 0)])
        ci = np.searchsorted(cb, seg_b, side="right") - 1
        covered = (ci >= 0) & (seg_b <= ce[np.maximum(ci, 0)]) if cb.size else np.zeros(seg_b.size, bool)
        seg_b, seg_e, ri, covered = seg_b[inside], seg_e[inside], ri[inside], covered[inside]
        if not seg_b.size:
            continue
        start = np.r_[True, (ri[1:] != ri[:-1]) | (covered[1:] != covered[:-1]) | (seg_b[1:] != seg_e[:-1] + 1)]
        firsts = np.flatnonzero(start)
        ends = np.maximum.reduceat(seg_e, firsts)
        rows = list(group.index)
        for f, hi in zip(firsts.tolist(), ends.tolist(), strict=True):
            r = int(ri[f])
            emit(group.iloc[r], rows[r], int(seg_b[f]), int(hi), OWNER_SELF if covered[f] else OWNER_OTHER)
    frame = pd.DataFrame(out, columns=columns)
    if len(frame):
        frame = frame.sort_values([A_PERIOD, BAN, "begin_key"], kind="stable").reset_index(drop=True)
    return frame


