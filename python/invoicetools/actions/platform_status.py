"""下載平台發票狀況: status files, Turnkey results or a value-added centre's API → the 平台狀況 sheet.

* :func:`import_status` – status files / Turnkey result files or folders / TURNKEY_MESSAGE_LOG
  exports → 平台狀況 (replaced whole) with 下載時間 and 來源;
* :func:`fetch_status` – the same from a value-added centre's API (credentials from the
  keyring, the provider's retry and error rules).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..book import layout
from ..book.settings import read_settings
from ..domain import periods
from ..domain.errors import Finding, InputError, Location, Severity
from ..domain.periods import Period
from .base import ActionResult, Context, finish
from .upload_common import exit_code, failed_read

if TYPE_CHECKING:
    import httpx

    from ..sources.status import StatusImport

__all__ = ["STEP_STATUS", "fetch_status", "import_status"]

STEP_STATUS = "下載平台發票狀況"
_PLATFORM_SHEET = layout.sheet("平台狀況")
_PLATFORM = layout.table("平台狀況")


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
        STEP_STATUS, message, exit_code=exit_code(imported.findings), counts=dict(counts),
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
            return failed_read(ctx, STEP_STATUS, exc, params)
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
    again once. Retries and errors are the provider's (``sources.providers.http``, ``sources.providers.errors``).
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
