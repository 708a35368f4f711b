"""Deterministic synthetic data for the benchmark cases (seeded; scales to 1M rows and 10M numbers).

Everything here is setup, never timed. Invoice numbers are generated as int64 keys
(``track_code * 10**8 + digits``, as in ``invoicetools.domain.invoice_number``) and turned
into ``AB12345678`` strings with numpy byte arithmetic, so 10M strings take a fraction of
a second. Big files (the 1M-row register as xlsx and Big5 CSV, the end-to-end workbook)
are cached under ``bench/results/data/`` by their parameters; delete that folder to
rebuild them.

The layout follows ``invoicetools.demo.sample`` (the typical company): 帳別 × 機台 ranges
of whole 50-number booklets, numbers issued in order per machine, a few skipped, an
unused tail; registers shuffled, as ERP exports are.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from invoicetools.domain import periods
from invoicetools.domain.invoice_number import KEY_BASE
from invoicetools.steps.allocation import PeriodAllocation

SEED = 20261125
BOOKLET = 50
HERE = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("INVOICETOOLS_BENCH_DATA") or HERE / "results" / "data")

COMPANY_UBN = "53212539"  # fictitious (the demo company), valid under the 2023 rule
PERIOD = "11402"  # ROC 114 Jan–Feb = 2025-01-01 … 2025-02-28
FIRST_DAY = datetime.date(2025, 1, 1)
DAYS = 59

# 13 columns of the ERP register (發票資料's headers; 開立時間 left out)
REGISTER_COLUMNS = (
    "帳別", "發票號碼", "發票日期", "客戶編號", "客戶名稱", "買方統編", "銷售人統編",
    "銷售額", "稅額", "總計", "狀態", "列印註記", "轉檔日",
)
_NAMES = (
    "台北商事有限公司", "新竹電子股份有限公司", "台中精機有限公司", "高雄海運股份有限公司", "花蓮文創工作室",
    "嘉義農產行", "桃園物流股份有限公司", "宜蘭食品有限公司", "台南布莊", "基隆漁業合作社",
)


def cache_path(name: str, **params: object) -> Path:
    """A file under ``bench/results/data`` named by ``name`` and a hash of ``params``."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:12]
    stem, dot, suffix = name.partition(".")
    return DATA_DIR / f"{stem}-{digest}{dot}{suffix}"


def cached(path: Path, build: Callable[[Path], None]) -> Path:
    """Build ``path`` (a file or a folder) unless it is already there; built under a private name, then renamed."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        build(tmp)
        try:
            tmp.rename(path)
        except OSError:  # another run built it meanwhile
            if not path.exists():
                raise
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()
    return path


# ----------------------------------------------------------------------------------------------
# invoice numbers
# ----------------------------------------------------------------------------------------------
def number_bytes(keys: np.ndarray) -> np.ndarray:
    """``(n, 10)`` uint8 ASCII of ``AB12345678`` for int64 keys."""
    keys = np.asarray(keys, dtype=np.int64)
    out = np.empty((keys.size, 10), dtype=np.uint8)
    track = keys // KEY_BASE
    digits = keys % KEY_BASE
    out[:, 0] = 65 + track // 26
    out[:, 1] = 65 + track % 26
    for j in range(9, 1, -1):
        out[:, j] = 48 + digits % 10
        digits //= 10
    return out


def number_strings(keys: np.ndarray) -> pa.StringArray:
    """The keys as an Arrow string array of ``AB12345678`` (built from buffers, no Python strings)."""
    raw = number_bytes(keys)
    n = raw.shape[0]
    offsets = np.arange(0, 10 * (n + 1), 10, dtype=np.int32)
    arr = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(raw)))
    return arr


def number_list(keys: np.ndarray) -> list[str]:
    """The keys as a Python list of strings (for the baselines)."""
    return number_strings(keys).to_pylist()  # type: ignore[no-any-return]


def track_codes(count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct track codes (0..675), ascending."""
    return np.sort(rng.choice(676, size=count, replace=False)).astype(np.int64)


