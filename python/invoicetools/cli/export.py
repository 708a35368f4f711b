"""``invoicetools export``: the review PDF and values-only .xlsx of chosen sheets."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._common import add_book, add_common, context, emit

__all__ = ["register"]


def register(sub: Any) -> None:
    # review_layout, not export: the parser is built on every start, export's imports are not needed for it
    from ..actions.review_layout import DEFAULT_SHEETS, PDF_TIMEOUT

    p = sub.add_parser(
        "export", help="匯出審閱用 PDF 與純數值 xlsx",
        description="把工作表匯出成審閱用的 PDF（LibreOffice）與只有數值的 xlsx；每張工作表都有公司、統一編號、"
                    "申報年月、製表人與匯出時間。輸出檔與 sha256 會寫入[執行紀錄]。"
                    "沒有指定 --pdf／--xlsx 時，兩種都寫到[設定]的輸出資料夾（未設定時為活頁簿所在的資料夾），"
                    "檔名為 <統編>_<申報年月>_審閱_<時間>。",
    )
    add_book(p)
    p.add_argument("--pdf", metavar="OUT.pdf", help="PDF 檔（也可以是資料夾：用預設檔名）")
    p.add_argument("--xlsx", metavar="OUT.xlsx", help="純數值 xlsx 檔（也可以是資料夾：用預設檔名）")
    p.add_argument("--sheets", metavar="工作表,...",
                   help=f"要匯出的工作表，以逗號分隔（預設：{','.join(DEFAULT_SHEETS)}）")
    p.add_argument("--timeout", type=float, default=PDF_TIMEOUT, metavar="SECONDS",
                   help=f"LibreOffice 產生 PDF 的時間上限（預設 {PDF_TIMEOUT:g} 秒）")
    add_common(p)
    p.set_defaults(handler=_export)


def _target(value: str | None, name: str) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    return path / name if path.is_dir() else path


def _export(args: argparse.Namespace) -> int:
    from ..actions.export import export_review, parse_sheet_list, render_pdf_libreoffice, review_file_name
    from ..book.settings import read_settings

    ctx = context(args)
    now = ctx.now()
    ctx.now = lambda: now  # the file names and the header block show the same time
    settings = read_settings(ctx.io)
    pdf = _target(args.pdf, review_file_name(settings, now, "pdf"))
    xlsx = _target(args.xlsx, review_file_name(settings, now, "xlsx"))
    if pdf is None and xlsx is None:  # as the [匯出] buttons: [設定] 輸出資料夾, else beside the workbook
        folder = settings.output_dir or Path(args.book).resolve().parent
        pdf = folder / review_file_name(settings, now, "pdf")
        xlsx = folder / review_file_name(settings, now, "xlsx")
    sheets = parse_sheet_list(args.sheets) if args.sheets else None
    timeout = float(args.timeout)
    result = export_review(ctx, pdf=pdf, xlsx=xlsx, sheets=sheets,
                           pdf_renderer=lambda data: render_pdf_libreoffice(data, timeout=timeout))
    return emit(result, args)
