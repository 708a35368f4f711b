"""``invoicetools gaps`` and ``invoicetools e0402`` end to end on a real workbook file (file backend)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from gapbook import PERIOD, UBN, allocation_frame, register_frame, standard_register

from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.book.settings import write_settings
from invoicetools.cli import main


@pytest.fixture
def book(template_book: Path) -> Path:
    fb = FileBook(template_book)
    write_settings(fb, {"統一編號": UBN, "申報年月": PERIOD, "帳別": "A"})
    fb.write_table(layout.table("配號設定"), allocation_frame())
    reg = standard_register()
    fb.write_table(layout.table("發票資料"), register_frame(reg))
    fb.write_table(layout.table("平台狀況"), pd.DataFrame({"發票號碼": reg, "狀態": "已上傳"}))
    fb.write_params(layout.sheet("平台狀況"), {"downloaded_at": "2025/03/01 09:00"})
    fb.commit()
    fb.close()
    return template_book


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_gaps_void_and_e0402_from_the_command_line(book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = ["--book", str(book)]
    code, out, err = run(capsys, "gaps", *b, "--period", "11402", "--json")
    assert code == 1
    rows = json.loads(out)  # stdout holds only the JSON
    assert [(r["起號"], r["迄號"], r["處理"]) for r in rows if r["類型"] == "跳號"] == [
        ("12340010", "12340012", "待確認"), ("12340050", "12340050", "待確認"), ("12340120", "12340120", "待確認")]
    assert "找到跳號 3 組、共 5 張" in err

    turnkey = tmp_path / "Turnkey"
    (turnkey / "UpCast").mkdir(parents=True)
    code, out, err = run(capsys, "e0402", *b, "--period", "11402", "--out", str(turnkey), "--json")
    assert code == 1 and out == "" and "[跳號作廢]" in err

    code, out, err = run(capsys, "gaps", *b, "--period", "11402", "--void")
    assert code == 0 and "已整批作廢 3 組、共 5 張跳號" in out

    code, out, err = run(capsys, "gaps", *b, "--period", "11402", "--json", "-q")
    assert code == 0 and err == ""
    assert {r["處理"] for r in json.loads(out) if r["類型"] == "跳號"} == {"已作廢"}

    code, out, err = run(capsys, "e0402", *b, "--period", "11402", "--out", str(turnkey), "--dry-run", "--json")
    assert code == 0 and len(json.loads(out)) == 2
    assert not (turnkey / "UpCast" / "B2PMESSAGE").exists()

    code, out, err = run(capsys, "e0402", *b, "--period", "11402", "--out", str(turnkey), "--mig", "4.0", "--json")
    assert code == 0
    files = json.loads(out)
    assert [f["檔案名稱"] for f in files] == ["E0402_53212539_11402_KA_07.xml", "E0402_53212539_11402_KB_07.xml"]
    src = turnkey / "UpCast" / "B2PMESSAGE" / "E0402" / "SRC"
    assert sorted(p.name for p in src.iterdir()) == [f["檔案名稱"] for f in files]
    assert "urn:GEINV:eInvoiceMessage:E0402:4.0" in (src / files[0]["檔案名稱"]).read_text()

    fb = FileBook(book)
    try:
        sheet = fb.read_table(layout.table("E0402"))
        assert sheet["檔案名稱"].tolist() == [f["檔案名稱"] for f in files]
        assert sheet["sha256"].tolist() == [f["sha256"] for f in files]
        gaps_sheet = fb.read_table(layout.table("跳號作廢"))
        assert (gaps_sheet.loc[gaps_sheet["類型"] == "跳號", "處理"] == "已作廢").all()
        assert fb.read_params(layout.sheet("跳號作廢"))["period"] == PERIOD
        log = fb.read_table(layout.table("執行紀錄"))
        assert log["步驟"].tolist() == ["跳號作廢", "跳號作廢", "跳號作廢", "E0402"]
        assert "作廢區間=" in str(log["參數"].iloc[1])
        assert str(files[0]["sha256"]) in str(log["sha256"].iloc[-1])
    finally:
        fb.close()


def test_void_refusal_exit_code_and_force(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fb = FileBook(book)  # KA12340030 never reached the platform: 漏上傳檢核, run by the void itself, has a row
    fb.write_table(layout.table("平台狀況"), pd.DataFrame({"發票號碼": [n for n in standard_register() if n != "KA12340030"],
                                                         "狀態": "已上傳"}))
    fb.commit()
    fb.close()
    code, out, err = run(capsys, "gaps", "--book", str(book), "--void")
    assert code == 1 and "不能整批作廢" in err and "未上傳 1 筆" in err
    code, out, err = run(capsys, "gaps", "--book", str(book), "--void", "--force", "客戶已確認")
    assert code == 0 and "強制作廢" in out
    code, out, err = run(capsys, "gaps", "--book", str(book), "--unvoid", "--account", "A")
    assert code == 0 and "已取消作廢 3 組、共 5 張跳號" in out


def test_bad_arguments(book: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "gaps", "--book", str(book), "--void", "--unvoid")[0] == 2
    code, _, err = run(capsys, "gaps", "--book", str(book), "--period", "11401")
    assert code == 2 and "雙月" in err
    assert run(capsys, "e0402", "--book", str(book), "--mig", "5.0")[0] == 2
