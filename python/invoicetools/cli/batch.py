"""``invoicetools batch``: the chosen steps over every client workbook in a folder."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import Any

from ..domain.dates import parse_date
from ..domain.errors import ExitCode

__all__ = ["register"]

_SHOWN_SKIPPED = 10  # skipped files named on the terminal (all of them are in the summary)


def register(sub: Any) -> None:
    p = sub.add_parser("batch", help="一次處理多位客戶（資料夾內每本活頁簿）",
                       description="對資料夾內每本客戶活頁簿執行指定步驟，產生一本彙總活頁簿（每位客戶一列：狀態、"
                                   "各步驟結果、輸出檔案、說明與檢核訊息）；某位客戶失敗時繼續處理下一位。"
                                   "不是客戶活頁簿的檔案（例如先前的批次彙總）會略過並列出。"
                                   "有客戶需處理或錯誤時結束碼為 1。")
    p.add_argument("folder", metavar="DIR", help="客戶活頁簿所在的資料夾（每位客戶一本 .xlsm）")
    p.add_argument("--period", required=True, metavar="PERIOD", help="申報年月，例如 11302")
    p.add_argument("--steps", default="check-upload,gaps,e0402", help="步驟，以逗號分隔（check-upload,gaps,e0402,calendar）")
    p.add_argument("--out", metavar="DIR", help="E0402 輸出根目錄（每位客戶一個子資料夾）；預設用各活頁簿[設定]的資料夾")
    p.add_argument("--yes", action="store_true",
                   help="E0402 的空白號碼與上次轉出的不同時，確認取代（沒有 --yes 時該客戶不寫入，列為需處理）")
    p.add_argument("--summary", metavar="FILE.xlsx", help="彙總活頁簿路徑（預設放在客戶資料夾內）")
    p.add_argument("--today", metavar="DATE", help="執行日，例如 2025-03-03（彙總檔名與行事曆用；預設今天）")
    p.add_argument("--quiet", "-q", action="store_true", help="不顯示每位客戶的處理進度")
    p.set_defaults(handler=_batch)


def _batch(args: argparse.Namespace) -> int:
    from ..domain import periods
    from .batch_run import run_batch
    from .batch_summary import write_summary

    folder = Path(args.folder)
    today = parse_date(args.today) if args.today else datetime.date.today()
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]

    def progress(name: str, done: int, total: int) -> None:
        if not args.quiet:
            sys.stderr.write(f"[{done}/{total}] {name}\n")
            sys.stderr.flush()

    run = run_batch(folder, args.period, steps, out_dir=Path(args.out) if args.out else None, today=today,
                    yes=args.yes, progress=progress)
    results = run.clients
    code = periods.parse(args.period).code
    summary = Path(args.summary) if args.summary else folder / f"批次結果_{code}_{today:%Y%m%d}.xlsx"
    write_summary(results, run.skipped, summary, period=code, today=today)
    counts = {s: sum(1 for r in results if r.status == s) for s in ("完成", "需處理", "錯誤")}
    print(f"已處理 {len(results)} 位客戶：完成 {counts['完成']}、需處理 {counts['需處理']}、錯誤 {counts['錯誤']}。")
    print(f"彙總：{summary}")
    for r in results:
        if r.status != "完成":
            detail = r.error or "；".join(f"{o.step}：{o.message or o.exit_code}" for o in r.outcomes if o.exit_code)
            if not detail:
                detail = "；".join(f"{f.step} {f.severity}：{f.message}" for f in r.findings if f.needs_action)
            print(f"  - {r.path.name}（{r.status}）：{detail.splitlines()[0] if detail else ''}")
    if run.skipped:
        print(f"略過 {len(run.skipped)} 個不是客戶活頁簿的檔案：")
        for s in run.skipped[:_SHOWN_SKIPPED]:
            print(f"  - {s.path.name}：{s.reason}")
        if len(run.skipped) > _SHOWN_SKIPPED:
            print(f"  …另有 {len(run.skipped) - _SHOWN_SKIPPED} 個，見彙總的[略過的檔案]工作表")
    return ExitCode.OK if counts["需處理"] == 0 and counts["錯誤"] == 0 else ExitCode.FINDINGS
