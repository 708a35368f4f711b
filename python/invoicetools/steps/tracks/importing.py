"""Importing an allocation: check the parsed rows and merge them into the 字軌配號 table.

An import *adds* (DESIGN "Allocation imports add"): the file's ranges join the period's; a
range already there is unchanged; one overlapping a different range already there is an
error and nothing changes. Ranges leave only with ``replace`` (CLI ``--replace``, in Excel
a confirmation showing the diff): then each 營業人統編 × 申報年月 the import brings is
replaced by the import and the report lists what was added, changed and removed.

:func:`merge_import` runs in stages, each a small function: the period asked for, the
company's UBN, duplicates and overlaps within the import, the rows already imported, the
new table and the report of what changed. Nothing may be written when any stage finds an
error (``TrackImport.table`` is ``None`` then).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ...domain import periods
from ...domain.errors import Finding, Location, Severity
from ...domain.invoice_number import KEY_BASE
from ...domain.ranges import find_overlaps
from .columns import (
    BAN,
    BEGIN,
    BOOKLETS,
    END,
    IMPORTED,
    KEY_BEGIN,
    KEY_END,
    LABEL,
    MACHINE_NO,
    OWNER,
    PERIOD,
    SOURCE,
    TRACK,
    TRACK_HEADERS,
    TYPE,
    WHERE,
    blank,
    key_range,
    row_of,
)
from .parse import parse_track_rows

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TrackImport", "merge_import", "period_filter"]

Int64s = npt.NDArray[np.int64]
_IDENTITY = (BAN, TYPE, PERIOD, TRACK, BEGIN, END)


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
    kept: int = 0  # adding: ranges of the covered 營業人統編 × 申報年月 the import does not bring (they stay)
    conflicts: int = 0  # adding: ranges overlapping a different range of the same 營業人統編 × 申報年月
    replace: bool = False
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


# ------------------------------------------------------------------------------------------------
# the stages of merge_import
# ------------------------------------------------------------------------------------------------


def _keep_wanted_periods(inc: pd.DataFrame, wanted: Collection[str] | None, label: str,
                         result: TrackImport) -> pd.DataFrame:
    """Rows of the periods asked for; one note per source and period skipped, an error when none is left."""
    if wanted is None or not len(inc):
        return inc
    other = ~inc[PERIOD].isin(list(wanted))
    if not other.any():
        return inc
    result.skipped_periods = int(other.sum())
    for (_src, code), group in inc[other].groupby([SOURCE, PERIOD], sort=True, dropna=False):
        first: Location = group[WHERE].iloc[0]
        result.findings.append(Finding(
            "track_other_period",
            f"略過 {periods.parse(str(code)).label} 的 {len(group)} 個區間：不是要匯入的期別（{label}）",
            Location(first.file, first.sheet), Severity.INFO))
    if other.all():
        found = "、".join(sorted({periods.parse(str(c)).label for c in inc[PERIOD]}))
        files = sorted({str(w.file or w.sheet or "") for w in inc[WHERE]})
        result.findings.append(Finding(
            "track_no_period",
            f"沒有要匯入的期別（{label}）的配號；讀到的期別：{found}。"
            "請確認[配號設定]的申報年月與下載全年資料，或選擇正確的檔案",
            Location(file="、".join(files) or None)))
    return inc[~other]


def _check_company(inc: pd.DataFrame, company_ubn: str | None, findings: list[Finding]) -> None:
    """Every row must be the company's own (another UBN is probably another company's file)."""
    if not company_ubn or not len(inc):
        return
    for row in inc.index[(inc[BAN] != company_ubn).to_numpy()]:
        w: Location = inc.at[row, WHERE]
        findings.append(Finding(
            "track_other_company",
            f"營業人統編 {inc.at[row, BAN]} 不是[設定]的統一編號 {company_ubn}：這可能是別家公司的配號檔",
            Location(w.file, w.sheet, w.row, BAN)))


def _drop_duplicates(inc: pd.DataFrame, result: TrackImport) -> pd.DataFrame:
    """Exact duplicates are imported once (a warning when they stand in the same file)."""
    identity = list(_IDENTITY)
    dup = inc.duplicated(subset=identity, keep="first")
    if not dup.any():
        return inc
    firsts = inc.drop_duplicates(subset=identity, keep="first").set_index(identity)[WHERE]
    for row in inc.index[dup.to_numpy()]:
        w = inc.at[row, WHERE]
        original: Location = firsts.loc[tuple(inc.loc[row, identity])]
        if original.file == w.file and original.sheet == w.sheet:
            result.findings.append(Finding(
                "track_duplicate",
                f"{key_range(int(inc.at[row, KEY_BEGIN]), int(inc.at[row, KEY_END]))} 與第 {original.row} 列重複，只匯入一次",
                w, Severity.WARNING))
    result.duplicates = int(dup.sum())
    return inc[~dup.to_numpy()]


def _check_overlaps_within(inc: pd.DataFrame, findings: list[Finding]) -> None:
    kb, ke = _combined_keys(inc, KEY_BEGIN), _combined_keys(inc, KEY_END)
    positions = list(inc.index)
    for i, j in find_overlaps(kb, ke):
        wi: Location = inc.at[positions[i], WHERE]
        wj: Location = inc.at[positions[j], WHERE]
        later, earlier = (wj, wi) if j > i else (wi, wj)
        findings.append(Finding(
            "track_overlap",
            f"{key_range(int(inc.at[positions[j], KEY_BEGIN]), int(inc.at[positions[j], KEY_END]))} 與 "
            f"{row_of(earlier)} 的 {key_range(int(inc.at[positions[i], KEY_BEGIN]), int(inc.at[positions[i], KEY_END]))} 重疊",
            later))


@dataclass
class _Existing:
    """The sheet's rows: parsed, split into those the import replaces and those it keeps."""

    kept: pd.DataFrame
    replaced: pd.DataFrame
    unreadable: pd.Index


