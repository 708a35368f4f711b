"""Issue 14: a filing you can trust — no false all-clear, no silently dropped numbers.

Each case runs through the CLI on a real workbook file and through the Excel entry points
(the fake xlwings book), and says the same in both (DESIGN "Step semantics — Second edition").
The books are the gap tests' small company (tests/gaps/gapbook.py): 帳別 A machines 001/002 on
KA, 帳別 B machine 001 on KB, period 11402.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from fake_xlwings import FakeBook, layout_book
from gapbook import PERIOD, UBN, allocation_frame, platform_frame, register_frame, standard_register

import invoicetools.excel as excel
from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.book.settings import read_settings, write_settings
from invoicetools.book.xlwings_io import XlwingsBook
from invoicetools.cli import main
from invoicetools.excel import _entry

SRC = Path("UpCast", "B2PMESSAGE", "E0402", "SRC")


def _tracks(rows: list[tuple[str, int, int, str | None]], ban: str = UBN) -> pd.DataFrame:
    return pd.DataFrame({
        "營業人統編": ban, "發票類別代號": "07", "發票期別": "114/01 ~ 114/02",
        "發票字軌名稱": [r[0] for r in rows], "發票起號": [f"{r[1]:08d}" for r in rows],
        "發票迄號": [f"{r[2]:08d}" for r in rows], "擁有者": [r[3] for r in rows],
    })


def _fill(io: object, *, register: list[str] | None = None, platform: list[str] | None = None,
          tracks: pd.DataFrame | None = None, settings: dict[str, str | None] | None = None) -> None:
    """The small company's book: settings, allocation, register, platform (downloaded 2025/03/01)."""
    from invoicetools.book.io import WorkbookIO

    assert isinstance(io, WorkbookIO)
    reg = standard_register() if register is None else register
    write_settings(io, {"統一編號": UBN, "申報年月": PERIOD, "帳別": "A", **(settings or {})})
    io.write_table(layout.table("配號設定"), allocation_frame())
    io.write_table(layout.table("發票資料"), register_frame(reg))
    io.write_table(layout.table("平台狀況"), platform_frame(reg if platform is None else platform))
    io.write_params(layout.sheet("平台狀況"), {"downloaded_at": "2025/03/01 09:00"})
    if tracks is not None:
        io.write_table(layout.table("字軌配號"), tracks)


@pytest.fixture
def book(template_book: Path) -> Path:
    fb = FileBook(template_book)
    _fill(fb)
    fb.commit()
    fb.close()
    return template_book


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def edit(path: Path, **kwargs: object) -> None:
    fb = FileBook(path)
    _fill(fb, **kwargs)  # type: ignore[arg-type]
    fb.commit()
    fb.close()


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBook:
    wb = layout_book("InvoiceTools.xlsm", fullname=str(tmp_path / "InvoiceTools.xlsm"))
    _fill(XlwingsBook(wb))
    monkeypatch.setattr(_entry, "_caller", lambda: wb)
    return wb


def last_alert(wb: FakeBook) -> dict[str, object]:
    return wb.app.alerts[-1]


# --- 1. no all-clear without data ---------------------------------------------------------------


def test_no_invoices_in_the_period_is_exit_1_not_congratulations(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "check-upload", "--book", str(book), "--period", "11404")  # register is Jan–Feb
    assert code == 1 and "沒有發票資料可檢核" in err and "恭喜您" not in err
    code, _, err = cli(capsys, "check-upload", "--book", str(book), "--period", PERIOD, "--account", "Z")
    assert code == 1 and "沒有發票資料可檢核" in err


def test_no_invoices_in_excel_says_the_same_on_the_sheet_and_in_the_box(fake: FakeBook) -> None:
    sheet = layout.sheet("漏上傳檢核")
    fake.sheets[sheet.name].type_in(sheet.param("period").cell, [["11404"]])
    excel.check_upload()
    shown = str(last_alert(fake)["prompt"])
    assert "沒有發票資料可檢核" in shown and "恭喜您" not in shown and last_alert(fake)["mode"] == "critical"
    assert sheet.status_cell is not None
    status = str(fake.sheets[sheet.name].range(sheet.status_cell).value)
    assert "沒有發票資料可檢核" in status and "恭喜您" not in status  # the sheet's status line says the same


