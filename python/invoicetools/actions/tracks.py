"""配號設定 actions: import and fetch the track allocation, log in to a provider, allocate, E0401.

Shared by the CLI (``invoicetools tracks …``) and the sheet buttons (``excel/tracks.py``):

* :func:`import_tracks` — 手動匯入: MOF files (CSV/xlsx), E0501 files and Turnkey folders;
* :func:`fetch_tracks` — 自動匯入 ([F9] 下載&轉入) from a value-added centre;
* :func:`login` / :func:`logout` — the provider login, kept in the OS keyring only;
* :func:`allocate_tracks` — 配號: booklets of 50 to each 帳別 × 機台 of 機台配號設定;
* :func:`export_e0401` — 轉出E0401: the booklets handed to branches, one XSD-valid file per
  branch × head-office range, written atomically into Turnkey's ``UpCast/B2PMESSAGE/E0401/SRC``;
* :func:`owned_ranges` — for the later steps: every allocated range with its owner.

Import and fetch replace the 字軌配號 rows of each 營業人統編 × 申報年月 they bring and keep
the rest; nothing is written when any row is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..book import layout
from ..book.io import param_text
from ..book.settings import read_settings
from ..book.tables import read_typed
from ..domain import periods
from ..domain.errors import ExitCode, Finding, InputError, Location, Severity
from .base import ActionResult, Context, finish
from .provider_login import (
    ask_credentials,
    check_and_save,
    provider_label,
    provider_name,
    show_login_state,
    with_provider,
)

if TYPE_CHECKING:
    import httpx
    import pandas as pd

    from ..book.settings import Settings
    from ..sources.mof_tracks import TrackSource

__all__ = [
    "IMPORT_STEP",
    "allocate_tracks",
    "e0401_folder",
    "export_e0401",
    "fetch_tracks",
    "import_tracks",
    "login",
    "logout",
    "owned_ranges",
]

IMPORT_STEP = "配號匯入"
ALLOCATE_STEP = "配號"
E0401_STEP = "E0401"
LOGIN_STEP = "加值中心登入"

_SHEET = layout.sheet("配號設定")
_TRACKS = layout.table("字軌配號")
_MACHINES = layout.table("機台配號設定")
_ALLOCATION = layout.table("配號設定")
_SOURCE_NAMES = {"ecpay": "ECPay"}
_TRUE = {"是", "y", "yes", "true", "1", "v", "t"}

# What each provider's login asks for: (Credentials field, zh-TW prompt, secret?).


# ------------------------------------------------------------------------------------------------
# shared helpers
# ------------------------------------------------------------------------------------------------


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return value is not None and str(value).strip().lower() in _TRUE


def _blank(value: object) -> bool:
    """None, NaN, NA, NaT or only spaces."""
    if value is None:
        return True
    import pandas as pd

    try:
        if pd.isna(value) is True:
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(value, str) and value.strip() == ""



def _period(ctx: Context, settings: Settings, explicit: object, *, required: bool) -> periods.Period | None:
    """The period: given, else 配號設定's 申報年月, else 設定's."""
    params = ctx.io.read_params(_SHEET)
    for raw, where in ((explicit, None), (params.get("period"), Location(sheet="配號設定", column="申報年月"))):
        text = param_text(raw)
        if text is not None:
            try:
                return periods.parse(text)
            except InputError as exc:
                raise InputError(f"申報年月：{exc.message}", where=where, found=exc.found) from None
    if settings.period is not None:
        return settings.period
    if required:
        raise InputError("請在[配號設定]或[設定]填寫申報年月（例如 11402），或用 --period 指定")
    return None


def _exit_code(findings: Sequence[Finding]) -> int:
    if any(f.severity is Severity.ERROR for f in findings):
        return ExitCode.BAD_INPUT
    if any(f.severity is Severity.WARNING for f in findings):
        return ExitCode.FINDINGS
    return ExitCode.OK


def _records(frame: pd.DataFrame, headers: Sequence[str]) -> list[dict[str, Any]]:
    out = frame.reindex(columns=list(headers))
    return [
        {h: (None if _blank(v) else v) for h, v in zip(headers, row, strict=True)}
        for row in out.itertuples(index=False, name=None)
    ]


def _cell_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Blank cells as None (pandas NA/NaN/NaT do not belong in a sheet)."""
    return frame.astype(object).where(frame.notna(), None)


# ------------------------------------------------------------------------------------------------
# import and fetch
# ------------------------------------------------------------------------------------------------


