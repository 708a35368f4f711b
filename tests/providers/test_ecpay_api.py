"""ECPay provider against the fake service through ``httpx.MockTransport``."""

from __future__ import annotations

import logging
import traceback
import uuid
from datetime import date, datetime

import httpx
import pytest
from ecpay_fake import STAGE_HASH_IV, STAGE_HASH_KEY, FakeEcpay, SleepRecorder, allocation_row, invoice_row

from invoicetools.domain.errors import InputError, Location
from invoicetools.domain.records import PlatformState, TrackAllocation
from invoicetools.sources.credentials import Credentials
from invoicetools.sources.providers import (
    ProviderApiError,
    ProviderAuthError,
    ProviderError,
    ProviderNetworkError,
    ProviderNoDataError,
    ProviderProtocolError,
    ProviderTimeoutError,
    get_provider,
)
from invoicetools.sources.providers.ecpay import EcpayProvider
from invoicetools.sources.providers.ecpay_crypto import encrypt_data
from invoicetools.sources.providers.ecpay_records import map_status

UBN = "12345675"


def make_provider(
    fake: FakeEcpay, credentials: Credentials, sleeps: SleepRecorder | None = None, **kw: object
) -> EcpayProvider:
    provider = get_provider(
        "ecpay",
        credentials,
        transport=fake.transport(),
        base_url="https://einvoice-stage.ecpay.com.tw",
        sleep=sleeps or SleepRecorder(),
        rand=lambda: 0.0,
        **kw,
    )
    assert isinstance(provider, EcpayProvider)
    return provider


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert STAGE_HASH_KEY not in text
        assert STAGE_HASH_IV not in text


