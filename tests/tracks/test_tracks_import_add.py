"""Allocation imports add (DESIGN "Second edition"; issue 14 item 6).

A second E0501 or an additional allocation file for the same period joins the ranges already
imported; a range already there is unchanged; one overlapping a different range is an error
naming the file row and the 字軌配號 row, and nothing changes; ranges leave only when
replacing (``--replace``, in Excel a Yes/No box that lists the diff). The files are written in
the shapes they arrive in (trackdata: the MOF CSV columns, the E0501 4.1 envelope of the
Turnkey XSD in ../shared/reference/mig).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from ecpay_fake import FakeEcpay, serve
from fake_xlwings import FakeBook, layout_book
from trackbook import login_ecpay, make_book, tracks_of
from trackdata import (
    ALLOCATION,
    COMPANY,
    Range,
    e0501_envelope,
    ecpay_rows,
    mof_rows,
    whole_year,
    write_csv,
    write_mof_csv,
)

import invoicetools.excel as excel
from invoicetools.actions.base import Context
from invoicetools.actions.host import Host
from invoicetools.actions.tracks import import_tracks
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import write_settings
from invoicetools.book.xlwings_io import XlwingsBook
from invoicetools.cli import main
from invoicetools.domain.errors import ExitCode, Severity
from invoicetools.excel import _entry
from invoicetools.excel import tracks as buttons

TRACKS = layout.table("字軌配號")
EXTRA = Range("KD", 100, 199)  # an additional allocation: two booklets of a new track
SHORTER_KA = Range("KA", 12_340_000, 12_345_999)  # overlaps KA 12340000–12355499 but is not the same range


def table(book: MemoryBook) -> pd.DataFrame:
    return book.read_table(TRACKS)


def e0501_file(path: Path, ranges: list[Range]) -> Path:
    path.write_bytes(e0501_envelope(ranges))
    return path


# ------------------------------------------------------------------------------------------------
# the action (MemoryBook)
# ------------------------------------------------------------------------------------------------


def test_a_second_e0501_adds_its_ranges_and_keeps_the_first_files(ctx: Context, book: MemoryBook,
                                                                   tmp_path: Path) -> None:
    assert import_tracks(ctx, [e0501_file(tmp_path / "E0501_1.xml", list(ALLOCATION[:2]))]).exit_code == ExitCode.OK
    first = table(book)
    result = import_tracks(ctx, [e0501_file(tmp_path / "E0501_2.xml", [ALLOCATION[1], ALLOCATION[2], EXTRA])])
    assert result.exit_code == ExitCode.OK, result.findings
    t = table(book)
    assert t["發票字軌名稱"].tolist() == ["KA", "KB", "KC", "KD"]
    # the first file's rows are as they were (KB came again: unchanged, still the first file's)
    pd.testing.assert_frame_equal(t.iloc[:2].reset_index(drop=True), first.reset_index(drop=True))
    assert t["來源"].tolist() == ["E0501_1.xml", "E0501_1.xml", "E0501_2.xml", "E0501_2.xml"]
    assert "新增 2、未變更 1" in result.message
    added = [f for f in result.findings if f.code == "track_added"]
    assert [(Path(str(f.where.file)).name, f.severity) for f in added] == [("E0501_2.xml", Severity.INFO)] * 2
    assert "KD00000100–KD00000199（2 組）" in added[1].message
    assert not [f for f in result.findings if f.code == "track_removed"]
    # the same two files again, in any order: nothing changes
    again = import_tracks(ctx, [tmp_path / "E0501_2.xml", tmp_path / "E0501_1.xml"])
    assert "沒有變更" in again.message
    pd.testing.assert_frame_equal(table(book), t)


def test_an_additional_file_without_the_first_ranges_keeps_them(ctx: Context, book: MemoryBook,
                                                                tmp_path: Path) -> None:
    import_tracks(ctx, [write_mof_csv(tmp_path / "invnoapply.csv")])
    result = import_tracks(ctx, [write_mof_csv(tmp_path / "additional.csv", [EXTRA])])
    assert result.exit_code == ExitCode.OK
    assert table(book)["發票字軌名稱"].tolist() == ["KA", "KB", "KC", "KD"]
    assert "另有 3 個 114/01 ~ 114/02 的區間不在這次匯入的資料中，已保留" in result.message
    assert result.counts["移除"] == 0 and result.counts["新增"] == 1


def test_an_overlapping_different_range_is_an_error_and_nothing_changes(ctx: Context, book: MemoryBook,
                                                                         tmp_path: Path) -> None:
    import_tracks(ctx, [write_mof_csv(tmp_path / "v1.csv")])
    before = table(book)
    result = import_tracks(ctx, [write_mof_csv(tmp_path / "v2.csv", [EXTRA, SHORTER_KA])])
    assert result.exit_code == ExitCode.BAD_INPUT
    [err] = result.errors
    assert err.code == "track_overlap_existing"
    assert (err.where.file, err.where.row) == ("v2.csv", 3)  # the file's row
    assert "KA12340000–KA12345999 與[字軌配號]第 5 列" in err.message  # the sheet's row
    assert "已匯入的 KA12340000–KA12355499 重疊" in err.message and "--replace" in err.message
    assert "未匯入任何資料" in result.message and "取代匯入（--replace）" in result.message
    pd.testing.assert_frame_equal(table(book), before)


def test_the_same_range_keeps_what_the_sheet_says_and_warns(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    import_tracks(ctx, [write_mof_csv(tmp_path / "a.csv")])
    t = table(book)
    t.loc[t["發票字軌名稱"] == "KA", "擁有者"] = "本系統"
    book.write_table(TRACKS, t)
    header = ("營業人統編", "發票類別代號", "發票類別", "發票期別", "發票字軌名稱", "發票起號", "發票迄號", "擁有者")
    rows = [[*mof_rows(ALLOCATION[:1])[0], "其他系統"]]
    result = import_tracks(ctx, [write_csv(tmp_path / "o.csv", rows, header=header)])
    [warning] = [f for f in result.findings if f.code == "track_kept_value"]
    assert (warning.where.file, warning.where.row, warning.where.column) == ("o.csv", 2, "擁有者")
    assert "保留[字軌配號]的值" in warning.message and result.exit_code == ExitCode.FINDINGS
    assert table(book)["擁有者"].tolist() == ["本系統", None, None]
    # replacing takes the file's word, and says so
    replaced = import_tracks(ctx, [tmp_path / "o.csv"], replace=True)
    assert any(f.code == "track_changed" and "擁有者 本系統 → 其他系統" in f.message for f in replaced.findings)
    assert table(book)["發票字軌名稱"].tolist() == ["KA"]


def test_adding_to_one_period_of_a_whole_year(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    import_tracks(ctx, [write_mof_csv(tmp_path / "year.csv", whole_year())], all_year=True)
    result = import_tracks(ctx, [write_mof_csv(tmp_path / "p2.csv", [Range("MA", 0, 49, period="11404")])],
                           period="11404")
    assert result.exit_code == ExitCode.OK
    t = table(book)
    p2 = t[t["申報年月"] == "11404"]
    assert (p2["發票字軌名稱"] + p2["發票起號"]).tolist() == ["MA00000000", "MA12340000", "MB56780000", "MC00000000"]
    assert len(t) == 19


# ------------------------------------------------------------------------------------------------
# Excel: the [手動匯入] button asks before any range leaves, showing the diff
# ------------------------------------------------------------------------------------------------


def _button(book: MemoryBook, path: Path, answer: bool, prompts: list[str]) -> Context:
    def confirm(prompt: str) -> bool:
        prompts.append(prompt)
        return answer

    return Context(host=Host(choose_files=lambda *a: [path], confirm=confirm), io=book)


def test_the_button_asks_with_the_diff_and_no_keeps_everything(book: MemoryBook, tmp_path: Path) -> None:
    prompts: list[str] = []
    buttons._import(_button(book, write_mof_csv(tmp_path / "v1.csv"), True, prompts))
    assert prompts == []  # the first import removes nothing: no question
    before = table(book)
    corrected = write_mof_csv(tmp_path / "v2.csv", [SHORTER_KA, ALLOCATION[2], EXTRA])
    result = buttons._import(_button(book, corrected, False, prompts))
    [prompt] = prompts
    assert "新增 1、變更 1、移除 1" in prompt
    assert "變更 KA12340000–KA12345999：迄號 12355499 → 12345999" in prompt
    assert "移除 KB56780000–KB56787999" in prompt and "新增 KD00000100–KD00000199" in prompt
    assert "否：不匯入" in prompt
    assert result.exit_code == ExitCode.BAD_INPUT
    pd.testing.assert_frame_equal(table(book), before)
    # yes: the corrected file replaces the period's ranges
    result = buttons._import(_button(book, corrected, True, prompts))
    assert result.exit_code == ExitCode.FINDINGS  # a range was removed: a warning says which
    assert table(book)["發票字軌名稱"].tolist() == ["KA", "KC", "KD"]
    assert "已以匯入的資料取代" in result.message
    assert book.read_table(layout.table("執行紀錄"))["參數"].iloc[-1].count("replace") == 1


def test_the_button_on_a_file_lacking_ranges_asks_and_no_only_adds(book: MemoryBook, tmp_path: Path) -> None:
    prompts: list[str] = []
    buttons._import(_button(book, write_mof_csv(tmp_path / "v1.csv"), True, prompts))
    result = buttons._import(_button(book, write_mof_csv(tmp_path / "more.csv", [EXTRA]), False, prompts))
    [prompt] = prompts
    assert "移除 3" in prompt and "否：保留已匯入的區間，只加入新的區間" in prompt
    assert result.exit_code == ExitCode.OK
    assert table(book)["發票字軌名稱"].tolist() == ["KA", "KB", "KC", "KD"]


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBook:
    book = layout_book("InvoiceTools.xlsm", fullname=str(tmp_path / "InvoiceTools.xlsm"))
    write_settings(XlwingsBook(book), {"統一編號": COMPANY, "申報年月": "11402"})
    monkeypatch.setattr(_entry, "_caller", lambda: book)
    return book


def test_import_button_in_excel_adds_a_second_e0501_and_replaces_only_on_yes(fake: FakeBook, tmp_path: Path) -> None:
    fake.app.api.file_answers.append(str(e0501_file(tmp_path / "E0501_1.xml", list(ALLOCATION))))
    excel.tracks_import()
    fake.app.api.file_answers.append(str(e0501_file(tmp_path / "E0501_2.xml", [EXTRA])))
    fake.app.alert_answers.append("no")
    excel.tracks_import()
    question, done = fake.app.alerts[-2], fake.app.alerts[-1]
    assert question["buttons"] == "yes_no" and "移除 KA12340000–KA12355499" in question["prompt"]
    assert "已匯入 114/01 ~ 114/02 的配號" in done["prompt"] and done["mode"] == "info"
    tracks = XlwingsBook(fake).read_table(TRACKS)
    assert tracks["發票字軌名稱"].tolist() == ["KA", "KB", "KC", "KD"]
    assert tracks["發票起號"].tolist()[2] == "00000000"  # text with its zeros, in Excel too
    fake.app.api.file_answers.append(str(tmp_path / "E0501_2.xml"))
    fake.app.alert_answers.append("yes")
    excel.tracks_import()
    assert XlwingsBook(fake).read_table(TRACKS)["發票字軌名稱"].tolist() == ["KD"]


# ------------------------------------------------------------------------------------------------
# the command line: tracks import / tracks fetch, with and without --replace
# ------------------------------------------------------------------------------------------------


def test_cli_second_e0501_adds_an_overlap_is_refused_and_replace_shows_the_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = make_book(tmp_path / "b.xlsm")
    first = e0501_file(tmp_path / "E0501_1.xml", list(ALLOCATION))
    assert main(["tracks", "import", str(first), "--book", str(book)]) == 0
    second = e0501_file(tmp_path / "E0501_2.xml", [EXTRA])
    assert main(["tracks", "import", str(second), "--book", str(book)]) == 0
    assert tracks_of(book)["發票字軌名稱"].tolist() == ["KA", "KB", "KC", "KD"]
    before = tracks_of(book)
    capsys.readouterr()
    corrected = write_mof_csv(tmp_path / "corrected.csv", [SHORTER_KA, *ALLOCATION[1:]])
    assert main(["tracks", "import", str(corrected), "--book", str(book)]) == 2
    err = capsys.readouterr().err
    assert "檔案 corrected.csv 第 2 列" in err and "[字軌配號]第 5 列" in err and "--replace" in err
    pd.testing.assert_frame_equal(tracks_of(book), before)
    assert main(["tracks", "import", str(corrected), "--book", str(book), "--replace"]) == 1
    err = capsys.readouterr().err
    assert "變更 KA12340000–KA12345999：迄號 12355499 → 12345999" in err
    assert "移除 KD00000100–KD00000199" in err and "新增 1、變更 1、移除 1、未變更 2" not in err
    assert "變更 1、移除 1、未變更 2" in err
    assert tracks_of(book)["發票字軌名稱"].tolist() == ["KA", "KB", "KC"]


def test_cli_fetch_adds_and_replaces_only_with_replace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    book = make_book(tmp_path / "b.xlsm")
    assert main(["tracks", "import", str(write_mof_csv(tmp_path / "invnoapply.csv")), "--book", str(book)]) == 0
    fake = FakeEcpay()
    fake.allocations = {"B2C": ecpay_rows([EXTRA])}  # the centre holds an additional allocation only
    with serve(fake) as url:
        assert login_ecpay(book, monkeypatch, url) == 0
        assert main(["tracks", "fetch", "--book", str(book)]) == 0
        assert tracks_of(book)["來源"].tolist() == ["invnoapply.csv"] * 3 + ["ECPay"]
        fake.allocations = {"B2C": ecpay_rows([SHORTER_KA])}
        capsys.readouterr()
        assert main(["tracks", "fetch", "--book", str(book)]) == 2
        assert "與[字軌配號]第 5 列" in capsys.readouterr().err
        assert len(tracks_of(book)) == 4
        assert main(["tracks", "fetch", "--book", str(book), "--replace"]) == 1
    err = capsys.readouterr().err
    assert "移除 KB56780000–KB56787999" in err and "移除 KD00000100–KD00000199" in err
    assert tracks_of(book)["發票字軌名稱"].tolist() == ["KA"]
