"""The template workbook (XlsxWriter), laid out from ``invoicetools.book.layout``.

Every sheet of ``SHEETS`` in order: title (row 1), hint (row 2), the parameter block (label in
column A, value in column B, input cells shaded), the status row, one Excel table with the
layout's headers, number formats (identifiers as text ``@``) and widths, a frozen header and
filter buttons, sheet buttons bound to ``InvoiceTools.<Sub>``, print set-up (print area,
landscape or portrait, fit to width, repeated header row, header/footer) and the font
微軟正黑體. The xlwings settings sheet (``invoicetools.conf``) is hidden. Sheet code names are ``Sheet1``..``SheetN`` in sheet
order, matching the document modules of the VBA project.

Nothing here reads the clock or the environment: the same layout gives the same bytes.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from invoicetools.book import layout as L
from invoicetools.build.sources import CONF_PROJECT_NAME, MAIN_MODULE

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

# Fixed document date (docProps/core.xml) so that builds are reproducible.
DOCUMENT_DATE = datetime(2025, 1, 1, 0, 0, 0)
INPUT_FILL = "#DDEBF7"  # light blue: "請填寫藍色欄位"
HEADER_FOOTER_FONT = f'&"{L.FONT},Regular"'
ADDIN_SHEET = "InvoiceTools"  # deliberately not "invoicetools.conf": see build_addin_workbook
ADDIN_CODE_NAME = "Sheet2"  # the code name of the only sheet of xlwings' add-in template
ADDIN_SHEET_NOTE = (
    "InvoiceTools 增益集。Python 的位置等設定不在這裡：",
    f"請由 invoicetools addin install 寫入 %USERPROFILE%\\.{CONF_PROJECT_NAME}\\{CONF_PROJECT_NAME}.conf，",
    f"或在要處理的活頁簿加一張 {CONF_PROJECT_NAME}.conf 工作表（A 欄設定名稱、B 欄值）。",
)

# Conditional formats on status-like columns: (sheet, column) -> [(text, fill colour)]
STATUS_COLOURS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("漏上傳檢核", "問題"): (
        ("未上傳", "#F8CBAD"),
        ("上傳失敗", "#F8CBAD"),
        ("作廢未上傳", "#F8CBAD"),
        ("重號", "#F8CBAD"),
    ),
    ("發票資料", "狀態"): (("作廢", "#EDEDED"), ("註銷", "#EDEDED")),
    ("跳號作廢", "處理"): (("待確認", "#FFF2CC"), ("已作廢", "#E2EFDA"), ("待補ERP資料", "#F8CBAD")),
}

# Date-time columns highlighted when past due: (sheet, column) -> fill colour
OVERDUE_COLOURS: dict[tuple[str, str], str] = {
    ("漏上傳檢核", "期限"): "#FF9999",
}


def code_names(sheets: Sequence[L.Sheet] = L.SHEETS) -> list[str]:
    """VBA code names of the sheets, in order (the document modules besides ThisWorkbook)."""
    return [f"Sheet{i}" for i in range(1, len(sheets) + 1)]


def display_width(text: str) -> int:
    """Column width (in Excel character units) that shows ``text``: CJK characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


BUTTON_HEIGHT = 26  # pixels
# Row 1 (the title) and every row a sheet button is anchored in are a button's height and a little
# more, so that no button reaches into the row below it, where text runs on across the columns:
# the hint in row 2, parameter values such as 下一個期限 and 輸出資料夾.
BUTTON_ROW_PIXELS = BUTTON_HEIGHT + 6
DEFAULT_ROW_PIXELS = 20  # 15 pt, the rows the workbook leaves at their default height
STATUS_ROW_PIXELS = 40  # 30 pt: the step's message, two lines


def button_size(caption: str) -> tuple[int, int]:
    """Pixel width and height of a sheet button showing ``caption``."""
    return 20 + 8 * display_width(caption), BUTTON_HEIGHT


def button_rows(sheet: L.Sheet) -> list[int]:
    """The 1-based rows made as tall as a button: the title row and the rows buttons are anchored in."""
    return sorted({1} | {int(re.sub(r"^[A-Z]+", "", b.cell)) for b in sheet.buttons})