# ----------------------------------------------------------------------------------------------
# case 1: gaps and blanks
# ----------------------------------------------------------------------------------------------
@dataclass
class IssuedData:
    """Issued numbers over machine ranges: ``keys`` shuffled; one row per machine range in ``machines``."""

    keys: np.ndarray  # int64, shuffled, every issued number once
    machines: pd.DataFrame  # account, machine, begin, end (inclusive keys, whole booklets)
    skipped: int  # interior skipped numbers planted
    tracks: int

    @property
    def allocated(self) -> int:
        return int((self.machines["end"] - self.machines["begin"] + 1).sum())


def issued_numbers(
    n_issued: int = 10_000_000, n_tracks: int = 200, *, machines_per_track: int = 2, skip: float = 0.001,
    seed: int = SEED,
) -> IssuedData:
    """``n_issued`` numbers over ``n_tracks`` tracks (``machines_per_track`` machine ranges each).

    Each machine issues its numbers in order from the start of its range; ``skip`` of the
    numbers inside the used part are skipped (跳號); an unused tail of 2–3 % follows.
    """
    rng = np.random.default_rng(seed)
    codes = track_codes(n_tracks, rng)
    n_machines = n_tracks * machines_per_track
    per = np.full(n_machines, n_issued // n_machines, dtype=np.int64)
    per[: n_issued % n_machines] += 1
    parts: list[np.ndarray] = []
    rows: list[dict[str, Any]] = []
    skipped = 0
    m = 0
    for t, code in enumerate(codes.tolist()):
        sizes: list[int] = []
        spans: list[tuple[int, int]] = []
        for _ in range(machines_per_track):
            issued = int(per[m + len(sizes)])
            k = round(issued * skip)
            span = issued + k  # the used part: issued numbers plus the skipped ones
            tail = int(rng.integers(span // 50 + 1, span // 33 + 2))
            sizes.append(-(-(span + tail) // BOOKLET) * BOOKLET)
            spans.append((span, k))
        total = sum(sizes)
        top = (KEY_BASE - total) // BOOKLET
        start = int(rng.integers(0, top)) * BOOKLET
        for j, (size, (span, k)) in enumerate(zip(sizes, spans, strict=True)):
            begin = code * KEY_BASE + start
            offsets = np.arange(span, dtype=np.int64)
            if k:
                drop = rng.choice(np.arange(1, span - 1), size=k, replace=False)
                offsets = np.delete(offsets, drop)
            parts.append(begin + offsets)
            skipped += k
            rows.append({"account": "A" if j % 2 == 0 else "B", "machine": f"{t:03d}{j}", "begin": begin,
                         "end": begin + size - 1})
            start += size
            m += 1
    keys = np.concatenate(parts) if parts else np.empty(0, np.int64)
    rng.shuffle(keys)
    machines = pd.DataFrame(rows, columns=["account", "machine", "begin", "end"])
    machines["begin"] = machines["begin"].astype(np.int64)
    machines["end"] = machines["end"].astype(np.int64)
    return IssuedData(keys, machines, skipped, n_tracks)


# ----------------------------------------------------------------------------------------------
# case 2: reconciliation (typed frames as sources.register / sources.status produce them)
# ----------------------------------------------------------------------------------------------
@dataclass
class ReconcileData:
    register: pd.DataFrame  # steps.upload_check register frame
    platform: pd.DataFrame  # steps.upload_check platform frame
    allocation: PeriodAllocation  # machine ranges with their 帳別
    expected: dict[str, set[str]]  # problem → invoice numbers
    # the same data as plain lists, for the naive baseline
    reg_numbers: list[str] = field(default_factory=list)
    reg_status: list[str] = field(default_factory=list)
    plat_numbers: list[str] = field(default_factory=list)
    plat_status: list[str] = field(default_factory=list)


REG_WORDS = ("開立", "作廢", "註銷")
PLAT_WORDS = ("處理中", "失敗", "已確認", "作廢")  # index = steps.upload_check.State


def reconcile_data(n: int = 1_000_000, diff: float = 0.001, *, n_tracks: int = 40, seed: int = SEED) -> ReconcileData:
    """``n`` register rows against ``n`` platform rows; ``diff`` of them differ in each of four ways.

    Register-only (未上傳), platform-only (平台有帳上無), failed on the platform (上傳失敗) and
    作廢 in the register while live on the platform (作廢未上傳); 2 % of the rest are 作廢 on
    both sides (no problem).
    """
    from invoicetools.steps.upload_check import State

    rng = np.random.default_rng(seed + 2)
    d = max(1, round(n * diff))
    total = n + d  # distinct numbers: common + register-only + platform-only
    codes = track_codes(n_tracks, rng)
    per = -(-total // n_tracks)
    starts = rng.integers(0, (KEY_BASE - per) // BOOKLET, n_tracks) * BOOKLET
    universe = (codes * KEY_BASE + starts)[:, None] + np.arange(per, dtype=np.int64)[None, :]
    universe = universe.reshape(-1)[:total]
    perm = rng.permutation(total)
    reg_only = universe[perm[:d]]
    plat_only = universe[perm[d : 2 * d]]
    common = universe[perm[2 * d :]]  # n - d numbers
    failed = common[: d // 2]
    cancel_live = common[d // 2 : d]
    both_cancelled = common[d : d + int(0.02 * len(common))]

    reg_keys = np.concatenate([common, reg_only])
    plat_keys = np.concatenate([common, plat_only])
    rng.shuffle(reg_keys)
    rng.shuffle(plat_keys)

    def member(keys: np.ndarray, subset: np.ndarray) -> np.ndarray:
        return np.isin(keys, subset, kind="sort")

    reg_status = np.zeros(n, dtype=np.int8)
    reg_status[member(reg_keys, cancel_live) | member(reg_keys, both_cancelled)] = 1
    plat_state = np.full(n, int(State.ON_PLATFORM), dtype=np.int8)
    plat_state[member(plat_keys, failed)] = int(State.FAILED)
    plat_state[member(plat_keys, both_cancelled)] = int(State.CANCELLED)

    # issue date-time: rises with the number within each track
    def issued_of(keys: np.ndarray) -> np.ndarray:
        pos = (keys % KEY_BASE - starts[np.searchsorted(codes, keys // KEY_BASE)]) / per
        seconds = (pos * DAYS * 86400).astype(np.int64)
        seconds = seconds - seconds % 86400 + 9 * 3600 + (keys % 43200)
        out: np.ndarray = np.datetime64(FIRST_DAY, "ns") + seconds.astype("timedelta64[s]").astype("timedelta64[ns]")
        return out

    reg_issued = issued_of(reg_keys)
    plat_issued = issued_of(plat_keys)
    reg_numbers_arr = number_strings(reg_keys)
    b2b = (reg_keys % 7) == 0
    register = pd.DataFrame({
        "key": reg_keys,
        "row": np.arange(5, 5 + n, dtype=np.int64),
        "issued": reg_issued,
        "timed": np.ones(n, dtype=bool),
        "status": reg_status,
        "b2b": b2b,
        "帳別": pd.array(np.where(reg_keys // KEY_BASE % 2 == 0, "A", "B"), dtype="string"),
        "發票號碼": pd.array(reg_numbers_arr, dtype=pd.ArrowDtype(pa.string())).astype("string"),
        "客戶編號": pd.array(np.where(b2b, "C001", ""), dtype="string"),
        "客戶名稱": pd.array(np.where(b2b, _NAMES[0], "散客"), dtype="string"),
        "銷售人統編": COMPANY_UBN,
        "列印註記": pd.array(np.where(reg_keys % 5 < 3, "Y", "N"), dtype="string"),
        "轉檔日": (reg_issued.astype("datetime64[D]") + np.timedelta64(1, "D")).astype("datetime64[ns]"),
    })
    platform = pd.DataFrame({
        "key": plat_keys,
        "state": plat_state,
        "date": plat_issued.astype("datetime64[D]").astype("datetime64[ns]"),
        "time": plat_issued + np.timedelta64(3600, "s"),
        "detail": pd.array(np.where(plat_state == int(State.FAILED), "格式錯誤", ""), dtype="string"),
        "row": np.arange(7, 7 + n, dtype=np.int64),
    })
    a_begin = codes * KEY_BASE + starts
    allocation = PeriodAllocation.of_machine_ranges(
        periods.parse(PERIOD), a_begin.astype(np.int64), (a_begin + -(-per // BOOKLET) * BOOKLET - 1).astype(np.int64),
        np.where(codes % 2 == 0, "A", "B").tolist())

    def strings(keys: np.ndarray) -> set[str]:
        return set(number_list(np.sort(keys)))

    expected = {
        "未上傳": strings(reg_only),
        "上傳失敗": strings(failed),
        "作廢未上傳": strings(cancel_live),
        "平台有帳上無": strings(plat_only),
    }
    return ReconcileData(
        register, platform, allocation, expected,
        reg_numbers=reg_numbers_arr.to_pylist(),
        reg_status=[REG_WORDS[s] for s in reg_status.tolist()],
        plat_numbers=number_list(plat_keys),
        plat_status=[PLAT_WORDS[s] for s in plat_state.tolist()],
    )


# ----------------------------------------------------------------------------------------------
# case 3: a 13-column register as xlsx (shared strings, like a file saved by Excel) and Big5 CSV
# ----------------------------------------------------------------------------------------------
def register_table(n: int = 1_000_000, *, seed: int = SEED, keys: np.ndarray | None = None,
                   accounts: np.ndarray | None = None) -> pd.DataFrame:
    """An ERP register export: the 13 ``REGISTER_COLUMNS``; dates as ``datetime64``, amounts as int64.

    ``keys`` (issued numbers, in the order wanted) and ``accounts`` may be given; else
    ``n`` numbers over 40 tracks are made up.
    """
    rng = np.random.default_rng(seed + 3)
    if keys is None:
        data = issued_numbers(n, 20, machines_per_track=2, seed=seed + 3)
        keys = data.keys
    n = len(keys)
    order = np.argsort(keys, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    day = (rank * DAYS) // max(n, 1)  # dates rise with the number
    issued = np.datetime64(FIRST_DAY, "D") + day
    cust = rng.integers(0, 1000, n)
    b2b = cust < 400
    amount = rng.integers(50, 20_000, n).astype(np.int64)
    tax = np.round(amount * 0.05).astype(np.int64)
    status = np.where(rng.random(n) < 0.02, "作廢", "開立")
    names = np.array([f"{_NAMES[i % len(_NAMES)]}{i:03d}" for i in range(1000)], dtype=object)
    cust_ids = np.array([f"C{i:05d}" for i in range(1000)], dtype=object)
    bans = np.array([f"{(i * 7919 + 10_000_000) % 100_000_000:08d}" for i in range(1000)], dtype=object)
    if accounts is None:
        accounts = np.where((keys // KEY_BASE) % 2 == 0, "A", "B")
    frame = pd.DataFrame({
        "帳別": pd.array(np.asarray(accounts, dtype=object), dtype="string"),
        "發票號碼": pd.array(number_strings(keys), dtype=pd.ArrowDtype(pa.string())).astype("string"),
        "發票日期": issued.astype("datetime64[ns]"),
        "客戶編號": pd.array(np.where(b2b, cust_ids[cust], ""), dtype="string"),
        "客戶名稱": pd.array(np.where(b2b, names[cust], "散客"), dtype="string"),
        "買方統編": pd.array(np.where(b2b, bans[cust], ""), dtype="string"),
        "銷售人統編": pd.array(np.full(n, COMPANY_UBN, dtype=object), dtype="string"),
        "銷售額": amount,
        "稅額": tax,
        "總計": amount + tax,
        "狀態": pd.array(status, dtype="string"),
        "列印註記": pd.array(np.where(rng.random(n) < 0.6, "Y", "N"), dtype="string"),
        "轉檔日": (issued + 1).astype("datetime64[ns]"),
    })
    return frame


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


def _sheet_rows(frame: pd.DataFrame, first_row: int, sst: pd.Index | None, chunk: int = 100_000) -> Iterator[bytes]:
    """``<row>`` XML for the frame: strings shared (``t="s"``) or inline, dates as serials (style 1)."""
    letters = [_col_letter(j) for j in range(frame.shape[1])]
    for start in range(0, len(frame), chunk):
        part = frame.iloc[start : start + chunk]
        rows = pa.array(np.arange(first_row + start, first_row + start + len(part)).astype(str))
        cells = []
        for j, name in enumerate(frame.columns):
            s = part[name]
            ref = pc.binary_join_element_wise(letters[j], rows, "")
            if pd.api.types.is_datetime64_any_dtype(s.dtype):
                serial = (s.to_numpy(dtype="datetime64[D]") - _EXCEL_EPOCH).astype(np.int64)
                body = pa.array(serial.astype(str))
                cell = pc.binary_join_element_wise('<c r="', ref, '" s="1"><v>', body, "</v></c>", "")
            elif pd.api.types.is_integer_dtype(s.dtype):
                body = pa.array(s.to_numpy().astype(str))
                cell = pc.binary_join_element_wise('<c r="', ref, '"><v>', body, "</v></c>", "")
            else:
                text = s.astype(object).where(s.notna(), "").to_numpy(dtype=object)
                empty = pa.array(text == "")
                if sst is not None:
                    idx = sst.get_indexer(text)
                    body = pa.array(idx.astype(str))
                    cell = pc.binary_join_element_wise('<c r="', ref, '" t="s"><v>', body, "</v></c>", "")
                else:
                    esc = pa.array(text, type=pa.string())
                    cell = pc.binary_join_element_wise('<c r="', ref, '" t="inlineStr"><is><t>', esc,
                                                       "</t></is></c>", "")
                cell = pc.if_else(empty, "", cell)
            cells.append(cell)
        opened = pc.binary_join_element_wise('<row r="', rows, '">', "")
        joined = pc.binary_join_element_wise(opened, *cells, "</row>", "")
        yield "".join(joined.to_pylist()).encode()


_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/mm/dd"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def write_xlsx(frame: pd.DataFrame, path: Path, *, sheet: str = "發票資料", shared_strings: bool = True) -> None:
    """A one-sheet .xlsx of ``frame`` (header row 1), written at the zip level in seconds for 1M rows.

    With ``shared_strings`` (the default) text goes into ``sharedStrings.xml`` as Excel saves it.
    """
    from xml.sax.saxutils import escape

    sst: pd.Index | None = None
    strings: list[str] = []
    if shared_strings:
        seen: dict[str, None] = {}
        for name in frame.columns:
            s = frame[name]
            if pd.api.types.is_datetime64_any_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
                continue
            seen.update(dict.fromkeys(pd.unique(s.dropna().astype(object))))
        seen.update(dict.fromkeys(frame.columns))
        seen.pop("", None)
        strings = list(seen)
        sst = pd.Index(strings, dtype=object)
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    last = f"{_col_letter(frame.shape[1] - 1)}{len(frame) + 1}"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
               if shared_strings else "")
            + "</Types>"))
        z.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"))
        z.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {ns} {rel_ns}>'
            f'<sheets><sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            + ('<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
               if shared_strings else "")
            + "</Relationships>"))
        z.writestr("xl/styles.xml", _STYLES)
        if shared_strings:
            body = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
            z.writestr("xl/sharedStrings.xml", (
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<sst {ns} count="{len(strings)}" uniqueCount="{len(strings)}">{body}</sst>'))
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {ns} {rel_ns}>'
                     f'<dimension ref="A1:{last}"/><sheetData>'.encode())
            header = pd.DataFrame([list(frame.columns)], columns=frame.columns).astype("string")
            for chunk in _sheet_rows(header, 1, sst):
                fh.write(chunk)
            for chunk in _sheet_rows(frame, 2, sst):
                fh.write(chunk)
            fh.write(b"</sheetData></worksheet>")


def write_csv(frame: pd.DataFrame, path: Path, *, encoding: str = "cp950") -> None:
    """The register as an ERP writes it: dates ``yyyy/mm/dd``, CRLF line ends."""
    out = frame.copy()
    for name in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[name].dtype):
            out[name] = out[name].dt.strftime("%Y/%m/%d")
    out.to_csv(path, index=False, encoding=encoding, lineterminator="\r\n")


def register_xlsx(n: int, *, seed: int = SEED) -> Path:
    return cached(cache_path("register.xlsx", n=n, seed=seed, v=1),
                  lambda p: write_xlsx(register_table(n, seed=seed), p))


def register_csv(n: int, *, seed: int = SEED, encoding: str = "cp950") -> Path:
    return cached(cache_path("register.csv", n=n, seed=seed, encoding=encoding, v=1),
                  lambda p: write_csv(register_table(n, seed=seed), p, encoding=encoding))


# ----------------------------------------------------------------------------------------------
# case 4: a result table (the 漏上傳檢核 sheet's columns)
# ----------------------------------------------------------------------------------------------
def result_table(n: int = 100_000, *, seed: int = SEED) -> pd.DataFrame:
    """``n`` rows of the 漏上傳檢核 result: text, 8-digit IDs, dates, date-times, Chinese text."""
    rng = np.random.default_rng(seed + 4)
    data = issued_numbers(n, 4, machines_per_track=1, skip=0.0, seed=seed + 4)
    keys = np.sort(data.keys)
    day = np.datetime64(FIRST_DAY, "D") + (np.arange(n) * DAYS) // max(n, 1)
    due = day.astype("datetime64[s]") + np.timedelta64(2 * 86400 + 13 * 3600, "s")
    problems = np.array(["未上傳", "上傳失敗", "作廢未上傳", "平台有帳上無", "重號"], dtype=object)
    pick = rng.integers(0, len(problems), n)
    names = np.array([*_NAMES, "散客"], dtype=object)
    return pd.DataFrame({
        "序號": np.arange(1, n + 1, dtype=np.int64),
        "帳別": pd.array(np.where(pick % 2 == 0, "A", "B"), dtype="string"),
        "資料申報年月": PERIOD,
        "發票日期": day.astype("datetime64[ns]"),
        "發票號碼": pd.array(number_strings(keys), dtype=pd.ArrowDtype(pa.string())).astype("string"),
        "客戶編號": pd.array([f"C{i:05d}" for i in rng.integers(0, 3000, n).tolist()], dtype="string"),
        "客戶名稱": pd.array(names[rng.integers(0, len(names), n)], dtype="string"),
        "銷售人統編": COMPANY_UBN,
        "列印註記": pd.array(np.where(pick < 3, "Y", "N"), dtype="string"),
        "轉檔日": (day + 1).astype("datetime64[ns]"),
        "問題": pd.array(problems[pick], dtype="string"),
        "期限": due.astype("datetime64[ns]"),
        "說明": pd.array(np.where(pick == 0, "平台查無此發票", ""), dtype="string"),
    })


# ----------------------------------------------------------------------------------------------
# case 5: E0402 blanks for many tracks
# ----------------------------------------------------------------------------------------------
def e0402_tracks(n_tracks: int = 1000, ranges_per_track: int = 10, *, seed: int = SEED) -> list[tuple[str, list[tuple[int, int]]]]:
    """``(track letters, [(begin, end) 8-digit numbers, ascending, disjoint])`` for ``n_tracks`` tracks.

    More than 676 tracks repeat letters (as many 營業人 or periods would): each entry is one file.
    """
    rng = np.random.default_rng(seed + 5)
    out = []
    for i in range(n_tracks):
        code = i % 676
        letters = chr(65 + code // 26) + chr(65 + code % 26)
        base = int(rng.integers(0, 1_000_000)) * 50
        cuts = np.sort(rng.choice(np.arange(1, 25_000), size=2 * ranges_per_track, replace=False))
        pairs = [(base + int(cuts[2 * j]), base + int(cuts[2 * j + 1])) for j in range(ranges_per_track)]
        out.append((letters, pairs))
    return out


# ----------------------------------------------------------------------------------------------
# end to end: a workbook whose 發票資料 holds n invoices, with allocation and platform status
# ----------------------------------------------------------------------------------------------
@dataclass
class BookFiles:
    book: Path  # the prepared workbook (copy it before running steps)
    setup: Path  # the same workbook before the two imports: settings and the period's allocation only
    folder: Path
    invoices: int
    register_csv: Path
    status_csv: Path
    setup_seconds: dict[str, float]


def _run_cli(argv: list[str]) -> tuple[int, str]:
    import contextlib
    import io

    from invoicetools.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(argv)
    return code, out.getvalue()


def _e2e_plan(n: int) -> tuple[list[tuple[str, int]], list[tuple[str, str, str, int, float]]]:
    """Tracks ``(letters, booklets)`` and machines ``(帳別, 機台號, 字軌, 組數, used share)`` for ``n`` invoices."""
    n_machines = max(3, n // 50_000)
    per = -(-n // n_machines)
    machines = []
    tracks = []
    for m in range(n_machines):
        letters = chr(65 + 10 + m // 26 % 16) + chr(65 + m % 26)  # KA, KB, …
        share = 0.95
        booklets = -(-int(per / share / (1 - 0.001)) // BOOKLET) + 1
        tracks.append((letters, booklets + 10))  # 10 booklets spare: kept by another system
        machines.append(("A" if m % 2 == 0 else "B", f"{m + 1:03d}", letters, booklets, share))
    return tracks, machines


def e2e_book(n: int, *, seed: int = SEED) -> BookFiles:
    """A workbook (``invoicetools new``) with settings, the period's allocation allocated to machines,
    ``n`` invoices in 發票資料 and the platform status in 平台狀況 (0.1 % missing there, a few
    failed, one 作廢 not uploaded); built with the CLI, as an accountant would, and cached."""
    folder = cache_path("e2e", n=n, seed=seed, v=3, product=_template_digest())
    timings: dict[str, float] = {}
    done = folder / "setup.json"
    if not done.exists():
        cached(folder, lambda tmp: timings.update(_build_e2e(tmp, n, seed)))
        (folder / "setup.json").write_text(json.dumps(timings))
    timings = json.loads(done.read_text())
    return BookFiles(folder / "book.xlsm", folder / "setup.xlsm", folder, n, folder / "register.csv", folder / "status.csv",
                     timings)


def _template_digest() -> str:
    """A digest of what shapes the workbook (the layout, the template builder): a change rebuilds the cached books."""
    import invoicetools.book.layout as layout_module
    import invoicetools.build.workbook as workbook_module

    h = hashlib.sha256()
    for module in (layout_module, workbook_module):
        h.update(Path(str(module.__file__)).read_bytes())
    return h.hexdigest()[:12]


def _build_e2e(folder: Path, n: int, seed: int) -> dict[str, float]:
    import time

    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed + 6)
    book = folder / "book.xlsm"
    b = ["--book", str(book)]
    timings: dict[str, float] = {}

    def cli(label: str, argv: list[str], ok: tuple[int, ...] = (0, 1)) -> None:
        t = time.perf_counter()
        code, text = _run_cli(argv)
        timings[label] = time.perf_counter() - t
        if code not in ok:
            raise RuntimeError(f"setup step {label} ({' '.join(argv)}) exited {code}:\n{text[-3000:]}")

    tracks, machines = _e2e_plan(n)
    first = 12_340_000
    track_rows = pd.DataFrame([
        {"營業人統編": COMPANY_UBN, "發票類別代號": "7", "發票類別": "一般稅額計算", "發票期別": "114/01 ~ 114/02",
         "發票字軌名稱": t, "發票起號": f"{first:08d}", "發票迄號": f"{first + k * BOOKLET - 1:08d}"}
        for t, k in tracks
    ])
    track_rows.to_csv(folder / "tracks.csv", index=False, encoding="cp950", lineterminator="\r\n")
    pd.DataFrame([
        {"帳別": a, "機台號": m, "組數": k, "傳輸類別": "B2C", "交換範圍": "", "所屬年月": "", "發票字軌": t}
        for a, m, t, k, _ in machines
    ]).to_csv(folder / "machines.csv", index=False, encoding="utf-8-sig")

    cli("new", ["new", str(book)], (0,))
    cli("settings", ["settings", *b, f"統一編號={COMPANY_UBN}", "公司名稱=效能測試股份有限公司", f"申報年月={PERIOD}",
                           "其他系統開立發票=是"], (0,))  # the spare booklets are kept by another system
    cli("tracks import", ["tracks", "import", str(folder / "tracks.csv"), *b])
    cli("machines import", ["machines", "import", str(folder / "machines.csv"), *b])
    cli("tracks allocate", ["tracks", "allocate", *b])

    # issued numbers: each machine in order from its first booklet (allocation is contiguous per machine)
    from invoicetools.book import layout
    from invoicetools.book.file_backend import FileBook
    from invoicetools.domain.invoice_number import track_code

    fb = FileBook(book)
    alloc = fb.read_table(layout.table("配號設定"))
    fb.close()
    per = -(-n // len(machines))
    parts, accounts = [], []
    remaining = n
    for a, m, t, _, _share in machines:
        rows = alloc[(alloc["機台號"].astype(str) == m) & (alloc["帳別"].astype(str) == a)]
        if rows.empty:
            raise RuntimeError(f"machine {a}/{m} got no allocation")
        begin = track_code(t) * KEY_BASE + int(rows["起號"].astype(int).min())
        count = min(per, remaining)
        remaining -= count
        k = round(count * 0.001)
        offsets = np.arange(count + k, dtype=np.int64)
        if k:
            offsets = np.delete(offsets, rng.choice(np.arange(1, count + k - 1), size=k, replace=False))
        parts.append(begin + offsets)
        accounts.append(np.full(count, a, dtype=object))
    keys = np.concatenate(parts)
    acc = np.concatenate(accounts)
    perm = rng.permutation(len(keys))
    keys, acc = keys[perm], acc[perm]
    reg = register_table(len(keys), seed=seed, keys=keys, accounts=acc)
    write_csv(reg, folder / "register.csv")

    # platform: all but 0.1 % (未上傳), a few failed
    live = np.flatnonzero(reg["狀態"].to_numpy(dtype=object) == "開立")
    d = max(1, len(keys) // 1000)
    missing = rng.choice(live, size=d, replace=False)
    keep = np.ones(len(keys), dtype=bool)
    keep[missing] = False
    words = np.where(reg["狀態"].to_numpy(dtype=object) == "作廢", "作廢", "已確認").astype(object)
    failed = rng.choice(np.flatnonzero(keep & (words == "已確認")), size=max(1, d // 10), replace=False)
    words[failed] = "失敗"
    status = pd.DataFrame({
        "發票號碼": reg["發票號碼"].to_numpy(dtype=object)[keep],
        "發票日期": reg["發票日期"].dt.strftime("%Y/%m/%d").to_numpy(dtype=object)[keep],
        "狀態": words[keep],
        "上傳日期": (reg["發票日期"] + pd.Timedelta(hours=20)).dt.strftime("%Y/%m/%d %H:%M").to_numpy(dtype=object)[keep],
    })
    status.to_csv(folder / "status.csv", index=False, encoding="utf-8-sig", lineterminator="\r\n")

    import shutil

    shutil.copyfile(book, folder / "setup.xlsm")  # the period as a user starts it: nothing imported yet
    cli("invoices import", ["invoices", "import", str(folder / "register.csv"), *b])
    cli("status import", ["status", "import", str(folder / "status.csv"), *b])
    # the book is left with the settings, the allocation, 發票資料 and 平台狀況 filled in
    return timings
