"""下載平台發票狀況: what the MOF platform has, from a status file, Turnkey, or a value-added centre.

Every source ends as rows of the 平台狀況 sheet (:data:`SHEET_COLUMNS`): 發票號碼, 狀態 (one of
the :class:`~invoicetools.domain.records.PlatformState` words 已上傳 / 上傳失敗 / 作廢 /
處理中), 發票日期, 上傳日期, 原始狀態 (the source's own words), 說明 (the platform's
message, e.g. why an upload failed) and 來源 (file and row, or the API).

Sources:

* a **status file** (CSV Big5/UTF-8 or xlsx) with 發票號碼 and a status column, 發票日期 and
  上傳日期 where present; the usual words map to on-platform (已上傳, 已確認, 成功, C, G),
  failed (失敗, 錯誤, E, I), cancelled (作廢), in progress (處理中, 待處理, P); a separate
  發票狀態 column (開立/作廢) is combined with the upload status;
* **Turnkey results**: SummaryResult files (each Good/Failed invoice), ProcessResult files
  (error codes whose parameters name an invoice), a folder of them (``Unpack/…/BAK``), and
  an export (CSV/xlsx) of the Turnkey table ``TURNKEY_MESSAGE_LOG`` (``sources.turnkey_log``);
* a **provider** API (``sources.providers``), e.g. ECPay GetIssueList, paginated.

:func:`platform_input` turns the sheet's rows back into the input of ``steps.upload_check``.

>>> [str(state_of_word(w)[0]) for w in ["C", "已確認", "上傳失敗", "E0001", "作廢已確認", "P"]]
['已上傳', '已上傳', '上傳失敗', '上傳失敗', '作廢', '處理中']
>>> state_of_word("註銷"), state_of_word("??")
((None, True), (None, False))
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..book import layout
from ..book.layout import Column, Kind, Table
from ..domain.errors import Finding, InputError, Location, Severity, show_found
from ..domain.records import PlatformState, StatusRecord

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from ..mig.results import ProcessResult, SummaryResult
    from .providers.base import Provider

__all__ = [
    "SHEET_COLUMNS",
    "STATUS_FILE_TABLE",
    "StatusImport",
    "count_states",
    "fetch_status",
    "platform_input",
    "read_results_folder",
    "read_status_path",
    "records_frame",
    "state_of_word",
    "states_of_words",
]

SHEET_TABLE = layout.table("平台狀況")
SHEET_COLUMNS: tuple[str, ...] = SHEET_TABLE.headers

# A status file as platforms and ERPs export it: more aliases than the sheet, and the invoice's
# own state (開立/作廢) apart from the upload status.
STATUS_FILE_TABLE = Table("StatusFile", "", 1, (
    Column("發票號碼", Kind.ID, required=True,
           aliases=("發票號", "發票字軌號碼", "InvoiceNumber", "ReferenceNumber", "IIS_Number", "InvoiceNo")),
    Column("狀態", aliases=("上傳狀態", "處理狀態", "STATUS", "狀況", "上傳結果", "處理結果", "傳送狀態",
                            "平台狀態", "Result")),
    Column("發票狀態", aliases=("發票狀況", "開立狀態")),
    Column("發票日期", Kind.DATE, aliases=("開立日期", "InvoiceDate", "IIS_Create_Date")),
    # the status's own time; the platform's query download calls it 最後異動日期 (last change)
    Column("上傳日期", Kind.DATETIME, aliases=("上傳時間", "處理時間", "傳送時間", "IIS_Upload_Date", "UploadDate",
                                             "最後異動日期", "最後異動時間", "異動日期")),
    Column("說明", aliases=("錯誤訊息", "訊息", "備註", "錯誤原因", "失敗原因", "處理訊息", "Message", "Description")),
))

_STATE_CODE = {PlatformState.PENDING: 0, PlatformState.FAILED: 1, PlatformState.ON_PLATFORM: 2,
               PlatformState.CANCELLED: 3}
_EXACT = {s.value: s for s in PlatformState}
_CODES = {
    "C": PlatformState.ON_PLATFORM, "G": PlatformState.ON_PLATFORM, "GOOD": PlatformState.ON_PLATFORM,
    "SUCCESS": PlatformState.ON_PLATFORM, "OK": PlatformState.ON_PLATFORM, "Y": PlatformState.ON_PLATFORM,
    "E": PlatformState.FAILED, "I": PlatformState.FAILED, "FAILED": PlatformState.FAILED,
    "FAIL": PlatformState.FAILED, "ERROR": PlatformState.FAILED, "P": PlatformState.PENDING,
}
_FAILED_WORDS = ("失敗", "錯誤", "退回", "異常", "拒絕", "不成功", "駁回")
_PENDING_WORDS = ("處理中", "待", "上傳中", "傳送中", "未上傳", "尚未", "未確認", "排程", "等候", "等待")
_ON_WORDS = ("上傳", "確認", "成功", "完成", "接收", "傳送", "開立", "正常", "存證")
_E_CODE = re.compile(r"^E\d+$")
_INVOICE = re.compile(r"[A-Z]{2}\d{8}")


def state_of_word(word: object) -> tuple[PlatformState | None, bool]:
    """One status word → ``(state, known)``; 註銷 is known but says nothing by itself (``None``)."""
    if word is None or (isinstance(word, float) and word != word):
        return None, False
    from ..domain._text import to_ascii

    text = str(word).strip()
    if not text:
        return None, False
    if text in _EXACT:
        return _EXACT[text], True
    ascii_text = to_ascii(text).upper()
    if ascii_text in _CODES:
        return _CODES[ascii_text], True
    if _E_CODE.match(ascii_text):
        return PlatformState.FAILED, True
    if any(w in text for w in _FAILED_WORDS):
        return PlatformState.FAILED, True
    if "註銷" in text:
        return None, True
    if any(w in text for w in _PENDING_WORDS):
        return PlatformState.PENDING, True
    if "作廢" in text:
        return PlatformState.CANCELLED, True
    if any(w in text for w in _ON_WORDS):
        return PlatformState.ON_PLATFORM, True
    return None, False


def states_of_words(words: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """Vectorised :func:`state_of_word` (one call per distinct word): state values (NA for none) and known."""
    import numpy as np
    import pandas as pd

    text = words.astype("string").str.strip().fillna("")
    codes, uniques = pd.factorize(text)  # distinct words, and each row's word as an index: no dict lookup per row
    judged = [state_of_word(str(w)) for w in uniques]
    values = np.array([s.value if s is not None else None for s, _ in judged] + [None], dtype=object)
    known = np.array([ok for _, ok in judged] + [False], dtype=bool)
    return pd.Series(values[codes], index=words.index, dtype="object"), known[codes]


@dataclass
class StatusImport:
    """Rows for the 平台狀況 sheet, what they came from, and the problems met on the way."""

    frame: pd.DataFrame  # columns SHEET_COLUMNS
    source: str  # for the sheet's 來源 parameter
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _empty_frame() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype="object") for c in SHEET_COLUMNS})


def _normalise_numbers(values: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """Valid numbers in their normal form; invalid ones as found. Returns ``(numbers, ok)``."""
    import pandas as pd

    from ..domain.invoice_number import from_key, keys_from_strings

    keys, ok = keys_from_strings(values.astype("object").where(values.notna(), None))
    text = values.astype("string").str.strip().str.upper()
    regular = text.fillna("").str.fullmatch(r"[A-Z]{2}\d{8}").to_numpy(dtype=bool)
    out = values.astype("string").str.strip().astype("object")
    out[regular & ok] = text[regular & ok]
    odd = ok & ~regular
    if odd.any():
        out[odd] = [from_key(int(k)) for k in keys[odd]]
    return pd.Series(out, index=values.index), ok


def count_states(frame: pd.DataFrame) -> dict[str, int]:
    """筆數 and the number of rows in each PlatformState."""
    counts = {"筆數": len(frame)}
    if len(frame):
        vc = frame["狀態"].value_counts()
        for state in PlatformState:
            counts[state.value] = int(vc.get(state.value, 0))
    return counts


# --------------------------------------------------------------------------- records (Turnkey, providers)


def records_frame(records: Iterable[StatusRecord], *, source: str = "",
                  notes: Sequence[str | None] | None = None) -> pd.DataFrame:
    """StatusRecords → sheet rows; 來源 is the record's own place, else ``source``; ``notes`` fill 說明."""
    import pandas as pd

    rows: dict[str, list[object]] = {c: [] for c in SHEET_COLUMNS}
    for r in records:
        rows["發票號碼"].append(r.invoice_number)
        rows["狀態"].append(r.state.value if r.state is not None else None)
        rows["發票日期"].append(r.invoice_date)
        rows["上傳日期"].append(r.upload_time)
        rows["原始狀態"].append(r.detail or None)
        rows["說明"].append(None)
        rows["來源"].append(_place(r.source) if r.source is not None else source or None)
    if notes is not None:
        rows["說明"] = [n or None for n in notes]
    frame = pd.DataFrame(rows, columns=list(SHEET_COLUMNS))
    return frame.astype(object).where(frame.notna(), None)


