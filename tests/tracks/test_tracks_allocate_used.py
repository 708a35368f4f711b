"""Allocation never moves used numbers (DESIGN "Second edition"; issue 14 item 7) — end to end.

The accountant's story: tracks imported, machines set, 配號 done, invoices issued; then the
machines file changes (a new machine at the top, 組數 up or down, a machine removed) and 配號
is pressed again in the middle of the period. Booklets with issued numbers must stay on their
machines, no machine may get a booklet below its numbers (that reads as 跳號), and what
cannot be placed so is refused (exit 1, nothing written), naming the booklet and machines.

The ERP register is a CSV in the 發票資料 columns of the ERP screens accountants know
(../shared/reference/erp-manual.txt: 發票日期, 發票號碼, 帳別, 客戶名稱, 銷售額, 稅額, 總計, 狀態),
Big5 as the ERP writes it; the machines file has the headers of DESIGN "Settings and machines
from the CLI".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest
from fake_xlwings import FakeBook, layout_book
from trackbook import make_book, table_of
from trackdata import ALLOCATION, COMPANY, write_csv, write_mof_csv

import invoicetools.excel as excel
from invoicetools.actions.allocation import allocate_tracks
from invoicetools.actions.base import Context
from invoicetools.actions.tracks import import_tracks
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import write_settings
from invoicetools.book.xlwings_io import XlwingsBook
from invoicetools.cli import main
from invoicetools.domain.errors import ExitCode, Severity
from invoicetools.excel import _entry

MACHINE_HEADER = ("帳別", "機台號", "組數", "傳輸類別", "交換範圍", "所屬年月", "發票字軌", "分支機構統編")
REGISTER_HEADER = ("發票日期", "發票號碼", "帳別", "客戶名稱", "銷售額", "稅額", "總計", "狀態")
ALLOCATED = ("帳別", "機台號", "發票字軌", "起號", "迄號", "組數")

Machine = tuple[str, str, int, str]  # 帳別, 機台號, 組數, preferred 發票字軌


def machines_csv(path: Path, machines: Sequence[Machine]) -> Path:
    return write_csv(path, [[a, m, str(n), "B2C", "", "", t, ""] for a, m, n, t in machines],
                     header=MACHINE_HEADER, encoding="utf-8-sig")


def issued(track: str, first: int, count: int, account: str = "A", status: str = "開立") -> list[list[str]]:
    return [["2025/01/15", f"{track}{n:08d}", account, "散客", "100", "5", "105", status]
            for n in range(first, first + count)]


def register_csv(path: Path, rows: list[list[str]]) -> Path:
    return write_csv(path, rows, header=REGISTER_HEADER, encoding="cp950")


def rows_of(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    """The allocation's rows (組數 as a number, whichever backend read it)."""
    return [(*r[:5], int(float(r[5]))) for r in frame[list(ALLOCATED)].itertuples(index=False)]


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


FIRST: tuple[Machine, ...] = (("A", "001", 100, "KA"), ("A", "002", 100, "KA"), ("B", "001", 50, "KB"))
# A001 issued KA12340000–KA12340059 (two booklets), A002 KA12345000–KA12345029, B001 KB56780000–KB56780009
REGISTER = issued("KA", 12_340_000, 60) + issued("KA", 12_345_000, 30) + issued("KB", 56_780_000, 10, "B")


