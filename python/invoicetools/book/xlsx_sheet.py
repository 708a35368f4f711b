"""Rewrite one worksheet part: patch a few cells, replace a table's rows, keep everything else.

Everything outside ``<sheetData>`` (column widths and styles, frozen panes, conditional
formats, data validations, merged cells, print setup, drawings, the table parts) is kept
byte for byte; only ``<dimension>`` is updated. Inside ``<sheetData>`` the rows above the
table are kept (with the patched cells), and cells beside the table are kept as well.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..domain.errors import InputError
from .layout import column_letter
from .xlsx_cells import Quote, cell_xml
from .xlsx_columns import rows_xml
from .xlsx_stream import SheetStream

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TableWrite", "column_number", "column_styles", "rewrite_sheet", "rewrite_table_part"]

_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]+)(\d+)"[^>]*?(?:/>|>.*?</c>)', re.S)
_ROW_NUM = re.compile(r'\br="(\d+)"')
_STYLE = re.compile(r'\bs="(\d+)"')
_SPANS = re.compile(r'\s+spans="[^"]*"')
_COL = re.compile(r"<col\b([^>]*)/>")
_DIMENSION = re.compile(r'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"\s*/>')


def column_number(letters: str) -> int:
    """A → 1, AA → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_styles(sheet_xml: str) -> dict[int, int]:
    """Column number → style index, from the sheet's ``<cols>``."""
    out: dict[int, int] = {}
    for m in _COL.finditer(sheet_xml):
        attrs = m.group(1)
        lo = re.search(r'\bmin="(\d+)"', attrs)
        hi = re.search(r'\bmax="(\d+)"', attrs)
        st = re.search(r'\bstyle="(\d+)"', attrs)
        if lo and hi and st:
            for c in range(int(lo.group(1)), min(int(hi.group(1)), 2000) + 1):
                out[c] = int(st.group(1))
    return out


@dataclass(frozen=True)
class TableWrite:
    """Replace a table: its header cells and data rows (columns ``first_col`` … onward)."""

    header_row: int
    first_col: int
    headers: Sequence[str]
    frame: pd.DataFrame
    old_last_col: int  # the widest span the table had before (its old columns are cleared)

    @property
    def last_col(self) -> int:
        return self.first_col + len(self.headers) - 1

    @property
    def span(self) -> tuple[int, int]:
        return self.first_col, max(self.last_col, self.old_last_col)


_CLEAR = object()  # patch value: remove the cell


def _patch_row(
    row_attrs: str,
    body: str,
    row: int,
    values: Mapping[int, object],
    clear: tuple[int, int] | None,
    styles: Mapping[int, int],
    fallback_style: int | None = None,
    quote: Quote | None = None,
) -> str:
    """Rebuild one row: drop cells in ``clear`` (a column span), set ``values`` (keeping each old cell's style)."""
    kept: dict[int, str] = {}
    old_style: dict[int, int] = {}
    for m in _CELL.finditer(body or ""):
        col = column_number(m.group(1))
        sm = _STYLE.search(m.group(0).split(">", 1)[0])
        if sm:
            old_style[col] = int(sm.group(1))
        if clear is not None and clear[0] <= col <= clear[1]:
            continue
        kept[col] = m.group(0)
    for col, value in values.items():
        kept.pop(col, None)
        if value is _CLEAR:
            continue
        style = old_style.get(col, styles.get(col, fallback_style))
        xml = cell_xml(f"{column_letter(col)}{row}", value, style, quote)
        if xml:
            kept[col] = xml
    attrs = _SPANS.sub("", row_attrs)
    if not kept:
        return f"<row{attrs}/>" if ('ht="' in attrs or 's="' in attrs) else ""
    return f"<row{attrs}>{''.join(kept[c] for c in sorted(kept))}</row>"


def _new_row(
    row: int, values: Mapping[int, object], styles: Mapping[int, int], table: TableWrite | None, header_style: int | None,
    quote: Quote | None = None,
) -> str:
    fallback = header_style if table is not None and row == table.header_row else None
    return _patch_row(f' r="{row}"', "", row, values, None, styles, fallback, quote)


def _only_the_table(head: str, table: TableWrite | None) -> bool:
    """Nothing but the table can sit in its data rows: it starts in column A and the sheet's
    ``<dimension>`` ends within its columns. Then the old data rows need not be read at all."""
    if table is None or table.span[0] != 1:
        return False
    dim = _DIMENSION.search(head[: max(head.find("<sheetData"), 0)])
    dim_last_col = column_number(dim.group(3) or dim.group(1)) if dim else 10**6
    return dim_last_col <= table.span[1]


