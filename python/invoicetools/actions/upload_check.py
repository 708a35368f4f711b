"""漏上傳檢核: reconcile the ERP register with the platform status for a period, 帳別 and date range.

:func:`reconcile_uploads` reads 發票資料 and 平台狀況 (in parallel where the backend can),
refuses while the platform status is missing or older than the newest invoice checked
(unless ``ctx.force_reason`` is set), asks the period's allocation (``actions.reading``),
runs ``steps.upload_check.check`` and writes one row per problem to the 漏上傳檢核 sheet —
or 「恭喜您！此次無漏上傳資料！」. :func:`reconcile_uploads_from_sheet` is the sheet's [查詢]:
the same with the parameters typed on the sheet.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..book import layout
from ..book.io import param_text
from ..book.settings import read_settings
from ..domain import periods
from ..domain.errors import ExitCode, Finding, InputError, Location, RefusalError, Severity
from ..domain.periods import Period
from .base import ActionResult, Context, finish
from .reading import platform_downloaded, read_allocation
from .upload_common import date_text, failed_read

if TYPE_CHECKING:
    import pandas as pd

    from ..sources.register import Register
    from ..steps.upload_check import Scope, UploadCheck

__all__ = [
    "CLEAN_MESSAGE",
    "PREREQUISITE_MESSAGE",
    "STEP_CHECK",
    "UploadProblems",
    "reconcile_uploads",
    "reconcile_uploads_from_sheet",
    "upload_check_scope",
    "upload_problems",
]

STEP_CHECK = "漏上傳檢核"
CLEAN_MESSAGE = "恭喜您！此次無漏上傳資料！"
PREREQUISITE_MESSAGE = "資料檢核前，請先執行[下載平台發票狀況]"

_INVOICES = layout.table("發票資料")
_PLATFORM = layout.table("平台狀況")
_CHECK_SHEET = layout.sheet("漏上傳檢核")
_CHECK = layout.table("漏上傳檢核")


# --------------------------------------------------------------------------- the sheet's parameters


def _param_date(value: object, label: str) -> datetime.date | None:
    from ..domain.dates import parse_date

    if param_text(value) is None:
        return None
    try:
        return parse_date(value)
    except InputError as exc:
        raise InputError(f"[漏上傳檢核] {label}：{exc.message}", found=value) from None


def _param_period(value: object) -> Period | None:
    text = param_text(value)
    if text is None:
        return None
    try:
        return periods.parse(text)
    except InputError as exc:
        raise InputError(f"[漏上傳檢核] 資料申報年月：{exc.message}", found=value) from None


def reconcile_uploads_from_sheet(ctx: Context) -> ActionResult:
    """[查詢]: the parameters as typed on the 漏上傳檢核 sheet (申報年月 falls back to [設定])."""
    values = ctx.io.read_params(_CHECK_SHEET)
    return reconcile_uploads(
        ctx,
        period=_param_period(values.get("period")),
        account=param_text(values.get("account")),
        date_from=_param_date(values.get("date_from"), "發票日期"),
        date_to=_param_date(values.get("date_to"), "發票日期（至）"),
    )


# --------------------------------------------------------------------------- the pieces of a run


@dataclass
class _Run:
    """One 漏上傳檢核: what is checked and what the sheet shows for it."""

    scope: Scope
    params: dict[str, object]
    findings: list[Finding] = field(default_factory=list)

    @property
    def sheet_params(self) -> dict[str, object]:
        s = self.scope
        return {"account": s.account, "period": s.period.code, "date_from": s.date_from, "date_to": s.date_to}

    @property
    def dates(self) -> str:
        return f"{date_text(self.scope.first)} ~ {date_text(self.scope.last)}"


def _scope(ctx: Context, period: str | Period | None, account: str | None,
           date_from: datetime.date | None, date_to: datetime.date | None) -> _Run:
    from ..steps.upload_check import Scope

    settings = read_settings(ctx.io)
    p = periods.parse(period) if period else settings.period
    if p is None:
        raise InputError("請指定資料申報年月（--period，例如 11302），或在[設定]填寫「申報年月」")
    account = account.strip() or None if account is not None else None
    scope = Scope(p, date_from, date_to, account)
    if scope.empty:
        raise InputError(f"發票日期區間 {date_text(date_from)} ~ {date_text(date_to)} 不在資料申報年月 {p.label} 之內")
    return _Run(scope, {"period": p.code, "account": account, "from": date_from, "to": date_to})


def _write_sheet(ctx: Context, run: _Run, rows: pd.DataFrame, status: str) -> None:
    """The 漏上傳檢核 table (replaced whole), its parameters and its status line."""
    ctx.io.write_table(_CHECK, rows.reindex(columns=list(_CHECK.headers)))
    ctx.io.write_params(_CHECK_SHEET, run.sheet_params)
    ctx.io.set_status(_CHECK_SHEET, status)


def _in_dates(data: pd.DataFrame, scope: Scope) -> Any:
    import pandas as pd

    day = data["issued"].dt.normalize()
    return ((day >= pd.Timestamp(scope.first)) & (day <= pd.Timestamp(scope.last))).to_numpy(dtype=bool)


def _stale_reason(ctx: Context, data: pd.DataFrame, scope: Scope) -> str:
    """Why the platform status cannot be trusted for this check ('' when it can): never downloaded,
    or downloaded before the newest invoice checked was issued."""
    from ..domain.dates import parse_datetime

    in_range = (data["key"].to_numpy() >= 0) & _in_dates(data, scope)
    newest = data.loc[in_range, "issued"].max() if in_range.any() else None
    try:
        text = param_text(platform_downloaded(ctx))
        downloaded = parse_datetime(text) if text is not None else None
    except InputError:
        downloaded = None
    if downloaded is None:
        return "平台發票狀況尚未下載"
    if newest is not None and downloaded < newest.to_pydatetime():
        return f"平台發票狀況下載於 {downloaded:%Y/%m/%d %H:%M}，早於最新一張發票的開立時間 {newest:%Y/%m/%d %H:%M}"
    return ""


def _guard_freshness(ctx: Context, run: _Run, reason: str) -> None:
    """Refuse (logged, exit 1) on a missing or stale platform status, unless forced with a reason."""
    import pandas as pd

    if not reason:
        return
    refusal = f"{PREREQUISITE_MESSAGE}（{reason}）"
    where = Location(file=ctx.io.name, sheet=_PLATFORM.sheet)
    if not ctx.force_reason:
        _write_sheet(ctx, run, pd.DataFrame(columns=list(_CHECK.headers)), refusal)
        finish(ctx, ActionResult(STEP_CHECK, refusal, exit_code=ExitCode.FINDINGS, params=run.params,
                                 findings=[Finding("prerequisite", refusal, where)]))
        raise RefusalError(refusal)
    run.findings.append(Finding("prerequisite_forced", f"{refusal}；依 --force 原因「{ctx.force_reason}」仍執行檢核，結果可能不完整",
                                where, Severity.WARNING))


def _register_findings(reg: Register, scope: Scope) -> list[Finding]:
    """The register's findings for rows that may be in the range (duplicates are rows of the sheet already)."""
    data = reg.data
    near = _in_dates(data, scope) | data["issued"].isna().to_numpy()
    if scope.account:
        own = data["帳別"].astype("string").str.strip().fillna("")
        near &= ((own == "") | (own == scope.account)).to_numpy(dtype=bool)
    relevant = set(data.loc[near, "row"].tolist())
    return [f for f in reg.findings if f.code != "duplicate_invoice_number" and f.where.row in relevant]


