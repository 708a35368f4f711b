"""轉出E0401: the booklets 配號設定 hands to branches, one XSD-valid file per branch × head-office range,
written atomically into Turnkey's ``UpCast/B2PMESSAGE/E0401/SRC`` (or a chosen folder)."""

from __future__ import annotations

from pathlib import Path

from ..book import layout
from ..book.settings import Settings, read_settings
from ..book.tables import read_typed
from ..domain.errors import ExitCode, InputError, Location
from .allocation_sheet import SHEET, period_of
from .base import ActionResult, Context, finish

__all__ = ["E0401_STEP", "e0401_folder", "export_e0401"]

E0401_STEP = "E0401"
_TRACKS = layout.table("字軌配號")
_ALLOCATION = layout.table("配號設定")


def e0401_folder(settings: Settings, out_dir: Path | str | None) -> Path:
    """Where E0401 files go: a Turnkey root (a folder holding ``UpCast``) → its E0401 SRC folder.

    ``out_dir`` first, then 設定's Turnkey資料夾, then 輸出資料夾; any other folder is used as it is.
    """
    for candidate in (out_dir, settings.turnkey_dir, settings.output_dir):
        if candidate is None or str(candidate).strip() == "":
            continue
        folder = Path(candidate)
        if (folder / "UpCast").is_dir():
            return folder / "UpCast" / "B2PMESSAGE" / "E0401" / "SRC"
        return folder
    raise InputError("請在[設定]填寫 Turnkey資料夾或輸出資料夾，或用 --out 指定 E0401 的輸出資料夾")


def export_e0401(ctx: Context, *, period: str | None = None, out_dir: Path | str | None = None) -> ActionResult:
    """轉出E0401: one file per branch × head-office range with the booklets 配號設定 gives the branch.

    Branch rows are the period's 配號設定 rows whose 營業人統編 is not the company's (a machine
    with 分支機構統編 in 機台配號設定). Every file is validated against the XSD of 設定's MIG
    version before anything is written; all files are written or none.
    """
    from ..mig import e0401
    from ..steps.tracks import branch_plans
    from .files import transaction

    settings = read_settings(ctx.io)
    head = settings.require_ubn()
    the_period = period_of(ctx, settings, period, required=True)
    assert the_period is not None
    version = settings.mig_version
    tracks, _ = read_typed(ctx.io, _TRACKS)
    allocation, _ = read_typed(ctx.io, _ALLOCATION)
    plans, findings = branch_plans(
        tracks, allocation, head_ban=head, period=the_period.code,
        tracks_where=Location(file=ctx.io.name, sheet=_TRACKS.sheet),
        allocation_where=Location(file=ctx.io.name, sheet=_ALLOCATION.sheet),
    )
    params: dict[str, object] = {"period": the_period.code, "mig": version, "out": str(out_dir or "")}
    result = ActionResult(E0401_STEP, "", params=params, findings=findings)
    if findings:
        result.message = f"E0401 無法轉出：有 {len(findings)} 個問題，沒有寫出任何檔案。"
        result.exit_code = ExitCode.BAD_INPUT
        ctx.io.set_status(SHEET, result.message)
        return finish(ctx, result)
    if not plans:
        result.message = (f"{the_period.label} 沒有分配給分支機構的配號（[機台配號設定]的分支機構統編都是空白），"
                          "不需要 E0401。")
        ctx.io.set_status(SHEET, result.message)
        return finish(ctx, result)
    folder = e0401_folder(settings, out_dir)
    built: list[tuple[Path, bytes]] = []
    for plan in plans:
        data = e0401.build(
            head_ban=plan.head_ban, branch_ban=plan.branch_ban, invoice_type=plan.invoice_type,
            year_month=plan.year_month, track=plan.track, begin=plan.begin, end=plan.end,
            items=plan.items, version=version,
        )
        name = e0401.file_name(branch_ban=plan.branch_ban, year_month=plan.year_month, track=plan.track,
                               invoice_type=plan.invoice_type, begin=plan.begin)
        built.append((folder / name, data))
    with transaction() as tx:  # the files are taken back if the workbook cannot be written
        for path, data in built:
            tx.add(path, data)
        outputs = tx.commit()
        result.outputs = outputs
        result.counts = {"檔案": len(outputs), "分支機構": len({p.branch_ban for p in plans}),
                         "組數": sum(p.booklets for p in plans)}
        result.message = (f"已轉出 {len(outputs)} 個 E0401 分支機構配號檔（MIG {version}，{the_period.label}），"
                          f"共 {result.counts['組數']:,} 組，寫到 {folder}。")
        result.next_step = "由 Turnkey 上傳；之後可在 Turnkey 的訊息紀錄查看處理結果。"
        result.rows = [
            {"檔案名稱": out.path.name, "總公司統編": plan.head_ban, "分支機構統編": plan.branch_ban,
             "發票類別代號": plan.invoice_type, "申報年月": plan.year_month, "發票字軌": plan.track,
             "總公司起號": f"{plan.begin:08d}", "總公司迄號": f"{plan.end:08d}", "區間數": len(plan.items),
             "組數": plan.booklets, "sha256": out.sha256, "輸出位置": str(out.path)}
            for plan, out in zip(plans, outputs, strict=True)
        ]
        ctx.io.set_status(SHEET, result.message)
        return finish(ctx, result, files=tx)