def _place(where: Location) -> str:
    name = Path(where.file).name if where.file else (where.sheet or "")
    return f"{name} 第 {where.row} 列" if where.row is not None else name


def _summary_records(result: SummaryResult) -> list[StatusRecord]:
    from ..mig.results import to_status_records

    return to_status_records(result.invoices)


def _process_records(result: ProcessResult, findings: list[Finding]) -> list[tuple[StatusRecord, str]]:
    """Failed codes of a ProcessResult whose parameters name an invoice → 上傳失敗 records and their messages."""
    from ..mig.results import CANCEL_MESSAGES, ISSUE_MESSAGES, VOID_MESSAGES

    records: list[tuple[StatusRecord, str]] = []
    invoice_message = result.message_type in ISSUE_MESSAGES | CANCEL_MESSAGES | VOID_MESSAGES
    for info in result.infos:
        if info.ok:
            continue
        text = f"{result.message_type} {info.code}".strip()
        said = f"{text} {info.description}".strip()
        numbers = [m.group() for p in info.parameters for m in _INVOICE.finditer(p.upper())] if invoice_message else []
        if not numbers:
            findings.append(Finding(
                "process_result_error",
                f"Turnkey 處理結果有錯誤代碼：{said}（沒有可對應的發票號碼）",
                info.source, Severity.WARNING))
            continue
        for number in dict.fromkeys(numbers):
            records.append((StatusRecord(
                invoice_number=number, state=PlatformState.FAILED, invoice_date=None,
                upload_time=result.sent_at, detail=text, source=info.source), info.description))
    return records