def import_tracks(
    ctx: Context, paths: Sequence[Path | str], *, period: str | None = None, all_year: bool | None = None
) -> ActionResult:
    """手動匯入: MOF files (CSV/xlsx), E0501 files and folders → 字軌配號.

    ``period``/``all_year`` default to 配號設定's 申報年月 and 下載全年資料 (then 設定's 申報年月);
    with no period anywhere, every period in the files is imported.
    """
    from ..sources.mof_tracks import read_sources

    chosen = [Path(p) for p in paths]
    if not chosen:
        raise InputError("請指定配號檔（財政部 CSV/xlsx、E0501 檔或 Turnkey 資料夾）")
    ctx.progress("讀取配號檔…", None, None)
    read = read_sources(chosen)
    names = "、".join(p.name for p in chosen)
    return _import_sources(
        ctx, read.sources, read.findings, period=period, all_year=all_year,
        params={"files": names}, what=f"{len(read.files)} 個檔案",
    )


def _import_sources(
    ctx: Context,
    sources: Sequence[TrackSource],
    findings: list[Finding],
    *,
    period: object,
    all_year: bool | None,
    params: dict[str, object],
    what: str,
    step: str = IMPORT_STEP,
    force_period: periods.Period | None = None,
    force_all_year: bool | None = None,
) -> ActionResult:
    import pandas as pd

    from ..steps.tracks import TRACK_HEADERS, merge_import, parse_track_rows, period_filter

    settings = read_settings(ctx.io)
    company = settings.ubn
    sheet_params = ctx.io.read_params(_SHEET)
    if force_period is not None or force_all_year is not None:
        the_period, whole_year = force_period, bool(force_all_year)
    else:
        the_period = _period(ctx, settings, period, required=False)
        whole_year = all_year if all_year is not None else _flag(sheet_params.get("all_year"))
    wanted, wanted_label = period_filter(the_period.code if the_period else None, all_year=whole_year)
    params = {**params, "period": the_period.code if the_period else None, "all_year": whole_year}

    parsed: list[pd.DataFrame] = []
    for src in sources:
        rows, row_findings = parse_track_rows(src.frame, src.where, source=src.name)
        parsed.append(rows)
        findings += row_findings
    if not company:
        findings.append(Finding("track_no_company", "[設定]沒有統一編號，未檢查配號檔的營業人統編是否為本公司",
                                Location(sheet="設定", column="統一編號"), Severity.WARNING))
    rows_read = sum(len(s.frame) for s in sources)
    incoming = pd.concat(parsed, ignore_index=True) if parsed else pd.DataFrame(columns=list(TRACK_HEADERS))
    existing, _ = read_typed(ctx.io, _TRACKS)
    merged = merge_import(
        existing, incoming, now=ctx.now(), company_ubn=company, wanted=wanted, wanted_label=wanted_label,
        sheet=Location(file=ctx.io.name, sheet=_TRACKS.sheet), rows_read=rows_read,
    )
    findings += merged.findings
    result = ActionResult(step, "", params=params, findings=findings)
    result.counts = {"讀到": rows_read}
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors or merged.table is None:
        if not errors and rows_read == 0:
            findings.append(Finding("track_nothing", "沒有讀到任何配號資料", Location()))
        n_err = len([f for f in findings if f.severity is Severity.ERROR])
        result.message = f"配號資料有 {n_err} 個錯誤，未匯入任何資料；請修正後再匯入。"
        result.exit_code = ExitCode.BAD_INPUT
        ctx.io.set_status(_SHEET, result.message)
        return finish(ctx, result)

    table = merged.table
    ctx.io.write_table(_TRACKS, _cell_values(table.reindex(columns=list(_TRACKS.headers))))
    covered = [periods.parse(c) for c in merged.periods]
    if _blank(sheet_params.get("period")) and len(covered) == 1:
        ctx.io.write_params(_SHEET, {"period": covered[0].code})
    labels = "、".join(p.label for p in covered)
    if merged.added == 0 and merged.removed == 0 and merged.changed == 0:
        result.message = f"{labels} 的配號與已匯入的資料相同，沒有變更（{merged.imported} 個區間，{merged.booklets:,} 組）。"
    else:
        parts = [f"新增 {merged.added}", f"變更 {merged.changed}", f"移除 {merged.removed}", f"未變更 {merged.unchanged}"]
        result.message = (f"已匯入 {labels} 的配號：{merged.imported} 個區間，共 {merged.booklets:,} 組"
                          f"（{'、'.join(parts)}）；來源 {what}。")
    if merged.skipped_periods:
        result.message += f"\n略過其他期別的 {merged.skipped_periods} 個區間。"
    result.counts = {"讀到": rows_read, "區間": merged.imported, "組數": merged.booklets, "新增": merged.added,
                     "變更": merged.changed, "移除": merged.removed}
    result.exit_code = _exit_code(findings)
    result.next_step = "按[配號]把 50 張一組的發票分配給各帳別與機台（invoicetools tracks allocate）。"
    ctx.io.set_status(_SHEET, result.message.splitlines()[0])
    in_scope = table[table["申報年月"].isin(merged.periods)]
    result.rows = _records(in_scope, _TRACKS.headers)
    return finish(ctx, result)