def full_text(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(exc)


@pytest.fixture
def allocated(fake: FakeEcpay) -> FakeEcpay:
    fake.allocations = {
        "B2C": [
            allocation_row(1, "07", "AB", "12345000", "12345499"),
            allocation_row(2, "07", "AC", "00000000", "00000099"),
            allocation_row(6, "08", "ZZ", "99999950", "99999999"),
            allocation_row(1, "07", "XX", "10000000", "10000049", year="113"),  # another year
        ],
        "B2B": [
            allocation_row(1, "07", "AB", "12345000", "12345499"),  # the same range as B2C
            allocation_row(1, "07", "CD", "20000000", "20000049"),
        ],
    }
    return fake


# --------------------------------------------------------------------------- 配號


def test_fetch_tracks_whole_year(allocated: FakeEcpay, stage_credentials: Credentials) -> None:
    tracks = make_provider(allocated, stage_credentials).fetch_tracks(114)
    assert [(t.year_month, t.invoice_type, t.track, t.begin, t.end) for t in tracks] == [
        ("11402", "07", "AB", 12345000, 12345499),
        ("11402", "07", "CD", 20000000, 20000049),
        ("11404", "07", "AC", 0, 99),
        ("11412", "08", "ZZ", 99999950, 99999999),
    ]
    assert all(t.ban == UBN for t in tracks)
    assert tracks[0].booklets == 10
    assert tracks[0].source == Location(file="綠界 B2C 查詢財政部配號結果", row=1)
    assert tracks[1].source == Location(file="綠界 B2B 查詢財政部配號結果", row=2)


def test_fetch_tracks_one_term(allocated: FakeEcpay, stage_credentials: Credentials) -> None:
    tracks = make_provider(allocated, stage_credentials).fetch_tracks(114, 2)
    assert tracks == [
        TrackAllocation(
            UBN, "07", "11404", "AC", 0, 99, source=Location(file="綠界 B2C 查詢財政部配號結果", row=2)
        )
    ]


@pytest.mark.parametrize(
    ("term", "period"), [(1, "11402"), (2, "11404"), (3, "11406"), (4, "11408"), (5, "11410"), (6, "11412")]
)
def test_term_to_period_code(fake: FakeEcpay, stage_credentials: Credentials, term: int, period: str) -> None:
    fake.allocations = {"B2C": [allocation_row(term, "7", "QA", "00000050", "00000099")]}
    (track,) = make_provider(fake, stage_credentials).fetch_tracks(114, term, categories=("B2C",))
    assert (track.year_month, track.invoice_type) == (period, "07")


def test_requests_follow_the_protocol(allocated: FakeEcpay, stage_credentials: Credentials) -> None:
    ids = iter(["11111111-2222-3333-4444-555555555555"])
    provider = make_provider(
        allocated, stage_credentials, clock=lambda: 1_700_000_000.9, request_id=lambda: next(ids)
    )
    allocated.clock = lambda: 1_700_000_030.0
    provider.fetch_tracks(114)
    b2c, b2b = allocated.seen
    assert b2c.path == "/B2CInvoice/GetGovInvoiceWordSetting"
    assert b2c.envelope["MerchantID"] == "2000132"
    assert b2c.envelope["RqHeader"] == {"Timestamp": 1_700_000_000, "Revision": "3.0.0"}
    assert b2c.data == {"MerchantID": "2000132", "InvoiceYear": "114"}
    assert b2b.path == "/B2BInvoice/GetGovInvoiceWordSetting"
    assert b2b.envelope["RqHeader"] == {
        "Timestamp": 1_700_000_000,
        "RqID": "11111111-2222-3333-4444-555555555555",
        "Revision": "1.0.0",
    }
    assert set(b2c.envelope) == {"MerchantID", "RqHeader", "Data"}


def test_default_request_ids_are_uuids(allocated: FakeEcpay, stage_credentials: Credentials) -> None:
    make_provider(allocated, stage_credentials).fetch_tracks(114, categories=("B2B",))
    uuid.UUID(allocated.seen[0].envelope["RqHeader"]["RqID"])


def test_zero_padded_year(fake: FakeEcpay, stage_credentials: Credentials) -> None:
    fake.allocations = {"B2C": [allocation_row(1, "07", "AA", "00000000", "00000049", year="099")]}
    (track,) = make_provider(fake, stage_credentials).fetch_tracks(99, categories=["b2c"])
    assert track.year_month == "09902"


def test_a_failing_category_is_skipped_with_a_warning(
    allocated: FakeEcpay, stage_credentials: Credentials, caplog: pytest.LogCaptureFixture
) -> None:
    allocated.category_errors = {"B2B": (9000010, "特店未開通B2B服務")}
    provider = make_provider(allocated, stage_credentials)
    tracks = provider.fetch_tracks(114)
    assert {t.track for t in tracks} == {"AB", "AC", "ZZ"}
    assert len(provider.warnings) == 1 and "B2B" in provider.warnings[0]
    assert "已略過" in caplog.text


def test_category_without_allocation_is_fine(allocated: FakeEcpay, stage_credentials: Credentials) -> None:
    allocated.allocations.pop("B2B")
    provider = make_provider(allocated, stage_credentials)
    assert len(provider.fetch_tracks(114)) == 3
    assert provider.warnings == []


def test_nothing_allocated_explains_the_usual_causes(fake: FakeEcpay, stage_credentials: Credentials) -> None:
    with pytest.raises(ProviderNoDataError, match="未授權給綠界") as info:
        make_provider(fake, stage_credentials).fetch_tracks(114, 3)
    assert "第 3 期" in str(info.value)


def test_only_failures_raise_the_first_failure(fake: FakeEcpay, stage_credentials: Credentials) -> None:
    fake.category_errors = {"B2C": (1100099, "系統維護中"), "B2B": (1100098, "其他錯誤")}
    with pytest.raises(ProviderApiError) as info:
        make_provider(fake, stage_credentials).fetch_tracks(114)
    assert (info.value.rtn_code, info.value.rtn_msg) == ("1100099", "系統維護中")
    assert "綠界查詢財政部配號結果失敗" in str(info.value) and "系統維護中" in str(info.value)


@pytest.mark.parametrize(
    ("year", "term", "categories"),
    [
        (0, None, ("B2C",)),
        (1000, None, ("B2C",)),
        (114, 0, ("B2C",)),
        (114, 7, ("B2C",)),
        (114, None, ()),
        (114, None, ("B2X",)),
    ],
)
def test_bad_arguments_are_input_errors(
    fake: FakeEcpay, stage_credentials: Credentials, year: int, term: int | None, categories: tuple[str, ...]
) -> None:
    with pytest.raises(InputError):
        make_provider(fake, stage_credentials).fetch_tracks(year, term, categories)
    assert fake.seen == []


@pytest.mark.parametrize(
    "row",
    [
        {
            "InvoiceTerm": 7,
            "InvType": "07",
            "InvoiceHeader": "AB",
            "InvoiceStart": "00000000",
            "InvoiceEnd": "00000049",
        },
        {
            "InvoiceTerm": 1,
            "InvType": "09",
            "InvoiceHeader": "AB",
            "InvoiceStart": "00000000",
            "InvoiceEnd": "00000049",
        },
        {
            "InvoiceTerm": 1,
            "InvType": "07",
            "InvoiceHeader": "A1",
            "InvoiceStart": "00000000",
            "InvoiceEnd": "00000049",
        },
        {
            "InvoiceTerm": 1,
            "InvType": "07",
            "InvoiceHeader": "AB",
            "InvoiceStart": "0000",
            "InvoiceEnd": "00000049",
        },
        {
            "InvoiceTerm": 1,
            "InvType": "07",
            "InvoiceHeader": "AB",
            "InvoiceStart": "00000050",
            "InvoiceEnd": "00000049",
        },
        "not an object",
    ],
)
def test_malformed_allocation_rows(fake: FakeEcpay, stage_credentials: Credentials, row: object) -> None:
    fake.allocations = {"B2C": [row]}  # type: ignore[list-item]
    with pytest.raises(ProviderProtocolError, match="第 1 筆格式不正確"):
        make_provider(fake, stage_credentials).fetch_tracks(114, categories=("B2C",))


# --------------------------------------------------------------------------- errors from the envelope


def test_transcode_error_carries_code_and_message(
    allocated: FakeEcpay, stage_credentials: Credentials
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"TransCode": 999, "TransMsg": "系統忙碌", "MerchantID": "2000132"})

    provider = get_provider("ecpay", stage_credentials, transport=httpx.MockTransport(handler))
    with pytest.raises(ProviderApiError) as info:
        provider.fetch_tracks(114, categories=("B2C",))
    assert info.value.code == "999" and info.value.provider_message == "系統忙碌"
    assert "TransCode 999" in str(info.value)


