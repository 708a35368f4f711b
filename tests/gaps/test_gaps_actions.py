"""The 跳號作廢 actions on an in-memory workbook: check, 整批作廢, refusals, carry-over, --unvoid."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest
from gapbook import PERIOD, UBN, allocation_frame, make_book, numbers, register_frame, standard_register

from invoicetools.actions.base import Context
from invoicetools.actions.gaps import check_gaps, unvoid_gaps, void_gaps
from invoicetools.actions.host import Host
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.domain.errors import ExitCode, InputError, RefusalError

GAPS = layout.table("跳號作廢")
NOW = datetime.datetime(2025, 3, 2, 9, 30)


def ctx_for(book: MemoryBook, *, confirm: bool = True, force: str | None = None,
            prompts: list[str] | None = None) -> Context:
    def answer(prompt: str) -> bool:
        if prompts is not None:
            prompts.append(prompt)
        return confirm

    return Context(host=Host(confirm=answer), io=book, now=lambda: NOW, user="王會計", force_reason=force)


def sheet(book: MemoryBook) -> pd.DataFrame:
    return book.tables[GAPS.name]


def gap_rows(rows: list[dict[str, object]] | None) -> list[tuple[object, ...]]:
    return [(r["帳別"], r["機台號"], r["發票字軌"], r["起號"], r["迄號"], r["張數"], r["處理"])
            for r in rows or [] if r["類型"] == "跳號"]


def log(book: MemoryBook) -> pd.DataFrame:
    return book.tables[layout.table("執行紀錄").name]


# ----------------------------------------------------------------------------------------------
def test_check_lists_gaps_and_unused_per_machine_range() -> None:
    reg = standard_register()
    book = make_book(reg, reg)
    result = check_gaps(ctx_for(book))
    assert result.exit_code == ExitCode.FINDINGS
    assert gap_rows(result.rows) == [
        ("A", "001", "KA", "12340010", "12340012", 3, "待確認"),
        ("A", "001", "KA", "12340050", "12340050", 1, "待確認"),
        ("A", "002", "KA", "12340120", "12340120", 1, "待確認"),
    ]
    unused = [(r["機台號"], r["起號"], r["迄號"]) for r in result.rows or [] if r["類型"] == "未使用"]
    assert unused == [("001", "12340081", "12340099"), ("002", "12340151", "12340199"), ("001", "56780031", "56780049")]
    assert [r["序號"] for r in result.rows or []] == [1, 2, 3, 4, 5, 6]
    assert list((result.rows or [{}])[0]) == list(GAPS.headers)  # --json rows keyed by the sheet's headers
    assert all(r["申報年月"] == PERIOD for r in result.rows or [])
    assert book.status["跳號作廢"].startswith("114/01 ~ 114/02 全部帳別 找到跳號 3 組、共 5 張")
    assert book.params["跳號作廢"] == {"account": None, "period": PERIOD}
    assert log(book)["步驟"].tolist() == ["跳號作廢"]


def test_no_gaps_message_is_the_erp_one() -> None:
    reg = numbers("KA", 12340000, 12340090) + numbers("KA", 12340100, 12340199) + numbers("KB", 56780000, 56780001)
    book = make_book(reg, reg)
    result = check_gaps(ctx_for(book))
    assert result.exit_code == ExitCode.OK
    assert result.message.startswith("無任何異常跳號資料")
    assert gap_rows(result.rows) == []


def test_register_statuses_all_count_as_used() -> None:
    reg = numbers("KA", 12340000, 12340020)
    frame = register_frame(reg)
    frame.loc[5, "狀態"] = "作廢"
    frame.loc[6, "狀態"] = "註銷"
    book = make_book([], [], machines=[("A", "001", "KA", 12340000, 12340049)])
    book.write_table(layout.table("發票資料"), frame)
    assert gap_rows(check_gaps(ctx_for(book)).rows) == []


def test_platform_held_numbers_are_not_voidable() -> None:
    reg = numbers("KA", 12340000, 12340080, skip=(12340010, 12340011, 12340012))
    book = make_book(reg, [*reg, "KA12340011"], machines=[("A", "001", "KA", 12340000, 12340099)])
    result = check_gaps(ctx_for(book))
    rows = [(r["起號"], r["迄號"], r["處理"], r["原因"]) for r in result.rows or [] if r["類型"] == "跳號"]
    assert rows == [
        ("12340010", "12340010", "待確認", "從未開立（平台也沒有此號碼）"),
        ("12340011", "12340011", "待補ERP資料", "平台有此發票：ERP 發票資料缺漏，請補匯入（不可作廢）"),
        ("12340012", "12340012", "待確認", "從未開立（平台也沒有此號碼）"),
    ]
    # the platform holds KA12340011 and the register does not: 漏上傳檢核 has a 平台有帳上無 row, so the void refuses
    with pytest.raises(RefusalError, match="平台有帳上無 1 筆"):
        void_gaps(ctx_for(book))
    # forced with a reason, the number the platform holds is still never voided
    voided = void_gaps(ctx_for(book, force="ERP 補匯出中"))
    assert voided.exit_code == ExitCode.OK
    states = [(r["起號"], r["處理"]) for r in voided.rows or [] if r["類型"] == "跳號"]
    assert states == [("12340010", "已作廢"), ("12340011", "待補ERP資料"), ("12340012", "已作廢")]
    assert "平台有但 ERP 缺漏的 1 張未作廢" in voided.message


def test_void_confirms_count_and_ranges_then_logs_them() -> None:
    reg = standard_register()
    book = make_book(reg, reg)
    prompts: list[str] = []
    result = void_gaps(ctx_for(book, prompts=prompts))
    assert result.exit_code == ExitCode.OK
    assert len(prompts) == 1
    assert "下列 3 組、共 5 張跳號" in prompts[0]
    assert "帳別 A 機台 001　KA12340010–KA12340012（3 張）" in prompts[0]
    assert set(sheet(book).loc[sheet(book)["類型"] == "跳號", "處理"]) == {"已作廢"}
    entry = log(book).iloc[-1]
    assert entry["使用者"] == "王會計" and entry["時間"] == NOW
    assert "作廢區間=A/001 KA12340010–KA12340012; A/001 KA12340050; A/002 KA12340120" in entry["參數"]
    assert "作廢張數=5" in entry["筆數"]
    # a rerun keeps the state
    again = check_gaps(ctx_for(book))
    assert again.exit_code == ExitCode.OK
    assert {r[-1] for r in gap_rows(again.rows)} == {"已作廢"}


def test_cancelled_dialog_changes_nothing() -> None:
    reg = standard_register()
    book = make_book(reg, reg)
    check_gaps(ctx_for(book))
    before = sheet(book).copy()
    commits = book.commits
    result = void_gaps(ctx_for(book, confirm=False))
    assert result.message == "已取消，沒有作廢任何號碼。"
    pd.testing.assert_frame_equal(sheet(book), before)
    assert book.commits == commits


def test_void_refuses_while_upload_check_has_rows_for_the_period_and_account() -> None:
    """Issue 14.3: the void runs 漏上傳檢核 itself (it was never run here: the sheet is empty) and refuses."""
    reg = standard_register()
    book = make_book(reg, [n for n in reg if n != "KA12340030"])  # one invoice never reached the platform
    assert book.read_table(layout.table("漏上傳檢核")).empty
    with pytest.raises(RefusalError) as err:
        void_gaps(ctx_for(book))
    assert "漏上傳檢核（114/01 ~ 114/02 全部帳別）有 1 筆待處理：未上傳 1 筆" in str(err.value)
    assert "需提供原因" in str(err.value)
    assert err.value.exit_code == ExitCode.FINDINGS
    # another 帳別's rows do not block
    result = void_gaps(ctx_for(book), account="B")
    assert result.exit_code == ExitCode.OK
    # forced with a reason: voided, and the reason is logged
    forced = void_gaps(ctx_for(book, force="已與客戶確認 KA12340030 另案處理"), account="A")
    assert forced.exit_code == ExitCode.OK
    assert "force=已與客戶確認 KA12340030 另案處理" in log(book).iloc[-1]["參數"]
    assert "強制作廢" in forced.message


def test_void_refuses_without_any_platform_status() -> None:
    reg = standard_register()
    book = make_book(reg, platform=None)
    result = check_gaps(ctx_for(book))
    assert {r["原因"] for r in result.rows or [] if r["類型"] == "跳號"} == {"尚未下載平台發票狀況，無法確認是否曾開立"}
    with pytest.raises(RefusalError, match="平台發票狀況尚未下載"):
        void_gaps(ctx_for(book))
    forced = void_gaps(ctx_for(book, force="平台查詢網站維護中"))
    assert {r[-1] for r in gap_rows(forced.rows)} == {"已作廢"}


def test_a_downloaded_but_empty_platform_is_known() -> None:
    """An empty download is a status (the causes are known), but every invoice is then missing from the
    platform: the void refuses until they are uploaded (issue 14.3), and goes ahead only with a reason."""
    reg = standard_register()
    book = make_book(reg, [])
    causes = {r["原因"] for r in check_gaps(ctx_for(book)).rows or [] if r["類型"] == "跳號"}
    assert causes == {"從未開立（平台也沒有此號碼）"}
    with pytest.raises(RefusalError, match=f"未上傳 {len(reg)} 筆"):
        void_gaps(ctx_for(book))
    assert void_gaps(ctx_for(book, force="平台資料稍後補上傳")).exit_code == ExitCode.OK


def test_unvoid_takes_it_back_and_says_e0402_must_wait() -> None:
    reg = standard_register()
    book = make_book(reg, reg)
    void_gaps(ctx_for(book))
    result = unvoid_gaps(ctx_for(book), account="A")
    assert result.exit_code == ExitCode.OK
    assert {r[-1] for r in gap_rows(result.rows)} == {"待確認"}
    assert "取消作廢區間=A/001 KA12340010–KA12340012" in log(book).iloc[-1]["參數"]
    assert "E0402 要等再次整批作廢後才能轉出" in result.message
    assert check_gaps(ctx_for(book)).exit_code == ExitCode.FINDINGS


def test_carry_over_is_by_number_when_the_register_changes() -> None:
    reg = standard_register()
    book = make_book(reg, reg)
    void_gaps(ctx_for(book))
    # the ERP export turns out to hold KA12340011: the old voided range splits, the number is reported
    fixed = [*reg, "KA12340011"]
    book.write_table(layout.table("發票資料"), register_frame(fixed))
    result = check_gaps(ctx_for(book))
    assert gap_rows(result.rows)[:2] == [
        ("A", "001", "KA", "12340010", "12340010", 1, "已作廢"),
        ("A", "001", "KA", "12340012", "12340012", 1, "已作廢"),
    ]
    assert [f.code for f in result.findings] == ["gaps_voided_used"]
    assert "KA12340011" in result.findings[0].message
    assert result.findings[0].where.sheet == "跳號作廢" and result.findings[0].where.row == 10


def test_account_scope_keeps_other_rows_and_voided_state_of_other_periods() -> None:
    reg = standard_register()
    book = make_book(reg, reg)
    void_gaps(ctx_for(book))
    # an old period's voided row, and a run of 帳別 B only
    old = sheet(book).iloc[[0]].assign(申報年月="11312", 帳別="A")
    stale = sheet(book).iloc[[2]].assign(申報年月="11312")  # 未使用 of another period: dropped
    book.write_table(GAPS, pd.concat([sheet(book), old, stale], ignore_index=True))
    result = check_gaps(ctx_for(book), account="B")
    assert [(r["帳別"], r["類型"]) for r in result.rows or []] == [("B", "未使用")]
    table = sheet(book)
    assert table["序號"].tolist() == list(range(1, len(table) + 1))
    assert table.iloc[0]["帳別"] == "B"
    assert ((table["帳別"] == "A") & (table["申報年月"] == PERIOD) & (table["處理"] == "已作廢")).sum() == 3
    assert ((table["申報年月"] == "11312") & (table["處理"] == "已作廢")).sum() == 1
    assert len(table[table["申報年月"] == "11312"]) == 1
    assert book.params["跳號作廢"]["account"] == "B"


def test_unknown_account_and_missing_allocation_are_input_errors() -> None:
    reg = standard_register()
    book = make_book(reg, reg)
    with pytest.raises(InputError, match="帳別 C 在 11402 沒有配號；有配號的帳別：A、B"):
        check_gaps(ctx_for(book), account="C")
    with pytest.raises(InputError, match="114/03 ~ 114/04 沒有配號資料"):
        check_gaps(ctx_for(book), period="11404")


def test_period_from_settings_and_any_accepted_form() -> None:
    reg = standard_register()
    book = make_book(reg, reg)
    assert check_gaps(ctx_for(book), period="114/01 ~ 114/02").params["period"] == PERIOD
    assert check_gaps(ctx_for(book)).params["period"] == PERIOD
    book2 = make_book(reg, reg, settings={"申報年月": None})
    with pytest.raises(InputError, match="請輸入申報年月"):
        check_gaps(ctx_for(book2))


def test_fallback_to_tracks_when_allocation_is_empty() -> None:
    reg = numbers("KA", 12340000, 12340080, skip=(12340010,))
    book = make_book(reg, reg)
    book.write_table(layout.table("配號設定"), allocation_frame([]))
    tracks = layout.table("字軌配號")
    book.write_table(tracks, pd.DataFrame({
        "營業人統編": [UBN, UBN, UBN], "發票類別代號": ["7", "7", "7"], "發票期別": ["114/01 ~ 114/02"] * 3,
        "發票字軌名稱": ["KA", "KB", "KC"], "發票起號": ["12340000", "56780000", "00000000"],
        "發票迄號": ["12340199", "56780049", "00000049"], "擁有者": [None, None, "綠界"]}))
    result = check_gaps(ctx_for(book))
    assert "改用[字軌配號]的整段配號計算（帳別取自[設定]，機台號空白）" in result.message
    assert gap_rows(result.rows) == [("A", "", "KA", "12340010", "12340010", 1, "待確認")]
    assert {r["發票字軌"] for r in result.rows or []} == {"KA", "KB"}  # KC belongs to another system


def test_register_rows_outside_period_or_allocation_are_reported() -> None:
    reg = numbers("KA", 12340000, 12340010)
    frame = register_frame(reg)
    frame.loc[3, "發票日期"] = "2024/12/30"
    extra = register_frame(["ZZ00000001", "KA1234"])
    book = make_book([], [], machines=[("A", "001", "KA", 12340000, 12340049)])
    book.write_table(layout.table("發票資料"), pd.concat([frame, extra], ignore_index=True))
    result = check_gaps(ctx_for(book))
    codes = sorted((f.code, f.where.row) for f in result.findings)
    assert codes == [("gaps_bad_number", 17), ("gaps_other_period", 8), ("gaps_outside_allocation", 16)]
    assert gap_rows(result.rows) == []  # the out-of-period number still counts as used


def test_bad_allocation_rows_are_findings() -> None:
    reg = numbers("KA", 12340000, 12340010)
    book = make_book(reg, reg, machines=[("A", "001", "KA", 12340000, 12340049), ("A", "002", "K1", 1, 2)])
    result = check_gaps(ctx_for(book))
    assert [(f.code, f.where.sheet, f.where.row) for f in result.findings] == [("gaps_bad_range", "配號設定", 11)]
    assert result.exit_code == ExitCode.FINDINGS


def test_renaming_a_machine_keeps_the_voided_state() -> None:
    reg = standard_register()
    book = make_book(reg, reg)
    void_gaps(ctx_for(book))
    renamed = [("A", "1", "KA", 12340000, 12340099), ("A", "2", "KA", 12340100, 12340199),
               ("B", "1", "KB", 56780000, 56780049)]
    book.write_table(layout.table("配號設定"), allocation_frame(renamed))
    result = check_gaps(ctx_for(book))
    assert result.exit_code == ExitCode.OK
    assert [(r[1], r[-1]) for r in gap_rows(result.rows)] == [("1", "已作廢"), ("1", "已作廢"), ("2", "已作廢")]
    assert result.findings == []
