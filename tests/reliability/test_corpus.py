"""The bad-input corpus (``tests/corpus/``) through every importer, then the steps that read what was imported.

For each file: the exit code, a zh-TW message naming the file (and the row/column where
it applies), no traceback, and exactly which parts of the workbook may change:

* ``none`` — byte-identical;
* ``log`` — only 檢核訊息 and 執行紀錄 (and the step's own status cell on its result sheet):
  no input sheet changes, and 檢核訊息 holds a row naming the file;
* ``import`` — the imported sheet, 檢核訊息 and 執行紀錄.

No temporary file is left beside the workbook, and the corpus files themselves are never
changed. Huge inputs are made here in a temp folder (sparse files past the size limits, a
9 MB register with one bad line at its very end).
"""

from __future__ import annotations

from pathlib import Path

import make_corpus as corpus
import pytest
from helpers import (
    Run,
    assert_clean_message,
    changed_parts,
    cli,
    leftovers,
    parts,
    prepared_book,
    read_table,
    sheet_parts,
    tree,
)

from workbooks import new_book

COMMANDS = {"tracks": ("tracks", "import"), "invoices": ("invoices", "import"), "status": ("status", "import"),
            "machines": ("machines", "import")}
TARGET = {"tracks": "字軌配號", "invoices": "發票資料", "status": "平台狀況", "machines": "機台配號設定"}
STATUS_SHEET = {"tracks": "配號設定"}  # where the step writes its status line (a cell above the table)
INPUT_SHEETS = ("設定", "字軌配號", "機台配號設定", "發票資料", "平台狀況")
_BASE: dict[str, bytes] = {}
_CORPUS_BEFORE = tree(corpus.FILES)


def fresh_book(folder: Path) -> Path:
    """A template workbook with 統一編號 12345675 and 申報年月 11402 (built once, copied per test)."""
    if "book" not in _BASE:
        scratch = folder / "base"
        scratch.mkdir()
        _BASE["book"] = prepared_book(new_book(scratch / "base.xlsm")).read_bytes()
        for p in sorted(scratch.iterdir()):
            p.unlink()
        scratch.rmdir()
    book = folder / "InvoiceTools.xlsm"
    book.write_bytes(_BASE["book"])
    return book


def run_import(command: str, path: Path, book: Path) -> Run:
    return cli(*COMMANDS[command], path, "--book", book)


def test_the_corpus_is_what_the_script_writes() -> None:
    assert corpus.differences() == [], "run: python tests/corpus/make_corpus.py"
    total = sum(p.stat().st_size for p in corpus.FILES.rglob("*") if p.is_file())
    assert total < 5 * 1024**2


@pytest.mark.parametrize("case", corpus.CASES, ids=[c.name for c in corpus.CASES])
def test_corpus_case(case: corpus.Case, tmp_path: Path) -> None:
    book = fresh_book(tmp_path)
    before = parts(book)
    run = run_import(case.command, corpus.FILES / case.name, book)

    assert run.code == case.exit_code, run.text
    assert_clean_message(run)
    missing = [e for e in case.expect if e not in run.text]
    assert not missing, f"{missing} not in:\n{run.text}"
    if case.exit_code:
        shown = case.name if "/" not in case.name else case.name.split("/")[0]
        assert shown in run.text or any(p.name in run.text for p in (corpus.FILES / case.name).rglob("*"))

    after = parts(book)
    changed = changed_parts(before, after)
    if "xl/styles.xml" in changed:  # only quote-prefixed twins added (formula-like text stays text when edited)
        _assert_only_quote_styles_added(before["xl/styles.xml"], after["xl/styles.xml"])
        changed.discard("xl/styles.xml")
    log = sheet_parts(book, "檢核訊息", "執行紀錄")
    status = sheet_parts(book, STATUS_SHEET[case.command]) if case.command in STATUS_SHEET else set()
    status = {p for p in status if p.startswith("xl/worksheets/")}  # the status cell, not its table
    target = sheet_parts(book, TARGET[case.command])
    untouched = sheet_parts(book, *(s for s in INPUT_SHEETS if case.changes != corpus.IMPORT or s != TARGET[case.command]))
    assert not changed & untouched, f"input sheets changed: {changed & untouched}"
    if case.changes == corpus.NONE:
        assert changed == set()
    elif case.changes == corpus.LOG:
        assert changed <= log | status, changed - log - status
        findings = read_table(book, "檢核訊息")
        files = " ".join(str(v) for v in findings["檔案"].tolist())  # type: ignore[index]
        assert Path(case.name).name in files or case.name.split("/")[0] in files or any(
            p.name in files for p in (corpus.FILES / case.name).rglob("*")), files
    else:
        assert changed <= log | status | target
        assert changed & target
    assert leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["InvoiceTools.xlsm"]


def test_the_corpus_files_were_never_changed() -> None:
    assert tree(corpus.FILES) == _CORPUS_BEFORE


# --------------------------------------------------------------------------------------------
# what was imported, through the steps that read it
# --------------------------------------------------------------------------------------------
CONTROLS = {"machines": "machines_control.csv", "tracks": "mof_control_big5.csv",
            "invoices": "reg_control_big5.csv", "status": "status_control.csv"}
ORDER = ("machines", "tracks", "invoices", "status")
ACCEPTED = [c for c in corpus.CASES if c.changes == corpus.IMPORT and c.name not in CONTROLS.values()]


def controls_book(folder: Path) -> Path:
    """A workbook with every control input imported and allocated (built once, copied per test)."""
    if "controls" not in _BASE:
        book = fresh_book(folder)
        for command in ORDER:
            assert run_import(command, corpus.FILES / CONTROLS[command], book).code == 0
        assert cli("tracks", "allocate", "--book", book).code in (0, 1)
        _BASE["controls"] = book.read_bytes()
    book = folder / "InvoiceTools.xlsm"
    book.write_bytes(_BASE["controls"])
    return book