def _sheet_text(xml: bytes | SheetStream, table: TableWrite | None) -> tuple[str, Callable[[], bytes] | None]:
    """The sheet XML to rewrite, and where its tail comes from when it is not in the text.

    From a stream: when the old data rows cannot hold anything but the table, the text is the
    XML up to the first data row (closed with ``</sheetData>``) and the tail is read meanwhile.
    """
    if isinstance(xml, bytes):
        return xml.decode("utf-8"), None
    if xml.complete:
        return xml.head.decode("utf-8"), None
    head = xml.head.decode("utf-8")
    if _only_the_table(head, table):
        return head + "</sheetData>", xml.tail
    return xml.full().decode("utf-8"), None


def rewrite_sheet(
    xml: bytes | SheetStream,
    *,
    cells: Mapping[tuple[int, int], object],
    table: TableWrite | None,
    quote: Quote | None = None,
    on_table: Callable[[list[int | None], bool], None] | None = None,
) -> Iterator[bytes | memoryview]:
    """Yield the new sheet XML in chunks (formula-like text with ``quote``'s styles when given).

    ``on_table`` learns the style of each of the table's columns and whether the table's rows
    were written alone (no cell the accountant keeps beside them), before its rows are written.
    """
    text, later_tail = _sheet_text(xml, table)
    start, inner_start, inner_end, close_end = _sheet_data_bounds(text)
    styles = column_styles(text[:start])  # <cols> comes before <sheetData>: no scan of a million rows
    head, tail = text[:start], text[close_end:]
    patches = _patches(cells, table)
    header_style = _header_style(text, table) if table is not None else None
    dim = _DIMENSION.search(head)
    dim_last_col = column_number(dim.group(3) or dim.group(1)) if dim else 10**6
    max_col = max([c for p in patches.values() for c in p] + [table.span[1] if table else 1])
    walk = _walk_rows(text, inner_start, inner_end, patches, table, styles, header_style, quote)
    max_col = max(max_col, dim_last_col if dim and dim_last_col < 10**6 else 1)

    yield (head[: dim.start()] if dim else head).encode()
    n_rows = len(table.frame) if table is not None else 0
    last_row = max(walk.max_row, (table.header_row + max(n_rows, 1)) if table else 0, max(walk.beside, default=0))
    if dim:
        yield f'<dimension ref="A1:{column_letter(max_col)}{max(last_row, 1)}"/>'.encode()
        yield head[dim.end():].encode()
    yield b"<sheetData>"
    yield "".join(walk.rows).encode()
    if table is not None:
        letters = [column_letter(table.first_col + j) for j in range(len(table.headers))]
        col_styles = [walk.data_styles.get(table.first_col + j, styles.get(table.first_col + j))
                      for j in range(len(table.headers))]
        if on_table is not None:
            on_table(col_styles, not walk.beside)
        if not walk.beside:
            yield from rows_xml(table.frame, table.header_row + 1, letters, col_styles, quote=quote)
        else:
            yield _merge_beside(table, letters, col_styles, walk.beside, quote).encode()
    yield b"</sheetData>"
    yield later_tail() if later_tail is not None else tail.encode()


def _sheet_data_bounds(text: str) -> tuple[int, int, int, int]:
    """Where ``<sheetData`` starts, its content starts and ends, and the element ends."""
    start = text.find("<sheetData")
    if start < 0:
        raise InputError("工作表已損毀（找不到儲存格資料 <sheetData>）：請在 Excel 開啟後另存新檔，或改用備份")
    open_end = text.index(">", start) + 1
    if text[open_end - 2] == "/":  # <sheetData/>
        return start, open_end, open_end, open_end
    inner_end = text.rindex("</sheetData>", open_end)  # near the end of a big sheet
    return start, open_end, inner_end, inner_end + len("</sheetData>")


def _patches(cells: Mapping[tuple[int, int], object], table: TableWrite | None) -> dict[int, dict[int, object]]:
    """The cells to write, by row: the given cells, the table's headers, and old headers past it cleared."""
    patches: dict[int, dict[int, object]] = {}
    for (r, c), value in cells.items():
        patches.setdefault(r, {})[c] = value
    if table is not None:
        header_cells = patches.setdefault(table.header_row, {})
        for j, h in enumerate(table.headers):
            header_cells[table.first_col + j] = h
        for c in range(table.last_col + 1, table.old_last_col + 1):
            header_cells[c] = _CLEAR
    return patches


def _header_style(text: str, table: TableWrite) -> int | None:
    """The style of the first styled cell in the table's header row, for header cells written new."""
    hm = re.search(rf'<row\b[^>]*\br="{table.header_row}"[^>]*>(.*?)</row>', text, re.S)
    if hm:
        for cm in _CELL.finditer(hm.group(1)):
            sm = _STYLE.search(cm.group(0).split(">", 1)[0])
            if sm:
                return int(sm.group(1))
    return None


