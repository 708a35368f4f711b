"""漏上傳檢核 actions: import the ERP register, get the platform status, run the check.

* :func:`import_invoices` – a register file → the 發票資料 sheet (whole), findings per bad row;
* :func:`import_status` – status files / Turnkey results / TURNKEY_MESSAGE_LOG exports →
  the 平台狀況 sheet (whole) with 下載時間 and 來源;
* :func:`fetch_status` – the same from a value-added centre's API (credentials from the
  keyring, the provider's retry and error rules);
* :func:`check_upload` – 發票資料 × 平台狀況 (× the period's allocation) → the 漏上傳檢核
  sheet, one row per problem, or 「恭喜您！此次無漏上傳資料！」. Refuses (exit 1) when the
  platform status was never downloaded or is older than the newest invoice checked,
  unless ``ctx.force_reason`` is set.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..book import layout
from ..book.settings import read_settings
from ..domain import periods
from ..domain.errors import ExitCode, Finding, InputError, Location, RefusalError, Severity, show_found
from ..domain.periods import Period
from .base import ActionResult, Context, finish, prefetch

if TYPE_CHECKING:
    import httpx
    import pandas as pd

    from ..sources.status import StatusImport

__all__ = [
    "CLEAN_MESSAGE",
    "PREREQUISITE_MESSAGE",
    "check_upload",
    "check_upload_from_sheet",
    "fetch_status",
    "import_invoices",
    "import_status",
]

STEP_INVOICES = "匯入發票資料"
STEP_STATUS = "下載平台發票狀況"
STEP_CHECK = "漏上傳檢核"
CLEAN_MESSAGE = "恭喜您！此次無漏上傳資料！"
PREREQUISITE_MESSAGE = "資料檢核前，請先執行[下載平台發票狀況]"

_INVOICES = layout.table("發票資料")
_PLATFORM_SHEET = layout.sheet("平台狀況")
_PLATFORM = layout.table("平台狀況")
_CHECK_SHEET = layout.sheet("漏上傳檢核")
_CHECK = layout.table("漏上傳檢核")


def _failed_read(ctx: Context, step: str, exc: InputError, params: dict[str, object]) -> ActionResult:
    """Input that cannot be read at all: a finding with its place, nothing written but the log."""
    where = exc.where or Location()
    text = exc.message + (f"（讀到「{show_found(exc.found)}」）" if exc.found is not ... else "")
    result = ActionResult(
        step, f"無法讀取：{exc}", exit_code=ExitCode.BAD_INPUT, params=params,
        findings=[Finding("unreadable_input", text, where)],
    )
    return finish(ctx, result)


def _exit_code(findings: Sequence[Finding]) -> int:
    return ExitCode.FINDINGS if any(f.severity is Severity.ERROR for f in findings) else ExitCode.OK


def _date_text(day: datetime.date | None) -> str:
    return f"{day:%Y/%m/%d}" if day else "（無）"


# --------------------------------------------------------------------------- 發票資料


def import_invoices(ctx: Context, path: Path) -> ActionResult:
    """The ERP's register file → 發票資料 (replaced whole). Bad rows are kept and reported."""
    from ..sources.register import prepare_register, read_register

    params: dict[str, object] = {"file": path.name}
    try:
        raw, where = read_register(path)
    except InputError as exc:
        return _failed_read(ctx, STEP_INVOICES, exc, params)
    reg = prepare_register(raw, where)
    ctx.io.write_table(_INVOICES, reg.sheet)
    c = reg.counts
    message = (
        f"已匯入 {c['發票']:,} 張發票（開立 {c['開立']:,}、作廢 {c['作廢']:,}、註銷 {c['註銷']:,}），"
        f"發票日期 {_date_text(reg.first_date)} ~ {_date_text(reg.last_date)}。"
    )
    if c["無法檢核"]:
        message += f"\n有 {c['無法檢核']:,} 列的發票號碼或發票日期無法辨識，已原樣保留在[發票資料]，請修正後重新匯入。"
    if c["重號"]:
        message += f"\n有 {c['重號']:,} 列的發票號碼重複（重號）。"
    result = ActionResult(
        STEP_INVOICES, message, exit_code=_exit_code(reg.findings), counts=dict(c), findings=reg.findings,
        params=params, next_step="按[下載平台發票狀況]取得平台資料，再按[查詢]（漏上傳檢核）。",
    )
    return finish(ctx, result)