def _identity(row: Any) -> tuple[Any, ...]:
    return tuple(row[c] for c in _IDENTITY)


def _overlap_existing(new: Any, old: Any, *, adding: bool) -> Finding:
    """A range of the import overlaps a different range already imported: say which file row and which sheet row."""
    message = (f"{key_range(int(new[KEY_BEGIN]), int(new[KEY_END]))} 與[字軌配號]第 {old.name} 列"
               f"（營業人統編 {old[BAN]}）已匯入的 {key_range(int(old[KEY_BEGIN]), int(old[KEY_END]))} 重疊")
    if adding and old[BAN] == new[BAN]:
        message += ("；匯入只會新增區間，不會改掉已匯入的區間。若這次的資料是更正後的配號，請用取代匯入"
                    "（invoicetools tracks import --replace；Excel 在確認視窗按[是]），會列出新增、變更與移除的區間")
    return Finding("track_overlap_existing", message, new[WHERE])


def _existing(existing: pd.DataFrame, inc: pd.DataFrame, sheet: Location, findings: list[Finding],
              *, replace: bool) -> _Existing:
    """Parse the rows already imported; with ``replace`` each 營業人統編 × 申報年月 of the import is replaced.

    A sheet row that cannot be read is kept as it is, with a warning. A kept range that
    overlaps an imported one is an error — when adding, unless the two are the same range.
    """
    import pandas as pd

    old, old_findings = parse_track_rows(existing, sheet) if len(existing) else (
        pd.DataFrame(columns=[*TRACK_HEADERS, WHERE, KEY_BEGIN, KEY_END]), [])
    unreadable = existing.index.difference(old.index)
    for row in unreadable:
        reasons = "；".join(f.message for f in old_findings if f.where.row == row)
        findings.append(Finding("track_sheet_row", f"這一列無法辨識，保留原樣：{reasons}",
                                Location(sheet.file, sheet.sheet, int(row)), Severity.WARNING))
    if replace:
        scope = set(zip(inc[BAN], inc[PERIOD], strict=True))
        in_scope = np.array([(b, p) in scope for b, p in zip(old[BAN], old[PERIOD], strict=True)], dtype=bool)
    else:
        in_scope = np.zeros(len(old), dtype=bool)
    kept = old[~in_scope]
    if len(inc) and len(kept):
        for i, j in _overlaps_between(_combined_keys(inc, KEY_BEGIN), _combined_keys(inc, KEY_END),
                                      _combined_keys(kept, KEY_BEGIN), _combined_keys(kept, KEY_END)):
            new, other = inc.iloc[i], kept.iloc[j]
            if not replace and _identity(new) == _identity(other):
                continue  # the same range again: unchanged
            findings.append(_overlap_existing(new, other, adding=not replace))
    return _Existing(kept, old[in_scope], unreadable)


