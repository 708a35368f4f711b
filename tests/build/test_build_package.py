"""The built files: reproducible bytes, package parts, and the workbook laid out from book.layout."""

from __future__ import annotations

import hashlib
import re
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest

from invoicetools.book import layout as L
from invoicetools.build import check_committed, main, package, product, workbook
from invoicetools.build import sources as S


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_builds_are_byte_identical(built: dict[str, Path], tmp_path: Path) -> None:
    again = main(tmp_path)
    assert set(again) == {"xlam", "xlsm"}
    for key in again:
        assert _sha(again[key]) == _sha(built[key]), key


def test_main_default_paths() -> None:
    paths = product.default_paths()
    assert paths["xlam"] == S.repo_root() / "addin" / "InvoiceTools.xlam"
    assert paths["xlsm"] == S.repo_root() / "workbook" / "InvoiceTools.xlsm"


def test_check_committed(built: dict[str, Path], tmp_path: Path) -> None:
    """``check_committed`` (scripts/test.sh: python -m invoicetools.build --check) spots stale files."""
    paths = {key: tmp_path / path.name for key, path in built.items()}
    assert len(check_committed(paths)) == 2  # missing
    for key, path in paths.items():
        path.write_bytes(built[key].read_bytes())
    assert check_committed(paths) == []
    paths["xlsm"].write_bytes(b"old")
    assert check_committed(paths) == [f"{paths['xlsm']} is not what the sources build"]


def test_zip_members_have_fixed_metadata(built: dict[str, Path]) -> None:
    for path in built.values():
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            assert infos[0].filename == "[Content_Types].xml"
            for info in infos:
                assert info.date_time == package.ZIP_DATE
                assert info.compress_type == zipfile.ZIP_DEFLATED
            assert z.testzip() is None


