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


def register(sub: Any) -> None:
    p = sub.add_parser("batch", help="一次處理多位客戶（資料夾內每本活頁簿）",
                       description="對資料夾內每本客戶活頁簿執行指定步驟，產生一本彙總活頁簿（每位客戶一列）；"
                                   "某位客戶失敗時繼續處理下一位。")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--period", required=True, metavar="PERIOD", help="申報年月，例如 11302")
    p.add_argument("--steps", default="check-upload,gaps,e0402", help="步驟，以逗號分隔（check-upload,gaps,e0402,calendar）")
    p.add_argument("--out", metavar="DIR", help="E0402 輸出根目錄（每位客戶一個子資料夾）；預設用各活頁簿[設定]的資料夾")
    p.add_argument("--summary", metavar="FILE.xlsx", help="彙總活頁簿路徑（預設放在客戶資料夾內）")
    p.add_argument("--today", metavar="DATE")
    p.add_argument("--quiet", "-q", action="store_true")
    p.set_defaults(handler=_batch)


def _batch(args: argparse.Namespace) -> int:
    from ..domain import periods
    from .batch_run import run_batch, write_summary

    folder = Path(args.folder)
    today = parse_date(args.today) if args.today else datetime.date.today()
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]

    def progress(name: str, done: int, total: int) -> None:
        if not args.quiet:
            sys.stderr.write(f"[{done}/{total}] {name}\n")
            sys.stderr.flush()

    results = run_batch(folder, args.period, steps, out_dir=Path(args.out) if args.out else None, today=today,
                        progress=progress)
    code = periods.parse(args.period).code
    summary = Path(args.summary) if args.summary else folder / f"批次結果_{code}_{today:%Y%m%d}.xlsx"
    write_summary(results, summary, period=code, today=today)
    counts = {s: sum(1 for r in results if r.status == s) for s in ("完成", "需處理", "錯誤")}
    print(f"已處理 {len(results)} 位客戶：完成 {counts['完成']}、需處理 {counts['需處理']}、錯誤 {counts['錯誤']}。")
    print(f"彙總：{summary}")
    for r in results:
        if r.status != "完成":
            detail = r.error or "；".join(f"{o.step}：{o.message or o.exit_code}" for o in r.outcomes if o.exit_code)
            print(f"  - {r.path.name}（{r.status}）：{detail}")
    return ExitCode.OK if counts["需處理"] == 0 and counts["錯誤"] == 0 else ExitCode.FINDINGS
