"""下載平台發票狀況 from ECPay GetIssueList: pages, states, retries, login rules; MockTransport and a real local server."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from ecpay_fake import (
    STAGE_HASH_IV,
    STAGE_HASH_KEY,
    STAGE_MERCHANT_ID,
    FakeEcpay,
    SleepRecorder,
    invoice_row,
    serve,
)
from upload_data import COMPANY, clock

from invoicetools.actions.base import Context
from invoicetools.actions.host import Host
from invoicetools.actions.platform_status import fetch_status
from invoicetools.actions.upload_check import reconcile_uploads
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.domain.errors import InputError
from invoicetools.domain.records import PlatformState
from invoicetools.sources import credentials as store
from invoicetools.sources.credentials import Credentials
from invoicetools.sources.providers import ProviderApiError
from keyring_memory import MemoryKeyring

STAGE = "https://einvoice-stage.ecpay.com.tw"


def stage_login(url: str = "") -> Credentials:
    return Credentials("ecpay", COMPANY, merchant_id=STAGE_MERCHANT_ID, hash_key=STAGE_HASH_KEY,
                       hash_iv=STAGE_HASH_IV, url=url)


@pytest.fixture
def fake() -> FakeEcpay:
    f = FakeEcpay()
    f.invoices = [
        invoice_row("AB00000001", "2024-01-05 10:00:00"),
        invoice_row("AB00000002", "2024-01-06 11:00:00", upload="0", turnkey="P"),
        invoice_row("AB00000003", "2024-01-07 12:00:00", invalid="1"),
        invoice_row("AB00000004", "2024-01-08 13:00:00", turnkey="E"),
        invoice_row("AB00000005", "2024-02-28 09:00:00"),
        invoice_row("AB00000006", "2024-03-01 09:00:00"),  # another period: not asked for
    ]
    return f


def test_pending_and_voided_statuses_as_ecpay_documents_them(ctx: Context, book: MemoryBook) -> None:
    """IIS_Turnkey_Status G/P are 處理中 (not 已上傳); IIS_Issue_Status 0 (註銷) keeps the number, no state.

    Rows in the shape of GetIssueList's InvoiceData (developers.ecpay.com.tw ?p=17229; the field
    table of 查詢發票明細 ?p=7923: IIS_Issue_Status 1 發票開立 / 0 發票註銷; IIS_Turnkey_Status
    C 成功 / E 失敗 / G 處理中(待財政部回覆狀態) / P 處理中(上傳財政部中)).
    """
    from invoicetools.domain.errors import Location
    from invoicetools.sources.status import platform_input, state_of_word
    from invoicetools.steps.upload_check import State

    fake = FakeEcpay()
    fake.invoices = [
        invoice_row("AB00000011", "2024-01-05 10:00:00", turnkey="C"),
        invoice_row("AB00000012", "2024-01-05 10:01:00", turnkey="G"),  # uploaded, the MOF's answer pending
        invoice_row("AB00000013", "2024-01-05 10:02:00", turnkey="P"),  # being uploaded to the MOF
        invoice_row("AB00000014", "2024-01-05 10:03:00", issue="0"),  # 註銷, awaiting its re-issue
        invoice_row("AB00000015", "2024-01-05 10:04:00", upload="0", turnkey=""),
    ]
    store.save(stage_login())
    fetch_status(ctx, "ecpay", transport=fake.transport(), base_url=STAGE, provider_options=options(SleepRecorder()))
    assert all(s.envelope["RqHeader"]["Revision"] == "3.0.0" for s in fake.requests_to("GetIssueList"))
    frame = book.tables["tblPlatform"].set_index("發票號碼")
    assert frame["狀態"].to_dict() == {"AB00000011": "已上傳", "AB00000012": "處理中", "AB00000013": "處理中",
                                       "AB00000014": None, "AB00000015": "處理中"}
    assert frame.at["AB00000012", "原始狀態"] == "綠界：處理中，待財政部回覆（Issue=1 Invalid=0 Upload=1 Turnkey=G）"
    assert frame.at["AB00000014", "原始狀態"].startswith("綠界：已註銷，待以同號碼重新開立")
    # the words alone give the same state (a sheet whose 狀態 was cleared says the same)
    for number, state in frame["狀態"].items():
        assert state_of_word(frame.at[number, "原始狀態"]) == (state and PlatformState(state), True), number
    # what the check reads: G/P pending; the voided number is on the sheet (used) but has no state
    raw = book.tables["tblPlatform"].set_axis(range(5, 10))
    data, findings = platform_input(raw, Location(sheet="平台狀況"))
    assert findings == []
    states = dict(zip(data["key"].tolist(), data["state"].tolist(), strict=True))
    assert states == {100000011: State.ON_PLATFORM, 100000012: State.PENDING, 100000013: State.PENDING,
                      100000015: State.PENDING}


def options(sleeps: SleepRecorder, **more: Any) -> dict[str, Any]:
    return {"sleep": sleeps, "rand": lambda: 0.0, **more}


def test_fetch_pages_and_states(fake: FakeEcpay, ctx: Context, book: MemoryBook) -> None:
    store.save(stage_login())
    sleeps = SleepRecorder()
    result = fetch_status(ctx, "ecpay", transport=fake.transport(), base_url=STAGE,
                          provider_options=options(sleeps, page_size=2))
    frame = book.tables["tblPlatform"]
    got = dict(zip(frame["發票號碼"], frame["狀態"], strict=True))
    assert got == {"AB00000001": "已上傳", "AB00000002": "處理中", "AB00000003": "作廢", "AB00000004": "上傳失敗",
                   "AB00000005": "已上傳"}
    pages = [s.data["ShowingPage"] for s in fake.requests_to("GetIssueList")]
    assert pages == [1, 2, 3]
    first = fake.requests_to("GetIssueList")[0].data
    assert (first["BeginDate"], first["EndDate"]) == ("2024-01-01", "2024-02-29")
    params = book.params["平台狀況"]
    assert params["downloaded_at"] == datetime.datetime(2024, 3, 5, 9, 0)
    assert params["source"] == "綠界（ecpay）2024/01/01 ~ 2024/02/29"
    assert result.exit_code == 0 and result.counts["筆數"] == 5
    assert any(f.code == "provider_b2c_only" for f in result.findings)
    assert frame["上傳日期"].notna().sum() == 4 and frame["發票日期"].tolist()[-1] == datetime.date(2024, 1, 5)  # newest first, as ECPay answers
    # and the check reads it: the pending invoice is counted, not a row; the one ECPay holds as 作廢 is 平台已作廢
    book.write_table(layout.table("發票資料"), frame[["發票號碼", "發票日期"]].assign(狀態="開立"))
    checked = reconcile_uploads(ctx, period="11302")
    rows = checked.rows or []
    assert [(r["問題"], r["發票號碼"]) for r in rows] == [("平台已作廢", "AB00000003"), ("上傳失敗", "AB00000004")]
    assert checked.counts["處理中"] == 1
    assert rows[0]["說明"].startswith("平台上已作廢，發票資料仍為開立")
    assert "1 張平台仍在處理中" in checked.message


def test_current_period_stops_today(fake: FakeEcpay, book: MemoryBook) -> None:
    store.save(stage_login())
    ctx = Context(io=book, now=clock(datetime.datetime(2024, 1, 20, 8, 0)), user="t")
    fetch_status(ctx, "ecpay", transport=fake.transport(), base_url=STAGE)
    first = fake.requests_to("GetIssueList")[0].data
    assert (first["BeginDate"], first["EndDate"]) == ("2024-01-01", "2024-01-20")


def test_provider_from_settings_and_explicit_dates(fake: FakeEcpay, ctx: Context, book: MemoryBook) -> None:
    from invoicetools.book.settings import write_settings

    write_settings(book, {"加值中心": "綠界"})
    store.save(stage_login())
    fetch_status(ctx, transport=fake.transport(), base_url=STAGE,
                 date_from=datetime.date(2024, 1, 6), date_to=datetime.date(2024, 1, 7))
    assert sorted(book.tables["tblPlatform"]["發票號碼"]) == ["AB00000002", "AB00000003"]


def test_server_errors_are_retried_then_reported(fake: FakeEcpay, ctx: Context, book: MemoryBook) -> None:
    store.save(stage_login())
    sleeps = SleepRecorder()
    fake.http_failures = [503, 502]
    fetch_status(ctx, "ecpay", transport=fake.transport(), base_url=STAGE, provider_options=options(sleeps))
    assert sleeps.calls == [0.5, 1.0] and len(book.tables["tblPlatform"]) == 5
    fake.http_failures = [503, 503, 503]
    before = book.params["平台狀況"]["downloaded_at"]
    with pytest.raises(ProviderApiError, match="HTTP 503"):
        fetch_status(ctx, "ecpay", transport=fake.transport(), base_url=STAGE, provider_options=options(sleeps))
    assert book.params["平台狀況"]["downloaded_at"] == before  # nothing recorded as downloaded


def test_no_login_asks_and_saves(fake: FakeEcpay, book: MemoryBook, memory_keyring: MemoryKeyring) -> None:
    plain = Context(io=book, now=clock(), user="t")
    with pytest.raises(InputError, match="tracks login"):
        fetch_status(plain, "ecpay", transport=fake.transport(), base_url=STAGE)
    answers = iter([STAGE_MERCHANT_ID, ""])
    secrets = iter([STAGE_HASH_KEY, STAGE_HASH_IV])
    asking = Context(host=Host(ask_text=lambda prompt, default: next(answers), ask_secret=lambda prompt: next(secrets)), io=book, now=clock(), user="t")
    fetch_status(asking, "ecpay", transport=fake.transport(), base_url=STAGE)
    assert store.load("ecpay", COMPANY) == stage_login()
    assert len(book.tables["tblPlatform"]) == 5
    # the secrets went to the keyring only
    flat = str(book.tables) + str(book.params)
    assert STAGE_HASH_KEY not in flat and STAGE_HASH_IV not in flat


def test_rejected_login(fake: FakeEcpay, book: MemoryBook) -> None:
    store.save(Credentials("ecpay", COMPANY, merchant_id=STAGE_MERCHANT_ID, hash_key="x" * 16, hash_iv=STAGE_HASH_IV))
    ctx = Context(host=Host(confirm=lambda prompt: False), io=book, now=clock(), user="t")
    with pytest.raises(InputError, match=r"認證失敗.*tracks login"):
        fetch_status(ctx, "ecpay", transport=fake.transport(), base_url=STAGE)


def test_nothing_on_the_platform_is_an_empty_download(ctx: Context, book: MemoryBook) -> None:
    store.save(stage_login())
    result = fetch_status(ctx, "ecpay", transport=FakeEcpay().transport(), base_url=STAGE)
    assert book.tables["tblPlatform"].empty and book.params["平台狀況"]["downloaded_at"] is not None
    assert "沒有任何發票狀況" in result.message


def test_cli_fetch_from_a_real_local_server(template_book: Path, fake: FakeEcpay,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from invoicetools.book.file_backend import FileBook
    from invoicetools.cli import main

    with serve(fake) as url:
        b = ["--book", str(template_book)]
        assert main(["settings", *b, f"統一編號={COMPANY}", "申報年月=11302", f"加值中心網址={url}"]) == 0
        store.save(stage_login())
        code = main(["status", "fetch", *b, "--provider", "ecpay"])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "5 筆平台發票狀況" in out
    fb = FileBook(template_book)
    try:
        frame = fb.read_table(layout.table("平台狀況"))
        assert sorted(frame["發票號碼"]) == [f"AB0000000{i}" for i in range(1, 6)]
        assert fb.read_params(layout.sheet("平台狀況"))["source"].startswith("綠界（ecpay）")
    finally:
        fb.close()


def test_no_provider_anywhere(ctx: Context) -> None:
    with pytest.raises(InputError, match="加值中心"):
        fetch_status(ctx)
