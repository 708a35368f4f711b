"""Naive baselines: what a straightforward implementation of each job looks like.

Plain Python sets, dicts and loops for the number work; openpyxl (read-only to read, load +
save to write) for workbooks; the stdlib ``csv`` module for CSV; ``xml.etree`` and
xmlschema for E0402. Each does the same job as the InvoiceTools code it is measured
against (or less: the baselines skip the product's extra checks, which favours them), and
its result is compared with the product's where the case says so.
"""

from __future__ import annotations

import csv
import datetime
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

KEY_BASE = 10**8

warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")


# ----------------------------------------------------------------------------------------------
# invoice numbers
# ----------------------------------------------------------------------------------------------
def parse_numbers(numbers: Iterable[str]) -> list[int]:
    """``'AB12345678'`` → int key, one string at a time."""
    out = []
    for s in numbers:
        out.append(((ord(s[0]) - 65) * 26 + ord(s[1]) - 65) * KEY_BASE + int(s[2:]))
    return out


def _missing_runs(used: set[int], begin: int, end: int) -> tuple[list[tuple[int, int]], int]:
    """Runs of numbers in ``[begin, end]`` not in ``used``, and the highest used number (-1 if none)."""
    runs = []
    start = None
    last_used = -1
    for n in range(begin, end + 1):
        if n in used:
            last_used = n
            if start is not None:
                runs.append((start, n - 1))
                start = None
        elif start is None:
            start = n
    if start is not None:
        runs.append((start, end))
    return runs, last_used


def gaps_and_blanks(
    keys: Iterable[int], machines: Sequence[tuple[str, str, int, int]], tracks: Sequence[tuple[int, int]]
) -> tuple[set[tuple[int, int, str]], set[tuple[int, int]]]:
    """跳號/未使用 per machine range and the blank runs per track allocation, by a set and a loop per number.

    ``machines``: ``(帳別, 機台, begin, end)``; ``tracks``: ``(begin, end)`` of each track's allocation.
    """
    used = set(keys)
    gaps: set[tuple[int, int, str]] = set()
    for _account, _machine, begin, end in machines:
        runs, last = _missing_runs(used, begin, end)
        for b, e in runs:
            gaps.add((b, e, "跳號" if e < last else "未使用"))
    blanks: set[tuple[int, int]] = set()
    for begin, end in tracks:
        runs, _ = _missing_runs(used, begin, end)
        blanks.update(runs)
    return gaps, blanks


def gaps_and_blanks_from_strings(
    numbers: Iterable[str], machines: Sequence[tuple[str, str, int, int]], tracks: Sequence[tuple[int, int]]
) -> tuple[set[tuple[int, int, str]], set[tuple[int, int]]]:
    return gaps_and_blanks(parse_numbers(numbers), machines, tracks)


# ----------------------------------------------------------------------------------------------
# reconciliation (漏上傳檢核)
# ----------------------------------------------------------------------------------------------
def reconcile(
    reg_numbers: Sequence[str], reg_status: Sequence[str], plat_numbers: Sequence[str], plat_status: Sequence[str]
) -> set[tuple[str, str]]:
    """``{(number, problem)}``: a dict of the platform, a loop over the register, a set of what was seen."""
    platform = dict(zip(plat_numbers, plat_status, strict=True))
    counts = Counter(n for n, s in zip(reg_numbers, reg_status, strict=True) if s != "註銷")
    out: set[tuple[str, str]] = set()
    seen = set()
    for number, status in zip(reg_numbers, reg_status, strict=True):
        seen.add(number)
        state = platform.get(number)
        if state is None or state == "處理中":
            out.add((number, "未上傳"))
        elif state == "失敗":
            out.add((number, "上傳失敗"))
        elif state == "已確認" and status == "作廢":
            out.add((number, "作廢未上傳"))
        if counts[number] > 1:
            out.add((number, "重號"))
    for number, state in zip(plat_numbers, plat_status, strict=True):
        if number not in seen and state in ("已確認", "作廢"):
            out.add((number, "平台有帳上無"))
    return out