def row_pixels(sheet: L.Sheet, row: int) -> int:
    """Height in pixels of a 1-based row of ``sheet`` as the template sets it."""
    if row == sheet.status_row:
        return STATUS_ROW_PIXELS
    if row in button_rows(sheet):
        return BUTTON_ROW_PIXELS
    return DEFAULT_ROW_PIXELS


class _Formats:
    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self._cache: dict[tuple[tuple[str, Any], ...], Format] = {}

    def get(self, **props: Any) -> Format:
        key = tuple(sorted(props.items()))
        if key not in self._cache:
            self._cache[key] = self.wb.add_format({"font_name": L.FONT, "font_size": 11, **props})
        return self._cache[key]

    def kind(self, kind: L.Kind, **props: Any) -> Format:
        return self.get(num_format=kind.number_format, **props)


def _new_workbook(buffer: io.BytesIO) -> Workbook:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_format_properties": {"font_name": L.FONT, "font_size": 11},
        },
    )
    wb.set_properties(
        {
            "title": "InvoiceTools",
            "subject": "電子發票雙月作業",
            "author": "InvoiceTools",
            "company": "",
            "created": DOCUMENT_DATE,
        }
    )
    return wb


def column_widths(sheet: L.Sheet) -> dict[int, float]:
    """0-based column -> width: the table's widths, widened for parameter labels and values."""
    widths: dict[int, float] = {}
    if sheet.table is not None:
        for i, col in enumerate(sheet.table.columns):
            widths[sheet.table.first_col - 1 + i] = col.width
    for p in sheet.params:
        widths[0] = max(widths.get(0, 8.43), display_width(p.label) + 2)
        widths[1] = max(widths.get(1, 8.43), 14, display_width(p.default) + 2)
    return widths


def _last_col(sheet: L.Sheet) -> int:
    """0-based last column used by the sheet's table (or its parameter block)."""
    if sheet.table is not None:
        return sheet.table.first_col - 1 + len(sheet.table.columns) - 1
    return 1


def _columns_and_heads(ws: Worksheet, sheet: L.Sheet, fmt: _Formats) -> None:
    """Column widths and formats, tab colour, button rows' height, the title and the hint."""
    table = sheet.table
    for col, width in sorted(column_widths(sheet).items()):
        kind = (
            table.columns[col - (table.first_col - 1)].kind if table and col >= table.first_col - 1 else None
        )
        ws.set_column(col, col, width, fmt.kind(kind) if kind is not None else None)
    if sheet.tab_color:
        ws.set_tab_color(sheet.tab_color)
    for row in button_rows(sheet):
        ws.set_row_pixels(row - 1, BUTTON_ROW_PIXELS)
    ws.write_string(0, 0, sheet.title, fmt.get(bold=True, font_size=14))
    if sheet.hint:
        ws.write_string(1, 0, sheet.hint, fmt.get(italic=True, font_color="#595959"))


def _params(ws: Worksheet, sheet: L.Sheet, fmt: _Formats) -> None:
    """The parameter block: label, input cell (with its default), and a list or a note as validation."""
    for p in sheet.params:
        ws.write_string(p.row - 1, 0, p.label, fmt.get(bold=True))
        value_format = fmt.kind(p.kind, bg_color=INPUT_FILL, border=1, border_color="#9BC2E6")
        if p.default:
            ws.write_string(p.row - 1, 1, p.default, value_format)
        else:
            ws.write_blank(p.row - 1, 1, None, value_format)
        if p.choices:
            ws.data_validation(p.row - 1, 1, p.row - 1, 1, {
                "validate": "list", "source": list(p.choices), "input_title": p.label[:32],
                "input_message": (p.note or "請從清單選擇")[:255],
            })
        elif p.note:
            ws.data_validation(p.row - 1, 1, p.row - 1, 1, {
                "validate": "any", "input_title": p.label[:32], "input_message": p.note[:255],
            })


