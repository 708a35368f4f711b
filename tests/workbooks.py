"""Workbooks for tests: the real template when it can be built, else a plain layout workbook."""

from __future__ import annotations

from pathlib import Path

import pytest

from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook


def make_layout_workbook(path: Path) -> Path:
    """A plain workbook with every sheet of the layout: title, parameters, table with formats."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    title = wb.add_format({"bold": True, "font_size": 14})
    header = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    formats = {k: wb.add_format({"num_format": k.number_format}) for k in layout.Kind}
    for sheet in layout.SHEETS:
        ws = wb.add_worksheet(sheet.name)
        ws.write(0, 0, sheet.title, title)
        if sheet.hint:
            ws.write(1, 0, sheet.hint)
        for p in sheet.params:
            ws.write(p.row - 1, 0, p.label)
            if p.default:
                ws.write_string(p.row - 1, 1, p.default)
        t = sheet.table
        if t is None:
            continue
        for j, col in enumerate(t.columns):
            ws.set_column(t.first_col - 1 + j, t.first_col - 1 + j, col.width, formats[col.kind])
        rows = []
        if sheet.name == "設定":
            rows = [[label, default, note] for label, default, note in layout.SETTING_KEYS]
        last_row = t.header_row - 1 + max(len(rows), 1)
        options: dict[str, object] = {
            "name": t.name,
            "columns": [{"header": h, "header_format": header} for h in t.headers],
            "style": "Table Style Light 9",
        }
        if rows:
            options["data"] = rows
        ws.add_table(t.header_row - 1, t.first_col - 1, last_row, t.first_col - 2 + len(t.columns), options)
        ws.freeze_panes(t.header_row, 0)
    wb.close()
    return path


@pytest.fixture
def layout_book(tmp_path: Path) -> Path:
    """A plain workbook with the layout's sheets and tables (no VBA): fast, for backend tests."""
    return make_layout_workbook(tmp_path / "book.xlsx")


_TEMPLATE_CACHE: dict[str, bytes] = {}


def new_book(path: Path) -> Path:
    """A fresh workbook from the product template (``invoicetools new``), built once per test run."""
    if "xlsm" not in _TEMPLATE_CACHE:
        try:
            from invoicetools.build import new_workbook
        except ImportError:  # the builder is not there yet: fall back to the layout workbook
            tmp = path.with_suffix(".layout.xlsx")
            _TEMPLATE_CACHE["xlsm"] = make_layout_workbook(tmp).read_bytes()
            tmp.unlink()
        else:
            tmp = path.with_name("template-cache.xlsm")
            new_workbook(tmp)
            _TEMPLATE_CACHE["xlsm"] = tmp.read_bytes()
            tmp.unlink()
    path.write_bytes(_TEMPLATE_CACHE["xlsm"])
    return path


@pytest.fixture
def template_book(tmp_path: Path) -> Path:
    """A fresh product workbook (from the template) in a temp folder."""
    return new_book(tmp_path / "InvoiceTools.xlsm")


def cached_book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FileBook:
    """A new workbook open for writing, with the sheet cache (in ``tmp_path/cache``) on for sheets of any size."""
    from invoicetools.book import sheet_cache

    monkeypatch.setenv("INVOICETOOLS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(sheet_cache, "CACHE_MIN_ROWS", 1)
    return FileBook(new_book(tmp_path / "InvoiceTools.xlsm"), writer=True)
