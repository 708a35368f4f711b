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

from pathlib import Path
from typing import TYPE_CHECKING

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
from .gaps import compute_gaps
from .gaps_sheet import records
from .reading import resolve_period

if TYPE_CHECKING:
    import pandas as pd

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
# The action
# ----------------------------------------------------------------------------------------------
def export_e0402(
    ctx: Context,
    period: str | None = None,
    out_dir: str | Path | None = None,
    mig: str | None = None,
    *,
    dry_run: bool = False,
) -> ActionResult:
    """[轉出] / ``invoicetools e0402``: write the period's E0402 files and list them on the E0402 sheet."""
    from ..steps.allocation import OWNER_OTHER
    from ..steps.reporting import reported_by_this_system

    settings = read_settings(ctx.io)
    p = resolve_period(period, settings, where="--period 或[E0402]的申報年月")
    version = mig_version(mig, settings)
    head_ban = settings.require_ubn()
    run = compute_gaps(ctx, p, None, settings)
    pending = run.result.pending
    forced = bool(ctx.force_reason)
    if len(pending) and not forced:
        n = int(pending["count"].sum())
        raise RefusalError(
            f"{p.label} 還有 {len(pending):,} 組、共 {n:,} 張跳號待確認，不能轉出 E0402：請到[跳號作廢]工作表確認，"
            "確定從未開立後按[確定]整批作廢；若確定要強制轉出，需提供原因（會寫入執行紀錄）。")
    owned = reported_by_this_system(run.allocation, head_ban, OWNER_OTHER)
    if run.allocation.empty:
        raise InputError(f"{p.label} 沒有配號資料：請先匯入[字軌配號]並在[配號設定]按[配號]")
    findings = run.findings + owned.findings
    broken = [f for f in findings if f.code in _BLOCKING]
    if broken and not forced:
        shown = "；".join(str(f) for f in broken[:3]) + (f"…共 {len(broken):,} 項" if len(broken) > 3 else "")
        raise RefusalError(f"配號資料有問題，E0402 可能不完整，沒有轉出：{shown}。請修正後再轉出，或加 --force 原因 強制轉出。")
    files = build_files(owned, run.used, p, head_ban, version)
    folder, more = output_folder(ctx, out_dir, settings)
    findings += more
    before, others = _previous(ctx, p)
    changes = compare(files, before, folder)
    rows = sheet_rows(files, p, folder.resolve() if folder.exists() else folder)
    total = sum(f.blank_count for f in files)
    params: dict[str, object] = {"period": p.code, "mig": version, "out": str(folder)}
    counts = {"檔案": len(files), "區間": sum(len(f.ranges) for f in files), "空白張數": total}
    notes: list[str] = []
    if forced and len(pending):
        notes.append(f"強制轉出：仍有 {int(pending['count'].sum()):,} 張跳號待確認，已列為空白號碼。")
    if len(run.result.fix_erp):
        notes.append(f"平台有但[發票資料]缺漏的 {int(run.result.fix_erp['count'].sum()):,} 張不列入空白號碼；請補匯入 ERP 資料。")
    if changes:
        notes.append("與上次轉出相比：\n" + "\n".join(changes[:_DIALOG_LINES])
                     + (f"\n…另有 {len(changes) - _DIALOG_LINES:,} 項" if len(changes) > _DIALOG_LINES else ""))

    if not files:
        message = f"{p.label} 本系統負責申報的字軌沒有空白未使用號碼，不需要轉出 E0402。"
        if dry_run:
            return ActionResult(STEP, message, counts=counts, findings=findings, params=params, rows=[])
        _write_sheet(ctx, p, rows, others, message, folder)
        return finish(ctx, ActionResult(STEP, "\n".join([message, *notes]), counts=counts, findings=findings,
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
            return ActionResult(STEP, "已取消，沒有寫入任何檔案。", params=params)
    login, login_findings = _platform_login(ctx, settings)
    findings += login_findings
    from .files import transaction

    with transaction() as tx:  # the files are taken back if the workbook cannot be written
        for f in files:
            tx.add(folder / f.name, f.data)
        outputs = tx.commit()
        rows["輸出位置"] = str(folder.resolve())
        message = f"已轉出 {summary}"
        written = _write_sheet(ctx, p, rows, others, message, folder)
        lines = [message, f"輸出位置：{folder.resolve()}", *notes, *([login] if login else [])]
        errors = any(f.severity is Severity.ERROR for f in findings)  # e.g. a voided number that is issued after all
        return finish(ctx, ActionResult(
            STEP, "\n".join(lines), exit_code=ExitCode.FINDINGS if errors else ExitCode.OK, counts=counts,
            findings=findings,
            outputs=outputs, params=params, rows=records(written),
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