@pytest.fixture
def issued_book(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """Tracks imported, the first machines file allocated, then invoices issued on every machine."""
    book = make_book(tmp_path / "b.xlsm")
    b = ["--book", book]
    assert run(capsys, "tracks", "import", write_mof_csv(tmp_path / "invnoapply.csv"), *b)[0] == 0
    assert run(capsys, "machines", "import", machines_csv(tmp_path / "m1.csv", FIRST), *b)[0] == 0
    assert run(capsys, "tracks", "allocate", *b)[0] == 0
    assert run(capsys, "invoices", "import", register_csv(tmp_path / "erp.csv", REGISTER), *b)[0] == 0
    return book


def gap_rows(capsys: pytest.CaptureFixture[str], book: Path) -> list[tuple[str, str, str, str]]:
    code, out, err = run(capsys, "gaps", "--book", book, "--period", "11402", "--json")
    assert code in (0, 1), err
    return [(r["帳別"], r["機台號"], r["起號"], r["迄號"]) for r in json.loads(out) if r["類型"] == "跳號"]


def test_a_new_machine_at_the_top_moves_no_used_booklet_and_makes_no_false_gap(
    issued_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = table_of(issued_book, "配號設定")
    assert gap_rows(capsys, issued_book) == []
    changed = (("A", "000", 20, "KA"), ("A", "001", 100, "KA"), ("A", "002", 100, "KA"), ("B", "001", 50, "KB"))
    assert run(capsys, "machines", "import", machines_csv(tmp_path / "m2.csv", changed), "--book", issued_book)[0] == 0
    code, _, err = run(capsys, "tracks", "allocate", "--book", issued_book, "--json")
    assert code == 0, err
    after = table_of(issued_book, "配號設定")
    # the machines that issued keep their ranges; the new machine gets booklets nobody used
    assert rows_of(after) == [("A", "000", "KA", "12350000", "12350999", 20), *rows_of(before)]
    assert gap_rows(capsys, issued_book) == []


def test_more_booklets_continue_the_machines_range_fewer_keep_the_used_ones(
    issued_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = (("A", "001", 3, "KA"), ("A", "002", 150, "KA"), ("B", "001", 50, "KB"))
    assert run(capsys, "machines", "import", machines_csv(tmp_path / "m2.csv", changed), "--book", issued_book)[0] == 0
    assert run(capsys, "tracks", "allocate", "--book", issued_book)[0] == 0
    assert rows_of(table_of(issued_book, "配號設定")) == [
        ("A", "001", "KA", "12340000", "12340149", 3),
        ("A", "002", "KA", "12345000", "12352499", 150),
        ("B", "001", "KB", "56780000", "56782499", 50),
    ]
    assert gap_rows(capsys, issued_book) == []


def test_a_count_below_the_used_booklets_is_refused_naming_them(
    issued_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = table_of(issued_book, "配號設定")
    changed = (("A", "001", 1, "KA"), ("A", "002", 100, "KA"), ("B", "001", 50, "KB"))
    assert run(capsys, "machines", "import", machines_csv(tmp_path / "m2.csv", changed), "--book", issued_book)[0] == 0
    code, _, err = run(capsys, "tracks", "allocate", "--book", issued_book)
    assert code == 1
    assert "無法配號" in err
    assert "帳別 A 機台 001 已開立到 KA12340059，必須保留 KA12340000–KA12340099（共 2 組" in err
    assert "組數 1 組不夠" in err and "欄位「組數」" in err
    pd.testing.assert_frame_equal(table_of(issued_book, "配號設定"), before)


def test_a_removed_machine_holding_used_booklets_is_refused(
    issued_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = table_of(issued_book, "配號設定")
    changed = (("A", "001", 100, "KA"), ("B", "001", 50, "KB"))
    assert run(capsys, "machines", "import", machines_csv(tmp_path / "m2.csv", changed), "--book", issued_book)[0] == 0
    code, _, err = run(capsys, "tracks", "allocate", "--book", issued_book)
    assert code == 1
    assert "帳別 A 機台 002 已在 KA12345000–KA12345049 開立發票（例如 KA12345000）" in err
    assert "[機台配號設定]已沒有這台機台" in err
    pd.testing.assert_frame_equal(table_of(issued_book, "配號設定"), before)


def test_what_cannot_be_placed_above_a_machines_numbers_is_refused_naming_booklet_and_both_machines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    book = make_book(tmp_path / "b.xlsm")
    b = ["--book", book]
    run(capsys, "tracks", "import", write_mof_csv(tmp_path / "a.csv", ALLOCATION[:1]), *b)  # KA: 310 booklets
    run(capsys, "machines", "import", machines_csv(tmp_path / "m1.csv", (("A", "001", 300, ""), ("A", "002", 10, ""))),
        *b)
    assert run(capsys, "tracks", "allocate", *b)[0] == 0
    rows = issued("KA", 12_340_000, 6) + issued("KA", 12_355_000, 21)  # A002 starts at its first booklet
    assert run(capsys, "invoices", "import", register_csv(tmp_path / "erp.csv", rows), *b)[0] == 0
    before = table_of(book, "配號設定")
    # A002 now wants 210 booklets: only the 9 after its own are above its numbers
    run(capsys, "machines", "import", machines_csv(tmp_path / "m2.csv", (("A", "001", 100, ""), ("A", "002", 210, ""))),
        *b)
    code, _, err = run(capsys, "tracks", "allocate", *b)
    assert code == 1
    assert "帳別 A 機台 002 還需要" in err
    assert "KA12345000–KA12345049（原屬帳別 A 機台 001）" in err and "帳別 A 機台 002 已開立到 KA12355020" in err
    pd.testing.assert_frame_equal(table_of(book, "配號設定"), before)


def test_platform_numbers_count_as_used(issued_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # KA12346000 is on the platform only (the ERP export lacks it): A002 used its booklet
    status = write_csv(tmp_path / "status.csv", [["KA12346000", "2025/01/20", "已確認"]],
                       header=("發票號碼", "發票日期", "上傳狀態"), encoding="utf-8-sig")
    assert run(capsys, "status", "import", status, "--book", issued_book)[0] in (0, 1)
    changed = (("A", "001", 100, "KA"), ("A", "002", 2, "KA"), ("B", "001", 50, "KB"))
    assert run(capsys, "machines", "import", machines_csv(tmp_path / "m2.csv", changed), "--book", issued_book)[0] == 0
    code, _, err = run(capsys, "tracks", "allocate", "--book", issued_book)
    assert code == 1 and "必須保留 KA12345000–KA12346049（共 21 組" in err


# ------------------------------------------------------------------------------------------------
# the action and the Excel button
# ------------------------------------------------------------------------------------------------


def register_frame(rows: list[list[str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(REGISTER_HEADER))


def machines_frame(machines: Sequence[Machine]) -> pd.DataFrame:
    return pd.DataFrame([{"帳別": a, "機台號": m, "組數": n, "發票字軌": t or None} for a, m, n, t in machines],
                        columns=list(layout.table("機台配號設定").headers))


@pytest.fixture
def memory(ctx: Context, book: MemoryBook, tmp_path: Path) -> MemoryBook:
    import_tracks(ctx, [write_mof_csv(tmp_path / "invnoapply.csv")])
    book.write_table(layout.table("機台配號設定"), machines_frame(FIRST))
    assert allocate_tracks(ctx).exit_code == ExitCode.OK
    book.write_table(layout.table("發票資料"), register_frame(REGISTER))
    return book


def test_the_action_keeps_used_booklets_and_refuses_with_findings(ctx: Context, memory: MemoryBook) -> None:
    before = memory.read_table(layout.table("配號設定"))
    memory.write_table(layout.table("機台配號設定"), machines_frame(
        (("A", "000", 20, "KA"), ("A", "001", 100, "KA"), ("A", "002", 100, "KA"), ("B", "001", 50, "KB"))))
    result = allocate_tracks(ctx)
    assert result.exit_code == ExitCode.OK, result.findings
    after = memory.read_table(layout.table("配號設定"))
    assert rows_of(after)[1:] == rows_of(before)
    memory.write_table(layout.table("機台配號設定"), machines_frame((("A", "002", 100, "KA"),)))
    result = allocate_tracks(ctx)
    assert result.exit_code == ExitCode.FINDINGS
    refusals = [f for f in result.findings if f.severity is Severity.ERROR]
    assert [f.code for f in refusals] == ["alloc_used_removed", "alloc_used_removed"]  # A001 and B001
    assert refusals[0].where.sheet == "配號設定" and refusals[0].where.row is not None
    assert "配號結果沒有變更" in result.message
    pd.testing.assert_frame_equal(memory.read_table(layout.table("配號設定")), after)
    log = memory.read_table(layout.table("執行紀錄"))
    assert log["步驟"].tolist()[-1] == "配號"


def test_one_account_allocation_keeps_its_used_booklets_and_never_takes_anothers(
    ctx: Context, memory: MemoryBook
) -> None:
    # B's machine grows into KA; KA booklets A's machines used are never B's
    memory.write_table(layout.table("機台配號設定"), machines_frame(
        (("A", "001", 100, "KA"), ("A", "002", 100, "KA"), ("B", "001", 0, "KA"), ("B", "002", 1, "KB"))))
    refused = allocate_tracks(ctx, account="B")  # B001 must keep KB56780000
    assert refused.exit_code == ExitCode.FINDINGS and "帳別 B 機台 001 已開立到 KB56780009" in refused.message
    memory.write_table(layout.table("機台配號設定"), machines_frame(
        (("A", "001", 100, "KA"), ("A", "002", 100, "KA"), ("B", "001", 3, "KA"), ("B", "002", 1, "KB"))))
    result = allocate_tracks(ctx, account="B")
    assert result.exit_code == ExitCode.OK, result.findings
    rows = rows_of(memory.read_table(layout.table("配號設定")))
    assert ("B", "001", "KB", "56780000", "56780049", 1) in rows  # its used booklet
    assert ("A", "001", "KA", "12340000", "12344999", 100) in rows and ("A", "002", "KA", "12345000", "12349999", 100) in rows
    b001 = [r for r in rows if r[:2] == ("B", "001")]
    assert sum(int(r[5]) for r in b001) == 3 and all(r[3] >= "12350000" for r in b001 if r[2] == "KA")


def test_reuse_counts_below_the_used_booklets_is_refused(ctx: Context, memory: MemoryBook) -> None:
    allocation = memory.read_table(layout.table("配號設定"))
    previous = allocation.assign(申報年月="11312", 組數=1)  # last period every machine had one booklet
    memory.write_table(layout.table("配號設定"), pd.concat([previous, allocation], ignore_index=True))
    result = allocate_tracks(ctx, reuse_counts=True)
    assert result.exit_code == ExitCode.FINDINGS
    [refusal] = [f for f in result.findings if f.severity is Severity.ERROR]
    assert refusal.code == "alloc_used_count" and "按當期數量配號" in refusal.message
    assert "帳別 A 機台 001" in refusal.message


def test_a_machine_whose_used_booklets_are_not_contiguous(ctx: Context, memory: MemoryBook) -> None:
    ka = [("A", "001", "KA", "12340000", "12340099", 2), ("A", "002", "KA", "12340100", "12340199", 2),
          ("A", "001", "KA", "12340200", "12340299", 2)]
    frame = pd.DataFrame([dict(zip(ALLOCATED, r, strict=True)) | {"申報年月": "11402"} for r in ka],
                         columns=list(layout.table("配號設定").headers))
    memory.write_table(layout.table("配號設定"), frame)
    memory.write_table(layout.table("發票資料"), register_frame(
        issued("KA", 12_340_000, 3) + issued("KA", 12_340_200, 3)))
    memory.write_table(layout.table("機台配號設定"), machines_frame((("A", "002", 2, ""), ("A", "001", 5, ""))))
    result = allocate_tracks(ctx)
    assert result.exit_code == ExitCode.OK, result.findings
    # A001 keeps both used parts and what lies between them stays A002's; it grows after its last number
    assert rows_of(memory.read_table(layout.table("配號設定"))) == [
        ("A", "002", "KA", "12340100", "12340199", 2),
        ("A", "001", "KA", "12340000", "12340099", 2),
        ("A", "001", "KA", "12340200", "12340349", 3),
    ]
    # A002 gone: its booklets lie below A001's numbers, so A001 grows above, never into them
    memory.write_table(layout.table("機台配號設定"), machines_frame((("A", "001", 7, ""),)))
    assert allocate_tracks(ctx).exit_code == ExitCode.OK
    assert rows_of(memory.read_table(layout.table("配號設定"))) == [
        ("A", "001", "KA", "12340000", "12340099", 2),
        ("A", "001", "KA", "12340200", "12340449", 5),
    ]


def test_first_allocation_with_invoices_already_issued_is_unchanged_with_a_note(
    ctx: Context, book: MemoryBook, tmp_path: Path
) -> None:
    import_tracks(ctx, [write_mof_csv(tmp_path / "invnoapply.csv")])
    book.write_table(layout.table("機台配號設定"), machines_frame(FIRST))
    plain = MemoryBook.new()
    write_settings(plain, {"統一編號": COMPANY, "申報年月": "11402"})
    plain.write_table(layout.table("字軌配號"), book.read_table(layout.table("字軌配號")))
    plain.write_table(layout.table("機台配號設定"), machines_frame(FIRST))
    assert allocate_tracks(Context(io=plain)).exit_code == ExitCode.OK
    book.write_table(layout.table("發票資料"), register_frame(REGISTER))
    result = allocate_tracks(ctx)
    assert result.exit_code == ExitCode.OK
    [note] = [f for f in result.findings if f.code == "alloc_used_first"]
    assert note.severity is Severity.INFO and "4 組已有開立的發票" in note.message
    pd.testing.assert_frame_equal(book.read_table(layout.table("配號設定")), plain.read_table(layout.table("配號設定")))


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeBook:
    book = layout_book("InvoiceTools.xlsm", fullname=str(tmp_path / "InvoiceTools.xlsm"))
    io = XlwingsBook(book)
    write_settings(io, {"統一編號": COMPANY, "申報年月": "11402"})
    import_tracks(Context(io=io), [write_mof_csv(tmp_path / "invnoapply.csv")])
    io.write_table(layout.table("機台配號設定"), machines_frame(FIRST))
    monkeypatch.setattr(_entry, "_caller", lambda: book)
    return book


def test_the_allocate_button_in_excel_keeps_used_booklets_and_says_why_it_refuses(fake: FakeBook) -> None:
    excel.tracks_allocate()
    assert fake.app.alerts[-1]["mode"] == "info"
    io = XlwingsBook(fake)
    io.write_table(layout.table("發票資料"), register_frame(REGISTER))
    before = io.read_table(layout.table("配號設定"))
    io.write_table(layout.table("機台配號設定"), machines_frame(
        (("A", "000", 20, "KA"), ("A", "001", 100, "KA"), ("A", "002", 100, "KA"), ("B", "001", 50, "KB"))))
    excel.tracks_allocate()
    assert fake.app.alerts[-1]["mode"] == "info", fake.app.alerts[-1]
    after = io.read_table(layout.table("配號設定"))
    assert rows_of(after)[1:] == rows_of(before)
    assert after["起號"].tolist()[0] == "12350000"
    io.write_table(layout.table("機台配號設定"), machines_frame((("A", "001", 1, "KA"), ("A", "002", 100, "KA"),
                                                                   ("B", "001", 50, "KB"))))
    excel.tracks_allocate()
    alert = fake.app.alerts[-1]
    assert alert["mode"] == "critical"
    assert "無法配號" in alert["prompt"] and "必須保留 KA12340000–KA12340099（共 2 組" in alert["prompt"]
    status = fake.sheets["配號設定"].range(layout.sheet("配號設定").status_cell).value
    assert str(status).startswith("無法配號")
    pd.testing.assert_frame_equal(io.read_table(layout.table("配號設定")), after)


def test_a_used_booklet_no_machine_holds_is_handed_to_nobody(ctx: Context, memory: MemoryBook) -> None:
    # KA12350010 was issued in a spare booklet (another system, or a machine not in 配號設定)
    memory.write_table(layout.table("發票資料"), register_frame(REGISTER + issued("KA", 12_350_010, 1)))
    memory.write_table(layout.table("機台配號設定"), machines_frame(
        (("A", "000", 2, "KA"), ("A", "001", 100, "KA"), ("A", "002", 100, "KA"), ("B", "001", 50, "KB"))))
    result = allocate_tracks(ctx)
    [warning] = [f for f in result.findings if f.code == "alloc_used_unheld"]
    assert warning.severity is Severity.WARNING and warning.message.startswith("KA12350000–KA12350049 已有開立的發票")
    assert result.exit_code == ExitCode.FINDINGS
    assert rows_of(memory.read_table(layout.table("配號設定")))[0] == ("A", "000", "KA", "12350050", "12350149", 2)


def test_a_booklet_used_by_two_machines_is_refused(ctx: Context, memory: MemoryBook) -> None:
    halves = [("A", "001", "KA", "12340000", "12340024", 1), ("A", "002", "KA", "12340025", "12340049", 1)]
    memory.write_table(layout.table("配號設定"), pd.DataFrame(
        [dict(zip(ALLOCATED, r, strict=True)) | {"申報年月": "11402"} for r in halves],
        columns=list(layout.table("配號設定").headers)))
    memory.write_table(layout.table("發票資料"), register_frame(issued("KA", 12_340_001, 1) + issued("KA", 12_340_030, 1)))
    memory.write_table(layout.table("機台配號設定"), machines_frame((("A", "001", 1, ""), ("A", "002", 1, ""))))
    result = allocate_tracks(ctx)
    assert result.exit_code == ExitCode.FINDINGS
    [refusal] = result.errors
    assert refusal.code == "alloc_used_split"
    assert "KA12340000–KA12340049 已由帳別 A 機台 001（KA12340001）與帳別 A 機台 002（KA12340030）開立" in refusal.message
