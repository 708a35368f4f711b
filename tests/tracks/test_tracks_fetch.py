"""自動匯入 from ECPay: MockTransport and a real local server; login kept in the (in-memory) keyring only."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from ecpay_fake import STAGE_HASH_IV, STAGE_HASH_KEY, STAGE_MERCHANT_ID, FakeEcpay, SleepRecorder, serve
from trackdata import ALLOCATION, COMPANY, ecpay_rows, whole_year, write_mof_csv

from invoicetools.actions.base import Context
from invoicetools.actions.host import Host
from invoicetools.actions.tracks import fetch_tracks, import_tracks, login, logout
from invoicetools.book import layout
from invoicetools.book.memory import MemoryBook
from invoicetools.domain.errors import ExitCode, InputError, Severity
from invoicetools.sources import credentials as store
from invoicetools.sources.credentials import Credentials
from invoicetools.sources.providers import (
    ProviderApiError,
    ProviderNetworkError,
    ProviderTimeoutError,
    Timeouts,
)
from keyring_memory import MemoryKeyring

TRACKS = layout.table("字軌配號")
STAGE = "https://einvoice-stage.ecpay.com.tw"
COMPARED = [h for h in TRACKS.headers if h not in ("來源", "匯入時間")]


def stage_login() -> Credentials:
    return Credentials("ecpay", COMPANY, merchant_id=STAGE_MERCHANT_ID, hash_key=STAGE_HASH_KEY,
                       hash_iv=STAGE_HASH_IV)


@pytest.fixture
def fake() -> FakeEcpay:
    f = FakeEcpay()
    f.allocations = {"B2C": ecpay_rows(ALLOCATION[:2]), "B2B": ecpay_rows(ALLOCATION[1:])}
    return f


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


def options(sleeps: SleepRecorder) -> dict[str, Any]:
    return {"sleep": sleeps, "rand": lambda: 0.0}


def fetch(ctx: Context, fake: FakeEcpay, sleeps: SleepRecorder, **kw: Any) -> Any:
    return fetch_tracks(ctx, provider="ecpay", transport=fake.transport(), base_url=STAGE,
                        provider_options=options(sleeps), **kw)


def everything_in(book: MemoryBook) -> str:
    return "\n".join(f.to_csv() for f in book.tables.values()) + repr(book.params) + repr(book.status)


def test_fetch_imports_the_same_table_as_the_mof_file(
    ctx: Context, book: MemoryBook, fake: FakeEcpay, sleeps: SleepRecorder, tmp_path: Path
) -> None:
    store.save(stage_login())
    result = fetch(ctx, fake, sleeps)
    assert result.exit_code == ExitCode.OK, result.findings
    fetched = book.read_table(TRACKS)
    assert set(fetched["來源"]) == {"ECPay"}
    # both categories were asked for the period's year; B2B with its RqID header
    assert [s.path for s in fake.seen] == ["/B2CInvoice/GetGovInvoiceWordSetting", "/B2BInvoice/GetGovInvoiceWordSetting"]
    assert all(s.data["InvoiceYear"] == "114" for s in fake.seen)
    other = MemoryBook.new()
    from invoicetools.book.settings import write_settings

    write_settings(other, {"統一編號": COMPANY, "申報年月": "11402"})
    import_tracks(Context(io=other), [write_mof_csv(tmp_path / "invnoapply.csv")])
    pd.testing.assert_frame_equal(fetched[COMPARED], other.read_table(TRACKS)[COMPARED])
    # fetching again changes nothing
    again = fetch(ctx, fake, sleeps)
    assert "沒有變更" in again.message
    pd.testing.assert_frame_equal(book.read_table(TRACKS), fetched)


def test_fetch_all_year_takes_six_periods(
    ctx: Context, book: MemoryBook, fake: FakeEcpay, sleeps: SleepRecorder
) -> None:
    store.save(stage_login())
    fake.allocations = {"B2C": ecpay_rows(whole_year())}
    result = fetch(ctx, fake, sleeps, all_year=True)
    assert result.exit_code == ExitCode.OK, result.findings
    assert sorted(set(book.read_table(TRACKS)["申報年月"])) == [f"114{m:02d}" for m in range(2, 13, 2)]
    # only one period: the others are not asked (the provider filters by term)
    book.tables[TRACKS.name] = book.tables[TRACKS.name].iloc[0:0]
    result = fetch(ctx, fake, sleeps, period="11406")
    assert set(book.read_table(TRACKS)["申報年月"]) == {"11406"}
    with pytest.raises(InputError, match="--all-year"):
        fetch(ctx, fake, sleeps, period="11406", year=113)


def test_the_excel_button_asks_once_and_keeps_the_login_in_the_keyring(
    book: MemoryBook, fake: FakeEcpay, sleeps: SleepRecorder, memory_keyring: MemoryKeyring
) -> None:
    asked: list[str] = []

    def ask_text(prompt: str, default: str) -> str | None:
        asked.append(prompt)
        return STAGE_MERCHANT_ID if "特店" in prompt else ""

    def ask_secret(prompt: str) -> str | None:
        asked.append(prompt)
        return STAGE_HASH_KEY if "HashKey" in prompt else STAGE_HASH_IV

    ctx = Context(host=Host(ask_text=ask_text, ask_secret=ask_secret), io=book)
    result = fetch(ctx, fake, sleeps)
    assert result.exit_code == ExitCode.OK
    assert len(asked) == 4  # 特店編號, HashKey, HashIV, 網址
    assert store.is_stored("ecpay", COMPANY)
    assert book.read_settings_value("登入資訊") == "已儲存"
    assert book.read_settings_value("加值中心") == "ecpay"
    asked.clear()
    fetch(ctx, fake, sleeps)
    assert asked == []  # asked once only
    # the secrets are in the keyring and nowhere in the workbook
    assert [k for k, _ in memory_keyring.entries] == [f"invoicetools:ecpay:{COMPANY}"]
    text = everything_in(book)
    assert STAGE_HASH_KEY not in text and STAGE_HASH_IV not in text


def test_without_a_stored_login_the_cli_context_points_to_tracks_login(
    ctx: Context, fake: FakeEcpay, sleeps: SleepRecorder
) -> None:
    with pytest.raises(InputError, match="invoicetools tracks login"):
        fetch(ctx, fake, sleeps)


def test_wrong_credentials_clear_message_and_reentry(
    book: MemoryBook, fake: FakeEcpay, sleeps: SleepRecorder
) -> None:
    store.save(Credentials("ecpay", COMPANY, merchant_id=STAGE_MERCHANT_ID, hash_key="x" * 16, hash_iv="y" * 16))
    ctx = Context(io=book)
    with pytest.raises(InputError) as info:
        fetch(ctx, fake, sleeps)
    message = str(info.value)
    assert "綠界認證失敗" in message and "tracks login" in message
    assert "x" * 16 not in message
    # in Excel: the accountant is asked whether to re-enter, then it works
    answers = iter([STAGE_HASH_KEY, STAGE_HASH_IV])
    ctx = Context(host=Host(confirm=lambda prompt: "重新輸入" in prompt, ask_secret=lambda p: next(answers), ask_text=lambda p, d: STAGE_MERCHANT_ID if "特店" in p else ""), io=book)
    assert fetch(ctx, fake, sleeps).exit_code == ExitCode.OK
    assert store.load("ecpay", COMPANY) == stage_login()


def test_provider_error_rtncode_is_shown(ctx: Context, fake: FakeEcpay, sleeps: SleepRecorder) -> None:
    store.save(stage_login())
    fake.category_errors = {"B2C": (1200099, "系統維護中"), "B2B": (1200099, "系統維護中")}
    with pytest.raises(ProviderApiError) as info:
        fetch(ctx, fake, sleeps)
    assert "系統維護中" in str(info.value) and "1200099" in str(info.value)
    # one category failing while the other answers: imported, with a warning
    fake.category_errors = {"B2B": (1200099, "未開通 B2B 服務")}
    result = fetch(ctx, fake, sleeps)
    assert result.exit_code == ExitCode.FINDINGS
    assert [f.code for f in result.findings if f.severity is Severity.WARNING] == ["track_fetch_warning"]


def test_nothing_allocated_is_a_finding_not_a_crash(
    ctx: Context, book: MemoryBook, fake: FakeEcpay, sleeps: SleepRecorder
) -> None:
    store.save(stage_login())
    fake.allocations = {}
    result = fetch(ctx, fake, sleeps)
    assert result.exit_code == ExitCode.FINDINGS
    assert [f.code for f in result.findings] == ["track_fetch_nodata"]
    assert "查無" in result.message and book.read_table(TRACKS).empty


def test_timeouts_are_retried_with_backoff_then_reported(ctx: Context, sleeps: SleepRecorder) -> None:
    store.save(stage_login())
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(ProviderTimeoutError, match="逾時"):
        fetch_tracks(ctx, provider="ecpay", transport=httpx.MockTransport(handler), base_url=STAGE,
                     provider_options=options(sleeps))
    assert len(calls) == 3 and sleeps.calls == [0.5, 1.0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_network_says_so(ctx: Context, sleeps: SleepRecorder) -> None:
    store.save(stage_login())
    with pytest.raises(ProviderNetworkError, match="無法連線"):
        fetch_tracks(ctx, provider="ecpay", base_url=f"http://127.0.0.1:{free_port()}",
                     provider_options={**options(sleeps), "timeouts": Timeouts(1, 1, 1, 1)})
    assert len(sleeps.calls) == 2  # three attempts in all


def test_real_local_server(ctx: Context, book: MemoryBook, fake: FakeEcpay, sleeps: SleepRecorder) -> None:
    store.save(stage_login())
    with serve(fake) as url:
        result = fetch_tracks(ctx, provider="綠界", base_url=url, provider_options=options(sleeps))
    assert result.exit_code == ExitCode.OK
    assert book.read_table(TRACKS)["發票字軌名稱"].tolist() == ["KA", "KB", "KC"]


def test_login_and_logout_actions(book: MemoryBook, memory_keyring: MemoryKeyring) -> None:
    answers: dict[str, str] = {"HashKey": STAGE_HASH_KEY, "HashIV": STAGE_HASH_IV}
    secret: Callable[[str], str | None] = lambda p: next(v for k, v in answers.items() if k in p)  # noqa: E731
    ctx = Context(host=Host(ask_secret=secret, ask_text=lambda p, d: ""), io=book)
    result = login(ctx, provider="ecpay", merchant_id=STAGE_MERCHANT_ID, url="")
    assert "已存入" in result.message and STAGE_MERCHANT_ID in result.message
    assert STAGE_HASH_KEY not in result.full_message()
    assert book.read_settings_value("登入資訊") == "已儲存"
    # a bad key length is refused before anything is stored
    ctx_bad = Context(host=Host(ask_secret=lambda p: "short", ask_text=lambda p, d: ""), io=book)
    with pytest.raises(InputError, match="16"):
        login(ctx_bad, provider="ecpay", merchant_id=STAGE_MERCHANT_ID, url="")
    assert store.load("ecpay", COMPANY) == stage_login()
    # an http:// address other than loopback is refused
    with pytest.raises(InputError, match="https"):
        login(ctx, provider="ecpay", merchant_id=STAGE_MERCHANT_ID, url="http://example.com")
    result = logout(Context(io=book), provider="ecpay")
    assert "已刪除" in result.message
    assert book.read_settings_value("登入資訊") == "未儲存"
    assert memory_keyring.entries == {}
    # cancelled input
    with pytest.raises(InputError, match="取消"):
        login(Context(io=book), provider="ecpay")
