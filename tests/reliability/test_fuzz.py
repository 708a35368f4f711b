"""Fuzzing every importer and parser with hypothesis: only ``InvoiceToolsError`` (a clear message) or a result.

Targets: text decoding, the identifier/period/date/number parsers (one value and whole
columns), the layout's typed tables, every tabular importer on generated CSV text (and
what each does next), the E0501/E0402/SummaryResult/ProcessResult readers on mutated valid
documents and on arbitrary bytes, the xlsx reader on mutated zip packages (input files and
the workbook itself, read and written).

The runs are derandomized so CI is repeatable; ``INVOICETOOLS_FUZZ=10`` multiplies the
number of examples for a longer hunt on a developer machine.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import make_corpus as corpus
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from invoicetools.book import layout
from invoicetools.book.tables import typed
from invoicetools.domain import dates, invoice_number, money, periods, ubn
from invoicetools.domain.errors import InvoiceToolsError, Location

SCALE = int(os.environ.get("INVOICETOOLS_FUZZ", "1"))
TABLES = [s.table for s in layout.SHEETS if s.table is not None]
TARGETS: list[str] = []  # filled as the tests are defined, counted by test_fuzz_targets_are_counted


def fuzz(examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def wrap(fn: Callable[..., None]) -> Callable[..., None]:
        TARGETS.append(fn.__name__)
        return settings(max_examples=examples * SCALE, deadline=None, derandomize=True, database=None,
                        suppress_health_check=list(HealthCheck))(fn)
    return wrap


def clean(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``: a result, or ``InvoiceToolsError`` (returned as None). Anything else fails the test."""
    try:
        return fn(*args, **kwargs)
    except InvoiceToolsError as exc:
        assert str(exc).strip()
        return None


# what spreadsheets and ERP exports put in cells
ODD = ["", " ", "　", "AB12345678", "ＡＢ１２３４５６７８", "ab 1234 5678", "113/01/05", "1130105", "114年1月19日", "45296",
       "45296.5", "2024-01-05 13:45:00", "2025-02-30", "0361-10-28", "9999/12/31", "2500年1月1日", "99991231",
       "#N/A", "#REF!", "#DIV/0!", "=1+1", "+1", "-1", "@SUM(A1)", "12345675", "12345675.0", "7", "07", "08",
       "114/01 ~ 114/02", "11402", "113 01~02", "2025-01", "1.5e3", "1,000", "(1,000)", "NT$100", "１２３", "-0",
       "nan", "None", "inf", "NaN", "是", "否", "作廢", "開立", "註銷", "C", "E", "P", "E0001", "已上傳",
       "F0401AB1234567820240105", "20240105123456", "\x00", "\ufeff", "\u200b", '"', "a\"b", "x" * 300]
cells = st.one_of(st.sampled_from(ODD), st.text(max_size=20))
values = st.one_of(cells, st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.none(), st.booleans(),
                   st.dates(), st.datetimes())


# --------------------------------------------------------------------------------------------
# text and identifiers
# --------------------------------------------------------------------------------------------
@fuzz(400)
@given(st.one_of(st.binary(max_size=300), st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff\x00"]),
                 st.text(max_size=50).map(lambda t: t.encode("utf-8")), st.text(max_size=50).map(
                     lambda t: t.encode("cp950", errors="ignore"))))
def test_decode_text(data: bytes) -> None:
    from invoicetools.sources.tabular import decode_text

    result = clean(decode_text, data, Location(file="x.csv"))
    if result is not None:
        assert isinstance(result[0], str)


@fuzz(500)
@given(values)
def test_one_value_parsers(value: object) -> None:
    for parse in (periods.parse, dates.parse_date, dates.parse_datetime, ubn.validate, ubn.compact,
                  invoice_number.validate, invoice_number.validate_track, invoice_number.compact, money.parse):
        clean(parse, value)
    assert isinstance(periods.is_valid(value), bool) and isinstance(invoice_number.is_valid(value), bool)


