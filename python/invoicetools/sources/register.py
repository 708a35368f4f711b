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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..book import layout
from ..domain.errors import Finding, Location, Severity, show_found
from .register_status import STATUS_WORDS, register_status, register_statuses

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


# --------------------------------------------------------------------------- dates


_SEPARATED = (r"^(?P<y>\d{4}|\d{2,3})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
              r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$")
_COMPACT = r"^(?P<y>\d{3,4})(?P<m>\d{2})(?P<d>\d{2})$"
_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _assemble(parts: object, compact: bool) -> npt.NDArray[np.datetime64]:
    """Date-times from extracted ``y m d [H M S]`` text (ROC when the year has 2–3 digits); NaT when invalid."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    assert isinstance(parts, pa.StructArray | pa.ChunkedArray)
    names = ("y", "m", "d", "H", "M", "S") if not compact else ("y", "m", "d")

    def number(name: str) -> npt.NDArray[np.int64]:
        field = pc.struct_field(parts, name)
        filled = pc.if_else(pc.or_(pc.is_null(field), pc.equal(field, "")), "0", field)
        return np.asarray(pc.cast(filled, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)

    values = {n: number(n) for n in names}
    width = np.asarray(pc.utf8_length(pc.struct_field(parts, "y")).to_numpy(zero_copy_only=False), dtype=np.int64)
    year = np.where(width == 4, values["y"], values["y"] + 1911)
    hour, minute, second = (values.get(n, np.zeros(len(year), dtype=np.int64)) for n in ("H", "M", "S"))
    good = (hour < 24) & (minute < 60) & (second < 60) & (year >= 1678) & (year <= 2261)
    if compact:  # an 8-digit number is a Gregorian date only for years 1900–2199 (domain.dates)
        good &= (width == 3) | ((year >= 1900) & (year <= 2199))
    frame = pd.DataFrame({"year": np.where(good, year, 2000), "month": values["m"], "day": values["d"],
                          "hour": hour, "minute": minute, "second": second})
    stamps: npt.NDArray[np.datetime64] = np.asarray(
        pd.to_datetime(frame, errors="coerce").to_numpy(dtype="datetime64[ns]"), dtype="datetime64[ns]")
    stamps[~good] = np.datetime64("NaT")
    return stamps


def parse_dates_fast(values: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """``domain.dates.parse_dates`` with column-wise fast paths (pyarrow) for the forms registers use most.

    ``2024-01-05 13:45:00`` (a date cell read back from a workbook), ``2024-01-05``,
    ``2024/1/5``, ``113/01/05`` and ``1130105`` are parsed and validated for the whole
    column at once; everything else (Excel serials, ``113年1月5日`` …) and anything the fast
    path refuses goes through ``parse_dates``, which has the last word. Blank = NaT, ok.

    >>> import pandas as pd
    >>> v, ok = parse_dates_fast(pd.Series(["2024-01-05 13:45:00", "113/1/5", "1130105", "45296", "", "x"]))
    >>> [str(x) for x in v], ok.tolist()
    (['2024-01-05 13:45:00', '2024-01-05 00:00:00', '2024-01-05 00:00:00', '2024-01-05 00:00:00', 'NaT', 'NaT'], [True, True, True, True, True, False])
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..domain.dates import parse_dates

    n = len(values)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return parse_dates(values)
    result = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = np.ones(n, dtype=bool)
    if n == 0:
        return pd.Series(result, index=values.index), ok
    if isinstance(values.dtype, pd.StringDtype):  # text only (a sheet or file read): no object round trip
        obj = values
        is_dt = np.zeros(n, dtype=bool)
    else:
        obj = values.astype("object")
        if pd.api.types.infer_dtype(obj, skipna=True) in ("string", "empty", "integer", "floating",
                                                          "mixed-integer-float"):
            is_dt = np.zeros(n, dtype=bool)
        else:
            is_dt = obj.map(lambda v: isinstance(v, (datetime.date, datetime.datetime))).to_numpy(dtype=bool)
    if is_dt.any():
        result[is_dt] = pd.to_datetime(obj[is_dt].map(_as_datetime)).to_numpy(dtype="datetime64[ns]")
    text = (obj.where(~is_dt, None) if is_dt.any() else obj).astype("string").str.strip()
    blank = text.isna().to_numpy() | (text.fillna("") == "").to_numpy(dtype=bool)
    todo = np.flatnonzero(~blank & ~is_dt)
    if len(todo) and _ISO_DATE_TIME.fullmatch(str(text.iat[int(todo[0])])):
        # a date cell read back from a workbook: one exact-format pass (the regexes below cost 4× as much)
        sub = text.iloc[todo]
        iso = pd.to_datetime(sub.where(sub.str.len() == 19), format="%Y-%m-%d %H:%M:%S", errors="coerce")
        year = iso.dt.year
        hit = (iso.notna() & (year >= 1678) & (year <= 2261)).to_numpy(dtype=bool)
        result[todo[hit]] = iso[hit].to_numpy(dtype="datetime64[ns]")
        todo = todo[~hit]
    if not len(todo):
        return pd.Series(result, index=values.index), ok
    arr = pa.array(text.iloc[todo].to_numpy(dtype=object), type=pa.string())
    fast = np.full(len(todo), np.datetime64("NaT"), dtype="datetime64[ns]")
    for pattern, compact in ((_SEPARATED, False), (_COMPACT, True)):
        left = np.flatnonzero(np.isnat(fast))
        if not len(left):
            break
        sub = arr if len(left) == len(arr) else arr.take(pa.array(left))
        parts = pc.extract_regex(sub, pattern)
        matched = np.asarray(pc.is_valid(parts).to_numpy(zero_copy_only=False), dtype=bool)
        if matched.any():
            hit = left[matched]
            fast[hit] = _assemble(parts.filter(pa.array(matched)), compact)
    result[todo] = fast
    slow = todo[np.isnat(fast)]
    if len(slow):
        parsed, slow_ok = parse_dates(obj.iloc[slow])
        result[slow] = parsed.to_numpy(dtype="datetime64[ns]")
        ok[slow] = slow_ok
    return pd.Series(result, index=values.index), ok


def _as_datetime(value: object) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None)
    assert isinstance(value, datetime.date)
    return datetime.datetime.combine(value, datetime.time())


