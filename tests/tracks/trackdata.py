"""Test data for the 配號 step: one allocation written as a MOF CSV/xlsx, as E0501 and as ECPay rows.

Fictitious company 12345675 (valid UBN, the ECPay tests' company). Everything is written
here from the documented shapes (MOF CSV columns, E0501 XSD, ECPay GetGovInvoiceWordSetting).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COMPANY = "12345675"
OTHER_COMPANY = "04595257"
BRANCH = "53212539"
PERIOD = "11402"
LABEL = "114/01 ~ 114/02"

MOF_HEADER = ("營業人統編", "發票類別代號", "發票類別", "發票期別", "發票字軌名稱", "發票起號", "發票迄號")
TYPE_NAMES = {"07": "一般稅額計算", "08": "特種稅額計算"}


@dataclass(frozen=True)
class Range:
    track: str
    begin: int
    end: int
    invoice_type: str = "07"
    period: str = PERIOD
    ban: str = COMPANY

    @property
    def label(self) -> str:
        y, m = int(self.period[:3]), int(self.period[3:])
        return f"{y:03d}/{m - 1:02d} ~ {y:03d}/{m:02d}"

    @property
    def booklets(self) -> int:
        return (self.end - self.begin + 1) // 50


# The allocation the three sources carry (the same data in each form).
ALLOCATION = (
    Range("KA", 12_340_000, 12_355_499),  # 310 booklets
    Range("KB", 56_780_000, 56_787_999),  # 160 booklets
    Range("KC", 0, 49, "08"),  # one booklet, 特種稅額, number 00000000
)


def mof_rows(ranges: Sequence[Range], *, short_type: bool = True, spaces: bool = True) -> list[list[str]]:
    rows = []
    for r in ranges:
        label = r.label if spaces else r.label.replace(" ", "")
        code = r.invoice_type.lstrip("0") if short_type else r.invoice_type
        rows.append([r.ban, code, TYPE_NAMES[r.invoice_type], label, r.track, f"{r.begin:08d}", f"{r.end:08d}"])
    return rows


def write_csv(
    path: Path, rows: Sequence[Sequence[object]], *, encoding: str = "cp950",
    header: Sequence[str] = MOF_HEADER, newline: str = "\r\n",
) -> Path:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    text = newline.join(lines) + newline
    data = text.encode("utf-8") if encoding == "utf-8-sig-manual" else text.encode(encoding)
    if encoding == "utf-8-sig-manual":
        data = b"\xef\xbb\xbf" + data
    path.write_bytes(data)
    return path


def write_mof_csv(path: Path, ranges: Sequence[Range] = ALLOCATION, **kw: Any) -> Path:
    short_type = kw.pop("short_type", True)
    spaces = kw.pop("spaces", True)
    return write_csv(path, mof_rows(ranges, short_type=short_type, spaces=spaces), **kw)


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]], *, title: str | None = None) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("配號")
    r0 = 0
    if title:
        ws.write(0, 0, title)
        r0 = 2
    for j, h in enumerate(header):
        ws.write_string(r0, j, h)
    for i, row in enumerate(rows, start=r0 + 1):
        for j, v in enumerate(row):
            if isinstance(v, str):
                ws.write_string(i, j, v)
            elif v is not None:
                ws.write_number(i, j, v)
    wb.close()
    return path


def e0501_element(r: Range, version: str, *, indent: str = "") -> str:
    return (
        f'{indent}<InvoiceAssignNo xmlns="urn:GEINV:E0501:{version}">\n'
        f"{indent}  <Ban>{r.ban}</Ban>\n"
        f"{indent}  <InvoiceType>{r.invoice_type}</InvoiceType>\n"
        f"{indent}  <YearMonth>{r.period}</YearMonth>\n"
        f"{indent}  <InvoiceTrack>{r.track}</InvoiceTrack>\n"
        f"{indent}  <InvoiceBeginNo>{r.begin:08d}</InvoiceBeginNo>\n"
        f"{indent}  <InvoiceEndNo>{r.end:08d}</InvoiceEndNo>\n"
        f"{indent}  <InvoiceBooklet>{r.booklets}</InvoiceBooklet>\n"
        f"{indent}</InvoiceAssignNo>\n"
    )


def e0501_bare(r: Range, version: str = "4.1") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + e0501_element(r, version)).encode()


def e0501_envelope(ranges: Sequence[Range], version: str = "4.1") -> bytes:
    items = "".join(e0501_element(r, version, indent="    ") for r in ranges)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<InvoiceEnvelope xmlns="urn:GEINV:InvoiceEnvelope:4.1">\n'
        f"  <From><PartyId>{COMPANY}</PartyId></From>\n"
        f"  <FromVAC><RoutingId>{COMPANY}</RoutingId></FromVAC>\n"
        "  <To><PartyId>0000000000</PartyId></To>\n"
        "  <ToVAC><RoutingId>0000000000</RoutingId></ToVAC>\n"
        f'  <InvoicePack messageType="E0501" count="{len(ranges)}" version="4.1">\n'
        f"{items}"
        "  </InvoicePack>\n"
        "</InvoiceEnvelope>\n"
    ).encode()


def ecpay_rows(ranges: Sequence[Range]) -> list[dict[str, Any]]:
    """GetGovInvoiceWordSetting InvoiceInfo rows (as ECPay documents them)."""
    out = []
    for r in ranges:
        out.append({
            "InvoiceYear": r.period[:3],
            "InvoiceTerm": int(r.period[3:]) // 2,
            "InvType": r.invoice_type,
            "InvoiceHeader": r.track,
            "InvoiceStart": f"{r.begin:08d}",
            "InvoiceEnd": f"{r.end:08d}",
            "Number": r.booklets,
        })
    return out


def whole_year(ranges: Sequence[Range] = ALLOCATION, year: str = "114") -> list[Range]:
    """The same booklets for each of the six periods (other tracks each period)."""
    out = []
    for term in range(1, 7):
        for k, r in enumerate(ranges):
            track = chr(ord("K") + term) + chr(ord("A") + k)
            out.append(Range(track, r.begin, r.end, r.invoice_type, f"{year}{term * 2:02d}", r.ban))
    return out
