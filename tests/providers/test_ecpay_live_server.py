"""ECPay provider over real HTTP against a local fake service on 127.0.0.1 (ephemeral port).

The server (``ecpay_fake.serve``) decrypts each request, checks MerchantID and the
Timestamp window, answers encrypted data, and shuts itself down when the test ends
(or after a watchdog timeout).
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from datetime import date

import pytest
from ecpay_fake import (
    STAGE_HASH_IV,
    STAGE_HASH_KEY,
    FakeEcpay,
    SleepRecorder,
    allocation_row,
    invoice_row,
    serve,
)

from invoicetools.domain.records import PlatformState
from invoicetools.sources import credentials as store
from invoicetools.sources.credentials import Credentials
from invoicetools.sources.providers import (
    ProviderAuthError,
    ProviderNetworkError,
    Timeouts,
    get_provider,
)
from invoicetools.sources.providers.ecpay import EcpayProvider


@pytest.fixture
def live(fake: FakeEcpay) -> Iterator[tuple[FakeEcpay, str]]:
    fake.allocations = {
        "B2C": [
            allocation_row(1, "07", "AB", "12345000", "12345099"),
            allocation_row(2, "07", "AB", "12346000", "12346049"),
        ],
        "B2B": [allocation_row(1, "07", "CD", "00000000", "00000049")],
    }
    fake.invoices = [
        invoice_row(
            f"AB{12345000 + i:08d}", f"2025-01-{1 + i % 20:02d} 09:00:00", upload="1" if i % 3 else "0"
        )
        for i in range(25)
    ]
    fake.encrypt_issue_list = True
    threads_before = threading.active_count()
    with serve(fake) as url:
        yield fake, url
    # the server thread is gone (the watchdog timer thread may linger a moment)
    assert threading.active_count() <= threads_before + 1


def provider_for(
    url: str, credentials: Credentials, *, sleep: SleepRecorder | None = None, page_size: int = 200
) -> EcpayProvider:
    provider = get_provider(
        "ecpay",
        credentials,
        base_url=url,
        sleep=sleep or SleepRecorder(),
        rand=lambda: 0.0,
        timeouts=Timeouts(connect=2.0, read=5.0, write=5.0, pool=2.0),
        page_size=page_size,
    )
    assert isinstance(provider, EcpayProvider)
    return provider


def test_tracks_and_status_over_real_http(
    live: tuple[FakeEcpay, str], stage_credentials: Credentials
) -> None:
    fake, url = live
    assert url.startswith("http://127.0.0.1:")
    with provider_for(url, stage_credentials, page_size=10) as provider:
        tracks = provider.fetch_tracks(114)
        assert [(t.year_month, t.track, t.begin, t.end) for t in tracks] == [
            ("11402", "AB", 12345000, 12345099),
            ("11402", "CD", 0, 49),
            ("11404", "AB", 12346000, 12346049),
        ]
        records = list(provider.fetch_status(date(2025, 1, 1), date(2025, 1, 31)))
    assert len(records) == 25
    assert sum(r.state is PlatformState.PENDING for r in records) == 9
    assert [s.data["ShowingPage"] for s in fake.requests_to("GetIssueList")] == [1, 2, 3]
    # the server really decrypted what we sent
    assert {s.data["MerchantID"] for s in fake.seen} == {"2000132"}


def test_credentials_from_the_keyring_drive_the_provider(
    live: tuple[FakeEcpay, str], stage_credentials: Credentials
) -> None:
    _, url = live
    store.save(stage_credentials)
    loaded = store.load("ecpay", stage_credentials.ubn)
    assert loaded is not None
    with provider_for(url, loaded) as provider:
        assert len(provider.fetch_tracks(114, 2)) == 1


def test_server_errors_are_retried_over_real_http(
    live: tuple[FakeEcpay, str], stage_credentials: Credentials
) -> None:
    fake, url = live
    fake.http_failures = [503, 500]
    sleeps = SleepRecorder()
    with provider_for(url, stage_credentials, sleep=sleeps) as provider:
        assert len(provider.fetch_tracks(114, categories=("B2C",))) == 2
        assert provider.http.attempts == 3
    assert sleeps.calls == [0.5, 1.0]


def test_wrong_hash_iv_over_real_http(
    live: tuple[FakeEcpay, str], stage_credentials: Credentials, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _, url = live
    wrong = Credentials(
        "ecpay",
        stage_credentials.ubn,
        merchant_id="2000132",
        hash_key=STAGE_HASH_KEY,
        hash_iv="WrongIVWrongIV00",
    )
    with provider_for(url, wrong) as provider, pytest.raises(ProviderAuthError, match="認證失敗") as info:
        provider.fetch_tracks(114)
    for text in (str(info.value), repr(info.value), caplog.text):
        assert "WrongIVWrongIV00" not in text and STAGE_HASH_KEY not in text and STAGE_HASH_IV not in text


def test_nothing_listening_is_no_network(stage_credentials: Credentials) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    sleeps = SleepRecorder()
    with provider_for(f"http://127.0.0.1:{port}", stage_credentials, sleep=sleeps) as provider:
        with pytest.raises(ProviderNetworkError, match="無法連線到綠界 — 請確認網路"):
            provider.fetch_tracks(114)
        assert provider.http.attempts == 3
    assert sleeps.calls == [0.5, 1.0]
