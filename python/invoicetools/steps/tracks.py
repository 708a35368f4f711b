"""配號 (step 1): track allocations in, booklets of 50 handed to 帳別 × 機台 out — pure functions.

Four parts, each tables in → tables + findings out, no I/O:

* :func:`parse_track_rows` turns rows of any allocation source (MOF file, E0501, a provider,
  the 字軌配號 sheet itself) into the 字軌配號 form: 起號/迄號 as 8-digit text, 發票類別代號
  ``"07"``/``"08"``, 發票期別 as the MOF label, 申報年月 as the period code, 組數 — with a
  finding (file or sheet, row, column) for every value that cannot be used.
* :func:`merge_import` checks the parsed rows (company UBN, the period asked for, duplicate
  and overlapping ranges within the import and against what is already imported) and
  replaces the rows of each 營業人統編 × 申報年月 the import covers, keeping every other row:
  importing the same data twice changes nothing; a changed file reports what changed.
* :func:`allocate` hands each machine of 機台配號設定 exactly its 組數 of booklets:
  deterministic, never one booklet twice, contiguous where possible, all or nothing.
* :func:`owner_of_ranges` and :func:`branch_plans` answer the later steps: which parts of
  the allocation belong to this system, and what goes into an E0401 for each branch.

Numbers are int64 keys (``track_code * 10**8 + digits``) as everywhere; booklets are the
keys of their first numbers.

>>> import pandas as pd
>>> raw = pd.DataFrame({"營業人統編": ["53212539"], "發票類別代號": ["7"], "發票類別": ["一般稅額計算"],
...     "發票期別": ["114/01~114/02"], "發票字軌名稱": ["ka"], "發票起號": ["12340000"], "發票迄號": ["12340149"]},
...     index=[2])
>>> rows, findings = parse_track_rows(raw, Location(file="invnoapply.csv"), source="invnoapply.csv")
>>> rows.loc[2, ["發票類別代號", "發票期別", "發票字軌名稱", "申報年月", "組數"]].tolist(), findings
(['07', '114/01 ~ 114/02', 'KA', '11402', 3], [])
>>> machines = pd.DataFrame({"帳別": ["A", "A"], "機台號": ["001", "002"], "組數": [2, 1]}, index=[5, 6])
>>> result = allocate(rows, machines, period="11402")
>>> result.rows[["機台號", "發票字軌", "起號", "迄號", "組數"]].values.tolist()
[['001', 'KA', '12340000', '12340099', 2], ['002', 'KA', '12340100', '12340149', 1]]
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..domain import periods, ubn
from ..domain._text import to_ascii
from ..domain.errors import Finding, Location, Severity, ValidationError, show_found
from ..domain.invoice_number import KEY_BASE, track_code, track_from_code
from ..domain.ranges import BOOKLET, merge, split_booklets

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ALLOCATION_HEADERS",
    "MACHINE_HEADERS",
    "OWNER_OTHER",
    "OWNER_SELF",
    "TRACK_HEADERS",
    "TYPE_NAMES",
    "AllocationResult",
    "BranchPlan",
    "MachineRequest",
    "TrackImport",
    "allocate",
    "assign_booklets",
    "branch_plans",
    "is_own",
    "machine_requests",
    "merge_allocation",
    "merge_import",
    "owner_of_ranges",
    "parse_track_rows",
    "period_filter",
]

Int64s = npt.NDArray[np.int64]

OWNER_SELF = "本系統"
OWNER_OTHER = "其他系統"
TYPE_NAMES = {"07": "一般稅額計算", "08": "特種稅額計算"}

# 字軌配號 (tblTracks) — the MOF file's columns first, then ours.
BAN, TYPE, TYPE_NAME, LABEL, TRACK, BEGIN, END, MACHINE_NO = (
    "營業人統編", "發票類別代號", "發票類別", "發票期別", "發票字軌名稱", "發票起號", "發票迄號", "機台號碼")
PERIOD, BOOKLETS, OWNER, SOURCE, IMPORTED = "申報年月", "組數", "擁有者", "來源", "匯入時間"
TRACK_HEADERS = (BAN, TYPE, TYPE_NAME, LABEL, TRACK, BEGIN, END, MACHINE_NO, PERIOD, BOOKLETS, OWNER, SOURCE,
                 IMPORTED)

# 機台配號設定 (tblMachines)
M_ACCOUNT, M_MACHINE, M_COUNT, M_KIND, M_SCOPE, M_PERIOD, M_TRACK, M_BRANCH = (
    "帳別", "機台號", "組數", "傳輸類別", "交換範圍", "所屬年月", "發票字軌", "分支機構統編")
MACHINE_HEADERS = (M_ACCOUNT, M_MACHINE, M_COUNT, M_KIND, M_SCOPE, M_PERIOD, M_TRACK, M_BRANCH)

# 配號設定 (tblAllocation) — the columns this step writes.
A_ACCOUNT, A_MACHINE, A_TRACK, A_BEGIN, A_END, A_COUNT, A_PERIOD, A_TYPE, A_BAN, A_KIND, A_SCOPE = (
    "帳別", "機台號", "發票字軌", "起號", "迄號", "組數", "申報年月", "發票類別代號", "營業人統編", "傳輸類別", "交換範圍")
ALLOCATION_HEADERS = (A_ACCOUNT, A_MACHINE, A_TRACK, A_BEGIN, A_END, A_COUNT, A_PERIOD, A_TYPE, A_BAN, A_KIND,
                      A_SCOPE)

# internal columns of parsed rows
_WHERE, _BEGIN, _END = "_where", "_begin", "_end"

_TRACK_RE = re.compile(r"^[A-Z]{2}$")
_DIGITS_RE = re.compile(r"^\d{1,8}$")
_FULL_RE = re.compile(r"^([A-Z]{2})(\d{8})$")
_TYPES = {"7": "07", "07": "07", "8": "08", "08": "08"}
_BAD_TYPE = "發票類別代號應為 07（一般稅額）或 08（特種稅額）"
_ALIGN = "不是整本：50 張一本，起號尾數應為 00 或 50、迄號尾數應為 49 或 99"


# ------------------------------------------------------------------------------------------------
# small helpers
# ------------------------------------------------------------------------------------------------


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover
        pass
    return isinstance(value, str) and value.strip() == ""


def _text_column(frame: pd.DataFrame, column: str, *, ident: bool) -> list[str | None]:
    """A column as stripped text (``None`` for blank); identifiers also lose full-width forms and ``.0``."""
    if column not in frame.columns:
        return [None] * len(frame)
    out: list[str | None] = []
    for value in frame[column].tolist():
        if _blank(value):
            out.append(None)
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if ident:
            text = to_ascii(text)
            if text.endswith(".0") and text[:-2].isdigit():
                text = text[:-2]
        out.append(text or None)
    return out


def _shown(track: str, begin: int, end: int) -> str:
    return f"{track}{begin:08d}–{track}{end:08d}"


def _key_range(begin_key: int, end_key: int) -> str:
    track = track_from_code(begin_key // KEY_BASE)
    return _shown(track, begin_key % KEY_BASE, end_key % KEY_BASE)


def _row_of(where: Location) -> str:
    return str(where) or "（未知位置）"


def is_own(owner: object) -> bool | None:
    """Whether an 擁有者 value says the range is this system's: True, False, or None when blank.

    >>> is_own("本系統"), is_own(" 其他系統 "), is_own("綠界"), is_own(None)
    (True, False, False, None)
    """
    if _blank(owner):
        return None
    return str(owner).strip() == OWNER_SELF


# ------------------------------------------------------------------------------------------------
# parsing rows of any source
# ------------------------------------------------------------------------------------------------


def parse_track_rows(
    raw: pd.DataFrame, where: Location, *, source: str | None = None
) -> tuple[pd.DataFrame, list[Finding]]:
    """Rows of an allocation source → the 字軌配號 form, plus a finding for every unusable value.

    ``raw`` has the 字軌配号 headers (aliases already resolved), index = the row number shown
    to the accountant. The period may come as 發票期別 (any form ``domain.periods`` reads) or
    as 申報年月. ``source`` fills 來源 (else 來源 is kept from ``raw``). Rows with an error are
    left out of the result; the result keeps the row numbers and has three extra columns:
    ``_where`` (the row's Location), ``_begin`` and ``_end`` (int64 keys).
    """
    import pandas as pd

    n = len(raw)
    index = list(raw.index)
    bans = _text_column(raw, BAN, ident=True)
    types = _text_column(raw, TYPE, ident=True)
    type_names = _text_column(raw, TYPE_NAME, ident=False)
    labels = _text_column(raw, LABEL, ident=False)
    codes = _text_column(raw, PERIOD, ident=True)
    tracks = _text_column(raw, TRACK, ident=True)
    begins = _text_column(raw, BEGIN, ident=True)
    ends = _text_column(raw, END, ident=True)
    machines = _text_column(raw, MACHINE_NO, ident=True)
    owners = _text_column(raw, OWNER, ident=False)
    sources = [source] * n if source is not None else _text_column(raw, SOURCE, ident=False)
    imported: list[object] = raw[IMPORTED].tolist() if IMPORTED in raw.columns else [None] * n

    findings: list[Finding] = []
    ok = np.ones(n, dtype=bool)
    ubn_cache: dict[str, str | ValidationError] = {}
    period_cache: dict[str, periods.Period | ValidationError] = {}

    def bad(i: int, column: str, code: str, message: str) -> None:
        ok[i] = False
        findings.append(Finding(code, message, _where_of(where, index[i], column)))

    def parse_period(text: str) -> periods.Period | ValidationError:
        if text not in period_cache:
            try:
                period_cache[text] = periods.parse(text)
            except ValidationError as exc:
                period_cache[text] = exc
        return period_cache[text]

    out_ban: list[str | None] = [None] * n
    out_type: list[str | None] = [None] * n
    out_label: list[str | None] = [None] * n
    out_code: list[str | None] = [None] * n
    out_track: list[str | None] = [None] * n
    out_begin: list[str | None] = [None] * n
    out_end: list[str | None] = [None] * n
    begin_keys = np.full(n, -1, dtype=np.int64)
    end_keys = np.full(n, -1, dtype=np.int64)

    for i in range(n):
        # 營業人統編
        b = bans[i]
        if b is None:
            bad(i, BAN, "track_ubn", "缺少營業人統編")
        else:
            if b not in ubn_cache:
                try:
                    ubn_cache[b] = ubn.validate(b)
                except ValidationError as exc:
                    ubn_cache[b] = exc
            got = ubn_cache[b]
            if isinstance(got, ValidationError):
                bad(i, BAN, "track_ubn", f"營業人統編：{got.message}（讀到「{show_found(b)}」）")
            else:
                out_ban[i] = got
        # 發票類別代號
        t = types[i]
        if t is None or t not in _TYPES:
            bad(i, TYPE, "track_type", f"{_BAD_TYPE}（讀到「{show_found(t)}」）")
        else:
            out_type[i] = _TYPES[t]
        # 發票期別 / 申報年月
        label_text, code_text = labels[i], codes[i]
        if label_text is None and code_text is None:
            bad(i, LABEL, "track_period", "缺少發票期別（例如 114/01 ~ 114/02）")
        else:
            p_label = parse_period(label_text) if label_text is not None else None
            p_code = parse_period(code_text) if code_text is not None else None
            if isinstance(p_label, ValidationError):
                bad(i, LABEL, "track_period", f"發票期別：{p_label.message}（讀到「{show_found(label_text)}」）")
            elif isinstance(p_code, ValidationError):
                bad(i, PERIOD, "track_period", f"申報年月：{p_code.message}（讀到「{show_found(code_text)}」）")
            elif p_label is not None and p_code is not None and p_label != p_code:
                bad(i, PERIOD, "track_period",
                    f"發票期別 {p_label.label} 與申報年月 {p_code.code} 不一致")
            else:
                p = p_label or p_code
                assert isinstance(p, periods.Period)
                out_label[i], out_code[i] = p.label, p.code
        # 發票字軌名稱
        raw_track = tracks[i]
        tr = raw_track.upper() if raw_track is not None else None
        if tr is None or not _TRACK_RE.match(tr):
            bad(i, TRACK, "track_track", f"發票字軌名稱應為 2 個英文字母（讀到「{show_found(tracks[i])}」）")
            tr = None
        else:
            out_track[i] = tr
        # 發票起號 / 發票迄號
        numbers: list[int | None] = []
        for column, values, out in ((BEGIN, begins, out_begin), (END, ends, out_end)):
            text = values[i]
            number: int | None = None
            if text is not None:
                up = text.upper()
                full = _FULL_RE.match(up)
                if _DIGITS_RE.match(up):
                    number = int(up)
                elif full and (tr is None or full.group(1) == tr):
                    number = int(full.group(2))
            if number is None:
                bad(i, column, "track_number", f"{column}應為 8 位數字（讀到「{show_found(text)}」）")
            else:
                out[i] = f"{number:08d}"
            numbers.append(number)
        lo, hi = numbers
        if lo is not None and hi is not None:
            if lo > hi:
                bad(i, END, "track_order", f"起號大於迄號：{_shown(tr or '', lo, hi)}")
            elif lo % BOOKLET or (hi + 1) % BOOKLET:
                bad(i, BEGIN if lo % BOOKLET else END, "track_alignment", f"{_shown(tr or '', lo, hi)} {_ALIGN}")
            elif tr is not None:
                code = track_code(tr) * KEY_BASE
                begin_keys[i], end_keys[i] = code + lo, code + hi

    rows = pd.DataFrame(
        {
            BAN: out_ban,
            TYPE: out_type,
            TYPE_NAME: [nm if nm is not None else TYPE_NAMES.get(tp or "") for nm, tp in
                        zip(type_names, out_type, strict=True)],
            LABEL: out_label,
            TRACK: out_track,
            BEGIN: out_begin,
            END: out_end,
            MACHINE_NO: machines,
            PERIOD: out_code,
            BOOKLETS: pd.Series([int((e - b + 1) // BOOKLET) if b >= 0 else None for b, e in
                                 zip(begin_keys.tolist(), end_keys.tolist(), strict=True)],
                                dtype=object, index=raw.index),
            OWNER: owners,
            SOURCE: sources,
            IMPORTED: [None if _blank(v) else v for v in imported],
            _WHERE: [_where_of(where, r, None) for r in index],
            _BEGIN: begin_keys,
            _END: end_keys,
        },
        index=raw.index,
    )
    return rows[ok].copy(), findings


def _where_of(where: Location, row: object, column: str | None) -> Location:
    number: int | None
    try:
        number = int(row)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = None
    return Location(where.file, where.sheet, number, column)


# ------------------------------------------------------------------------------------------------
# importing: checks and the merge into 字軌配號
# ------------------------------------------------------------------------------------------------


def period_filter(period: object, *, all_year: bool) -> tuple[frozenset[str] | None, str]:
    """The period codes an import or fetch wants, and how to name them in messages.

    >>> period_filter("11404", all_year=False)
    (frozenset({'11404'}), '114/03 ~ 114/04')
    >>> sorted(period_filter("11404", all_year=True)[0]), period_filter(None, all_year=True)[1]
    (['11402', '11404', '11406', '11408', '11410', '11412'], '不限期別')
    """
    if period is None or (isinstance(period, str) and not period.strip()):
        return None, "不限期別"
    p = periods.parse(period)
    if all_year:
        return frozenset(periods.Period(p.roc_year, m).code for m in range(2, 13, 2)), f"民國 {p.roc_year} 年全年"
    return frozenset({p.code}), p.label


@dataclass
class TrackImport:
    """What an import did (or would do): the new 字軌配號 table, what changed, the findings."""

    table: pd.DataFrame | None  # None when there are errors: nothing may be written
    findings: list[Finding] = field(default_factory=list)
    rows_read: int = 0
    imported: int = 0  # ranges now in the covered periods
    added: int = 0
    removed: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped_periods: int = 0
    duplicates: int = 0
    periods: list[str] = field(default_factory=list)  # period codes covered
    booklets: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]


def _combined_keys(frame: pd.DataFrame, which: str) -> Int64s:
    """Key including the period, so that ranges of different periods never meet."""
    period_num = frame[PERIOD].astype("int64").to_numpy(dtype=np.int64)
    return np.asarray(period_num * (1000 * KEY_BASE) + frame[which].to_numpy(dtype=np.int64), dtype=np.int64)


def _overlaps_between(
    a_begin: Int64s, a_end: Int64s, b_begin: Int64s, b_end: Int64s
) -> list[tuple[int, int]]:
    """Pairs (i, j): range i of A overlaps range j of B (B sorted by begin and not overlapping itself)."""
    if a_begin.size == 0 or b_begin.size == 0:
        return []
    order = np.argsort(b_begin, kind="stable")
    sb, se = b_begin[order], b_end[order]
    reach = np.maximum.accumulate(se)
    pairs: list[tuple[int, int]] = []
    # candidates: B ranges starting at or before A's end whose reach gets to A's begin
    last = np.searchsorted(sb, a_end, side="right")
    for i in range(a_begin.size):
        k = int(last[i])
        if k == 0 or reach[k - 1] < a_begin[i]:
            continue
        hits = np.flatnonzero(se[:k] >= a_begin[i])
        pairs.extend((i, int(order[h])) for h in hits)
    return pairs


def merge_import(
    existing: pd.DataFrame,
    incoming: pd.DataFrame,
    *,
    now: datetime.datetime,
    company_ubn: str | None = None,
    wanted: Collection[str] | None = None,
    wanted_label: str = "",
    sheet: Location | None = None,
    rows_read: int | None = None,
) -> TrackImport:
    """Check parsed rows (:func:`parse_track_rows`) and merge them into the 字軌配號 table.

    ``existing`` is the sheet's table as read (any row that cannot be parsed is kept as it
    is, with a warning); ``wanted`` the period codes asked for (``None``: any). Rows of other
    periods are skipped (one note per source and period). Errors — another company's UBN,
    duplicate or overlapping ranges within the import, ranges overlapping rows of other
    companies already imported — leave ``table`` None: nothing may be written.

    Each 營業人統編 × 申報年月 present in the import replaces the rows the sheet has for it.
    A range already there (same UBN, type, period, track, numbers and 機台號碼) keeps its row
    as it is (擁有者, 來源, 匯入時間); a blank 擁有者 takes the value the accountant typed on
    an old range that contains it. Changes are reported when rows were replaced.
    """
    import pandas as pd

    sheet = sheet or Location(sheet="字軌配號")
    result = TrackImport(table=None, rows_read=len(incoming) if rows_read is None else rows_read)
    findings = result.findings
    inc = incoming.copy()

    # --- the period asked for
    if wanted is not None and len(inc):
        other = ~inc[PERIOD].isin(list(wanted))
        if other.any():
            result.skipped_periods = int(other.sum())
            skipped = inc[other]
            for (_src, code), group in skipped.groupby([SOURCE, PERIOD], sort=True, dropna=False):
                first: Location = group[_WHERE].iloc[0]
                label = periods.parse(str(code)).label
                findings.append(Finding(
                    "track_other_period",
                    f"略過 {label} 的 {len(group)} 個區間：不是要匯入的期別（{wanted_label}）",
                    Location(first.file, first.sheet), Severity.INFO))
            if other.all():
                found = "、".join(sorted({periods.parse(str(c)).label for c in inc[PERIOD]}))
                files = sorted({str(w.file or w.sheet or "") for w in inc[_WHERE]})
                findings.append(Finding(
                    "track_no_period",
                    f"沒有要匯入的期別（{wanted_label}）的配號；讀到的期別：{found}。"
                    "請確認[配號設定]的申報年月與下載全年資料，或選擇正確的檔案",
                    Location(file="、".join(files) or None)))
            inc = inc[~other]

    # --- the company's UBN
    if company_ubn and len(inc):
        foreign = inc[BAN] != company_ubn
        for row in inc.index[foreign.to_numpy()]:
            w: Location = inc.at[row, _WHERE]
            findings.append(Finding(
                "track_other_company",
                f"營業人統編 {inc.at[row, BAN]} 不是[設定]的統一編號 {company_ubn}：這可能是別家公司的配號檔",
                Location(w.file, w.sheet, w.row, BAN)))

    # --- exact duplicates and overlaps within the import
    if len(inc):
        identity = [BAN, TYPE, PERIOD, TRACK, BEGIN, END]
        dup = inc.duplicated(subset=identity, keep="first")
        if dup.any():
            firsts = inc.drop_duplicates(subset=identity, keep="first").set_index(identity)[_WHERE]
            for row in inc.index[dup.to_numpy()]:
                w = inc.at[row, _WHERE]
                original: Location = firsts.loc[tuple(inc.loc[row, identity])]
                same_file = original.file == w.file and original.sheet == w.sheet
                if same_file:
                    findings.append(Finding(
                        "track_duplicate",
                        f"{_key_range(int(inc.at[row, _BEGIN]), int(inc.at[row, _END]))} 與第 {original.row} 列重複，只匯入一次",
                        w, Severity.WARNING))
            result.duplicates = int(dup.sum())
            inc = inc[~dup.to_numpy()]
        kb, ke = _combined_keys(inc, _BEGIN), _combined_keys(inc, _END)
        positions = list(inc.index)
        for i, j in _pairs_within(kb, ke):
            wi: Location = inc.at[positions[i], _WHERE]
            wj: Location = inc.at[positions[j], _WHERE]
            later, earlier = (wj, wi) if j > i else (wi, wj)
            findings.append(Finding(
                "track_overlap",
                f"{_key_range(int(inc.at[positions[j], _BEGIN]), int(inc.at[positions[j], _END]))} 與 "
                f"{_row_of(earlier)} 的 {_key_range(int(inc.at[positions[i], _BEGIN]), int(inc.at[positions[i], _END]))} 重疊",
                later))

    # --- what is already imported
    old, old_findings = parse_track_rows(existing, sheet) if len(existing) else (
        pd.DataFrame(columns=[*TRACK_HEADERS, _WHERE, _BEGIN, _END]), [])
    unreadable = existing.index.difference(old.index)
    for row in unreadable:
        reasons = "；".join(f.message for f in old_findings if f.where.row == row)
        findings.append(Finding("track_sheet_row", f"這一列無法辨識，保留原樣：{reasons}",
                                Location(sheet.file, sheet.sheet, int(row)), Severity.WARNING))
    scope = set(zip(inc[BAN], inc[PERIOD], strict=True))
    old_scope = np.array([(b, p) in scope for b, p in zip(old[BAN], old[PERIOD], strict=True)], dtype=bool)
    kept, replaced = old[~old_scope], old[old_scope]
    if len(inc) and len(kept):
        for i, j in _overlaps_between(_combined_keys(inc, _BEGIN), _combined_keys(inc, _END),
                                      _combined_keys(kept, _BEGIN), _combined_keys(kept, _END)):
            w = inc.iloc[i][_WHERE]
            other_row = kept.iloc[j]
            findings.append(Finding(
                "track_overlap_existing",
                f"{_key_range(int(inc.iloc[i][_BEGIN]), int(inc.iloc[i][_END]))} 與[字軌配號]第 {other_row.name} 列"
                f"（營業人統編 {other_row[BAN]}）已匯入的 {_key_range(int(other_row[_BEGIN]), int(other_row[_END]))} 重疊",
                w))

    if result.errors or len(inc) == 0:
        return result

    # --- new rows: unchanged ranges keep their old row; owners carry over
    full_identity = (BAN, TYPE, PERIOD, TRACK, BEGIN, END)
    old_records = replaced.to_dict("records")
    sheet_records = existing.loc[replaced.index].to_dict("records")
    old_by_id: dict[tuple[Any, ...], int] = {}
    owned: dict[tuple[Any, ...], list[tuple[int, int, str]]] = {}
    for i, old_rec in enumerate(old_records):
        old_by_id.setdefault(tuple(old_rec[c] for c in full_identity), i)
        if not _blank(old_rec[OWNER]):
            owned.setdefault((old_rec[BAN], old_rec[PERIOD], old_rec[TRACK]), []).append(
                (int(old_rec[_BEGIN]), int(old_rec[_END]), str(old_rec[OWNER]).strip()))
    stamp = now.replace(microsecond=0)
    new_rows: list[dict[str, Any]] = []
    for rec in inc.to_dict("records"):
        i_old = old_by_id.get(tuple(rec[c] for c in full_identity))
        if i_old is not None:
            before = old_records[i_old]
            if _same(before[MACHINE_NO], rec[MACHINE_NO]) and (_blank(rec[OWNER]) or _same(before[OWNER], rec[OWNER])):
                keep = {h: sheet_records[i_old].get(h) for h in TRACK_HEADERS}
                # the normal form of the identifying columns (the sheet may hold them as numbers …)
                keep.update({h: before[h] for h in (*full_identity, LABEL, BOOKLETS)})
                keep.update({_BEGIN: rec[_BEGIN], _END: rec[_END]})
                new_rows.append(keep)
                continue
        values = {h: rec[h] for h in TRACK_HEADERS}
        values[IMPORTED] = stamp
        if _blank(values[OWNER]):
            values[OWNER] = next(
                (o for b, e, o in owned.get((rec[BAN], rec[PERIOD], rec[TRACK]), ())
                 if b <= rec[_BEGIN] and rec[_END] <= e), None)
        values.update({_BEGIN: rec[_BEGIN], _END: rec[_END]})
        new_rows.append(values)
    new = pd.DataFrame(new_rows, columns=[*TRACK_HEADERS, _BEGIN, _END])

    # --- changes against the replaced rows
    if len(replaced):
        _report_changes(result, replaced, new, inc)
    else:
        result.added = len(new)
    result.unchanged = len(new) - result.added - result.changed

    kept_rows = existing.loc[kept.index].reindex(columns=list(TRACK_HEADERS))
    kept_rows = kept_rows.assign(**{_BEGIN: kept[_BEGIN], _END: kept[_END]})
    bad_rows = existing.loc[unreadable].reindex(columns=list(TRACK_HEADERS)).assign(
        **{_BEGIN: np.int64(-1), _END: np.int64(-1)})
    table = pd.concat([frame for frame in (kept_rows, new, bad_rows) if len(frame)], ignore_index=True)
    sort_period = table[PERIOD].astype("string").fillna("~")
    sort_ban = table[BAN].astype("string").fillna("~")
    table = table.assign(_p=sort_period, _b=sort_ban).sort_values(
        ["_p", "_b", _BEGIN], kind="stable").drop(columns=["_p", "_b", _BEGIN, _END])
    result.table = table.reset_index(drop=True).reindex(columns=list(TRACK_HEADERS))
    result.imported = len(new)
    result.booklets = int(sum(int(v) for v in new[BOOKLETS] if not _blank(v)))
    result.periods = sorted(set(inc[PERIOD]))
    return result


def _pairs_within(begins: Int64s, ends: Int64s) -> list[tuple[int, int]]:
    from ..domain.ranges import find_overlaps

    return find_overlaps(begins, ends)


def _same(a: object, b: object) -> bool:
    if _blank(a) and _blank(b):
        return True
    if _blank(a) or _blank(b):
        return False
    return str(a).strip() == str(b).strip()


def _show(value: object) -> str:
    return "（空白）" if _blank(value) else str(value)


def _report_changes(result: TrackImport, replaced: pd.DataFrame, new: pd.DataFrame, inc: pd.DataFrame) -> None:
    """Added / removed / changed ranges, keyed by 營業人統編 × 申報年月 × 字軌 × 起號."""
    key = (BAN, PERIOD, TRACK, BEGIN)
    old_map = {tuple(r[c] for c in key): r for r in replaced.to_dict("records")}
    new_where = {tuple(r[c] for c in key): r[_WHERE] for r in inc.to_dict("records")}
    seen: set[tuple[Any, ...]] = set()
    for rec in new.to_dict("records"):
        k = tuple(rec[c] for c in key)
        seen.add(k)
        where = new_where.get(k, Location())
        shown = _key_range(int(rec[_BEGIN]), int(rec[_END]))
        before = old_map.get(k)
        if before is None:
            result.added += 1
            result.findings.append(Finding("track_added", f"新增 {shown}（{rec[BOOKLETS]} 組）", where, Severity.INFO))
            continue
        diffs = []
        if before[END] != rec[END]:
            diffs.append(f"迄號 {before[END]} → {rec[END]}")
        if before[TYPE] != rec[TYPE]:
            diffs.append(f"發票類別代號 {before[TYPE]} → {rec[TYPE]}")
        if not _same(before[MACHINE_NO], rec[MACHINE_NO]):
            diffs.append(f"機台號碼 {_show(before[MACHINE_NO])} → {_show(rec[MACHINE_NO])}")
        if not _same(before[OWNER], rec[OWNER]):
            diffs.append(f"擁有者 {_show(before[OWNER])} → {_show(rec[OWNER])}")
        if diffs:
            result.changed += 1
            result.findings.append(Finding("track_changed", f"變更 {shown}：{'；'.join(diffs)}", where, Severity.INFO))
    for k, before in old_map.items():
        if k in seen:
            continue
        result.removed += 1
        where = before[_WHERE]
        result.findings.append(Finding(
            "track_removed", f"移除 {_key_range(int(before[_BEGIN]), int(before[_END]))}（新資料中已沒有這個區間）",
            Location(where.file, where.sheet, where.row), Severity.WARNING))


# ------------------------------------------------------------------------------------------------
# allocation: booklets → machines
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MachineRequest:
    """One machine of 機台配號設定 for one period: how many booklets, which track it prefers."""

    account: str
    machine: str
    count: int
    track: str | None = None
    kind: str | None = None  # 傳輸類別
    scope: str | None = None  # 交換範圍
    branch: str | None = None  # 分支機構統編
    where: Location = field(default_factory=Location)

    @property
    def name(self) -> str:
        return f"帳別 {self.account} 機台 {self.machine}"


def assign_booklets(
    keys: Int64s, counts: Sequence[int], preferred: Sequence[int | None], groups: Int64s | None = None
) -> tuple[list[list[tuple[int, int]]], list[int]]:
    """Hand out booklets (sorted, unique first-number keys) to requests, in three passes.

    1. requests with a preferred track (track code), in order: the first free run of that
       track long enough for all of its booklets;
    2. every request still open, in order: the first free run anywhere long enough;
    3. every request still open, in order: the lowest free booklets, its track's first.

    A *run* is a stretch of consecutive booklets (keys 50 apart) of one track and one
    ``groups`` value (e.g. UBN × invoice type). Runs are always taken from their start,
    so free booklets stay runs. Returns per request its segments ``(index, count)`` and the
    number of booklets it got (less than asked only when there are not enough in all).

    >>> keys = np.array([0, 50, 100, 150, 10**8, 10**8 + 50], dtype=np.int64)
    >>> assign_booklets(keys, [1, 2, 3], [None, 1, None])
    ([[(0, 1)], [(4, 2)], [(1, 3)]], [1, 2, 3])
    """
    n = int(keys.size)
    if n:
        tracks_all = keys // KEY_BASE
        step = np.diff(keys) != BOOKLET
        step |= np.diff(tracks_all) != 0
        if groups is not None:
            step |= np.diff(groups) != 0
        run_first = np.flatnonzero(np.r_[True, step]).astype(np.int64)
    else:
        run_first = np.empty(0, dtype=np.int64)
    run_len = np.diff(np.r_[run_first, n]).astype(np.int64)
    run_track = keys[run_first] // KEY_BASE if n else np.empty(0, dtype=np.int64)
    cursor = run_first.copy()
    left = run_len.copy()
    segments: list[list[tuple[int, int]]] = [[] for _ in counts]
    got = [0] * len(counts)
    done = [c <= 0 for c in counts]

    def take(i: int, r: int, k: int) -> None:
        segments[i].append((int(cursor[r]), k))
        cursor[r] += k
        left[r] -= k
        got[i] += k

    for i, (count, pref) in enumerate(zip(counts, preferred, strict=True)):
        if done[i] or pref is None:
            continue
        cand = np.flatnonzero((left >= count) & (run_track == pref))
        if cand.size:
            take(i, int(cand[0]), count)
            done[i] = True
    for i, count in enumerate(counts):
        if done[i]:
            continue
        cand = np.flatnonzero(left >= count)
        if cand.size:
            take(i, int(cand[0]), count)
            done[i] = True
    for i, (count, pref) in enumerate(zip(counts, preferred, strict=True)):
        if done[i]:
            continue
        free = np.flatnonzero(left > 0)
        if pref is not None:
            free = np.r_[free[run_track[free] == pref], free[run_track[free] != pref]]
        need = count
        for r in free.tolist():
            k = int(min(left[r], need))
            take(i, r, k)
            need -= k
            if need == 0:
                break
        done[i] = True
    return segments, got


def machine_requests(
    machines: pd.DataFrame,
    *,
    period: str,
    where: Location | None = None,
    reuse_counts: bool = False,
    previous: pd.DataFrame | None = None,
    account: str | None = None,
) -> tuple[list[MachineRequest], list[Finding]]:
    """The machines of 機台配號設定 that apply to ``period``, in table order, with their 組數.

    A row whose 所屬年月 is set applies to that period only and takes the place of a row of
    the same 帳別 × 機台號 with a blank 所屬年月. With ``reuse_counts`` (按當期數量配號) a
    machine's 組數 is what it got in the previous period's rows of ``previous`` (配號設定),
    when it had any. ``account`` keeps only that 帳別's machines.
    """
    where = where or Location(sheet="機台配號設定")
    p = periods.parse(period)
    findings: list[Finding] = []
    accounts = _text_column(machines, M_ACCOUNT, ident=True)
    names = _text_column(machines, M_MACHINE, ident=True)
    counts = machines[M_COUNT].tolist() if M_COUNT in machines.columns else [None] * len(machines)
    kinds = _text_column(machines, M_KIND, ident=False)
    scopes = _text_column(machines, M_SCOPE, ident=False)
    when = _text_column(machines, M_PERIOD, ident=True)
    prefs = _text_column(machines, M_TRACK, ident=True)
    branches = _text_column(machines, M_BRANCH, ident=True)
    rows = list(machines.index)

    used_before: dict[tuple[str, str], int] = {}
    if reuse_counts and previous is not None and len(previous):
        prev_code = p.previous().code
        pa = _text_column(previous, A_ACCOUNT, ident=True)
        pm = _text_column(previous, A_MACHINE, ident=True)
        pp = _text_column(previous, A_PERIOD, ident=True)
        pc = previous[A_COUNT].tolist() if A_COUNT in previous.columns else [None] * len(previous)
        for a, m, ym, c in zip(pa, pm, pp, pc, strict=True):
            if ym == prev_code and a and m and not _blank(c):
                used_before[(a, m)] = used_before.get((a, m), 0) + int(float(str(c)))
        if not used_before:
            findings.append(Finding(
                "alloc_reuse_none",
                f"[配號設定]沒有上期（{p.previous().label}）的配號結果，按當期數量配號改用[機台配號設定]的組數",
                Location(where.file, "配號設定"), Severity.WARNING))

    candidates: dict[tuple[str, str], tuple[int, bool]] = {}  # key → (position, specific)
    order: list[tuple[str, str]] = []
    for i, row in enumerate(rows):
        a, m = accounts[i], names[i]
        if account is not None and a is not None and a != account:
            continue
        if a is None or m is None:
            if a is None and m is None and _blank(counts[i]):
                continue
            for column, value in ((M_ACCOUNT, a), (M_MACHINE, m)):
                if value is None:
                    findings.append(Finding("alloc_machine_missing", f"缺少{column}", _where_of(where, row, column)))
            continue
        specific = False
        if when[i] is not None:
            try:
                applies = periods.parse(when[i]).code
            except ValidationError as exc:
                findings.append(Finding("alloc_machine_period", f"所屬年月：{exc.message}（讀到「{show_found(when[i])}」）",
                                        _where_of(where, row, M_PERIOD)))
                continue
            if applies != p.code:
                continue
            specific = True
        key = (a, m)
        if key in candidates:
            prev_pos, prev_specific = candidates[key]
            if prev_specific == specific:
                findings.append(Finding(
                    "alloc_machine_duplicate",
                    f"帳別 {a} 機台 {m} 重複（與第 {rows[prev_pos]} 列）" + (f"，所屬年月都是 {p.code}" if specific else ""),
                    _where_of(where, row, M_MACHINE)))
                continue
            if prev_specific:
                continue  # the row for this period wins over the every-period row
        else:
            order.append(key)
        candidates[key] = (i, specific)

    requests: list[MachineRequest] = []
    for key in order:
        i, _specific = candidates[key]
        row = rows[i]
        a, m = key
        raw_count = counts[i]
        count: int | None = None
        if reuse_counts and key in used_before:
            count = used_before[key]
        elif not _blank(raw_count):
            try:
                number = float(str(raw_count).replace(",", ""))
            except ValueError:
                number = float("nan")
            if number == number and number.is_integer() and number >= 0:
                count = int(number)
            else:
                findings.append(Finding("alloc_machine_count",
                                        f"組數應為 0 以上的整數（每組 50 張）（讀到「{show_found(raw_count)}」）",
                                        _where_of(where, row, M_COUNT)))
                continue
        if count is None:
            findings.append(Finding("alloc_machine_count", "缺少組數（每組 50 張）", _where_of(where, row, M_COUNT)))
            continue
        raw_pref = prefs[i]
        pref = raw_pref.upper() if raw_pref else None
        if pref is not None and not _TRACK_RE.match(pref):
            findings.append(Finding("alloc_machine_track", f"發票字軌應為 2 個英文字母（讀到「{show_found(prefs[i])}」）",
                                    _where_of(where, row, M_TRACK)))
            continue
        branch = branches[i]
        if branch is not None:
            try:
                branch = ubn.validate(branch)
            except ValidationError as exc:
                findings.append(Finding("alloc_machine_branch", f"分支機構統編：{exc.message}（讀到「{show_found(branch)}」）",
                                        _where_of(where, row, M_BRANCH)))
                continue
        requests.append(MachineRequest(a, m, count, pref, kinds[i], scopes[i], branch, _where_of(where, row, None)))
    return requests, findings


@dataclass
class AllocationResult:
    """The rows of one period's allocation (配號設定 columns), the findings, the counts."""

    rows: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    machines: int = 0
    needed: int = 0  # booklets asked for
    available: int = 0  # free booklets of the period
    missing: int = 0  # needed − available when short
    written: bool = False  # False when nothing may be written (errors or too few booklets)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]


