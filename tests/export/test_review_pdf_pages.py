"""The review PDF holds everything its sheets hold: read back page by page with pdftotext.

A reviewer gets the PDF, not the workbook. The E0402 page used to shrink to ~6 pt and clip
cells (a track's 空白區間 stopped mid-list; sha256 and 輸出位置 were cut), and the clean
漏上傳檢核 page showed 「（無資料）」 without the sheet's result line. Here the pages are
read back: every blank range, every 問題 row and every step's result line is somewhere on
the pages, no text is printed below 8 pt, the cells are drawn with the Traditional-Chinese
glyphs of Noto Sans CJK (TC) and the document language is zh-TW.
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from invoicetools.book import layout
from invoicetools.book.file_backend import FileBook
from invoicetools.book.settings import write_settings
from invoicetools.cli import main

pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                       reason="soffice and poppler-utils are needed"),
]

NOTO_CJK = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
RANGES = [f"{12340000 + 7 * i:08d}~{12340003 + 7 * i:08d}" if i % 3 else f"{12340000 + 7 * i:08d}"
          for i in range(320)] + ["12345240~12345299", "12345333", "12345360~12345399"]
SHA = "7fedf24de8cfae124b3d8fff8aaa0123456789abcdef0123456789abcdef0123"
OUT_DIR = "/srv/事務所/客戶資料/範例商行股份有限公司/Turnkey/UpCast/B2PMESSAGE/E0402/SRC"
UPLOAD_STATUS = "恭喜您！此次無漏上傳資料！（檢核 20,880 張發票，2025/01/01 ~ 2025/02/28；平台狀況下載時間 2025/03/03 09:00）"
E0402_STATUS = ("已轉出 114/01 ~ 114/02：2 個 E0402 檔（MIG 4.1），共 326 組、1,620 張空白號碼，上傳期限 2025/03/10。"
                "Turnkey 會自動上傳 SRC 資料夾中的檔案；上傳後請到平台確認結果。")
GAP_STATUS = "114/01 ~ 114/02 全部帳別 找到跳號 3 組、共 6 張：待確認 0 張、已作廢 6 張。"
PROBLEMS = [("AB00000011", "未上傳"), ("AB00000012", "上傳失敗"), ("AB00000013", "作廢未上傳"),
            ("AB00000014", "平台有帳上無"), ("AB00000015", "平台已作廢"), ("AB00000016", "重號")]
FORECAST = ("近 2 期用量 120→186 組（趨勢 +66）；建議 287 組（含 20% 安全量）；"
            "以目前速度（每天約 312 張）本期約 2025/02/21 用完，請儘速增配")


def _book(path: Path, *, clean: bool) -> Path:
    fb = FileBook(path)
    write_settings(fb, {"統一編號": "53212539", "申報年月": "11402", "公司名稱": "範例商行股份有限公司（示範）",
                        "製表人": "王會計"})
    e0402 = layout.table("E0402")
    fb.write_table(e0402, pd.DataFrame([{
        "序號": i + 1, "檔案名稱": f"E0402_53212539_11402_{t}_07.xml", "營業人統編": "53212539", "發票類別代號": "07",
        "申報年月": "11402", "發票字軌": t, "區間數": len(r), "空白張數": 1620, "空白區間": "、".join(r),
        "異動": "首次轉出", "sha256": SHA, "期限": datetime.date(2025, 3, 10), "輸出位置": OUT_DIR,
    } for i, (t, r) in enumerate((("KA", RANGES[:200]), ("KB", RANGES[200:])))], columns=list(e0402.headers)))
    fb.write_params(layout.sheet("E0402"), {"period": "11402"})
    fb.set_status(layout.sheet("E0402"), E0402_STATUS)
    upload = layout.table("漏上傳檢核")
    rows = [] if clean else [{"序號": i + 1, "帳別": "A", "資料申報年月": "11402", "發票日期": datetime.date(2025, 1, 5),
                              "發票號碼": n, "客戶名稱": "甲股份有限公司", "問題": p, "期限": datetime.datetime(2025, 1, 7, 9),
                              "說明": "應於 48 小時內上傳；已超過上傳期限，請儘速上傳並重新下載平台發票狀況"}
                             for i, (n, p) in enumerate(PROBLEMS)]
    fb.write_table(upload, pd.DataFrame(rows, columns=list(upload.headers)))
    fb.set_status(layout.sheet("漏上傳檢核"), UPLOAD_STATUS if clean else "漏上傳檢核：共 6 筆。")
    alloc = layout.table("配號設定")
    fb.write_table(alloc, pd.DataFrame([{
        "帳別": "A", "機台號": "001", "發票字軌": "KA", "起號": "12340000", "迄號": "12349999", "組數": 200,
        "申報年月": "11402", "發票類別代號": "07", "營業人統編": "53212539", "傳輸類別": "B2C", "交換範圍": "",
        "預估下期組數": 287, "預估說明": FORECAST}], columns=list(alloc.headers)))
    fb.set_status(layout.sheet("跳號作廢"), GAP_STATUS)
    fb.commit()
    return path


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    return [p for p in text.split("\f") if p.strip()]


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pieces_found(value: str, words: set[str]) -> bool:
    """``value`` is made of words printed somewhere (a wrapped cell prints its lines apart)."""
    pos = 0
    while pos < len(value):
        best = max((len(w) for w in words if value.startswith(w, pos)), default=0)
        if best == 0:
            return False
        pos += best
    return True


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from workbooks import new_book

    folder = tmp_path_factory.mktemp("pdf")
    clean = _book(new_book(folder / "clean.xlsm"), clean=True)
    problems = _book(new_book(folder / "problems.xlsm"), clean=False)
    for book in (clean, problems):
        code = main(["export", "--book", str(book), "--pdf", str(book.with_suffix(".pdf")), "-q"])
        assert code == 0
    return clean.with_suffix(".pdf"), problems.with_suffix(".pdf")


def test_every_range_sha256_and_folder_is_on_the_e0402_pages(exported: tuple[Path, Path]) -> None:
    pages = _pages(exported[0])
    e0402 = [p for p in pages if "E0402 空白未使用發票檔" in p]
    assert len(e0402) >= 2  # a long 空白區間 goes on over several pages, nothing cut
    text = "\n".join(e0402)
    words = set(text.split())
    missing = [r for r in RANGES if not re.search(rf"(?<![\d~]){re.escape(r)}(?![\d~])", text)]
    assert missing == []
    assert _pieces_found(SHA, words)
    assert _pieces_found(OUT_DIR, words)
    for header in ("發票類別代號", "sha256", "輸出位置", "空白區間"):
        assert _pieces_found(header, words), header  # a header may wrap in its cell, never cut
    assert "（續）" in text  # the continued rows say so


def test_result_lines_and_problem_rows_are_printed(exported: tuple[Path, Path]) -> None:
    clean, problems = (_squeeze("\n".join(_pages(p))) for p in exported)
    for status in (UPLOAD_STATUS, E0402_STATUS, GAP_STATUS):
        assert _squeeze(status) in clean, status
    assert _squeeze(FORECAST) in clean  # 預估說明 wraps, whole
    for number, problem in PROBLEMS:
        assert re.search(rf"{number}.*?{problem}", problems), number
    assert "漏上傳檢核：共6筆。" in problems


def test_no_text_below_8_pt(exported: tuple[Path, Path]) -> None:
    for pdf in exported:
        boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True,
                               text=True).stdout
        heights = [float(b) - float(a) for a, b in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes)]
        assert heights
        # poppler's word box is the font's ascent + descent, 1.3 em for these fonts: 8 pt → 10.4
        assert min(heights) >= 8 * 1.3 * 0.98, min(heights)


def test_traditional_chinese_glyphs_and_language(exported: tuple[Path, Path]) -> None:
    pdf = exported[0]
    data = pdf.read_bytes()
    assert b"/Lang(zh-TW)" in data
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSansCJK" in fonts  # the CJK faces of fonts-noto-cjk share one glyph table and one name …
    fonttools = pytest.importorskip("fontTools.ttLib")
    if not NOTO_CJK.is_file():
        pytest.skip("fonts-noto-cjk is not installed")
    # … so the face is told by the glyphs: each character is drawn with the glyph the TC face maps it to
    faces = {f["name"].getDebugName(1): f.getBestCmap() for f in fonttools.TTCollection(str(NOTO_CJK), lazy=True).fonts}
    tc, jp = faces["Noto Sans CJK TC"], faces["Noto Sans CJK JP"]
    used = _glyphs_by_char(data)
    telling = [ch for ch in used if ord(ch) in tc and tc[ord(ch)] != jp.get(ord(ch))]
    assert len(telling) >= 3, telling  # 說 號 戶 … differ between the TC and JP faces
    for ch in telling:
        assert used[ch] == {int(tc[ord(ch)][3:])}, ch


def _glyphs_by_char(pdf: bytes) -> dict[str, set[int]]:
    """Character → the CIDs drawn for it, from each embedded font's encoding and ToUnicode map."""
    import zlib

    streams: dict[int, bytes] = {}
    for m in re.finditer(rb"(\d+) 0 obj\s*<<((?:(?!endobj).)*?)>>\s*stream\r?\n", pdf, re.S):
        try:
            streams[int(m.group(1))] = zlib.decompressobj().decompress(pdf[m.end():])
        except zlib.error:
            continue
    out: dict[str, set[int]] = {}
    for m in re.finditer(rb"/FontDescriptor (\d+) 0 R\s*/ToUnicode (\d+) 0 R", pdf):
        descriptor = re.search(rb"%d 0 obj\s*<<(.*?)>>" % int(m.group(1)), pdf, re.S)
        program = re.search(rb"/FontFile\d? (\d+) 0 R", descriptor.group(1)) if descriptor else None
        if program is None or int(program.group(1)) not in streams or int(m.group(2)) not in streams:
            continue
        encoding = {int(c): int(g) for c, g in re.findall(rb"dup (\d+) /cid(\d+) put", streams[int(program.group(1))])}
        for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]{4})>", streams[int(m.group(2))]):
            if int(code, 16) in encoding:
                out.setdefault(chr(int(uni, 16)), set()).add(encoding[int(code, 16)])
    return out