def _results_import(results: Sequence[SummaryResult | ProcessResult], findings: list[Finding],
                    source: str) -> StatusImport:
    from ..mig.results import ProcessResult

    records: list[StatusRecord] = []
    notes: list[str | None] = []
    n_summary = n_process = 0
    for result in results:
        if isinstance(result, ProcessResult):
            n_process += 1
            for record, note in _process_records(result, findings):
                records.append(record)
                notes.append(note)
        else:
            n_summary += 1
            found = _summary_records(result)
            records += found
            notes += [None] * len(found)
    frame = records_frame(records, source=source, notes=notes)
    if len(frame):  # Turnkey keeps copies of a result in several folders
        frame = frame.drop_duplicates(subset=["發票號碼", "狀態", "上傳日期", "原始狀態"]).reset_index(drop=True)
    counts = {"SummaryResult": n_summary, "ProcessResult": n_process, **count_states(frame)}
    return StatusImport(frame, source, findings, counts)


def _read_results_file(path: Path) -> StatusImport:
    from ..mig import results

    return _results_import([results.read(path)], [], path.name)


def read_results_folder(path: Path) -> StatusImport | None:
    """The Turnkey result files under a folder (recursively); ``None`` when there is none at all."""
    from ..mig import results

    scan = results.iter_results_folder(path)
    found = list(scan)
    if not found and not scan.errors:
        return None
    out = _results_import(found, list(scan.errors), path.name)
    out.counts["檔案"] = len(scan.files)
    return out


# --------------------------------------------------------------------------- status files


def _is_message_log(path: Path) -> bool:
    """Peek at the file for the TURNKEY_MESSAGE_LOG header (without reading it all)."""
    marker = b"INVOICE_IDENTIFIER"
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            import zipfile

            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    if name.startswith("xl/worksheets/sheet") or name == "xl/sharedStrings.xml":
                        with z.open(name) as fh:
                            if marker in fh.read(1 << 18).upper():
                                return True
            return False
        with path.open("rb") as fh:
            head = fh.read(1 << 14)
        return marker in head.upper() or marker in head.decode("utf-16", "ignore").upper().encode()
    except (OSError, Exception):
        return False