def test_wrong_hash_key_is_an_authentication_error(
    allocated: FakeEcpay, stage_credentials: Credentials
) -> None:
    allocated.hash_key = "A" * 16  # the service holds another key than ours
    with pytest.raises(ProviderAuthError, match="認證失敗") as info:
        make_provider(allocated, stage_credentials).fetch_tracks(114)
    assert "HashKey" in str(info.value)
    assert_no_secret(full_text(info.value))


def test_unknown_merchant_is_an_authentication_error(
    allocated: FakeEcpay, stage_credentials: Credentials
) -> None:
    allocated.merchant_id = "2000214"
    with pytest.raises(ProviderAuthError, match="認證失敗"):
        make_provider(allocated, stage_credentials).fetch_tracks(114)


def test_clock_skew_asks_to_fix_the_system_time(allocated: FakeEcpay, stage_credentials: Credentials) -> None:
    provider = make_provider(allocated, stage_credentials, clock=lambda: allocated.clock() - 3600)
    with pytest.raises(ProviderApiError, match="校正系統時間"):
        provider.fetch_tracks(114)


def test_rtn_message_echoing_a_secret_is_scrubbed(fake: FakeEcpay, stage_credentials: Credentials) -> None:
    fake.category_errors = {"B2C": (5, f"參數錯誤 HashIV={STAGE_HASH_IV}")}
    with pytest.raises(ProviderAuthError) as info:
        make_provider(fake, stage_credentials).fetch_tracks(114, categories=("B2C",))
    assert "***" in str(info.value)
    assert_no_secret(full_text(info.value), info.value.rtn_msg)


@pytest.mark.parametrize(
    "answer",
    [
        {"TransCode": 1, "TransMsg": "", "Data": "bm90IGVuY3J5cHRlZCBieSB0aGUgcmlnaHQga2V5IQ=="},
        {"TransCode": 1, "TransMsg": ""},
        {"TransCode": 1, "Data": "{not json"},
        {"TransCode": 1, "Data": ["a list"]},
        ["not", "an", "object"],
    ],
)
def test_unreadable_answers_are_protocol_errors(stage_credentials: Credentials, answer: object) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    provider = get_provider("ecpay", stage_credentials, transport=transport)
    with pytest.raises(ProviderProtocolError):
        provider.fetch_tracks(114, categories=("B2C",))


