"""The ERP's issued-invoice register (發票資料): read by header, cleaned, checked row by row.

A register arrives as a CSV (Big5/cp950 or UTF-8) or xlsx export, or pasted into the
發票資料 sheet; either way it is a raw table (``sources.tabular.read_table_file`` or
``WorkbookIO.read_table``: text cells, index = source line/row) and goes through
:func:`prepare_register`, which gives

* ``sheet`` – what the 發票資料 sheet shows: the layout's columns in layout order, then
  the file's extra columns; numbers normalised (full-width repaired), dates as dates,
  amounts as numbers, and the original text wherever a cell cannot be read, so that
  nothing the accountant imported is lost;
* ``data`` – the input of ``steps.upload_check`` (int64 keys, issue date-times,
  status codes, B2B flags);
* ``findings`` – one per problem, with the row: unreadable dates (錯誤), invalid or missing
  invoice numbers (錯誤), repaired full-width numbers (提示), duplicate numbers (警告),
  unknown 狀態 words or flag values and unreadable times (警告).

The status of a row is its 狀態 word or a flag column's (作廢碼, 作廢註記, 是否作廢, 註銷碼 …;
``sources.register_status``); the sheet shows the status in effect and keeps the flag columns.

Dates: Gregorian (``2024-01-05``, ``2024/1/5``, Excel serials, ``2024-01-05 13:45:00`` as
calamine gives a date cell) and ROC (``113/01/05``, ``1130105``); see
:func:`parse_dates_fast`.

>>> import pandas as pd
>>> from invoicetools.domain.errors import Location
>>> raw = pd.DataFrame({"發票號碼": ["AB00000001", "ａｂ00000002", "AB00000001", "X1"],
...                     "發票日期": ["113/01/05", "2024-01-06", "1130107", "2024-13-01"],
...                     "狀態": ["開立", "作廢", "開立", "註銷"], "門市": ["總店", "", "", ""]}, index=[2, 3, 4, 5])
>>> reg = prepare_register(raw, Location(file="erp.csv"))
>>> reg.sheet["發票號碼"].tolist(), reg.sheet.columns[-1]
(['AB00000001', 'AB00000002', 'AB00000001', 'X1'], '門市')
>>> [(f.code, f.where.row) for f in reg.findings]
[('bad_invoice_number', 5), ('bad_date', 5), ('duplicate_invoice_number', 2), ('duplicate_invoice_number', 4), ('invoice_number_repaired', 3)]
>>> reg.data["status"].tolist(), reg.counts["作廢"]
([0, 1, 0, 2], 1)
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..book import layout
from ..domain.errors import Finding, Location, Severity, show_found
from .register_dates import parse_dates_fast, parse_times
from .register_status import STATUS_WORDS, RegisterStatuses, register_status, register_statuses

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = [
    "TABLE",
    "Register",
    "parse_dates_fast",
    "prepare_register",
    "read_register",
    "register_status",
]

TABLE = layout.table("發票資料")
_DATE_COLUMNS = ("發票日期", "轉檔日")
_CHECK_COLUMNS = ("帳別", "發票號碼", "客戶編號", "客戶名稱", "買方統編", "銷售人統編", "狀態", "列印註記")


@dataclass
class Register:
    sheet: pd.DataFrame
    data: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    first_date: datetime.date | None = None
    last_date: datetime.date | None = None


def read_register(path: Path) -> tuple[pd.DataFrame, Location]:
    """The raw rows of a register file (CSV Big5/UTF-8 or xlsx) and where they are (file, and sheet of an xlsx).

    In a workbook the first sheet that holds the register's headers is used. A text file of
    H/M/D records gives its M lines (``sources.line_records``); what was left out is said in
    findings that travel in ``raw.attrs["findings"]`` (``prepare_register`` reports them).
    """
    from ..book.grid import sheet_names
    from ..domain.errors import InputError
    from .tabular import EXCEL_SUFFIXES, check_file, read_table_file

    where = Location(file=path.name)
    if path.suffix.lower() not in EXCEL_SUFFIXES and path.is_file():
        records = _line_records(path, where)
        if records is not None:
            return records, where
    if path.suffix.lower() in EXCEL_SUFFIXES and path.is_file():
        check_file(path)  # a 2 GB file is refused before the workbook reader opens it
        first_error: InputError | None = None
        for name in sheet_names(path):
            try:
                return read_table_file(path, TABLE, sheet=name), Location(file=path.name, sheet=name)
            except InputError as exc:
                first_error = first_error or exc
        if first_error is not None:
            raise first_error
    return read_table_file(path, TABLE), where


def _line_records(path: Path, where: Location) -> pd.DataFrame | None:
    """The M lines of an H/M/D file as raw register rows; ``None`` for any other file."""
    from .line_records import is_line_typed, read_lines, sniff_file
    from .tabular import check_file, decode_text

    check_file(path)
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if not is_line_typed(sniff_file(head)):
        return None
    text, _ = decode_text(path.read_bytes(), where)
    raw, notes = read_lines(text, where, TABLE)
    raw.attrs["findings"] = notes
    return raw


# --------------------------------------------------------------------------- the register


def _rows_with(index: pd.Index, mask: npt.NDArray[np.bool_]) -> list[int]:
    return [int(r) for r in index[mask]]


@dataclass
class _Numbers:
    """發票號碼 of every row: int64 keys, read or not, the text the sheet shows, blank cells."""

    keys: npt.NDArray[np.int64]
    ok: npt.NDArray[np.bool_]
    text: pd.Series  # the normal form, else the cell as found
    blank: npt.NDArray[np.bool_]


def _invoice_numbers(found: pd.Series, cleaned: pd.Series, where: Location, findings: list[Finding]) -> _Numbers:
    """Keys and the shown text of 發票號碼 (``cleaned``: the typed, trimmed text); a finding per bad or repaired cell."""
    import pandas as pd

    from ..book.tables import blank_mask
    from ..domain.invoice_number import from_key, keys_from_strings

    index = found.index
    keys, ok = keys_from_strings(found)
    blank = blank_mask(found)
    original = found.astype("string").str.strip()
    cleaned = cleaned.astype("string").str.upper()
    regular = cleaned.fillna("").str.fullmatch(r"[A-Z]{2}\d{8}").to_numpy(dtype=bool)
    number = cleaned.where(pd.Series(ok & regular, index=index), original)  # normal form, else as found
    irregular = ok & ~regular
    if irregular.any():
        number = number.copy()
        number[irregular] = [from_key(int(k)) for k in keys[irregular]]
    repaired = ok & (original.fillna("") != number.fillna("")).to_numpy(dtype=bool)
    for row in _rows_with(index, ~ok & blank):
        findings.append(Finding("missing_invoice_number", "缺少發票號碼，這一列未檢核",
                                where.with_row(row, "發票號碼")))
    for row in _rows_with(index, ~ok & ~blank):
        findings.append(Finding(
            "bad_invoice_number",
            f"發票號碼應為 2 個英文字母加 8 位數字（讀到「{show_found(found.at[row])}」），這一列未檢核",
            where.with_row(row, "發票號碼")))
    for row in _rows_with(index, repaired):
        findings.append(Finding(
            "invoice_number_repaired",
            f"發票號碼「{show_found(found.at[row])}」已修正為 {number.at[row]}（全形、空白或小寫）",
            where.with_row(row, "發票號碼"), Severity.INFO))
    return _Numbers(keys, ok, number, blank)


@dataclass
class _Dates:
    """發票日期 as read, with 開立時間 added where given; 轉檔日."""

    as_read: pd.Series
    issued: pd.Series
    ok: npt.NDArray[np.bool_]
    blank: npt.NDArray[np.bool_]
    timed: npt.NDArray[np.bool_]  # the issue time of day is known
    transfer: pd.Series


def _issue_dates(raw: pd.DataFrame, col: Callable[[str], pd.Series], number_blank: npt.NDArray[np.bool_],
                 where: Location, findings: list[Finding]) -> _Dates:
    from ..book.tables import blank_mask

    index = raw.index
    date_raw = col("發票日期")
    issued, date_ok = parse_dates_fast(date_raw)
    as_read = issued
    date_blank = blank_mask(date_raw)
    for row in _rows_with(index, ~date_ok):
        findings.append(Finding(
            "bad_date",
            f"發票日期無法辨識（讀到「{show_found(date_raw.at[row])}」），請用 2024-01-05、2024/1/5、113/01/05 或 1130105；"
            "這一列未檢核", where.with_row(row, "發票日期")))
    for row in _rows_with(index, date_ok & date_blank & ~number_blank):
        findings.append(Finding("missing_date", "缺少發票日期，這一列未檢核", where.with_row(row, "發票日期")))
    timed = (issued.notna() & (issued != issued.dt.normalize())).to_numpy(dtype=bool)
    if "開立時間" in raw.columns:
        offset, time_ok = parse_times(raw["開立時間"])
        for row in _rows_with(index, ~time_ok):
            findings.append(Finding(
                "bad_time", f"開立時間無法辨識（讀到「{show_found(raw.at[row, '開立時間'])}」），上傳期限以當天結束計算",
                where.with_row(row, "開立時間"), Severity.WARNING))
        use = offset.notna().to_numpy() & issued.notna().to_numpy()
        if use.any():
            issued = issued.copy()
            issued[use] = issued[use].dt.normalize() + offset[use]
            timed = timed | use
    transfer, transfer_ok = parse_dates_fast(col("轉檔日"))
    for row in _rows_with(index, ~transfer_ok):
        findings.append(Finding(
            "bad_date", f"轉檔日無法辨識（讀到「{show_found(raw.at[row, '轉檔日'])}」）",
            where.with_row(row, "轉檔日"), Severity.WARNING))
    return _Dates(as_read, issued, date_ok, date_blank, timed, transfer)


def _business_buyers(buyer_ids: pd.Series) -> npt.NDArray[np.bool_]:
    """A buyer with a UBN gets 7 days (a UBN Excel turned into a number gets its zeros back).

    Blank and plain 8-digit cells (nearly all) are judged by one Arrow kernel; the rest as text.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(buyer_ids.astype("string").array)
    eight = np.asarray(pc.fill_null(pc.match_substring_regex(arr, r"^\d{8}$"), False).to_numpy(
        zero_copy_only=False), dtype=bool)
    b2b = eight & np.asarray(pc.fill_null(pc.not_equal(arr, "00000000"), False).to_numpy(zero_copy_only=False),
                             dtype=bool)
    other = ~eight & np.asarray(pc.fill_null(pc.greater(pc.binary_length(arr), 0), False).to_numpy(
        zero_copy_only=False), dtype=bool)
    if other.any():
        buyer = buyer_ids[other].astype("string").fillna("").str.replace(r"\.0+$", "", regex=True)
        buyer = buyer.where(~buyer.str.fullmatch(r"\d{1,7}"), buyer.str.zfill(8))
        b2b[other] = (buyer.str.fullmatch(r"\d{8}") & (buyer != "00000000")).to_numpy(dtype=bool)
    return np.asarray(b2b, dtype=bool)


