"""``invoicetools demo``: build a workbook from the sample data and run every step on it, as an accountant would.

The run goes through the bimonthly calendar for period 114/01 ~ 114/02 of a fictitious
company: 配號 (import the MOF file, the machine list, allocate), 發票資料 and
下載平台發票狀況, 漏上傳檢核 (finds the planted problems), the fixes (re-upload, complete
the ERP export), 漏上傳檢核 again (clean), 跳號 (finds the planted skipped numbers),
整批作廢, E0402 into a Turnkey folder, 行事曆, and the review export. Each step is the same
command a user would type; the summary says what each found.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..demo.sample import COMPANY, SampleData, generate, write_files
from ..domain.errors import ExitCode

__all__ = ["DemoFiles", "DemoStep", "demo_files", "run_demo"]


@dataclass(frozen=True)
class DemoFiles:
    """The demo company's inputs written into a folder, the workbook to make there and its Turnkey folder."""

    data: SampleData
    inputs: dict[str, Path]
    book: Path
    turnkey: Path

    def settings_argv(self) -> list[str]:
        """``invoicetools settings`` as the demo company fills in [設定]."""
        return ["settings", "--book", str(self.book), f"統一編號={COMPANY['統一編號']}",
                f"公司名稱={COMPANY['公司名稱']}", f"申報年月={self.data.period}", "帳別=A",
                f"製表人={COMPANY['製表人']}", f"Turnkey資料夾={self.turnkey}", "其他系統開立發票=否"]


def demo_files(folder: Path, book_name: str) -> DemoFiles:
    """Generate the sample data into ``folder``/輸入資料 and make the Turnkey upload folder."""
    folder.mkdir(parents=True, exist_ok=True)
    data = generate()
    inputs = write_files(data, folder / "輸入資料")
    turnkey = folder / "Turnkey"
    (turnkey / "UpCast" / "B2PMESSAGE" / "E0402" / "SRC").mkdir(parents=True, exist_ok=True)
    return DemoFiles(data, inputs, folder / book_name, turnkey)


@dataclass
class DemoStep:
    title: str  # zh-TW
    argv: list[str]
    expect: tuple[int, ...] = (ExitCode.OK,)
    json_rows: bool = False
    exit_code: int | None = None
    rows: list[dict[str, object]] = field(default_factory=list)
    message: str = ""
    optional: bool = False  # skipped with a note when the machine lacks a tool (LibreOffice for PDF)


def _call(main: Callable[[Sequence[str]], int], step: DemoStep) -> None:
    from ..cli._progress import silenced

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), silenced():  # the result, not the reads
        step.exit_code = main(step.argv)
    text = out.getvalue()
    if step.json_rows and text.strip().startswith("["):
        step.rows = json.loads(text)
        step.message = err.getvalue().strip()
    else:
        step.message = (text + err.getvalue()).strip()