def test_batch_counts_a_client_without_invoices_as_needing_action(tmp_path: Path, template_book: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "clients"
    folder.mkdir()
    client = folder / "client.xlsm"
    client.write_bytes(template_book.read_bytes())
    edit(client, register=[])
    code, out, _ = cli(capsys, "batch", str(folder), "--period", PERIOD, "--steps", "check-upload",
                       "--today", "2025-03-02")
    assert code == 1 and "需處理 1" in out and "完成 0" in out


# --- 2. 平台已作廢 and pending ----------------------------------------------------------------------


def test_platform_cancelled_is_a_row_and_pending_is_counted(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fb = FileBook(book)
    plat = platform_frame(standard_register())
    plat.loc[plat["發票號碼"] == "KA12340001", "狀態"] = "作廢"
    plat.loc[plat["發票號碼"] == "KA12340002", "狀態"] = "處理中"
    fb.write_table(layout.table("平台狀況"), plat)
    fb.commit()
    fb.close()
    code, out, err = cli(capsys, "check-upload", "--book", str(book), "--period", PERIOD, "--json")
    rows = json.loads(out)
    assert code == 1 and [(r["問題"], r["發票號碼"]) for r in rows] == [("平台已作廢", "KA12340001")]
    assert "1 張平台仍在處理中" in err and "重新[下載平台發票狀況]" in err and "恭喜您" not in err


# --- 3. void runs the upload check itself ---------------------------------------------------------


def test_void_runs_the_upload_check_and_refuses_while_it_has_rows(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    reg = standard_register()
    edit(book, platform=[n for n in reg if n != "KA12340030"])  # never checked, one upload missing
    code, _, err = cli(capsys, "gaps", "--book", str(book), "--void")
    assert code == 1 and "不能整批作廢" in err and "未上傳 1 筆" in err
    edit(book, platform=reg)
    code, out, _ = cli(capsys, "gaps", "--book", str(book), "--void")
    assert code == 0 and "已整批作廢" in out


def test_void_refuses_on_a_stale_platform_status(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fb = FileBook(book)
    fb.write_params(layout.sheet("平台狀況"), {"downloaded_at": "2025/01/10 09:00"})  # before the newest invoice
    fb.commit()
    fb.close()
    code, _, err = cli(capsys, "gaps", "--book", str(book), "--void")
    assert code == 1 and "早於最新一張發票的開立時間" in err


# --- 4. E0402 refusals ----------------------------------------------------------------------------


def test_e0402_refuses_without_a_platform_status_and_force_overrides(book: Path, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "out"
    assert cli(capsys, "gaps", "--book", str(book), "--void")[0] == 0
    fb = FileBook(book)
    fb.write_params(layout.sheet("平台狀況"), {"downloaded_at": None})
    fb.commit()
    fb.close()
    code, _, err = cli(capsys, "e0402", "--book", str(book), "--out", str(out_dir))
    assert code == 1 and "平台發票狀況尚未下載" in err and not out_dir.exists()
    code, out, _ = cli(capsys, "e0402", "--book", str(book), "--out", str(out_dir), "--force", "平台故障，先申報")
    assert code == 0 and "強制轉出" in out and len(list(out_dir.glob("*.xml"))) == 2


def test_e0402_refuses_booklets_nobody_reports_and_force_does_not_override(book: Path, tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    edit(book, tracks=_tracks([("KA", 12340000, 12340299, None), ("KB", 56780000, 56780049, None)]))
    assert cli(capsys, "gaps", "--book", str(book), "--void")[0] == 0
    out_dir = tmp_path / "out"
    for extra in ([], ["--force", "趕期限"]):
        code, _, err = cli(capsys, "e0402", "--book", str(book), "--out", str(out_dir), *extra)
        assert code == 1 and "字軌 KA 12340200~12340299（2 組） 沒有分配給機台" in err
        assert "其他系統開立發票=否" in err and "tracks owner" in err and "不能強制轉出" in err
        assert not out_dir.exists()
    # decided either way, it goes: 否 → the booklets are this system's blanks
    assert cli(capsys, "settings", "--book", str(book), "其他系統開立發票=否")[0] == 0
    assert read_settings(FileBook(book)).other_systems is False
    code, out, _ = cli(capsys, "e0402", "--book", str(book), "--out", str(out_dir), "--json")
    ka = next(r for r in json.loads(out) if r["發票字軌"] == "KA")
    assert code == 0 and ka["空白區間"].endswith("12340151~12340299")  # machine 002's tail and the two booklets


def test_tracks_owner_decides_some_booklets_from_the_command_line(book: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    edit(book, tracks=_tracks([("KA", 12340000, 12340299, None), ("KB", 56780000, 56780049, None)]))
    assert cli(capsys, "gaps", "--book", str(book), "--void")[0] == 0
    code, out, _ = cli(capsys, "tracks", "owner", "--book", str(book), "KA:12340200-12340249", "其他系統")
    assert code == 0 and "KA12340200–KA12340249（1 組）：擁有者 （空白） → 其他系統" in out
    code, _, err = cli(capsys, "e0402", "--book", str(book), "--out", str(tmp_path / "out"))
    assert code == 1 and "12340250~12340299（1 組）" in err and "12340200~" not in err
    assert cli(capsys, "tracks", "owner", "--book", str(book), "KA:12340250-12340299", "本系統")[0] == 0
    code, out, _ = cli(capsys, "e0402", "--book", str(book), "--out", str(tmp_path / "out"), "--json")
    ka = next(r for r in json.loads(out) if r["發票字軌"] == "KA")
    assert code == 0 and ka["空白區間"].endswith("12340151~12340199、12340250~12340299")
    code, _, err = cli(capsys, "tracks", "owner", "--book", str(book), "KA:12340210-12340249", "本系統")
    assert code == 2 and "不是整本" in err


def test_e0402_refuses_a_track_of_another_ubn(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """設定's 統一編號 changed after the tracks were imported: no file with HeadBan ≠ BranchBan silently."""
    assert cli(capsys, "gaps", "--book", str(book), "--void")[0] == 0
    fb = FileBook(book)
    write_settings(fb, {"統一編號": "12345675"})
    fb.commit()
    fb.close()
    for extra in ([], ["--force", "我確定"]):
        code, _, err = cli(capsys, "e0402", "--book", str(book), "--out", str(tmp_path / "out"), *extra)
        assert code == 1 and "53212539" in err and "不是[設定]的統一編號 12345675" in err
        assert not (tmp_path / "out").exists()


def test_e0402_in_excel_asks_for_a_reason_only_when_a_reason_can_help(fake: FakeBook, tmp_path: Path) -> None:
    XlwingsBook(fake).write_table(layout.table("字軌配號"), _tracks([("KA", 12340000, 12340299, None),
                                                                   ("KB", 56780000, 56780049, None)]))
    fake.app.alert_answers.extend(["yes"])
    excel.gaps_void()
    fake.sheets["E0402"].type_in("B4", [[str(tmp_path)]])
    asked_before = len(fake.app.api.calls)
    excel.e0402_export()
    assert "沒有分配給機台" in str(last_alert(fake)["prompt"]) and last_alert(fake)["mode"] == "critical"
    assert len(fake.app.api.calls) == asked_before  # not overridable: no input box for a reason
    assert not list(tmp_path.glob("*.xml"))


def test_changed_reexport_needs_yes_on_the_command_line(book: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    b = ["--book", str(book)]
    out_dir = tmp_path / "out"
    assert cli(capsys, "gaps", *b, "--void")[0] == 0
    assert cli(capsys, "e0402", *b, "--out", str(out_dir))[0] == 0
    reg = [*standard_register(), "KB56780040"]
    edit(book, register=reg, platform=reg)
    assert cli(capsys, "gaps", *b, "--void")[0] == 0
    before = {p.name: p.read_bytes() for p in out_dir.iterdir()}
    code, _, err = cli(capsys, "e0402", *b, "--out", str(out_dir))
    assert code == 1 and "--yes" in err and "字軌 KB" in err
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == before
    code, out, _ = cli(capsys, "e0402", *b, "--out", str(out_dir), "--yes")
    assert code == 0 and "與上次轉出相比" in out


# --- 8. periods need a year -------------------------------------------------------------------------


def test_a_period_without_a_year_is_bad_input(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "settings", "--book", str(book), "申報年月=01-02")
    assert code == 2 and "要寫出民國年" in err and "11402" in err
    assert read_settings(FileBook(book)).period is not None and read_settings(FileBook(book)).period.code == PERIOD
    code, _, err = cli(capsys, "check-upload", "--book", str(book), "--period", "1-2月")
    assert code == 2 and "要寫出民國年" in err


def test_a_period_without_a_year_in_excel_is_bad_input(fake: FakeBook) -> None:
    sheet = layout.sheet("漏上傳檢核")
    fake.sheets[sheet.name].type_in(sheet.param("period").cell, [["01-02"]])
    excel.check_upload()
    shown = str(last_alert(fake)["prompt"])
    assert last_alert(fake)["mode"] == "critical" and "要寫出民國年" in shown and "恭喜您" not in shown


def test_platform_cancelled_in_excel_is_a_row_on_the_sheet(fake: FakeBook) -> None:
    plat = platform_frame(standard_register())
    plat.loc[plat["發票號碼"] == "KA12340001", "狀態"] = "作廢"
    XlwingsBook(fake).write_table(layout.table("平台狀況"), plat)
    excel.check_upload()
    rows = XlwingsBook(fake).read_table(layout.table("漏上傳檢核"))
    assert rows["問題"].tolist() == ["平台已作廢"] and rows["發票號碼"].tolist() == ["KA12340001"]
    assert "平台已作廢 1" in str(last_alert(fake)["prompt"]) and last_alert(fake)["mode"] == "critical"
