r"""Pictures of the workbook's sheets for ``docs/使用說明.md`` (a developer tool).

``python scripts/docs_images.py [--out docs/images] [--book BOOK] [--only NAME,...]``

Without ``--book`` it runs the demo (``invoicetools.demo``: a fictitious company, period 114/01 ~
114/02, about 20,000 invoices with planted problems) in a temporary folder, step by step through
``invoicetools.cli.main`` in the order of the bimonthly calendar, and keeps a copy of the workbook
at the moments the guide shows: after the first 漏上傳檢核 (the planted problems are listed),
after the second (clean), after [檢查] on 跳號作廢 (跳號 待確認) and at the end. With ``--book``
every picture comes from that one workbook as it is.

Each picture is one sheet, printed by LibreOffice headless (a fresh profile in a temporary
folder, a time limit) from a copy of the workbook that holds only that sheet: its rows cut
after the first page (``Shot.rows`` data rows), a print area over the table and the sheet
buttons, the buttons made printable, grid lines and row/column headings on, no page
header/footer, 微軟正黑體 shown as Noto Sans CJK TC. Then ``pdftoppm`` (poppler-utils) turns
the first page into pixels, which are cropped to the content and written as a palette PNG
(numpy + zlib; no imaging library needed). Temporary demo paths are shown as Windows paths
(``C:\EINVTurnkey``, ``D:\電子發票``) so the pictures look like an accountant's machine.
The demo runs on the demo's own days (``DEMO_DAYS``: the allocation on 2025/01/02, everything
else on 2025/03/03, one minute per command), so 匯入時間, 下載時間 and 執行紀錄 show the same
day as the calendar picture, not the day the pictures were made.

Beside the pictures, ``docs/images/pictures.json`` records for each picture a fingerprint of
the layout it shows (the sheet's title, hint, parameters, columns, buttons and the template's
row and button sizes, ``layout_fingerprint``); the docs tests compare it with the layout of
today, so a sheet changed without new pictures is found.

Needs: LibreOffice (``soffice``), ``pdftoppm`` and a CJK font (Debian: ``libreoffice-calc-nogui
poppler-utils fonts-noto-cjk``); a clear message says what is missing.

>>> [s.name for s in SHOTS][:3]
['settings', 'tracks', 'machines']
>>> shot("upload-check").sheet, shot("upload-check").stage
('漏上傳檢核', 'upload_first')
>>> windows_path("/tmp/x/Turnkey/UpCast/a.xml", {"/tmp/x/Turnkey": "C:\\EINVTurnkey"})
'C:\\EINVTurnkey\\UpCast\\a.xml'
>>> column_index("A"), column_index("AB")
(1, 28)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import functools
import hashlib
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "DEFAULT_OUT",
    "DEMO_DAYS",
    "MANIFEST",
    "SHOTS",
    "Shot",
    "column_index",
    "demo_clock",
    "layout_fingerprint",
    "main",
    "manifest_entry",
    "pdf_to_png",
    "prepare_demo",
    "read_manifest",
    "render",
    "shot",
    "single_sheet_copy",
    "windows_path",
    "write_manifest",
]

DEFAULT_OUT = Path("docs/images")
DPI = 80
TIMEOUT = 180.0  # seconds for one LibreOffice run (all pictures)
FONT_IN_BOOK = "微軟正黑體"
FONT_SHOWN = "Noto Sans CJK TC"
PAPER_A2 = 66  # OOXML paperSize: a page wide enough that fit-to-width keeps 100 %
MAX_BYTES = 150_000  # per picture (docs/images is committed)

MANIFEST = "pictures.json"  # beside the pictures: the layout each one shows
# the demo's clock: the allocation at the start of the period, the rest on the day before filing
DEMO_DAYS = (datetime.datetime(2025, 1, 2, 9, 0), datetime.datetime(2025, 3, 3, 9, 0))

# demo stages: which copy of the workbook a picture is taken from
FINAL, UPLOAD_FIRST, UPLOAD_CLEAN, GAPS_PENDING = "final", "upload_first", "upload_clean", "gaps_pending"
STAGES = (UPLOAD_FIRST, UPLOAD_CLEAN, GAPS_PENDING, FINAL)


@dataclass(frozen=True)
class Shot:
    name: str  # file name in docs/images, without .png
    sheet: str  # sheet name (book.layout)
    stage: str = FINAL
    rows: int = 25  # data rows below the table header (the first page)


SHOTS: tuple[Shot, ...] = (
    Shot("settings", "設定"),
    Shot("tracks", "字軌配號"),
    Shot("machines", "機台配號設定"),
    Shot("allocation", "配號設定"),
    Shot("invoices", "發票資料", rows=20),
    Shot("platform", "平台狀況", rows=15),
    Shot("upload-check", "漏上傳檢核", UPLOAD_FIRST),
    Shot("upload-check-clean", "漏上傳檢核", UPLOAD_CLEAN, rows=1),
    Shot("gaps", "跳號作廢", GAPS_PENDING),
    Shot("e0402", "E0402"),
    Shot("calendar", "行事曆"),
    Shot("log", "執行紀錄", rows=30),
)


def shot(name: str) -> Shot:
    for s in SHOTS:
        if s.name == name:
            return s
    raise KeyError(name)


class RenderError(RuntimeError):
    """A tool is missing or failed; the message says what to do."""


# --------------------------------------------------------------------------------------------
# the demo, stopped at the moments the guide shows
# --------------------------------------------------------------------------------------------
@contextlib.contextmanager
def _user(name: str) -> Iterator[None]:
    """The user name the run log records (getpass reads LOGNAME first)."""
    old = os.environ.get("LOGNAME")
    os.environ["LOGNAME"] = name
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("LOGNAME", None)
        else:
            os.environ["LOGNAME"] = old


class DemoClock:
    """The time every command of the demo sees: set to a day, one minute later after each command."""

    def __init__(self, start: datetime.datetime) -> None:
        self.now = start

    def __call__(self) -> datetime.datetime:
        return self.now

    def tick(self) -> None:
        self.now += datetime.timedelta(minutes=1)


@contextlib.contextmanager
def demo_clock(clock: DemoClock) -> Iterator[None]:
    """Commands run through ``invoicetools.cli`` see ``clock`` as the time (their actions' ``Context.now``)."""
    from unittest import mock

    from invoicetools.actions.base import Context
    from invoicetools.cli import _common

    with mock.patch.object(_common, "Context", functools.partial(Context, now=clock)):
        yield


def _run(argv: list[str], ok: Sequence[int] = (0,), clock: DemoClock | None = None) -> str:
    from invoicetools.cli import main as cli

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli(argv)
    if clock is not None:
        clock.tick()
    text = (out.getvalue() + err.getvalue()).strip()
    if code not in ok:
        raise RenderError(f"invoicetools {' '.join(argv[:2])} ended with {code}:\n{text}")
    return text


def prepare_demo(folder: Path) -> dict[str, Path]:
    """Run the demo's steps into ``folder``; return a copy of the workbook per stage."""
    from invoicetools.cli.demo_run import demo_files
    from invoicetools.demo.sample import COMPANY

    files = demo_files(folder, "InvoiceTools.xlsm")
    book, inputs, turnkey, period = files.book, files.inputs, files.turnkey, files.data.period
    b = ["--book", str(book)]
    stages: dict[str, Path] = {}

    def keep(stage: str) -> None:
        copy = folder / f"stage-{stage}.xlsm"
        shutil.copyfile(book, copy)
        stages[stage] = copy

    clock = DemoClock(DEMO_DAYS[0])
    run = functools.partial(_run, clock=clock)
    with _user(COMPANY["製表人"]), demo_clock(clock):
        # 單月 1 日起: the track allocation
        run(["new", str(book), "--force"])
        run(files.settings_argv())
        run(["tracks", "import", str(inputs["tracks"]), *b])
        run(["machines", "import", str(inputs["machines"]), *b])
        run(["tracks", "allocate", *b])
        # every day / week: the register, the platform status, the check (shown on the day before filing)
        clock.now = DEMO_DAYS[1]
        run(["invoices", "import", str(inputs["register"]), *b], (0, 1))
        run(["status", "import", str(inputs["status"]), *b], (0, 1))
        run(["check-upload", *b, "--period", period], (1,))
        keep(UPLOAD_FIRST)
        run(["status", "import", str(inputs["status_fixed"]), *b], (0, 1))
        run(["invoices", "import", str(inputs["register_fixed"]), *b], (0, 1))
        run(["check-upload", *b, "--period", period])
        keep(UPLOAD_CLEAN)
        # before filing: 跳號, 整批作廢, E0402, the forecast and the calendar
        run(["gaps", *b, "--period", period], (1,))
        keep(GAPS_PENDING)
        run(["gaps", *b, "--period", period, "--void"])
        run(["e0402", *b, "--period", period, "--out", str(turnkey)])
        run(["forecast", *b, "--period", period, "--today", "2025-02-15"], (0, 1))
        run(["calendar", *b, "--today", "2025-03-03"], (0, 1))
        run(["export", *b, "--xlsx", str(folder / "審閱.xlsx")])
        keep(FINAL)
    return stages


def demo_paths(folder: Path) -> dict[str, str]:
    """Temporary demo paths → the Windows paths the pictures show (longest first)."""
    shown: dict[str, str] = {}
    for base in dict.fromkeys([folder, folder.resolve()]):
        shown[str(base / "Turnkey")] = "C:\\EINVTurnkey"
        shown[str(base)] = "D:\\電子發票"
    return dict(sorted(shown.items(), key=lambda kv: -len(kv[0])))


def windows_path(text: str, paths: Mapping[str, str]) -> str:
    """Every path under a key of ``paths`` in ``text``, rewritten under its value with backslashes."""
    for prefix, shown in paths.items():
        def rewrite(m: re.Match[str], shown: str = shown) -> str:
            return shown + m.group(1).replace("/", "\\")

        text = re.sub(re.escape(prefix) + r"(?=[/\\<\"\s]|$)([^<\"\s]*)", rewrite, text)
    return text


# --------------------------------------------------------------------------------------------
# what each picture shows of the layout (pictures.json)
# --------------------------------------------------------------------------------------------
def layout_fingerprint(sheet: str) -> str:
    """sha256 of what a picture of ``sheet`` shows of the layout and the template: title, hint,
    parameters, columns and widths, buttons with their cells and sizes, row heights (and the 設定 rows)."""
    from invoicetools.book import layout
    from invoicetools.build import workbook

    s = layout.sheet(sheet)
    table = s.table
    shown = {
        "title": s.title,
        "hint": s.hint,
        "params": [[p.label, p.row, p.default] for p in s.params],
        "table": None if table is None else {
            "header_row": table.header_row, "first_col": table.first_col,
            "columns": [[c.header, c.width, str(c.kind)] for c in table.columns]},
        "buttons": [[b.caption, b.cell, *workbook.button_size(b.caption)] for b in s.buttons],
        "rows": [workbook.row_pixels(s, r) for r in range(1, (table.header_row if table else 2) + 1)],
        "settings": [list(k) for k in layout.SETTING_KEYS] if s.role is layout.Role.SETTINGS else [],
    }
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def manifest_entry(s: Shot) -> dict[str, object]:
    return {"sheet": s.sheet, "stage": s.stage, "rows": s.rows, "layout": layout_fingerprint(s.sheet)}


def read_manifest(folder: Path) -> dict[str, dict[str, object]]:
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    data: dict[str, dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def write_manifest(folder: Path, shots: Sequence[Shot]) -> Path:
    """Record (or update) the fingerprints of the pictures just rendered."""
    entries = read_manifest(folder)
    entries.update({s.name: manifest_entry(s) for s in shots})
    ordered = {s.name: entries[s.name] for s in SHOTS if s.name in entries}
    path = folder / MANIFEST
    path.write_text(json.dumps(ordered, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# one printable sheet
# --------------------------------------------------------------------------------------------
def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _attr(tag: str, name: str) -> str | None:
    m = re.search(rf'\b{name}="([^"]*)"', tag)
    return m.group(1) if m else None


def _part(base: str, target: str) -> str:
    """A relationship target, relative to the folder of ``base``, as a zip member name."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts = base.split("/")[:-1]
    for piece in target.split("/"):
        if piece == "..":
            parts.pop()
        elif piece != ".":
            parts.append(piece)
    return "/".join(parts)


def _rels(z: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, zip member) of ``part``."""
    folder, _, name = part.rpartition("/")
    rels_name = f"{folder}/_rels/{name}.rels"
    if rels_name not in z.namelist():
        return {}
    text = z.read(rels_name).decode("utf-8")
    out = {}
    for tag in re.findall(r"<Relationship\b[^>]*>", text):
        rid, kind, target = _attr(tag, "Id"), _attr(tag, "Type"), _attr(tag, "Target")
        if rid and kind and target:
            out[rid] = (kind.rsplit("/", 1)[-1], _part(part, target))
    return out


def _cut_rows(xml: str, last_row: int) -> str:
    """Drop every ``<row>`` after ``last_row`` (rows are in order in a worksheet part)."""
    for m in re.finditer(r'<row r="(\d+)"', xml):
        if int(m.group(1)) > last_row:
            end = xml.index("</sheetData>", m.start())
            return xml[: m.start()] + xml[end:]
    return xml


def _rows_present(xml: str) -> int:
    rows = [int(r) for r in re.findall(r'<row r="(\d+)"', xml)]
    return max(rows, default=1)


def _printable_sheet(xml: str, last_row: int) -> str:
    xml = _cut_rows(xml, last_row)
    xml = re.sub(r"<headerFooter\b.*?</headerFooter>|<headerFooter\b[^>]*/>", "", xml, flags=re.S)
    xml = re.sub(r"<printOptions\b[^>]*/>", "", xml)
    xml = xml.replace("<pageMargins", '<printOptions gridLines="1" headings="1"/><pageMargins', 1)
    xml = re.sub(r'<pageMargins\b[^>]*/>',
                 '<pageMargins left="0.2" right="0.2" top="0.2" bottom="0.2" header="0" footer="0"/>', xml)
    xml = re.sub(r"<pageSetup\b[^>]*/>", f'<pageSetup paperSize="{PAPER_A2}" fitToHeight="0" orientation="landscape"/>',
                 xml)
    xml = re.sub(r"<rowBreaks\b.*?</rowBreaks>|<colBreaks\b.*?</colBreaks>", "", xml, flags=re.S)
    return xml


def _buttons_printable(vml: str) -> tuple[str, int]:
    """Buttons printed (they are not in the workbook: Excel shows them on screen only); the
    rightmost 1-based column any button reaches."""
    right = 0

    def button(m: re.Match[str]) -> str:
        nonlocal right
        shape = m.group(0)
        if 'ObjectType="Button"' not in shape:
            return shape
        anchor = re.search(r"<x:Anchor>([^<]*)</x:Anchor>", shape)
        if anchor:
            numbers = [int(n) for n in anchor.group(1).split(",")]
            right = max(right, numbers[4] + (numbers[5] > 0))  # 0-based column; into it when offset > 0
        return shape.replace("<x:PrintObject>False</x:PrintObject>", "").replace(
            'face="Calibri"', f'face="{FONT_SHOWN}"')

    vml = re.sub(r"<v:shape\b.*?</v:shape>", button, vml, flags=re.S)
    return vml, right


def single_sheet_copy(book: Path, sheet: str, *, rows: int = 25, paths: Mapping[str, str] | None = None) -> bytes:
    """A copy of ``book`` that holds only ``sheet``, ready to print as one picture (see the module doc)."""
    from invoicetools.book import layout
    from invoicetools.book.layout import column_letter

    spec = layout.sheet(sheet)
    with zipfile.ZipFile(book) as z:
        workbook = z.read("xl/workbook.xml").decode("utf-8")
        tags = re.findall(r"<sheet\b[^>]*/>", workbook)
        names = [_attr(t, "name") for t in tags]
        if sheet not in names:
            raise RenderError(f"{book} has no sheet {sheet!r}")
        tag = tags[names.index(sheet)]
        rid = _attr(tag, "r:id") or ""
        part = _rels(z, "xl/workbook.xml")[rid][1]
        parts = _rels(z, part)
        vml_part = next((p for kind, p in parts.values() if kind == "vmlDrawing"), None)
        other_sheets = {p for kind, p in _rels(z, "xl/workbook.xml").values() if kind == "worksheet"} - {part}

        xml = z.read(part).decode("utf-8")
        header_row = spec.table.header_row if spec.table else 1
        last_row = max(header_row + 1, min(_rows_present(xml), header_row + rows))
        last_col = spec.table.first_col - 1 + len(spec.table.columns) if spec.table else 2
        vml = None
        if vml_part:
            vml, right = _buttons_printable(z.read(vml_part).decode("utf-8"))
            last_col = max(last_col, right)
        area = f"'{sheet}'!$A$1:${column_letter(last_col)}${last_row}"
        kept = re.sub(r' state="\w+"', "", tag)
        workbook = re.sub(r"<sheets>.*?</sheets>", f"<sheets>{kept}</sheets>", workbook, flags=re.S)
        workbook = re.sub(r"<bookViews>.*?</bookViews>", "<bookViews><workbookView/></bookViews>", workbook, flags=re.S)
        names_xml = f'<definedNames><definedName name="_xlnm.Print_Area" localSheetId="0">{area}</definedName></definedNames>'
        workbook = re.sub(r"<definedNames>.*?</definedNames>|<definedNames/>", "", workbook, flags=re.S)
        workbook = workbook.replace("</sheets>", "</sheets>" + names_xml, 1)

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
            for info in z.infolist():
                name = info.filename
                if name in other_sheets:
                    continue
                if name == "xl/workbook.xml":
                    data = workbook.encode("utf-8")
                elif name == part:
                    data = _printable_sheet(xml, last_row).encode("utf-8")
                elif name == vml_part and vml is not None:
                    data = vml.encode("utf-8")
                elif name == "xl/styles.xml":
                    data = z.read(name).decode("utf-8").replace(FONT_IN_BOOK, FONT_SHOWN).encode("utf-8")
                else:
                    data = z.read(name)
                if paths and (name == part or name == "xl/sharedStrings.xml"):
                    data = windows_path(data.decode("utf-8"), paths).encode("utf-8")
                w.writestr(info, data)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# LibreOffice → PDF → PNG
# --------------------------------------------------------------------------------------------
def _soffice() -> Path:
    from invoicetools.actions.export import find_soffice

    exe = find_soffice()
    if exe is None:
        raise RenderError("LibreOffice (soffice) is needed: apt-get install libreoffice-calc-nogui fonts-noto-cjk "
                          "(or set INVOICETOOLS_SOFFICE to the soffice executable)")
    return exe


def to_pdfs(files: Sequence[Path], out_dir: Path, *, timeout: float = TIMEOUT) -> list[Path]:
    """Print every workbook to ``out_dir/<stem>.pdf`` in one LibreOffice run with a fresh profile."""
    from invoicetools.actions.export import _profile_settings, _stop

    exe = _soffice()
    with tempfile.TemporaryDirectory(prefix="invoicetools-docs-lo-") as tmp:
        profile = Path(tmp) / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_profile_settings(), encoding="utf-8")
        command = [str(exe), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--invisible",
                   "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                   "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, files)]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=not sys.platform.startswith("win"))
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _stop(proc)
            raise RenderError(f"LibreOffice did not finish within {timeout:g} s; stopped it") from None
    pdfs = [out_dir / f"{f.stem}.pdf" for f in files]
    missing = [p.name for p in pdfs if not p.is_file()]
    if proc.returncode != 0 or missing:
        raise RenderError(f"LibreOffice made no PDF for {', '.join(missing) or '?'}: "
                          f"{err.decode('utf-8', 'replace').strip()[-500:]}")
    return pdfs


def _read_ppm(data: bytes) -> npt.NDArray[np.uint8]:
    """A binary PPM (P6, maxval 255) as an (h, w, 3) array."""
    import numpy as np

    fields: list[bytes] = []
    pos = 0
    while len(fields) < 4:
        while data[pos : pos + 1].isspace():
            pos += 1
        if data[pos : pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        start = pos
        while not data[pos : pos + 1].isspace():
            pos += 1
        fields.append(data[start:pos])
    if fields[0] != b"P6" or fields[3] != b"255":
        raise RenderError("pdftoppm gave an unexpected image format")
    width, height = int(fields[1]), int(fields[2])
    pixels = np.frombuffer(data, np.uint8, width * height * 3, pos + 1)
    return pixels.reshape(height, width, 3)


def _crop(img: npt.NDArray[np.uint8], margin: int = 4) -> npt.NDArray[np.uint8]:
    import numpy as np

    ink: npt.NDArray[np.bool_] = np.any(img < 245, axis=2)
    rows, cols = np.flatnonzero(np.any(ink, axis=1)), np.flatnonzero(np.any(ink, axis=0))
    if not len(rows):
        return img
    h, w = ink.shape
    return np.ascontiguousarray(img[max(rows[0] - margin, 0) : min(rows[-1] + margin + 1, h),
                                    max(cols[0] - margin, 0) : min(cols[-1] + margin + 1, w)])


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def palette_png(img: npt.NDArray[np.uint8]) -> bytes:
    """An 8-bit palette PNG of an RGB image: its 256 most used colours, the rest mapped to the nearest."""
    import numpy as np

    h, w, _ = img.shape
    packed = (img[..., 0].astype(np.uint32) << 16) | (img[..., 1].astype(np.uint32) << 8) | img[..., 2]
    colours, inverse, counts = np.unique(packed.ravel(), return_inverse=True, return_counts=True)
    rgb = np.stack([(colours >> 16) & 255, (colours >> 8) & 255, colours & 255], axis=1).astype(np.int32)
    keep = np.sort(np.argsort(-counts, kind="stable")[:256])
    palette = rgb[keep]
    nearest = np.empty(len(colours), np.intp)
    for start in range(0, len(colours), 4096):
        block = rgb[start : start + 4096]
        nearest[start : start + 4096] = ((block[:, None, :] - palette[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    index = nearest[inverse].reshape(h, w).astype(np.uint8)
    raw = np.concatenate([np.zeros((h, 1), np.uint8), index], axis=1).tobytes()
    return b"".join([
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0)),
        _chunk(b"PLTE", palette.astype(np.uint8).tobytes()),
        _chunk(b"IDAT", zlib.compress(raw, 9)),
        _chunk(b"IEND", b""),
    ])


def pdf_to_png(pdf: Path, *, dpi: int = DPI, timeout: float = 60.0) -> bytes:
    """The first page of ``pdf`` as a PNG cropped to its content."""
    exe = shutil.which("pdftoppm")
    if exe is None:
        raise RenderError("pdftoppm is needed: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory(prefix="invoicetools-docs-ppm-") as tmp:
        root = Path(tmp) / "page"
        subprocess.run([exe, "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf), str(root)],
                       check=True, capture_output=True, timeout=timeout)
        data = root.with_suffix(".ppm").read_bytes()
    return palette_png(_crop(_read_ppm(data)))


# --------------------------------------------------------------------------------------------
# all of it
# --------------------------------------------------------------------------------------------
def render(out_dir: Path = DEFAULT_OUT, *, book: Path | None = None, only: Sequence[str] | None = None,
           dpi: int = DPI, timeout: float = TIMEOUT, log: bool = True) -> list[Path]:
    """Write ``<out_dir>/<shot>.png`` for every shot (or those named in ``only``); return the paths."""
    shots = [shot(n) for n in only] if only else list(SHOTS)
    _soffice()
    if shutil.which("pdftoppm") is None:
        raise RenderError("pdftoppm is needed: apt-get install poppler-utils")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="invoicetools-docs-") as tmp:
        folder = Path(tmp)
        if book is None:
            if log:
                print("running the demo …", file=sys.stderr)
            stages = prepare_demo(folder / "demo")
            paths = demo_paths(folder / "demo")
        else:
            stages = dict.fromkeys(STAGES, book)
            paths = {}
        copies = []
        for s in shots:
            copy = folder / f"{s.name}.xlsm"
            copy.write_bytes(single_sheet_copy(stages[s.stage], s.sheet, rows=s.rows, paths=paths))
            copies.append(copy)
        pdfs = to_pdfs(copies, folder / "pdf", timeout=timeout)
        for s, pdf in zip(shots, pdfs, strict=True):
            png = out_dir / f"{s.name}.png"
            data = pdf_to_png(pdf, dpi=dpi)
            png.write_bytes(data)
            written.append(png)
            if log:
                warn = f"  (over {MAX_BYTES // 1000} KB: show fewer rows)" if len(data) > MAX_BYTES else ""
                print(f"{png}  {s.sheet}  {len(data) // 1024} KB{warn}", file=sys.stderr)
    if book is None:  # pictures of the demo: record the layout they show (not of another workbook)
        manifest = write_manifest(out_dir, shots)
        if log:
            print(f"{manifest}  layout of {len(shots)} picture(s)", file=sys.stderr)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/docs_images.py",
                                     description="Render the sheet pictures of docs/使用說明.md with LibreOffice.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNGs (default docs/images)")
    parser.add_argument("--book", type=Path, help="take every picture from this workbook instead of running the demo")
    parser.add_argument("--only", help="comma-separated picture names: " + ",".join(s.name for s in SHOTS))
    parser.add_argument("--dpi", type=int, default=DPI, help=f"resolution (default {DPI})")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds LibreOffice may take")
    args = parser.parse_args(argv)
    only = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else None
    unknown = [n for n in only or () if n not in {s.name for s in SHOTS}]
    if unknown:
        parser.error(f"unknown picture {', '.join(unknown)}; known: {', '.join(s.name for s in SHOTS)}")
    if args.book is not None and not args.book.is_file():
        parser.error(f"no workbook {args.book}")
    try:
        render(args.out, book=args.book, only=only, dpi=args.dpi, timeout=args.timeout)
    except (RenderError, subprocess.SubprocessError) as exc:
        print(f"docs_images: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