# ----------------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------------
def read_xlsx_openpyxl(path: Path, sheet: str | None = None) -> list[tuple[Any, ...]]:
    """Every row of a sheet as a tuple of values (openpyxl read-only mode)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb[sheet] if sheet else wb.worksheets[0]
        return list(ws.iter_rows(values_only=True))
    finally:
        wb.close()


def read_csv_stdlib(path: Path, encoding: str = "cp950") -> list[list[str]]:
    """Every line of a CSV file as a list of strings (``csv.reader``)."""
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.reader(fh))


# ----------------------------------------------------------------------------------------------
# writing into a workbook (openpyxl load + save: the straightforward way to change one sheet)
# ----------------------------------------------------------------------------------------------
def _header_row(ws: Any, headers: Sequence[str], scan: int = 40) -> int:
    want = set(headers)
    best, hits = 0, 0
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=scan, values_only=True), 1):
        n = len(want & {str(v).strip() for v in row if v is not None})
        if n > hits:
            best, hits = r, n
    if not best:
        raise ValueError(f"no header row in {ws.title}")
    return best


def read_table(ws: Any, headers: Sequence[str]) -> list[dict[str, Any]]:
    """A sheet's table as dicts by header (header row found by name)."""
    hr = _header_row(ws, headers)
    names = [str(v).strip() if v is not None else None for v in next(ws.iter_rows(min_row=hr, max_row=hr, values_only=True))]
    out = []
    for row in ws.iter_rows(min_row=hr + 1, values_only=True):
        if all(v is None or v == "" for v in row):
            continue
        out.append({n: v for n, v in zip(names, row, strict=False) if n})
    return out


def write_table(ws: Any, headers: Sequence[str], rows: Iterable[Sequence[Any]], table_name: str | None = None) -> int:
    """Replace the rows under the sheet's header row (found by name); resize its Excel table."""
    from openpyxl.utils import get_column_letter

    hr = _header_row(ws, headers)
    if ws.max_row > hr:
        ws.delete_rows(hr + 1, ws.max_row - hr)
    n = 0
    for n, row in enumerate(rows, 1):
        for j, value in enumerate(row, 1):
            ws.cell(row=hr + n, column=j, value=value)
    for name in list(ws.tables):
        table = ws.tables[name]
        if table_name is None or name == table_name:
            table.ref = f"A{hr}:{get_column_letter(len(headers))}{hr + max(n, 1)}"
            if table.autoFilter is not None:
                table.autoFilter.ref = table.ref
    return n


def write_result_openpyxl(book: Path, sheet: str, headers: Sequence[str], frame: Any) -> int:
    """openpyxl: load the workbook (keeping VBA), replace one sheet's table rows, save."""
    import openpyxl

    wb = openpyxl.load_workbook(book, keep_vba=book.suffix.lower() == ".xlsm")
    rows = frame.itertuples(index=False, name=None)
    n = write_table(wb[sheet], headers, (tuple(_py(v) for v in row) for row in rows))
    wb.save(book)
    return n


def _py(value: Any) -> Any:
    """A DataFrame value as openpyxl takes it."""
    if value is None:
        return None
    if hasattr(value, "to_pydatetime"):
        return None if value != value else value.to_pydatetime()
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    if type(value).__name__ == "NAType":
        return None
    return value


# ----------------------------------------------------------------------------------------------
# E0402
# ----------------------------------------------------------------------------------------------
E0402_NS = "urn:GEINV:eInvoiceMessage:E0402:4.1"


