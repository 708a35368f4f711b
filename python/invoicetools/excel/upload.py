"""Excel entry points of the 漏上傳檢核 buttons: 匯入發票資料, 下載平台發票狀況, 查詢 ([F10] 速查)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..actions.base import ActionResult, Context

__all__ = ["check_upload", "invoices_import", "status_download"]

_REGISTER_KINDS = "ERP 發票資料 (*.csv;*.xlsx;*.xlsm;*.txt),*.csv;*.xlsx;*.xlsm;*.txt,所有檔案 (*.*),*.*"
_STATUS_KINDS = ("平台狀況／Turnkey 結果 (*.csv;*.xlsx;*.xml;*.SummaryResult;*.ProcessResult),"
                 "*.csv;*.xlsx;*.xml;*.SummaryResult;*.ProcessResult,所有檔案 (*.*),*.*")


def _cancelled(step: str) -> ActionResult:
    from ..actions.base import ActionResult

    return ActionResult(step, "未選擇檔案，已取消。")


def _invoices_import(ctx: Context) -> ActionResult:
    from ..actions.invoices import STEP_INVOICES, import_invoices

    files = ctx.host.choose_files("選擇 ERP 開立發票資料（CSV 或 xlsx）", _REGISTER_KINDS, False)
    if not files:
        return _cancelled(STEP_INVOICES)
    return import_invoices(ctx, files[0])


def _status_download(ctx: Context) -> ActionResult:
    from ..actions.platform_status import STEP_STATUS, fetch_status, import_status
    from ..book.settings import read_settings

    settings = read_settings(ctx.io)
    if settings.provider and ctx.host.confirm(
        f"從加值中心（{settings.provider}）下載本期的平台發票狀況？\n"
        "按[否]改為選擇狀況檔、Turnkey 結果檔或資料夾。"
    ):
        return fetch_status(ctx, settings.provider)
    files = ctx.host.choose_files("選擇平台發票狀況檔或 Turnkey 結果檔（可多選）；取消則改選資料夾", _STATUS_KINDS, True)
    if not files:
        folder = ctx.host.choose_folder("選擇 Turnkey 結果資料夾（含 SummaryResult／ProcessResult）")
        if folder is None:
            return _cancelled(STEP_STATUS)
        files = [folder]
    return import_status(ctx, files)


def invoices_import() -> None:
    from ._entry import run_in_excel

    run_in_excel("invoices_import", _invoices_import)


def status_download() -> None:
    from ._entry import run_in_excel

    run_in_excel("status_download", _status_download)


def check_upload() -> None:
    from ..actions.upload_check import reconcile_uploads_from_sheet
    from ._entry import run_in_excel

    run_in_excel("check_upload", reconcile_uploads_from_sheet)