@dataclass
class _Walk:
    """What the old rows give the new sheet: the rows above the table (patched), the cells kept
    beside the table's data rows, the first data row's cell styles, the last row written."""

    rows: list[str] = field(default_factory=list)
    beside: dict[int, str] = field(default_factory=dict)
    data_styles: dict[int, int] = field(default_factory=dict)
    max_row: int = 0


def _walk_rows(text: str, inner_start: int, inner_end: int, patches: dict[int, dict[int, object]],
               table: TableWrite | None, styles: Mapping[int, int], header_style: int | None,
               quote: Quote | None) -> _Walk:
    walk = _Walk()
    first_data = table.header_row + 1 if table else None
    clear_span = table.span if table else None
    fast = _only_the_table(text, table)
    pending = dict(sorted(patches.items()))
    pos = inner_start
    while pos < inner_end:
        m = _ROW.search(text, pos, inner_end)
        if not m:
            break
        pos = m.end()
        attrs, body = m.group(1), m.group(2) or ""
        rm = _ROW_NUM.search(attrs)
        if not rm:
            continue
        r = int(rm.group(1))
        if first_data is not None and r >= first_data:
            if not walk.data_styles:  # the first old data row's cell styles carry over to the new rows
                for cm in _CELL.finditer(body):
                    sm = _STYLE.search(cm.group(0).split(">", 1)[0])
                    if sm:
                        walk.data_styles[column_number(cm.group(1))] = int(sm.group(1))
                walk.data_styles.setdefault(0, -1)  # seen, even when it had no styles
            if fast:
                break
            kept = _patch_row(attrs, body, r, pending.pop(r, {}), clear_span, styles, quote=quote)
            if kept and "<c " in kept:
                walk.beside[r] = kept
            continue
        # rows before a pending patch row that does not exist yet
        for pr in [p for p in pending if p < r]:
            walk.rows.append(_new_row(pr, pending.pop(pr), styles, table, header_style, quote))
        patch = pending.pop(r, {})
        clear = clear_span if table is not None and r == table.header_row else None
        fallback = header_style if table is not None and r == table.header_row else None
        row_xml = _patch_row(attrs, body, r, patch, clear, styles, fallback, quote) if (patch or clear) else m.group(0)
        if row_xml:
            walk.rows.append(row_xml)
            walk.max_row = max(walk.max_row, r)
    for pr in list(pending):
        if first_data is None or pr < first_data:
            walk.rows.append(_new_row(pr, pending.pop(pr), styles, table, header_style, quote))
            walk.max_row = max(walk.max_row, pr)
    return walk


def _merge_beside(table: TableWrite, letters: list[str], styles: list[int | None], beside: dict[int, str],
                  quote: Quote | None) -> str:
    """Slow path: new table rows merged with cells the user keeps beside the table."""
    new_rows: dict[int, str] = {}
    for chunk in rows_xml(table.frame, table.header_row + 1, letters, styles, chunk=10**9, quote=quote):
        for m in _ROW.finditer(bytes(chunk).decode("utf-8")):
            rm = _ROW_NUM.search(m.group(1))
            assert rm is not None
            new_rows[int(rm.group(1))] = m.group(2) or ""
    out: list[str] = []
    for r in sorted(set(new_rows) | set(beside)):
        cells: dict[int, str] = {}
        for src in (beside.get(r, ""), new_rows.get(r, "")):
            for cm in _CELL.finditer(src):
                cells[column_number(cm.group(1))] = cm.group(0)
        out.append(f'<row r="{r}">{"".join(cells[c] for c in sorted(cells))}</row>')
    return "".join(out)


def rewrite_table_part(xml: bytes, *, ref: str, headers: Sequence[str]) -> bytes:
    """Update a table part's ``ref`` (and its autoFilter) and its columns, keeping known columns' attributes."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)
    root = etree.fromstring(xml, parser)
    ns = root.nsmap.get(None, "http://schemas.openxmlformats.org/spreadsheetml/2006/main")
    root.set("ref", ref)
    auto = root.find(f"{{{ns}}}autoFilter")
    if auto is not None:
        auto.set("ref", ref)
    cols = root.find(f"{{{ns}}}tableColumns")
    if cols is not None:
        old = {c.get("name"): c for c in cols}
        next_id = max([int(c.get("id", "0")) for c in cols] + [0]) + 1
        for child in list(cols):
            cols.remove(child)
        for h in headers:
            col = old.get(h)
            if col is None:
                col = etree.SubElement(cols, f"{{{ns}}}tableColumn")
                col.set("id", str(next_id))
                col.set("name", h)
                next_id += 1
            else:
                cols.append(col)
        cols.set("count", str(len(headers)))
    body: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return body
