"""The provider layer: the contract every value-added centre (加值中心) client keeps,
the registry, the zh-TW errors, and the shared HTTP plumbing.

A provider turns one company's account at a value-added centre into domain records:

* :meth:`Provider.fetch_tracks` → :class:`~invoicetools.domain.records.TrackAllocation`
  (the MOF allocation the centre holds for the company: 查詢財政部配號結果);
* :meth:`Provider.fetch_status` → :class:`~invoicetools.domain.records.StatusRecord`
  (what the centre has issued/uploaded in a date range: 下載平台發票狀況).

Providers are found by name with :func:`get_provider`; their modules are imported only
then, so neither httpx nor cryptography is loaded at CLI start-up.

HTTP (:class:`HttpClient`): one ``httpx.Client`` per provider, explicit connect/read
timeouts, TLS verification always on, no redirects, and at most three attempts with
exponential backoff and jitter, only for connection failures, timeouts, 5xx and 429.
Requests and responses are logged at DEBUG with their bodies redacted; every message
that can reach the accountant or a log is scrubbed of the account's secrets.

>>> RetryPolicy().delay(1, 0.0), RetryPolicy().delay(2, 0.0), RetryPolicy().delay(3, 1.0)
(0.5, 1.0, 3.0)
>>> scrub("key=ejCk326UnaZWKisg!", ["ejCk326UnaZWKisg"])
'key=***!'
>>> period_code(114, 1), period_code(99, 6)
('11402', '09912')
"""

from __future__ import annotations

import abc
import importlib
import json
import logging
import random
import time
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Final

from ...domain.errors import ExitCode, InputError, InvoiceToolsError
from ...domain.records import StatusRecord, TrackAllocation
from ..credentials import Credentials

if TYPE_CHECKING:
    import httpx

__all__ = [
    "CATEGORIES",
    "HttpClient",
    "Provider",
    "ProviderApiError",
    "ProviderAuthError",
    "ProviderError",
    "ProviderNetworkError",
    "ProviderNoDataError",
    "ProviderProtocolError",
    "ProviderTimeoutError",
    "RetryPolicy",
    "Timeouts",
    "available_providers",
    "check_base_url",
    "get_provider",
    "period_code",
    "provider_class",
    "register_provider",
    "scrub",
]

logger = logging.getLogger("invoicetools.providers")

CATEGORIES: Final = ("B2C", "B2B")
REDACTED: Final = "***"
MAX_ATTEMPTS_LIMIT: Final = 3
_LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