def _read_status_file(path: Path) -> StatusImport:
    import numpy as np
    import pandas as pd

    from .register import parse_dates_fast
    from .tabular import read_table_file

    raw = read_table_file(path, STATUS_FILE_TABLE)
    where = Location(file=path.name)
    if "狀態" not in raw.columns and "發票狀態" not in raw.columns:
        raise InputError(
            f"缺少狀態欄位（例如「狀態」、「上傳狀態」或「處理狀態」）；找到的欄位：{'、'.join(map(str, raw.columns))}",
            where=where)
    findings: list[Finding] = []
    n = len(raw)
    numbers, ok = _normalise_numbers(raw["發票號碼"])
    blank = pd.Series(None, index=raw.index, dtype="object")
    upload_word = raw["狀態"] if "狀態" in raw.columns else blank
    invoice_word = raw["發票狀態"] if "發票狀態" in raw.columns else blank
    s_state, s_known = states_of_words(upload_word)
    v_state, v_known = states_of_words(invoice_word)
    has_s = upload_word.astype("string").str.strip().fillna("").ne("").to_numpy(dtype=bool)
    has_v = invoice_word.astype("string").str.strip().fillna("").ne("").to_numpy(dtype=bool)
    state = np.where(has_s, s_state.to_numpy(dtype=object), v_state.to_numpy(dtype=object))
    cancelled = v_state.to_numpy(dtype=object) == PlatformState.CANCELLED.value
    held = np.isin(state, [PlatformState.ON_PLATFORM.value, PlatformState.CANCELLED.value])
    state = np.where(has_s & held & cancelled, PlatformState.CANCELLED.value, state)
    known = np.where(has_s, s_known, has_v & v_known)
    words = upload_word.astype("string").fillna("")
    if "發票狀態" in raw.columns:
        words = (words + " / " + invoice_word.astype("string").fillna("")).str.strip(" /")
    _word_findings(words, ~known, raw.index, where, findings, column="狀態")
    for row in raw.index[~ok & raw["發票號碼"].notna().to_numpy()][:1000]:
        findings.append(Finding(
            "bad_invoice_number",
            f"發票號碼應為 2 個英文字母加 8 位數字（讀到「{show_found(raw.at[row, '發票號碼'])}」），這一列未納入檢核",
            where.with_row(int(row), "發票號碼"), Severity.WARNING))
    dates = parse_dates_fast(raw["發票日期"])[0].dt.date if "發票日期" in raw.columns else blank
    uploads = parse_dates_fast(raw["上傳日期"])[0] if "上傳日期" in raw.columns else blank
    frame = pd.DataFrame({
        "發票號碼": numbers,
        "狀態": state,
        "發票日期": dates,
        "上傳日期": uploads,
        "原始狀態": words.where(words != "", None),
        "說明": raw["說明"] if "說明" in raw.columns else None,
        "來源": path.name + " 第 " + pd.Series(raw.index, index=raw.index).astype(str) + " 列",
    }).reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), None)
    counts = {**count_states(frame), "無法辨識": int((~known).sum()) if n else 0}
    return StatusImport(frame, path.name, findings, counts)


def _word_findings(words: pd.Series, bad: npt.NDArray[np.bool_], index: pd.Index, where: Location,
                   findings: list[Finding], *, column: str) -> None:
    """One finding per unknown status word (with how many rows and the first row), not one per row."""
    if not bad.any():
        return
    import pandas as pd

    bad_words = pd.Series(words.to_numpy()[bad], index=index[bad])
    for word, rows in bad_words.groupby(bad_words, sort=False).groups.items():
        first = int(min(rows))
        more = f"，共 {len(rows):,} 列" if len(rows) > 1 else ""
        findings.append(Finding(
            "unknown_platform_status",
            f"平台狀態「{show_found(word)}」無法辨識{more}，這些列未納入檢核；"
            "可用的狀態：已上傳、已確認、成功、C、G、失敗、錯誤、E、作廢、處理中、P",
            where.with_row(first, column), Severity.ERROR))


# --------------------------------------------------------------------------- entry points


def read_status_path(path: Path) -> StatusImport:
    """A status file, a TURNKEY_MESSAGE_LOG export, a SummaryResult/ProcessResult file, or a folder of them.

    A folder: every status file in it and the Turnkey results under it, one snapshot
    (``sources.status_merge.read_folder``).
    """
    if not path.exists():
        raise InputError("找不到檔案或資料夾", where=Location(file=str(path)))
    if path.is_dir():
        from .status_merge import read_folder

        return read_folder(path)
    suffix = path.suffix.lower()
    if suffix in (".xml", ".summaryresult", ".processresult"):
        return _read_results_file(path)
    if _is_message_log(path):
        from .turnkey_log import read_message_log

        return read_message_log(path)
    return _read_status_file(path)