def _empty_allocation() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=list(ALLOCATION_HEADERS))


def _own_booklets(
    tracks: pd.DataFrame, period: str, company_ubn: str | None, where: Location
) -> tuple[Int64s, list[str], list[str], list[Finding], int]:
    """The period's own booklets (sorted keys) with their UBN and invoice type; findings; other-owner count."""
    parsed, bad = parse_track_rows(tracks, where)
    findings = [Finding(f.code, f"[字軌配號] {f.message}", f.where, Severity.WARNING) for f in bad]
    parsed = parsed[parsed[PERIOD] == period]
    if company_ubn:
        parsed = parsed[parsed[BAN] == company_ubn]
    own = np.array([is_own(o) is not False for o in parsed[OWNER]], dtype=bool)
    others = int(parsed.loc[~own, BOOKLETS].sum()) if (~own).any() else 0
    parsed = parsed[own]
    if not len(parsed):
        return np.empty(0, np.int64), [], [], findings, others
    starts, _ = split_booklets(parsed[_BEGIN].to_numpy(np.int64), parsed[_END].to_numpy(np.int64))
    sizes = ((parsed[_END] - parsed[_BEGIN] + 1) // BOOKLET).to_numpy(np.int64)
    owner_row = np.repeat(np.arange(len(parsed)), sizes)
    order = np.argsort(starts, kind="stable")
    starts, owner_row = starts[order], owner_row[order]
    uniq = np.r_[True, np.diff(starts) != 0] if starts.size else np.empty(0, bool)
    starts, owner_row = starts[uniq], owner_row[uniq]
    bans = parsed[BAN].to_numpy(dtype=object)[owner_row].tolist()
    types = parsed[TYPE].to_numpy(dtype=object)[owner_row].tolist()
    return starts.astype(np.int64), bans, types, findings, others


def _range_keys(frame: pd.DataFrame, track_col: str, begin_col: str, end_col: str) -> tuple[Int64s, Int64s, npt.NDArray[np.bool_]]:
    tracks = _text_column(frame, track_col, ident=True)
    begins = _text_column(frame, begin_col, ident=True)
    ends = _text_column(frame, end_col, ident=True)
    n = len(frame)
    b = np.full(n, -1, np.int64)
    e = np.full(n, -1, np.int64)
    ok = np.zeros(n, bool)
    for i in range(n):
        t, lo, hi = tracks[i], begins[i], ends[i]
        if t and lo and hi and _TRACK_RE.match(t.upper()) and _DIGITS_RE.match(lo) and _DIGITS_RE.match(hi):
            code = track_code(t.upper()) * KEY_BASE
            b[i], e[i] = code + int(lo), code + int(hi)
            ok[i] = b[i] <= e[i]
    return b, e, ok


def allocate(
    tracks: pd.DataFrame,
    machines: pd.DataFrame,
    *,
    period: str,
    company_ubn: str | None = None,
    account: str | None = None,
    reuse_counts: bool = False,
    previous: pd.DataFrame | None = None,
    tracks_where: Location | None = None,
    machines_where: Location | None = None,
) -> AllocationResult:
    """Assign the period's own booklets to the machines: all or nothing.

    Booklets: the rows of 字軌配號 for ``period`` (and ``company_ubn`` when given) whose
    擁有者 is blank or 本系統, sorted by track then number. When ``account`` is given only
    that 帳別's machines are allocated and the booklets other 帳別 hold in ``previous``
    (配號設定) for the period stay theirs. The result has one row per machine range, in
    machine order; ``written`` is False (and ``rows`` empty) when there are errors or too
    few booklets — then a finding says how many are missing and for which machines.
    """
    import pandas as pd

    tracks_where = tracks_where or Location(sheet="字軌配號")
    machines_where = machines_where or Location(sheet="機台配號設定")
    p = periods.parse(period)
    result = AllocationResult(_empty_allocation())
    keys, bans, types, track_findings, others = _own_booklets(tracks, p.code, company_ubn, tracks_where)
    result.findings += track_findings
    if others:
        result.findings.append(Finding(
            "alloc_other_owner", f"{others} 組的擁有者不是本系統（見[字軌配號]擁有者欄），不分配給機台",
            Location(tracks_where.file, tracks_where.sheet), Severity.INFO))
    # booklets other 帳別 keep when only one 帳別 is allocated
    if account is not None and previous is not None and len(previous):
        pb, pe, pok = _range_keys(previous, A_TRACK, A_BEGIN, A_END)
        per = np.array(_text_column(previous, A_PERIOD, ident=True), dtype=object)
        acc = np.array(_text_column(previous, A_ACCOUNT, ident=True), dtype=object)
        held = pok & (per == p.code) & (acc != account)
        if held.any() and keys.size:
            hb, he = merge(pb[held], pe[held])
            pos = np.searchsorted(hb, keys, side="right") - 1
            taken = (pos >= 0) & (keys <= he[np.maximum(pos, 0)])
            keep = ~taken
            keys = keys[keep]
            bans = [b for b, k in zip(bans, keep.tolist(), strict=True) if k]
            types = [t for t, k in zip(types, keep.tolist(), strict=True) if k]
    requests, machine_findings = machine_requests(
        machines, period=p.code, where=machines_where, reuse_counts=reuse_counts, previous=previous, account=account)
    result.findings += machine_findings
    result.machines = len(requests)
    result.available = int(keys.size)
    result.needed = sum(r.count for r in requests)
    if any(f.severity is Severity.ERROR for f in machine_findings):
        return result
    if not requests:
        who = f"帳別 {account} " if account else ""
        result.findings.append(Finding(
            "alloc_no_machines", f"[機台配號設定]沒有{who}適用於 {p.label} 的機台",
            Location(machines_where.file, machines_where.sheet)))
        return result
    if keys.size == 0:
        result.findings.append(Finding(
            "alloc_no_tracks",
            f"[字軌配號]沒有 {p.label} 可分配的配號" + (f"（營業人統編 {company_ubn}）" if company_ubn else "")
            + "；請先按[手動匯入]或[自動匯入]取得配號",
            Location(tracks_where.file, tracks_where.sheet)))
        return result

    present_tracks = set((keys // KEY_BASE).tolist())
    preferred: list[int | None] = []
    for r in requests:
        if r.track is None:
            preferred.append(None)
            continue
        code = track_code(r.track)
        if code not in present_tracks:
            result.findings.append(Finding(
                "alloc_track_unknown", f"{r.name} 指定的字軌 {r.track} 不在 {p.label} 的配號中，改由其他字軌配號",
                Location(r.where.file, r.where.sheet, r.where.row, M_TRACK), Severity.WARNING))
            preferred.append(None)
        else:
            preferred.append(code)
    group_ids = _group_ids(bans, types)
    segments, got = assign_booklets(keys, [r.count for r in requests], preferred, group_ids)

    if result.needed > result.available:
        result.missing = result.needed - result.available
        short = [(r, g) for r, g in zip(requests, got, strict=True) if g < r.count]
        names = "、".join(f"{r.name}（需要 {r.count} 組，只剩 {g} 組）" for r, g in short)
        result.findings.append(Finding(
            "alloc_shortage",
            f"{p.label} 可分配的配號只有 {result.available} 組，機台共需要 {result.needed} 組，不足 {result.missing} 組："
            f"{names}。請向財政部申請增加本數後重新匯入，或減少組數；配號結果沒有變更",
            Location(machines_where.file, machines_where.sheet)))
        for r, g in short:
            result.findings.append(Finding(
                "alloc_machine_short", f"{r.name} 需要 {r.count} 組，只能配到 {g} 組（不足 {r.count - g} 組）",
                Location(r.where.file, r.where.sheet, r.where.row, M_COUNT)))
        return result

    records: list[dict[str, Any]] = []
    for r, segs, pref in zip(requests, segments, preferred, strict=True):
        if pref is not None and (len(segs) != 1 or int(keys[segs[0][0]] // KEY_BASE) != pref):
            result.findings.append(Finding(
                "alloc_track_fallback",
                f"{r.name} 指定的字軌 {r.track} 剩下的連續組數不足 {r.count} 組，已改用其他號碼",
                Location(r.where.file, r.where.sheet, r.where.row, M_TRACK), Severity.WARNING))
        for start, k in segs:
            first = int(keys[start])
            last = int(keys[start + k - 1]) + BOOKLET - 1
            records.append({
                A_ACCOUNT: r.account,
                A_MACHINE: r.machine,
                A_TRACK: track_from_code(first // KEY_BASE),
                A_BEGIN: f"{first % KEY_BASE:08d}",
                A_END: f"{last % KEY_BASE:08d}",
                A_COUNT: k,
                A_PERIOD: p.code,
                A_TYPE: types[start],
                A_BAN: r.branch or bans[start],
                A_KIND: r.kind,
                A_SCOPE: r.scope,
            })
    result.rows = pd.DataFrame(records, columns=list(ALLOCATION_HEADERS))
    result.written = not result.errors
    if not result.written:
        result.rows = _empty_allocation()
    return result


def _group_ids(bans: Sequence[str], types: Sequence[str]) -> Int64s:
    """One integer per (UBN, invoice type): a run of booklets never crosses either."""
    codes: dict[tuple[str, str], int] = {}
    return np.array([codes.setdefault((b, t), len(codes)) for b, t in zip(bans, types, strict=True)],
                    dtype=np.int64)


def merge_allocation(
    existing: pd.DataFrame, rows: pd.DataFrame, *, period: str, account: str | None = None
) -> tuple[pd.DataFrame, int]:
    """The new 配號設定 table: ``rows`` replace the period's rows (only ``account``'s when given).

    Rows of other periods (the previous period's are what 按當期數量配號 reads) and of other
    帳別 stay. Columns this step does not write (預估下期組數 …) keep their values for the
    same 帳別 × 機台號 × 申報年月. Returns the table (periods ascending, machine order kept)
    and how many of the period's rows changed.
    """
    import pandas as pd

    old = existing.copy()
    per = pd.Series(_text_column(old, A_PERIOD, ident=True), index=old.index, dtype="object")
    acc = pd.Series(_text_column(old, A_ACCOUNT, ident=True), index=old.index, dtype="object")
    mine = per == period
    if account is not None:
        mine &= acc == account
    replaced = old[mine.to_numpy(dtype=bool)]
    kept = old[~mine.to_numpy(dtype=bool)]
    new = rows.copy()
    extra = [c for c in old.columns if c not in ALLOCATION_HEADERS]
    if extra and len(replaced):
        carry: dict[tuple[str | None, str | None], dict[str, Any]] = {}
        for a, m, (_, rec) in zip(_text_column(replaced, A_ACCOUNT, ident=True),
                                  _text_column(replaced, A_MACHINE, ident=True), replaced.iterrows(), strict=True):
            carry.setdefault((a, m), {c: rec[c] for c in extra})
        for c in extra:
            new[c] = [carry.get((a, m), {}).get(c) for a, m in zip(new[A_ACCOUNT], new[A_MACHINE], strict=True)]
    changed = _changed_rows(replaced, new)
    parts = [f for f in (kept, new) if len(f)]
    table = pd.concat(parts, ignore_index=True) if parts else new
    sort_key = pd.Series(_text_column(table, A_PERIOD, ident=True), dtype="object").fillna("~")
    table = table.assign(_p=sort_key.to_numpy()).sort_values("_p", kind="stable").drop(columns="_p")
    return table.reset_index(drop=True), changed


def _changed_rows(before: pd.DataFrame, after: pd.DataFrame) -> int:
    cols = [A_ACCOUNT, A_MACHINE, A_TRACK, A_BEGIN, A_END]

    def as_set(frame: pd.DataFrame) -> set[tuple[str | None, ...]]:
        columns = [_text_column(frame, c, ident=True) for c in cols]
        return set(zip(*columns, strict=True))

    return len(as_set(before) ^ as_set(after))


# ------------------------------------------------------------------------------------------------
# who owns what: for E0402 and the reports
# ------------------------------------------------------------------------------------------------


def owner_of_ranges(
    tracks: pd.DataFrame, allocation: pd.DataFrame, *, period: str | None = None,
    where: Location | None = None,
) -> pd.DataFrame:
    """Split each 字軌配號 range by owner: 本系統, 其他系統, or the 加值中心 the accountant named.

    An 擁有者 typed on the row wins for the whole row. A blank 擁有者 makes the parts that
    配號設定 (``allocation``) hands to a machine 本系統 and the rest 其他系統. Rows that
    cannot be read are left out. Columns: 營業人統編, 發票類別代號, 申報年月, 發票字軌, 起號, 迄號,
    張數, 擁有者, 字軌配號列 (the sheet row), and the int64 keys ``begin_key``/``end_key``.

    >>> import pandas as pd
    >>> tracks = pd.DataFrame({"營業人統編": ["53212539"] * 2, "發票類別代號": ["07"] * 2,
    ...     "發票期別": ["114/01 ~ 114/02"] * 2, "發票字軌名稱": ["KA", "KB"],
    ...     "發票起號": ["00000000", "00000000"], "發票迄號": ["00000199", "00000049"],
    ...     "擁有者": [None, "綠界"]}, index=[5, 6])
    >>> alloc = pd.DataFrame({"發票字軌": ["KA"], "起號": ["00000050"], "迄號": ["00000099"], "申報年月": ["11402"]})
    >>> owner_of_ranges(tracks, alloc)[["發票字軌", "起號", "迄號", "擁有者", "字軌配號列"]].values.tolist()
    [['KA', '00000000', '00000049', '其他系統', 5], ['KA', '00000050', '00000099', '本系統', 5], ['KA', '00000100', '00000199', '其他系統', 5], ['KB', '00000000', '00000049', '綠界', 6]]
    """
    import pandas as pd

    columns = [BAN, TYPE, A_PERIOD, A_TRACK, A_BEGIN, A_END, "張數", OWNER, "字軌配號列", "begin_key", "end_key"]
    parsed, _ = parse_track_rows(tracks, where or Location(sheet="字軌配號"))
    if period is not None:
        parsed = parsed[parsed[PERIOD] == periods.parse(period).code]
    out: list[dict[str, Any]] = []

    def emit(rec: Any, row: object, lo: int, hi: int, owner: str) -> None:
        out.append({BAN: rec[BAN], TYPE: rec[TYPE], A_PERIOD: rec[PERIOD], A_TRACK: rec[TRACK],
                    A_BEGIN: f"{lo % KEY_BASE:08d}", A_END: f"{hi % KEY_BASE:08d}", "張數": hi - lo + 1,
                    OWNER: owner, "字軌配號列": row, "begin_key": lo, "end_key": hi})

    explicit = np.array([is_own(o) is not None for o in parsed[OWNER]], dtype=bool)
    for row, rec in parsed[explicit].iterrows():
        emit(rec, row, int(rec[_BEGIN]), int(rec[_END]), str(rec[OWNER]).strip())
    blank = parsed[~explicit]
    ab, ae, aok = _range_keys(allocation, A_TRACK, A_BEGIN, A_END)
    aper = np.array(_text_column(allocation, A_PERIOD, ident=True), dtype=object)
    for code, group in blank.groupby(PERIOD, sort=True):
        group = group.sort_values(_BEGIN, kind="stable")
        sel = aok & (aper == code)
        cb, ce = merge(ab[sel], ae[sel])
        rb = group[_BEGIN].to_numpy(np.int64)
        re_ = group[_END].to_numpy(np.int64)
        bounds = np.unique(np.concatenate([rb, re_ + 1, cb, ce + 1]))
        seg_b, seg_e = bounds[:-1], bounds[1:] - 1
        ri = np.searchsorted(rb, seg_b, side="right") - 1
        inside = (ri >= 0) & (seg_b <= re_[np.maximum(ri, 0)])
        ci = np.searchsorted(cb, seg_b, side="right") - 1
        covered = (ci >= 0) & (seg_b <= ce[np.maximum(ci, 0)]) if cb.size else np.zeros(seg_b.size, bool)
        seg_b, seg_e, ri, covered = seg_b[inside], seg_e[inside], ri[inside], covered[inside]
        if not seg_b.size:
            continue
        start = np.r_[True, (ri[1:] != ri[:-1]) | (covered[1:] != covered[:-1]) | (seg_b[1:] != seg_e[:-1] + 1)]
        firsts = np.flatnonzero(start)
        ends = np.maximum.reduceat(seg_e, firsts)
        rows = list(group.index)
        for f, hi in zip(firsts.tolist(), ends.tolist(), strict=True):
            r = int(ri[f])
            emit(group.iloc[r], rows[r], int(seg_b[f]), int(hi), OWNER_SELF if covered[f] else OWNER_OTHER)
    frame = pd.DataFrame(out, columns=columns)
    if len(frame):
        frame = frame.sort_values([A_PERIOD, BAN, "begin_key"], kind="stable").reset_index(drop=True)
    return frame


# ------------------------------------------------------------------------------------------------
# E0401: what each branch gets, per head-office range
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchPlan:
    """One E0401 message: the head office range and the booklets of it handed to one branch."""

    head_ban: str
    branch_ban: str
    invoice_type: str
    year_month: str
    track: str
    begin: int  # 8-digit numbers, as integers
    end: int
    items: tuple[tuple[int, int], ...]

    @property
    def booklets(self) -> int:
        return sum((e - b + 1) // BOOKLET for b, e in self.items)


def branch_plans(
    tracks: pd.DataFrame,
    allocation: pd.DataFrame,
    *,
    head_ban: str,
    period: str,
    tracks_where: Location | None = None,
    allocation_where: Location | None = None,
) -> tuple[list[BranchPlan], list[Finding]]:
    """Group the period's 配號設定 rows held by branches (營業人統編 ≠ ``head_ban``) by head range.

    Each head-office range of 字軌配號 (營業人統編 = ``head_ban``) that hands booklets to a
    branch gives one plan per branch, with the branch's ranges in it merged and ascending.
    A branch range outside every head range is an error finding.
    """
    tracks_where = tracks_where or Location(sheet="字軌配號")
    allocation_where = allocation_where or Location(sheet="配號設定")
    code = periods.parse(period).code
    findings: list[Finding] = []
    parsed, _ = parse_track_rows(tracks, tracks_where)
    head = parsed[(parsed[PERIOD] == code) & (parsed[BAN] == head_ban)].sort_values(_BEGIN, kind="stable")
    hb, he = head[_BEGIN].to_numpy(np.int64), head[_END].to_numpy(np.int64)
    ab, ae, aok = _range_keys(allocation, A_TRACK, A_BEGIN, A_END)
    aper = _text_column(allocation, A_PERIOD, ident=True)
    aban = _text_column(allocation, A_BAN, ident=True)
    pieces: dict[tuple[str, int], list[tuple[int, int]]] = {}
    rows = list(allocation.index)
    for i in range(len(allocation)):
        if aper[i] != code or aban[i] is None or aban[i] == head_ban:
            continue
        here = _where_of(allocation_where, rows[i], None)
        if not aok[i]:
            findings.append(Finding("e0401_bad_row", "發票字軌、起號或迄號無法辨識", here))
            continue
        try:
            branch = ubn.validate(aban[i])
        except ValidationError as exc:
            findings.append(Finding("e0401_branch_ubn", f"營業人統編：{exc.message}（讀到「{show_found(aban[i])}」）",
                                    Location(here.file, here.sheet, here.row, A_BAN)))
            continue
        lo, hi = int(ab[i]), int(ae[i])
        first = int(np.searchsorted(he, lo, side="left"))
        covered = 0
        for h in range(first, hb.size):
            if hb[h] > hi:
                break
            b, e = max(lo, int(hb[h])), min(hi, int(he[h]))
            if b <= e:
                pieces.setdefault((branch, h), []).append((b, e))
                covered += e - b + 1
        if covered != hi - lo + 1:
            findings.append(Finding(
                "e0401_outside", f"{_key_range(lo, hi)} 不在總公司（{head_ban}）{periods.parse(code).label} 的配號範圍內",
                here))
    plans: list[BranchPlan] = []
    for (branch, h), ranges in sorted(pieces.items(), key=lambda kv: (int(hb[kv[0][1]]), kv[0][0])):
        mb, me = merge([r[0] for r in ranges], [r[1] for r in ranges])
        rec = head.iloc[h]
        plans.append(BranchPlan(
            head_ban=head_ban, branch_ban=branch, invoice_type=str(rec[TYPE]), year_month=code,
            track=str(rec[TRACK]), begin=int(rec[_BEGIN]) % KEY_BASE, end=int(rec[_END]) % KEY_BASE,
            items=tuple((int(b) % KEY_BASE, int(e) % KEY_BASE) for b, e in zip(mb.tolist(), me.tolist(), strict=True)),
        ))
    return plans, findings