def login(
    ctx: Context, *, provider: str | None = None, merchant_id: str | None = None, url: str | None = None
) -> ActionResult:
    """Ask for the provider login (帳號, HashKey/HashIV or 密碼, 網址) and keep it in the OS keyring.

    The sheet's 登入資訊 shows only whether it is stored. Nothing secret is written anywhere else.
    """
    from ..sources.credentials import require_backend

    settings = read_settings(ctx.io)
    ubn = settings.require_ubn()
    name = provider_name(settings, provider)
    require_backend()  # no keyring: say so before anyone types a secret
    credentials = ask_credentials(ctx, name, ubn, merchant_id=merchant_id, url=url)
    if credentials is None:
        raise InputError("已取消：沒有輸入登入資訊")
    check_and_save(name, credentials)
    label = show_login_state(ctx, settings, name, ubn)
    shown = provider_label(name)
    result = ActionResult(
        LOGIN_STEP,
        f"{shown}登入資訊（統一編號 {ubn}，帳號 {credentials.merchant_id}）已存入作業系統的密碼儲存區；"
        f"[設定]的登入資訊顯示「{label}」。",
        params={"provider": name, "ubn": ubn},
        next_step="按[自動匯入]下載配號（invoicetools tracks fetch）。",
    )
    return finish(ctx, result)


def logout(ctx: Context, *, provider: str | None = None) -> ActionResult:
    """Remove the stored provider login from the OS keyring."""
    from ..sources import credentials as store

    settings = read_settings(ctx.io)
    ubn = settings.require_ubn()
    name = provider_name(settings, provider)
    removed = store.delete(name, ubn)
    label = show_login_state(ctx, settings, name, ubn)
    text = "已刪除" if removed else "原本就沒有儲存"
    result = ActionResult(LOGIN_STEP, f"{name} 登入資訊（統一編號 {ubn}）{text}；[設定]的登入資訊顯示「{label}」。",
                          params={"provider": name, "ubn": ubn, "logout": True})
    return finish(ctx, result)