def test_encrypted_data_with_string_rtncode(stage_credentials: Credentials) -> None:
    inner = {
        "RtnCode": "1",
        "RtnMsg": "成功",
        "InvoiceInfo": [allocation_row(1, "07", "AB", "00000000", "00000049")],
    }
    answer = {"TransCode": "1", "Data": encrypt_data(inner, STAGE_HASH_KEY, STAGE_HASH_IV)}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    provider = get_provider("ecpay", stage_credentials, transport=transport)
    assert len(provider.fetch_tracks(114, categories=("B2C",))) == 1


# --------------------------------------------------------------------------- transport failures through the provider


def test_5xx_is_retried_three_times_with_backoff(
    allocated: FakeEcpay, stage_credentials: Credentials
) -> None:
    sleeps = SleepRecorder()
    allocated.http_failures = [503, 502]
    tracks = make_provider(allocated, stage_credentials, sleeps).fetch_tracks(114, categories=("B2C",))
    assert len(tracks) == 3
    assert sleeps.calls == [0.5, 1.0]


def test_persistent_5xx_fails_after_three_attempts(
    allocated: FakeEcpay, stage_credentials: Credentials
) -> None:
    sleeps = SleepRecorder()
    allocated.http_failures = [500] * 10
    provider = make_provider(allocated, stage_credentials, sleeps)
    with pytest.raises(ProviderApiError, match="HTTP 500"):
        provider.fetch_tracks(114, categories=("B2C",))
    assert provider.http.attempts == 3 and len(allocated.http_failures) == 7
    assert len(sleeps.calls) == 2


def test_timeout_is_reported(stage_credentials: Credentials) -> None:
    sleeps = SleepRecorder()

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    provider = get_provider("ecpay", stage_credentials, transport=httpx.MockTransport(handler), sleep=sleeps)
    with pytest.raises(ProviderTimeoutError, match="綠界回應逾時"):
        provider.fetch_tracks(114, categories=("B2C",))
    assert provider.http.attempts == 3 and len(sleeps.calls) == 2


def test_no_network_is_reported_in_zh_tw(stage_credentials: Credentials) -> None:
    sleeps = SleepRecorder()

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    provider = get_provider("ecpay", stage_credentials, transport=httpx.MockTransport(handler), sleep=sleeps)
    with pytest.raises(ProviderNetworkError) as info:
        provider.fetch_tracks(114)
    assert "無法連線到綠界 — 請確認網路" in str(info.value)
    assert provider.http.attempts == 3 and len(sleeps.calls) == 2
    assert_no_secret(full_text(info.value))


# --------------------------------------------------------------------------- 發票狀態


def many_invoices(count: int) -> list[dict[str, object]]:
    rows = []
    for i in range(count):
        day = 1 + i % 28
        state = {0: ("1", "0", "C"), 1: ("0", "0", "P"), 2: ("1", "1", "C"), 3: ("1", "0", "E")}[i % 4]
        rows.append(
            invoice_row(
                f"AB{10000000 + i:08d}",
                f"2025-01-{day:02d} 10:{i % 60:02d}:00",
                upload=state[0],
                invalid=state[1],
                turnkey=state[2],
            )
        )
    return rows


@pytest.mark.parametrize("encrypted", [False, True])
def test_fetch_status_pages_until_total_count(
    fake: FakeEcpay, stage_credentials: Credentials, encrypted: bool
) -> None:
    fake.invoices = many_invoices(450)
    fake.encrypt_issue_list = encrypted
    records = list(make_provider(fake, stage_credentials).fetch_status(date(2025, 1, 1), date(2025, 1, 31)))
    pages = fake.requests_to("GetIssueList")
    assert [s.data["ShowingPage"] for s in pages] == [1, 2, 3]
    assert {s.data["NumPerPage"] for s in pages} == {200}
    assert pages[0].data["BeginDate"] == "2025-01-01" and pages[0].data["EndDate"] == "2025-01-31"
    assert pages[0].path == "/B2CInvoice/GetIssueList"
    assert len(records) == 450 and len({r.invoice_number for r in records}) == 450
    by_number = {r.invoice_number: r for r in records}
    assert by_number["AB10000000"].state is PlatformState.ON_PLATFORM
    assert by_number["AB10000001"].state is PlatformState.PENDING
    assert by_number["AB10000002"].state is PlatformState.CANCELLED
    assert by_number["AB10000003"].state is PlatformState.FAILED
    first = by_number["AB10000000"]
    assert first.invoice_date == date(2025, 1, 1)
    assert first.upload_time == datetime(2025, 1, 1, 10, 0)
    assert by_number["AB10000001"].upload_time is None
    assert "Upload=1" in first.detail and first.source is not None


