"""Shared HTTP plumbing (timeouts, TLS, bounded retries with backoff, zh-TW errors, redacted logs) and the registry."""

from __future__ import annotations

import logging
import ssl
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path

import httpx
import pytest
from ecpay_fake import SleepRecorder

from invoicetools.domain.errors import InputError
from invoicetools.domain.records import StatusRecord, TrackAllocation
from invoicetools.sources.credentials import Credentials
from invoicetools.sources.providers import (
    Provider,
    ProviderApiError,
    ProviderAuthError,
    ProviderError,
    ProviderNetworkError,
    ProviderProtocolError,
    ProviderTimeoutError,
    RetryPolicy,
    available_providers,
    base,
    get_provider,
    register_provider,
)
from invoicetools.sources.providers.ecpay import EcpayProvider
from invoicetools.sources.providers.errors import scrub
from invoicetools.sources.providers.http import HttpClient, check_base_url

SECRET = "TopSecretHashKey"
ROOT = Path(__file__).resolve().parents[2]

Handler = Callable[[httpx.Request], httpx.Response]


def scripted(*steps: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    """A handler that plays ``steps`` in order (the last one repeats) and records requests."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = steps[min(len(seen), len(steps)) - 1]
        if isinstance(step, Exception):
            raise step
        return step

    return handler, seen


def client(handler: Handler, sleeps: SleepRecorder, **kw: object) -> HttpClient:
    return HttpClient(
        label="測試中心",
        base_url="https://api.example.test",
        transport=httpx.MockTransport(handler),
        sleep=sleeps,
        rand=lambda: 0.0,
        secrets=(SECRET,),
        **kw,  # type: ignore[arg-type]
    )


def ok(payload: object = None) -> httpx.Response:
    return httpx.Response(200, json=payload if payload is not None else {"ok": True})


# --------------------------------------------------------------------------- success and retries


def test_post_json_success_sends_json(sleeps: SleepRecorder) -> None:
    handler, seen = scripted(ok({"answer": 42}))
    http = client(handler, sleeps)
    assert http.post_json("/x", {"a": "台北"}) == {"answer": 42}
    assert seen[0].method == "POST" and seen[0].url.path == "/x"
    assert seen[0].headers["Content-Type"] == "application/json"
    assert seen[0].content == '{"a":"台北"}'.encode()
    assert http.attempts == 1 and sleeps.calls == []


def test_5xx_is_retried_with_growing_backoff_then_succeeds(sleeps: SleepRecorder) -> None:
    handler, seen = scripted(httpx.Response(503), httpx.Response(502), ok())
    http = client(handler, sleeps)
    assert http.post_json("/x", {}) == {"ok": True}
    assert len(seen) == 3 and http.attempts == 3
    assert sleeps.calls == [0.5, 1.0]


def test_5xx_gives_up_after_three_attempts(sleeps: SleepRecorder) -> None:
    handler, seen = scripted(httpx.Response(500))
    with pytest.raises(ProviderApiError) as info:
        client(handler, sleeps).post_json("/x", {})
    assert len(seen) == 3
    assert len(sleeps.calls) == 2 and sleeps.calls[0] < sleeps.calls[1]
    assert info.value.code == "500"
    assert "HTTP 500" in str(info.value) and "已嘗試 3 次" in str(info.value)


def test_jitter_is_applied_and_capped(sleeps: SleepRecorder) -> None:
    handler, _ = scripted(httpx.Response(503))
    http = HttpClient(
        label="測試中心",
        base_url="https://api.example.test",
        transport=httpx.MockTransport(handler),
        sleep=sleeps,
        rand=lambda: 0.999,
        retry=RetryPolicy(base_delay=3.0, max_delay=5.0, jitter=0.5),
    )
    with pytest.raises(ProviderApiError):
        http.post_json("/x", {})
    assert sleeps.calls == [pytest.approx(3.0 * 1.4995), 5.0]


def test_429_honours_retry_after_within_the_cap(sleeps: SleepRecorder) -> None:
    handler, seen = scripted(httpx.Response(429, headers={"Retry-After": "3"}), ok())
    assert client(handler, sleeps).post_json("/x", {}) == {"ok": True}
    assert len(seen) == 2 and sleeps.calls == [3.0]


def test_read_timeout_is_retried_then_reported_in_zh_tw(sleeps: SleepRecorder) -> None:
    handler, seen = scripted(httpx.ReadTimeout("slow"))
    with pytest.raises(ProviderTimeoutError) as info:
        client(handler, sleeps).post_json("/x", {})
    assert len(seen) == 3 and len(sleeps.calls) == 2
    assert "逾時" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)


def test_connect_error_is_retried_then_says_check_the_network(sleeps: SleepRecorder) -> None:
    handler, seen = scripted(httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(ProviderNetworkError) as info:
        client(handler, sleeps).post_json("/x", {})
    assert len(seen) == 3 and sleeps.calls == [0.5, 1.0]
    assert "無法連線到測試中心 — 請確認網路" in str(info.value)


def test_tls_certificate_failure_is_not_retried(sleeps: SleepRecorder) -> None:
    handler, seen = scripted(httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))
    with pytest.raises(ProviderNetworkError, match="憑證驗證失敗"):
        client(handler, sleeps).post_json("/x", {})
    assert len(seen) == 1 and sleeps.calls == []


def test_other_transport_errors_are_not_retried(sleeps: SleepRecorder) -> None:
    handler, seen = scripted(httpx.RemoteProtocolError("peer closed"))
    with pytest.raises(ProviderNetworkError, match="連線中斷"):
        client(handler, sleeps).post_json("/x", {})
    assert len(seen) == 1


def test_non_idempotent_calls_are_retried_only_when_nothing_was_processed(sleeps: SleepRecorder) -> None:
    steps: tuple[Exception | httpx.Response, ...] = (httpx.ReadTimeout("slow"), httpx.Response(503))
    for step in steps:
        handler, seen = scripted(step)
        with pytest.raises(ProviderError):
            client(handler, sleeps).post_json("/x", {}, idempotent=False)
        assert len(seen) == 1
    steps = (httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.Response(429))
    for step in steps:
        handler, seen = scripted(step)
        with pytest.raises(ProviderError):
            client(handler, sleeps).post_json("/x", {}, idempotent=False)
        assert len(seen) == 3


@pytest.mark.parametrize(
    ("response", "error", "words"),
    [
        (httpx.Response(401), ProviderAuthError, "認證失敗"),
        (httpx.Response(403), ProviderApiError, "HTTP 403"),
        (httpx.Response(404), ProviderApiError, "HTTP 404"),
        (httpx.Response(301, headers={"Location": "http://evil.test/"}), ProviderProtocolError, "轉址"),
        (httpx.Response(200, text="<html>maintenance</html>"), ProviderProtocolError, "不是 JSON"),
    ],
)
def test_client_errors_are_not_retried(
    sleeps: SleepRecorder, response: httpx.Response, error: type[ProviderError], words: str
) -> None:
    handler, seen = scripted(response)
    with pytest.raises(error, match=words):
        client(handler, sleeps).post_json("/x", {})
    assert len(seen) == 1 and sleeps.calls == []


def test_retry_policy_is_bounded() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=4)
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    assert RetryPolicy(max_attempts=1).max_attempts == 1


# --------------------------------------------------------------------------- TLS, timeouts, URLs


def test_real_client_verifies_tls_and_has_explicit_timeouts() -> None:
    http = HttpClient(label="測試中心", base_url="https://einvoice.ecpay.com.tw")
    real = http._get_client()
    try:
        assert real.timeout.connect == 10.0 and real.timeout.read == 30.0
        assert real.follow_redirects is False
        pool = real._transport._pool  # type: ignore[attr-defined]
        context: ssl.SSLContext = pool._ssl_context
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname is True
    finally:
        http.close()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://einvoice.ecpay.com.tw/", "https://einvoice.ecpay.com.tw"),
        (" https://einvoice-stage.ecpay.com.tw ", "https://einvoice-stage.ecpay.com.tw"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://localhost:1", "http://localhost:1"),
    ],
)
def test_base_url_accepted(url: str, expected: str) -> None:
    assert check_base_url(url) == expected


@pytest.mark.parametrize("url", ["http://einvoice.ecpay.com.tw", "ftp://x.test", "einvoice.ecpay.com.tw", ""])
def test_base_url_refused(url: str) -> None:
    with pytest.raises(InputError, match=r"https://|格式不正確"):
        check_base_url(url)


def test_base_url_with_a_password_is_refused_without_echo() -> None:
    with pytest.raises(InputError) as info:
        check_base_url(f"https://user:{SECRET}@api.example.test")
    assert SECRET not in str(info.value)


# --------------------------------------------------------------------------- secrets stay out


def test_scrub_handles_raw_and_url_encoded_forms() -> None:
    assert scrub(f"a {SECRET} b", [SECRET]) == "a *** b"
    assert scrub("k=ab%2Bcd%2F", ["ab+cd/"]) == "k=***"
    assert scrub("abc", ["abc"]) == "abc"  # too short to scrub safely


def test_debug_logs_are_redacted(sleeps: SleepRecorder, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    handler, _ = scripted(httpx.Response(503), ok({"echo": SECRET}))
    client(handler, sleeps).post_json("/x", {"HashKey": SECRET, "body": "visible-only-in-body"})
    text = caplog.text
    assert "POST https://api.example.test/x" in text and "內容不記錄" in text and "重試" in text
    assert SECRET not in text and "visible-only-in-body" not in text


def test_error_messages_are_scrubbed(sleeps: SleepRecorder) -> None:
    err = ProviderApiError(f"bad {SECRET}", code=SECRET, provider_message=f"echo {SECRET}", secrets=[SECRET])
    for text in (str(err), repr(err), err.message, str(err.code), err.rtn_msg):
        assert SECRET not in text


# --------------------------------------------------------------------------- registry


class DummyProvider(Provider):
    name = "dummy"
    label = "測試中心"
    default_base_url = "https://dummy.example.test"

    def fetch_tracks(
        self, year_roc: int, term: int | None = None, categories: Sequence[str] = ("B2C", "B2B")
    ) -> list[TrackAllocation]:
        self.check_year_term(year_roc, term)
        return []

    def fetch_status(self, begin: date, end: date) -> Iterator[StatusRecord]:
        self.check_dates(begin, end)
        return iter(())


def test_registry_resolves_names_and_aliases(stage_credentials: Credentials) -> None:
    assert "ecpay" in available_providers()
    for name in ("ecpay", "ECPay", "綠界"):
        provider = get_provider(name, stage_credentials)
        assert isinstance(provider, EcpayProvider)
        assert provider.base_url == "https://einvoice.ecpay.com.tw"  # production by default
        provider.close()


def test_base_url_precedence(stage_credentials: Credentials) -> None:
    with_url = Credentials(
        "ecpay",
        stage_credentials.ubn,
        merchant_id=stage_credentials.merchant_id,
        hash_key=stage_credentials.hash_key,
        hash_iv=stage_credentials.hash_iv,
        url="https://einvoice-stage.ecpay.com.tw",
    )
    assert get_provider("ecpay", with_url).base_url == "https://einvoice-stage.ecpay.com.tw"
    assert get_provider("ecpay", with_url, base_url="http://127.0.0.1:9").base_url == "http://127.0.0.1:9"


def test_unknown_provider_lists_the_supported_ones(stage_credentials: Credentials) -> None:
    with pytest.raises(InputError, match=r"不支援的加值中心.*ecpay"):
        get_provider("nosuch", stage_credentials)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Registrations made by a test are undone after it."""
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    monkeypatch.setattr(base, "_ALIASES", dict(base._ALIASES))


def test_credentials_of_another_provider_are_refused(stage_credentials: Credentials, registry: None) -> None:
    register_provider("dummy", DummyProvider, "測試")
    with pytest.raises(InputError, match="帳號屬於"):
        get_provider("dummy", stage_credentials)
    mine = Credentials("dummy", "12345675", merchant_id="m", password="pw-123456")
    provider = get_provider("測試", mine)
    assert isinstance(provider, DummyProvider)
    assert provider.fetch_tracks(114) == []
    with pytest.raises(InputError, match="期別"):
        provider.fetch_tracks(114, 7)
    with pytest.raises(InputError, match="起日"):
        provider.fetch_status(date(2025, 2, 1), date(2025, 1, 1))
    assert "pw-123456" not in repr(provider)


def test_lazy_registration_by_module_path(stage_credentials: Credentials, registry: None) -> None:
    register_provider("ecpay-copy", "invoicetools.sources.providers.ecpay:EcpayProvider")
    assert isinstance(base._REGISTRY["ecpay-copy"], str)
    provider = get_provider("ecpay-copy", stage_credentials)
    assert isinstance(provider, EcpayProvider)
    assert base._REGISTRY.get("ecpay-copy") is EcpayProvider  # imported once, then cached


def test_importing_the_provider_layer_loads_neither_httpx_nor_cryptography() -> None:
    code = textwrap.dedent(
        """
        import sys
        import invoicetools.sources.credentials, invoicetools.sources.providers
        from invoicetools.sources.providers import get_provider, available_providers
        assert available_providers()
        heavy = [m for m in ("httpx", "cryptography", "keyring") if m in sys.modules]
        print(",".join(heavy))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "python"), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == ""
