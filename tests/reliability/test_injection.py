"""Hostile content: spreadsheet formula injection in what InvoiceTools writes, XML entities and network access.

* Imported text that starts with ``= + - @`` (``tests/corpus/files/reg_formula_text.csv``)
  stays text: the review export writes it as string cells with Excel's quote prefix (so
  editing the cell keeps it text), never a ``<f>`` formula; the workbook sheet holds it
  as an inline string; the batch summary (client names from each workbook) has no formula.
  There is no CSV export in the product (``--json`` is not a spreadsheet format).
* XML is parsed with entity resolution and network access off: documents pointing at a
  DTD, an external entity or an XInclude on a local HTTP server — E0501, SummaryResult,
  an import xlsx and the workbook's own parts — are refused or read without a single
  request reaching the server, and a local file named by an entity never shows up.
* Every lxml parser the package builds has ``resolve_entities=False`` and
  ``no_network=True``, and no document is parsed without one.
"""

from __future__ import annotations

import io
import re
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import make_corpus as corpus
import pytest
from helpers import PERIOD, assert_clean_message, cli, prepared_book, tree

from workbooks import new_book

PACKAGE = Path(__file__).resolve().parents[2] / "python" / "invoicetools"
FORMULA_TEXT = ('=HYPERLINK("http://x.invalid","點我")', "+886-2-1234", "-1+1", "@SUM(A1)")


def sheet_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


def test_formula_like_text_is_text_in_the_workbook_and_the_review_export(tmp_path: Path) -> None:
    import openpyxl

    book = prepared_book(new_book(tmp_path / "InvoiceTools.xlsm"))
    assert cli("invoices", "import", corpus.FILES / "reg_formula_text.csv", "--book", book).code == 0
    for xml in sheet_xml(book).values():
        assert "<f>" not in xml and "<f " not in xml  # the workbook: inline strings, no formula
    export = tmp_path / "審閱.xlsx"
    run = cli("export", "--book", book, "--xlsx", export, "--sheets", "發票資料")
    assert run.code == 0, run.text
    for xml in sheet_xml(export).values():
        assert "<f>" not in xml and "<f " not in xml
    wb = openpyxl.load_workbook(export)
    found = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value in FORMULA_TEXT:
                    found[cell.value] = (cell.data_type, cell.quotePrefix)
    assert found == {text: ("s", True) for text in FORMULA_TEXT}


def test_formula_like_text_carries_the_quote_prefix_on_the_workbooks_own_sheets(tmp_path: Path) -> None:
    """Editing such a cell in Excel (F2, Enter) keeps it text: the cell's style has quotePrefix.

    The quote-prefixed twin keeps the column's own format (text ``@``) and font, and a second
    write adds no second twin.
    """
    import openpyxl

    book = prepared_book(new_book(tmp_path / "InvoiceTools.xlsm"))
    assert cli("invoices", "import", corpus.FILES / "reg_formula_text.csv", "--book", book).code == 0

    def flagged() -> dict[str, tuple[bool, str]]:
        ws = openpyxl.load_workbook(book)["發票資料"]
        return {c.value: (c.quotePrefix, c.number_format) for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value in FORMULA_TEXT}

    assert flagged() == {text: (True, "@") for text in FORMULA_TEXT}
    ws = openpyxl.load_workbook(book)["發票資料"]
    plain = [c for row in ws.iter_rows(min_row=5) for c in row if isinstance(c.value, str) and c.value[:1] not in "=+-@"]
    assert plain and not any(c.quotePrefix for c in plain)  # ordinary text is not flagged
    with zipfile.ZipFile(book) as z:
        count = z.read("xl/styles.xml").count(b"<xf ")
    assert cli("settings", "--book", book, "製表人=王小明").code == 0
    assert cli("invoices", "import", corpus.FILES / "reg_formula_text.csv", "--book", book).code == 0
    with zipfile.ZipFile(book) as z:
        assert z.read("xl/styles.xml").count(b"<xf ") == count
    assert flagged() == {text: (True, "@") for text in FORMULA_TEXT}


def test_the_batch_summary_has_no_formula(tmp_path: Path) -> None:
    clients = tmp_path / "clients"
    clients.mkdir()
    book = prepared_book(new_book(clients / "客戶A.xlsm"))
    assert cli("settings", "--book", book, '公司名稱==HYPERLINK("http://x.invalid","x")').code == 0
    summary = tmp_path / "批次結果.xlsx"
    run = cli("batch", clients, "--period", PERIOD, "--steps", "calendar", "--summary", summary)
    assert run.code in (0, 1, 2), run.text
    assert_clean_message(run)
    assert summary.is_file()
    for xml in sheet_xml(summary).values():
        assert "<f>" not in xml and "<f " not in xml


# --------------------------------------------------------------------------------------------
# XML: no entity resolution, no network
# --------------------------------------------------------------------------------------------
@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request (there must be none)."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = b'<!ENTITY leak "LEAKED-FROM-NETWORK">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


def hostile_heads(url: str, marker: Path, root: str) -> dict[str, str]:
    return {
        "external-dtd": f'<!DOCTYPE {root} SYSTEM "{url}/x.dtd">\n',
        "external-entity": f'<!DOCTYPE {root} [<!ENTITY e SYSTEM "{url}/e">]>\n',
        "parameter-entity": f'<!DOCTYPE {root} [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>\n',
        "local-file": f'<!DOCTYPE {root} [<!ENTITY e SYSTEM "{marker.as_uri()}">]>\n',
    }


