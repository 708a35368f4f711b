"""Commands for the workbook itself: new, settings, machines import."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..domain._text import display_width
from ..domain.errors import ExitCode, InputError, Location
from ._common import add_book, add_common, context, emit, open_book

__all__ = ["register"]


def register(sub: Any) -> None:
    p = sub.add_parser("new", help="由範本建立新的活頁簿", description="由範本建立一本新的 InvoiceTools 活頁簿（.xlsm）。")
    p.add_argument("path", metavar="BOOK.xlsm", help="新活頁簿的檔名（.xlsm）")
    p.add_argument("--force", action="store_true", help="檔案已存在時覆蓋")
    p.set_defaults(handler=_new)

    p = sub.add_parser("settings", help="顯示或修改[設定]", description="顯示或修改[設定]的值，例如 統一編號=04595257 申報年月=11402。")
    add_book(p)
    p.add_argument("pairs", nargs="*", metavar="KEY=VALUE", help="設定項目=值（項目用[設定]上的名稱）")
    p.add_argument("--json", action="store_true", help="以 JSON 輸出")
    p.set_defaults(handler=_settings)

    p = sub.add_parser("machines", help="機台配號設定", description="匯入機台配號設定表（帳別、機台號、組數…）。")
    msub = p.add_subparsers(dest="machines_command", metavar="SUBCOMMAND")
    msub.required = True
    mi = msub.add_parser("import", help="由 CSV/xlsx 匯入機台配號設定",
                         description="由 CSV 或 xlsx 匯入[機台配號設定]（取代現有內容）：依標題辨認欄位 帳別、機台號、"
                                     "組數(50張一組)、傳輸類別、交換範圍、所屬年月、發票字軌、分支機構統編；"
                                     "有錯誤時列出每個問題的位置，不匯入。")
    mi.add_argument("file", metavar="FILE", help="機台配號設定表（CSV 或 xlsx）")
    add_book(mi)
    add_common(mi, json_output=False)
    mi.set_defaults(handler=_machines_import)


def _new(args: argparse.Namespace) -> int:
    path = Path(args.path)
    if path.suffix.lower() != ".xlsm":
        raise InputError("新活頁簿的副檔名應為 .xlsm", where=Location(file=str(path)))
    if path.exists() and not args.force:
        raise InputError("檔案已存在；要覆蓋請加 --force", where=Location(file=str(path)))
    from ..actions.files import write_atomic
    from ..book.xlsx_package import refuse_if_open
    from ..build.product import build_xlsm

    refuse_if_open(path)  # --force over a workbook that Excel has open
    write_atomic(path, build_xlsm())
    print(f"已建立活頁簿：{path}")
    print("下一步：在[設定]填寫統一編號與申報年月，或執行 invoicetools settings --book "
          f"{path} 統一編號=XXXXXXXX 申報年月=11402")
    return ExitCode.OK


def _settings(args: argparse.Namespace) -> int:
    import json

    from ..book.settings import OTHER_SYSTEMS, read_settings, write_settings

    book = open_book(args.book)
    updates: dict[str, str | None] = {}
    for pair in args.pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError("請用 項目=值 的格式，例如 統一編號=04595257", found=pair)
        updates[key.strip()] = value.strip() or None
    if updates:
        write_settings(book, updates)
        settings = read_settings(book)
        # validate what was typed before anything is written
        if "統一編號" in updates:
            _ = settings.ubn
        if "申報年月" in updates:
            period = settings.period
            if period is not None:  # keep the normal form so every step reads the same
                write_settings(book, {"申報年月": period.code})
        if "MIG版本" in updates:
            _ = settings.mig_version
        if OTHER_SYSTEMS in updates and settings.other_systems is not None:  # 是/否 as the sheet shows them
            write_settings(book, {OTHER_SYSTEMS: "是" if settings.other_systems else "否"})
        book.commit()
    settings = read_settings(book)
    if args.json:
        json.dump(dict(settings.values), sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        width = max((display_width(k) for k in settings.values), default=0)
        for key, value in settings.values.items():  # aligned by display width: a CJK label takes two columns
            print(f"{key}{' ' * (width - display_width(key))}  {value if value is not None else ''}".rstrip())
    return ExitCode.OK


def _machines_import(args: argparse.Namespace) -> int:
    from ..actions.machines import import_machines

    ctx = context(args)
    return emit(import_machines(ctx, Path(args.file)), args)
