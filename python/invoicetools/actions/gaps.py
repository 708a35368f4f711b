"""異常跳號整批作廢: list the 跳號 of a period, void them in one confirmed action, or take that back.

``check_gaps`` recomputes the 跳號作廢 sheet for a period (and optionally one 帳別), keeping
the 已作廢 state of ranges voided before. ``void_gaps`` marks every listed 跳號 that was never
issued 已作廢, after the accountant confirmed the count and ranges; it refuses while
漏上傳檢核 still has rows for the period and 帳別 (an invoice never uploaded looks like a
gap) or while no platform status was downloaded, unless forced with a reason (logged).
``unvoid_gaps`` takes a void back. Every run is logged in 執行紀錄 with the ranges.

The readers here (machine ranges, used numbers, the voided state) are shared with E0402.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..book import layout
from ..book.io import param_text
from ..book.settings import Settings, read_settings
from ..book.tables import typed
from ..domain import periods
from ..domain.errors import ExitCode, Finding, InputError, Location, RefusalError, Severity
from ..domain.periods import Period
from ..steps import gaps as steps
from .base import ActionResult, Context, finish, prefetch, read_columns

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from ..steps.blanks import UsedNumbers

__all__ = [
    "STEP",
    "GapsRun",
    "MachineRanges",
    "check_gaps",
    "compute_gaps",
    "read_machine_ranges",
    "read_used_numbers",
    "resolve_period",
    "unvoid_gaps",
    "void_gaps",
]

STEP = "跳號作廢"
SHEET = layout.sheet("跳號作廢")
TABLE = layout.table("跳號作廢")
_ALLOCATION = layout.table("配號設定")
_TRACKS = layout.table("字軌配號")
_REGISTER = layout.table("發票資料")
_PLATFORM = layout.table("平台狀況")
_UPLOAD = layout.table("漏上傳檢核")
_MAX_ROW_FINDINGS = 200
_REGISTER_COLUMNS = ("發票號碼", "發票日期")  # every status counts as used: nothing else is read
_PLATFORM_COLUMNS = ("發票號碼",)
_DIALOG_RANGES = 20
_LOG_CHARS = 2000


# ----------------------------------------------------------------------------------------------
# Reading the book
# ----------------------------------------------------------------------------------------------
def resolve_period(value: object, settings: Settings, *, where: str) -> Period:
    """The period given (any accepted form), else 設定 申報年月; refused when neither is there."""
    if value is not None and str(value).strip():
        return periods.parse(str(value).strip())
    if settings.period is not None:
        return settings.period
    raise InputError(f"請輸入申報年月（{where}），或在[設定]填寫申報年月，例如 11402")


def _typed_subset(ctx: Context, table: layout.Table, headers: tuple[str, ...]) -> tuple[pd.DataFrame, list[Finding]]:
    """Read a table and type only the columns a step needs (big registers: skip the money columns)."""
    raw = ctx.io.read_table(table)
    keep = [h for h in headers if h in raw.columns]
    frame, findings = typed(raw.loc[:, keep], table, Location(file=ctx.io.name, sheet=table.sheet))
    return frame.loc[:, list(headers)], findings


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip()


def _row_periods(values: pd.Series, default: Period | None) -> pd.Series:
    """Each row's period code ('' when unreadable); blank cells take ``default``."""
    text = _text(values)
    codes: dict[str, str] = {}
    for value in text.unique().tolist():  # a handful of distinct values
        if value == "":
            codes[value] = default.code if default is not None else ""
            continue
        try:
            codes[value] = periods.parse(value).code
        except InputError:
            codes[value] = ""
    return text.map(codes)


