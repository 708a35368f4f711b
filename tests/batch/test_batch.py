"""批次: the chosen steps over every client workbook, one summary row per client, broken clients do not stop the run."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl

from invoicetools.cli import main


def test_batch_over_clients(demo_book: Path, tmp_path: Path, template_book: Path) -> None:
    clients = tmp_path / "clients"
    clients.mkdir()
    shutil.copy(demo_book, clients / "01-範例商行.xlsm")
    shutil.copy(template_book, clients / "02-尚未設定.xlsm")
    (clients / "03-壞檔.xlsm").write_bytes(b"this is not a workbook")
    (clients / "~$99-另一本.xlsm").write_bytes(b"lock file of a workbook open elsewhere: not a client")
    out = tmp_path / "out"
    summary = tmp_path / "summary.xlsx"
    code = main(["batch", str(clients), "--period", "11402", "--out", str(out), "--summary", str(summary),
                 "--today", "2025-03-03", "-q"])
    assert code == 1  # two clients need attention
    ws = openpyxl.load_workbook(summary)["批次結果"]
    header = [c.value for c in ws[3]]
    rows = {r[1]: dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=4, values_only=True)}
    assert set(rows) == {"01-範例商行.xlsm", "02-尚未設定.xlsm", "03-壞檔.xlsm"}
    good = rows["01-範例商行.xlsm"]
    assert good["狀態"] == "完成" and good["統一編號"] == "53212539"
    assert good["漏上傳檢核"] == "無問題" and good["E0402"] == "2 個檔案" and good["輸出檔案數"] == 2
    assert len(list((out / "53212539").rglob("E0402_*.xml"))) == 2
    assert rows["02-尚未設定.xlsm"]["狀態"] == "錯誤"
    broken = rows["03-壞檔.xlsm"]
    assert broken["狀態"] == "錯誤" and "無法開啟活頁簿" in str(broken["說明"])


def test_batch_refuses_an_unknown_step(tmp_path: Path) -> None:
    assert main(["batch", str(tmp_path), "--period", "11402", "--steps", "gaps,nosuch", "-q"]) == 2


def test_batch_needs_a_folder(tmp_path: Path) -> None:
    assert main(["batch", str(tmp_path / "missing"), "--period", "11402", "-q"]) == 2


def test_a_client_open_in_excel_is_reported_not_written(demo_book: Path, tmp_path: Path) -> None:
    clients = tmp_path / "clients"
    clients.mkdir()
    book = shutil.copy(demo_book, clients / "01.xlsm")
    (clients / "~$01.xlsm").write_bytes(b"Excel's lock file")
    before = Path(book).read_bytes()
    assert main(["batch", str(clients), "--period", "11402", "--summary", str(tmp_path / "s.xlsx"), "-q"]) == 1
    assert Path(book).read_bytes() == before
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["批次結果"]
    assert ws["E4"].value == "錯誤" and "正在 Excel" in str(ws.cell(4, ws.max_column).value)


def test_the_demo_e0402_reports_the_booklets_no_machine_holds(demo_book: Path) -> None:
    """Issue 14: the demo company uses only this system (其他系統開立發票=否), so the booklets the MOF
    allocated and no machine was given are blank numbers of its E0402 — none is dropped."""
    from invoicetools.book import layout
    from invoicetools.book.file_backend import FileBook
    from invoicetools.book.settings import read_settings
    from invoicetools.domain.invoice_number import KEY_BASE, track_code
    from invoicetools.mig import e0402
    from invoicetools.steps.allocation import period_allocation

    book = FileBook(demo_book)
    assert read_settings(book).other_systems is False
    allocation = period_allocation(book.read_table(layout.table("字軌配號")), book.read_table(layout.table("配號設定")),
                                   read_settings(book).period)  # type: ignore[arg-type]
    pieces = allocation.reporters(None)
    unassigned = pieces[pieces["reporter"].isna()]
    assert len(unassigned) and int((unassigned["end"] - unassigned["begin"] + 1).sum()) == 20 * 50
    src = demo_book.parent / "Turnkey" / "UpCast" / "B2PMESSAGE" / "E0402" / "SRC"
    blank: set[int] = set()
    for path in src.glob("*.xml"):
        doc = e0402.read(path)
        code = track_code(doc.track) * KEY_BASE
        for b, e in doc.ranges:
            blank.update(range(code + b, code + e + 1))
    for b, e in zip(unassigned["begin"].tolist(), unassigned["end"].tolist(), strict=True):
        assert set(range(int(b), int(e) + 1)) <= blank
