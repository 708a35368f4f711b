"""The zh-TW errors of a value-added centre (加值中心) call, and :func:`scrub`, which keeps the
account's secrets out of every message that can reach the accountant or a log.

>>> scrub("key=ejCk326UnaZWKisg!", ["ejCk326UnaZWKisg"])
'key=***!'
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from typing import Final

from ...domain.errors import ExitCode, InvoiceToolsError

__all__ = [
    "ProviderApiError",
    "ProviderAuthError",
    "ProviderError",
    "ProviderNetworkError",
    "ProviderNoDataError",
    "ProviderProtocolError",
    "ProviderTimeoutError",
    "scrub",
]

REDACTED: Final = "***"


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
