"""匯入發票資料: the ERP's register file → the 發票資料 sheet (replaced whole); bad rows are kept and reported."""

from __future__ import annotations

from pathlib import Path

from ..book import layout
from ..domain.errors import InputError
from .base import ActionResult, Context, finish
from .upload_common import date_text, exit_code, failed_read

__all__ = ["STEP_INVOICES", "import_invoices"]

STEP_INVOICES = "匯入發票資料"
_INVOICES = layout.table("發票資料")


def import_invoices(ctx: Context, path: Path) -> ActionResult:
    """The ERP's register file → 發票資料 (replaced whole). Bad rows are kept and reported."""
    from ..sources.register import prepare_register, read_register

    params: dict[str, object] = {"file": path.name}
    try:
        raw, where = read_register(path)
    except InputError as exc:
        return failed_read(ctx, STEP_INVOICES, exc, params)
    reg = prepare_register(raw, where)
    ctx.io.write_table(_INVOICES, reg.sheet)
    c = reg.counts
    message = (
        f"已匯入 {c['發票']:,} 張發票（開立 {c['開立']:,}、作廢 {c['作廢']:,}、註銷 {c['註銷']:,}），"
        f"發票日期 {date_text(reg.first_date)} ~ {date_text(reg.last_date)}。"
    )
    if c["無法檢核"]:
        message += f"\n有 {c['無法檢核']:,} 列的發票號碼或發票日期無法辨識，已原樣保留在[發票資料]，請修正後重新匯入。"
    if c["重號"]:
        message += f"\n有 {c['重號']:,} 列的發票號碼重複（重號）。"
    result = ActionResult(
        STEP_INVOICES, message, exit_code=exit_code(reg.findings), counts=dict(c), findings=reg.findings,
        params=params, next_step="按[下載平台發票狀況]取得平台資料，再按[查詢]（漏上傳檢核）。",
    )
    return finish(ctx, result)
