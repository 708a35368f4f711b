"""配號匯入: import and fetch the track allocation into 字軌配號.

Shared by the CLI (``invoicetools tracks …``) and the sheet buttons (``excel/tracks.py``):

* :func:`import_tracks` — 手動匯入: MOF files (CSV/xlsx), E0501 files and Turnkey folders;
* :func:`fetch_tracks` — 自動匯入 ([F9] 下載&轉入) from a value-added centre;

配號 itself is ``actions.allocation``, 轉出E0401 ``actions.e0401``, the provider login
``actions.provider_login``.

Import and fetch add the ranges they bring to 字軌配號 (a range already there is unchanged,
one overlapping a different range is an error); ranges leave only when replacing (``--replace``,
in Excel a confirmation showing the diff). Nothing is written when any row is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..book import layout
from ..book.settings import read_settings
from ..book.tables import read_typed
from ..domain import periods
from ..domain.errors import ExitCode, Finding, InputError, Location, Severity
from .allocation_sheet import SHEET, blank, cell_values, exit_code, flag, period_of, records
from .base import ActionResult, Context, finish
from .provider_login import provider_label, provider_name, with_provider

if TYPE_CHECKING:
    import httpx
    import pandas as pd

    from ..sources.mof_tracks import TrackSource
    from ..steps.tracks import TrackImport

__all__ = ["IMPORT_STEP", "fetch_tracks", "import_tracks"]

IMPORT_STEP = "配號匯入"
_TRACKS = layout.table("字軌配號")
_SOURCE_NAMES = {"ecpay": "ECPay"}
_PROMPT_LINES = 15


def import_tracks(
    ctx: Context, paths: Sequence[Path | str], *, period: str | None = None, all_year: bool | None = None,
    replace: bool | None = False,
) -> ActionResult:
    """手動匯入: MOF files (CSV/xlsx), E0501 files and folders → 字軌配號.

    ``period``/``all_year`` default to 配號設定's 申報年月 and 下載全年資料 (then 設定's 申報年月);
    with no period anywhere, every period in the files is imported. The files' ranges are
    added; ``replace`` (``--replace``) replaces the ranges of each 營業人統編 × 申報年月 they
    bring, and ``None`` asks the host, showing the diff, whenever replacing would remove or
    change a range (the Excel button).
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
        params={"files": names}, what=f"{len(read.files)} 個檔案", replace=replace,
    )


def _merge(ctx: Context, incoming: pd.DataFrame, company: str | None, wanted: frozenset[str] | None,
           wanted_label: str, rows_read: int, replace: bool | None) -> TrackImport:
    """Add the import's ranges, or replace (``True``, or ``None`` when the host confirms the diff)."""
    from ..steps.tracks import merge_import

    existing, _ = read_typed(ctx.io, _TRACKS)

    def merged(replacing: bool) -> TrackImport:
        return merge_import(
            existing, incoming, now=ctx.now(), company_ubn=company, wanted=wanted, wanted_label=wanted_label,
            sheet=Location(file=ctx.io.name, sheet=_TRACKS.sheet), rows_read=rows_read, replace=replacing)

    if replace is not None:
        return merged(replace)
    adding, replacing = merged(False), merged(True)
    if replacing.errors or not (replacing.removed or replacing.changed or adding.conflicts):
        return adding
    return replacing if ctx.host.confirm(_replace_prompt(adding, replacing)) else adding


def _replace_prompt(adding: TrackImport, replacing: TrackImport) -> str:
    """The diff the accountant confirms before ranges leave 字軌配號."""
    labels = "、".join(periods.parse(c).label for c in replacing.periods)
    diff = [f.message for f in replacing.findings if f.code in ("track_removed", "track_changed", "track_added")]
    shown = diff[:_PROMPT_LINES] + ([f"…另有 {len(diff) - _PROMPT_LINES:,} 項"] if len(diff) > _PROMPT_LINES else [])
    keep = ("否：不匯入（這次的資料與已匯入的區間重疊）" if adding.conflicts
            else "否：保留已匯入的區間，只加入新的區間")
    return "\n".join([
        f"這次匯入的配號與[字軌配號]已有的 {labels} 配號不同（新增 {replacing.added}、變更 {replacing.changed}、"
        f"移除 {replacing.removed}）：", *shown, "",
        f"要以這次的資料取代 {labels} 的配號嗎？", "是：取代（上列移除、變更的區間會改掉）", keep,
    ])