@dataclass
class _Verdict:
    status: str  # the sheet's status line
    message: str
    next_step: str
    exit_code: int


def _verdict(out: UploadCheck, errors: int, run: _Run) -> _Verdict:
    """What the check says: the problems; no data at all; data that could not be checked; results
    still pending on the platform; or — only when none of these — the all-clear."""
    n = len(out.rows)
    waiting = (f"另有 {out.pending:,} 張平台仍在處理中（尚未確認上傳成功），請稍後重新[下載平台發票狀況]再按[查詢]。"
               if out.pending else "")
    who = f"、帳別 {run.scope.account}" if run.scope.account else ""
    if n:
        parts = "、".join(f"{k} {v:,}" for k, v in out.counts.items() if v)
        status = f"共 {n:,} 筆：{parts}" + (f"；其中 {out.overdue:,} 筆已超過上傳期限" if out.overdue else "")
        return _Verdict(status, f"漏上傳檢核：{status}（檢核 {out.checked:,} 張發票，{run.dates}）。" + waiting,
                        "補傳未上傳、上傳失敗的發票與作廢；確認平台已作廢、重號、不在配號範圍與平台有帳上無的發票；"
                        "完成後重新[下載平台發票狀況]，再按[查詢]。", ExitCode.FINDINGS)
    if not out.checked:
        status = f"[發票資料] 在 {run.dates}{who} 沒有發票資料可檢核"
        return _Verdict(status, f"{status}：請確認資料申報年月與發票日期範圍，或先按[匯入發票資料]匯入本期的發票。",
                        "匯入本期的 ERP 發票資料（invoicetools invoices import），再按[查詢]。", ExitCode.FINDINGS)
    if errors:
        status = f"沒有找到漏上傳資料，但有 {errors:,} 個問題使部分資料無法檢核（見[檢核訊息]）"
        return _Verdict(status, status + "；請修正後再查詢。" + waiting,
                        "修正[檢核訊息]列出的發票資料後重新匯入，再按[查詢]。", ExitCode.FINDINGS)
    if out.pending:
        status = f"沒有找到漏上傳資料，但有 {out.pending:,} 張發票平台仍在處理中"
        return _Verdict(status, f"{status}（檢核 {out.checked:,} 張發票，{run.dates}）。\n{waiting}",
                        "稍後重新[下載平台發票狀況]，再按[查詢]。", ExitCode.FINDINGS)
    return _Verdict(f"{CLEAN_MESSAGE}（檢核 {out.checked:,} 張發票，{run.dates}）",
                    f"{CLEAN_MESSAGE}\n檢核 {out.checked:,} 張發票，發票日期 {run.dates}。",
                    "可以繼續[異常跳號整批作廢]。", ExitCode.OK)


