"""The bad-input corpus: every file under ``tests/corpus/files/`` and ``MANIFEST.md`` come from here.

Run ``python tests/corpus/make_corpus.py`` to (re)write them; ``--check`` only compares.
The output is byte-for-byte reproducible (fixed xlsx timestamps, no randomness), so a
review sees exactly what changed. ``tests/reliability/test_corpus.py`` drives every case
through the CLI on a fresh workbook and asserts what :data:`CASES` says: the exit code,
the zh-TW message with its place, and what may change in the workbook.

All companies, numbers and people here are fictitious (company 12345675 is a valid UBN).
"Huge" inputs (a > 2 GB sparse CSV, a > 256 MB sparse XML, a 9 MB register) are made at
test time in a temp folder, not stored here.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
MANIFEST = HERE / "MANIFEST.md"

COMPANY = "12345675"
PERIOD = "11402"
LABEL = "114/01 ~ 114/02"

# What a case may change in the workbook when it is refused or reports findings.
NONE = "none"  # byte-identical: the step refused before touching anything
LOG = "log"  # only 檢核訊息 and 執行紀錄 (and the step's own status cell on its result sheet)
IMPORT = "import"  # the imported sheet replaced, plus 檢核訊息 and 執行紀錄


@dataclass(frozen=True)
class Case:
    """One corpus entry. ``expect`` strings must all appear in the CLI's output (stdout + stderr)."""

    name: str  # file (or folder) under files/
    command: str  # tracks | invoices | status | machines
    problem: str  # what is wrong with it (zh-TW/English, for the manifest)
    exit_code: int
    changes: str
    expect: tuple[str, ...] = ()
    build: Callable[[], bytes | dict[str, bytes]] = field(default=lambda: b"", repr=False, compare=False)

    @property
    def kind(self) -> str:
        return "folder" if isinstance(self.build(), dict) else Path(self.name).suffix.lstrip(".") or "(none)"


# --------------------------------------------------------------------------------------------
# writers
# --------------------------------------------------------------------------------------------
def csv_bytes(rows: list[list[object]], *, encoding: str = "cp950", sep: str = ",", newline: str = "\r\n",
              bom: bool = False, quote: bool = True) -> bytes:
    """CSV as Excel writes it: fields holding the separator, a quote or a line end are quoted."""

    def field(value: object) -> str:
        text = "" if value is None else str(value)
        if quote and any(ch in text for ch in (sep, '"', "\r", "\n")):
            return '"' + text.replace('"', '""') + '"'
        return text

    text = newline.join(sep.join(field(v) for v in row) for row in rows) + newline
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(fill: Callable[[object, object], None], sheet: str = "Sheet1") -> bytes:
    """An .xlsx written by XlsxWriter with fixed timestamps (reproducible bytes)."""
    import xlsxwriter

    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    wb.set_properties({"created": datetime.datetime(2025, 1, 1), "author": "InvoiceTools corpus"})
    ws = wb.add_worksheet(sheet)
    fill(wb, ws)
    wb.close()
    return buffer.getvalue()


MOF_HEADER = ["營業人統編", "發票類別代號", "發票類別", "發票期別", "發票字軌名稱", "發票起號", "發票迄號"]


def mof_row(track: str = "KA", begin: str = "12340000", end: str = "12340099", *, ban: str = COMPANY,
            kind: str = "7", period: str = LABEL) -> list[object]:
    return [ban, kind, "一般稅額計算", period, track, begin, end]


def mof_ok_rows() -> list[list[object]]:
    return [MOF_HEADER, mof_row("KA", "12340000", "12340099"), mof_row("KB", "56780000", "56780049")]


REG_HEADER = ["帳別", "發票號碼", "發票日期", "開立時間", "客戶名稱", "買方統編", "銷售額", "稅額", "總計", "狀態"]


def reg_row(number: str, day: str = "2025/01/15", *, name: str = "甲公司", buyer: str = "", status: str = "開立",
            account: str = "A") -> list[object]:
    return [account, number, day, "10:00:00", name, buyer, "1000", "50", "1050", status]


STATUS_HEADER = ["發票號碼", "狀態", "發票日期", "上傳日期", "說明"]
MACHINE_HEADER = ["帳別", "機台號", "組數", "傳輸類別", "交換範圍", "所屬年月", "發票字軌"]


def e0501(track: str = "KA", begin: str = "12340000", end: str = "12340099", booklets: str = "2", *,
          ns: str = "urn:GEINV:E0501:4.1", ban: str = COMPANY, year_month: str = PERIOD) -> str:
    return (f'<InvoiceAssignNo xmlns="{ns}">\n'
            f"  <Ban>{ban}</Ban>\n  <InvoiceType>07</InvoiceType>\n  <YearMonth>{year_month}</YearMonth>\n"
            f"  <InvoiceTrack>{track}</InvoiceTrack>\n  <InvoiceBeginNo>{begin}</InvoiceBeginNo>\n"
            f"  <InvoiceEndNo>{end}</InvoiceEndNo>\n  <InvoiceBooklet>{booklets}</InvoiceBooklet>\n"
            "</InvoiceAssignNo>\n")


XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'


def xml(body: str, head: str = XML_DECL) -> bytes:
    return (head + body).encode("utf-8")


