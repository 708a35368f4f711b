"""The HTTP plumbing every provider shares: :class:`HttpClient`, its :class:`Timeouts` and
:class:`RetryPolicy`, and :func:`check_base_url`.

One ``httpx.Client`` per provider, explicit connect/read timeouts, TLS verification always
on, no redirects, and at most three attempts with exponential backoff and jitter, only for
connection failures, timeouts, 5xx and 429. Requests and responses are logged at DEBUG with
their bodies redacted; every message is scrubbed of the account's secrets
(:func:`~.errors.scrub`). httpx is imported only when a request is really made.

>>> RetryPolicy().delay(1, 0.0), RetryPolicy().delay(2, 0.0), RetryPolicy().delay(3, 1.0)
(0.5, 1.0, 3.0)
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from ...domain.errors import InputError
from .errors import (
    ProviderApiError,
    ProviderAuthError,
    ProviderError,
    ProviderNetworkError,
    ProviderProtocolError,
    ProviderTimeoutError,
    scrub,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_ATTEMPTS_LIMIT", "HttpClient", "RetryPolicy", "Timeouts", "check_base_url"]

logger = logging.getLogger("invoicetools.providers")

MAX_ATTEMPTS_LIMIT: Final = 3
_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait: to connect, for each read, for each write, for a pooled connection."""

    connect: float = 10.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 10.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """At most ``max_attempts`` (≤ 3) tries; the n-th wait is ``base·2ⁿ⁻¹·(1 + jitter·U[0,1))``, capped."""

    max_attempts: int = MAX_ATTEMPTS_LIMIT
    base_delay: float = 0.5
    max_delay: float = 8.0
    jitter: float = 0.5

    def __post_init__(self) -> None:
        if not 1 <= self.max_attempts <= MAX_ATTEMPTS_LIMIT:
            raise ValueError(f"max_attempts must be 1..{MAX_ATTEMPTS_LIMIT}")
        if self.base_delay < 0 or self.max_delay < 0 or self.jitter < 0:
            raise ValueError("delays and jitter must be >= 0")

    def delay(self, failed_attempts: int, rand: float) -> float:
        """Seconds to wait after ``failed_attempts`` failures, for a random draw ``rand`` in [0, 1)."""
        raw: float = self.base_delay * 2.0 ** (failed_attempts - 1)
        return min(self.max_delay, raw * (1.0 + self.jitter * rand))


def check_base_url(url: str, label: str = "加值中心") -> str:
    """The service address without a trailing slash; ``https://`` only (``http://`` just for loopback).

    >>> check_base_url("https://einvoice.ecpay.com.tw/")
    'https://einvoice.ecpay.com.tw'
    >>> check_base_url("http://127.0.0.1:8080")
    'http://127.0.0.1:8080'
    >>> check_base_url("http://einvoice.ecpay.com.tw")
    Traceback (most recent call last):
    invoicetools.domain.errors.InputError: 加值中心服務網址必須以 https:// 開頭（讀到「http://einvoice.ecpay.com.tw」）
    """
    text = str(url).strip()
    try:
        parts = urllib.parse.urlsplit(text)
        host = parts.hostname
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError:
        raise InputError(f"{label}服務網址格式不正確", found=text) from None
    if parts.username or parts.password:
        # Never echo it: the URL carries a user name or password.
        raise InputError(f"{label}服務網址不可包含帳號或密碼")
    if not host:
        raise InputError(f"{label}服務網址格式不正確", found=text)
    if parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK_HOSTS):
        return text.rstrip("/")
    raise InputError(f"{label}服務網址必須以 https:// 開頭", found=text)


def _is_tls_failure(exc: BaseException) -> bool:
    text = f"{exc} {exc.__cause__ or ''} {exc.__context__ or ''}".upper()
    return "CERTIFICATE_VERIFY_FAILED" in text or ("SSL" in text and "CERTIFICATE" in text)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    return None


@dataclass(frozen=True, slots=True)
class _Failure:
    """An attempt that failed in a way another attempt may mend.

    ``error`` is raised (``from cause``) when no attempt is left or ``retryable`` is false
    (a call that is not idempotent and may have been processed); ``wait`` is the server's
    Retry-After in seconds.
    """

    error: ProviderError
    retryable: bool
    cause: BaseException | None = None
    wait: float | None = None


