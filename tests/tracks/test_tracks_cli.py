"""End to end: ``invoicetools tracks …`` on a workbook made from the product template.

The issue's bar: a Big5 CSV, an E0501 file and an ECPay answer carrying the same allocation
import to the same 字軌配號 table.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from ecpay_fake import STAGE_HASH_IV, STAGE_HASH_KEY, FakeEcpay, serve
from trackbook import login_ecpay, make_book, tracks_of
from trackdata import (
    ALLOCATION,
    BRANCH,
    e0501_envelope,
    ecpay_rows,
    mof_rows,
    write_csv,
    write_mof_csv,
)

from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.cli import main
from invoicetools.mig import e0401
from keyring_memory import MemoryKeyring

TRACKS = layout.table("字軌配號")
COMPARED = [h for h in TRACKS.headers if h not in ("來源", "匯入時間")]


def test_big5_csv_e0501_and_ecpay_import_to_the_same_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_book = make_book(tmp_path / "csv.xlsm")
    xml_book = make_book(tmp_path / "xml.xlsm")
    api_book = make_book(tmp_path / "api.xlsm")

    csv_path = write_mof_csv(tmp_path / "invnoapply_11402.csv", encoding="cp950")
    assert csv_path.read_bytes().decode("cp950").startswith("營業人統編")
    assert main(["tracks", "import", str(csv_path), "--book", str(csv_book)]) == 0

    downcast = tmp_path / "EINVTurnkey" / "DownCast" / "E0501"
    downcast.mkdir(parents=True)
    (downcast / "E0501_20250101.xml").write_bytes(e0501_envelope(ALLOCATION))
    assert main(["tracks", "import", str(tmp_path / "EINVTurnkey"), "--book", str(xml_book)]) == 0

    fake = FakeEcpay()
    fake.allocations = {"B2C": ecpay_rows(ALLOCATION[:2]), "B2B": ecpay_rows(ALLOCATION[2:])}
    with serve(fake) as url:
        assert login_ecpay(api_book, monkeypatch) == 0
        code = main(["tracks", "fetch", "--book", str(api_book), "--provider", "ecpay", "--base-url", url])
    assert code == 0, capsys.readouterr().err

    a, b, c = tracks_of(csv_book), tracks_of(xml_book), tracks_of(api_book)
    assert len(a) == 3
    pd.testing.assert_frame_equal(a[COMPARED], b[COMPARED])
    pd.testing.assert_frame_equal(a[COMPARED], c[COMPARED])
    assert a["來源"].tolist() == ["invnoapply_11402.csv"] * 3
    assert b["來源"].tolist() == ["E0501_20250101.xml"] * 3
    assert c["來源"].tolist() == ["ECPay"] * 3
    assert a["發票起號"].tolist() == ["12340000", "56780000", "00000000"]  # text with its zeros
    # the secret never reached the workbook file
    for path in (api_book,):
        import zipfile

        with zipfile.ZipFile(path) as z:
            blob = b"".join(z.read(n) for n in z.namelist())
        assert STAGE_HASH_KEY.encode() not in blob and STAGE_HASH_IV.encode() not in blob


def test_reimport_json_and_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_book(tmp_path / "b.xlsm")
    capsys.readouterr()
    csv_path = write_mof_csv(tmp_path / "a.csv", encoding="utf-8-sig")
    assert main(["tracks", "import", str(csv_path), "--book", str(book), "--json"]) == 0
    out = capsys.readouterr()
    rows = json.loads(out.out)
    assert [r["發票字軌名稱"] for r in rows] == ["KA", "KB", "KC"]
    assert "已匯入" in out.err
    first = tracks_of(book)
    assert main(["tracks", "import", str(csv_path), "--book", str(book)]) == 0
    assert "沒有變更" in capsys.readouterr().out
    pd.testing.assert_frame_equal(tracks_of(book), first)
    changed = write_mof_csv(tmp_path / "b.csv", ALLOCATION[:2])
    # adding: a file without KC leaves KC where it is, and says so
    assert main(["tracks", "import", str(changed), "--book", str(book)]) == 0
    assert "另有 1 個 114/01 ~ 114/02 的區間不在這次匯入的資料中，已保留" in capsys.readouterr().out
    pd.testing.assert_frame_equal(tracks_of(book), first)
    # only --replace takes it away, listing it
    assert main(["tracks", "import", str(changed), "--book", str(book), "--replace"]) == 1
    err = capsys.readouterr().err
    assert "移除 1" in err and "KC00000000–KC00000049" in err
    assert tracks_of(book)["發票字軌名稱"].tolist() == ["KA", "KB"]


def test_bad_rows_exit_2_with_rows_and_nothing_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_book(tmp_path / "b.xlsm")
    rows = mof_rows(ALLOCATION)
    rows[1][5] = "56780010"  # not a booklet start
    rows[2][0] = "12345678"  # bad checksum
    path = write_csv(tmp_path / "bad.csv", rows)
    assert main(["tracks", "import", str(path), "--book", str(book)]) == 2
    err = capsys.readouterr().err
    assert "未匯入任何資料" in err
    assert "檔案 bad.csv 第 3 列 欄位「發票起號」" in err
    assert "檔案 bad.csv 第 4 列 欄位「營業人統編」" in err
    assert tracks_of(book).empty
    findings = FileBook(book).read_table(layout.table("檢核訊息"))
    assert findings["列"].tolist() == ["3", "4"]


def test_allocate_and_e0401_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = make_book(tmp_path / "b.xlsm")
    assert main(["tracks", "import", str(write_mof_csv(tmp_path / "a.csv")), "--book", str(book)]) == 0
    machines = write_csv(tmp_path / "machines.csv", [
        ["A", "001", "200", "B2C", "", "", "KA", ""],
        ["A", "002", "110", "B2C", "", "", "KA", ""],
        ["B", "001", "140", "B2B", "", "", "KB", ""],
        ["Z", "分店", "2", "B2C", "", "", "KB", BRANCH],
    ], header=("帳別", "機台號", "組數", "傳輸類別", "交換範圍", "所屬年月", "發票字軌", "分支機構統編"), encoding="utf-8-sig")
    assert main(["machines", "import", str(machines), "--book", str(book)]) == 0
    capsys.readouterr()
    assert main(["tracks", "allocate", "--book", str(book), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["帳別"], r["機台號"], r["發票字軌"], r["起號"], r["迄號"], r["組數"]) for r in rows] == [
        ("A", "001", "KA", "12340000", "12349999", 200),
        ("A", "002", "KA", "12350000", "12355499", 110),
        ("B", "001", "KB", "56780000", "56786999", 140),
        ("Z", "分店", "KB", "56787000", "56787099", 2),
    ]
    allocation = FileBook(book).read_table(layout.table("配號設定"))
    assert allocation["起號"].tolist() == ["12340000", "12350000", "56780000", "56787000"]
    root = tmp_path / "EINVTurnkey"
    (root / "UpCast").mkdir(parents=True)
    assert main(["settings", "--book", str(book), f"Turnkey資料夾={root}"]) == 0
    capsys.readouterr()
    assert main(["tracks", "e0401", "--book", str(book), "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    path = Path(row["輸出位置"])
    assert path.parent == root / "UpCast" / "B2PMESSAGE" / "E0401" / "SRC"
    message = e0401.read(path)
    assert (message.branch_ban, message.track, [(i.begin, i.end) for i in message.items]) == (
        BRANCH, "KB", [(56_787_000, 56_787_099)])
    # too many booklets asked: exit 1, the allocation stays as it was
    more = write_csv(tmp_path / "more.csv", [["A", "001", "9999", "B2C", "", "", "KA", ""]],
                     header=("帳別", "機台號", "組數", "傳輸類別", "交換範圍", "所屬年月", "發票字軌", "分支機構統編"))
    assert main(["machines", "import", str(more), "--book", str(book)]) == 0
    capsys.readouterr()
    assert main(["tracks", "allocate", "--book", str(book)]) == 1
    assert "不足 9528 組" in capsys.readouterr().err
    pd.testing.assert_frame_equal(FileBook(book).read_table(layout.table("配號設定")), allocation)


def test_login_logout_and_fetch_without_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    memory_keyring: MemoryKeyring,
) -> None:
    book = make_book(tmp_path / "b.xlsm")
    assert main(["tracks", "fetch", "--book", str(book), "--provider", "ecpay"]) == 2
    assert "invoicetools tracks login" in capsys.readouterr().err
    assert login_ecpay(book, monkeypatch) == 0
    out = capsys.readouterr()
    assert STAGE_HASH_KEY not in out.out + out.err
    settings = FileBook(book).read_table(layout.table("設定"))
    assert settings.loc[settings["項目"] == "登入資訊", "設定值"].tolist() == ["已儲存"]
    assert len(memory_keyring.entries) == 1
    assert main(["tracks", "logout", "--book", str(book), "--provider", "ecpay"]) == 0
    assert memory_keyring.entries == {}
    settings = FileBook(book).read_table(layout.table("設定"))
    assert settings.loc[settings["項目"] == "登入資訊", "設定值"].tolist() == ["未儲存"]


def test_fetch_all_year_over_the_local_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from trackdata import whole_year

    book = make_book(tmp_path / "b.xlsm")
    fake = FakeEcpay()
    fake.allocations = {"B2C": ecpay_rows(whole_year())}
    with serve(fake) as url:
        assert login_ecpay(book, monkeypatch, url) == 0  # the address is kept with the login
        assert main(["tracks", "fetch", "--book", str(book), "--year", "114", "--all-year"]) == 0
    assert len(tracks_of(book)) == 18
    assert "已匯入 114/01 ~ 114/02、114/03 ~ 114/04" in capsys.readouterr().out