def envelope(items: list[str], count: int | None = None) -> str:
    inner = "".join("    " + i.replace("\n", "\n    ").rstrip() + "\n" for i in items)
    return ('<InvoiceEnvelope xmlns="urn:GEINV:InvoiceEnvelope:4.1">\n'
            "  <From><PartyId>12345675</PartyId></From>\n  <FromVAC><RoutingId>12345675</RoutingId></FromVAC>\n"
            "  <To><PartyId>0000000000</PartyId></To>\n  <ToVAC><RoutingId>0000000000</RoutingId></ToVAC>\n"
            f'  <InvoicePack messageType="E0501" count="{len(items) if count is None else count}" version="4.1">\n'
            f"{inner}  </InvoicePack>\n</InvoiceEnvelope>\n")


ROUTING = ("  <RoutingInfo>\n    <From><PartyId>12345675</PartyId></From>\n"
           "    <FromVAC><RoutingId>12345675</RoutingId></FromVAC>\n    <To><PartyId>0000000000</PartyId></To>\n"
           "    <ToVAC><RoutingId>0000000000</RoutingId></ToVAC>\n  </RoutingInfo>\n")


def summary_result(ns: str = "urn:GEINV:SummaryResult:4.1", number: str = "KA12340001") -> str:
    return (f'<SummaryResult xmlns="{ns}">\n{ROUTING}  <DetailList>\n    <Message>\n      <Info>\n'
            "        <Id>v41-F0401-20250115-093015123-00000000-0000-4000-8000-000000000001</Id>\n"
            "        <Size>2048</Size>\n        <MessageType>F0401</MessageType>\n"
            "        <Service>B2SSTORAGE</Service>\n        <Action>F0401</Action>\n      </Info>\n"
            "      <ResultType>\n        <Total><ResultDetailType><Count>1</Count></ResultDetailType></Total>\n"
            "        <Good><ResultDetailType><Count>1</Count><Invoices><Invoice>"
            f"<ReferenceNumber>{number}</ReferenceNumber><InvoiceDate>20250115</InvoiceDate>"
            "</Invoice></Invoices></ResultDetailType></Good>\n"
            "        <Failed><ResultDetailType><Count>0</Count></ResultDetailType></Failed>\n"
            "      </ResultType>\n    </Message>\n  </DetailList>\n</SummaryResult>\n")


def process_result() -> str:
    return ('<ProcessResult xmlns="urn:GEINV:ProcessResult:4.1">\n' + ROUTING +
            "  <MessageInfo>\n    <Id>v41-F0401-20250115-093015123-00000000-0000-4000-8000-000000000001</Id>\n"
            "    <Size>2048</Size>\n    <MessageType>F0401</MessageType>\n    <Service>B2SSTORAGE</Service>\n"
            "    <Action>F0401</Action>\n  </MessageInfo>\n  <Result>\n    <Info>\n      <Code>E9999</Code>\n"
            "      <Description>SYNTHETIC rejected</Description>\n      <Parameter0>InvoiceNumber</Parameter0>\n"
            "      <Parameter1>KA12340002</Parameter1>\n    </Info>\n  </Result>\n</ProcessResult>\n")