class HttpClient:
    """POST JSON to one service with bounded, jittered retries; errors are zh-TW :class:`ProviderError`.

    ``transport`` is the httpx seam (``httpx.MockTransport`` in tests); ``sleep`` and
    ``rand`` are injectable so tests can see the backoff without waiting.
    """

    def __init__(
        self,
        *,
        label: str,
        base_url: str,
        transport: httpx.BaseTransport | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        rand: Callable[[], float] | None = None,
        secrets: Iterable[str] = (),
        provider: str = "",
    ) -> None:
        self.label = label
        self.provider = provider
        self.base_url = check_base_url(base_url, label)
        self.timeouts = timeouts or Timeouts()
        self.retry = retry or RetryPolicy()
        self._sleep = sleep or time.sleep
        self._rand = rand or random.random
        self._secrets = tuple(secrets)
        self._transport = transport
        self._client: httpx.Client | None = None
        self.attempts = 0  # total HTTP attempts made by this client (for tests and the run log)

    def __repr__(self) -> str:
        return f"HttpClient(label={self.label!r}, base_url={self.base_url!r})"

    def _get_client(self) -> httpx.Client:
        if self._client is None:
            import httpx  # lazy: only when a provider is really used

            from ... import __version__

            t = self.timeouts
            self._client = httpx.Client(
                base_url=self.base_url,
                transport=self._transport,
                timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.pool),
                verify=True,
                follow_redirects=False,
                headers={"User-Agent": f"InvoiceTools/{__version__}", "Accept": "application/json"},
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _error(self, cls: type[ProviderError], message: str, **kwargs: Any) -> ProviderError:
        return cls(message, provider=self.provider, secrets=self._secrets, **kwargs)

    def _log(self, level: int, message: str, *args: object) -> None:
        if logger.isEnabledFor(level):
            logger.log(level, "%s", scrub(message % args if args else message, self._secrets))

    def post_json(self, path: str, payload: Mapping[str, Any], *, idempotent: bool = True) -> Any:
        """POST ``payload`` as JSON to ``path`` and return the decoded JSON answer.

        Retries (up to ``retry.max_attempts`` in all) on connection errors, timeouts, 5xx
        and 429; a non-idempotent call is retried only when the request cannot have been
        processed (connection refused, connect timeout, 429).
        """
        client = self._get_client()
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(client, path, body, attempt, idempotent)
            if not isinstance(outcome, _Failure):
                return self._decode(outcome)
            self._sleep(self._retry_delay(outcome, attempt))

    def _attempt(
        self, client: httpx.Client, path: str, body: bytes, attempt: int, idempotent: bool
    ) -> httpx.Response | _Failure:
        """One POST: a successful answer, or a failure another attempt may mend; raises the others."""
        import httpx

        self.attempts += 1
        url = f"{self.base_url}{path}"
        self._log(logging.DEBUG, "→ POST %s（第 %d 次，%d bytes，內容不記錄）", url, attempt, len(body))
        started = time.monotonic()
        try:
            response = client.post(path, content=body, headers={"Content-Type": "application/json"})
        except httpx.TransportError as exc:
            return self._transport_failure(exc, attempt, idempotent)
        elapsed = (time.monotonic() - started) * 1000
        self._log(
            logging.DEBUG,
            "← HTTP %d %s（%.0f ms，%d bytes，內容不記錄）",
            response.status_code,
            url,
            elapsed,
            len(response.content),
        )
        failure = self._status_failure(response, attempt, idempotent)
        return response if failure is None else failure

    def _transport_failure(self, exc: httpx.TransportError, attempt: int, idempotent: bool) -> _Failure:
        """A request that got no answer: a timeout or a refused connection may be tried again.

        A failed certificate check or a broken connection is raised at once.
        """
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            error = self._error(
                ProviderTimeoutError,
                f"{self.label}回應逾時（已嘗試 {attempt} 次），請稍後再試；若持續發生請確認網路是否順暢",
            )
            return _Failure(error, idempotent or isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout), exc)
        if isinstance(exc, httpx.ConnectError):
            if _is_tls_failure(exc):
                raise self._error(
                    ProviderNetworkError,
                    f"無法與{self.label}建立安全連線：伺服器憑證驗證失敗。"
                    "請確認電腦時間正確，若公司使用 Proxy／防毒軟體檢查 HTTPS，請洽系統管理員",
                ) from exc
            error = self._error(
                ProviderNetworkError,
                f"無法連線到{self.label} — 請確認網路（以及防火牆、Proxy 設定）後再試（已嘗試 {attempt} 次）",
            )
            return _Failure(error, True, exc)
        raise self._error(
            ProviderNetworkError,
            f"與{self.label}的連線中斷（{type(exc).__name__}） — 請確認網路後再試",
        ) from exc

    def _status_failure(self, response: httpx.Response, attempt: int, idempotent: bool) -> _Failure | None:
        """What an HTTP status says: None for success, a failure to retry for 429 and 5xx; raises the others."""
        status = response.status_code
        if status == 429 or 500 <= status <= 599:
            reason = "呼叫過於頻繁" if status == 429 else "伺服器暫時無法處理"
            error = self._error(
                ProviderApiError,
                f"{self.label}{reason}（HTTP {status}，已嘗試 {attempt} 次），請稍後再試",
                code=status,
            )
            return _Failure(error, idempotent or status == 429, wait=_retry_after(response))
        if status == 401:
            raise self._error(ProviderAuthError, f"{self.label}認證失敗（HTTP 401）：請確認帳號與密鑰", code=status)
        if status == 403:
            raise self._error(
                ProviderApiError,
                f"{self.label}拒絕存取（HTTP 403）：可能呼叫過於頻繁而被暫時封鎖（約 30 分鐘），"
                "或此電腦的 IP 不在允許名單",
                code=status,
            )
        if 300 <= status <= 399:
            raise self._error(
                ProviderProtocolError,
                f"{self.label}要求轉址（HTTP {status}），請確認服務網址是否正確",
                code=status,
            )
        if status >= 400:
            raise self._error(ProviderApiError, f"{self.label}回應錯誤（HTTP {status}）", code=status)
        return None

    def _decode(self, response: httpx.Response) -> Any:
        """The JSON of a successful answer; :class:`ProviderProtocolError` when it is not JSON."""
        try:
            return response.json()
        except ValueError:
            raise self._error(
                ProviderProtocolError,
                f"{self.label}的回應不是 JSON 格式（HTTP {response.status_code}），請確認服務網址是否正確",
                code=response.status_code,
            ) from None

    def _retry_delay(self, failure: _Failure, attempt: int) -> float:
        """Seconds to wait before the next attempt (Retry-After honoured, capped); raises when none is left."""
        if not failure.retryable or attempt >= self.retry.max_attempts:
            raise failure.error from failure.cause
        delay = self.retry.delay(attempt, self._rand())
        if failure.wait is not None:
            delay = min(max(delay, failure.wait), self.retry.max_delay)
        self._log(logging.DEBUG, "  %.2f 秒後重試（%s）", delay, type(failure.error).__name__)
        return delay
