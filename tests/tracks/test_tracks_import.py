"""手動匯入 on a MemoryBook: idempotent, changes reported, owners kept, checks with findings, all or nothing."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
import pytest
from trackdata import (
    ALLOCATION,
    BRANCH,
    COMPANY,
    OTHER_COMPANY,
    Range,
    e0501_envelope,
    mof_rows,
    whole_year,
    write_csv,
    write_mof_csv,
)

from invoicetools.actions.base import Context
from invoicetools.actions.tracks import import_tracks
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import write_settings
from invoicetools.domain.errors import ExitCode, InputError, Severity

TRACKS = layout.table("字軌配號")
SHEET = layout.sheet("配號設定")


def table(book: MemoryBook) -> pd.DataFrame:
    return book.read_table(TRACKS)


def test_first_import_fills_the_table_in_the_mof_form(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    result = import_tracks(ctx, [write_mof_csv(tmp_path / "invnoapply.csv")])
    assert result.exit_code == ExitCode.OK, result.findings
    t = table(book)
    assert list(t.columns) == list(TRACKS.headers)
    assert t[["營業人統編", "發票類別代號", "發票類別", "發票期別", "發票字軌名稱", "發票起號", "發票迄號", "申報年月", "組數"]
             ].values.tolist() == [
        [COMPANY, "07", "一般稅額計算", "114/01 ~ 114/02", "KA", "12340000", "12355499", "11402", 310],
        [COMPANY, "07", "一般稅額計算", "114/01 ~ 114/02", "KB", "56780000", "56787999", "11402", 160],
        [COMPANY, "08", "特種稅額計算", "114/01 ~ 114/02", "KC", "00000000", "00000049", "11402", 1],
    ]
    assert set(t["來源"]) == {"invnoapply.csv"}
    assert set(t["匯入時間"]) == {datetime.datetime(2025, 1, 2, 9, 0)}
    assert t["擁有者"].isna().all()
    assert result.counts["組數"] == 471
    assert "已匯入 114/01 ~ 114/02 的配號：3 個區間，共 471 組" in result.message
    assert book.status["配號設定"].startswith("已匯入")
    log = book.read_table(layout.table("執行紀錄"))
    assert log["步驟"].tolist() == ["配號匯入"]
    assert result.rows is not None and len(result.rows) == 3


def test_importing_the_same_file_twice_changes_nothing(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    path = write_mof_csv(tmp_path / "invnoapply.csv")
    import_tracks(ctx, [path])
    before = table(book)
    again = import_tracks(ctx, [path])
    assert again.exit_code == ExitCode.OK
    assert "沒有變更" in again.message
    pd.testing.assert_frame_equal(table(book), before)
    # the same data from E0501 changes nothing either (the old rows keep their 來源 and time)
    env = tmp_path / "E0501.xml"
    env.write_bytes(e0501_envelope(ALLOCATION))
    third = import_tracks(ctx, [env])
    assert third.exit_code == ExitCode.OK and "沒有變更" in third.message
    pd.testing.assert_frame_equal(table(book), before)


def test_a_changed_file_shows_what_changed(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    import_tracks(ctx, [write_mof_csv(tmp_path / "v1.csv")])
    changed = [Range("KA", 12_340_000, 12_345_999), ALLOCATION[2], Range("KD", 100, 199)]  # KA shorter, KB gone, KD new
    result = import_tracks(ctx, [write_mof_csv(tmp_path / "v2.csv", changed)], replace=True)
    by_code = {f.code: f for f in result.findings}
    assert set(by_code) == {"track_added", "track_changed", "track_removed"}
    assert "KD00000100–KD00000199" in by_code["track_added"].message
    assert by_code["track_added"].where.file == "v2.csv" and by_code["track_added"].where.row == 4
    assert "迄號 12355499 → 12345999" in by_code["track_changed"].message
    assert by_code["track_removed"].where.sheet == "字軌配號" and by_code["track_removed"].where.row == 6
    assert by_code["track_removed"].severity is Severity.WARNING
    assert result.exit_code == ExitCode.FINDINGS
    assert "新增 1、變更 1、移除 1、未變更 1" in result.message
    assert table(book)["發票字軌名稱"].tolist() == ["KA", "KC", "KD"]
    # the unchanged KC row kept its source; the changed ones name the new file
    assert table(book)["來源"].tolist() == ["v2.csv", "v1.csv", "v2.csv"]


def test_owner_typed_by_the_accountant_survives_a_reimport(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    path = write_mof_csv(tmp_path / "invnoapply.csv")
    import_tracks(ctx, [path])
    t = table(book)
    t.loc[t["發票字軌名稱"] == "KB", "擁有者"] = "綠界"
    t.loc[t["發票字軌名稱"] == "KA", "擁有者"] = "本系統"
    book.write_table(TRACKS, t)
    result = import_tracks(ctx, [path])
    assert "沒有變更" in result.message
    assert table(book)["擁有者"].tolist() == ["本系統", "綠界", None]
    # KA split into two rows by a new file: both parts keep 本系統
    split = [Range("KA", 12_340_000, 12_345_999), Range("KA", 12_346_000, 12_355_499), *ALLOCATION[1:]]
    import_tracks(ctx, [write_mof_csv(tmp_path / "split.csv", split)], replace=True)
    t = table(book)
    assert t.loc[t["發票字軌名稱"] == "KA", "擁有者"].tolist() == ["本系統", "本系統"]
    assert t.loc[t["發票字軌名稱"] == "KB", "擁有者"].tolist() == ["綠界"]


def test_owner_column_in_the_source_is_taken(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    rows = [[*row, owner] for row, owner in zip(mof_rows(ALLOCATION), ["本系統", "其他系統", ""], strict=True)]
    header = ("營業人統編", "發票類別代號", "發票類別", "發票期別", "發票字軌名稱", "發票起號", "發票迄號", "擁有者")
    import_tracks(ctx, [write_csv(tmp_path / "o.csv", rows, header=header)])
    assert table(book)["擁有者"].tolist() == ["本系統", "其他系統", None]


def test_other_periods_are_kept_and_the_period_asked_for_is_imported(
    ctx: Context, book: MemoryBook, tmp_path: Path
) -> None:
    year = whole_year()
    path = write_mof_csv(tmp_path / "year.csv", year)
    result = import_tracks(ctx, [path])  # 申報年月 11402 in 設定, not the whole year
    assert result.exit_code == ExitCode.OK
    assert set(table(book)["申報年月"]) == {"11402"}
    skipped = [f for f in result.findings if f.code == "track_other_period"]
    assert len(skipped) == 5 and all(f.severity is Severity.INFO for f in skipped)
    assert "略過 114/03 ~ 114/04 的 3 個區間" in skipped[0].message
    result = import_tracks(ctx, [path], all_year=True)
    assert sorted(set(table(book)["申報年月"])) == ["11402", "11404", "11406", "11408", "11410", "11412"]
    assert len(table(book)) == 18
    # a new file for one period replaces only that period
    only = [Range("MA", 0, 49, period="11404")]
    import_tracks(ctx, [write_mof_csv(tmp_path / "p2.csv", only)], period="11404", replace=True)
    t = table(book)
    assert t.loc[t["申報年月"] == "11404", "發票字軌名稱"].tolist() == ["MA"]
    assert len(t) == 16


def test_a_file_without_the_period_asked_for_is_refused(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    path = write_mof_csv(tmp_path / "p.csv", [Range("MA", 0, 49, period="11404")])
    result = import_tracks(ctx, [path])
    assert result.exit_code == ExitCode.BAD_INPUT
    [err] = [f for f in result.findings if f.severity is Severity.ERROR]
    assert err.code == "track_no_period" and "114/03 ~ 114/04" in err.message and err.where.file == "p.csv"
    assert table(book).empty
    # the sheet's parameters choose the period
    book.write_params(SHEET, {"period": "11404"})
    assert import_tracks(ctx, [path]).exit_code == ExitCode.OK


def test_another_companys_rows_are_refused_and_nothing_is_written(
    ctx: Context, book: MemoryBook, tmp_path: Path
) -> None:
    import_tracks(ctx, [write_mof_csv(tmp_path / "ok.csv")])
    before = table(book)
    bad = [*ALLOCATION[:2], Range("KE", 0, 49, ban=OTHER_COMPANY)]
    result = import_tracks(ctx, [write_mof_csv(tmp_path / "mixed.csv", bad)])
    assert result.exit_code == ExitCode.BAD_INPUT
    [f] = [f for f in result.findings if f.severity is Severity.ERROR]
    assert (f.code, f.where.file, f.where.row, f.where.column) == ("track_other_company", "mixed.csv", 4, "營業人統編")
    assert "未匯入任何資料" in result.message
    pd.testing.assert_frame_equal(table(book), before)
    findings_sheet = book.read_table(layout.table("檢核訊息"))
    assert findings_sheet["代碼"].tolist() == ["track_other_company"]
    assert findings_sheet["列"].tolist() == [4]


def test_overlaps_and_duplicates_within_an_import(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    rows = mof_rows([*ALLOCATION, ALLOCATION[1], Range("KA", 12_355_000, 12_356_999)])
    result = import_tracks(ctx, [write_csv(tmp_path / "dup.csv", rows)])
    codes = {f.code: f for f in result.findings}
    assert codes["track_duplicate"].severity is Severity.WARNING and codes["track_duplicate"].where.row == 5
    assert "與第 3 列重複" in codes["track_duplicate"].message
    overlap = codes["track_overlap"]
    assert overlap.where.row == 6 and "第 2 列" in overlap.message and overlap.severity is Severity.ERROR
    assert table(book).empty
    # across two files: the later file's row is the one reported, naming the other file
    one = write_mof_csv(tmp_path / "one.csv", ALLOCATION[:1])
    two = write_mof_csv(tmp_path / "two.csv", [Range("KA", 12_355_000, 12_356_999)])
    result = import_tracks(ctx, [one, two])
    [f] = [f for f in result.findings if f.code == "track_overlap"]
    assert f.where.file == "two.csv" and "one.csv" in f.message
    # the same range in two files (CSV and E0501) is simply imported once
    env = tmp_path / "E0501.xml"
    env.write_bytes(e0501_envelope(ALLOCATION))
    result = import_tracks(ctx, [write_mof_csv(tmp_path / "all.csv"), env])
    assert result.exit_code == ExitCode.OK and len(table(book)) == 3


def test_overlap_with_rows_already_imported_for_another_ubn(tmp_path: Path) -> None:
    book = MemoryBook.new()
    write_settings(book, {"申報年月": "11402"})  # no company UBN: any UBN is taken, with a warning
    ctx = Context(io=book)
    first = import_tracks(ctx, [write_mof_csv(tmp_path / "a.csv", ALLOCATION[:1])])
    assert [f.code for f in first.findings] == ["track_no_company"] and first.exit_code == ExitCode.FINDINGS
    other = write_mof_csv(tmp_path / "b.csv", [Range("KA", 12_355_450, 12_355_549, ban=BRANCH)])
    result = import_tracks(ctx, [other])
    [f] = [f for f in result.findings if f.severity is Severity.ERROR]
    assert f.code == "track_overlap_existing" and f.where.file == "b.csv" and f.where.row == 2
    assert "[字軌配號]第 5 列" in f.message and COMPANY in f.message


def test_an_unreadable_sheet_row_is_kept_as_it_is(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    import_tracks(ctx, [write_mof_csv(tmp_path / "a.csv")])
    t = table(book)
    t = pd.concat([t, pd.DataFrame([{"營業人統編": "手寫", "發票字軌名稱": "??"}])], ignore_index=True)
    book.write_table(TRACKS, t)
    result = import_tracks(ctx, [write_mof_csv(tmp_path / "a.csv")])
    assert [f.code for f in result.findings] == ["track_sheet_row"]
    assert result.findings[0].where.row == 8
    assert table(book)["營業人統編"].tolist()[-1] == "手寫"


def test_no_file_is_bad_usage(ctx: Context) -> None:
    with pytest.raises(InputError):
        import_tracks(ctx, [])


def test_an_empty_file_is_reported(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "empty.csv", [])
    result = import_tracks(ctx, [path])
    assert result.exit_code == ExitCode.BAD_INPUT
    assert [f.code for f in result.findings] == ["track_empty"]