def e0402_etree(head_ban: str, branch_ban: str, invoice_type: str, year_month: str, track: str,
                ranges: Sequence[tuple[int, int]]) -> bytes:
    """One E0402 document with ``xml.etree``."""
    import xml.etree.ElementTree as ET

    ET.register_namespace("", E0402_NS)

    def q(tag: str) -> str:
        return f"{{{E0402_NS}}}{tag}"

    root = ET.Element(q("BranchTrackBlank"))
    main = ET.SubElement(root, q("Main"))
    for tag, value in (("HeadBan", head_ban), ("BranchBan", branch_ban), ("InvoiceType", invoice_type),
                       ("YearMonth", year_month), ("InvoiceTrack", track)):
        ET.SubElement(main, q(tag)).text = value
    details = ET.SubElement(root, q("Details"))
    for b, e in ranges:
        item = ET.SubElement(details, q("BranchTrackBlankItem"))
        ET.SubElement(item, q("InvoiceBeginNo")).text = f"{b:08d}"
        ET.SubElement(item, q("InvoiceEndNo")).text = f"{e:08d}"
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data


def e0402_schema() -> Any:
    """xmlschema's E0402 4.1 schema, element names stripped as the Turnkey XSDs need."""
    from invoicetools.mig import schema

    path = schema.XSD_DIR / schema.xsd_path("E0402", "4.1")
    return schema._compile_xmlschema(path)


def e0402_files(xsd: Any, tracks: Sequence[tuple[str, Sequence[tuple[int, int]]]], *, head_ban: str,
                year_month: str) -> list[bytes]:
    """Build every document with ``xml.etree`` and validate it with xmlschema (raises when invalid)."""
    out = []
    for track, ranges in tracks:
        data = e0402_etree(head_ban, head_ban, "07", year_month, track, ranges)
        xsd.validate(data.decode("utf-8"))
        out.append(data)
    return out


# ----------------------------------------------------------------------------------------------
# the steps on a workbook, the naive way: openpyxl load, rows as dicts, sets and loops, openpyxl save
# ----------------------------------------------------------------------------------------------
def _key(number: Any) -> int | None:
    s = str(number or "").strip().upper()
    if len(s) != 10 or not ("A" <= s[0] <= "Z" and "A" <= s[1] <= "Z") or not s[2:].isdigit():
        return None
    return ((ord(s[0]) - 65) * 26 + ord(s[1]) - 65) * KEY_BASE + int(s[2:])


def _track_key(track: Any, digits: Any) -> int:
    t = str(track).strip().upper()
    return ((ord(t[0]) - 65) * 26 + ord(t[1]) - 65) * KEY_BASE + int(str(digits).strip())


def _text(key: int) -> str:
    c = key // KEY_BASE
    return f"{chr(65 + c // 26)}{chr(65 + c % 26)}{key % KEY_BASE:08d}"


PLATFORM_HELD = ("已上傳", "已確認", "作廢")


