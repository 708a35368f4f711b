"""No sheet button covers the text of its sheet: the grey hint in row 2 (what the pictures of
docs/使用說明.md showed hidden behind [配號] and [匯入發票資料]), the title in row 1, or a
parameter's value (下一個期限 behind [行事曆]).

Computed from the layout (``book.layout``: each button's cell, the hint, the title, the columns)
and the template's geometry (``build.workbook``: button size, row heights, column widths), in
pixels as XlsxWriter places the buttons; a second test checks the same boxes against the button
anchors in a freshly built template, so the computation cannot drift from the build.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from invoicetools.book import layout
from invoicetools.build import workbook

HINT_POINTS, TITLE_POINTS = 11, 14  # the fonts of row 2 and row 1
MARGIN = 1.1  # text is measured by display width (CJK = 2); allow for wider glyphs


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def meets(self, other: Box) -> bool:
        return self.left < other.right and other.left < self.right and self.top < other.bottom and other.top < self.bottom


def column_pixels(width: float) -> int:
    """A column's width in pixels as XlsxWriter converts Excel's character units (Calibri's 7-pixel digit)."""
    return int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)


def _column_left(sheet: layout.Sheet, column: int) -> int:
    """Left edge (pixels) of a 0-based column."""
    widths = workbook.column_widths(sheet)
    return sum(column_pixels(widths.get(c, 8.43)) for c in range(column))


def _row_top(sheet: layout.Sheet, row: int, rows: Callable[[layout.Sheet, int], int]) -> int:
    """Top edge (pixels) of a 1-based row."""
    return sum(rows(sheet, r) for r in range(1, row))


def _cell(cell: str) -> tuple[int, int]:
    """'F1' → (0-based column 5, row 1)."""
    m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
    assert m, cell
    column = 0
    for ch in m.group(1):
        column = column * 26 + ord(ch) - 64
    return column - 1, int(m.group(2))


def button_box(sheet: layout.Sheet, button: layout.Button,
               rows: Callable[[layout.Sheet, int], int] = workbook.row_pixels) -> Box:
    column, row = _cell(button.cell)
    width, height = workbook.button_size(button.caption)
    left, top = _column_left(sheet, column), _row_top(sheet, row, rows)
    return Box(left, top, left + width, top + height)


def text_box(sheet: layout.Sheet, text: str, row: int, points: float,
             rows: Callable[[layout.Sheet, int], int] = workbook.row_pixels) -> Box:
    """Where a left-aligned text in column A reaches: it runs on over the empty cells to its right."""
    width = workbook.display_width(text) * points * 96 / 72 / 2 * MARGIN
    top = _row_top(sheet, row, rows)
    return Box(0, top, width, top + rows(sheet, row))


def covered(sheet: layout.Sheet, rows: Callable[[layout.Sheet, int], int] = workbook.row_pixels) -> list[str]:
    """The buttons that cover the sheet's hint or title, named."""
    texts = [("hint", text_box(sheet, sheet.hint, 2, HINT_POINTS, rows))] if sheet.hint else []
    texts.append(("title", text_box(sheet, sheet.title, 1, TITLE_POINTS * 1.05, rows)))  # bold
    return [f"{sheet.name} [{b.caption}] at {b.cell} covers the {what}"
            for b in sheet.buttons for what, box in texts if button_box(sheet, b, rows).meets(box)]


def test_no_button_covers_a_hint_or_a_title() -> None:
    assert [line for s in layout.SHEETS for line in covered(s)] == []


def test_the_check_finds_buttons_reaching_into_the_hint_row() -> None:
    """With the rows of the buttons at the default height (the template before), the 26-pixel buttons
    anchored in row 1 reach into row 2: the check names the two pictures the guide showed covered."""
    def default_rows(sheet: layout.Sheet, row: int) -> int:
        return workbook.STATUS_ROW_PIXELS if row == sheet.status_row else workbook.DEFAULT_ROW_PIXELS

    found = [line for s in layout.SHEETS for line in covered(s, default_rows)]
    assert "機台配號設定 [配號] at F1 covers the hint" in found
    assert "發票資料 [匯入發票資料] at F1 covers the hint" in found


def test_every_button_fits_in_the_row_it_is_anchored_in() -> None:
    """So it never reaches into the row below: the hint, a parameter's value, the table's header."""
    for s in layout.SHEETS:
        for b in s.buttons:
            _, row = _cell(b.cell)
            bottom = _row_top(s, row + 1, workbook.row_pixels)
            assert button_box(s, b).bottom <= bottom, (s.name, b.caption)


def test_no_button_shares_a_row_with_a_text_parameter() -> None:
    """A text parameter's value (下一個期限, 輸出資料夾, 來源) runs on from column B over the empty cells to
    its right, as long as it is; a button in that row would cover it."""
    for s in layout.SHEETS:
        text_rows = {p.row for p in s.params if p.kind is layout.Kind.TEXT}
        assert not [b.caption for b in s.buttons if _cell(b.cell)[1] in text_rows], s.name


# --- the same boxes in the built template -------------------------------------------------------
def _anchors(book: Path) -> dict[str, list[tuple[str, list[int]]]]:
    """sheet name → [(caption, anchor numbers)] from the VML drawings of ``book``."""
    out: dict[str, list[tuple[str, list[int]]]] = {}
    with zipfile.ZipFile(book) as z:
        workbook_xml = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        targets = dict(re.findall(r'Id="(rId\d+)"[^>]*Target="([^"]+)"', rels))
        for name, rid in re.findall(r'<sheet name="([^"]+)" sheetId="\d+"[^>]*r:id="(rId\d+)"', workbook_xml):
            part = "xl/" + targets[rid].lstrip("/").removeprefix("xl/")
            sheet_rels = part.replace("worksheets/", "worksheets/_rels/") + ".rels"
            if sheet_rels not in z.namelist():
                continue
            for vml in re.findall(r'Target="\.\./drawings/(vmlDrawing\d+\.vml)"', z.read(sheet_rels).decode()):
                for shape in re.findall(r"<v:shape .*?</v:shape>", z.read(f"xl/drawings/{vml}").decode(), re.S):
                    if 'ObjectType="Button"' in shape:
                        caption = re.sub(r"<[^>]+>", "", re.search(r"<v:textbox.*?</v:textbox>", shape, re.S)[0])  # type: ignore[index]
                        anchor = re.search(r"<x:Anchor>(.*?)</x:Anchor>", shape, re.S)[1]  # type: ignore[index]
                        out.setdefault(name, []).append((caption.strip(), [int(v) for v in anchor.split(",")]))
    return out


@pytest.mark.parametrize("sheet", [s for s in layout.SHEETS if s.buttons], ids=lambda s: s.name)
def test_the_computed_boxes_are_where_the_template_puts_the_buttons(sheet: layout.Sheet, template_book: Path) -> None:
    anchors = dict(_anchors(template_book)[sheet.name])
    for b in sheet.buttons:
        c1, dx1, r1, dy1, c2, dx2, r2, dy2 = anchors[b.caption]
        built = Box(_column_left(sheet, c1) + dx1, _row_top(sheet, r1 + 1, workbook.row_pixels) + dy1,
                    _column_left(sheet, c2) + dx2, _row_top(sheet, r2 + 1, workbook.row_pixels) + dy2)
        assert built == button_box(sheet, b), (sheet.name, b.caption)