def _added_rows(inc: pd.DataFrame, before: _Existing, existing: pd.DataFrame, now: datetime.datetime,
                result: TrackImport) -> pd.DataFrame:
    """Adding: the ranges not there yet, stamped; a range already there keeps its sheet row as it is.

    When the import says something else about a range already there (機台號碼, 擁有者), the
    sheet's value stays and a warning says so.
    """
    import pandas as pd

    there = {_identity(r): r for r in before.kept.to_dict("records")}
    stamp = now.replace(microsecond=0)
    new_rows: list[dict[str, Any]] = []
    for rec in inc.to_dict("records"):
        prior = there.get(_identity(rec))
        if prior is None:
            values = {h: rec[h] for h in TRACK_HEADERS}
            values.update({IMPORTED: stamp, KEY_BEGIN: rec[KEY_BEGIN], KEY_END: rec[KEY_END]})
            new_rows.append(values)
            continue
        result.unchanged += 1
        for column in (MACHINE_NO, OWNER):
            if not blank(rec[column]) and not same(prior[column], rec[column]):
                result.findings.append(Finding(
                    "track_kept_value",
                    f"{key_range(int(rec[KEY_BEGIN]), int(rec[KEY_END]))} 已在[字軌配號]第 {prior[WHERE].row} 列；"
                    f"這次的{column}「{rec[column]}」與已匯入的「{_show(prior[column])}」不同，保留[字軌配號]的值"
                    "（要以這次的資料為準請用取代匯入 --replace）",
                    Location(rec[WHERE].file, rec[WHERE].sheet, rec[WHERE].row, column), Severity.WARNING))
    return pd.DataFrame(new_rows, columns=[*TRACK_HEADERS, KEY_BEGIN, KEY_END])


def _report_added(result: TrackImport, added: pd.DataFrame, inc: pd.DataFrame, before: _Existing) -> None:
    """Adding: each new range (when the period already had ranges) and the ranges of the period the import leaves."""
    covered = set(zip(inc[BAN], inc[PERIOD], strict=True))
    old = before.kept
    in_scope = [(b, p) in covered for b, p in zip(old[BAN], old[PERIOD], strict=True)] if len(old) else []
    brought = {_identity(r) for r in inc.to_dict("records")}
    result.kept = sum(1 for flag, r in zip(in_scope, old.to_dict("records"), strict=True)
                      if flag and _identity(r) not in brought)
    result.added = len(added)
    if not any(in_scope):
        return
    where = {_identity(r): r[WHERE] for r in inc.to_dict("records")}
    for rec in added.to_dict("records"):
        result.findings.append(Finding(
            "track_added", f"新增 {key_range(int(rec[KEY_BEGIN]), int(rec[KEY_END]))}（{rec[BOOKLETS]} 組）",
            where.get(_identity(rec), Location()), Severity.INFO))