class NaiveBook:
    """The four steps on an .xlsm with openpyxl: one load, the steps, one save."""

    ALLOCATION = ("帳別", "機台號", "發票字軌", "起號", "迄號", "組數", "申報年月", "發票類別代號", "營業人統編",
                  "傳輸類別", "交換範圍", "預估下期組數", "預估說明")
    CHECK = ("序號", "帳別", "資料申報年月", "發票日期", "發票號碼", "客戶編號", "客戶名稱", "銷售人統編", "列印註記",
             "轉檔日", "問題", "期限", "說明")
    GAPS = ("序號", "帳別", "機台號", "發票字軌", "起號", "迄號", "張數", "類型", "處理", "原因", "申報年月")
    E0402 = ("序號", "檔案名稱", "營業人統編", "發票類別代號", "申報年月", "發票字軌", "區間數", "空白張數", "空白區間", "異動",
             "sha256", "期限", "輸出位置")

    def __init__(self, path: Path) -> None:
        import openpyxl

        self.path = path
        self.wb = openpyxl.load_workbook(path, keep_vba=True)
        self._used: set[int] | None = None

    def save(self) -> None:
        self.wb.save(self.path)

    def table(self, sheet: str, headers: Sequence[str]) -> list[dict[str, Any]]:
        return read_table(self.wb[sheet], headers)

    def setting(self, label: str) -> str:
        for row in self.wb["設定"].iter_rows(values_only=True):
            if row and row[0] == label:
                return str(row[1] or "")
        return ""

    # -- 匯入 -----------------------------------------------------------------------------------
    def import_csv(self, sheet: str, path: Path, headers: Sequence[str], encoding: str) -> int:
        """A CSV export into a sheet the naive way: ``csv.reader``, one openpyxl cell per value (text as read)."""
        lines = read_csv_stdlib(path, encoding)
        found = [h.strip().lstrip("\ufeff") for h in lines[0]]
        at = [found.index(h) if h in found else None for h in headers]
        rows = ([r[i] if i is not None and i < len(r) and r[i] != "" else None for i in at] for r in lines[1:])
        return write_table(self.wb[sheet], headers, rows)

    # -- 配號 ----------------------------------------------------------------------------------
    def allocate(self) -> int:
        period = self.setting("申報年月")
        tracks = [r for r in self.table("字軌配號", ("營業人統編", "發票字軌名稱", "發票起號", "發票迄號"))
                  if r.get("發票字軌名稱")]
        machines = self.table("機台配號設定", ("帳別", "機台號", "組數", "發票字軌"))
        free: dict[str, list[int]] = {}
        for t in tracks:  # every booklet of 50, one list item each
            letters = str(t["發票字軌名稱"]).strip().upper()
            begin, end = int(str(t["發票起號"])), int(str(t["發票迄號"]))
            free.setdefault(letters, []).extend(range(begin, end + 1, 50))
        rows = []
        for m in machines:
            want = int(float(m["組數"]))
            letters = str(m.get("發票字軌") or next(iter(free))).strip().upper()
            got = free[letters][:want]
            free[letters] = free[letters][want:]
            start = prev = got[0]
            for b in [*got[1:], None]:
                if b is None or b != prev + 50:
                    rows.append((m["帳別"], m["機台號"], letters, f"{start:08d}", f"{prev + 49:08d}",
                                 (prev - start) // 50 + 1, period, "07", self.setting("統一編號"), m.get("傳輸類別"),
                                 m.get("交換範圍"), None, None))
                    if b is not None:
                        start = b
                if b is not None:
                    prev = b
        return write_table(self.wb["配號設定"], self.ALLOCATION, rows)

    # -- 漏上傳檢核 ------------------------------------------------------------------------------
    def check_upload(self) -> int:
        register = self.table("發票資料", ("帳別", "發票號碼", "發票日期", "狀態"))
        platform = self.table("平台狀況", ("發票號碼", "狀態", "發票日期", "上傳日期"))
        state = {str(p["發票號碼"]).strip(): str(p["狀態"]).strip() for p in platform}
        counts = Counter(str(r["發票號碼"]).strip() for r in register if r.get("狀態") != "註銷")
        period = self.setting("申報年月")
        out = []
        seen = set()
        for r in register:
            number = str(r["發票號碼"]).strip()
            seen.add(number)
            st = state.get(number)
            issued = r.get("發票日期")
            problem = None
            if st is None or st == "處理中":
                problem = "未上傳"
            elif st == "上傳失敗" or st == "失敗":
                problem = "上傳失敗"
            elif st in ("已上傳", "已確認") and r.get("狀態") == "作廢":
                problem = "作廢未上傳"
            if problem:
                due = issued + datetime.timedelta(days=2) if isinstance(issued, datetime.datetime) else None
                out.append((r.get("帳別"), period, issued, number, r.get("客戶編號"), r.get("客戶名稱"),
                            r.get("銷售人統編"), r.get("列印註記"), r.get("轉檔日"), problem, due, ""))
            if counts[number] > 1:
                out.append((r.get("帳別"), period, issued, number, r.get("客戶編號"), r.get("客戶名稱"),
                            r.get("銷售人統編"), r.get("列印註記"), r.get("轉檔日"), "重號", None, ""))
        for p in platform:
            number = str(p["發票號碼"]).strip()
            if number not in seen and str(p["狀態"]).strip() in PLATFORM_HELD:
                out.append((None, period, p.get("發票日期"), number, None, None, None, None, None, "平台有帳上無", None, ""))
        out.sort(key=lambda r: (str(r[2]), r[3]))
        rows = [(i, *r) for i, r in enumerate(out, 1)]
        write_table(self.wb["漏上傳檢核"], self.CHECK, rows)
        return sum(1 for r in out if r[9] in ("未上傳", "上傳失敗", "作廢未上傳", "平台有帳上無"))

    # -- 跳號 ------------------------------------------------------------------------------------
    def used(self) -> set[int]:
        if self._used is None:
            used = set()
            for r in self.table("發票資料", ("發票號碼", "發票日期")):
                k = _key(r.get("發票號碼"))
                if k is not None:
                    used.add(k)
            for p in self.table("平台狀況", ("發票號碼", "狀態")):
                k = _key(p.get("發票號碼"))
                if k is not None and str(p.get("狀態")).strip() in PLATFORM_HELD:
                    used.add(k)
            self._used = used
        return self._used

    def machine_ranges(self) -> list[tuple[str, str, str, int, int]]:
        out = []
        for r in self.table("配號設定", self.ALLOCATION[:6]):
            if r.get("起號") and r.get("發票字軌"):
                t = str(r["發票字軌"]).strip().upper()
                out.append((str(r["帳別"]), str(r["機台號"]), t, _track_key(t, r["起號"]), _track_key(t, r["迄號"])))
        return out

    def gaps(self) -> int:
        used = self.used()
        period = self.setting("申報年月")
        rows: list[tuple[Any, ...]] = []
        skipped = 0
        for account, machine, track, begin, end in self.machine_ranges():
            runs, last = _missing_runs(used, begin, end)
            for b, e in runs:
                kind = "跳號" if e < last else "未使用"
                skipped += (e - b + 1) if kind == "跳號" else 0
                rows.append((len(rows) + 1, account, machine, track, f"{b % KEY_BASE:08d}", f"{e % KEY_BASE:08d}",
                             e - b + 1, kind, "待確認" if kind == "跳號" else "", "", period))
        write_table(self.wb["跳號作廢"], self.GAPS, rows)
        return skipped

    # -- E0402 -----------------------------------------------------------------------------------
    def e0402(self, out_dir: Path, xsd: Any) -> int:
        import hashlib

        used = self.used()
        ban = self.setting("統一編號")
        period = self.setting("申報年月")
        per_track: dict[str, list[tuple[int, int]]] = {}
        for _a, _m, track, begin, end in self.machine_ranges():  # what this system owns
            per_track.setdefault(track, []).append((begin, end))
        rows: list[tuple[Any, ...]] = []
        for track, spans in sorted(per_track.items()):
            blanks: list[tuple[int, int]] = []
            for begin, end in sorted(spans):
                runs, _ = _missing_runs(used, begin, end)
                blanks.extend(runs)
            if not blanks:
                continue
            ranges = [(b % KEY_BASE, e % KEY_BASE) for b, e in blanks]
            data = e0402_etree(ban, ban, "07", period, track, ranges)
            xsd.validate(data.decode("utf-8"))
            name = f"E0402_{ban}_{period}_{track}_07.xml"
            (out_dir / name).write_bytes(data)
            rows.append((len(rows) + 1, name, ban, "07", period, track, len(ranges),
                         sum(e - b + 1 for b, e in ranges), "、".join(f"{b:08d}~{e:08d}" for b, e in ranges)[:8000],
                         "", hashlib.sha256(data).hexdigest(), None, str(out_dir)))
        write_table(self.wb["E0402"], self.E0402, rows)
        return len(rows)