# --------------------------------------------------------------------------- 平台狀況


def _write_status(ctx: Context, imported: StatusImport, params: dict[str, object],
                  started: datetime.datetime | None = None) -> ActionResult:
    """Replace 平台狀況; 下載時間 is when the download started (the platform's state is as of then)."""
    from ..domain.records import PlatformState

    now = (started or ctx.now()).replace(microsecond=0)
    frame = imported.frame.reindex(columns=list(_PLATFORM.headers))
    ctx.io.write_table(_PLATFORM, frame)
    ctx.io.write_params(_PLATFORM_SHEET, {"downloaded_at": now, "source": imported.source})
    counts = imported.counts
    states = "、".join(f"{s.value} {counts.get(s.value, 0):,}" for s in PlatformState if counts.get(s.value, 0))
    message = f"已取得 {len(frame):,} 筆平台發票狀況（{states or '無資料'}），來源：{imported.source}，下載時間 {now:%Y/%m/%d %H:%M}。"
    if not len(frame):
        message += "\n沒有任何發票狀況；請確認檔案或查詢期間是否正確。"
    result = ActionResult(
        STEP_STATUS, message, exit_code=_exit_code(imported.findings), counts=dict(counts),
        findings=imported.findings, params=params,
        next_step="按[查詢]（invoicetools check-upload）執行漏上傳檢核。",
    )
    return finish(ctx, result)


def import_status(ctx: Context, paths: Sequence[Path]) -> ActionResult:
    """Status files, Turnkey result files/folders or TURNKEY_MESSAGE_LOG exports → 平台狀況 (replaced whole)."""
    from ..sources.status import combine, read_status_path

    started = ctx.now()
    params: dict[str, object] = {"files": "、".join(p.name for p in paths)}
    if not paths:
        raise InputError("請指定平台發票狀況檔、Turnkey 結果檔或資料夾")
    imports = []
    for path in paths:
        try:
            imports.append(read_status_path(path))
        except InputError as exc:
            return _failed_read(ctx, STEP_STATUS, exc, params)
    return _write_status(ctx, combine(imports), params, started)


def fetch_status(
    ctx: Context,
    provider: str | None = None,
    *,
    period: str | Period | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    base_url: str | None = None,
    transport: httpx.BaseTransport | None = None,
    provider_options: Mapping[str, Any] | None = None,
) -> ActionResult:
    """Every invoice of the period (or ``date_from``..``date_to``) from a value-added centre → 平台狀況.

    The login rules are those of 自動匯入 (``actions.tracks.fetch_tracks``): the OS keyring,
    else the context asks (input boxes in Excel) and saves; a rejected login may be typed
    again once. Retries and errors are the provider's (``sources.providers.base``).
    ``transport``/``provider_options`` are the test seams (httpx MockTransport, ``sleep`` …).
    """
    from ..sources.providers import Provider
    from ..sources.status import fetch_status as fetch
    from .provider_login import provider_label, provider_name, with_provider

    started = ctx.now()
    settings = read_settings(ctx.io)
    ubn = settings.require_ubn()
    name = provider_name(settings, provider)
    p = periods.parse(period) if period else settings.period
    today = started.date()
    if p is None and not (date_from and date_to):
        raise InputError("請指定申報年月（--period，例如 11402），或在[設定]填寫「申報年月」")
    begin = date_from or (p.first_day if p else today)
    end = date_to or (min(p.last_day, today) if p else today)
    if begin > end:
        raise InputError(f"查詢期間的起日 {begin:%Y/%m/%d} 晚於迄日 {end:%Y/%m/%d}（期間尚未開始？）")
    params: dict[str, object] = {"provider": name, "from": begin.isoformat(), "to": end.isoformat()}
    ctx.progress(f"下載平台發票狀況（{begin:%Y/%m/%d} ~ {end:%Y/%m/%d}）…", None, None)

    def download(client: Provider) -> Any:
        return fetch(client, begin, end, progress=ctx.progress)

    imported = with_provider(ctx, settings, name, ubn, download, base_url=base_url, transport=transport,
                             options=provider_options)
    if name == "ecpay":
        imported.findings.append(Finding(
            "provider_b2c_only",
            "綠界「查詢多筆發票」只提供 B2C 發票；B2B（買方有統編）的發票若也由綠界開立，請另以狀況檔或 Turnkey 結果匯入",
            Location(file=provider_label(name)), Severity.INFO))
    return _write_status(ctx, imported, params, started)