# --------------------------------------------------------------------------- scrubbing


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of a secret (raw or URL-encoded) by ``***``.

    Secrets shorter than 4 characters are ignored (they would mangle ordinary text and
    protect nothing).
    """
    values = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
    for secret in values:
        for variant in {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}:
            text = text.replace(variant, REDACTED)
    return text


# --------------------------------------------------------------------------- errors


class ProviderError(InvoiceToolsError):
    """A value-added centre call failed. ``message`` is zh-TW, already scrubbed of secrets.

    ``code`` is the centre's code (RtnCode, TransCode or the HTTP status) as text and
    ``provider_message`` its own words (RtnMsg, TransMsg), when there are any.
    """

    exit_code = ExitCode.BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        code: object = None,
        provider_message: str = "",
        secrets: Iterable[str] = (),
    ) -> None:
        secret_list = list(secrets)
        self.provider = provider
        self.code: str | None = None if code is None else scrub(str(code), secret_list)
        self.provider_message = scrub(str(provider_message or ""), secret_list)
        super().__init__(scrub(message, secret_list))

    @property
    def rtn_code(self) -> str | None:  # ECPay vocabulary
        return self.code

    @property
    def rtn_msg(self) -> str:
        return self.provider_message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, code={self.code!r})"


class ProviderAuthError(ProviderError):
    """認證失敗: wrong merchant ID, key, password, or an account without this service."""


class ProviderApiError(ProviderError):
    """The centre answered with an error code (RtnCode/RtnMsg, TransCode/TransMsg, HTTP status)."""


class ProviderNoDataError(ProviderApiError):
    """The centre has nothing for the query (查無資料)."""


class ProviderProtocolError(ProviderError):
    """The answer cannot be read (not JSON, cannot be decrypted, fields missing or malformed)."""


class ProviderNetworkError(ProviderError):
    """No connection (無法連線): network down, DNS, firewall/proxy, TLS certificate."""


class ProviderTimeoutError(ProviderError):
    """The centre did not answer in time."""


# --------------------------------------------------------------------------- HTTP plumbing


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
        import httpx

        client = self._get_client()
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        url = f"{self.base_url}{path}"
        attempt = 0
        while True:
            attempt += 1
            self.attempts += 1
            failure: ProviderError
            cause: BaseException | None = None
            wait: float | None = None
            self._log(logging.DEBUG, "→ POST %s（第 %d 次，%d bytes，內容不記錄）", url, attempt, len(body))
            started = time.monotonic()
            try:
                response = client.post(path, content=body, headers={"Content-Type": "application/json"})
            except httpx.TimeoutException as exc:
                cause = exc
                retryable = idempotent or isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
                failure = self._error(
                    ProviderTimeoutError,
                    f"{self.label}回應逾時（已嘗試 {attempt} 次），請稍後再試；若持續發生請確認網路是否順暢",
                )
            except httpx.ConnectError as exc:
                cause = exc
                if _is_tls_failure(exc):
                    raise self._error(
                        ProviderNetworkError,
                        f"無法與{self.label}建立安全連線：伺服器憑證驗證失敗。"
                        "請確認電腦時間正確，若公司使用 Proxy／防毒軟體檢查 HTTPS，請洽系統管理員",
                    ) from exc
                retryable = True
                failure = self._error(
                    ProviderNetworkError,
                    f"無法連線到{self.label} — 請確認網路（以及防火牆、Proxy 設定）後再試（已嘗試 {attempt} 次）",
                )
            except httpx.TransportError as exc:
                raise self._error(
                    ProviderNetworkError,
                    f"與{self.label}的連線中斷（{type(exc).__name__}） — 請確認網路後再試",
                ) from exc
            else:
                elapsed = (time.monotonic() - started) * 1000
                status = response.status_code
                self._log(
                    logging.DEBUG,
                    "← HTTP %d %s（%.0f ms，%d bytes，內容不記錄）",
                    status,
                    url,
                    elapsed,
                    len(response.content),
                )
                if status == 429 or 500 <= status <= 599:
                    retryable = idempotent or status == 429
                    wait = _retry_after(response)
                    reason = "呼叫過於頻繁" if status == 429 else "伺服器暫時無法處理"
                    failure = self._error(
                        ProviderApiError,
                        f"{self.label}{reason}（HTTP {status}，已嘗試 {attempt} 次），請稍後再試",
                        code=status,
                    )
                elif status == 401:
                    raise self._error(
                        ProviderAuthError, f"{self.label}認證失敗（HTTP 401）：請確認帳號與密鑰", code=status
                    )
                elif status == 403:
                    raise self._error(
                        ProviderApiError,
                        f"{self.label}拒絕存取（HTTP 403）：可能呼叫過於頻繁而被暫時封鎖（約 30 分鐘），"
                        "或此電腦的 IP 不在允許名單",
                        code=status,
                    )
                elif 300 <= status <= 399:
                    raise self._error(
                        ProviderProtocolError,
                        f"{self.label}要求轉址（HTTP {status}），請確認服務網址是否正確",
                        code=status,
                    )
                elif status >= 400:
                    raise self._error(ProviderApiError, f"{self.label}回應錯誤（HTTP {status}）", code=status)
                else:
                    try:
                        return response.json()
                    except ValueError:
                        raise self._error(
                            ProviderProtocolError,
                            f"{self.label}的回應不是 JSON 格式（HTTP {status}），請確認服務網址是否正確",
                            code=status,
                        ) from None
            if not retryable or attempt >= self.retry.max_attempts:
                raise failure from cause
            delay = self.retry.delay(attempt, self._rand())
            if wait is not None:
                delay = min(max(delay, wait), self.retry.max_delay)
            self._log(logging.DEBUG, "  %.2f 秒後重試（%s）", delay, type(failure).__name__)
            self._sleep(delay)


# --------------------------------------------------------------------------- the contract


def period_code(year_roc: int, term: int) -> str:
    """Period code (ROC year + even end month) of bimonthly term 1–6: term t → month 2t."""
    return f"{year_roc:03d}{2 * term:02d}"


class Provider(abc.ABC):
    """One company's account at a value-added centre.

    Subclasses set :attr:`name` (registry key), :attr:`label` (zh-TW, shown to the
    accountant) and :attr:`default_base_url`, and implement the two fetches. Use as a
    context manager (or call :meth:`close`) to release the connection pool.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    default_base_url: ClassVar[str]

    def __init__(
        self,
        credentials: Credentials,
        *,
        transport: httpx.BaseTransport | None = None,
        base_url: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        rand: Callable[[], float] | None = None,
    ) -> None:
        if not isinstance(credentials, Credentials):
            raise TypeError("credentials must be a Credentials")
        self.credentials = credentials
        self.warnings: list[str] = []  # zh-TW notes from the last fetch (e.g. a category skipped)
        self.http = HttpClient(
            label=self.label,
            provider=self.name,
            base_url=base_url or credentials.url or self.default_base_url,
            transport=transport,
            timeouts=timeouts,
            retry=retry,
            sleep=sleep,
            rand=rand,
            secrets=credentials.secret_values(),
        )

    @property
    def base_url(self) -> str:
        return self.http.base_url

    @property
    def ubn(self) -> str:
        return self.credentials.ubn

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(ubn={self.credentials.ubn!r}, "
            f"merchant_id={self.credentials.merchant_id!r}, base_url={self.base_url!r})"
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Provider:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def secrets(self) -> tuple[str, ...]:
        return self.credentials.secret_values()

    @abc.abstractmethod
    def fetch_tracks(
        self, year_roc: int, term: int | None = None, categories: Sequence[str] = CATEGORIES
    ) -> list[TrackAllocation]:
        """The MOF allocation for ROC year ``year_roc``: every term, or only ``term`` (1–6)."""

    @abc.abstractmethod
    def fetch_status(self, begin: date, end: date) -> Iterator[StatusRecord]:
        """Platform status of every invoice dated ``begin``..``end`` (inclusive)."""

    # -- shared argument checks (zh-TW InputError)

    @staticmethod
    def check_year_term(year_roc: int, term: int | None) -> None:
        if isinstance(year_roc, bool) or not isinstance(year_roc, int) or not 1 <= year_roc <= 999:
            raise InputError("發票年度必須是民國年（例如 114）", found=year_roc)
        if term is not None and (isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= 6):
            raise InputError("期別必須是 1–6（1 = 1–2 月 … 6 = 11–12 月），或留空表示全年", found=term)

    @staticmethod
    def check_categories(categories: Sequence[str]) -> tuple[str, ...]:
        if isinstance(categories, str):
            categories = (categories,)
        wanted = tuple(dict.fromkeys(str(c).strip().upper() for c in categories))
        if not wanted or any(c not in CATEGORIES for c in wanted):
            raise InputError("發票類別只能是 B2C 或 B2B", found=",".join(map(str, categories)))
        return wanted

    @staticmethod
    def check_dates(begin: date, end: date) -> tuple[date, date]:
        for value in (begin, end):
            if not isinstance(value, date):
                raise InputError("發票日期必須是日期", found=value)
        b = begin.date() if isinstance(begin, datetime) else begin
        e = end.date() if isinstance(end, datetime) else end
        if b > e:
            raise InputError(f"發票日期區間的起日（{b}）晚於迄日（{e}）")
        return b, e


# --------------------------------------------------------------------------- registry

_REGISTRY: dict[str, str | type[Provider]] = {
    "ecpay": "invoicetools.sources.providers.ecpay:EcpayProvider",
}
_ALIASES: dict[str, str] = {"綠界": "ecpay", "綠界科技": "ecpay"}


def register_provider(name: str, target: str | type[Provider], *aliases: str) -> None:
    """Register a provider class, or ``"module:Class"`` to import it only when used."""
    key = name.strip().lower()
    _REGISTRY[key] = target
    for alias in aliases:
        _ALIASES[alias.strip().lower()] = key


def available_providers() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def provider_class(name: str) -> type[Provider]:
    """The provider class for a name or alias (綠界 → ecpay); zh-TW ``InputError`` for an unknown one."""
    key = str(name).strip().lower()
    key = _ALIASES.get(key, key)
    target = _REGISTRY.get(key)
    if target is None:
        raise InputError(f"不支援的加值中心（目前支援：{'、'.join(available_providers())}）", found=name)
    if isinstance(target, str):
        module_name, _, class_name = target.partition(":")
        target = getattr(importlib.import_module(module_name), class_name)
        if not (isinstance(target, type) and issubclass(target, Provider)):
            raise TypeError(f"{module_name}:{class_name} is not a Provider")
        _REGISTRY[key] = target
    return target


def get_provider(
    name: str,
    credentials: Credentials,
    *,
    transport: httpx.BaseTransport | None = None,
    base_url: str | None = None,
    **options: Any,
) -> Provider:
    """The provider ``name`` (e.g. ``"ecpay"`` or ``"綠界"``) for these credentials.

    ``base_url`` overrides ``credentials.url``, which overrides the provider's default
    (production) address. ``options`` go to the provider (``timeouts``, ``retry``,
    ``sleep`` …).
    """
    cls = provider_class(name)
    if credentials.provider != cls.name:
        raise InputError(f"帳號屬於「{credentials.provider}」，不能用於「{cls.name}」", found=name)
    return cls(credentials, transport=transport, base_url=base_url, **options)