def _new_rows(inc: pd.DataFrame, before: _Existing, existing: pd.DataFrame, now: datetime.datetime) -> pd.DataFrame:
    """Replacing: the imported rows. An unchanged range keeps its sheet row (擁有者, 來源, 匯入時間);
    a blank 擁有者 takes the one typed on an old range that contains it."""
    import pandas as pd

    old_records = before.replaced.to_dict("records")
    sheet_records = existing.loc[before.replaced.index].to_dict("records")
    old_by_id: dict[tuple[Any, ...], int] = {}
    owned: dict[tuple[Any, ...], list[tuple[int, int, str]]] = {}
    for i, old_rec in enumerate(old_records):
        old_by_id.setdefault(tuple(old_rec[c] for c in _IDENTITY), i)
        if not blank(old_rec[OWNER]):
            owned.setdefault((old_rec[BAN], old_rec[PERIOD], old_rec[TRACK]), []).append(
                (int(old_rec[KEY_BEGIN]), int(old_rec[KEY_END]), str(old_rec[OWNER]).strip()))
    stamp = now.replace(microsecond=0)
    new_rows: list[dict[str, Any]] = []
    for rec in inc.to_dict("records"):
        i_old = old_by_id.get(tuple(rec[c] for c in _IDENTITY))
        if i_old is not None:
            prior = old_records[i_old]
            if same(prior[MACHINE_NO], rec[MACHINE_NO]) and (blank(rec[OWNER]) or same(prior[OWNER], rec[OWNER])):
                keep = {h: sheet_records[i_old].get(h) for h in TRACK_HEADERS}
                # the normal form of the identifying columns (the sheet may hold them as numbers …)
                keep.update({h: prior[h] for h in (*_IDENTITY, LABEL, BOOKLETS)})
                keep.update({KEY_BEGIN: rec[KEY_BEGIN], KEY_END: rec[KEY_END]})
                new_rows.append(keep)
                continue
        values = {h: rec[h] for h in TRACK_HEADERS}
        values[IMPORTED] = stamp
        if blank(values[OWNER]):
            values[OWNER] = next(
                (o for b, e, o in owned.get((rec[BAN], rec[PERIOD], rec[TRACK]), ())
                 if b <= rec[KEY_BEGIN] and rec[KEY_END] <= e), None)
        values.update({KEY_BEGIN: rec[KEY_BEGIN], KEY_END: rec[KEY_END]})
        new_rows.append(values)
    return pd.DataFrame(new_rows, columns=[*TRACK_HEADERS, KEY_BEGIN, KEY_END])


def _table(existing: pd.DataFrame, before: _Existing, new: pd.DataFrame) -> pd.DataFrame:
    """Kept rows, the new rows and the unreadable rows, by period, UBN and number."""
    import pandas as pd

    kept_rows = existing.loc[before.kept.index].reindex(columns=list(TRACK_HEADERS))
    kept_rows = kept_rows.assign(**{KEY_BEGIN: before.kept[KEY_BEGIN], KEY_END: before.kept[KEY_END]})
    bad_rows = existing.loc[before.unreadable].reindex(columns=list(TRACK_HEADERS)).assign(
        **{KEY_BEGIN: np.int64(-1), KEY_END: np.int64(-1)})
    table = pd.concat([frame for frame in (kept_rows, new, bad_rows) if len(frame)], ignore_index=True)
    sort_period = table[PERIOD].astype("string").fillna("~")
    sort_ban = table[BAN].astype("string").fillna("~")
    table = table.assign(_p=sort_period, _b=sort_ban).sort_values(
        ["_p", "_b", KEY_BEGIN], kind="stable").drop(columns=["_p", "_b", KEY_BEGIN, KEY_END])
    return table.reset_index(drop=True).reindex(columns=list(TRACK_HEADERS))


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
    replace: bool = False,
) -> TrackImport:
    """Check parsed rows (:func:`parse_track_rows`) and merge them into the 字軌配號 table.

    ``existing`` is the sheet's table as read (any row that cannot be parsed is kept as it
    is, with a warning); ``wanted`` the period codes asked for (``None``: any). Rows of other
    periods are skipped (one note per source and period). Errors — another company's UBN,
    duplicate or overlapping ranges within the import, ranges overlapping different ranges
    already imported — leave ``table`` None: nothing may be written.

    Adding (the default): the import's ranges join the sheet's; a range already there (same
    UBN, type, period, track and numbers) keeps its row as it is (擁有者, 機台號碼, 來源,
    匯入時間); a range overlapping a different one already there is an error naming both
    rows. With ``replace`` each 營業人統編 × 申報年月 present in the import replaces the
    rows the sheet has for it: an unchanged range keeps its row, a blank 擁有者 takes the
    value the accountant typed on an old range that contains it, and every range added,
    changed or removed is reported.
    """
    sheet = sheet or Location(sheet="字軌配號")
    result = TrackImport(table=None, rows_read=len(incoming) if rows_read is None else rows_read, replace=replace)
    inc = _keep_wanted_periods(incoming.copy(), wanted, wanted_label, result)
    _check_company(inc, company_ubn, result.findings)
    if len(inc):
        inc = _drop_duplicates(inc, result)
        _check_overlaps_within(inc, result.findings)
    before = _existing(existing, inc, sheet, result.findings, replace=replace)
    result.conflicts = sum(1 for f in result.findings if f.code == "track_overlap_existing")
    if result.errors or len(inc) == 0:
        return result
    if replace:
        new = _new_rows(inc, before, existing, now)
        if len(before.replaced):
            _report_changes(result, before.replaced, new, inc)
        else:
            result.added = len(new)
        result.unchanged = len(new) - result.added - result.changed
        counted = new
    else:
        new = _added_rows(inc, before, existing, now, result)
        _report_added(result, new, inc, before)
        counted = inc
    result.table = _table(existing, before, new)
    result.imported = len(counted)
    result.booklets = int(sum(int(v) for v in counted[BOOKLETS] if not blank(v)))
    result.periods = sorted(set(inc[PERIOD]))
    return result


