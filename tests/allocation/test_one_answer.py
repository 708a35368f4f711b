"""One answer to "the period's allocation", asked by 漏上傳檢核 and 跳號 alike (issue 13).

Before, 漏上傳檢核 read the allocation its own way (every owner; a 配號設定 row with a blank
申報年月 counted for any period; only 配號設定 when it had rows) and 跳號 another (a blank
申報年月 is the sheet's own 申報年月; 字軌配號 only as a fallback, only this system's rows), so
on one book a number could be 不在配號範圍 for one and inside a machine range for the other.
Now both ask ``steps.allocation`` (DESIGN: the period's allocation is 字軌配號 ∪ the machine
ranges; a blank 申報年月 on 配號設定 is the sheet's own). Each book below is one of the shapes
where the old copies disagreed; the two steps must agree on every number.
"""

from __future__ import annotations

import datetime

import pandas as pd
import pytest
from gapbook import UBN, allocation_frame, make_book, numbers

from invoicetools.actions.base import Context
from invoicetools.actions.gaps import check_gaps
from invoicetools.actions.upload_check import reconcile_uploads
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook

NOW = datetime.datetime(2025, 3, 2, 9, 0)
ISSUED = numbers("KA", 12340000, 12340020) + numbers("KB", 56780000, 56780005) + numbers("KC", 0, 3)


def _tracks(rows: list[tuple[str, int, int, str | None]]) -> pd.DataFrame:
    return pd.DataFrame({
        "營業人統編": UBN, "發票類別代號": "07", "發票期別": "114/01 ~ 114/02",
        "發票字軌名稱": [r[0] for r in rows], "發票起號": [f"{r[1]:08d}" for r in rows],
        "發票迄號": [f"{r[2]:08d}" for r in rows], "擁有者": [r[3] for r in rows],
    })


def blank_period_rows_of_another_sheet_period() -> MemoryBook:
    """配號設定 rows with a blank 申報年月 while the sheet's own 申報年月 is 114/03 ~ 114/04."""
    book = make_book(ISSUED, ISSUED)
    book.write_table(layout.table("配號設定"), allocation_frame([("A", "001", "KA", 12340000, 12340099)], period=""))
    book.write_params(layout.sheet("配號設定"), {"period": "11404"})
    book.write_table(layout.table("字軌配號"), _tracks([("KB", 56780000, 56780049, None)]))
    return book


def another_system_owns_a_track() -> MemoryBook:
    """No 配號設定 for the period; 字軌配號 has a track another system issues from."""
    book = make_book(ISSUED, ISSUED, machines=[])
    book.write_table(layout.table("字軌配號"), _tracks([("KA", 12340000, 12340099, None),
                                                       ("KC", 0, 49, "綠界")]))
    return book


def booklets_given_to_no_machine() -> MemoryBook:
    """配號設定 holds part of the MOF allocation; the other booklets are given to no machine."""
    book = make_book(ISSUED, ISSUED, machines=[("A", "001", "KA", 12340000, 12340049)])
    book.write_table(layout.table("字軌配號"), _tracks([("KA", 12340000, 12340199, None),
                                                       ("KB", 56780000, 56780049, None)]))
    return book


@pytest.mark.parametrize("shape", [blank_period_rows_of_another_sheet_period, another_system_owns_a_track,
                                   booklets_given_to_no_machine])
def test_upload_check_and_gaps_agree_on_what_is_allocated(shape: object) -> None:
    assert callable(shape)
    book: MemoryBook = shape()
    ctx = Context(io=book, now=lambda: NOW, user="t")
    upload = reconcile_uploads(ctx, period="11402")
    outside_upload = {r["發票號碼"] for r in upload.rows or [] if r["問題"] == "不在配號範圍"}
    try:
        gaps = check_gaps(ctx, "11402")
        register_rows = {f.where.row for f in gaps.findings if f.code == "gaps_outside_allocation"}
        register = book.read_table(layout.table("發票資料"))
        outside_gaps = {str(register.loc[r, "發票號碼"]) for r in register_rows}
        gap_tracks = {r["發票字軌"] for r in gaps.rows or []}
    except Exception as exc:  # no machine range at all for the period: then every number is outside
        assert "沒有配號資料" in str(exc)
        outside_gaps, gap_tracks = set(ISSUED), set()
    assert outside_upload == outside_gaps
    # and a track 跳號 are computed on is never a track whose numbers are 不在配號範圍
    assert not {n[:2] for n in outside_upload} & gap_tracks


def test_what_each_shape_means() -> None:
    """The shapes say what DESIGN says, not merely the same thing twice."""
    def outside(book: MemoryBook) -> set[str]:
        rows = reconcile_uploads(Context(io=book, now=lambda: NOW, user="t"), period="11402").rows or []
        return {r["發票號碼"][:2] for r in rows if r["問題"] == "不在配號範圍"}

    # a blank 申報年月 on 配號設定 is the sheet's own period (114/03 ~ 114/04): KA is not 114/01's
    assert outside(blank_period_rows_of_another_sheet_period()) == {"KA", "KC"}
    # 綠界's track is allocated to the company: not 不在配號範圍, even though no machine of ours holds it
    assert outside(another_system_owns_a_track()) == {"KB"}
    # booklets the MOF allocated but no machine holds are still allocated
    assert outside(booklets_given_to_no_machine()) == {"KC"}


def test_allocate_replaces_a_hand_typed_row_with_a_blank_period() -> None:
    """配號 reads 配號設定's rows as the allocation does: a row with a blank 申報年月 is the sheet's
    period, so re-allocating replaces it — before, it was left beside the new rows, overlapping them."""
    from invoicetools.actions.allocation import allocate_tracks
    from invoicetools.book.settings import write_settings

    book = MemoryBook.new()
    write_settings(book, {"統一編號": UBN, "申報年月": "11402", "帳別": "A"})
    book.write_table(layout.table("字軌配號"), _tracks([("KA", 12340000, 12340199, None)]))
    book.write_table(layout.table("機台配號設定"), pd.DataFrame({"帳別": ["A"], "機台號": ["001"], "組數": [2]}))
    book.write_table(layout.table("配號設定"), allocation_frame([("A", "001", "KA", 12340100, 12340199)], period=""))
    result = allocate_tracks(Context(io=book, now=lambda: NOW, user="t"), period="11402")
    assert result.exit_code in (0, 1), result.message
    rows = book.read_table(layout.table("配號設定"))
    assert len(rows) == 1 and rows.iloc[0]["申報年月"] == "11402"
