"""E0402 空白未使用字軌檔: one validated XML file per 營業人 × 發票類別 × 期別 × 字軌 of the period.

Blanks = the allocation this system owns − every used number (register any status, platform).
The voided 跳號 and the 未使用 tails of a track go into one file, merged and ascending; a
track with no blanks gets no file. What this system owns comes from 字軌配號 擁有者 (an
explicit owner wins; a blank owner is 本系統 when the booklet is assigned to a machine on
配號設定, else 其他系統) plus the 配號設定 ranges themselves. A track split between owners is
warned about: two E0402 uploads for one track replace each other on the platform.

The export refuses while a 跳號 is still 待確認 (it points at the 跳號作廢 sheet) unless
forced with a reason. Before writing, it compares with the files it wrote last time for the
period (the E0402 sheet and the files still in the output folder) and shows what changed;
in Excel that is a confirmation. Files are validated against the MIG XSD, written under a
temporary name and renamed, all or none, into ``<Turnkey>/UpCast/B2PMESSAGE/E0402/SRC``
when the folder is a Turnkey root, else into the folder itself. Names are deterministic and
a rerun gives byte-identical files.

The ERP screen asks for 申報年月 and the platform password before 轉出. Turnkey signs and
uploads with its own certificate, so the file hand-off needs no password; when a 加值中心 is
set in 設定, its login must be in the OS keyring: asked for once if missing and stored there,
never in the sheet, the log or a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..book import layout
from ..book.settings import Settings, read_settings
from ..domain.errors import ExitCode, Finding, InputError, Location, RefusalError, Severity
from ..domain.periods import Period
from .base import ActionResult, Context, finish
from .e0402_files import (
    SHEET,
    SRC,
    TABLE,
    E0402File,
    build_files,
    compare,
    mig_version,
    output_folder,
    sheet_rows,
)
from .gaps import GapsRun, compute_gaps
from .gaps_sheet import records
from .reading import resolve_period

if TYPE_CHECKING:
    import pandas as pd

    from ..steps.reporting import Reported

__all__ = ["STEP", "E0402File", "export_e0402", "output_folder"]

STEP = "E0402"
_DIALOG_LINES = 20
_BLOCKING = ("gaps_overlap", "gaps_bad_range", "allocation_bad_track")  # allocation rows that could not be used


def _previous(ctx: Context, period: Period) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows of this period, rows of other periods) on the E0402 sheet."""
    from ..steps.allocation import row_periods

    raw = ctx.io.read_table(TABLE)
    if raw.empty or "申報年月" not in raw.columns:
        empty = raw.reindex(columns=list(TABLE.headers))
        return empty, empty
    raw = raw.reindex(columns=list(TABLE.headers))
    same = row_periods(raw, "申報年月") == period.code
    return raw[same], raw[~same]


def _platform_login(ctx: Context, settings: Settings) -> tuple[str, list[Finding]]:
    """When a 加值中心 is set: make sure its login is in the OS keyring (ask once). Never returns a secret."""
    provider = settings.provider
    if not provider:
        return "", []
    from ..sources import credentials

    ubn = settings.require_ubn()
    try:
        if credentials.is_stored(provider, ubn):
            return f"{provider} 平台登入資訊：由系統密碼儲存區取得。", []
    except InputError as exc:
        return "", [Finding("e0402_keyring", f"無法讀取 {provider} 的登入資訊：{exc.message}",
                            Location(sheet="設定", column="登入資訊"), Severity.WARNING)]
    secret = ctx.host.ask_secret(f"請輸入 {provider} 平台密碼（會存入作業系統的密碼儲存區，不會寫入活頁簿）：")
    if not secret:
        return f"未輸入 {provider} 平台密碼：E0402 檔仍已寫入，請由 Turnkey 或平台上傳。", []
    try:
        credentials.save(credentials.Credentials(provider, ubn, password=secret))
    except InputError as exc:
        return "", [Finding("e0402_keyring", f"無法儲存 {provider} 的登入資訊：{exc.message}",
                            Location(sheet="設定", column="登入資訊"), Severity.WARNING)]
    return f"{provider} 平台密碼已存入系統密碼儲存區（不會寫入活頁簿）。", []


# ----------------------------------------------------------------------------------------------
# Before anything is written: is the filing ready?
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Reason:
    text: str
    overridable: bool  # --force REASON may go on; False: the file would be wrong whatever the reason
    forced: str = ""  # what the message says when it was overridden (default: the reason itself)


