"""``invoicetools``: every step from a terminal, on a workbook file.

Exit codes everywhere: 0 clean, 1 findings the accountant must act on (or a refusal),
2 bad input or usage — with a zh-TW message on stderr and no traceback (``--debug``
shows it). With ``--json``, stdout holds only the JSON; messages go to stderr.

Each module of this package that defines ``register(subparsers)`` adds its commands, so
an area's commands live next to each other (``cli/tracks.py``, ``cli/upload.py`` …).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn

from .. import __version__
from ..domain.errors import ExitCode, InterruptedAfterCommit, InvoiceToolsError, RefusalError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse with zh-TW usage errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        translated = (
            message.replace("the following arguments are required", "缺少必要參數")
            .replace("unrecognized arguments", "無法辨識的參數")
            .replace("invalid choice", "無效的選項")
            .replace("expected one argument", "需要一個值")
            .replace("argument ", "參數 ")
        )
        sys.stderr.write(f"{self.prog}: 錯誤：{translated}\n")
        raise SystemExit(ExitCode.BAD_INPUT)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="invoicetools",
        description="電子發票雙月作業：配號設定、漏上傳檢核、異常跳號整批作廢、E0402 空白字軌。",
    )
    parser.add_argument("--version", action="version", version=f"invoicetools {__version__}")
    parser.add_argument("--debug", action="store_true", help="出錯時顯示完整的錯誤追蹤（供開發人員）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``invoicetools`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return int(exc.code or 0)
    debug = bool(getattr(args, "debug", False))
    restore = _stop_on_sigterm()
    try:
        code = args.handler(args)
        return int(code or 0)
    except RefusalError as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"未執行：{exc}\n命令列：確定要執行時，加上 --force 原因 再執行一次。\n")
        return exc.exit_code
    except InvoiceToolsError as exc:
        if debug:
            traceback.print_exc()
        sys.stderr.write(f"錯誤：{exc}\n")
        return exc.exit_code
    except InterruptedAfterCommit:
        sys.stderr.write("已中斷：這一步已完成（活頁簿與輸出檔都已寫入），之後的工作沒有執行。\n")
        return 130
    except KeyboardInterrupt:
        sys.stderr.write("已中斷：工作已停止，活頁簿與輸出資料夾未被修改。\n")
        return 130
    except Exception as exc:  # a bug: say so plainly, keep the traceback out of the accountant's way
        if debug:
            raise
        from ..actions.crash_report import crash_report

        try:
            saved = f"詳細資料已存到 {crash_report(exc)}，請將此檔提供給維護人員。"
        except OSError:  # the disk that failed the step may not take the report either
            saved = "（無法寫入錯誤報告檔）"
        sys.stderr.write(
            "程式發生未預期的錯誤，工作已停止，活頁簿與輸出資料夾未被修改。\n"
            f"錯誤摘要：{type(exc).__name__}: {exc}\n"
            f"{saved}\n"
        )
        return ExitCode.BAD_INPUT
    finally:
        restore()


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm() -> Callable[[], None]:
    """``kill PID`` (SIGTERM) stops a step as Ctrl+C does, so that its files are taken back.

    Returns what puts the previous handler back.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    try:
        previous = signal.signal(signal.SIGTERM, _interrupted)
    except (ValueError, OSError):  # pragma: no cover - a platform without SIGTERM handlers
        return lambda: None

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)

    return restore


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