def run_demo(folder: Path, *, quiet: bool = False) -> int:
    """Run the whole demo into ``folder``; return 0 when every step behaved as expected."""
    from . import main

    files = demo_files(folder, "InvoiceTools-示範.xlsm")
    book, inputs, turnkey, period = files.book, files.inputs, files.turnkey, files.data.period
    if book.exists():
        book.unlink()
    b = ["--book", str(book)]
    have_soffice = shutil.which("soffice") is not None
    steps = [
        DemoStep("建立活頁簿", ["new", str(book)]),
        DemoStep("填寫設定", files.settings_argv()),
        DemoStep("配號：手動匯入財政部配號檔", ["tracks", "import", str(inputs["tracks"]), *b]),
        DemoStep("配號：匯入機台配號設定", ["machines", "import", str(inputs["machines"]), *b]),
        DemoStep("配號：分配給帳別與機台", ["tracks", "allocate", *b]),
        DemoStep("匯入 ERP 發票資料", ["invoices", "import", str(inputs["register"]), *b], (0, 1)),
        DemoStep("下載平台發票狀況", ["status", "import", str(inputs["status"]), *b], (0, 1)),
        DemoStep("漏上傳檢核（第一次）", ["check-upload", *b, "--period", period, "--json"], (ExitCode.FINDINGS,), True),
        DemoStep("補傳後重新下載平台發票狀況", ["status", "import", str(inputs["status_fixed"]), *b], (0, 1)),
        DemoStep("匯入補正後的 ERP 發票資料", ["invoices", "import", str(inputs["register_fixed"]), *b], (0, 1)),
        DemoStep("漏上傳檢核（補正後）", ["check-upload", *b, "--period", period, "--json"], (ExitCode.OK,), True),
        DemoStep("異常跳號檢查", ["gaps", *b, "--period", period, "--json"], (ExitCode.FINDINGS,), True),
        DemoStep("整批作廢", ["gaps", *b, "--period", period, "--void"]),
        DemoStep("E0402 轉出", ["e0402", *b, "--period", period, "--out", str(turnkey), "--json"], (ExitCode.OK,), True),
        DemoStep("預估下期組數", ["forecast", *b, "--period", period, "--today", "2025-02-15"], (0, 1)),
        DemoStep("行事曆", ["calendar", *b, "--today", "2025-03-03"], (0, 1)),
        DemoStep("匯出審閱 xlsx", ["export", *b, "--xlsx", str(folder / "審閱.xlsx")]),
        DemoStep("匯出審閱 PDF", ["export", *b, "--pdf", str(folder / "審閱.pdf")], optional=not have_soffice),
    ]
    failures = 0
    def write(text: str) -> None:
        if not quiet:
            print(text, flush=True)

    write(f"InvoiceTools 示範：{COMPANY['公司名稱']}，申報年月 {period}，輸出到 {folder}")
    for n, step in enumerate(steps, 1):
        if step.optional:
            step.message = "略過：此電腦沒有 LibreOffice，無法在 Excel 以外產生 PDF"
            write(f"{n:>2}. {step.title}：{step.message}")
            continue
        _call(main, step)
        ok = step.exit_code in step.expect
        failures += not ok
        mark = "完成" if ok else f"異常（結束碼 {step.exit_code}）"
        first = step.message.splitlines()[0] if step.message else ""
        write(f"{n:>2}. {step.title}：{mark}　{first}")
        if not ok:
            write("    " + step.message.replace("\n", "\n    "))
    summary = _summary(steps, files.data.expected)
    (folder / "示範結果.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    write("")
    write(_summary_text(summary, book, turnkey))
    return ExitCode.OK if failures == 0 and summary["planted_found"] else ExitCode.FINDINGS


def _by_title(steps: list[DemoStep], title: str) -> DemoStep:
    return next(s for s in steps if s.title == title)


def _summary(steps: list[DemoStep], expected: dict[str, list[str]]) -> dict[str, object]:
    first = _by_title(steps, "漏上傳檢核（第一次）").rows
    problems: dict[str, list[str]] = {}
    for row in first:
        problems.setdefault(str(row.get("問題")), []).append(str(row.get("發票號碼")))
    found_upload = {
        "missing": sorted(problems.get("未上傳", [])) == expected["missing"],
        "failed": sorted(problems.get("上傳失敗", [])) == expected["failed"],
        "cancel_not_uploaded": sorted(problems.get("作廢未上傳", [])) == expected["cancel_not_uploaded"],
        "platform_only": sorted(problems.get("平台有帳上無", [])) == expected["platform_only"],
    }
    gap_rows = [r for r in _by_title(steps, "異常跳號檢查").rows if r.get("類型") == "跳號"]
    gap_count = sum(int(str(r.get("張數", 0))) for r in gap_rows)
    e0402 = _by_title(steps, "E0402 轉出").rows
    return {
        "steps": [{"title": s.title, "exit_code": s.exit_code, "expected": list(s.expect)} for s in steps],
        "upload_check": {k: len(v) for k, v in problems.items()},
        "planted_upload_problems_found": found_upload,
        "skipped_numbers_found": gap_count,
        "skipped_numbers_planted": len(expected["skipped"]),
        "e0402_files": len(e0402),
        "planted_found": all(found_upload.values()) and gap_count == len(expected["skipped"]),
    }


def _summary_text(summary: dict[str, object], book: Path, turnkey: Path) -> str:
    upload = summary["upload_check"]
    assert isinstance(upload, dict)
    parts = "、".join(f"{k} {v} 筆" for k, v in upload.items()) or "無"
    lines = [
        "＝＝ 示範結果 ＝＝",
        f"漏上傳檢核（第一次）找到：{parts}",
        f"異常跳號：找到 {summary['skipped_numbers_found']} 張（埋入 {summary['skipped_numbers_planted']} 張）",
        f"E0402 檔案：{summary['e0402_files']} 個，位於 {turnkey / 'UpCast' / 'B2PMESSAGE' / 'E0402' / 'SRC'}",
        f"活頁簿：{book}",
        "全部埋入的問題都已找到。" if summary["planted_found"] else "注意：有埋入的問題沒有被找到，請檢查上面的步驟。",
    ]
    return "\n".join(lines)