def _stale_status(ctx: Context, run: GapsRun) -> str:
    """Why 平台狀況 cannot be trusted for the period's blanks ('' when it can): never downloaded, or
    downloaded no later than the day of the newest invoice of the period (an invoice issued and
    missing from the ERP export would then be declared blank)."""
    from ..book.io import param_text
    from ..domain.dates import parse_datetime
    from .reading import platform_downloaded

    text = param_text(platform_downloaded(ctx))
    try:
        downloaded = parse_datetime(text) if text is not None else None
    except InputError:
        downloaded = None
    if downloaded is None:
        return "平台發票狀況尚未下載"
    if run.latest_issued is not None and downloaded.date() <= run.latest_issued:
        return (f"平台發票狀況下載於 {downloaded:%Y/%m/%d %H:%M}，不晚於本期最新一張發票的發票日期 "
                f"{run.latest_issued:%Y/%m/%d}")
    return ""


def _undecided(owned: Reported, run: GapsRun, book: str) -> _Reason | None:
    """Booklets nobody has said who reports: given to no machine, 擁有者 blank, 設定 其他系統開立發票 blank."""
    from ..steps.blanks import format_ranges

    if not len(owned.undecided):
        return None
    lines = []
    for track, pieces in owned.undecided.groupby("track", sort=True):
        booklets = int(((pieces["end"] - pieces["begin"] + 1) // 50).sum())
        lines.append(f"字軌 {track} {format_ranges(pieces['begin'], pieces['end'], limit=200)}（{booklets:,} 組）")
    first = owned.undecided.iloc[0]
    example = f"{first['track']}:{int(first['begin']) % 10**8:08d}-{int(first['end']) % 10**8:08d}"
    return _Reason(
        f"{'、'.join(lines)} 沒有分配給機台，也沒有填擁有者，不知道由誰申報空白號碼。請擇一決定："
        f"在[設定]填「其他系統開立發票」＝否（由本系統申報，列入 E0402）或＝是（由其他系統申報）"
        f"（invoicetools settings --book {book} 其他系統開立發票=否）；或在[字軌配號]的擁有者欄逐段標明 本系統／其他系統"
        f"（invoicetools tracks owner --book {book} {example} 本系統）", overridable=False)


def _foreign_bans(ctx: Context, run: GapsRun, head_ban: str) -> _Reason | None:
    """A track whose 營業人統編 is neither the company's nor a branch named in 機台配號設定."""
    from ..book.tables import clean_ids
    from ..domain.invoice_number import KEY_BASE, track_from_code

    machines = ctx.io.read_table(layout.table("機台配號設定"))
    branches = set(clean_ids(machines["分支機構統編"]).dropna()) if "分支機構統編" in machines.columns else set()
    allowed = {head_ban, *branches}
    tracks = run.allocation.tracks
    foreign: dict[str, set[str]] = {}
    for frame in (tracks, run.allocation.machines):
        for ban, begin in zip(frame["ban"].tolist(), frame["begin"].tolist(), strict=True):
            if ban and ban not in allowed:
                foreign.setdefault(str(ban), set()).add(track_from_code(int(begin) // KEY_BASE))
    if not foreign:
        return None
    named = "、".join(f"{ban}（字軌 {'、'.join(sorted(t))}）" for ban, t in sorted(foreign.items()))
    return _Reason(
        f"配號的營業人統編 {named} 不是[設定]的統一編號 {head_ban}，也不是[機台配號設定]的分支機構統編："
        "請確認[設定]的統一編號是否正確、分支機構是否已填在[機台配號設定]，或重新匯入本公司的配號", overridable=False)


def _reasons(ctx: Context, run: GapsRun, owned: Reported, head_ban: str) -> list[_Reason]:
    """Every reason the period's E0402 is not ready, overridable ones first."""
    reasons: list[_Reason] = []
    pending = run.result.pending
    if len(pending):
        n = int(pending["count"].sum())
        reasons.append(_Reason(
            f"還有 {len(pending):,} 組、共 {n:,} 張跳號待確認：請到[跳號作廢]工作表確認，"
            "確定從未開立後按[確定]整批作廢", overridable=True, forced=f"仍有 {n:,} 張跳號待確認，已列為空白號碼"))
    stale = _stale_status(ctx, run)
    if stale:
        reasons.append(_Reason(f"{stale}：請先[下載平台發票狀況]，否則已開立但 ERP 漏匯出的發票會被當成空白號碼申報",
                               overridable=True))
    broken = [f for f in run.findings + owned.findings if f.code in _BLOCKING]
    if broken:
        shown = "；".join(str(f) for f in broken[:3]) + (f"…共 {len(broken):,} 項" if len(broken) > 3 else "")
        reasons.append(_Reason(f"配號資料有問題，E0402 可能不完整：{shown}", overridable=True))
    for reason in (_undecided(owned, run, ctx.io.name), _foreign_bans(ctx, run, head_ban)):
        if reason is not None:
            reasons.append(reason)
    return reasons


def _refuse_unless_ready(ctx: Context, run: GapsRun, owned: Reported, head_ban: str) -> list[str]:
    """Raise ``RefusalError`` while the filing is not ready; with ``--force`` only the overridable
    reasons are passed over, and they come back as notes for the message and the run log."""
    reasons = _reasons(ctx, run, owned, head_ban)
    if not reasons:
        return []
    hard = [r for r in reasons if not r.overridable]
    if hard or not ctx.force_reason:
        shown = hard or reasons
        hint = ("若確定要強制轉出，需提供原因（會寫入執行紀錄）。" if not hard
                else "這些問題會讓申報錯誤，不能強制轉出，請先處理。")
        raise RefusalError(f"{run.period.label} 不能轉出 E0402：" + "；".join(r.text for r in shown) + "。" + hint,
                           overridable=not hard)
    return [f"強制轉出：{r.forced or r.text}（原因：{ctx.force_reason}）。" for r in reasons]


def _open_upload_rows(ctx: Context, period: Period) -> int:
    """Rows the 漏上傳檢核 sheet still lists for the period."""
    from ..steps.allocation import row_periods

    raw = ctx.io.read_table(layout.table("漏上傳檢核"))
    if raw.empty or "資料申報年月" not in raw.columns:
        return 0
    return int((row_periods(raw, "資料申報年月") == period.code).sum())


# ----------------------------------------------------------------------------------------------
# The action
# ----------------------------------------------------------------------------------------------
def _notes(ctx: Context, run: GapsRun, forced: list[str], changes: list[str]) -> list[str]:
    notes = list(forced)
    if len(run.result.fix_erp):
        notes.append(f"平台有但[發票資料]缺漏的 {int(run.result.fix_erp['count'].sum()):,} 張不列入空白號碼；請補匯入 ERP 資料。")
    open_rows = _open_upload_rows(ctx, run.period)
    if open_rows:
        notes.append(f"注意：[漏上傳檢核] 仍有 {open_rows:,} 筆 {run.period.code} 的資料待處理（漏上傳、上傳失敗或作廢未上傳），"
                     "請補傳後重新[下載平台發票狀況]並[查詢]；E0402 已排除這些已開立的號碼。")
    if changes:
        notes.append("與上次轉出相比：\n" + "\n".join(changes[:_DIALOG_LINES])
                     + (f"\n…另有 {len(changes) - _DIALOG_LINES:,} 項" if len(changes) > _DIALOG_LINES else ""))
    return notes


def _unassigned(settings: Settings) -> str | None:
    """Who reports booklets no machine holds and no 擁有者 names: 設定 其他系統開立發票 (否: 本系統)."""
    from ..steps.allocation import OWNER_OTHER, OWNER_SELF

    other = settings.other_systems
    return None if other is None else (OWNER_OTHER if other else OWNER_SELF)


def export_e0402(
    ctx: Context,
    period: str | None = None,
    out_dir: str | Path | None = None,
    mig: str | None = None,
    *,
    dry_run: bool = False,
) -> ActionResult:
    """[轉出] / ``invoicetools e0402``: write the period's E0402 files and list them on the E0402 sheet."""
    from ..steps.reporting import reported_by_this_system

    settings = read_settings(ctx.io)
    p = resolve_period(period, settings, where="--period 或[E0402]的申報年月")
    version = mig_version(mig, settings)
    head_ban = settings.require_ubn()
    run = compute_gaps(ctx, p, None, settings)
    if run.allocation.empty:
        raise InputError(f"{p.label} 沒有配號資料：請先匯入[字軌配號]並在[配號設定]按[配號]")
    owned = reported_by_this_system(run.allocation, head_ban, _unassigned(settings))
    forced = _refuse_unless_ready(ctx, run, owned, head_ban)
    findings = run.findings + owned.findings
    files = build_files(owned, run.used, p, head_ban, version)
    folder, more = output_folder(ctx, out_dir, settings)
    findings += more
    before, others = _previous(ctx, p)
    changes = compare(files, before, folder)
    rows = sheet_rows(files, p, folder.resolve() if folder.exists() else folder)
    total = sum(f.blank_count for f in files)
    params: dict[str, object] = {"period": p.code, "mig": version, "out": str(folder)}
    counts = {"檔案": len(files), "區間": sum(len(f.ranges) for f in files), "空白張數": total}
    notes = _notes(ctx, run, forced, changes)
    needs_action = _open_upload_rows(ctx, p) > 0
    if not files:
        message = f"{p.label} 本系統負責申報的字軌沒有空白未使用號碼，不需要轉出 E0402。"
        if dry_run:
            return ActionResult(STEP, message, counts=counts, findings=findings, params=params, rows=[])
        _write_sheet(ctx, p, rows, others, message, folder)
        return finish(ctx, ActionResult(STEP, "\n".join([message, *notes]), counts=counts, findings=findings,
                                        exit_code=ExitCode.FINDINGS if needs_action else ExitCode.OK,
                                        params=params, rows=[]))
    summary = (f"{p.label}：{len(files):,} 個 E0402 檔（MIG {version}），共 {counts['區間']:,} 組、{total:,} 張空白號碼，"
               f"上傳期限 {p.blank_deadline:%Y/%m/%d}。")
    if dry_run:
        preview = rows.copy()
        preview["序號"] = range(1, len(preview) + 1)
        return ActionResult(STEP, "\n".join([f"預覽（沒有寫入任何檔案）：{summary}", *notes]), counts=counts,
                            findings=findings, params={**params, "dry_run": True}, rows=records(preview))
    if changes and len(before):
        prompt = "\n".join([summary, *notes, "同一字軌再次上傳 E0402 會取代平台上先前的空白號碼。確定要轉出嗎？"])
        if not ctx.host.confirm(prompt):
            return ActionResult(STEP, "\n".join(["沒有寫入任何檔案：這次的空白號碼與上次轉出的不同，需要確認才會取代。",
                                                  *notes, "命令列請加 --yes 確認取代；Excel 請在詢問時按[是]。"]),
                                exit_code=ExitCode.FINDINGS, params=params)
    return _write_files(ctx, settings, run, files, (folder, rows, others), summary, notes, counts, params,
                        findings, needs_action)


def _write_files(ctx: Context, settings: Settings, run: GapsRun, files: list[E0402File],
                 where: tuple[Path, pd.DataFrame, pd.DataFrame], summary: str, notes: list[str],
                 counts: dict[str, int], params: dict[str, object], findings: list[Finding],
                 needs_action: bool) -> ActionResult:
    """Write the files (all or none), the E0402 sheet and the run log, as one commit."""
    from .files import transaction

    folder, rows, others = where
    login, login_findings = _platform_login(ctx, settings)
    findings = findings + login_findings
    with transaction() as tx:  # the files are taken back if the workbook cannot be written
        for f in files:
            tx.add(folder / f.name, f.data)
        outputs = tx.commit()
        rows["輸出位置"] = str(folder.resolve())
        message = f"已轉出 {summary}"
        written = _write_sheet(ctx, run.period, rows, others, message, folder)
        lines = [message, f"輸出位置：{folder.resolve()}", *notes, *([login] if login else [])]
        errors = any(f.severity is Severity.ERROR for f in findings)  # e.g. a voided number that is issued after all
        return finish(ctx, ActionResult(
            STEP, "\n".join(lines), exit_code=ExitCode.FINDINGS if errors or needs_action else ExitCode.OK,
            counts=counts, findings=findings, outputs=outputs, params=params, rows=records(written),
            next_step=("Turnkey 會自動上傳 SRC 資料夾中的檔案；上傳後請到平台確認結果。"
                       if folder.parts[-len(SRC):] == SRC else "請將檔案交給 Turnkey 或到平台上傳。"),
        ), files=tx)


def _write_sheet(ctx: Context, period: Period, rows: pd.DataFrame, others: pd.DataFrame, status: str,
                 folder: Path) -> pd.DataFrame:
    import pandas as pd

    frame = pd.concat([rows, others.reindex(columns=list(TABLE.headers))], ignore_index=True) if len(others) else rows
    frame = frame.copy()
    frame["序號"] = range(1, len(frame) + 1)
    frame = frame.astype(object).where(frame.notna(), None)
    ctx.io.write_table(TABLE, frame)
    ctx.io.write_params(SHEET, {"period": period.code})
    ctx.io.set_status(SHEET, status)
    return frame.iloc[: len(rows)]
