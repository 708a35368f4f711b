"""轉出E0401: branch allocations, XSD-valid for the MIG version in 設定, written atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from trackdata import ALLOCATION, BRANCH, COMPANY, Range, write_mof_csv

from invoicetools.actions.allocation import allocate_tracks
from invoicetools.actions.base import Context
from invoicetools.actions.e0401 import e0401_folder, export_e0401
from invoicetools.actions.tracks import import_tracks
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.book.settings import read_settings, write_settings
from invoicetools.domain.errors import ExitCode, InputError
from invoicetools.mig import e0401
from invoicetools.steps.tracks import branch_plans

MACHINES = layout.table("機台配號設定")
ALLOC = layout.table("配號設定")

SECOND_BRANCH = "04595257"


def machines(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(MACHINES.headers))
    frame.index = range(5, 5 + len(frame))
    return frame


@pytest.fixture
def allocated(ctx: Context, book: MemoryBook, tmp_path: Path) -> MemoryBook:
    assert import_tracks(ctx, [write_mof_csv(tmp_path / "invnoapply.csv")]).exit_code == ExitCode.OK
    book.write_table(MACHINES, machines([
        {"帳別": "A", "機台號": "001", "組數": 200, "發票字軌": "KA"},
        {"帳別": "Z", "機台號": "分店1", "組數": 3, "發票字軌": "KA", "分支機構統編": BRANCH},
        {"帳別": "Z", "機台號": "分店2", "組數": 2, "發票字軌": "KA", "分支機構統編": BRANCH},
        {"帳別": "Y", "機台號": "分店3", "組數": 1, "發票字軌": "KC", "分支機構統編": SECOND_BRANCH},
    ]))
    assert allocate_tracks(ctx).exit_code == ExitCode.OK
    return book


def turnkey_root(tmp_path: Path) -> Path:
    root = tmp_path / "EINVTurnkey"
    (root / "UpCast").mkdir(parents=True)
    return root


@pytest.mark.parametrize("version", ["4.1", "4.0", "3.2"])
def test_e0401_files_validate_and_go_into_turnkey(
    ctx: Context, allocated: MemoryBook, tmp_path: Path, version: str
) -> None:
    write_settings(allocated, {"MIG版本": version, "Turnkey資料夾": str(turnkey_root(tmp_path))})
    result = export_e0401(ctx)
    assert result.exit_code == ExitCode.OK, result.findings
    src = tmp_path / "EINVTurnkey" / "UpCast" / "B2PMESSAGE" / "E0401" / "SRC"
    files = sorted(p.name for p in src.iterdir())
    assert files == [f"E0401_{SECOND_BRANCH}_11402_KC00000000_08.xml", f"E0401_{BRANCH}_11402_KA12340000_07.xml"]
    assert [o.path.parent for o in result.outputs] == [src, src]
    ka = e0401.read(src / f"E0401_{BRANCH}_11402_KA12340000_07.xml")  # parse validates against the XSD
    assert ka.version == version
    assert (ka.head_ban, ka.branch_ban, ka.invoice_type, ka.year_month, ka.track) == (
        COMPANY, BRANCH, "07", "11402", "KA")
    assert (ka.begin, ka.end) == (12_340_000, 12_355_499)
    # the two branch machines' booklets are adjacent: one item of 5 booklets
    assert [(i.begin, i.end, i.booklets) for i in ka.items] == [(12_350_000, 12_350_249, 5)]
    kc = e0401.read(src / f"E0401_{SECOND_BRANCH}_11402_KC00000000_08.xml")
    assert [(i.begin, i.end, i.booklets) for i in kc.items] == [(0, 49, 1)]
    # no staging leftovers anywhere in the Turnkey tree
    assert not [p for p in (tmp_path / "EINVTurnkey").rglob("*") if ".invoicetools-staging" in str(p)]
    assert result.counts == {"檔案": 2, "分支機構": 2, "組數": 6}
    assert result.rows is not None and result.rows[0]["sha256"] == result.outputs[0].sha256
    log = allocated.read_table(layout.table("執行紀錄"))
    assert log["sha256"].iloc[-1] == "\n".join(o.sha256 for o in result.outputs)


def test_out_folder_and_rerun_replaces_the_files(ctx: Context, allocated: MemoryBook, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = export_e0401(ctx, out_dir=out)
    assert sorted(p.name for p in out.iterdir()) == sorted(o.path.name for o in first.outputs)
    again = export_e0401(ctx, out_dir=out)
    assert [o.sha256 for o in again.outputs] == [o.sha256 for o in first.outputs]
    assert len(list(out.iterdir())) == 2


def test_no_branches_no_file(ctx: Context, book: MemoryBook, tmp_path: Path) -> None:
    import_tracks(ctx, [write_mof_csv(tmp_path / "invnoapply.csv")])
    book.write_table(MACHINES, machines([{"帳別": "A", "機台號": "001", "組數": 2}]))
    allocate_tracks(ctx)
    result = export_e0401(ctx, out_dir=tmp_path / "out")
    assert result.exit_code == ExitCode.OK and result.outputs == []
    assert "不需要 E0401" in result.message
    assert not (tmp_path / "out").exists()


def test_branch_range_outside_the_head_office_range_writes_nothing(
    ctx: Context, allocated: MemoryBook, tmp_path: Path
) -> None:
    t = allocated.read_table(ALLOC)
    t.loc[t["機台號"] == "分店3", ["發票字軌", "起號", "迄號"]] = ["KQ", "00000000", "00000049"]
    allocated.write_table(ALLOC, t)
    result = export_e0401(ctx, out_dir=tmp_path / "out")
    assert result.exit_code == ExitCode.BAD_INPUT
    [f] = result.findings
    assert f.code == "e0401_outside" and f.where.sheet == "配號設定" and f.where.row == 13
    assert not (tmp_path / "out").exists()


def test_where_e0401_goes(tmp_path: Path) -> None:
    book = MemoryBook.new()
    with pytest.raises(InputError):
        e0401_folder(read_settings(book), None)
    write_settings(book, {"輸出資料夾": str(tmp_path / "plain")})
    assert e0401_folder(read_settings(book), None) == tmp_path / "plain"
    root = turnkey_root(tmp_path)
    write_settings(book, {"Turnkey資料夾": str(root)})
    assert e0401_folder(read_settings(book), None) == root / "UpCast" / "B2PMESSAGE" / "E0401" / "SRC"
    assert e0401_folder(read_settings(book), tmp_path / "x") == tmp_path / "x"


def test_branch_plans_split_at_head_ranges() -> None:
    tracks = pd.DataFrame({
        "營業人統編": [COMPANY] * 2, "發票類別代號": ["07"] * 2, "發票期別": ["114/01 ~ 114/02"] * 2,
        "發票字軌名稱": ["KA"] * 2, "發票起號": ["00000000", "00000100"], "發票迄號": ["00000099", "00000199"],
    }, index=[5, 6])
    alloc = pd.DataFrame({"帳別": ["Z"], "機台號": ["1"], "發票字軌": ["KA"], "起號": ["00000050"],
                          "迄號": ["00000149"], "申報年月": ["11402"], "營業人統編": [BRANCH]}, index=[10])
    plans, findings = branch_plans(tracks, alloc, head_ban=COMPANY, period="11402")
    assert findings == []
    assert [(p.begin, p.end, p.items) for p in plans] == [(0, 99, ((50, 99),)), (100, 199, ((100, 149),))]


def test_all_ranges_of_the_allocation_are_used(ctx: Context, allocated: MemoryBook) -> None:
    assert sum(r.booklets for r in ALLOCATION) == 471
    assert Range("KA", 0, 49).booklets == 1