def _parse_times(values: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """``13:45:10`` / ``13:45`` / ``134510`` / a time cell (``0.5`` of a day) → offsets from midnight."""
    import numpy as np
    import pandas as pd

    obj = values.astype("object")
    text = obj.astype("string").str.strip()
    blank = text.isna().to_numpy() | (text.fillna("") == "").to_numpy(dtype=bool)
    out = pd.Series(pd.NaT, index=values.index, dtype="timedelta64[ns]")
    ok = np.ones(len(values), dtype=bool)
    todo = ~blank
    if not todo.any():
        return out, ok
    t = text[todo]
    base = pd.Timestamp("2000-01-01")

    def clock_times(values: pd.Series) -> pd.Series:
        return pd.to_datetime("2000-01-01 " + values, format="%Y-%m-%d %H:%M:%S", errors="coerce") - base

    parsed = clock_times(t)
    miss = parsed.isna().to_numpy()
    if miss.any():  # 134510, 13:45, a time cell read back as a date-time
        odd = t[miss].str.replace(r"^(\d{2})(\d{2})(\d{2})$", r"\1:\2:\3", regex=True)
        odd = odd.str.replace(r"^(\d{1,2}:\d{2})$", r"\1:00", regex=True)
        odd = odd.str.replace(r"^\d{4}-\d{2}-\d{2} ", "", regex=True)
        parsed[miss] = clock_times(odd).to_numpy()
    still = parsed.isna().to_numpy()
    if still.any():  # a time cell as Excel keeps it: a fraction of a day
        fraction = pd.to_numeric(t[still], errors="coerce")
        is_fraction = (fraction.notna() & (fraction >= 0) & (fraction < 1)).to_numpy(dtype=bool)
        if is_fraction.any():
            where_fraction = np.flatnonzero(still)[is_fraction]
            parsed.iloc[where_fraction] = pd.to_timedelta(
                (fraction[is_fraction] * 86400).round(), unit="s").to_numpy()
    parsed = parsed.where((parsed >= pd.Timedelta(0)) & (parsed < pd.Timedelta(days=1)))
    out[todo] = parsed.to_numpy()
    ok[np.flatnonzero(todo)[parsed.isna().to_numpy()]] = False
    return out, ok


# --------------------------------------------------------------------------- the register


def _rows_with(index: pd.Index, mask: npt.NDArray[np.bool_]) -> list[int]:
    return [int(r) for r in index[mask]]


def prepare_register(raw: pd.DataFrame, where: Location, *, for_sheet: bool = True) -> Register:
    """Clean and check a raw register (see the module docstring).

    ``for_sheet=False`` (the check reading the sheet back) skips what only the import needs:
    the sheet frame and the amounts.
    """
    import numpy as np
    import pandas as pd

    from ..book.tables import blank_mask, typed
    from ..domain.invoice_number import from_key, keys_from_strings

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

    # 發票號碼
    number_raw = col("發票號碼")
    keys, ok = keys_from_strings(number_raw)
    number_blank = blank_mask(number_raw)
    original = number_raw.astype("string").str.strip()
    cleaned = typed_frame["發票號碼"].astype("string").str.upper()
    regular = cleaned.fillna("").str.fullmatch(r"[A-Z]{2}\d{8}").to_numpy(dtype=bool)
    number = cleaned.where(pd.Series(ok & regular, index=index), original)  # normal form, else as found
    irregular = ok & ~regular
    if irregular.any():
        number = number.copy()
        number[irregular] = [from_key(int(k)) for k in keys[irregular]]
    repaired = ok & (original.fillna("") != number.fillna("")).to_numpy(dtype=bool)
    for row in _rows_with(index, ~ok & number_blank):
        findings.append(Finding("missing_invoice_number", "缺少發票號碼，這一列未檢核",
                                where.with_row(row, "發票號碼")))
    for row in _rows_with(index, ~ok & ~number_blank):
        findings.append(Finding(
            "bad_invoice_number",
            f"發票號碼應為 2 個英文字母加 8 位數字（讀到「{show_found(number_raw.at[row])}」），這一列未檢核",
            where.with_row(row, "發票號碼")))
    for row in _rows_with(index, repaired):
        findings.append(Finding(
            "invoice_number_repaired",
            f"發票號碼「{show_found(number_raw.at[row])}」已修正為 {number.at[row]}（全形、空白或小寫）",
            where.with_row(row, "發票號碼"), Severity.INFO))

    # 發票日期 (+ 開立時間) and 轉檔日
    date_raw = col("發票日期")
    issued, date_ok = parse_dates_fast(date_raw)
    issued_as_read = issued
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
        offset, time_ok = _parse_times(raw["開立時間"])
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

    # 狀態 words and the flag columns (作廢碼, 註銷碼 …; sources.register_status)
    status_text = typed_frame["狀態"]
    statuses = register_statuses(raw, status_text, where, importing=for_sheet)
    status, known = statuses.codes, statuses.known
    findings += statuses.findings
    for row in _rows_with(index, ~known):
        findings.append(Finding(
            "unknown_status", f"狀態「{show_found(status_text.at[row])}」無法辨識，視為開立；應為開立、作廢或註銷",
            where.with_row(row, "狀態"), Severity.WARNING))

    # 買方統編: a buyer with a UBN gets 7 days (a UBN Excel turned into a number gets its zeros back)
    buyer = typed_frame["買方統編"].astype("string").fillna("").str.replace(r"\.0+$", "", regex=True)
    buyer = buyer.where(~buyer.str.fullmatch(r"\d{1,7}"), buyer.str.zfill(8))
    b2b = (buyer.str.fullmatch(r"\d{8}") & (buyer != "00000000")).to_numpy(dtype=bool)

    # 重號 (a 註銷 row and its re-issue are one invoice)
    counted = ok & (status != 2)
    dup = np.zeros(n, dtype=bool)
    if counted.any():
        ser = pd.Series(keys[counted])
        dup[np.flatnonzero(counted)] = ser.duplicated(keep=False).to_numpy()
    if dup.any():
        rows_of = pd.Series(index[dup].astype(int), index=keys[dup]).groupby(level=0).agg(
            lambda r: "、".join(str(int(x)) for x in r))
        for row, key in zip(_rows_with(index, dup), keys[dup], strict=True):
            findings.append(Finding(
                "duplicate_invoice_number", f"發票號碼 {from_key(int(key))} 重複（第 {rows_of[key]} 列）",
                where.with_row(row, "發票號碼"), Severity.WARNING))

    # --- the sheet: known columns in layout order, then extras; original text where unreadable
    sheet = pd.DataFrame(index=index)
    for c in TABLE.columns if for_sheet else ():
        h = c.header
        if h == "發票號碼":
            sheet[h] = number.astype("object").where(number.notna(), None)
        elif h == "發票日期":
            sheet[h] = _keep_original(issued_as_read, date_raw)  # the sheet shows the date as read
        elif h == "轉檔日":
            sheet[h] = _keep_original(transfer, col("轉檔日"))
        elif h == "狀態":  # the status in effect (a flag column's included); an unknown word as found
            words = pd.Series(np.asarray(STATUS_WORDS, dtype=object)[status], index=index)
            sheet[h] = words.where(pd.Series(known, index=index), status_text.astype("object"))
            shown = sheet[h].where(~(status_text.isna().to_numpy() & ~statuses.flagged))
            sheet[h] = shown.astype("object").where(shown.notna(), None)
        elif h == "開立時間":
            sheet[h] = col(h).astype("object").where(col(h).notna(), None)
        else:
            sheet[h] = _keep_original(typed_frame[h], col(h))
    for extra in raw.columns if for_sheet else ():
        if extra not in TABLE.headers:
            sheet[extra] = raw[extra].astype("object").where(raw[extra].notna(), None)

    data = pd.DataFrame({
        "key": keys,
        "row": index.to_numpy(dtype=np.int64),
        "issued": issued.to_numpy(dtype="datetime64[ns]"),
        "timed": timed,
        "status": status,
        "b2b": b2b,
        "帳別": typed_frame["帳別"].astype("string").to_numpy(),
        "發票號碼": pd.array(number.astype("string"), dtype="string"),
        "客戶編號": typed_frame["客戶編號"].astype("string").to_numpy(),
        "客戶名稱": typed_frame["客戶名稱"].astype("string").to_numpy(),
        "銷售人統編": typed_frame["銷售人統編"].astype("string").to_numpy(),
        "列印註記": typed_frame["列印註記"].astype("string").to_numpy(),
        "轉檔日": transfer.dt.normalize().to_numpy(dtype="datetime64[ns]"),
    })
    days = issued.dropna()
    counts = {
        "發票": n,
        "開立": int((status == 0).sum()),
        "作廢": int((status == 1).sum()),
        "註銷": int((status == 2).sum()),
        "重號": int(dup.sum()),
        "無法檢核": int((~ok | ~date_ok | (date_blank & ok)).sum()),
    }
    return Register(
        sheet=sheet.reset_index(drop=True),
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