def _notes(ctx: Context, from_tracks: bool) -> list[Finding]:
    if not from_tracks:
        return []
    return [Finding("allocation_from_tracks", "[配號設定] 沒有本期資料，以[字軌配號]的配號區間檢核（帳別取自[設定]）",
                    Location(file=ctx.io.name, sheet="字軌配號"), Severity.INFO)]


@dataclass
class UploadProblems:
    """漏上傳檢核 computed, nothing written: the result, the findings, and whether the platform status
    can be trusted (``stale``: why not; '' when it can)."""

    out: UploadCheck
    findings: list[Finding]
    stale: str
    from_tracks: bool


def upload_problems(ctx: Context, run: _Run) -> UploadProblems:
    """Read 發票資料 and 平台狀況 (in parallel where the backend can) and reconcile them for ``run``'s
    scope; raises ``InputError`` when a sheet cannot be read at all. Writes nothing."""
    from ..sources.register import prepare_register
    from ..sources.status import platform_input
    from ..steps.upload_check import check

    book = ctx.io.name
    reg_where = Location(file=book, sheet=_INVOICES.sheet)
    plat_where = Location(file=book, sheet=_PLATFORM.sheet)
    ctx.io.prefetch([_INVOICES.sheet, _PLATFORM.sheet])
    raw, plat_raw = ctx.io.read_table(_INVOICES), ctx.io.read_table(_PLATFORM)
    reg = prepare_register(raw, reg_where, for_sheet=False)
    platform, plat_findings = platform_input(plat_raw, plat_where)
    allocation = read_allocation(ctx, run.scope.period, read_settings(ctx.io))
    out = check(reg.data, platform, allocation, scope=run.scope, now=ctx.now().replace(microsecond=0),
                where=reg_where, platform_where=plat_where)
    findings = _register_findings(reg, run.scope) + plat_findings + allocation.findings + out.findings
    if not out.checked:
        findings.append(Finding("no_invoices", f"[發票資料] 在 {run.dates}"
                                + (f"、帳別 {run.scope.account}" if run.scope.account else "") + " 沒有發票資料可檢核",
                                reg_where, Severity.ERROR))
    return UploadProblems(out, findings, _stale_reason(ctx, reg.data, run.scope), allocation.from_tracks)


def upload_check_scope(ctx: Context, period: str | Period | None, account: str | None = None,
                       date_from: datetime.date | None = None, date_to: datetime.date | None = None) -> _Run:
    """What one 漏上傳檢核 covers (the period falls back to [設定]; a date range must lie in it)."""
    return _scope(ctx, period, account, date_from, date_to)


# --------------------------------------------------------------------------- the action


def reconcile_uploads(
    ctx: Context,
    *,
    period: str | Period | None = None,
    account: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> ActionResult:
    """發票資料漏上傳檢核: one row per problem on 漏上傳檢核, or 「恭喜您！此次無漏上傳資料！」."""
    import pandas as pd

    from ..steps.upload_check import HEADERS

    run = _scope(ctx, period, account, date_from, date_to)
    try:
        problems = upload_problems(ctx, run)
    except InputError as exc:
        _write_sheet(ctx, run, pd.DataFrame(columns=list(_CHECK.headers)), f"無法讀取：{exc}")
        return failed_read(ctx, STEP_CHECK, exc, run.params)
    _guard_freshness(ctx, run, problems.stale)
    out = problems.out
    findings = run.findings + problems.findings
    verdict = _verdict(out, sum(1 for f in findings if f.severity is Severity.ERROR and f.code != "no_invoices"), run)
    findings += _notes(ctx, problems.from_tracks)
    _write_sheet(ctx, run, out.rows.drop(columns=["row"]), verdict.status)
    counts = {k: v for k, v in out.counts.items() if v}
    return finish(ctx, ActionResult(
        STEP_CHECK, verdict.message, exit_code=verdict.exit_code,
        counts={"檢核發票": out.checked, "問題": len(out.rows), **counts, "逾期": out.overdue, "處理中": out.pending},
        findings=findings, params=run.params, rows=_json_rows(out.rows.reindex(columns=list(HEADERS))),
        next_step=verdict.next_step,
    ))


def _json_rows(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows keyed by the sheet's headers: dates as dates, 期限 as a date-time, blanks as None."""
    import pandas as pd

    def plain(header: str, value: object) -> object:
        if value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value):
            return None
        if isinstance(value, pd.Timestamp):
            return value.date() if header in ("發票日期", "轉檔日") else value.to_pydatetime()
        if hasattr(value, "item"):
            return value.item()  # numpy scalars
        return value

    headers = list(rows.columns)
    columns = [rows[h].astype(object).tolist() for h in headers]
    return [{h: plain(h, v) for h, v in zip(headers, values, strict=True)} for values in zip(*columns, strict=True)]
