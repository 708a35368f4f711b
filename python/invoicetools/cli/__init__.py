"""``invoicetools``: every step from a terminal, on a workbook file.

Layers (DESIGN): excel/cli → actions → steps/sources/mig → book → domain; arrows point down only.
cli/ is the top, beside excel/; ``batch`` and ``demo`` drive the CLI itself (``batch_run.py``,
``demo_run.py``), and only cli/ imports build/ (the ``build``, ``new`` and ``addin`` commands).

Exit codes everywhere: 0 clean, 1 findings the accountant must act on (or a refusal),
2 bad input or usage — with a zh-TW message on stderr and no traceback (``--debug``
shows it). With ``--json``, stdout holds only the JSON; messages go to stderr.

Each area module (``cli/tracks.py``, ``cli/upload.py`` …) has ``register(subparsers)`` for its
commands, listed once in :func:`build_parser`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NoReturn

from .. import __version__
from ..domain._text import display_width
from ..domain.errors import ExitCode, InterruptedAfterCommit, InvoiceToolsError, RefusalError

__all__ = ["build_parser", "main", "translate_error"]


# argparse's own words, in zh-TW (its messages are fixed English strings, found by pattern)
_ERRORS: tuple[tuple[str, str], ...] = (
    (r"the following arguments are required: (.*)", r"缺少必要參數：\1"),
    (r"one of the arguments (.*) is required", r"必須指定其中一個參數：\1"),
    (r"unrecognized arguments: (.*)", r"無法辨識的參數：\1"),
    (r"argument (\S+): not allowed with argument (\S+)", r"參數 \1 不能與參數 \2 同時使用"),
    (r"argument (\S+): invalid choice: (.*) \(choose from (.*)\)", r"參數 \1：無效的選項 \2（可選：\3）"),
    (r"argument (\S+): invalid (\S+) value: (.*)", r"參數 \1：無效的值 \3"),
    (r"argument (\S+): expected one argument", r"參數 \1：需要一個值"),
    (r"argument (\S+): expected at most one argument", r"參數 \1：最多一個值"),
    (r"argument (\S+): expected at least one argument", r"參數 \1：至少需要一個值"),
    (r"argument (\S+): expected (\d+) arguments?", r"參數 \1：需要 \2 個值"),
    (r"argument (\S+): ignored explicit argument (.*)", r"參數 \1：不接受值 \2"),
    (r"ambiguous option: (\S+) could match (.*)", r"參數 \1 不明確，可能是：\2"),
    (r"unexpected option string: (.*)", r"無法辨識的選項：\1"),
    (r"argument (\S+): (.*)", r"參數 \1：\2"),
)
# placeholders shown in usage lines and option lists
_METAVARS = {
    "BOOK": "活頁簿", "BOOK.xlsm": "活頁簿.xlsm", "COMMAND": "命令", "SUBCOMMAND": "子命令", "DATE": "日期",
    "DIR": "資料夾", "FILE": "檔案", "FILE.xlsx": "檔案.xlsx", "FILE_OR_DIR": "檔案或資料夾", "ID": "帳號",
    "KEY=VALUE": "項目=值", "NAME": "名稱", "OUT.pdf": "輸出.pdf", "OUT.xlsx": "輸出.xlsx", "PERIOD": "申報年月",
    "PYTHON": "Python執行檔", "REASON": "原因", "SECONDS": "秒數", "URL": "網址", "YYY": "民國年", "YYYMM": "申報年月",
    "A": "帳別", "STEPS": "步驟",
}
QUIET_HELP = "只顯示錯誤"


def translate_error(message: str) -> str:
    """argparse's error message in zh-TW.

    >>> translate_error("argument --void: not allowed with argument --unvoid")
    '參數 --void 不能與參數 --unvoid 同時使用'
    >>> translate_error("argument --mig: invalid choice: '5' (choose from '4.1', '4.0', '3.2')")
    "參數 --mig：無效的選項 '5'（可選：'4.1', '4.0', '3.2'）"
    """
    for pattern, replacement in _ERRORS:
        if re.fullmatch(pattern, message, flags=re.S):
            return re.sub(pattern, replacement, message, count=1, flags=re.S)
    return message


class _Formatter(argparse.HelpFormatter):
    """``用法：``, and option lists aligned by display width (a CJK placeholder takes two columns)."""

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        invocation = self._format_action_invocation(action)
        extra = int(display_width(invocation)) - len(invocation)
        head = " " * self._current_indent + invocation
        first, newline, rest = text.partition("\n")
        if extra > 0 and first.startswith(head + " " * (extra + 1)):  # the help text is on the same line
            first = head + first[len(head) + extra:]
        return first + newline + rest

    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[argparse._MutuallyExclusiveGroup], prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse in zh-TW (usage, section titles, -h, errors), usage errors exit 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置參數"
        self._optionals.title = "選項"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="顯示這段說明後結束")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: 錯誤：{translate_error(message)}\n")
        raise SystemExit(ExitCode.BAD_INPUT)


def _commands(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every parser under ``parser`` (itself included), depth first."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield from _commands(sub)


def _leaf(parser: argparse.ArgumentParser) -> bool:
    return not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)


def _manners(parser: argparse.ArgumentParser) -> None:
    """Placeholders in zh-TW, and -q/--quiet on every command (those that print more than an
    action's result get their standard output silenced by ``main``)."""
    for command in _commands(parser):
        for action in command._actions:
            shown = action.metavar if action.metavar is not None else (action.dest.upper() if action.option_strings else None)
            if isinstance(shown, str) and shown in _METAVARS:
                action.metavar = _METAVARS[shown]
        if _leaf(command) and "--quiet" not in command._option_string_actions:
            command.add_argument("--quiet", "-q", action="store_true", help=QUIET_HELP)
            command.set_defaults(_silence_stdout=True)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="invoicetools",
        description="電子發票雙月作業：配號設定、漏上傳檢核、異常跳號整批作廢、E0402 空白字軌。",
    )
    parser.add_argument("--version", action="version", version=f"invoicetools {__version__}", help="顯示版本後結束")
    parser.add_argument("--debug", action="store_true", help="出錯時顯示完整的錯誤追蹤（供開發人員）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    from . import (
        addin,
        batch,
        build,
        calendar,
        core,
        demo,
        doctor,
        e0402,
        export,
        forecast,
        gaps,
        tracks,
        upload,
    )

    for area in (addin, batch, build, calendar, core, demo, doctor, e0402, export, forecast, gaps, tracks, upload):
        area.register(sub)
    _manners(parser)
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
    quiet = getattr(args, "_silence_stdout", False) and args.quiet and not getattr(args, "json", False)
    try:
        with contextlib.redirect_stdout(io.StringIO()) if quiet else contextlib.nullcontext():
            code = args.handler(args)
        return int(code or 0)
    except RefusalError as exc:
        if debug:
            traceback.print_exc()
        hint = "\n命令列：確定要執行時，加上 --force 原因 再執行一次。" if exc.overridable else ""
        sys.stderr.write(f"未執行：{exc}{hint}\n")
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
        from ._common import close_books, release_memory

        close_books()
        release_memory()
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