def _buttons(ws: Worksheet, sheet: L.Sheet) -> None:
    for button in sheet.buttons:
        act = L.action(button.action)
        width, height = button_size(button.caption)
        ws.insert_button(button.cell, {
            "macro": f"{MAIN_MODULE}.{act.vba_sub}", "caption": button.caption, "width": width,
            "height": height, "description": act.screentip,
        })


def _page_setup(ws: Worksheet, sheet: L.Sheet, last_col: int) -> None:
    ws.set_paper(9)  # A4
    if sheet.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, 1_048_575, last_col)
    ws.set_header(f"&L{HEADER_FOOTER_FONT}&A&R{HEADER_FOOTER_FONT}&D &T")
    ws.set_footer(f"&C{HEADER_FOOTER_FONT}第 &P 頁，共 &N 頁")
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)


def _write_sheet(ws: Worksheet, sheet: L.Sheet, fmt: _Formats) -> None:
    _columns_and_heads(ws, sheet, fmt)
    _params(ws, sheet, fmt)
    last_col = _last_col(sheet)
    if sheet.status_row is not None:
        ws.merge_range(sheet.status_row - 1, 0, sheet.status_row - 1, last_col, "",
                       fmt.get(text_wrap=True, valign="top", bg_color="#FFF9E5"))
        ws.set_row_pixels(sheet.status_row - 1, STATUS_ROW_PIXELS)
    if sheet.table is not None:
        _write_table(ws, sheet, sheet.table, fmt)
        ws.freeze_panes(sheet.table.header_row, 0)
        ws.repeat_rows(sheet.table.header_row - 1)
    _buttons(ws, sheet)
    _page_setup(ws, sheet, last_col)


def _choice_lists(ws: Worksheet, sheet: L.Sheet, table: L.Table, data: list[list[str]]) -> None:
    """Drop-down lists: a column's choices down the table (other text allowed, with a note), and the
    設定值 cell of each 設定 row that has choices."""
    first_row, first_col = table.header_row - 1, table.first_col - 1
    for i, col in enumerate(table.columns):
        if col.choices:
            ws.data_validation(first_row + 1, first_col + i, 1_048_575, first_col + i, {
                "validate": "list", "source": list(col.choices), "error_type": "information",
                "input_title": col.header[:32], "input_message": (col.note or "請從清單選擇")[:255],
                "error_title": col.header[:32], "error_message": f"{col.header}通常是 {'、'.join(col.choices)}；要保留這個值嗎？",
            })
    if sheet.role is L.Role.SETTINGS:
        for n, row in enumerate(data, start=first_row + 1):
            choices = L.SETTING_CHOICES.get(row[0])
            if choices:
                ws.data_validation(n, first_col + 1, n, first_col + 1, {
                    "validate": "list", "source": list(choices), "input_title": row[0][:32],
                    "input_message": row[2][:255],
                })


def _write_table(ws: Worksheet, sheet: L.Sheet, table: L.Table, fmt: _Formats) -> None:
    first_row = table.header_row - 1
    first_col = table.first_col - 1
    last_col = first_col + len(table.columns) - 1
    data: list[list[str]] = []
    if sheet.role is L.Role.SETTINGS:
        data = [[label, default, note] for label, default, note in L.SETTING_KEYS]
    last_row = first_row + max(len(data), 1)
    columns = []
    for i, col in enumerate(table.columns):
        props: dict[str, Any] = {}
        if sheet.role is L.Role.SETTINGS and i == 1:
            props = {"bg_color": INPUT_FILL}
        columns.append(
            {
                "header": col.header,
                "format": fmt.kind(col.kind, **props),
                "header_format": fmt.get(bold=True, text_wrap=True, valign="top"),
            }
        )
    options: dict[str, Any] = {"name": table.name, "style": "Table Style Light 9", "columns": columns}
    if data:
        options["data"] = data
    ws.add_table(first_row, first_col, last_row, last_col, options)
    _choice_lists(ws, sheet, table, data)
    for i, col in enumerate(table.columns):
        if col.note:
            ws.write_comment(
                first_row,
                first_col + i,
                col.note,
                {"font_name": L.FONT, "font_size": 9, "author": "InvoiceTools"},
            )
        for text, colour in STATUS_COLOURS.get((sheet.name, col.header), ()):
            ws.conditional_format(
                first_row + 1,
                first_col + i,
                1_048_575,
                first_col + i,
                {
                    "type": "text",
                    "criteria": "containing",
                    "value": text,
                    "format": fmt.get(bg_color=colour),
                },
            )
        overdue = OVERDUE_COLOURS.get((sheet.name, col.header))
        if overdue:
            cell = f"${L.column_letter(first_col + i + 1)}{first_row + 2}"
            ws.conditional_format(
                first_row + 1,
                first_col + i,
                1_048_575,
                first_col + i,
                {
                    "type": "formula",
                    "criteria": f'=AND({cell}<>"",{cell}<NOW())',
                    "format": fmt.get(bg_color=overdue, bold=True),
                },
            )