def _duplicates(numbers: _Numbers, status: npt.NDArray[np.int8], index: pd.Index, where: Location,
                findings: list[Finding]) -> npt.NDArray[np.bool_]:
    """重號: rows sharing a number (a 註銷 row and its re-issue are one invoice); a finding per row."""
    import numpy as np
    import pandas as pd

    from ..domain.invoice_number import from_key

    keys = numbers.keys
    counted = numbers.ok & (status != 2)
    dup = np.zeros(len(keys), dtype=bool)
    if counted.any():
        dup[np.flatnonzero(counted)] = pd.Series(keys[counted]).duplicated(keep=False).to_numpy()
    if dup.any():
        rows_of = pd.Series(index[dup].astype(int), index=keys[dup]).groupby(level=0).agg(
            lambda r: "、".join(str(int(x)) for x in r))
        for row, key in zip(_rows_with(index, dup), keys[dup], strict=True):
            findings.append(Finding(
                "duplicate_invoice_number", f"發票號碼 {from_key(int(key))} 重複（第 {rows_of[key]} 列）",
                where.with_row(row, "發票號碼"), Severity.WARNING))
    return dup


def _status_words(statuses: RegisterStatuses, status_text: pd.Series) -> pd.Series:
    """狀態 as the sheet shows it: the status in effect (a flag column's included); an unknown word as found."""
    import pandas as pd
    import pyarrow as pa

    words = pd.Series(pd.array(pa.array(STATUS_WORDS).take(pa.array(statuses.codes)), dtype="string"),
                      index=status_text.index)
    words = words.where(pd.Series(statuses.known, index=status_text.index), status_text.astype("string"))
    return words.where(pd.Series(~(status_text.isna().to_numpy() & ~statuses.flagged), index=status_text.index))


