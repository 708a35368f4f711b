"""Invoice files written as typed lines (H / M / D records) given as a register: the M lines are the invoices.

The platform's line-typed invoice files put one record per line, its first field the record
type: ``M`` an invoice (主檔), ``D`` one item of it (明細, the invoice number again), ``H`` a
file header. The platform's own invoice downloads declare the fields in definition lines
(``表頭=M|載具名稱|載具號碼|發票日期|商店統編|商店店名|發票號碼|總金額|發票狀態|`` and
``明細=D|發票號碼|小計|品項名稱|``, pipe-separated, as public parsers of the platform's CSV
read them). Read as a table, every D line would be one more "invoice" and a 重號 of its M
line; so such a file is read by record type:

* the M lines become the register's rows, their fields named by the ``表頭=M`` definition;
* D and H lines are counted and left out (an item name that runs over several lines belongs to
  its D line); a line of another type is an error with its line number;
* a file with M lines but no definition of their fields is refused: nothing says which field
  is the invoice number (the batch-upload layouts differ by message type and version).

>>> text = "表頭=M|發票日期|發票號碼|發票狀態|\\n明細=D|發票號碼|小計|品項名稱|\\nM|20260506|AQ98143668|開立|\\nD|AQ98143668|165|汽油|\\nD|AQ98143668|-4|折抵|\\n"
>>> is_line_typed(text)
True
>>> raw, notes = read_lines(text, Location(file="x.csv"))
>>> raw.to_dict("index"), [n.message for n in notes]
({3: {'發票日期': '20260506', '發票號碼': 'AQ98143668', '狀態': '開立'}}, ['略過 2 列 D（品項明細），只讀 M 列（每張發票一列）'])
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..domain.errors import Finding, InputError, Location, Severity, show_found

if TYPE_CHECKING:
    import pandas as pd

    from ..book.layout import Table

__all__ = ["is_line_typed", "read_lines", "sniff_file"]

_TYPES = frozenset("HMD")
_DEFINITION = re.compile(r"^\s*([^=|,\t]{1,10})=\s*([HMD])\s*$")  # 表頭=M, 明細=D
SNIFF_BYTES = 1 << 16
SNIFF_LINES = 200


def _delimiter(line: str) -> str:
    return "|" if "|" in line else "\t" if "\t" in line else ","


def _record_type(first: str) -> tuple[str, bool]:
    """``(type, is_definition)`` of a line's first field; type "" when it is not H/M/D."""
    field = first.strip().upper()
    if field in _TYPES:
        return field, False
    m = _DEFINITION.match(first)
    return (m.group(2), True) if m else ("", False)


def is_line_typed(text: str) -> bool:
    """The first non-blank line is an H/M/D record or definition, one line is an M record, and nearly every
    line is one too (or the rest of a D line's item name)."""
    lines = [line for line in text.splitlines()[:SNIFF_LINES] if line.strip()]
    if not lines:
        return False
    delimiter = _delimiter(lines[0])
    last, has_m, fitting = "", False, 0
    for line in lines:
        kind, definition = _record_type(line.split(delimiter, 1)[0])
        fitting += bool(kind) or last == "D"
        last = kind or last
        has_m = has_m or (kind == "M" and not definition)
    first_typed = bool(_record_type(lines[0].split(delimiter, 1)[0])[0])
    return first_typed and has_m and fitting >= 0.8 * len(lines)  # a stray line is reported by read_lines


def sniff_file(data: bytes) -> str:
    """The beginning of a file as text for :func:`is_line_typed` (UTF-8, else Big5; undecodable bytes replaced)."""
    head = data[:SNIFF_BYTES]
    for encoding in ("utf-8-sig", "cp950"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError:
            continue
    return head.decode("cp950", errors="replace")


def read_lines(text: str, where: Location, table: Table | None = None) -> tuple[pd.DataFrame, list[Finding]]:
    """The M records as raw register rows (index = line number, columns by the definition) and notes."""
    import pandas as pd

    from ..book.grid import table_from_grid
    from ..book.layout import table as layout_table

    lines = text.splitlines()
    delimiter = _delimiter(next(line for line in lines if line.strip()))
    header: list[str] | None = None
    header_line = 0
    rows: dict[int, list[str]] = {}
    counts = {"D": 0, "H": 0}
    last = ""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = line.split(delimiter)
        kind, definition = _record_type(fields[0])
        if definition:
            if kind == "M":
                header, header_line = [f.strip() for f in fields[1:]], number
            last = ""
            continue
        if not kind:
            if last == "D":  # an item name that runs over lines
                continue
            raise InputError("這一列的資料別不是 H、M 或 D（H/M/D 分列的發票檔）", where=where.with_row(number),
                             found=fields[0])
        last = kind
        if kind == "M":
            rows[number] = fields[1:]
        else:
            counts[kind] += 1
    first_m = min(rows) if rows else None
    if header is None or first_m is None or first_m < header_line:
        raise InputError(
            "這是 H/M/D 分列的發票檔（M 列為發票、D 列為品項），但沒有 M 列的欄位定義（例如「表頭=M|發票日期|發票號碼|…」），"
            "無法確定哪一欄是發票號碼；請改用 ERP 匯出的發票明細（每張發票一列、含標題列）",
            where=where.with_row(first_m) if first_m is not None else where)
    width = len(header)
    while width and not header[width - 1]:
        width -= 1  # the definition's trailing delimiter
    for number, fields in rows.items():
        extra = [f for f in fields[width:] if f.strip()]
        if extra:
            raise InputError(f"這一列的 M 資料有 {width + len(extra)} 欄以上，比「表頭=M」定義的 {width} 欄多",
                             where=where.with_row(number), found=show_found("|".join(fields)))
    grid = pd.DataFrame([header[:width]] + [(f + [""] * width)[:width] for f in rows.values()],
                        index=[header_line, *rows], columns=range(1, width + 1))
    grid = grid.mask(grid.apply(lambda c: c.str.strip() == ""))
    raw = table_from_grid(grid, table or layout_table("發票資料"), where, header_row=header_line)
    notes: list[Finding] = []
    if counts["D"] or counts["H"]:
        parts = [f"{counts['D']:,} 列 D（品項明細）"] if counts["D"] else []
        parts += [f"{counts['H']:,} 列 H（檔頭）"] if counts["H"] else []
        notes.append(Finding("line_records_skipped", f"略過 {'、'.join(parts)}，只讀 M 列（每張發票一列）", where,
                             Severity.INFO))
    return raw, notes