@fuzz(200)
@given(st.lists(values, max_size=12))
def test_column_parsers(column: list[object]) -> None:
    from invoicetools.sources.register import parse_dates_fast, register_status
    from invoicetools.sources.status import states_of_words

    series = pd.Series(column, dtype=object)
    for parse in (dates.parse_dates, parse_dates_fast):
        parsed, ok = clean(parse, series)
        assert len(parsed) == len(ok) == len(column)
        # a date pandas cannot hold is unreadable, never a wrapped-around date in another century
        assert parsed.dropna().between(pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-11")).all()
    text = series.map(lambda v: v if v is None or isinstance(v, str) else str(v))
    keys, ok = clean(invoice_number.keys_from_strings, text)
    assert len(keys) == len(ok) == len(column)
    clean(register_status, text)
    clean(states_of_words, text)


@fuzz(60)
@given(st.sampled_from([t.sheet for t in TABLES]), st.data())
def test_typed_tables(name: str, data: st.DataObject) -> None:
    """Any text in any column of any layout table: typed with findings, never an exception."""
    table = layout.table(name)
    headers = data.draw(st.lists(st.sampled_from([*table.headers, "額外欄"]), min_size=1, unique=True))
    rows = data.draw(st.lists(st.lists(cells, min_size=len(headers), max_size=len(headers)), max_size=6))
    raw = pd.DataFrame(rows, columns=headers, index=range(5, 5 + len(rows)), dtype=object)
    frame, findings = clean(typed, raw, table, Location(file="book.xlsm", sheet=table.sheet))
    assert len(frame) == len(rows)
    assert all(f.where.sheet == table.sheet for f in findings)


# --------------------------------------------------------------------------------------------
# the tabular importers on generated CSV text
# --------------------------------------------------------------------------------------------
HEADERS = {
    "tracks": corpus.MOF_HEADER,
    "invoices": corpus.REG_HEADER,
    "status": corpus.STATUS_HEADER,
    "message_log": ["INVOICE_IDENTIFIER", "STATUS", "MESSAGE_TYPE", "MESSAGE_DTS", "IN_OUT_BOUND"],
    "machines": corpus.MACHINE_HEADER,
}


def import_file(kind: str, path: Path) -> None:
    """What each importer does with a file, up to the rows it would write."""
    from invoicetools.actions.machines import validate_machines
    from invoicetools.sources import mof_tracks, register, status, tabular
    from invoicetools.steps.tracks import parse_track_rows

    if kind == "tracks":
        read = clean(mof_tracks.read_sources, [path])
        for src in read.sources:
            clean(parse_track_rows, src.frame, src.where, source=src.name)
    elif kind == "invoices":
        got = clean(register.read_register, path)
        if got is not None:
            reg = clean(register.prepare_register, *got)
            if reg is not None:
                assert len(reg.sheet) == len(got[0])
    elif kind in ("status", "message_log"):
        imported = clean(status.read_status_path, path)
        if imported is not None:
            clean(status.platform_input, imported.frame, Location(sheet="平台狀況"))
    else:
        table = layout.table("機台配號設定")
        raw = clean(tabular.read_table_file, path, table)
        if raw is not None:
            frame, _ = clean(typed, raw, table, Location(file=path.name))
            clean(validate_machines, frame, Location(file=path.name))


@fuzz(150)
@given(kind=st.sampled_from(sorted(HEADERS)), data=st.data(),
       encoding=st.sampled_from(["utf-8", "cp950", "utf-8-sig", "utf-16"]), sep=st.sampled_from([",", "\t", ";"]))
def test_tabular_importers_on_generated_csv(kind: str, data: st.DataObject, encoding: str, sep: str,
                                           tmp_path_factory: pytest.TempPathFactory) -> None:
    header = data.draw(st.permutations(HEADERS[kind]))
    if data.draw(st.booleans()):  # columns dropped or repeated
        header = data.draw(st.lists(st.sampled_from(header), min_size=1, max_size=len(header) + 1))
    rows = data.draw(st.lists(st.lists(cells, max_size=len(header) + 2), max_size=8))
    above = data.draw(st.lists(st.lists(cells, max_size=3), max_size=2))  # title or blank lines
    quote = data.draw(st.booleans())
    body = corpus.csv_bytes([*above, list(header), *rows], encoding="utf-8", sep=sep, quote=quote)
    raw = body.decode("utf-8").encode(encoding, errors="replace")
    if data.draw(st.booleans()):  # cut anywhere (a truncated download)
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    path = tmp_path_factory.mktemp("csv") / ("in.tsv" if sep == "\t" else "in.csv")
    path.write_bytes(raw)
    import_file(kind, path)


# --------------------------------------------------------------------------------------------
# XML: mutated valid documents and arbitrary bytes
# --------------------------------------------------------------------------------------------
DOCUMENTS = {
    "e0501": corpus.xml(corpus.e0501()),
    "envelope": corpus.xml(corpus.envelope([corpus.e0501(), corpus.e0501("KB", "56780000", "56780049", "1")])),
    "summary": corpus.xml(corpus.summary_result()),
    "process": corpus.xml(corpus.process_result()),
}


def _e0402() -> bytes:
    from invoicetools.mig import e0402

    return e0402.build(head_ban=corpus.COMPANY, branch_ban=corpus.COMPANY, invoice_type="07",
                       year_month=corpus.PERIOD, track="KA", ranges=[(12340010, 12340012), (12340050, 12340099)],
                       version="4.1")


REPLACEMENTS = [b"", b" ", b"ABC", b"-1", b"99999999999999999999", "１２３".encode(), b"11413", b"00", b"7", b"4.1",
                b"&amp;", b"&lt;x&gt;", b"<x/>", b"\xff\xfe", b"]]>", b"<!-- c -->", b"&#0;", b"&#x1F600;"]


@fuzz(300)
@given(st.sampled_from([*DOCUMENTS, "e0402"]), st.data())
def test_xml_readers_on_mutated_documents(name: str, data: st.DataObject) -> None:
    from invoicetools.mig import e0402, e0501, results

    doc = bytearray(_e0402() if name == "e0402" else DOCUMENTS[name])
    for _ in range(data.draw(st.integers(1, 4))):
        if not doc:
            break
        i = data.draw(st.integers(0, len(doc) - 1))
        op = data.draw(st.sampled_from(["byte", "cut", "insert", "repeat", "truncate", "text"]))
        if op == "byte":
            doc[i] = data.draw(st.integers(0, 255))
        elif op == "cut":
            del doc[i : i + data.draw(st.integers(1, 20))]
        elif op == "insert":
            doc[i:i] = data.draw(st.binary(max_size=10))
        elif op == "repeat":
            j = data.draw(st.integers(i, len(doc)))
            doc[i:i] = doc[i:j]
        elif op == "truncate":
            del doc[i:]
        else:  # the text of an element
            k = bytes(doc).find(b">", i)
            end = bytes(doc).find(b"<", k)
            if 0 <= k < end:
                doc[k + 1 : end] = data.draw(st.sampled_from(REPLACEMENTS))
    mutated = bytes(doc)
    clean(e0501.parse, mutated, file="x.xml")
    clean(results.parse, mutated, file="x.xml")
    clean(e0402.parse, mutated, file="x.xml")


@fuzz(300)
@given(st.binary(max_size=400))
def test_xml_readers_on_arbitrary_bytes(data: bytes) -> None:
    from invoicetools.mig import e0402, e0501, results, safe_xml

    for parse in (safe_xml.parse_bytes, e0501.parse, results.parse, e0402.parse):
        clean(parse, data, file="x.xml")


# --------------------------------------------------------------------------------------------
# xlsx packages: mutated zips, as input files and as the workbook
# --------------------------------------------------------------------------------------------
def _register_xlsx() -> bytes:
    return corpus.reg_errors_xlsx()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def _members_names(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.namelist()
    except zipfile.BadZipFile:
        return []


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()


HOSTILE_PARTS = [b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", b'r="XFD1048577"', b"&e;", b"\x00",
                 b'<c r="A9" t="e"><v>#REF!</v></c>', b'<c r="B5" t="s"><v>99999</v></c>', b"\x9c\xff"]


def mutate_package(data: bytes, draw: st.DataObject) -> bytes:
    mode = draw.draw(st.sampled_from(["bytes", "part", "drop"]))
    if mode == "bytes":
        raw = bytearray(data)
        for _ in range(draw.draw(st.integers(1, 5))):
            raw[draw.draw(st.integers(0, len(raw) - 1))] = draw.draw(st.integers(0, 255))
        if draw.draw(st.booleans()):
            del raw[draw.draw(st.integers(0, len(raw))):]
        return bytes(raw)
    members = _members(data)
    name = draw.draw(st.sampled_from(sorted(n for n in members if n.endswith((".xml", ".rels")))))
    if mode == "drop":
        del members[name]
    else:
        body = bytearray(members[name])
        for _ in range(draw.draw(st.integers(1, 3))):
            i = draw.draw(st.integers(0, max(len(body) - 1, 0)))
            op = draw.draw(st.sampled_from(["byte", "cut", "insert"]))
            if op == "byte" and body:
                body[i] = draw.draw(st.integers(0, 255))
            elif op == "cut":
                del body[i : i + draw.draw(st.integers(1, 30))]
            else:
                body[i:i] = draw.draw(st.sampled_from(HOSTILE_PARTS))
        members[name] = bytes(body)
    return _zip(members)


@fuzz(150)
@given(data=st.data())
def test_xlsx_importers_on_mutated_packages(data: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
    from invoicetools.sources import register, status, tabular

    path = tmp_path_factory.mktemp("xlsx") / "in.xlsx"
    path.write_bytes(mutate_package(_register_xlsx(), data))
    os.environ["INVOICETOOLS_NO_CACHE"] = "1"
    try:
        clean(tabular.read_table_file, path, layout.table("發票資料"))
        clean(register.read_register, path)
        clean(status.read_status_path, path)
    finally:
        del os.environ["INVOICETOOLS_NO_CACHE"]


_TEMPLATE: dict[str, bytes] = {}


@fuzz(100)
@given(data=st.data())
def test_the_workbook_itself_mutated(data: st.DataObject, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A damaged workbook: read every table, write one, commit; a clear error or a clean write, never a crash."""
    from invoicetools.book.file_backend import FileBook
    from workbooks import new_book

    folder = tmp_path_factory.mktemp("book")
    if "book" not in _TEMPLATE:
        _TEMPLATE["book"] = new_book(folder / "template.xlsm").read_bytes()
    path = folder / "InvoiceTools.xlsm"
    original = mutate_package(_TEMPLATE["book"], data)
    path.write_bytes(original)
    os.environ["INVOICETOOLS_NO_CACHE"] = "1"
    try:
        book = clean(FileBook, path)
        if book is None:
            event("refused at open")
            assert path.read_bytes() == original
            return
        try:
            for table in TABLES:
                clean(book.read_table, table)
            clean(book.write_table, layout.table("執行紀錄"), pd.DataFrame({"步驟": ["測試"]}))
            before = path.read_bytes()
            try:
                book.commit()
            except InvoiceToolsError:
                event("refused at commit")
                assert path.read_bytes() == before  # refused: the file is as it was
            else:
                event("written")
                with zipfile.ZipFile(path) as z:  # written: a whole package (damaged parts copied as they were)
                    assert set(z.namelist()) == set(_members_names(before))
        finally:
            book.close()
    finally:
        del os.environ["INVOICETOOLS_NO_CACHE"]
    assert sorted(p.name for p in folder.iterdir()) == sorted({"template.xlsm", "InvoiceTools.xlsm"} & {
        p.name for p in folder.iterdir()}), "a temporary file was left beside the workbook"


def test_fuzz_targets_are_counted() -> None:
    assert len(TARGETS) == 9