@pytest.mark.parametrize("case", ACCEPTED, ids=[c.name for c in ACCEPTED])
def test_accepted_inputs_go_through_every_step(case: corpus.Case, tmp_path: Path) -> None:
    """Each accepted odd file in place of its control, then the steps that read it (E0402 as a dry run)."""
    book = controls_book(tmp_path)
    run = run_import(case.command, corpus.FILES / case.name, book)
    assert run.code in (0, 1), run.text
    first = (cli("tracks", "allocate", "--book", book) if case.command in ("tracks", "machines")
             else cli("check-upload", "--book", book, "--period", corpus.PERIOD, "--force", "語料測試"))
    e0402 = cli("e0402", "--book", book, "--period", corpus.PERIOD, "--out", tmp_path / "out", "--dry-run",
                "--force", "語料測試")
    for step in (first, e0402):
        assert step.code in (0, 1, 2), step.text
        assert_clean_message(step)
    assert not (tmp_path / "out").exists()  # a dry run writes nothing
    assert leftovers(tmp_path) == []


# --------------------------------------------------------------------------------------------
# huge inputs, made here
# --------------------------------------------------------------------------------------------
def sparse(path: Path, size: int, head: bytes = b"") -> Path:
    """A file of ``size`` bytes that takes no disk space (a hole after ``head``)."""
    with path.open("wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


HUGE_TABULAR = [("tracks", "huge.csv"), ("invoices", "huge.csv"), ("status", "huge.csv"), ("machines", "huge.csv"),
                ("tracks", "huge.xlsx"), ("invoices", "huge.xlsx")]


@pytest.mark.parametrize(("command", "name"), HUGE_TABULAR)
def test_a_file_over_2_gb_is_refused_before_it_is_read(command: str, name: str, tmp_path: Path) -> None:
    book = fresh_book(tmp_path)
    before = parts(book)
    src = tmp_path / "in"
    src.mkdir()
    path = sparse(src / name, 2 * 1024**3 + 1, "發票號碼,發票日期\n".encode())
    run = run_import(command, path, book)
    assert run.code == 2
    assert_clean_message(run)
    assert name in run.text and "檔案太大" in run.text and "2 GB" in run.text
    assert not changed_parts(before, parts(book)) & sheet_parts(book, *INPUT_SHEETS)


@pytest.mark.parametrize(("command", "name"), [("tracks", "E0501.xml"), ("status", "SummaryResult.xml")])
def test_an_xml_file_over_256_mb_is_refused_before_it_is_read(command: str, name: str, tmp_path: Path) -> None:
    book = fresh_book(tmp_path)
    src = tmp_path / "in"
    src.mkdir()
    path = sparse(src / name, 300 * 1024**2, b'<?xml version="1.0"?>\n<InvoiceAssignNo xmlns="urn:GEINV:E0501:4.1">')
    run = run_import(command, path, book)
    assert run.code == 2
    assert_clean_message(run)
    assert name in run.text and "檔案太大" in run.text


def test_a_turnkey_folder_with_a_huge_file_reports_it_and_reads_the_rest(tmp_path: Path) -> None:
    book = fresh_book(tmp_path)
    folder = tmp_path / "Turnkey" / "DownCast" / "E0501"
    folder.mkdir(parents=True)
    (folder / "good.xml").write_bytes(corpus.xml(corpus.e0501()))
    sparse(folder / "huge.xml", 300 * 1024**2, b"<InvoiceAssignNo")
    run = run_import("tracks", tmp_path / "Turnkey", book)
    assert run.code == 2  # one unreadable file: nothing imported, both named
    assert_clean_message(run)
    assert "huge.xml" in run.text and "檔案太大" in run.text


@pytest.mark.slow
def test_a_9_mb_register_with_one_bad_line_at_its_end(tmp_path: Path) -> None:
    """A big ERP export: read, one finding at its exact last line, the sheet written (no limit hit)."""
    book = fresh_book(tmp_path)
    rows = 150_000
    lines = [",".join(corpus.REG_HEADER)]
    lines += [f"A,KA{12_340_000 + i:08d},2025/01/15,10:00:00,甲公司,,1000,50,1050,開立" for i in range(rows - 1)]
    lines.append("A,KA99999999,2025/02/30,10:00:00,甲公司,,1000,50,1050,開立")
    path = tmp_path / "in" / "erp.csv"
    path.parent.mkdir()
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp950"))
    assert path.stat().st_size > 8 * 1024**2
    run = run_import("invoices", path, book)
    assert run.code == 1, run.text
    assert_clean_message(run)
    assert f"erp.csv 第 {rows + 1} 列 欄位「發票日期」" in run.text
    assert f"已匯入 {rows:,} 張發票" in run.text


def _assert_only_quote_styles_added(old: bytes, new: bytes) -> None:
    import re

    def xfs(xml: bytes) -> list[bytes]:
        cell_xfs = re.search(rb"<cellXfs[^>]*>(.*?)</cellXfs>", xml, re.S)
        assert cell_xfs is not None
        return re.findall(rb"<xf\b.*?(?:/>|</xf>)", cell_xfs.group(1), re.S)

    before, after = xfs(old), xfs(new)
    assert after[: len(before)] == before  # every style index the sheets use means what it meant
    added = after[len(before):]
    assert added and all(b'quotePrefix="1"' in x for x in added)
    outside = re.sub(rb"<cellXfs.*?</cellXfs>", b"", new, flags=re.S)
    assert outside == re.sub(rb"<cellXfs.*?</cellXfs>", b"", old, flags=re.S) or b"<cellXfs" not in old