def test_fetch_status_small_page_size(fake: FakeEcpay, stage_credentials: Credentials) -> None:
    fake.invoices = many_invoices(5)
    provider = make_provider(fake, stage_credentials, page_size=2)
    assert len(list(provider.fetch_status(date(2025, 1, 1), date(2025, 1, 31)))) == 5
    assert [s.data["ShowingPage"] for s in fake.requests_to("GetIssueList")] == [1, 2, 3]


def test_fetch_status_empty(fake: FakeEcpay, stage_credentials: Credentials) -> None:
    assert list(make_provider(fake, stage_credentials).fetch_status(date(2025, 1, 1), date(2025, 1, 2))) == []
    assert len(fake.seen) == 1


def test_fetch_status_no_data_message_means_empty(stage_credentials: Credentials) -> None:
    answer = {"TransCode": 1, "Data": {"RtnCode": 2, "RtnMsg": "查無發票資料"}}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    provider = get_provider("ecpay", stage_credentials, transport=transport)
    assert list(provider.fetch_status(date(2025, 1, 1), date(2025, 1, 2))) == []


def test_fetch_status_is_bounded_when_the_server_repeats_itself(
    fake: FakeEcpay, stage_credentials: Credentials
) -> None:
    fake.invoices = many_invoices(300)
    fake.repeat_first_page = True  # always answers page 1
    fake.total_count_override = 10_000  # 50 pages of 200, yet every answer is the same page
    provider = make_provider(fake, stage_credentials)
    records = list(provider.fetch_status(date(2025, 1, 1), date(2025, 1, 31)))
    assert len(fake.seen) == 50 and len(records) == 10_000


def test_fetch_status_refuses_more_than_max_pages(fake: FakeEcpay, stage_credentials: Credentials) -> None:
    fake.invoices = many_invoices(50)
    provider = make_provider(fake, stage_credentials, page_size=10, max_pages=3)
    with pytest.raises(ProviderApiError, match="縮短發票日期區間"):
        list(provider.fetch_status(date(2025, 1, 1), date(2025, 1, 31)))
    assert len(fake.seen) == 1


def test_fetch_status_stops_on_an_empty_page(fake: FakeEcpay, stage_credentials: Credentials) -> None:
    fake.invoices = many_invoices(3)
    fake.total_count_override = 1000  # claims more than it has
    records = list(make_provider(fake, stage_credentials).fetch_status(date(2025, 1, 1), date(2025, 1, 31)))
    assert len(records) == 3 and len(fake.seen) == 2


def test_fetch_status_checks_arguments_at_once(fake: FakeEcpay, stage_credentials: Credentials) -> None:
    provider = make_provider(fake, stage_credentials)
    with pytest.raises(InputError, match="起日"):
        provider.fetch_status(date(2025, 2, 1), date(2025, 1, 1))
    with pytest.raises(InputError):
        provider.fetch_status("2025-01-01", date(2025, 1, 1))  # type: ignore[arg-type]
    records = list(provider.fetch_status(datetime(2025, 1, 1, 12), datetime(2025, 1, 2, 8)))
    assert records == [] and fake.seen[0].data["EndDate"] == "2025-01-02"


def test_bad_invoice_row_is_a_protocol_error(fake: FakeEcpay, stage_credentials: Credentials) -> None:
    fake.invoices = [invoice_row("A112345678", "2025-01-01 10:00:00")]
    with pytest.raises(ProviderProtocolError, match="第 1 筆"):
        list(make_provider(fake, stage_credentials).fetch_status(date(2025, 1, 1), date(2025, 1, 31)))


