"""The command line's contract: usage errors exit 2 with a zh-TW message, new/demo/doctor work, the demo book opens."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from invoicetools.book import layout
from invoicetools.cli import main


@pytest.mark.parametrize(
    "argv",
    [[], ["nosuch"], ["new"], ["gaps", "--book"], ["check-upload", "--period", "11302"], ["e0402", "--mig", "9.9", "--book", "x.xlsm"]],
)
def test_usage_errors_exit_2_with_a_message(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "錯誤" in err and "Traceback" not in err


def test_new_refuses_wrong_suffix_and_existing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", str(tmp_path / "book.txt")]) == 2
    assert main(["new", str(tmp_path / "book.xlsm")]) == 0
    assert main(["new", str(tmp_path / "book.xlsm")]) == 2
    assert "已存在" in capsys.readouterr().err
    assert main(["new", str(tmp_path / "book.xlsm"), "--force"]) == 0


def test_new_workbook_equals_the_committed_template(tmp_path: Path) -> None:
    main(["new", str(tmp_path / "fresh.xlsm")])
    committed = Path(__file__).resolve().parents[2] / "workbook" / "InvoiceTools.xlsm"
    assert (tmp_path / "fresh.xlsm").read_bytes() == committed.read_bytes()


def test_bad_input_gives_exit_2_and_the_place(template_book: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings", "--book", str(template_book), "統一編號=12345678"]) == 2
    err = capsys.readouterr().err
    assert "統一編號" in err and "檢查碼" in err
    assert main(["check-upload", "--book", str(tmp_path / "missing.xlsm"), "--period", "11302"]) == 2
    assert "找不到活頁簿" in capsys.readouterr().err


def test_console_script_runs_and_doctor_answers() -> None:
    exe = shutil.which("invoicetools") or str(Path(sys.executable).with_name("invoicetools"))
    out = subprocess.run([exe, "doctor"], capture_output=True, text=True, timeout=120, env={**os.environ})
    assert out.returncode in (0, 1)
    assert "Python" in out.stdout and "xlwings" in out.stdout
    assert "Traceback" not in out.stdout + out.stderr


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(folder), "--quiet"]) == 0
    return folder


def test_demo_book_has_every_sheet_and_opens_in_openpyxl(demo_dir: Path) -> None:
    book = demo_dir / "InvoiceTools-示範.xlsm"
    wb = openpyxl.load_workbook(book, keep_vba=True)
    assert wb.sheetnames == [s.name for s in layout.SHEETS]
    for name in ("設定", "配號設定", "漏上傳檢核", "跳號作廢", "E0402", "發票資料", "平台狀況", "執行紀錄"):
        assert name in wb.sheetnames
    assert str(wb["漏上傳檢核"]["A7"].value).startswith("恭喜您！此次無漏上傳資料！")
    assert wb["發票資料"].max_row > 20_000
    with zipfile.ZipFile(book) as z:
        assert "xl/vbaProject.bin" in z.namelist()
    assert len(list((demo_dir / "Turnkey").rglob("E0402_*.xml"))) == 2


@pytest.mark.libreoffice
def test_demo_book_opens_in_libreoffice(demo_dir: Path, tmp_path: Path) -> None:
    if not (shutil.which("soffice") and shutil.which("pdftotext")):
        pytest.skip("LibreOffice (soffice) and poppler-utils (pdftotext) are needed")
    book = demo_dir / "InvoiceTools-示範.xlsm"
    profile = tmp_path / "profile"
    out = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "ods", "--outdir", str(tmp_path), str(book)],
        capture_output=True, text=True, timeout=240,
    )
    ods = tmp_path / (book.stem + ".ods")
    assert out.returncode == 0 and ods.exists(), out.stderr
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode("utf-8")
    for name in (s.name for s in layout.SHEETS):
        assert f'table:name="{name}"' in content
    assert "KA12343630" in content  # a planted skipped number on 跳號作廢
    assert "恭喜您！此次無漏上傳資料！" in content


def test_demo_review_pdf_shows_chinese_headers_and_data(demo_dir: Path) -> None:
    pdf = demo_dir / "審閱.pdf"
    if not pdf.exists() or not shutil.which("pdftotext"):
        pytest.skip("the demo writes the PDF only where LibreOffice is installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
    for header in ("帳別", "機台號", "發票字軌", "起號", "迄號", "張數", "處理", "空白區間"):
        assert header in text
    assert "已作廢" in text and "KA" in text and "53212539" in text


def test_demo_shows_the_calendar_and_the_forecast(demo_dir: Path) -> None:
    from invoicetools.book.file_backend import FileBook

    book = FileBook(demo_dir / "InvoiceTools-示範.xlsm")
    allocation = book.read_table(layout.table("配號設定"))
    current = allocation[allocation["申報年月"] == "11402"]
    assert len(current) == 3 and current["預估下期組數"].notna().all()
    assert all("建議" in str(note) for note in current["預估說明"])
    calendar = book.read_table(layout.table("行事曆"))
    assert {"空白字軌上傳期限", "營業稅申報期限"} <= set(calendar["事項"])
    params = book.read_params(layout.sheet("行事曆"))
    assert str(params["next_deadline"]).startswith("2025/03/10")
    e0402 = book.read_table(layout.table("E0402"))
    assert sorted(e0402["發票字軌"]) == ["KA", "KB"]


def test_build_is_reproducible_and_matches_the_committed_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--out", str(tmp_path / "a")]) == 0
    assert main(["build", "--out", str(tmp_path / "b")]) == 0
    for name in ("InvoiceTools.xlam", "InvoiceTools.xlsm"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert main(["build", "--check"]) == 0
    assert "相同" in capsys.readouterr().out


def test_demo_forecast_step_prints_its_result_not_a_progress_line(demo_dir: Path) -> None:
    """Each demo line shows the step's result (the progress lines of its reads are not captured)."""
    from invoicetools.cli.demo_run import DemoStep, _call

    book = str(demo_dir / "InvoiceTools-示範.xlsm")
    step = DemoStep("預估下期組數", ["forecast", "--book", book, "--period", "11402", "--today", "2025-02-15"], (0, 1))
    _call(main, step)
    first = step.message.splitlines()[0]
    assert first.startswith("已更新 3 台機台的預估組數（114/01 ~ 114/02，發票計算到 2025/02/15"), first
    assert "讀取工作表" not in step.message
    assert step.exit_code == 0  # counted to 2/15, no machine runs out before the end of February


def test_every_command_gives_its_memory_back_when_done(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``batch`` runs every step of every client in one process: each command, failed or not, hands
    the memory it used back (Arrow's pool, glibc's heap) before the next one starts."""
    from invoicetools.cli import _common

    released: list[int] = []
    monkeypatch.setattr(_common, "release_memory", lambda: released.append(1))
    assert main(["calendar", "--book", str(tmp_path / "missing.xlsm")]) == 2  # an error …
    assert released == [1]
    book = tmp_path / "book.xlsm"
    assert main(["new", str(book), "--quiet"]) == 0  # … and a success
    assert released == [1, 1]