# --------------------------------------------------------------------------- 漏上傳檢核


def _param_date(value: object, label: str) -> datetime.date | None:
    from ..domain.dates import parse_date

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_date(value)
    except InputError as exc:
        raise InputError(f"[漏上傳檢核] {label}：{exc.message}", found=value) from None


def _param_period(value: object) -> Period | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]
    try:
        return periods.parse(value)
    except InputError as exc:
        raise InputError(f"[漏上傳檢核] 資料申報年月：{exc.message}", found=value) from None


def _downloaded_at(value: object) -> datetime.datetime | None:
    from ..domain.dates import parse_datetime

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_datetime(value)
    except InputError:
        return None


def _allocation(ctx: Context, period: Period) -> tuple[pd.DataFrame | None, str, list[Finding]]:
    """The period's ranges from 配號設定 (with 帳別), else from 字軌配號; ``(frame, sheet used, findings)``."""
    findings: list[Finding] = []
    for sheet, cols in (("配號設定", ("帳別", "發票字軌", "起號", "迄號", "申報年月", None)),
                        ("字軌配號", (None, "發票字軌名稱", "發票起號", "發票迄號", "申報年月", "發票期別"))):
        try:
            raw = ctx.io.read_table(layout.table(sheet))
        except InputError as exc:
            findings.append(Finding("allocation_unreadable", f"無法讀取配號資料：{exc.message}",
                                    Location(file=ctx.io.name, sheet=sheet), Severity.WARNING))
            continue
        frame = _ranges(raw, cols, period)
        if frame is not None and len(frame):
            return frame, sheet, findings
    return None, "", findings


def _ranges(raw: pd.DataFrame, cols: tuple[str | None, ...], period: Period) -> pd.DataFrame | None:
    import numpy as np
    import pandas as pd

    from ..book.tables import clean_ids
    from ..domain.invoice_number import keys_from_strings

    account_col, track_col, begin_col, end_col, ym_col, label_col = cols
    assert track_col and begin_col and end_col and ym_col
    if raw.empty or any(c not in raw.columns for c in (track_col, begin_col, end_col)):
        return None

    def text(col: str | None) -> pd.Series:
        if col is None or col not in raw.columns:
            return pd.Series([pd.NA] * len(raw), index=raw.index, dtype="string")
        return clean_ids(raw[col]).astype("string")

    track = text(track_col).str.upper()
    begin = text(begin_col).str.zfill(8)
    end = text(end_col).str.zfill(8)
    b_keys, b_ok = keys_from_strings((track + begin).astype("object").where((track + begin).notna(), None))
    e_keys, e_ok = keys_from_strings((track + end).astype("object").where((track + end).notna(), None))
    ym = text(ym_col).fillna("")
    if label_col is not None:
        ym = ym.where(ym != "", text(label_col).fillna(""))
    codes: dict[str, str] = {}
    for value in ym.unique():
        try:
            codes[str(value)] = periods.parse(str(value)).code if value else ""
        except InputError:
            codes[str(value)] = "?"
    code = ym.map(codes)
    keep = b_ok & e_ok & ((code == period.code) | (code == "")).to_numpy(dtype=bool)
    return pd.DataFrame({
        "begin": b_keys[keep].astype(np.int64),
        "end": e_keys[keep].astype(np.int64),
        "帳別": text(account_col).to_numpy()[keep],
    })


