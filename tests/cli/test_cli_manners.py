"""The CLI's manners: every help text in zh-TW (argparse's own words too), a description on every
command, -q/--quiet everywhere, usage errors in zh-TW, and the settings table aligned for CJK."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
from pathlib import Path

import pytest

from invoicetools.cli import build_parser, main
from invoicetools.domain._text import display_width
from workbooks import new_book

# Names that stay as they are: the product and its commands, file formats and message codes,
# other programs, the platform's and Turnkey's folder and file names, environment variables.
ALLOWED = {
    "invoicetools", "InvoiceTools", "Excel", "LibreOffice", "Turnkey", "UpCast", "Windows", "AddIns", "Python",
    "xlwings", "PYTHONPATH", "TURNKEY_MESSAGE_LOG", "PDF", "xlsx", "xlsm", "JSON", "CSV", "XML", "XSD", "MIG", "ERP",
    "API", "Big5", "sha256", "ecpay",
    "XLSTART", "ADD_WORKBOOK_TO_PYTHONPATH", "False",  # Excel's folder and xlwings' setting, as they are written
    "KA",  # a track in an example (字軌 = two letters)
}
OPTION = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")
PATH_OR_FILE = re.compile(r"[\w%.\\/:~-]*[\\/][\w%.\\/:~-]*|\b[\w-]+\.(?:xlsm|xlsx|xlam|csv|pdf|xml|json|exe|txt|cmd)\b")


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("invoicetools",)):  # type: ignore[no-untyped-def]
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(build_parser()))
COMMAND_NAMES = {part for path, _ in COMMANDS for word in path for part in word.split("-")}


def _english(text: str) -> list[str]:
    text = PATH_OR_FILE.sub(" ", OPTION.sub(" ", re.sub(r"'[^']*'", " ", text)))  # what the user typed is quoted
    text = re.sub(r"\b\w+(?:-\w+)+\b", " ", text)  # hyphenated names: demo-out, check-upload
    words = re.findall(r"[A-Za-z][A-Za-z0-9_]*", text)
    return sorted({w for w in words if w not in ALLOWED and w not in COMMAND_NAMES and not re.fullmatch(r"[A-Z]\d*", w)})


@pytest.mark.parametrize(("path", "parser"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_help_is_zh_tw_with_a_description(path: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
    text = parser.format_help()
    assert text.startswith("用法：")
    assert parser.description, f"{' '.join(path)} has no description"
    assert _english(text) == [], text


@pytest.mark.parametrize(("path", "parser"), [c for c in COMMANDS if not any(
    isinstance(a, argparse._SubParsersAction) for a in c[1]._actions)], ids=lambda c: " ".join(c) if isinstance(c, tuple) else "")
def test_every_command_accepts_quiet(path: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
    assert {"-q", "--quiet"} <= set(parser._option_string_actions)


@pytest.mark.parametrize(("path", "parser"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_argument_says_what_it_takes(path: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
    """Positional arguments too: `status import --help` says what a FILE_OR_DIR may be."""
    bare = [a.metavar or a.dest for a in parser._actions
            if not isinstance(a, argparse._SubParsersAction) and a.help in (None, "")]
    assert bare == [], f"{' '.join(path)}: no help for {bare}"


def test_the_scan_finds_english() -> None:
    """The checker itself: argparse's untranslated words would be found."""
    assert _english("usage: prog [-h]\n\noptions:\n  -h, --help  show this help message and exit") == [
        "and", "exit", "help", "message", "options", "prog", "show", "this", "usage"]
    assert _english("--book 活頁簿 寫到 C:\\EINVTurnkey\\UpCast 的 E0402_53212539.xml") == []


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("argv", [
    ["gaps", "--book", "b.xlsm", "--void", "--unvoid"],  # not allowed with
    ["e0402", "--book", "b.xlsm", "--mig", "5"],  # invalid choice
    ["export", "--book", "b.xlsm", "--pdf"],  # expected one argument
    ["export"],  # required
    ["nosuchcommand"],
    ["export", "--book", "b.xlsm", "--bogus"],  # unrecognized
])
def test_usage_errors_are_zh_tw(argv: list[str]) -> None:
    code, out, err = _run(*argv)
    assert code == 2 and out == ""
    assert err.startswith("用法：") and "錯誤：" in err
    assert _english(err.split("錯誤：", 1)[1]) == [], err


def test_quiet_silences_commands_that_print(tmp_path: Path) -> None:
    book = tmp_path / "新.xlsm"
    assert _run("new", str(book), "-q") == (0, "", "")
    assert _run("settings", "--book", str(book), "製表人=王小明", "-q") == (0, "", "")
    code, out, _ = _run("settings", "--book", str(book), "--json", "-q")
    assert code == 0 and '"製表人": "王小明"' in out  # --json still prints its JSON


def test_settings_table_lines_up_by_display_width(tmp_path: Path) -> None:
    book = new_book(tmp_path / "b.xlsm")
    code, out, _ = _run("settings", "--book", str(book), "統一編號=04595257", "MIG版本=4.1", "Turnkey資料夾=C:\\EINVTurnkey")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if len(line.split()) > 1}
    assert set(rows) >= {"統一編號", "MIG版本", "Turnkey資料夾", "登入資訊"}
    columns = {display_width(line[: line.index(value)]) for line, value in (
        (rows["統一編號"], "04595257"), (rows["MIG版本"], "4.1"), (rows["Turnkey資料夾"], "C:\\EINVTurnkey"),
        (rows["登入資訊"], "未儲存"))}
    assert len(columns) == 1, out  # every value starts in the same terminal column