def _write_conf(ws: Worksheet, fmt: _Formats) -> None:
    """xlwings' config sheet: keys in column A from A1 down, values in column B (no header row)."""
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 70, fmt.kind(L.Kind.TEXT))
    for row, (key, value) in enumerate(L.XLWINGS_CONF):
        ws.write_string(row, 0, key)
        if value:
            ws.write_string(row, 1, value)


def deadline_cell(sheets: Sequence[L.Sheet] = L.SHEETS) -> tuple[str, str]:
    """(sheet, cell) of the ``next_deadline`` parameter: what ``InvoiceTools_NextDeadline`` names."""
    found = [(s.name, p.cell) for s in sheets for p in s.params if p.key == "next_deadline"]
    if len(found) != 1:
        raise ValueError(f"expected one next_deadline parameter in the layout, found {found}")
    return found[0]


def build_workbook(vba_project: bytes, sheets: Sequence[L.Sheet] = L.SHEETS) -> bytes:
    """InvoiceTools.xlsm as XlsxWriter writes it (the ribbon-less workbook, before post-processing)."""
    buffer = io.BytesIO()
    wb = _new_workbook(buffer)
    fmt = _Formats(wb)
    wb.set_vba_name("ThisWorkbook")
    for sheet, code_name in zip(sheets, code_names(sheets), strict=True):
        ws = wb.add_worksheet(sheet.name)
        ws.set_vba_name(code_name)
        if sheet.role is L.Role.HIDDEN:
            _write_conf(ws, fmt)
            ws.hide()
        else:
            _write_sheet(ws, sheet, fmt)
    first_visible = next(i for i, s in enumerate(sheets) if s.role is not L.Role.HIDDEN)
    wb.worksheets()[first_visible].activate()
    deadline_sheet, deadline = deadline_cell(sheets)
    wb.define_name(L.NEXT_DEADLINE_NAME, f"='{deadline_sheet}'!${deadline[0]}${deadline[1:]}")
    wb.define_name(L.WORKBOOK_MARKER_NAME, f'="{L.LAYOUT_VERSION}"')
    wb.add_vba_project(io.BytesIO(vba_project), is_stream=True)
    wb.close()
    return buffer.getvalue()


def build_addin_workbook(vba_project: bytes) -> bytes:
    r"""InvoiceTools.xlam's workbook part: one sheet (never shown: it is an add-in) with a note.

    It holds no xlwings settings on purpose. xlwings' add-in module reads, in this order, a
    sheet ``invoicetools.conf`` in the active workbook, the same sheet in the add-in, the file
    ``invoicetools.conf`` next to the active workbook, then
    ``%USERPROFILE%\.invoicetools\invoicetools.conf``; keys on an add-in sheet would shadow the
    user file that the installer writes (the interpreter's path) and could not be changed there.
    """
    buffer = io.BytesIO()
    wb = _new_workbook(buffer)
    wb.set_vba_name("ThisWorkbook")
    ws = wb.add_worksheet(ADDIN_SHEET)
    ws.set_vba_name(ADDIN_CODE_NAME)
    ws.set_column(0, 0, 100)
    for row, text in enumerate(ADDIN_SHEET_NOTE):
        ws.write_string(row, 0, text)
    wb.add_vba_project(io.BytesIO(vba_project), is_stream=True)
    wb.close()
    return buffer.getvalue()