def check_upload_from_sheet(ctx: Context) -> ActionResult:
    """[查詢]: the parameters as typed on the 漏上傳檢核 sheet (申報年月 falls back to [設定])."""
    values = ctx.io.read_params(_CHECK_SHEET)
    account = values.get("account")
    if isinstance(account, float) and account.is_integer():
        account = int(account)  # 帳別 typed into a number cell
    text = str(account).strip() if account is not None else ""
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    return check_upload(
        ctx,
        period=_param_period(values.get("period")),
        account=text or None,
        date_from=_param_date(values.get("date_from"), "發票日期"),
        date_to=_param_date(values.get("date_to"), "發票日期（至）"),
    )


def check_upload(
    ctx: Context,
    *,
    period: str | Period | None = None,
    account: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> ActionResult:
    """發票資料漏上傳檢核: one row per problem on 漏上傳檢核, or 「恭喜您！此次無漏上傳資料！」."""
    import pandas as pd

    from ..sources.register import prepare_register
    from ..sources.status import platform_input
    from ..steps.upload_check import HEADERS, Scope, check

    settings = read_settings(ctx.io)
    p = periods.parse(period) if period else settings.period
    if p is None:
        raise InputError("請指定資料申報年月（--period，例如 11302），或在[設定]填寫「申報年月」")
    if account is not None:
        account = account.strip() or None
    scope = Scope(p, date_from, date_to, account)
    if scope.empty:
        raise InputError(
            f"發票日期區間 {_date_text(date_from)} ~ {_date_text(date_to)} 不在資料申報年月 {p.label} 之內")
    params: dict[str, object] = {"period": p.code, "account": account, "from": date_from, "to": date_to}
    sheet_params = {"account": account, "period": p.code, "date_from": date_from, "date_to": date_to}
    now = ctx.now().replace(microsecond=0)
    book = ctx.io.name
    reg_where = Location(file=book, sheet=_INVOICES.sheet)
    plat_where = Location(file=book, sheet=_PLATFORM.sheet)

    def write(rows: pd.DataFrame, status: str) -> None:
        ctx.io.write_table(_CHECK, rows.reindex(columns=list(_CHECK.headers)))
        ctx.io.write_params(_CHECK_SHEET, sheet_params)
        ctx.io.set_status(_CHECK_SHEET, status)

    empty = pd.DataFrame(columns=list(_CHECK.headers))
    try:
        prefetch(ctx.io, [_INVOICES.sheet, _PLATFORM.sheet])
        raw = ctx.io.read_table(_INVOICES)
        plat_raw = ctx.io.read_table(_PLATFORM)
    except InputError as exc:
        write(empty, f"無法讀取：{exc}")
        return _failed_read(ctx, STEP_CHECK, exc, params)
    reg = prepare_register(raw, reg_where, for_sheet=False)
    platform, plat_findings = platform_input(plat_raw, plat_where)

    # the prerequisite: a platform status at least as new as the newest invoice checked
    data = reg.data
    day = data["issued"].dt.normalize()
    in_dates = (day >= pd.Timestamp(scope.first)).to_numpy(dtype=bool) & (day <= pd.Timestamp(scope.last)).to_numpy(
        dtype=bool)
    in_range = (data["key"].to_numpy() >= 0) & in_dates
    newest = data.loc[in_range, "issued"].max() if in_range.any() else None
    downloaded = _downloaded_at(ctx.io.read_params(_PLATFORM_SHEET).get("downloaded_at"))
    findings: list[Finding] = []
    reason = ""
    if downloaded is None:
        reason = "平台發票狀況尚未下載"
    elif newest is not None and downloaded < newest.to_pydatetime():
        reason = (f"平台發票狀況下載於 {downloaded:%Y/%m/%d %H:%M}，早於最新一張發票的開立時間 "
                  f"{newest:%Y/%m/%d %H:%M}")
    if reason:
        refusal = f"{PREREQUISITE_MESSAGE}（{reason}）"
        if not ctx.force_reason:
            write(empty, refusal)
            finish(ctx, ActionResult(STEP_CHECK, refusal, exit_code=ExitCode.FINDINGS, params=params,
                                     findings=[Finding("prerequisite", refusal, Location(file=book, sheet=_PLATFORM.sheet))]))
            raise RefusalError(refusal)
        findings.append(Finding("prerequisite_forced", f"{refusal}；依 --force 原因「{ctx.force_reason}」仍執行檢核，結果可能不完整",
                                Location(file=book, sheet=_PLATFORM.sheet), Severity.WARNING))

    allocation, alloc_sheet, alloc_findings = _allocation(ctx, p)
    out = check(reg.data, platform, allocation, scope=scope, now=now, where=reg_where, platform_where=plat_where)

    # register findings for rows that may be in the range (duplicates are rows already)
    near = in_dates | data["issued"].isna().to_numpy()
    if account:
        own = data["帳別"].astype("string").str.strip().fillna("")
        near &= ((own == "") | (own == account)).to_numpy(dtype=bool)
    relevant = set(data.loc[near, "row"].tolist())
    findings += [f for f in reg.findings if f.code != "duplicate_invoice_number" and f.where.row in relevant]
    findings += plat_findings + alloc_findings + out.findings
    errors = [f for f in findings if f.severity is Severity.ERROR]

    rows = out.rows
    n = len(rows)
    counts = {k: v for k, v in out.counts.items() if v}
    if n:
        parts = "、".join(f"{k} {v:,}" for k, v in counts.items())
        status = f"共 {n:,} 筆：{parts}"
        if out.overdue:
            status += f"；其中 {out.overdue:,} 筆已超過上傳期限"
        message = f"漏上傳檢核：{status}（檢核 {out.checked:,} 張發票，{_date_text(scope.first)} ~ {_date_text(scope.last)}）。"
        next_step = ("補傳未上傳、上傳失敗的發票與作廢；確認重號、不在配號範圍與平台有帳上無的發票；"
                     "完成後重新[下載平台發票狀況]，再按[查詢]。")
        code = ExitCode.FINDINGS
    elif errors:
        status = f"沒有找到漏上傳資料，但有 {len(errors):,} 個問題使部分資料無法檢核（見[檢核訊息]）"
        message = status + "；請修正後再查詢。"
        next_step = "修正[檢核訊息]列出的發票資料後重新匯入，再按[查詢]。"
        code = ExitCode.FINDINGS
    else:
        status = f"{CLEAN_MESSAGE}（檢核 {out.checked:,} 張發票，{_date_text(scope.first)} ~ {_date_text(scope.last)}）"
        message = f"{CLEAN_MESSAGE}\n檢核 {out.checked:,} 張發票，發票日期 {_date_text(scope.first)} ~ {_date_text(scope.last)}。"
        next_step = "可以繼續[異常跳號整批作廢]。"
        code = ExitCode.OK
        if not out.checked:
            status = f"{CLEAN_MESSAGE}（但這個範圍沒有任何發票資料）"
            message = f"{CLEAN_MESSAGE}\n注意：[發票資料] 在這個範圍沒有任何發票，請確認申報年月與發票資料。"
    if not out.checked:
        findings.append(Finding("no_invoices", f"[發票資料] 在 {_date_text(scope.first)} ~ {_date_text(scope.last)}"
                                + (f"、帳別 {account}" if account else "") + " 沒有任何發票；請確認申報年月與發票資料",
                                Location(file=book, sheet=_INVOICES.sheet), Severity.WARNING))
    if alloc_sheet == "字軌配號":
        findings.append(Finding("allocation_from_tracks", "[配號設定] 沒有本期資料，以[字軌配號]的配號區間檢核；平台有帳上無的帳別留空",
                                Location(file=book, sheet="字軌配號"), Severity.INFO))
    write(rows.drop(columns=["row"]), status)
    json_rows = _json_rows(rows.reindex(columns=list(HEADERS)))
    result = ActionResult(
        STEP_CHECK, message, exit_code=code,
        counts={"檢核發票": out.checked, "問題": n, **counts, "逾期": out.overdue},
        findings=findings, params=params, rows=json_rows, next_step=next_step,
    )
    return finish(ctx, result)


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