def fetch_tracks(
    ctx: Context,
    *,
    provider: str | None = None,
    year: int | None = None,
    period: str | None = None,
    all_year: bool | None = None,
    base_url: str | None = None,
    transport: httpx.BaseTransport | None = None,
    provider_options: Mapping[str, Any] | None = None,
) -> ActionResult:
    """自動匯入 ([F9] 下載&轉入): the allocation the value-added centre holds → 字軌配號.

    ``all_year`` (下載全年資料) fetches the six periods of the ROC ``year`` (default: the
    period's year, else this year); otherwise only the period (given, 配號設定 or 設定). The
    login comes from the OS keyring; when none is stored the context is asked for it (the
    Excel button shows input boxes) and it is saved. ``base_url`` overrides the address
    (設定 加值中心網址, else the login's, else the provider's production address);
    ``transport`` is the httpx seam for tests.
    """
    from ..sources.mof_tracks import from_allocations
    from ..sources.providers import Provider, ProviderNoDataError

    settings = read_settings(ctx.io)
    ubn = settings.require_ubn()
    name = provider_name(settings, provider)
    sheet_params = ctx.io.read_params(_SHEET)
    whole_year = all_year if all_year is not None else _flag(sheet_params.get("all_year"))
    the_period = _period(ctx, settings, period, required=not whole_year)
    if whole_year:
        roc_year = year or (the_period.roc_year if the_period else periods.of(ctx.now().date()).roc_year)
        term: int | None = None
        asked = f"民國 {roc_year} 年全年"
        force = periods.Period(roc_year, 2)
    else:
        assert the_period is not None
        if year is not None and year != the_period.roc_year:
            raise InputError(
                f"--year {year} 與申報年月 {the_period.code} 的年度不同；要下載全年請加 --all-year", found=year)
        roc_year, term, asked, force = the_period.roc_year, the_period.term, the_period.label, the_period

    findings: list[Finding] = []
    ctx.progress(f"從加值中心下載 {asked} 的配號…", None, None)

    def download(client: Provider) -> tuple[list[Any], list[str]]:
        return client.fetch_tracks(roc_year, term), list(client.warnings)

    try:
        allocations, warnings = with_provider(ctx, settings, name, ubn, download, base_url=base_url,
                                              transport=transport, options=provider_options)
    except ProviderNoDataError as exc:
        findings.append(Finding("track_fetch_nodata", exc.message, Location(file=provider_label(name))))
        result = ActionResult(IMPORT_STEP, f"{exc.message}。配號沒有變更。", exit_code=ExitCode.FINDINGS,
                              params={"provider": name, "year": roc_year, "term": term}, findings=findings)
        ctx.io.set_status(_SHEET, result.message.splitlines()[0])
        return finish(ctx, result)
    for note in warnings:
        findings.append(Finding("track_fetch_warning", note, Location(file=name), Severity.WARNING))
    display = _SOURCE_NAMES.get(name, name)
    sources = from_allocations(allocations, name=display, kind="provider")
    return _import_sources(
        ctx, sources, findings, period=None, all_year=None,
        params={"provider": name, "year": roc_year, "term": term},
        what=f"{display}（{len(allocations)} 筆）",
        force_period=force, force_all_year=whole_year,
    )


# ------------------------------------------------------------------------------------------------
# allocation
# ------------------------------------------------------------------------------------------------


def allocate_tracks(
    ctx: Context, *, period: str | None = None, account: str | None = None, reuse_counts: bool | None = None
) -> ActionResult:
    """配號: hand the period's booklets to the machines of 機台配號設定 → 配號設定 (all or nothing).

    ``account`` (配號設定's 帳別 when not given) allocates only that 帳別 and keeps the others'
    rows; ``reuse_counts`` (按當期數量配號) takes each machine's 組數 from the previous
    period's rows of 配號設定.
    """
    from ..steps.tracks import ALLOCATION_HEADERS, allocate, merge_allocation

    settings = read_settings(ctx.io)
    the_period = _period(ctx, settings, period, required=True)
    assert the_period is not None
    params = ctx.io.read_params(_SHEET)
    acc = account if account is not None else param_text(params.get("account"))
    reuse = reuse_counts if reuse_counts is not None else _flag(params.get("reuse_counts"))
    tracks, _ = read_typed(ctx.io, _TRACKS)
    machines = ctx.io.read_table(_MACHINES)  # 組數 is judged by the step (it knows 按當期數量配號)
    existing, _ = read_typed(ctx.io, _ALLOCATION)
    ctx.progress(f"配號 {the_period.label}…", None, None)
    res = allocate(
        tracks, machines, period=the_period.code, company_ubn=settings.ubn, account=acc, reuse_counts=reuse,
        previous=existing, tracks_where=Location(file=ctx.io.name, sheet=_TRACKS.sheet),
        machines_where=Location(file=ctx.io.name, sheet=_MACHINES.sheet),
    )
    findings = list(res.findings)
    run_params: dict[str, object] = {"period": the_period.code, "account": acc, "reuse_counts": reuse}
    result = ActionResult(ALLOCATE_STEP, "", params=run_params, findings=findings)
    result.counts = {"機台": res.machines, "需要組數": res.needed, "可用組數": res.available}
    if not res.written:
        if res.missing:
            result.message = (f"{the_period.label} 的配號不足：需要 {res.needed:,} 組，只有 {res.available:,} 組，"
                              f"不足 {res.missing:,} 組。配號結果沒有變更。")
            result.exit_code = ExitCode.FINDINGS
            result.next_step = "向財政部申請增加本數並重新匯入配號，或減少[機台配號設定]的組數後再按[配號]。"
        else:
            errors = [f for f in findings if f.severity is Severity.ERROR]
            result.message = f"無法配號：有 {len(errors)} 個問題，配號結果沒有變更。" + (
                f"\n{errors[0].message}" if errors else "")
            result.exit_code = ExitCode.BAD_INPUT
        ctx.io.set_status(_SHEET, result.message.splitlines()[0])
        return finish(ctx, result)

    table, changed = merge_allocation(existing, res.rows, period=the_period.code, account=acc)
    ctx.io.write_table(_ALLOCATION, _cell_values(table.reindex(columns=list(_ALLOCATION.headers))))
    if _blank(params.get("period")):
        ctx.io.write_params(_SHEET, {"period": the_period.code})
    spare = res.available - res.needed
    if spare:
        findings.append(Finding(
            "alloc_spare",
            f"還有 {spare:,} 組沒有分配給機台；若這些號碼不會在其他系統使用，請在[字軌配號]的擁有者欄填「本系統」，"
            "E0402 才會把它們列為空白未使用",
            Location(file=ctx.io.name, sheet=_TRACKS.sheet), Severity.INFO))
    who = f"帳別 {acc} 的 " if acc else ""
    result.message = (f"已完成 {the_period.label} 配號：{who}{res.machines} 台機台，共 {res.needed:,} 組"
                      f"（{len(res.rows)} 個區間）；剩餘 {spare:,} 組未分配。")
    if changed and len(existing):
        result.message += f"\n與上次的配號結果相比有 {changed} 個區間不同。"
    result.counts = {"機台": res.machines, "區間": len(res.rows), "組數": res.needed, "剩餘組數": spare}
    result.exit_code = _exit_code(findings)
    result.next_step = "需要分支機構配號檔時按[轉出E0401]；發票開立後做[漏上傳檢核]。"
    ctx.io.set_status(_SHEET, result.message.splitlines()[0])
    result.rows = _records(res.rows, ALLOCATION_HEADERS)
    return finish(ctx, result)


