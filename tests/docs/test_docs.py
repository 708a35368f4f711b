"""docs/使用說明.md: its pictures, its button names and its commands match the product;
the picture renderer (``scripts/docs_images.py``) works."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shutil
import struct
import zipfile
from pathlib import Path

import docs_images  # scripts/docs_images.py (the conftest puts scripts/ on the path)
import pytest

from invoicetools.book import layout
from invoicetools.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GUIDE = DOCS / "使用說明.md"
IMAGES = DOCS / "images"
TEXT = GUIDE.read_text(encoding="utf-8")

HAS_RENDER_TOOLS = bool(shutil.which("soffice") or shutil.which("libreoffice")) and bool(shutil.which("pdftoppm"))


# --- pictures --------------------------------------------------------------------------------
def _image_links() -> list[str]:
    return re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", TEXT)


def test_every_linked_image_exists() -> None:
    links = _image_links()
    assert len(links) >= 10
    for link in links:
        assert not link.startswith(("/", "http")), f"{link}: use a relative link"
        path = DOCS / link
        assert path.is_file(), f"{link} is linked from 使用說明.md but missing"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", link


def test_every_rendered_picture_is_used_and_small() -> None:
    linked = {(DOCS / link).resolve() for link in _image_links()}
    pngs = sorted(IMAGES.glob("*.png"))
    assert {p.stem for p in pngs} == {s.name for s in docs_images.SHOTS}, "docs/images = docs_images.SHOTS"
    for png in pngs:
        assert png.resolve() in linked, f"{png.name} is not shown in 使用說明.md"
        assert png.stat().st_size < 150_000, f"{png.name} is over 150 KB"
    assert sum(p.stat().st_size for p in pngs) < 2_000_000


def test_the_pictures_show_the_layout_of_today() -> None:
    """docs/images/pictures.json holds the layout each picture was rendered from (docs_images); a sheet
    changed since (a hint, a column, a button, a row height) needs its picture rendered again."""
    recorded = docs_images.read_manifest(IMAGES)
    stale = [f"{s.name}.png ({s.sheet})" for s in docs_images.SHOTS if recorded.get(s.name) != docs_images.manifest_entry(s)]
    assert not stale, f"pictures of an older layout: {', '.join(stale)}; run python scripts/docs_images.py"


def test_the_fingerprint_follows_what_a_picture_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    before = docs_images.layout_fingerprint("機台配號設定")
    sheet = layout.sheet("機台配號設定")
    monkeypatch.setitem(layout._BY_NAME, "機台配號設定", dataclasses.replace(sheet, hint=sheet.hint + "。"))
    assert docs_images.layout_fingerprint("機台配號設定") != before
    button = dataclasses.replace(sheet.buttons[0], cell="H1")
    monkeypatch.setitem(layout._BY_NAME, "機台配號設定", dataclasses.replace(sheet, buttons=(button,)))
    assert docs_images.layout_fingerprint("機台配號設定") != before
    monkeypatch.setitem(layout._BY_NAME, "機台配號設定", sheet)
    assert docs_images.layout_fingerprint("機台配號設定") == before


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_inside_the_guide_and_to_files_resolve() -> None:
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", TEXT, flags=re.M)}
    for target in re.findall(r"\]\(([^)\s]+)\)", TEXT):
        if target.startswith("#"):
            assert target[1:] in anchors, f"no heading for {target}"
        elif not target.startswith("http"):
            assert (DOCS / target).exists(), target


# --- words as on the ribbon and the sheets ---------------------------------------------------
def test_every_button_label_appears_in_the_guide() -> None:
    missing = [a.label for a in layout.ACTIONS if f"[{a.label}]" not in TEXT]
    assert not missing, f"ribbon buttons not in the guide as [label]: {missing}"
    captions = {b.caption for s in layout.SHEETS for b in s.buttons}
    assert not [c for c in captions if c not in TEXT], "sheet button captions missing"


def test_sheets_settings_and_problem_names_appear_as_in_the_workbook() -> None:
    from invoicetools.steps.upload_check import PROBLEMS

    sheets = [s.name for s in layout.SHEETS if s.role is not layout.Role.HIDDEN]
    assert not [n for n in sheets if n not in TEXT]
    assert not [label for label, _, _ in layout.SETTING_KEYS if label not in TEXT]
    assert not [p for p in PROBLEMS if p not in TEXT], "every 問題 of 漏上傳檢核 is explained"
    for sheet_name in ("配號設定", "漏上傳檢核", "跳號作廢", "E0402"):
        for param in layout.sheet(sheet_name).params:
            assert f"「{param.label}」" in TEXT or param.label in TEXT, (sheet_name, param.label)
    for text in ("恭喜您！此次無漏上傳資料！", "無任何異常跳號資料", "待確認", "已作廢", "未使用"):
        assert text in TEXT


# --- commands --------------------------------------------------------------------------------
def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _options(parser: argparse.ArgumentParser) -> set[str]:
    return {opt for action in parser._actions for opt in action.option_strings}


def _commands_in_guide() -> list[list[str]]:
    """Every ``invoicetools …`` written in code (spans and blocks), as its words (not ``pip install invoicetools``)."""
    code = re.findall(r"```.*?```", TEXT, flags=re.S) + re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", TEXT,
                                                                                         flags=re.S))
    found = []
    for chunk in code:
        for line in chunk.splitlines():
            for m in re.finditer(r"(?<!install)(?:^|[\s\\/])invoicetools(?=\s|$)((?: +[^\s`]+)*)", line):
                found.append(m.group(1).split())
    return found


def test_every_command_in_the_guide_exists() -> None:
    parser = build_parser()
    help_text = parser.format_help()
    top = _subcommands(parser)
    commands = _commands_in_guide()
    assert len(commands) >= 20
    seen = set()
    for words in commands:
        if not words or words[0] == "…":  # the program itself, or "invoicetools …" in general
            continue
        if words[0].startswith("-"):
            assert words[0] in _options(parser), words
            continue
        name = words[0]
        assert name in top and name in help_text, f"`invoicetools {name}` is not in invoicetools --help"
        current = top[name]
        rest = words[1:]
        subs = _subcommands(current)
        if subs and rest and not rest[0].startswith("-"):
            assert rest[0] in subs, f"`invoicetools {name} {rest[0]}` does not exist (has {sorted(subs)})"
            current, rest = subs[rest[0]], rest[1:]
        options = _options(current)
        for word in rest:
            if word.startswith("--"):
                assert word.split("=")[0] in options, f"`invoicetools {' '.join(words)}`: no option {word}"
        seen.add(name)
    # the guide names the commands of every step
    assert {"addin", "new", "tracks", "invoices", "status", "check-upload", "gaps", "e0402", "export",
            "calendar", "doctor", "batch", "forecast"} <= seen


def test_the_guide_names_the_command_of_every_action() -> None:
    for a in layout.ACTIONS:
        words = a.cli.split()[1:3]
        command = " ".join(w for w in words if not w.startswith("-") and w.islower())
        assert f"invoicetools {command}" in TEXT, (a.label, a.cli)


def test_invoicetools_help_lists_the_commands() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["--help"]) == 0
    for name in ("tracks", "check-upload", "gaps", "e0402", "doctor", "addin", "batch"):
        assert name in out.getvalue()


# --- the renderer without LibreOffice --------------------------------------------------------
def test_shots_name_layout_sheets() -> None:
    sheet_names = {s.name for s in layout.SHEETS}
    assert all(s.sheet in sheet_names and s.stage in docs_images.STAGES for s in docs_images.SHOTS)
    assert len({s.name for s in docs_images.SHOTS}) == len(docs_images.SHOTS)


def test_single_sheet_copy_keeps_one_printable_sheet(template_book: Path) -> None:
    data = docs_images.single_sheet_copy(template_book, "跳號作廢", rows=3)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        workbook = z.read("xl/workbook.xml").decode()
        assert re.findall(r'<sheet name="([^"]+)"', workbook) == ["跳號作廢"]
        # table header row 9, 3 rows at most; the buttons [檢查] (D3) and [確定] (F3) are inside K
        assert "'跳號作廢'!$A$1:$K$10</definedName>" in workbook
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 1
        xml = z.read(sheets[0]).decode()
        assert '<printOptions gridLines="1" headings="1"/>' in xml
        assert "<headerFooter" not in xml
        rels = z.read(sheets[0].replace("worksheets/", "worksheets/_rels/") + ".rels").decode()
        vml_name = "xl/drawings/" + re.search(r'Target="\.\./drawings/([^"]+\.vml)"', rels).group(1)  # type: ignore[union-attr]
        buttons = [s for s in re.findall(r"<v:shape\b.*?</v:shape>", z.read(vml_name).decode(), flags=re.S)
                   if 'ObjectType="Button"' in s]
        assert len(buttons) == 3 and "檢查" in buttons[0] and "確定" in buttons[1] and "取消作廢" in buttons[2]
        assert not [b for b in buttons if "<x:PrintObject>False</x:PrintObject>" in b]
        assert "Noto Sans CJK TC" in z.read("xl/styles.xml").decode()


def test_print_area_reaches_the_buttons_right_of_a_narrow_table(template_book: Path) -> None:
    data = docs_images.single_sheet_copy(template_book, "設定")
    workbook = zipfile.ZipFile(io.BytesIO(data)).read("xl/workbook.xml").decode()
    area = re.search(r"\$A\$1:\$([A-Z]+)\$(\d+)", workbook)
    assert area is not None
    assert docs_images.column_index(area.group(1)) >= docs_images.column_index("G")  # [診斷] sits at G1
    assert int(area.group(2)) == 4 + len(layout.SETTING_KEYS)


def test_demo_paths_are_shown_as_windows_paths(tmp_path: Path) -> None:
    paths = docs_images.demo_paths(tmp_path)
    text = f"<t>{tmp_path}/Turnkey/UpCast/B2PMESSAGE/E0402/SRC</t><t>{tmp_path}/審閱.xlsx\n{tmp_path}/x.pdf</t>"
    shown = docs_images.windows_path(text, paths)
    assert shown == ("<t>C:\\EINVTurnkey\\UpCast\\B2PMESSAGE\\E0402\\SRC</t>"
                     "<t>D:\\電子發票\\審閱.xlsx\nD:\\電子發票\\x.pdf</t>")
    assert docs_images.windows_path(f"{tmp_path}x/other", paths) == f"{tmp_path}x/other"


def test_palette_png_is_a_valid_png_even_with_many_colours() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    data = docs_images.palette_png(img)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour_type = struct.unpack(">IIBB", data[16:26])
    assert (width, height, depth, colour_type) == (30, 20, 8, 3)


def test_read_ppm_and_crop() -> None:
    import numpy as np

    img = np.full((10, 12, 3), 255, np.uint8)
    img[3:5, 4:9] = 0
    ppm = b"P6\n# made by a test\n12 10\n255\n" + img.tobytes()
    back = docs_images._read_ppm(ppm)
    assert back.shape == (10, 12, 3) and (back == img).all()
    assert docs_images._crop(back, margin=1).shape == (4, 7, 3)


def test_unknown_picture_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        docs_images.main(["--only", "nothing", "--out", "unused"])
    assert exc.value.code == 2
    assert "unknown picture nothing" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_stages_hold_what_the_pictures_show(tmp_path: Path) -> None:
    from invoicetools.book.file_backend import FileBook
    from invoicetools.domain.dates import parse_datetime

    stages = docs_images.prepare_demo(tmp_path / "demo")
    assert set(stages) == set(docs_images.STAGES)
    first = FileBook(stages[docs_images.UPLOAD_FIRST]).read_table(layout.table("漏上傳檢核"))
    assert {"未上傳", "上傳失敗", "作廢未上傳", "平台有帳上無"} <= set(first["問題"])
    clean = FileBook(stages[docs_images.UPLOAD_CLEAN])
    assert clean.read_table(layout.table("漏上傳檢核")).empty
    gaps = FileBook(stages[docs_images.GAPS_PENDING]).read_table(layout.table("跳號作廢"))
    assert "待確認" in set(gaps["處理"])
    final = FileBook(stages[docs_images.FINAL]).read_table(layout.table("跳號作廢"))
    assert "待確認" not in set(final["處理"].dropna()) and "已作廢" in set(final["處理"])
    # the demo's own days, not the day the pictures were made: the log, 匯入時間 and 下載時間 agree with 行事曆
    book = FileBook(stages[docs_images.FINAL])
    days = {str(t)[:10].replace("/", "-") for t in book.read_table(layout.table("執行紀錄"))["時間"]}
    assert days == {d.date().isoformat() for d in docs_images.DEMO_DAYS}
    downloaded = parse_datetime(book.read_params(layout.sheet("平台狀況"))["downloaded_at"])
    assert downloaded.date() == docs_images.DEMO_DAYS[1].date()


# --- the renderer with LibreOffice -----------------------------------------------------------
@pytest.mark.libreoffice
@pytest.mark.skipif(not HAS_RENDER_TOOLS, reason="soffice and pdftoppm are needed")
def test_renderer_makes_a_png_of_one_sheet(template_book: Path, tmp_path: Path) -> None:
    out = tmp_path / "images"
    written = docs_images.render(out, book=template_book, only=["settings"], log=False)
    assert written == [out / "settings.png"]
    data = written[0].read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 300 and height > 100  # cropped to the sheet, not an empty page
    assert 2_000 < len(data) < 150_000