def _sheet_frame(raw: pd.DataFrame, col: Callable[[str], pd.Series], typed_frame: pd.DataFrame,
                 numbers: _Numbers, dates: _Dates, words: pd.Series) -> pd.DataFrame:
    """What 發票資料 shows: known columns in layout order, then extras; the original text where unreadable.

    Columns keep Arrow strings, dates and numbers (no Python object per cell): a 1M-row import
    stays small and the sheet writer converts whole columns.
    """
    import pandas as pd

    sheet = pd.DataFrame(index=raw.index)
    for c in TABLE.columns:
        h = c.header
        if h == "發票號碼":
            sheet[h] = numbers.text
        elif h == "發票日期":
            sheet[h] = _keep_original(dates.as_read, col(h))  # the sheet shows the date as read
        elif h == "轉檔日":
            sheet[h] = _keep_original(dates.transfer, col(h))
        elif h == "狀態":
            sheet[h] = words
        elif h == "開立時間":
            sheet[h] = raw[h] if h in raw.columns else pd.Series(pd.NA, index=raw.index, dtype="string")
        else:
            sheet[h] = _keep_original(typed_frame[h], col(h))
    for extra in raw.columns:  # kept as imported (blank = None)
        if extra not in TABLE.headers:
            sheet[extra] = raw[extra].astype("object").where(raw[extra].notna(), None)
    return sheet.reset_index(drop=True)