def same(a: object, b: object) -> bool:
    """Two cells say the same (both blank, or the same text)."""
    if blank(a) and blank(b):
        return True
    if blank(a) or blank(b):
        return False
    return str(a).strip() == str(b).strip()


def _show(value: object) -> str:
    return "（空白）" if blank(value) else str(value)


def _differences(before: dict[str, Any], rec: dict[str, Any]) -> list[str]:
    diffs = []
    if before[END] != rec[END]:
        diffs.append(f"迄號 {before[END]} → {rec[END]}")
    if before[TYPE] != rec[TYPE]:
        diffs.append(f"發票類別代號 {before[TYPE]} → {rec[TYPE]}")
    if not same(before[MACHINE_NO], rec[MACHINE_NO]):
        diffs.append(f"機台號碼 {_show(before[MACHINE_NO])} → {_show(rec[MACHINE_NO])}")
    if not same(before[OWNER], rec[OWNER]):
        diffs.append(f"擁有者 {_show(before[OWNER])} → {_show(rec[OWNER])}")
    return diffs


def _report_changes(result: TrackImport, replaced: pd.DataFrame, new: pd.DataFrame, inc: pd.DataFrame) -> None:
    """Added / removed / changed ranges, keyed by 營業人統編 × 申報年月 × 字軌 × 起號."""
    key = (BAN, PERIOD, TRACK, BEGIN)
    old_map = {tuple(r[c] for c in key): r for r in replaced.to_dict("records")}
    new_where = {tuple(r[c] for c in key): r[WHERE] for r in inc.to_dict("records")}
    seen: set[tuple[Any, ...]] = set()
    for rec in new.to_dict("records"):
        k = tuple(rec[c] for c in key)
        seen.add(k)
        where = new_where.get(k, Location())
        shown = key_range(int(rec[KEY_BEGIN]), int(rec[KEY_END]))
        before = old_map.get(k)
        if before is None:
            result.added += 1
            result.findings.append(Finding("track_added", f"新增 {shown}（{rec[BOOKLETS]} 組）", where, Severity.INFO))
            continue
        diffs = _differences(before, rec)
        if diffs:
            result.changed += 1
            result.findings.append(Finding("track_changed", f"變更 {shown}：{'；'.join(diffs)}", where, Severity.INFO))
    for k, before in old_map.items():
        if k in seen:
            continue
        result.removed += 1
        where = before[WHERE]
        result.findings.append(Finding(
            "track_removed", f"移除 {key_range(int(before[KEY_BEGIN]), int(before[KEY_END]))}（新資料中已沒有這個區間）",
            Location(where.file, where.sheet, where.row), Severity.WARNING))