# ------------------------------------------------------------------------------------------------
# E0401
# ------------------------------------------------------------------------------------------------


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
    the_period = _period(ctx, settings, period, required=True)
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
        ctx.io.set_status(_SHEET, result.message)
        return finish(ctx, result)
    if not plans:
        result.message = (f"{the_period.label} 沒有分配給分支機構的配號（[機台配號設定]的分支機構統編都是空白），"
                          "不需要 E0401。")
        ctx.io.set_status(_SHEET, result.message)
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
        ctx.io.set_status(_SHEET, result.message)
        return finish(ctx, result, files=tx)


# ------------------------------------------------------------------------------------------------
# for the later steps
# ------------------------------------------------------------------------------------------------


def owned_ranges(ctx: Context, period: str | None = None) -> pd.DataFrame:
    """Every allocated range of the period with who reports its blanks (``PeriodAllocation.reporters``).

    Columns 發票字軌, 起號, 迄號, 張數, 擁有者 (本系統, 其他系統 or the owner typed on 字軌配號),
    營業人統編, 發票類別代號; neighbouring parts with the same owner are one row.
    """
    import pandas as pd

    from ..domain.invoice_number import KEY_BASE, track_from_code
    from ..steps.allocation import OWNER_OTHER
    from .reading import read_allocation

    settings = read_settings(ctx.io)
    the_period = _period(ctx, settings, period, required=True)
    assert the_period is not None
    pieces = read_allocation(ctx, the_period, settings).reporters(OWNER_OTHER)
    joined = pieces["begin"].to_numpy()[1:] == pieces["end"].to_numpy()[:-1] + 1
    same = joined & (pieces["reporter"].to_numpy()[1:] == pieces["reporter"].to_numpy()[:-1]) \
        & (pieces["ban"].to_numpy()[1:] == pieces["ban"].to_numpy()[:-1]) \
        & (pieces["type"].to_numpy()[1:] == pieces["type"].to_numpy()[:-1])
    starts = [i for i in range(len(pieces)) if i == 0 or not same[i - 1]]
    ends = [*[i - 1 for i in starts[1:]], len(pieces) - 1] if starts else []
    b, e = pieces["begin"].to_numpy(), pieces["end"].to_numpy()
    return pd.DataFrame([{
        "發票字軌": track_from_code(int(b[i]) // KEY_BASE), "起號": f"{int(b[i]) % KEY_BASE:08d}",
        "迄號": f"{int(e[j]) % KEY_BASE:08d}", "張數": int(e[j] - b[i] + 1), "擁有者": pieces["reporter"].iat[i],
        "營業人統編": pieces["ban"].iat[i], "發票類別代號": pieces["type"].iat[i],
    } for i, j in zip(starts, ends, strict=True)],
        columns=["發票字軌", "起號", "迄號", "張數", "擁有者", "營業人統編", "發票類別代號"])