def test_mig_documents_never_reach_the_network_or_local_files(listener: tuple[str, list[str]], tmp_path: Path) -> None:
    url, hits = listener
    marker = tmp_path / "secret.txt"
    marker.write_text("LEAKED-FROM-DISK", encoding="utf-8")
    book = prepared_book(new_book(tmp_path / "InvoiceTools.xlsm"))
    inputs = tmp_path / "in"
    inputs.mkdir()
    runs = []
    for kind, head in hostile_heads(url, marker, "InvoiceAssignNo").items():
        path = inputs / f"E0501_{kind}.xml"
        path.write_bytes(corpus.xml(corpus.e0501(ban="&e;" if "entity" in kind or kind == "local-file"
                                                 else corpus.COMPANY), corpus.XML_DECL + head))
        runs.append(cli("tracks", "import", path, "--book", book))
    for kind, head in hostile_heads(url, marker, "SummaryResult").items():
        path = inputs / f"SummaryResult_{kind}.xml"
        path.write_bytes(corpus.xml(corpus.summary_result(number="&e;" if kind != "external-dtd" else "KA12340001"),
                                    corpus.XML_DECL + head))
        runs.append(cli("status", "import", path, "--book", book))
    xinclude = inputs / "E0501_xinclude.xml"
    xinclude.write_bytes(corpus.xml(corpus.e0501().replace(
        "<Ban>", f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{url}/xi"/><Ban>')))
    runs.append(cli("tracks", "import", xinclude, "--book", book))
    for run in runs:
        assert run.code == 2, run.text
        assert_clean_message(run)
        assert "LEAKED" not in run.text
    assert hits == []
    for name in tree(tmp_path):
        if name.endswith(".xlsm"):
            with zipfile.ZipFile(tmp_path / name) as z:
                assert all(b"LEAKED" not in z.read(n) for n in z.namelist())


def _with_part(data: bytes, part: str, head: str) -> bytes:
    """The package with ``head`` (a DOCTYPE) inserted after the XML declaration of ``part``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == part:
                text = body.decode("utf-8")
                end = text.index("?>") + 2 if text.startswith("<?xml") else 0
                body = (text[:end] + "\n" + head + text[end:]).encode("utf-8")
            dst.writestr(info.filename, body)
    return out.getvalue()


PARTS = ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml", "xl/tables/table1.xml"]


@pytest.mark.parametrize("part", PARTS)
def test_workbook_parts_with_entities_never_reach_the_network(part: str, listener: tuple[str, list[str]],
                                                              tmp_path: Path) -> None:
    url, hits = listener
    marker = tmp_path / "secret.txt"
    marker.write_text("LEAKED-FROM-DISK", encoding="utf-8")
    book = tmp_path / "InvoiceTools.xlsm"
    data = prepared_book(new_book(book)).read_bytes()
    for kind, head in hostile_heads(url, marker, "x").items():
        book.write_bytes(_with_part(data, part, head))
        for argv in (["settings", "--book", book, "公司名稱=測試"], ["calendar", "--book", book, "--today", "2025-03-03"]):
            run = cli(*argv)
            assert run.code in (0, 1, 2), (kind, run.text)
            assert_clean_message(run)
            assert "LEAKED" not in run.text
        with zipfile.ZipFile(book) as z:
            assert all(b"LEAKED" not in z.read(n) for n in z.namelist()), kind
    assert hits == []


def test_an_import_xlsx_with_entities_never_reaches_the_network(listener: tuple[str, list[str]], tmp_path: Path) -> None:
    url, hits = listener
    marker = tmp_path / "secret.txt"
    marker.write_text("LEAKED-FROM-DISK", encoding="utf-8")
    book = prepared_book(new_book(tmp_path / "InvoiceTools.xlsm"))
    source = corpus.reg_errors_xlsx()
    for kind, head in hostile_heads(url, marker, "worksheet").items():
        path = tmp_path / f"erp_{kind}.xlsx"
        path.write_bytes(_with_part(source, "xl/worksheets/sheet1.xml", head))
        run = cli("invoices", "import", path, "--book", book)
        assert_clean_message(run)
        assert "LEAKED" not in run.text
    assert hits == []


def test_every_lxml_parser_in_the_package_is_locked_down() -> None:
    """Static guard: parsers built with entity resolution and network off; no parse call without a parser."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(PACKAGE).as_posix()
        for m in re.finditer(r"etree\.XMLParser\(([^)]*)\)", text, re.S):
            if "resolve_entities=False" not in m.group(1) or "no_network=True" not in m.group(1):
                offenders.append(f"{rel}: XMLParser({m.group(1)})")
        for m in re.finditer(r"etree\.(fromstring|parse|XML|iterparse)\(([^()]*(?:\([^()]*\)[^()]*)*)\)", text):
            if "," not in m.group(2) and rel != "build/ribbon.py":  # the ribbon: our own file, at build time
                offenders.append(f"{rel}: etree.{m.group(1)}({m.group(2)}) without a parser")
    assert offenders == []
    assert "xml.etree" not in "".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))