def _range_keys(
    track: pd.Series, begin: pd.Series, end: pd.Series
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Keys of ``track + begin`` and ``track + end`` (vectorised); ``ok`` where both are valid and ordered."""
    from ..domain.invoice_number import keys_from_strings

    t = _text(track).str.upper()
    b_text, e_text = _text(begin), _text(end)
    digits_ok = (b_text.str.fullmatch(r"\d{8}") & e_text.str.fullmatch(r"\d{8}")).fillna(False).to_numpy(dtype=bool)
    kb, okb = keys_from_strings(t + b_text)
    ke, oke = keys_from_strings(t + e_text)
    ok = okb & oke & digits_ok & (kb <= ke)
    return kb, ke, ok


@dataclass
class MachineRanges:
    """The period's machine ranges: ``account``, ``machine``, ``ban``, ``type``, ``begin``, ``end`` (keys), ``row``."""

    frame: pd.DataFrame
    fallback: bool  # from 字軌配號 because 配號設定 has nothing for the period
    findings: list[Finding] = field(default_factory=list)
    where: Location = field(default_factory=Location)

    def for_account(self, account: str | None) -> pd.DataFrame:
        if account is None:
            return self.frame
        return self.frame[self.frame["account"] == account]


def _bad_range_findings(frame: pd.DataFrame, ok: npt.NDArray[np.bool_], where: Location, what: str) -> list[Finding]:
    out = []
    for row in frame.index[~ok][:_MAX_ROW_FINDINGS]:
        out.append(Finding("gaps_bad_range", f"{what}的字軌或起迄號不正確（應為 2 個英文字母與 8 位數字，起號不大於迄號），此列未計入",
                           where.with_row(int(row)), Severity.ERROR))
    return out


def read_machine_ranges(ctx: Context, period: Period, settings: Settings, account: str | None = None) -> MachineRanges:
    """配號設定 rows of the period; when there are none, the 字軌配號 rows of the period (owned by this system)."""
    import pandas as pd

    headers = ("帳別", "機台號", "發票字軌", "起號", "迄號", "申報年月", "發票類別代號", "營業人統編")
    alloc, findings = _typed_subset(ctx, _ALLOCATION, headers)
    where = Location(file=ctx.io.name, sheet=_ALLOCATION.sheet)
    param = ctx.io.read_params(layout.sheet("配號設定")).get("period")
    try:
        default = periods.parse(str(param)) if param not in (None, "") else None
    except InputError:
        default = None
    alloc = alloc[_row_periods(alloc["申報年月"], default or period) == period.code]
    fallback = alloc.empty
    if fallback:
        tracks, more = _typed_subset(
            ctx, _TRACKS, ("營業人統編", "發票類別代號", "發票期別", "發票字軌名稱", "發票起號", "發票迄號", "機台號碼", "申報年月", "擁有者"))
        findings += more
        where = Location(file=ctx.io.name, sheet=_TRACKS.sheet)
        row_period = _row_periods(tracks["申報年月"], None)
        row_period = row_period.where(row_period != "", _row_periods(tracks["發票期別"], None))
        owner = _text(tracks["擁有者"])
        tracks = tracks[(row_period == period.code) & owner.isin(["", "本系統"])]
        source = pd.DataFrame({
            "account": settings.account or account or "",
            "machine": _text(tracks["機台號碼"]),
            "ban": _text(tracks["營業人統編"]),
            "type": _text(tracks["發票類別代號"]),
            "track": tracks["發票字軌名稱"], "b": tracks["發票起號"], "e": tracks["發票迄號"],
        }, index=tracks.index)
        what = "[字軌配號]"
    else:
        source = pd.DataFrame({
            "account": _text(alloc["帳別"]), "machine": _text(alloc["機台號"]),
            "ban": _text(alloc["營業人統編"]), "type": _text(alloc["發票類別代號"]),
            "track": alloc["發票字軌"], "b": alloc["起號"], "e": alloc["迄號"],
        }, index=alloc.index)
        what = "[配號設定]"
    begin, end, ok = _range_keys(source["track"], source["b"], source["e"])
    findings += _bad_range_findings(source, ok, where, what)
    frame = pd.DataFrame({
        "account": source["account"].to_numpy(object), "machine": source["machine"].to_numpy(object),
        "ban": source["ban"].to_numpy(object), "type": source["type"].to_numpy(object),
        "begin": begin, "end": end, "row": source.index.to_numpy(),
    })[ok]
    return MachineRanges(frame.reset_index(drop=True), fallback, findings, where)


def _merged(frame: pd.DataFrame) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    from ..domain import ranges

    return ranges.merge(frame["begin"].to_numpy(), frame["end"].to_numpy())


def _inside(keys: npt.NDArray[np.int64], begins: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which keys lie in the (merged, sorted) ranges."""
    import numpy as np

    if begins.size == 0:
        return np.zeros(keys.size, dtype=bool)
    k = np.searchsorted(ends, keys, "left")
    inside = k < ends.size
    inside[inside] = begins[k[inside]] <= keys[inside]
    return inside


def read_used_numbers(ctx: Context, period: Period, allocation: pd.DataFrame) -> tuple[UsedNumbers, list[Finding]]:
    """Every number in the register (any status) and on the platform, as sorted keys.

    Period membership is by 發票日期, but a number of this period's tracks is *used*
    whatever its date (an issued number must never be reported blank); such a row is
    reported, as is a register row of the period whose number lies outside every range.
    """
    import numpy as np

    from ..domain.invoice_number import keys_from_strings
    from ..steps.blanks import UsedNumbers

    where = Location(file=ctx.io.name, sheet=_REGISTER.sheet)
    prefetch(ctx.io, [_REGISTER.sheet, _PLATFORM.sheet],
             {_REGISTER.sheet: _REGISTER_COLUMNS, _PLATFORM.sheet: _PLATFORM_COLUMNS})
    raw = read_columns(ctx.io, _REGISTER, _REGISTER_COLUMNS)
    # numbers straight from the cells (keys_from_strings repairs what can be repaired); only dates are typed
    register, findings = typed(raw.loc[:, [c for c in ("發票日期",) if c in raw.columns]], _REGISTER, where)
    numbers = raw["發票號碼"] if "發票號碼" in raw.columns else register["發票號碼"]
    keys, ok = keys_from_strings(numbers) if len(register) else (np.empty(0, np.int64), np.empty(0, bool))
    blank = _text(numbers).to_numpy() == "" if len(register) else np.empty(0, bool)
    bad_rows = register.index[~ok & ~blank]
    for row in bad_rows[:_MAX_ROW_FINDINGS]:
        findings.append(Finding("gaps_bad_number", "發票號碼不正確，此列未計入已使用號碼；若確有開立，請修正後重新檢查",
                                where.with_row(int(row), "發票號碼"), Severity.WARNING))
    begins, ends = _merged(allocation)
    if len(register):
        dates = register["發票日期"]
        in_period = (dates >= np.datetime64(period.first_day)) & (dates <= np.datetime64(period.last_day))
        in_period_arr = in_period.fillna(False).to_numpy(dtype=bool)
        dated = dates.notna().to_numpy(dtype=bool)
        inside = _inside(keys, begins, ends) & ok
        findings += _row_findings(
            register.index[inside & dated & ~in_period_arr], where, "gaps_other_period",
            f"發票日期不在 {period.label}，但號碼屬於本期字軌：仍算已使用（不會列為空白），請確認日期")
        findings += _row_findings(
            register.index[ok & ~inside & in_period_arr], where, "gaps_outside_allocation",
            "發票日期在本期，但號碼不在本期任何配號範圍內：請確認[配號設定]或發票號碼")
    platform = _platform_keys(ctx)
    return UsedNumbers.of(keys[ok], platform), findings


def _row_findings(rows: pd.Index, where: Location, code: str, message: str) -> list[Finding]:
    out = [Finding(code, message, where.with_row(int(r), "發票號碼"), Severity.WARNING) for r in rows[:_MAX_ROW_FINDINGS]]
    if len(rows) > _MAX_ROW_FINDINGS:
        out.append(Finding(code, f"另有 {len(rows) - _MAX_ROW_FINDINGS:,} 列同樣的情形未列出", where, Severity.WARNING))
    return out


def _platform_keys(ctx: Context) -> npt.NDArray[np.int64] | None:
    """Numbers on the platform (any state); ``None`` when no status was ever downloaded."""
    import numpy as np

    from ..domain.invoice_number import keys_from_strings

    raw = read_columns(ctx.io, _PLATFORM, _PLATFORM_COLUMNS)
    downloaded = ctx.io.read_params(layout.sheet("平台狀況")).get("downloaded_at")
    if raw.empty or "發票號碼" not in raw.columns:
        return None if param_text(downloaded) is None else np.empty(0, np.int64)
    keys, ok = keys_from_strings(raw["發票號碼"])
    return np.asarray(keys[ok], dtype=np.int64)


def read_sheet(ctx: Context) -> tuple[pd.DataFrame, list[Finding]]:
    """The 跳號作廢 rows as they are, with their period code, keys and row numbers."""
    import numpy as np

    frame, findings = typed(ctx.io.read_table(TABLE), TABLE, Location(file=ctx.io.name, sheet=TABLE.sheet))
    frame = frame.loc[:, list(TABLE.headers)].copy()
    if frame.empty:
        frame["_period"] = []
        frame["_begin"] = np.empty(0, np.int64)
        frame["_end"] = np.empty(0, np.int64)
        frame["_ok"] = np.empty(0, bool)
        frame["_row"] = []
        return frame, findings
    frame["_period"] = _row_periods(frame["申報年月"], None)
    begin, end, ok = _range_keys(frame["發票字軌"], frame["起號"], frame["迄號"])
    frame["_begin"], frame["_end"], frame["_ok"] = begin, end, ok
    frame["_row"] = frame.index.to_numpy()
    voided = (_text(frame["處理"]) == steps.VOIDED).to_numpy(dtype=bool)
    where = Location(file=ctx.io.name, sheet=TABLE.sheet)
    for row in frame.index[voided & ~ok][:_MAX_ROW_FINDINGS]:
        findings.append(Finding("gaps_sheet_row", "已作廢的列字軌或起迄號無法辨識，作廢狀態無法保留；請勿手動修改此表",
                                where.with_row(int(row)), Severity.ERROR))
    return frame, findings


# ----------------------------------------------------------------------------------------------
# Computing
# ----------------------------------------------------------------------------------------------
@dataclass
class GapsRun:
    """One computation of a period's gaps, with what is needed to write the sheet."""

    period: Period
    account: str | None
    machines: MachineRanges
    used: UsedNumbers
    result: steps.GapResult
    kept: pd.DataFrame  # sheet rows outside the scope, kept as they are
    findings: list[Finding]


def _in_scope(sheet: pd.DataFrame, period: Period, account: str | None) -> npt.NDArray[np.bool_]:
    import numpy as np

    mask: npt.NDArray[np.bool_] = np.array(sheet["_period"] == period.code, dtype=bool)
    if account is not None:
        mask &= np.array(_text(sheet["帳別"]) == account, dtype=bool)
    return mask


def compute_gaps(ctx: Context, period: Period, account: str | None, settings: Settings) -> GapsRun:
    """Recompute the period's gaps and carry the 已作廢 state of the sheet over (by number)."""
    import pandas as pd

    machines = read_machine_ranges(ctx, period, settings, account)
    used, used_findings = read_used_numbers(ctx, period, machines.frame)
    sheet, sheet_findings = read_sheet(ctx)
    scope = _in_scope(sheet, period, account)
    state = _text(sheet["處理"]).to_numpy() if len(sheet) else []
    # every voided row of the period: the state is carried by number, whichever 帳別/機台 holds it now
    same_period = _in_scope(sheet, period, None)
    voided_rows = sheet[same_period & (state == steps.VOIDED) & sheet["_ok"].to_numpy(dtype=bool)] if len(sheet) else sheet
    voided = pd.DataFrame({
        "account": _text(voided_rows["帳別"]), "machine": _text(voided_rows["機台號"]),
        "begin": voided_rows["_begin"].astype("int64"), "end": voided_rows["_end"].astype("int64"),
        "row": voided_rows["_row"],
    })
    result = steps.find_gaps(
        machines.for_account(account), used, voided,
        where=machines.where, voided_where=Location(file=ctx.io.name, sheet=TABLE.sheet),
        report_outside=account is None)
    # outside the scope: the same period's other 帳別 stay as they are; other periods keep their voided rows
    keep = ~scope & (same_period | (state == steps.VOIDED)) if len(sheet) else scope
    kept = sheet[keep].loc[:, list(TABLE.headers)] if len(sheet) else sheet.loc[:, list(TABLE.headers)]
    findings = machines.findings + used_findings + sheet_findings + result.findings
    return GapsRun(period, account, machines, used, result, kept, findings)


def sheet_rows(rows: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Result rows (keys) → the 跳號作廢 table's columns."""
    import pandas as pd

    from ..domain.invoice_number import KEY_BASE, track_from_code

    begin = rows["begin"].to_numpy()
    end = rows["end"].to_numpy()
    return pd.DataFrame({
        "序號": 0,
        "帳別": rows["account"].to_numpy(object),
        "機台號": rows["machine"].to_numpy(object),
        "發票字軌": [track_from_code(int(t)) for t in rows["track"].tolist()],
        "起號": [f"{int(b) % KEY_BASE:08d}" for b in begin.tolist()],
        "迄號": [f"{int(e) % KEY_BASE:08d}" for e in end.tolist()],
        "張數": rows["count"].to_numpy(),
        "類型": rows["kind"].to_numpy(object),
        "處理": rows["state"].to_numpy(object),
        "原因": rows["cause"].to_numpy(object),
        "申報年月": period.code,
    }, columns=list(TABLE.headers))


def _write_sheet(ctx: Context, run: GapsRun, rows: pd.DataFrame, status: str) -> pd.DataFrame:
    """Write the scope's rows first, then the kept rows; returns the scope's rows as written."""
    import pandas as pd

    new = sheet_rows(rows, run.period)
    kept = run.kept.reindex(columns=list(TABLE.headers))
    frame = pd.concat([new, kept], ignore_index=True) if len(kept) else new
    frame["序號"] = range(1, len(frame) + 1)
    frame = frame.astype(object).where(frame.notna(), None)
    ctx.io.write_table(TABLE, frame)
    ctx.io.write_params(SHEET, {"account": run.account, "period": run.period.code})
    ctx.io.set_status(SHEET, status)
    return frame.iloc[: len(new)]


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    records: list[dict[str, object]] = frame.to_dict("records")
    for rec in records:
        for key in ("序號", "張數"):
            if rec.get(key) is not None:
                rec[key] = int(str(rec[key]))
    return records


def _describe(rows: pd.DataFrame, limit: int) -> list[str]:
    lines = []
    for rec in rows.head(limit).itertuples(index=False):
        lines.append(f"帳別 {rec.account} 機台 {rec.machine or '（空白）'}　{steps.range_text(int(rec.begin), int(rec.end))}"
                     f"（{int(rec.count):,} 張）")
    if len(rows) > limit:
        lines.append(f"…另有 {len(rows) - limit:,} 組，請見[跳號作廢]工作表")
    return lines


def _log_ranges(rows: pd.DataFrame) -> str:
    parts = [f"{r.account}/{r.machine or '-'} {steps.range_text(int(r.begin), int(r.end))}" for r in rows.itertuples(index=False)]
    text = "; ".join(parts)
    if len(text) > _LOG_CHARS:
        text = text[:_LOG_CHARS].rsplit("; ", 1)[0] + f" …共 {len(parts):,} 組"
    return text


def _scope_label(run: GapsRun) -> str:
    who = f"帳別 {run.account}" if run.account is not None else "全部帳別"
    return f"{run.period.label} {who}"


def _params(run: GapsRun) -> dict[str, object]:
    return {"period": run.period.code, "account": run.account}


def _summary(run: GapsRun, result: steps.GapResult) -> tuple[str, list[str]]:
    """The first line (status) and the detail lines of a check's message."""
    counts = result.counts()
    lines: list[str] = []
    if run.machines.fallback and len(run.machines.frame):
        lines.append(f"[配號設定] 沒有 {run.period.code} 的資料，改用[字軌配號]的整段配號計算"
                     f"（帳別取自[設定]，機台號{'取自機台號碼欄' if (run.machines.frame['machine'] != '').any() else '空白'}）。")
    if counts["跳號組數"] == 0:
        head = f"{steps.NO_GAPS}（{_scope_label(run)}）"
    else:
        head = (f"{_scope_label(run)} 找到跳號 {counts['跳號組數']:,} 組、共 {counts['跳號張數']:,} 張："
                f"待確認 {counts['待確認張數']:,} 張、已作廢 {counts['已作廢張數']:,} 張"
                + (f"、平台有但 ERP 缺漏 {counts['待補ERP張數']:,} 張" if counts["待補ERP張數"] else "") + "。")
    lines.append(f"已檢查 {result.machines:,} 個帳別×機台×字軌；最後已開號碼之後未使用 {counts['未使用張數']:,} 張（列入 E0402）。")
    if not run.used.platform_known and counts["跳號組數"]:
        lines.append("尚未下載平台發票狀況：無法確認跳號是否曾開立，請先[下載平台發票狀況]。")
    return head, lines


def _next_step(result: steps.GapResult) -> str:
    steps_: list[str] = []
    if len(result.fix_erp):
        steps_.append("平台有、ERP 沒有的發票請補匯入[發票資料]後重新[檢查]")
    if len(result.pending):
        steps_.append("確認待確認的跳號確實沒有開立後，按[確定]（invoicetools gaps --void）整批作廢")
    if not steps_:
        steps_.append("到[E0402]按[轉出]產生空白未使用字軌檔")
    return "；".join(steps_) + "。"


# ----------------------------------------------------------------------------------------------
# Actions
# ----------------------------------------------------------------------------------------------
def _start(ctx: Context, period: str | None, account: str | None) -> GapsRun:
    settings = read_settings(ctx.io)
    p = resolve_period(period, settings, where="--period 或[跳號作廢]的申報年月")
    acc = account.strip() if account is not None and account.strip() else None
    run = compute_gaps(ctx, p, acc, settings)
    if run.machines.frame.empty:
        raise InputError(f"{p.label} 沒有配號資料：請先在[配號設定]按[配號]，或匯入[字軌配號]")
    if acc is not None and run.machines.for_account(acc).empty:
        accounts = sorted(set(run.machines.frame["account"].tolist()))
        raise InputError(f"帳別 {acc} 在 {p.code} 沒有配號；有配號的帳別：{'、'.join(a or '（空白）' for a in accounts)}")
    return run


def check_gaps(ctx: Context, period: str | None = None, account: str | None = None) -> ActionResult:
    """[檢查]: recompute the 跳號作廢 sheet for the period (and 帳別). Exit 1 while 跳號 need action."""
    run = _start(ctx, period, account)
    result = run.result
    head, lines = _summary(run, result)
    written = _write_sheet(ctx, run, result.rows, head)
    needs_action = len(result.pending) > 0 or len(result.fix_erp) > 0
    errors = any(f.severity is Severity.ERROR for f in run.findings)
    return finish(ctx, ActionResult(
        STEP, "\n".join([head, *lines]),
        exit_code=ExitCode.FINDINGS if needs_action or errors else ExitCode.OK,
        counts=result.counts(), findings=run.findings, params=_params(run),
        rows=_records(written), next_step=_next_step(result),
    ))


def _upload_check_rows(ctx: Context, period: Period, account: str | None) -> int:
    """Rows of 漏上傳檢核 for the period and 帳別 (rows with no 帳別 count for every 帳別)."""
    raw = ctx.io.read_table(_UPLOAD)
    if raw.empty or "資料申報年月" not in raw.columns:
        return 0
    import numpy as np

    mask = np.array(_row_periods(raw["資料申報年月"], None) == period.code, dtype=bool)
    if account is not None and "帳別" in raw.columns:
        acc = _text(raw["帳別"])
        mask &= np.array((acc == account) | (acc == ""), dtype=bool)
    return int(mask.sum())


def _upload_check_note(ctx: Context, period: Period) -> str:
    params = ctx.io.read_params(layout.sheet("漏上傳檢核"))
    value = params.get("period")
    try:
        checked = periods.parse(str(value)).code if value not in (None, "") else None
    except InputError:
        checked = None
    if checked != period.code:
        return f"提醒：[漏上傳檢核] 尚未對 {period.code} 執行；作廢前請先確認沒有漏上傳的發票。"
    return ""


def _refusals(ctx: Context, run: GapsRun, targets: pd.DataFrame) -> list[str]:
    reasons = []
    pending_upload = _upload_check_rows(ctx, run.period, run.account)
    if pending_upload:
        reasons.append(f"[漏上傳檢核] 仍有 {pending_upload:,} 筆 {run.period.code} 的資料未處理："
                       "漏上傳的發票看起來就像跳號，請先補上傳並重新[查詢]")
    if not run.used.platform_known and len(targets):
        reasons.append("尚未下載平台發票狀況：無法確認跳號是否曾開立，請先[下載平台發票狀況]")
    return reasons


def void_gaps(ctx: Context, period: str | None = None, account: str | None = None) -> ActionResult:
    """[確定] / ``gaps --void``: mark every 待確認 跳號 that was never issued 已作廢, in one confirmed action."""
    run = _start(ctx, period, account)
    forced = bool(ctx.force_reason)
    # numbers of unknown cause (no platform status) are targets too: the refusal below guards them
    rows, changed = steps.mark_void(run.result.rows, include_unknown=True)
    targets = run.result.rows[changed]
    if not len(targets):
        head, lines = _summary(run, run.result)
        written = _write_sheet(ctx, run, run.result.rows, head)
        message = "沒有待確認的跳號，不需要作廢。" + ("\n" + head if steps.NO_GAPS not in head else "")
        return finish(ctx, ActionResult(STEP, "\n".join([message, *lines]), counts=run.result.counts(),
                                        findings=run.findings, params={**_params(run), "action": "void"},
                                        rows=_records(written), next_step=_next_step(run.result)))
    reasons = _refusals(ctx, run, targets)
    if reasons and not forced:
        raise RefusalError("不能整批作廢：" + "；".join(reasons) + "。若確定要作廢，需提供原因（會寫入執行紀錄）。")
    total = int(targets["count"].sum())
    note = _upload_check_note(ctx, run.period)
    prompt = "\n".join([
        f"將把 {_scope_label(run)} 下列 {len(targets):,} 組、共 {total:,} 張跳號標為「已作廢」（從未開立，列入 E0402 空白號碼）：",
        *_describe(targets, _DIALOG_RANGES),
        *([note] if note else []),
        *([f"強制執行，原因：{ctx.force_reason}"] if forced else []),
        "確定要整批作廢嗎？",
    ])
    if not ctx.confirm(prompt):
        return ActionResult(STEP, "已取消，沒有作廢任何號碼。", params={**_params(run), "action": "void"})
    after = steps.GapResult(rows, run.result.findings, run.result.machines)
    message = f"已整批作廢 {len(targets):,} 組、共 {total:,} 張跳號（{_scope_label(run)}），已寫入執行紀錄。"
    written = _write_sheet(ctx, run, rows, message)
    lines = _describe(targets, _DIALOG_RANGES)
    if len(after.fix_erp):
        lines.append(f"平台有但 ERP 缺漏的 {int(after.fix_erp['count'].sum()):,} 張未作廢：請補匯入[發票資料]。")
    if reasons:
        lines.append("強制作廢（" + "；".join(reasons) + "）")
    if note:
        lines.append(note)
    return finish(ctx, ActionResult(
        STEP, "\n".join([message, *lines]), exit_code=ExitCode.OK,
        counts={"作廢組數": len(targets), "作廢張數": total, **after.counts()},
        findings=run.findings,
        params={**_params(run), "action": "void", "作廢區間": _log_ranges(targets)},
        rows=_records(written), next_step="到[E0402]按[轉出]產生空白未使用字軌檔。" if not len(after.pending) else "",
    ))


def unvoid_gaps(ctx: Context, period: str | None = None, account: str | None = None) -> ActionResult:
    """``gaps --unvoid``: take 整批作廢 back (已作廢 → 待確認), logged with the ranges."""
    run = _start(ctx, period, account)
    rows, changed = steps.mark_unvoid(run.result.rows)
    targets = run.result.rows[changed]
    if not len(targets):
        head, _ = _summary(run, run.result)
        written = _write_sheet(ctx, run, run.result.rows, head)
        return finish(ctx, ActionResult(STEP, f"{_scope_label(run)} 沒有已作廢的跳號，不需要取消。",
                                        counts=run.result.counts(), findings=run.findings,
                                        params={**_params(run), "action": "unvoid"}, rows=_records(written)))
    total = int(targets["count"].sum())
    prompt = "\n".join([f"將取消 {_scope_label(run)} {len(targets):,} 組、共 {total:,} 張跳號的作廢（改回待確認）：",
                        *_describe(targets, _DIALOG_RANGES), "確定要取消作廢嗎？"])
    if not ctx.confirm(prompt):
        return ActionResult(STEP, "已取消，沒有變更。", params={**_params(run), "action": "unvoid"})
    message = f"已取消作廢 {len(targets):,} 組、共 {total:,} 張跳號（{_scope_label(run)}），已寫入執行紀錄。"
    written = _write_sheet(ctx, run, rows, message)
    lines = [*_describe(targets, _DIALOG_RANGES),
             "這些號碼回到待確認；E0402 要等再次整批作廢後才能轉出。"]
    if _e0402_rows(ctx, run.period):
        lines.append(f"注意：{run.period.code} 已轉出過 E0402，其中含這些空白號碼。")
    return finish(ctx, ActionResult(
        STEP, "\n".join([message, *lines]), exit_code=ExitCode.OK,
        counts={"取消作廢組數": len(targets), "取消作廢張數": total},
        findings=run.findings,
        params={**_params(run), "action": "unvoid", "取消作廢區間": _log_ranges(targets)},
        rows=_records(written),
    ))


def _e0402_rows(ctx: Context, period: Period) -> int:
    raw = ctx.io.read_table(layout.table("E0402"))
    if raw.empty or "申報年月" not in raw.columns:
        return 0
    return int((_row_periods(raw["申報年月"], None) == period.code).sum())