def _import_sources(
    ctx: Context,
    sources: Sequence[TrackSource],
    findings: list[Finding],
    *,
    period: object,
    all_year: bool | None,
    params: dict[str, object],
    what: str,
    replace: bool | None = False,
    step: str = IMPORT_STEP,
    force_period: periods.Period | None = None,
    force_all_year: bool | None = None,
) -> ActionResult:
    import pandas as pd

    from ..steps.tracks import TRACK_HEADERS, parse_track_rows, period_filter

    settings = read_settings(ctx.io)
    company = settings.ubn
    sheet_params = ctx.io.read_params(SHEET)
    if force_period is not None or force_all_year is not None:
        the_period, whole_year = force_period, bool(force_all_year)
    else:
        the_period = period_of(ctx, settings, period, required=False)
        whole_year = all_year if all_year is not None else flag(sheet_params.get("all_year"))
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
    merged = _merge(ctx, incoming, company, wanted, wanted_label, rows_read, replace)
    params["replace"] = merged.replace
    findings += merged.findings
    result = ActionResult(step, "", params=params, findings=findings)
    result.counts = {"讀到": rows_read}
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if errors or merged.table is None:
        if not errors and rows_read == 0:
            findings.append(Finding("track_nothing", "沒有讀到任何配號資料", Location()))
        n_err = len([f for f in findings if f.severity is Severity.ERROR])
        result.message = f"配號資料有 {n_err} 個錯誤，未匯入任何資料；請修正後再匯入。"
        if merged.conflicts and not merged.replace:
            result.message += (f"\n其中 {merged.conflicts} 個區間與已匯入的不同區間重疊：匯入只會新增區間；"
                               "若這次的資料是更正後的配號，請用取代匯入（--replace）。")
        result.exit_code = ExitCode.BAD_INPUT
        ctx.io.set_status(SHEET, result.message.splitlines()[0])
        return finish(ctx, result)
    _write_import(ctx, result, merged, sheet_params, what)
    return finish(ctx, result)


def _write_import(ctx: Context, result: ActionResult, merged: TrackImport, sheet_params: Mapping[str, object],
                  what: str) -> None:
    """Write the new 字軌配號 table and say what changed."""
    table = merged.table
    assert table is not None
    ctx.io.write_table(_TRACKS, cell_values(table.reindex(columns=list(_TRACKS.headers))))
    covered = [periods.parse(c) for c in merged.periods]
    if blank(sheet_params.get("period")) and len(covered) == 1:
        ctx.io.write_params(SHEET, {"period": covered[0].code})
    labels = "、".join(p.label for p in covered)
    if merged.added == 0 and merged.removed == 0 and merged.changed == 0:
        result.message = f"{labels} 的配號與已匯入的資料相同，沒有變更（{merged.imported} 個區間，{merged.booklets:,} 組）。"
    elif merged.replace:
        parts = [f"新增 {merged.added}", f"變更 {merged.changed}", f"移除 {merged.removed}", f"未變更 {merged.unchanged}"]
        result.message = (f"已以匯入的資料取代 {labels} 的配號：{merged.imported} 個區間，共 {merged.booklets:,} 組"
                          f"（{'、'.join(parts)}）；來源 {what}。")
    else:
        result.message = (f"已匯入 {labels} 的配號：{merged.imported} 個區間，共 {merged.booklets:,} 組"
                          f"（新增 {merged.added}、未變更 {merged.unchanged}）；來源 {what}。")
    if merged.kept:
        result.message += (f"\n[字軌配號]另有 {merged.kept} 個 {labels} 的區間不在這次匯入的資料中，已保留"
                           "（要以這次的資料取代請用取代匯入 --replace）。")
    if merged.skipped_periods:
        result.message += f"\n略過其他期別的 {merged.skipped_periods} 個區間。"
    result.counts = {"讀到": result.counts["讀到"], "區間": merged.imported, "組數": merged.booklets,
                     "新增": merged.added, "變更": merged.changed, "移除": merged.removed}
    result.exit_code = exit_code(result.findings)
    result.next_step = "按[配號]把 50 張一組的發票分配給各帳別與機台（invoicetools tracks allocate）。"
    ctx.io.set_status(SHEET, result.message.splitlines()[0])
    in_scope = table[table["申報年月"].isin(merged.periods)]
    result.rows = records(in_scope, _TRACKS.headers)


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
    replace: bool | None = False,
) -> ActionResult:
    """自動匯入 ([F9] 下載&轉入): the allocation the value-added centre holds → 字軌配號.

    ``all_year`` (下載全年資料) fetches the six periods of the ROC ``year`` (default: the
    period's year, else this year); otherwise only the period (given, 配號設定 or 設定). The
    login comes from the OS keyring; when none is stored the context is asked for it (the
    Excel button shows input boxes) and it is saved. ``base_url`` overrides the address
    (設定 加值中心網址, else the login's, else the provider's production address);
    ``transport`` is the httpx seam for tests. ``replace`` as for :func:`import_tracks`.
    """
    from ..sources.mof_tracks import from_allocations
    from ..sources.providers import Provider, ProviderNoDataError

    settings = read_settings(ctx.io)
    ubn = settings.require_ubn()
    name = provider_name(settings, provider)
    sheet_params = ctx.io.read_params(SHEET)
    whole_year = all_year if all_year is not None else flag(sheet_params.get("all_year"))
    the_period = period_of(ctx, settings, period, required=not whole_year)
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
        ctx.io.set_status(SHEET, result.message.splitlines()[0])
        return finish(ctx, result)
    for note in warnings:
        findings.append(Finding("track_fetch_warning", note, Location(file=name), Severity.WARNING))
    display = _SOURCE_NAMES.get(name, name)
    sources = from_allocations(allocations, name=display, kind="provider")
    return _import_sources(
        ctx, sources, findings, period=None, all_year=None,
        params={"provider": name, "year": roc_year, "term": term},
        what=f"{display}（{len(allocations)} 筆）", replace=replace,
        force_period=force, force_all_year=whole_year,
    )
