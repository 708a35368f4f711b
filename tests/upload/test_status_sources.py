"""Several platform status downloads in one `status import`: folders, files, the later status wins.

The files have the shape of the platform's 「發票查詢/列印/下載」 query download (財政部電子發票整合
服務平台; the 非即時查詢 xlsx ho600-ltd/django-taiwan-einvoice docs/check_point_and_sop.rst tells
accountants to download per day or period), queried per month: a title row above the header,
發票號碼, 發票日期, 買受人統編, 買受人名稱, 發票狀態 in the platform's words (開立已確認, 作廢已確認 –
as in the platform's own invoice downloads that public parsers read), 總計 and 最後異動日期 (the
query key the platform added in 2022/06, per 北區國稅局 112.01.07 北區國稅審四字第1120000263號函).
"""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from upload_data import write_status_csv

from invoicetools.actions.base import Context
from invoicetools.actions.platform_status import import_status
from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.book.memory import MemoryBook
from invoicetools.cli import main

SYN = Path(__file__).resolve().parents[1] / "mig" / "data" / "synthetic"
HEADER = ["發票號碼", "發票日期", "買受人統編", "買受人名稱", "發票狀態", "總計", "最後異動日期"]


def query_download(path: Path, rows: list[list[object]]) -> Path:
    """An xlsx as the platform's query gives it: a title row, a blank row, the header, the rows."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("發票查詢結果")
    ws.write(0, 0, "營業人銷項發票查詢結果")
    for j, h in enumerate(HEADER):
        ws.write_string(2, j, h)
    for i, row in enumerate(rows, start=3):
        for j, value in enumerate(row):
            if isinstance(value, int):
                ws.write_number(i, j, value)
            else:
                ws.write_string(i, j, str(value))
    wb.close()
    return path


JANUARY = [
    ["KA12340001", "2025/01/06", "", "", "開立已確認", 1050, "2025/01/06 10:00:00"],
    ["KA12340002", "2025/01/20", "04595257", "台北商事有限公司", "開立已確認", 2100, "2025/01/21 09:00:00"],
    ["KA12340003", "2025/01/31", "", "", "開立已確認", 525, "2025/01/31 20:00:00"],
]
FEBRUARY = [
    ["KA12340004", "2025/02/03", "", "", "開立已確認", 315, "2025/02/03 11:00:00"],
    # queried by 最後異動日期, February's file holds KA12340002 again: cancelled on 2/5
    ["KA12340002", "2025/01/20", "04595257", "台北商事有限公司", "作廢已確認", 2100, "2025/02/05 16:30:00"],
]


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "平台下載"
    folder.mkdir()
    query_download(folder / "銷項發票_114年01月.xlsx", JANUARY)
    query_download(folder / "銷項發票_114年02月.xlsx", FEBRUARY)
    (folder / "說明.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "~$銷項發票_114年02月.xlsx").write_bytes(b"lock")  # Excel's lock file while one is open
    return folder


def test_a_folder_of_monthly_downloads_is_one_snapshot(downloads: Path, ctx: Context, book: MemoryBook) -> None:
    result = import_status(ctx, [downloads])
    frame = book.tables["tblPlatform"]
    assert result.exit_code == 0, result.message
    assert sorted(frame["發票號碼"]) == ["KA12340001", "KA12340002", "KA12340003", "KA12340004"]
    kept = frame[frame["發票號碼"] == "KA12340002"].iloc[0]
    assert kept["狀態"] == "作廢" and kept["來源"] == "銷項發票_114年02月.xlsx 第 5 列"
    assert kept["上傳日期"] == pd.Timestamp("2025-02-05 16:30")
    assert kept["說明"] == "取代 銷項發票_114年01月.xlsx 的「已上傳」（以較新的來源為準）"
    assert frame.set_index("發票號碼").at["KA12340001", "發票日期"] == datetime.date(2025, 1, 6)
    messages = [f.message for f in result.findings]
    assert messages == [
        "「銷項發票_114年02月.xlsx」與「銷項發票_114年01月.xlsx」有 1 張相同的發票，已取較新的狀態；"
        "其中 1 張狀態不同，例如 KA12340002：已上傳 → 作廢",
        "資料夾裡有 1 個不是狀況檔的檔案，未讀取：說明.pdf",
    ]
    assert book.params["平台狀況"]["source"] == "平台下載（銷項發票_114年01月.xlsx、銷項發票_114年02月.xlsx）"
    assert result.counts["重複發票"] == 1 and result.counts["檔案"] == 2 and result.counts["筆數"] == 4


def test_the_later_time_wins_whatever_the_order(downloads: Path, ctx: Context, book: MemoryBook) -> None:
    jan, feb = downloads / "銷項發票_114年01月.xlsx", downloads / "銷項發票_114年02月.xlsx"
    import_status(ctx, [feb, jan])  # given backwards: the own times decide
    frame = book.tables["tblPlatform"].set_index("發票號碼")
    assert frame.at["KA12340002", "狀態"] == "作廢"
    assert book.params["平台狀況"]["source"] == "銷項發票_114年02月.xlsx、銷項發票_114年01月.xlsx"


def test_without_own_times_the_later_source_wins(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    first, second = tmp_path / "第一次下載.csv", tmp_path / "第二次下載.csv"
    first.write_text("發票號碼,發票狀態\r\nKA12340001,開立已確認\r\nKA12340002,開立已確認\r\n", encoding="cp950")
    second.write_text("發票號碼,發票狀態\r\nKA12340002,作廢已確認\r\n", encoding="cp950")
    result = import_status(ctx, [first, second])
    assert dict(zip(book.tables["tblPlatform"]["發票號碼"], book.tables["tblPlatform"]["狀態"], strict=True)) == {
        "KA12340001": "已上傳", "KA12340002": "作廢"}
    import_status(ctx, [second, first])
    assert dict(zip(book.tables["tblPlatform"]["發票號碼"], book.tables["tblPlatform"]["狀態"], strict=True)) == {
        "KA12340001": "已上傳", "KA12340002": "已上傳"}
    assert result.counts["重複發票"] == 1


def test_files_and_folders_together(downloads: Path, tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    extra = write_status_csv(tmp_path / "其他.csv")
    result = import_status(ctx, [downloads, extra, SYN / "SummaryResult_4.1_SYNTHETIC.xml"])
    assert result.exit_code == 0
    assert len(book.tables["tblPlatform"]) == 4 + 10 + 4 - 2  # 其他.csv and the SummaryResult share two invoices
    assert book.params["平台狀況"]["source"].startswith("平台下載（")


def test_a_turnkey_folder_gives_its_results_only(tmp_path: Path, ctx: Context, book: MemoryBook) -> None:
    root = tmp_path / "EINVTurnkey"
    bak = root / "Unpack" / "B2SSTORAGE" / "BAK" / "SummaryResult"
    bak.mkdir(parents=True)
    (root / "UpCast").mkdir()
    shutil.copy(SYN / "SummaryResult_4.1_SYNTHETIC.xml", bak / "v41-summary.xml")
    (root / "einvTurnkey.log.csv").write_text("not,a,status,file\n", encoding="utf-8")
    result = import_status(ctx, [root])
    assert result.exit_code == 0 and len(book.tables["tblPlatform"]) == 4
    assert book.params["平台狀況"]["source"] == "EINVTurnkey"


def test_an_unreadable_file_in_a_folder_stops_the_import(downloads: Path, ctx: Context, book: MemoryBook) -> None:
    (downloads / "匯出錯誤.csv").write_text("發票號碼,金額\r\nKA12340009,100\r\n", encoding="utf-8")
    result = import_status(ctx, [downloads])
    assert result.exit_code == 2
    assert result.findings[0].where.file == "匯出錯誤.csv" and "缺少狀態欄位" in result.findings[0].message
    assert book.params["平台狀況"]["downloaded_at"] is None  # nothing half-imported


def test_cli_status_import_of_a_folder(downloads: Path, layout_book: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "import", str(downloads), "--book", str(layout_book)]) == 0
    assert "已取得 4 筆平台發票狀況" in capsys.readouterr().out
    frame = FileBook(layout_book).read_table(layout.table("平台狀況"))
    assert sorted(frame["發票號碼"]) == ["KA12340001", "KA12340002", "KA12340003", "KA12340004"]
