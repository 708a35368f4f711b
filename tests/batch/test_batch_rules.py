"""批次 rules without running a client: a client's status from its steps and findings, the words of the
summary, which files are clients, and the command's help."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import openpyxl
import pytest

from invoicetools.cli import build_parser
from invoicetools.cli.batch_clients import find_clients, skip_reason
from invoicetools.cli.batch_run import FILING_WARNINGS, ClientFinding, ClientResult, StepOutcome
from invoicetools.cli.batch_summary import notes, step_word
from invoicetools.domain.errors import InputError


def _client(*outcomes: StepOutcome, findings: tuple[ClientFinding, ...] = (), error: str = "") -> ClientResult:
    return ClientResult(Path("客戶.xlsm"), outcomes=list(outcomes), findings=list(findings), error=error)


def _ok(step: str = "漏上傳檢核") -> StepOutcome:
    return StepOutcome(step, 0, message="恭喜您！此次無漏上傳資料！", key="check-upload")


def _finding(severity: str, code: str, message: str = "訊息") -> ClientFinding:
    return ClientFinding("E0402", severity, code, "工作表「設定」", message)


@pytest.mark.parametrize(("client", "status"), [
    (_client(_ok()), "完成"),
    (_client(_ok(), findings=(_finding("提示", "allocation_from_tracks"),)), "完成"),
    (_client(_ok(), findings=(_finding("警告", "bad_time"),)), "完成"),  # a plain warning: listed, not 需處理
    (_client(_ok(), findings=(_finding("錯誤", "bad_date"),)), "需處理"),
    (_client(_ok(), findings=(_finding("錯誤", "no_invoices"),)), "需處理"),
    (_client(_ok(), StepOutcome("E0402", 1, key="e0402")), "需處理"),  # exit 1 of any step
    (_client(_ok(), StepOutcome("E0402", 1, refused=True, key="e0402")), "需處理"),
    (_client(_ok(), StepOutcome("異常跳號", 2, key="gaps")), "錯誤"),
    (_client(_ok(), StepOutcome("異常跳號", 1, key="gaps"), StepOutcome("E0402", 2, key="e0402")), "錯誤"),
    (_client(error="無法開啟活頁簿"), "錯誤"),
])
def test_status_of_a_client(client: ClientResult, status: str) -> None:
    assert client.status == status


@pytest.mark.parametrize("code", sorted(FILING_WARNINGS))
def test_warnings_that_make_the_filing_wrong_need_action(code: str) -> None:
    assert _client(_ok(), findings=(_finding("警告", code),)).status == "需處理"
    assert _client(_ok(), findings=(_finding("提示", code + "_other"),)).status == "完成"


def test_notes_list_the_steps_then_each_kind_of_finding_once_errors_first() -> None:
    client = _client(
        _ok(),
        findings=(
            _finding("警告", "e0402_split_track", "字軌 KB 分屬不同申報者"),
            _finding("錯誤", "bad_date", "發票日期無法辨識"),
            _finding("錯誤", "bad_date", "發票日期無法辨識（第二列）"),
            _finding("提示", "allocation_from_tracks", "以[字軌配號]檢核"),
        ))
    assert notes(client).splitlines() == [
        "漏上傳檢核：恭喜您！此次無漏上傳資料！",
        "E0402 錯誤：工作表「設定」：發票日期無法辨識（同類共 2 筆，見該活頁簿[檢核訊息]）",
        "E0402 警告：工作表「設定」：字軌 KB 分屬不同申報者",
        "E0402 提示：工作表「設定」：以[字軌配號]檢核",
    ]


def test_notes_fit_in_a_cell() -> None:
    many = tuple(_finding("警告", f"code{i}", "很長的訊息" * 300) for i in range(40))
    assert len(notes(_client(_ok(), findings=many))) <= 32_001


@pytest.mark.parametrize(("outcome", "word"), [
    (StepOutcome("漏上傳檢核", 0, key="check-upload"), "無問題"),
    (StepOutcome("漏上傳檢核", 1, rows=3, open_rows=3, key="check-upload"), "3 筆待處理"),
    (StepOutcome("漏上傳檢核", 1, key="check-upload"), "需處理"),  # no rows: no invoices, pending results
    (StepOutcome("異常跳號", 1, rows=14, open_rows=2, key="gaps"), "2 筆待處理"),  # 未使用 rows are no work
    (StepOutcome("E0402", 0, rows=2, key="e0402"), "2 個檔案"),
    (StepOutcome("E0402", 1, rows=2, key="e0402"), "2 個檔案，需處理"),
    (StepOutcome("E0402", 1, refused=True, key="e0402"), "未執行（拒絕）"),
    (StepOutcome("E0402", 2, key="e0402"), "錯誤"),
])
def test_step_words(outcome: StepOutcome, word: str) -> None:
    assert step_word(outcome) == word


# --- which files are clients ----------------------------------------------------------------------
def test_clients_are_found_by_their_layout_not_their_name(template_book: Path, tmp_path: Path) -> None:
    folder = tmp_path / "客戶"
    folder.mkdir()
    shutil.copy(template_book, folder / "批次結果_客戶A.xlsm")
    shutil.copy(template_book, folder / "客戶B.xlsx")
    summary = openpyxl.Workbook()
    summary.active.title = "批次結果"  # type: ignore[union-attr]
    summary.save(folder / "上次的彙總.xlsx")
    settings_only = openpyxl.Workbook()
    settings_only.active.title = "設定"  # type: ignore[union-attr]
    settings_only.active["A1"] = "別的工具的設定"  # type: ignore[index]
    settings_only.save(folder / "別的工具.xlsx")
    (folder / "壞檔.xlsm").write_bytes(b"not a zip")
    (folder / "~$客戶A.xlsm").write_bytes(b"Excel's lock file")
    (folder / ".~invoicetools-客戶A.xlsm.lock").write_text("{}")
    (folder / "說明.pdf").write_bytes(b"%PDF-1.4")

    clients, skipped, broken = find_clients(folder)
    assert [p.name for p in clients] == sorted(["客戶B.xlsx", "批次結果_客戶A.xlsm", "壞檔.xlsm"])  # in name order
    assert set(broken) == {folder / "壞檔.xlsm"} and "無法開啟活頁簿" in broken[folder / "壞檔.xlsm"]
    reasons = {s.path.name: s.reason for s in skipped}
    assert set(reasons) == {"上次的彙總.xlsx", "別的工具.xlsx", "說明.pdf"}  # lock files pass unmentioned
    assert "批次彙總" in reasons["上次的彙總.xlsx"]
    assert "「項目」「設定值」" in reasons["別的工具.xlsx"]
    assert reasons["說明.pdf"] == "不是 Excel 活頁簿"


def test_a_damaged_workbook_is_not_skipped(tmp_path: Path) -> None:
    broken = tmp_path / "客戶.xlsx"
    broken.write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(InputError):
        skip_reason(broken)


# --- the command ----------------------------------------------------------------------------------
def _batch_parser() -> argparse.ArgumentParser:
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices["batch"]
    raise AssertionError("no batch command")


def test_every_option_of_batch_has_a_help_text() -> None:
    parser = _batch_parser()
    missing = [a.option_strings or [a.dest] for a in parser._actions if not a.help]
    assert not missing
    text = parser.format_help()
    for words in ("客戶活頁簿所在的資料夾", "執行日", "不顯示每位客戶的處理進度", "--yes"):
        assert words in text