XXE_HEAD = XML_DECL + '<!DOCTYPE InvoiceAssignNo [\n  <!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n'
LAUGHS_HEAD = XML_DECL + "<!DOCTYPE lolz [\n  <!ENTITY lol \"lol\">\n" + "".join(
    f'  <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10)) + "]>\n"


def damaged_zip() -> bytes:
    """A valid xlsx cut in the middle (its central directory is gone)."""
    data = xlsx_bytes(lambda wb, ws: ws.write_row(0, 0, MOF_HEADER))  # type: ignore[attr-defined]
    return data[: len(data) // 2]


def bad_crc_xlsx() -> bytes:
    """A valid xlsx whose sheet part's bytes were changed after compression (bad CRC / deflate stream)."""
    src = xlsx_bytes(_fill_rows([REG_HEADER, reg_row("KA12340001")]))
    z = zipfile.ZipFile(io.BytesIO(src))
    info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw = bytearray(src)
    for i in range(start + 10, start + 30):
        raw[i] ^= 0x5A
    return bytes(raw)


def _fill_rows(rows: list[list[object]], start: int = 0) -> Callable[[object, object], None]:
    def fill(wb: object, ws: object) -> None:
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    ws.write_string(start + r, c, value)  # type: ignore[attr-defined]
                else:
                    ws.write_number(start + r, c, value)  # type: ignore[attr-defined]
    return fill


def mof_formulas_xlsx() -> bytes:
    def fill(wb: object, ws: object) -> None:
        _fill_rows([MOF_HEADER, mof_row("KA"), mof_row("KB", "56780000", "56780049"), mof_row("KC", "", "")])(wb, ws)
        ws.write_formula(1, 5, '=TEXT(12340000,"00000000")', None, "12340000")  # type: ignore[attr-defined]
        ws.write_formula(2, 5, "=VLOOKUP(A3,Z:Z,2,FALSE)", None, "#N/A")  # type: ignore[attr-defined]
        ws.write_formula(3, 5, "=#REF!+1", None, "#REF!")  # type: ignore[attr-defined]
        ws.write_formula(3, 6, "=1/0", None, "#DIV/0!")  # type: ignore[attr-defined]
    return xlsx_bytes(fill, "invnoapply")


def mof_floats_xlsx() -> bytes:
    def fill(wb: object, ws: object) -> None:
        ws.write_row(0, 0, MOF_HEADER)  # type: ignore[attr-defined]
        ws.write_row(1, 0, [int(COMPANY), 7, "一般稅額計算", 11402, "KA", 12340000.0, 12340099.0])  # type: ignore[attr-defined]
        ws.write_row(2, 0, [float(COMPANY), 7.0, "一般稅額計算", LABEL, "KB", 56780000, 56780049])  # type: ignore[attr-defined]
    return xlsx_bytes(fill)


def mof_merged_header_xlsx() -> bytes:
    def fill(wb: object, ws: object) -> None:
        merge = wb.add_format({"align": "center"})  # type: ignore[attr-defined]
        ws.merge_range(0, 0, 0, 6, "電子發票配號清單（合併儲存格標題）", merge)  # type: ignore[attr-defined]
        ws.merge_range(1, 0, 1, 1, "營業人", merge)  # type: ignore[attr-defined]  # a merged two-row header
        ws.merge_range(1, 5, 1, 6, "號碼", merge)  # type: ignore[attr-defined]
        ws.write_row(2, 0, MOF_HEADER)  # type: ignore[attr-defined]
        ws.write_row(3, 0, mof_row("KA"))  # type: ignore[attr-defined]
    return xlsx_bytes(fill)


def reg_dates_xlsx() -> bytes:
    def fill(wb: object, ws: object) -> None:
        date = wb.add_format({"num_format": "yyyy/mm/dd"})  # type: ignore[attr-defined]
        ws.write_row(0, 0, REG_HEADER)  # type: ignore[attr-defined]
        ws.write_row(1, 0, reg_row("KA12340001"))  # type: ignore[attr-defined]
        ws.write_datetime(1, 2, datetime.datetime(2025, 1, 15), date)  # type: ignore[attr-defined]
        ws.write_row(2, 0, reg_row("KA12340002", "114/01/16"))  # type: ignore[attr-defined]
        ws.write_row(3, 0, reg_row("KA12340003", "1140117"))  # type: ignore[attr-defined]
        ws.write_row(4, 0, reg_row("KA12340004"))  # type: ignore[attr-defined]
        ws.write_number(4, 2, 45674)  # type: ignore[attr-defined]  # a serial without a date format: 2025-01-18
        ws.write_row(5, 0, reg_row("KA12340005", "114年1月19日"))  # type: ignore[attr-defined]
        ws.write_row(6, 0, reg_row("KA12340006"))  # type: ignore[attr-defined]
        ws.write_number(6, 6, 1000.0000000001)  # type: ignore[attr-defined]  # a float amount
    return xlsx_bytes(fill, "ERP匯出")


def reg_errors_xlsx() -> bytes:
    def fill(wb: object, ws: object) -> None:
        ws.write_row(0, 0, REG_HEADER)  # type: ignore[attr-defined]
        for r in range(1, 5):
            ws.write_row(r, 0, reg_row(f"KA1234000{r}"))  # type: ignore[attr-defined]
        ws.write_formula(1, 1, '="KA"&"12340001"', None, "KA12340001")  # type: ignore[attr-defined]
        ws.write_formula(2, 1, "=VLOOKUP(1,Z:Z,2,0)", None, "#N/A")  # type: ignore[attr-defined]
        ws.write_formula(3, 2, "=#REF!", None, "#REF!")  # type: ignore[attr-defined]
        ws.write_formula(4, 6, "=1/0", None, "#DIV/0!")  # type: ignore[attr-defined]
    return xlsx_bytes(fill)


def reg_float_ids_xlsx() -> bytes:
    def fill(wb: object, ws: object) -> None:
        ws.write_row(0, 0, REG_HEADER)  # type: ignore[attr-defined]
        ws.write_row(1, 0, reg_row("KA12340001"))  # type: ignore[attr-defined]
        ws.write_number(1, 5, float(COMPANY))  # type: ignore[attr-defined]  # 買方統編 as a float number
        ws.write_number(1, 0, 1.0)  # type: ignore[attr-defined]  # 帳別 1.0
        ws.write_row(2, 0, reg_row("KA12340002"))  # type: ignore[attr-defined]
        ws.write_number(2, 5, 4595257)  # type: ignore[attr-defined]  # lost its leading zero (04595257)
    return xlsx_bytes(fill)


def empty_xlsx() -> bytes:
    return xlsx_bytes(lambda wb, ws: None)


def machines_xlsx_errors() -> bytes:
    def fill(wb: object, ws: object) -> None:
        ws.write_row(0, 0, MACHINE_HEADER)  # type: ignore[attr-defined]
        ws.write_row(1, 0, ["A", "001", 2, "B2C", "", PERIOD, "KA"])  # type: ignore[attr-defined]
        ws.write_row(2, 0, ["A", "002", 0, "B2C", "", PERIOD, "KA"])  # type: ignore[attr-defined]
        ws.write_formula(2, 2, "=VLOOKUP(1,Z:Z,2,0)", None, "#N/A")  # type: ignore[attr-defined]
        ws.write_row(3, 0, ["B", "001", 1.5, "B2C", "", PERIOD, "KB"])  # type: ignore[attr-defined]
    return xlsx_bytes(fill)


def truncated_big5(rows: list[list[object]]) -> bytes:
    data = csv_bytes(rows)
    tail = "甲公司".encode("cp950")
    return data + tail[:-1]  # cut inside the last double-byte character


def garbled_big5(rows: list[list[object]], line: int) -> bytes:
    lines = csv_bytes(rows).split(b"\r\n")
    lines[line - 1] = lines[line - 1] + b",\x80\xff\xfe"  # bytes no encoding reads
    return b"\r\n".join(lines)


LONG = "長" * 10_000

# --------------------------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------------------------
T, INV, ST, M = "tracks", "invoices", "status", "machines"
CASES: list[Case] = [
    # ---------------- MOF allocation file (tracks import) ----------------
    Case("mof_control_big5.csv", T, "control: a valid MOF file in Big5", 0, IMPORT, ("已匯入",),
         lambda: csv_bytes(mof_ok_rows())),
    Case("mof_utf8_bom.csv", T, "UTF-8 with BOM (Excel's 'CSV UTF-8')", 0, IMPORT, ("已匯入",),
         lambda: csv_bytes(mof_ok_rows(), encoding="utf-8", bom=True)),
    Case("mof_utf8_no_bom_lf.csv", T, "UTF-8 without BOM, LF line ends", 0, IMPORT, ("已匯入",),
         lambda: csv_bytes(mof_ok_rows(), encoding="utf-8", newline="\n")),
    Case("mof_utf16_tab.txt", T, "UTF-16 LE with BOM, tab separated (Excel 'Unicode text')", 0, IMPORT, ("已匯入",),
         lambda: csv_bytes(mof_ok_rows(), encoding="utf-16", sep="\t")),
    Case("mof_truncated_big5.csv", T, "Big5 cut in the middle of a double-byte character", 2, LOG,
         ("mof_truncated_big5.csv", "第 4 列", "編碼無法辨識"),
         lambda: truncated_big5(mof_ok_rows())),
    Case("mof_garbled_big5.csv", T, "bytes that are neither UTF-8 nor Big5 on line 3", 2, LOG,
         ("mof_garbled_big5.csv", "第 3 列", "編碼無法辨識"),
         lambda: garbled_big5(mof_ok_rows(), 3)),
    Case("mof_fullwidth.csv", T, "full-width digits and letters (ＫＡ１２３４…) in 統編, 字軌, 起迄號", 0, IMPORT,
         ("已匯入",),
         lambda: csv_bytes([MOF_HEADER, mof_row("ＫＡ", "１２３４００００", "１２３４００９９", ban="１２３４５６７５"),
                            mof_row("kb", " 56780000 ", "56780049")])),
    Case("mof_title_and_blank_rows.csv", T, "a title line and blank lines above the header row", 0, IMPORT, ("已匯入",),
         lambda: csv_bytes([["電子發票字軌號碼取號清單"], [], [""], *mof_ok_rows()])),
    Case("mof_merged_header.xlsx", T, "merged cells: a title across the sheet and a two-row header", 0, IMPORT,
         ("已匯入",), mof_merged_header_xlsx),
    Case("mof_formulas_and_errors.xlsx", T, "formulas with cached values (read as their value); #N/A #REF! #DIV/0! in "
         "發票起號/迄號 (error cells read as empty)", 2, LOG,
         ("mof_formulas_and_errors.xlsx", "第 3 列 欄位「發票起號」", "第 4 列 欄位「發票起號」", "第 4 列 欄位「發票迄號」",
          "（空白）"), mof_formulas_xlsx),
    Case("mof_numbers_as_floats.xlsx", T, "統編/類別/起迄號 stored as numbers and floats, 期別 as 11402", 0, IMPORT,
         ("已匯入",), mof_floats_xlsx),
    Case("mof_duplicate_header.csv", T, "two 發票起號 columns", 2, LOG,
         ("mof_duplicate_header.csv", "第 1 列", "發票起號", "出現兩次"),
         lambda: csv_bytes([[*MOF_HEADER, "發票起號"], [*mof_row(), "12340050"]])),
    Case("mof_long_cell.csv", T, "a 10,000-character cell in 發票字軌名稱", 2, LOG,
         ("mof_long_cell.csv", "第 2 列", "發票字軌名稱", "共 10000 字"),
         lambda: csv_bytes([MOF_HEADER, mof_row(LONG)], encoding="utf-8")),
    Case("mof_cell_over_excel_limit.csv", T, "a 40,000-character cell: more than an Excel cell holds", 2, LOG,
         ("mof_cell_over_excel_limit.csv", "第 3 列", "發票類別", "超過 Excel 儲存格上限"),
         lambda: csv_bytes([MOF_HEADER, mof_row(), [COMPANY, "7", "長" * 40_000, LABEL, "KB", "56780000", "56780049"]],
                           encoding="utf-8")),
    Case("mof_empty.csv", T, "an empty file (0 bytes)", 2, LOG, ("mof_empty.csv", "檔案是空的"), lambda: b""),
    Case("mof_blank_lines_only.csv", T, "only spaces and line ends", 2, LOG, ("mof_blank_lines_only.csv", "檔案是空的"),
         lambda: b" \r\n\r\n\t\r\n"),
    Case("mof_header_only.csv", T, "the header row and nothing else", 2, LOG,
         ("mof_header_only.csv", "只有標題列"), lambda: csv_bytes([MOF_HEADER])),
    Case("mof_missing_column.csv", T, "no 發票迄號 column", 2, LOG,
         ("mof_missing_column.csv", "缺少必要欄位", "發票迄號", "找到的欄位"),
         lambda: csv_bytes([MOF_HEADER[:-1], mof_row()[:-1]])),
    Case("mof_no_header.csv", T, "data without any header row", 2, LOG, ("mof_no_header.csv", "找不到標題列"),
         lambda: csv_bytes(mof_ok_rows()[1:])),
    Case("mof_ragged_line.csv", T, "an unquoted comma gives line 3 two extra fields", 2, LOG,
         ("mof_ragged_line.csv", "第 3 列", "比標題列的 7 欄多"),
         lambda: csv_bytes([MOF_HEADER, mof_row("KA"), [*mof_row("KB", "56780000", "56780049"), "x", "y"]])),
    Case("mof_unclosed_quote.csv", T, "a quote opened on line 2 and never closed", 2, LOG,
         ("mof_unclosed_quote.csv",),
         lambda: csv_bytes([MOF_HEADER, [COMPANY, "7", '"一般稅額計算', LABEL, "KA", "12340000", "12340099"],
                            mof_row("KB", "56780000", "56780049")], quote=False)),
    Case("mof_bad_values.csv", T, "bad 期別, bad 字軌, 起號 > 迄號, bad UBN checksum", 2, LOG,
         ("mof_bad_values.csv", "第 2 列", "第 3 列", "第 4 列", "第 5 列"),
         lambda: csv_bytes([MOF_HEADER, mof_row(period="114/13 ~ 114/14"), mof_row("K1"),
                            mof_row("KB", "56780099", "56780000"), mof_row("KC", ban="12345678")])),
    Case("mof_nul_bytes.csv", T, "NUL bytes between the characters (a UTF-16 file read as bytes)", 0, IMPORT,
         ("已匯入",), lambda: csv_bytes(mof_ok_rows(), encoding="utf-8").replace(b",", b",\x00")),
    Case("mof_old_format.xls", T, "an old .xls workbook", 2, LOG, ("mof_old_format.xls", ".xls"),
         lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504),
    Case("mof_csv_named_xlsx.xlsx", T, "CSV text saved with an .xlsx name", 2, LOG,
         ("mof_csv_named_xlsx.xlsx", "無法開啟 Excel 檔"), lambda: csv_bytes(mof_ok_rows())),
    Case("mof_damaged.xlsx", T, "an xlsx cut in half (no central directory)", 2, LOG, ("mof_damaged.xlsx",),
         damaged_zip),
    Case("mof_unknown_type.pdf", T, "a file type no importer reads", 2, LOG, ("mof_unknown_type.pdf", "不支援的檔案類型"),
         lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
    # ---------------- E0501 (tracks import) ----------------
    Case("e0501_control.xml", T, "control: a valid E0501 4.1", 0, IMPORT, ("已匯入",), lambda: xml(e0501())),
    Case("e0501_xxe.xml", T, "DOCTYPE with an external entity reading /etc/passwd (XXE)", 2, LOG,
         ("e0501_xxe.xml", "DOCTYPE"), lambda: xml(e0501(ban="&secret;"), XXE_HEAD)),
    Case("e0501_billion_laughs.xml", T, "nested entities: 10^9 copies of 'lol'", 2, LOG,
         ("e0501_billion_laughs.xml", "DOCTYPE"), lambda: xml(e0501(ban="&lol9;"), LAUGHS_HEAD)),
    Case("e0501_external_dtd.xml", T, "DOCTYPE pointing at a DTD on the network", 2, LOG,
         ("e0501_external_dtd.xml", "DOCTYPE"),
         lambda: xml(e0501(), XML_DECL + '<!DOCTYPE InvoiceAssignNo SYSTEM "http://127.0.0.1:9/e0501.dtd">\n')),
    Case("e0501_doctype_utf16.xml", T, "a DOCTYPE in a UTF-16 document", 2, LOG, ("e0501_doctype_utf16.xml", "DOCTYPE"),
         lambda: ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY e "x">]>\n'
                  + e0501()).encode("utf-16")),
    Case("e0501_wrong_namespace.xml", T, "the E0401 namespace on an E0501 root", 2, LOG,
         ("e0501_wrong_namespace.xml", "第 2 列", "命名空間"),
         lambda: xml(e0501(ns="urn:GEINV:eInvoiceMessage:E0401:4.1"))),
    Case("e0501_mig_3_1.xml", T, "MIG version 3.1 (not supported)", 2, LOG,
         ("e0501_mig_3_1.xml", "第 2 列", "3.1", "不支援"), lambda: xml(e0501(ns="urn:GEINV:E0501:3.1"))),
    Case("e0501_no_namespace.xml", T, "no namespace at all", 2, LOG, ("e0501_no_namespace.xml", "命名空間"),
         lambda: xml(e0501().replace(' xmlns="urn:GEINV:E0501:4.1"', ""))),
    Case("e0501_other_root.xml", T, "an E0402 file given as an allocation", 2, LOG, ("e0501_other_root.xml", "BranchTrackBlank"),
         lambda: xml('<BranchTrackBlank xmlns="urn:GEINV:eInvoiceMessage:E0402:4.1"><Main/></BranchTrackBlank>\n')),
    Case("e0501_truncated.xml", T, "the document stops in the middle of an element", 2, LOG,
         ("e0501_truncated.xml", "XML 格式錯誤"), lambda: xml(e0501())[:-40]),
    Case("e0501_empty.xml", T, "an empty XML file", 2, LOG, ("e0501_empty.xml", "空的"), lambda: b""),
    Case("e0501_schema_invalid.xml", T, "InvoiceBeginNo with letters (fails the XSD)", 2, LOG,
         ("e0501_schema_invalid.xml", "InvoiceBeginNo"), lambda: xml(e0501(begin="1234ABCD"))),
    Case("e0501_booklets_mismatch.xml", T, "InvoiceBooklet 3 for a 100-number range", 2, LOG,
         ("e0501_booklets_mismatch.xml", "第 2 列", "InvoiceBooklet", "本組數 3"), lambda: xml(e0501(booklets="3"))),
    Case("e0501_fullwidth_digits.xml", T, "full-width digits in InvoiceBeginNo (XSD \\d allows them; read as 12340000)",
         0, IMPORT, ("已匯入",), lambda: xml(e0501(begin="１２３４００００"))),
    Case("e0501_envelope_count.xml", T, "a Turnkey envelope whose count says 3 but holds 1", 2, LOG,
         ("e0501_envelope_count.xml", "count 為 3", "實際有 1 筆"), lambda: xml(envelope([e0501()], count=3))),
    Case("e0501_turnkey_folder", T, "a Turnkey folder: one good E0501, one truncated, one XXE, a log file", 2, LOG,
         ("bad.xml", "XML 格式錯誤", "xxe.xml", "DOCTYPE"),
         lambda: {"DownCast/E0501/good.xml": xml(e0501()), "DownCast/E0501/bad.xml": xml(e0501("KB"))[:-30],
                  "DownCast/E0501/xxe.xml": xml(e0501(ban="&secret;"), XXE_HEAD),
                  "DownCast/log.txt": b"Turnkey log\n"}),
    # ---------------- ERP register (invoices import) ----------------
    Case("reg_control_big5.csv", INV, "control: a valid register in Big5", 0, IMPORT, ("已匯入 2 張發票",),
         lambda: csv_bytes([REG_HEADER, reg_row("KA12340001"), reg_row("KA12340002")])),
    Case("reg_bad_dates.csv", INV, "2025-02-30, 114/13/01, 0361-10-28 (a year pandas cannot hold), text", 1, IMPORT,
         ("reg_bad_dates.csv", "第 2 列", "第 3 列", "第 4 列", "第 5 列", "發票日期", "0361-10-28"),
         lambda: csv_bytes([REG_HEADER, reg_row("KA12340001", "2025-02-30"), reg_row("KA12340002", "114/13/01"),
                            reg_row("KA12340003", "0361-10-28"), reg_row("KA12340004", "明天"),
                            reg_row("KA12340005")])),
    Case("reg_dates_serial_roc.xlsx", INV, "dates as date cells, bare serials, ROC text 114/01/16, 1140117, 114年1月19日",
         0, IMPORT, ("已匯入 6 張發票", "2025/01/15 ~ 2025/01/19"), reg_dates_xlsx),
    Case("reg_fullwidth.csv", INV, "full-width invoice numbers and dates", 0, IMPORT, ("已匯入 2 張發票",),
         lambda: csv_bytes([REG_HEADER, reg_row("ＫＡ１２３４０００１", "２０２５／０１／１５"), reg_row("ka 12340002")])),
    Case("reg_formulas_and_errors.xlsx", INV, "formula with a cached number; #N/A number, #REF! date, #DIV/0! amount "
         "(error cells read as empty)", 1, IMPORT,
         ("reg_formulas_and_errors.xlsx", "工作表「Sheet1」 第 3 列 欄位「發票號碼」", "第 4 列 欄位「發票日期」", "缺少"),
         reg_errors_xlsx),
    Case("reg_cell_over_excel_limit.csv", INV, "a 40,000-character 客戶名稱 (more than a cell holds)", 2, LOG,
         ("reg_cell_over_excel_limit.csv", "第 2 列 欄位「客戶名稱」", "超過 Excel 儲存格上限"),
         lambda: csv_bytes([REG_HEADER, reg_row("KA12340001", name="長" * 40_000)], encoding="utf-8")),
    Case("reg_float_ids.xlsx", INV, "買方統編 and 帳別 stored as floats (12345675.0, 1.0), a lost leading zero", 0,
         IMPORT, ("已匯入 2 張發票",), reg_float_ids_xlsx),
    Case("reg_duplicate_header.csv", INV, "發票號碼 twice (once under its alias 發票號)", 2, LOG,
         ("reg_duplicate_header.csv", "發票號碼", "出現兩次"),
         lambda: csv_bytes([[*REG_HEADER, "發票號"], [*reg_row("KA12340001"), "KA12340002"]])),
    Case("reg_long_cell.csv", INV, "a 10,000-character invoice number", 1, IMPORT,
         ("reg_long_cell.csv", "第 3 列", "發票號碼", "共 10000 字"),
         lambda: csv_bytes([REG_HEADER, reg_row("KA12340001"), reg_row(LONG)], encoding="utf-8")),
    Case("reg_truncated_big5.csv", INV, "Big5 cut inside a character on the last line", 2, LOG,
         ("reg_truncated_big5.csv", "第 3 列", "編碼無法辨識"),
         lambda: truncated_big5([REG_HEADER, reg_row("KA12340001")])),
    Case("reg_formula_text.csv", INV, "text starting with = + - @ (formula injection) in 客戶名稱 and 狀態", 0, IMPORT,
         ("已匯入 4 張發票",),
         lambda: csv_bytes([REG_HEADER, reg_row("KA12340001", name='=HYPERLINK("http://x.invalid","點我")'),
                            reg_row("KA12340002", name="+886-2-1234"), reg_row("KA12340003", name="-1+1"),
                            reg_row("KA12340004", name="@SUM(A1)")], encoding="utf-8")),
    Case("reg_no_header.csv", INV, "no header row", 2, LOG, ("reg_no_header.csv", "找不到標題列"),
         lambda: csv_bytes([reg_row("KA12340001")])),
    Case("reg_empty.xlsx", INV, "a workbook without any cell", 2, LOG, ("reg_empty.xlsx", "沒有資料"), empty_xlsx),
    Case("reg_bad_crc.xlsx", INV, "an xlsx whose sheet bytes were damaged after compression", 2, LOG,
         ("reg_bad_crc.xlsx",), bad_crc_xlsx),
    Case("reg_blank_title_rows.xlsx", INV, "title rows, blank rows and a blank column before the table", 0, IMPORT,
         ("已匯入 1 張發票",),
         lambda: xlsx_bytes(_fill_rows([["發票明細表"], [], [None, *REG_HEADER], [None, *reg_row("KA12340001")]]))),
    # ---------------- platform status (status import) ----------------
    Case("status_control.csv", ST, "control: a valid status file", 0, IMPORT, ("已取得 2 筆",),
         lambda: csv_bytes([STATUS_HEADER, ["KA12340001", "已上傳", "2025/01/15", "2025/01/15 12:00", ""],
                            ["KA12340002", "上傳失敗", "2025/01/15", "", "E9999"]])),
    Case("status_unknown_words.csv", ST, "status words no source uses (???, 好), a bad invoice number", 1, IMPORT,
         ("status_unknown_words.csv", "第 2 列", "無法辨識", "第 4 列", "發票號碼"),
         lambda: csv_bytes([STATUS_HEADER, ["KA12340001", "???", "", "", ""], ["KA12340002", "好", "", "", ""],
                            ["K112340003", "已上傳", "", "", ""]])),
    Case("status_missing_status_column.csv", ST, "no status column at all", 2, LOG,
         ("status_missing_status_column.csv", "缺少狀態欄位"),
         lambda: csv_bytes([["發票號碼", "發票日期"], ["KA12340001", "2025/01/15"]])),
    Case("status_message_log_bad.csv", ST, "TURNKEY_MESSAGE_LOG with MESSAGE_DTS 99991231235959 and bad identifiers", 0,
         IMPORT, ("已取得 1 筆", "第 3 列", "INVOICE_IDENTIFIER"),
         lambda: csv_bytes([["INVOICE_IDENTIFIER", "STATUS", "MESSAGE_TYPE", "MESSAGE_DTS"],
                            ["F0401KA1234000120250115", "C", "F0401", "99991231235959"],
                            ["F0401??", "E", "F0401", "20250115"],
                            ["", "", "", ""]])),
    Case("status_summary_xxe.xml", ST, "a SummaryResult with an XXE DOCTYPE", 2, LOG, ("status_summary_xxe.xml", "DOCTYPE"),
         lambda: xml(summary_result(), XXE_HEAD.replace("InvoiceAssignNo", "SummaryResult"))),
    Case("status_summary_wrong_ns.xml", ST, "SummaryResult in the 3.2 namespace", 2, LOG,
         ("status_summary_wrong_ns.xml", "SummaryResult"),
         lambda: xml(summary_result(ns="urn:GEINV:SummaryResult:3.2"))),
    Case("status_process_truncated.xml", ST, "a ProcessResult cut short", 2, LOG,
         ("status_process_truncated.xml", "XML 格式錯誤"), lambda: xml(process_result())[:-60]),
    Case("status_summary_control.xml", ST, "control: a valid SummaryResult", 0, IMPORT, ("已取得 1 筆",),
         lambda: xml(summary_result())),
    Case("status_garbled.csv", ST, "random binary bytes", 2, LOG, ("status_garbled.csv",),
         lambda: bytes(range(256)) * 4),
    # ---------------- machine list (machines import) ----------------
    Case("machines_control.csv", M, "control: a valid machine list", 0, IMPORT, ("已匯入 2 台",),
         lambda: csv_bytes([MACHINE_HEADER, ["A", "001", "2", "B2C", "", PERIOD, "KA"],
                            ["B", "001", "1", "B2C", "", PERIOD, "KB"]])),
    Case("machines_bad_counts.csv", M, "組數 abc, -1, 1.5 and blank; 帳別 missing", 2, LOG,
         ("machines_bad_counts.csv", "第 2 列", "第 3 列", "第 4 列", "第 5 列", "組數", "帳別"),
         lambda: csv_bytes([MACHINE_HEADER, ["A", "001", "abc", "", "", "", ""], ["A", "002", "-1", "", "", "", ""],
                            ["A", "003", "1.5", "", "", "", ""], ["", "004", "", "", "", "", ""]])),
    Case("machines_duplicates.csv", M, "the same 帳別 × 機台號 twice", 2, LOG,
         ("machines_duplicates.csv", "第 3 列", "重複"),
         lambda: csv_bytes([MACHINE_HEADER, ["A", "001", "2", "", "", "", ""], ["A", "001", "3", "", "", "", ""]])),
    Case("machines_fullwidth.csv", M, "full-width 組數 (３) and a title row", 0, IMPORT, ("已匯入 1 台",),
         lambda: csv_bytes([["機台清單"], MACHINE_HEADER, ["A", "００１", "３", "", "", "", ""]])),
    Case("machines_errors.xlsx", M, "#N/A and 1.5 in 組數", 2, LOG,
         ("machines_errors.xlsx", "第 3 列", "第 4 列", "組數"), machines_xlsx_errors),
    Case("machines_empty.csv", M, "an empty file", 2, NONE, ("machines_empty.csv", "檔案是空的"), lambda: b""),
    Case("machines_no_header.csv", M, "no header row", 2, NONE, ("machines_no_header.csv", "找不到標題列"),
         lambda: csv_bytes([["A", "001", "2"]])),
]


# --------------------------------------------------------------------------------------------
# writing and checking
# --------------------------------------------------------------------------------------------
def contents(case: Case) -> dict[str, bytes]:
    """Relative path under files/ → bytes (one entry for a file, several for a folder)."""
    data = case.build()
    if isinstance(data, dict):
        return {f"{case.name}/{rel}": body for rel, body in sorted(data.items())}
    return {case.name: data}


def manifest() -> str:
    lines = [
        "# Bad-input corpus",
        "",
        "Generated by `python tests/corpus/make_corpus.py` (do not edit by hand). Each file is driven through",
        "the CLI on a fresh workbook by `tests/reliability/test_corpus.py`, which asserts the exit code,",
        "that the output names the file and (where given) the row and column, that no traceback appears,",
        "and what may change in the workbook:",
        "",
        "* `none` — the workbook stays byte-identical;",
        "* `log` — only 檢核訊息 and 執行紀錄 change (plus the step's status cell on its own result sheet);",
        "  no input sheet changes;",
        "* `import` — the imported sheet is replaced, plus 檢核訊息 and 執行紀錄.",
        "",
        "Nothing is ever written to an output folder and no temporary file is left. Huge inputs",
        "(a > 2 GB sparse CSV per tabular importer, a > 256 MB sparse XML, a 9 MB register with one bad",
        "line at its end) are made at test time.",
        "",
        f"{len(CASES)} cases.",
        "",
        "| file | importer | what is wrong | exit | workbook | the message contains |",
        "|---|---|---|---|---|---|",
    ]
    commands = {T: "`tracks import`", INV: "`invoices import`", ST: "`status import`", M: "`machines import`"}
    for c in CASES:
        expect = "；".join(f"`{e}`" for e in c.expect).replace("|", "\\|")
        problem = c.problem.replace("|", "\\|")
        lines.append(f"| `{c.name}` | {commands[c.command]} | {problem} | {c.exit_code} | {c.changes} | {expect} |")
    return "\n".join(lines) + "\n"


def write(root: Path = FILES) -> list[Path]:
    written = []
    for case in CASES:
        for rel, body in contents(case).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            written.append(path)
    return written


def differences(root: Path = FILES, manifest_path: Path = MANIFEST) -> list[str]:
    """Files that are missing or differ from what this script writes (empty when all match)."""
    problems = []
    expected: set[str] = set()
    for case in CASES:
        for rel, body in contents(case).items():
            expected.add(rel)
            path = root / rel
            if not path.is_file():
                problems.append(f"missing {rel}")
            elif path.read_bytes() != body:
                problems.append(f"differs {rel}")
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.relative_to(root).as_posix() not in expected:
            problems.append(f"not generated {path.relative_to(root).as_posix()}")
    if not manifest_path.is_file() or manifest_path.read_text(encoding="utf-8") != manifest():
        problems.append("MANIFEST.md differs")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when anything differs")
    args = parser.parse_args(argv)
    if args.check:
        problems = differences()
        print("\n".join(problems) or "corpus up to date")
        return 1 if problems else 0
    write()
    MANIFEST.write_text(manifest(), encoding="utf-8")
    print(f"{len(CASES)} cases written to {FILES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