def test_xlam_is_an_addin_with_the_ribbon(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(built["xlam"]) as z:
        types = z.read("[Content_Types].xml").decode()
        rels = z.read("_rels/.rels").decode()
        assert package.XLAM_MAIN in types and package.XLSM_MAIN not in types
        assert f'Type="{package.RIBBON_REL_TYPE}" Target="{package.RIBBON_PART}"' in rels
        assert z.read(package.RIBBON_PART) == (S.addin_dir() / S.RIBBON_FILE).read_bytes()
        assert z.read("xl/worksheets/sheet1.xml")
        workbook_xml = z.read("xl/workbook.xml").decode()
        assert re.findall(r'<sheet name="([^"]+)"', workbook_xml) == [workbook.ADDIN_SHEET]
        # no xlwings settings in the add-in: they would shadow the user's invoicetools.conf file
        assert not workbook.ADDIN_SHEET.endswith(".conf")


def test_xlsm_has_no_ribbon_and_the_macro_workbook_type(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(built["xlsm"]) as z:
        assert package.RIBBON_PART not in z.namelist()
        assert package.XLSM_MAIN in z.read("[Content_Types].xml").decode()
        assert "xl/vbaProject.bin" in z.namelist()


@pytest.fixture(scope="module")
def book(built: dict[str, Path]) -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Print area cannot be set", UserWarning)
        return openpyxl.load_workbook(built["xlsm"], keep_vba=True)


def _column(
    ws: openpyxl.worksheet.worksheet.Worksheet, index: int
) -> openpyxl.worksheet.dimensions.ColumnDimension:
    """The <col> entry covering a 1-based column (XlsxWriter merges equal neighbours into one)."""
    for dim in ws.column_dimensions.values():
        if dim.min is not None and dim.min <= index <= dim.max:
            return dim
    raise AssertionError(f"{ws.title}: no <col> for column {index}")


def test_every_layout_sheet_in_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [s.name for s in L.SHEETS]
    for s in L.SHEETS:
        ws = book[s.name]
        assert ws.sheet_state == ("hidden" if s.role is L.Role.HIDDEN else "visible"), s.name


def test_tables_headers_formats_widths_freeze_and_print(book: openpyxl.Workbook) -> None:
    for s in L.SHEETS:
        ws = book[s.name]
        if s.table is None:
            continue
        t = s.table
        assert list(ws.tables) == [t.name]
        ref = ws.tables[t.name].ref
        assert ws.tables[t.name].autoFilter is not None, s.name  # filter buttons on the header
        first = f"{L.column_letter(t.first_col)}{t.header_row}"
        assert ref.startswith(first + ":"), (s.name, ref)
        headers = [ws.cell(t.header_row, t.first_col + i).value for i in range(len(t.columns))]
        assert headers == list(t.headers), s.name
        for i, col in enumerate(t.columns):
            dim = _column(ws, t.first_col + i)
            assert dim.width >= col.width, (s.name, col.header)
            assert dim.number_format == col.kind.number_format, (s.name, col.header)
        assert ws.freeze_panes == f"A{t.header_row + 1}", s.name
        assert ws.print_title_rows == f"${t.header_row}:${t.header_row}", s.name
        assert ws.page_setup.orientation == ("landscape" if s.landscape else "portrait"), s.name
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert "&P" in ws.oddFooter.center.text and "&A" in ws.oddHeader.left.text


def test_ids_are_text_columns(book: openpyxl.Workbook) -> None:
    ws = book["發票資料"]
    t = L.table("發票資料")
    assert _column(ws, t.first_col + t.headers.index("發票號碼")).number_format == "@"


def test_print_areas_are_whole_columns(built: dict[str, Path]) -> None:
    """Whole columns: Excel prints down to the last used row and leaves the buttons' overflow out.

    (openpyxl cannot parse whole-column print areas and warns; it is read from workbook.xml.)
    """
    with zipfile.ZipFile(built["xlsm"]) as z:
        xml = z.read("xl/workbook.xml").decode()
    areas = dict(re.findall(r'<definedName name="_xlnm.Print_Area" localSheetId="(\d+)">([^<]+)<', xml))
    for i, s in enumerate(L.SHEETS):
        if s.table is None:
            continue
        last = L.column_letter(s.table.first_col + len(s.table.columns) - 1)
        assert areas[str(i)] in (f"'{s.name}'!$A:${last}", f"{s.name}!$A:${last}"), s.name


def test_params_and_status_rows(book: openpyxl.Workbook) -> None:
    for s in L.SHEETS:
        if s.role is L.Role.HIDDEN:
            continue
        ws = book[s.name]
        assert ws["A1"].value == s.title
        for p in s.params:
            assert ws[p.label_cell].value == p.label
            assert ws[p.cell].number_format == p.kind.number_format
            assert (ws[p.cell].value or "") == p.default
            if p.choices:
                dv = [d for d in ws.data_validations.dataValidation if p.cell in str(d.sqref)]
                assert dv and dv[0].type == "list", (s.name, p.key)
        if s.status_row is not None:
            assert any(str(r).startswith(f"A{s.status_row}:") for r in ws.merged_cells.ranges), s.name


def test_settings_table_prefilled(book: openpyxl.Workbook) -> None:
    ws = book["設定"]
    t = L.table("設定")
    labels = [ws.cell(t.first_data_row + i, 1).value for i in range(len(L.SETTING_KEYS))]
    assert labels == [k for k, _, _ in L.SETTING_KEYS]


def test_fonts(book: openpyxl.Workbook) -> None:
    ws = book["漏上傳檢核"]
    assert ws["A1"].font.name == L.FONT
    t = L.table("漏上傳檢核")
    assert ws.cell(t.header_row, 1).font.name == L.FONT


def test_xlwings_conf_sheet(book: openpyxl.Workbook) -> None:
    ws = book[f"{S.CONF_PROJECT_NAME}.conf"]  # the sheet xlwings' GetConfigFromSheet reads
    assert ws.sheet_state == "hidden"
    rows = [(ws.cell(i + 1, 1).value, ws.cell(i + 1, 2).value or "") for i in range(len(L.XLWINGS_CONF))]
    assert rows == list(L.XLWINGS_CONF)
    assert ws.cell(len(L.XLWINGS_CONF) + 1, 1).value is None  # xlwings reads A1 down to the first blank


def test_defined_names(book: openpyxl.Workbook) -> None:
    deadline = book.defined_names[L.NEXT_DEADLINE_NAME]
    name, cell = workbook.deadline_cell()
    assert (name, cell) == ("行事曆", L.sheet("行事曆").param("next_deadline").cell)
    assert deadline.attr_text == f"'{name}'!${cell[0]}${cell[1:]}"
    assert book.defined_names[L.WORKBOOK_MARKER_NAME].attr_text == f'"{L.LAYOUT_VERSION}"'


def _find(pattern: str, text: str, group: int = 1) -> str:
    m = re.search(pattern, text, re.S)
    assert m, pattern
    return m.group(group)


def _vml_buttons(path: Path) -> dict[str, list[tuple[str, str, str]]]:
    """sheet name -> [(caption, macro, anchor)] from the VML drawings."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
        names = re.findall(r'<sheet name="([^"]+)" sheetId="\d+"', wb)
        for i, name in enumerate(names, 1):
            rels_name = f"xl/worksheets/_rels/sheet{i}.xml.rels"
            if rels_name not in z.namelist():
                continue
            rels = z.read(rels_name).decode()
            for target in re.findall(r'Target="\.\./drawings/(vmlDrawing\d+\.vml)"', rels):
                vml = z.read(f"xl/drawings/{target}").decode()
                for shape in re.findall(r"<v:shape .*?</v:shape>", vml, re.S):
                    if 'ObjectType="Button"' not in shape:
                        continue
                    caption = re.sub(r"<[^>]+>", "", _find(r"<v:textbox.*?</v:textbox>", shape, 0))
                    macro = _find(r"<x:FmlaMacro>(.*?)</x:FmlaMacro>", shape)
                    anchor = _find(r"<x:Anchor>(.*?)</x:Anchor>", shape)
                    out.setdefault(name, []).append((caption.strip(), macro, anchor.strip()))
    return out


def test_sheet_buttons_bound_to_the_vba_subs(built: dict[str, Path]) -> None:
    found = _vml_buttons(built["xlsm"])
    for s in L.SHEETS:
        expected = [(b.caption, f"[0]!{S.MAIN_MODULE}.{L.action(b.action).vba_sub}") for b in s.buttons]
        assert [(c, m) for c, m, _ in found.get(s.name, [])] == expected, s.name


def test_sheet_buttons_do_not_overlap(built: dict[str, Path]) -> None:
    for name, buttons in _vml_buttons(built["xlsm"]).items():
        boxes = []
        for _, _, anchor in buttons:
            c1, dx1, r1, _dy1, c2, dx2, r2, _dy2 = (int(v) for v in anchor.split(","))
            boxes.append(((c1, dx1), (c2, dx2), r1, r2))
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                rows_meet = not (a[3] < b[2] or b[3] < a[2])
                cols_meet = not (a[1] <= b[0] or b[1] <= a[0])
                assert not (rows_meet and cols_meet), (name, a, b)


def test_status_colours_name_layout_columns() -> None:
    for sheet_name, header in workbook.STATUS_COLOURS:
        assert header in L.table(sheet_name).headers, (sheet_name, header)


def test_package_refuses_a_second_ribbon() -> None:
    rels = b'<Relationships><Relationship Type="' + package.RIBBON_REL_TYPE.encode() + b'"/></Relationships>'
    with pytest.raises(ValueError):
        package._add_relationship(rels)