def combine(imports: Sequence[StatusImport]) -> StatusImport:
    """Several sources into one snapshot, in the order given; the later status of an invoice wins.

    See ``sources.status_merge``.
    """
    from .status_merge import merge

    return merge(imports)


def fetch_status(
    provider: Provider,
    begin: datetime.date,
    end: datetime.date,
    *,
    progress: Callable[[str, int | None, int | None], None] | None = None,
) -> StatusImport:
    """Every invoice dated ``begin``..``end`` from a provider (pages fetched as needed)."""
    records: list[StatusRecord] = []
    for n, record in enumerate(provider.fetch_status(begin, end), 1):
        records.append(record)
        if progress is not None and n % 1000 == 0:
            progress("下載平台發票狀況", n, None)
    source = f"{provider.label}（{provider.name}）{begin:%Y/%m/%d} ~ {end:%Y/%m/%d}"
    frame = records_frame(records, source=source)
    findings = [Finding("provider_note", w, Location(file=provider.label), Severity.INFO) for w in provider.warnings]
    return StatusImport(frame, source, findings, count_states(frame))


# --------------------------------------------------------------------------- sheet → step input


def platform_input(raw: pd.DataFrame, where: Location) -> tuple[pd.DataFrame, list[Finding]]:
    """The 平台狀況 rows → ``steps.upload_check`` platform frame (``key, state, date, time, detail, row``).

    狀態 is read as written (the PlatformState words) or, when blank or another word, as the
    status words of any source; 原始狀態 is tried when 狀態 says nothing. Rows with unusable
    numbers or unknown states are left out with a finding (one per distinct word).
    """
    import numpy as np
    import pandas as pd

    from ..domain.invoice_number import keys_from_strings
    from .register import parse_dates_fast

    findings: list[Finding] = []
    n = len(raw)
    none = pd.Series([None] * n, index=raw.index, dtype="object")

    def col(name: str) -> pd.Series:
        return raw[name] if name in raw.columns else none

    keys, ok = keys_from_strings(col("發票號碼").astype("object").where(col("發票號碼").notna(), None))
    state, known = states_of_words(col("狀態"))
    alt, alt_known = states_of_words(col("原始狀態"))
    use_alt = ~known | (state.isna().to_numpy() & alt.notna().to_numpy())
    state = state.where(~pd.Series(use_alt, index=raw.index), alt)
    known = np.where(use_alt, alt_known | (known & ~alt.notna().to_numpy()), known)
    words = col("狀態").astype("string").fillna("")
    words = words.where(words.str.strip() != "", col("原始狀態").astype("string").fillna(""))
    _word_findings(words, ~known, raw.index, where, findings, column="狀態")
    bad_number = ~ok & col("發票號碼").notna().to_numpy()
    for row in raw.index[bad_number][:1000]:
        findings.append(Finding(
            "bad_invoice_number",
            f"發票號碼應為 2 個英文字母加 8 位數字（讀到「{show_found(raw.at[row, '發票號碼'])}」），這一列未納入檢核",
            where.with_row(int(row), "發票號碼"), Severity.WARNING))
    code = state.map({s.value: c for s, c in _STATE_CODE.items()}).fillna(-1).to_numpy(dtype=np.int8)
    dates, _ = parse_dates_fast(col("發票日期"))
    times, _ = parse_dates_fast(col("上傳日期"))
    detail = col("原始狀態").astype("string").str.strip().fillna("")
    message = col("說明").astype("string").str.strip().fillna("")
    detail = (detail.where(message == "", detail + "：" + message)).str.strip("：")
    keep = ok & (code >= 0)
    frame = pd.DataFrame({
        "key": keys[keep],
        "state": code[keep],
        "date": dates.dt.normalize().to_numpy(dtype="datetime64[ns]")[keep],
        "time": times.to_numpy(dtype="datetime64[ns]")[keep],
        "detail": pd.array(detail.to_numpy(dtype=object)[keep], dtype="string"),
        "row": raw.index.to_numpy(dtype=np.int64)[keep],
    })
    return frame, findings