def prepare_register(raw: pd.DataFrame, where: Location, *, for_sheet: bool = True) -> Register:
    """Clean and check a raw register (see the module docstring).

    ``for_sheet=False`` (the check reading the sheet back) skips what only the import needs:
    the sheet frame and the amounts.
    """
    import numpy as np
    import pandas as pd

    from ..book.tables import typed

    findings: list[Finding] = list(raw.attrs.get("findings", ()))  # notes of the reading (sources.line_records)
    index = raw.index
    n = len(raw)

    def col(name: str) -> pd.Series:
        if name in raw.columns:
            return raw[name]
        return pd.Series([None] * n, index=index, dtype="object")

    # generic columns through the shared typing (dates are parsed here, with fast paths)
    if for_sheet:
        rest = raw.drop(columns=[c for c in _DATE_COLUMNS if c in raw.columns])
        typed_frame, typed_findings = typed(rest, TABLE, where)
        findings += typed_findings
    else:  # reading the sheet back for the check: text as written, amounts not needed
        typed_frame = pd.DataFrame({h: _plain_text(col(h), fold=h in ("帳別", "買方統編")) for h in _CHECK_COLUMNS},
                                   index=index)
    numbers = _invoice_numbers(col("發票號碼"), typed_frame["發票號碼"], where, findings)
    dates = _issue_dates(raw, col, numbers.blank, where, findings)

    # 狀態 words and the flag columns (作廢碼, 註銷碼 …; sources.register_status)
    status_text = typed_frame["狀態"]
    statuses = register_statuses(raw, status_text, where, importing=for_sheet)
    status = statuses.codes
    findings += statuses.findings
    for row in _rows_with(index, ~statuses.known):
        findings.append(Finding(
            "unknown_status", f"狀態「{show_found(status_text.at[row])}」無法辨識，視為開立；應為開立、作廢或註銷",
            where.with_row(row, "狀態"), Severity.WARNING))
    dup = _duplicates(numbers, status, index, where, findings)

    def text(h: str) -> object:
        return typed_frame[h].astype("string").array  # Arrow strings, no Python object per cell

    data = pd.DataFrame({
        "key": numbers.keys,
        "row": index.to_numpy(dtype=np.int64),
        "issued": dates.issued.to_numpy(dtype="datetime64[ns]"),
        "timed": dates.timed,
        "status": status,
        "b2b": _business_buyers(typed_frame["買方統編"]),
        "帳別": text("帳別"),
        "發票號碼": numbers.text.astype("string").array,
        "客戶編號": text("客戶編號"),
        "客戶名稱": text("客戶名稱"),
        "銷售人統編": text("銷售人統編"),
        "列印註記": text("列印註記"),
        "轉檔日": dates.transfer.dt.normalize().to_numpy(dtype="datetime64[ns]"),
    })
    days = dates.issued.dropna()
    ok = numbers.ok
    counts = {
        "發票": n,
        "開立": int((status == 0).sum()),
        "作廢": int((status == 1).sum()),
        "註銷": int((status == 2).sum()),
        "重號": int(dup.sum()),
        "無法檢核": int((~ok | ~dates.ok | (dates.blank & ok)).sum()),
    }
    sheet = (_sheet_frame(raw, col, typed_frame, numbers, dates, _status_words(statuses, status_text))
             if for_sheet else pd.DataFrame())
    return Register(
        sheet=sheet,
        data=data,
        findings=_sorted(findings),
        counts=counts,
        first_date=days.min().date() if len(days) else None,
        last_date=days.max().date() if len(days) else None,
    )


def _plain_text(values: pd.Series, *, fold: bool = False) -> pd.Series:
    """Cell text, trimmed (``fold``: full-width forms → ASCII, where there are any); blank → NA."""
    import pandas as pd

    from ..domain._text import to_ascii

    text = values.astype("string").str.strip()
    odd = ~text.fillna("").str.isascii() if fold else pd.Series(False, index=text.index)
    if odd.any():
        text = text.astype(object)
        text[odd] = text[odd].map(lambda v: to_ascii(str(v)))
        text = text.astype("string")
    return pd.Series(text.mask(text == ""), index=values.index)


def _keep_original(values: pd.Series, original: pd.Series) -> pd.Series:
    """``values`` where set, else the original cell (text that could not be read stays visible)."""
    from ..book.tables import blank_mask

    use = values.isna().to_numpy() & ~blank_mask(original)
    if not use.any():  # nothing unreadable: keep the column's own type (dates stay datetime64)
        return values
    out = values.astype("object")
    out[use] = original.astype("object")[use]
    return out.where(out.notna(), None)


def _sorted(findings: list[Finding]) -> list[Finding]:
    """Errors first, then by row (the order the accountant works through them)."""
    rank = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
    return sorted(findings, key=lambda f: (rank[f.severity], f.where.row if f.where.row is not None else 0))