def test_dates_with_plus_or_blank_placeholders(stage_credentials: Credentials) -> None:
    rows = [
        {
            **invoice_row("AB00000001", "2025-01-05 10:00:00"),
            "IIS_Create_Date": "2025-01-05+10:00:00",
            "IIS_Upload_Date": "",
        },
        {
            **invoice_row("AB00000002", "2025-01-05 10:00:00"),
            "IIS_Create_Date": "2025/01/06",
            "IIS_Upload_Date": "0001-01-01 00:00:00",
        },
    ]
    answer = {"TransCode": 1, "Data": {"RtnCode": 1, "TotalCount": 2, "InvoiceData": rows}}
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=answer))
    provider = get_provider("ecpay", stage_credentials, transport=transport)
    a, b = provider.fetch_status(date(2025, 1, 1), date(2025, 1, 31))
    assert (a.invoice_date, a.upload_time) == (date(2025, 1, 5), None)
    assert (b.invoice_date, b.upload_time) == (date(2025, 1, 6), None)


@pytest.mark.parametrize(
    ("upload", "invalid", "turnkey", "state"),
    [
        ("1", "0", "C", PlatformState.ON_PLATFORM),
        ("1", "0", "G", PlatformState.PENDING),  # 處理中（待財政部回覆狀態）
        ("1", "0", "P", PlatformState.PENDING),  # 處理中（上傳財政部中）
        ("1", "0", "g", PlatformState.PENDING),
        ("1", "0", "", PlatformState.ON_PLATFORM),
        ("0", "0", "", PlatformState.PENDING),
        ("0", "0", "P", PlatformState.PENDING),
        ("1", "0", "E", PlatformState.FAILED),
        ("0", "0", "e", PlatformState.FAILED),
        ("1", "1", "C", PlatformState.CANCELLED),
        ("0", "1", "E", PlatformState.CANCELLED),
        (None, None, None, PlatformState.PENDING),
    ],
)
def test_status_mapping(
    upload: str | None, invalid: str | None, turnkey: str | None, state: PlatformState
) -> None:
    assert map_status(upload, invalid, turnkey) is state


@pytest.mark.parametrize(("upload", "invalid", "turnkey"), [("1", "0", "C"), ("0", "0", ""), ("1", "0", "G")])
def test_voided_invoice_has_no_state(upload: str, invalid: str, turnkey: str) -> None:
    """IIS_Issue_Status 0 = 發票註銷 (developers.ecpay.com.tw ?p=7923): neither uploaded nor pending by itself."""
    assert map_status(upload, invalid, turnkey, issue_status="0") is None
    assert map_status(upload, "1", turnkey, issue_status="0") is PlatformState.CANCELLED  # 作廢 still wins


# --------------------------------------------------------------------------- credentials checks and secrets


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"merchant_id": ""}, "MerchantID"),
        ({"merchant_id": "20001320000X"}, "10 碼"),
        ({"hash_key": ""}, "HashKey 未設定"),
        ({"hash_key": STAGE_HASH_KEY + "x"}, "HashKey 必須是 16"),
        ({"hash_iv": STAGE_HASH_IV[:8]}, "HashIV 必須是 16"),
    ],
)
def test_credentials_are_checked_without_echoing_them(changes: dict[str, str], words: str) -> None:
    values = {"merchant_id": "2000132", "hash_key": STAGE_HASH_KEY, "hash_iv": STAGE_HASH_IV} | changes
    with pytest.raises(InputError, match=words) as info:
        get_provider("ecpay", Credentials("ecpay", UBN, **values))
    assert_no_secret(str(info.value))


def test_no_secret_in_repr_errors_or_debug_logs(
    allocated: FakeEcpay, stage_credentials: Credentials, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    allocated.invoices = many_invoices(3)
    allocated.http_failures = [503]
    provider = make_provider(allocated, stage_credentials)
    provider.fetch_tracks(114)
    list(provider.fetch_status(date(2025, 1, 1), date(2025, 1, 31)))
    errors: list[ProviderError] = []
    for attribute, value in (("hash_iv", "B" * 16), ("merchant_id", "9999999")):
        setattr(allocated, attribute, value)
        try:
            provider.fetch_tracks(114)
        except ProviderError as exc:
            errors.append(exc)
    assert len(errors) == 2
    assert caplog.records, "DEBUG logging should have recorded the HTTP exchanges"
    assert_no_secret(caplog.text, repr(provider), str(provider), repr(provider.http), *map(full_text, errors))
