"""Value-added centre (加值中心) API clients: ``get_provider(name, credentials)`` → :class:`Provider`.

Only :mod:`.base` is imported here (it loads httpx lazily); a provider's own module is
imported when :func:`get_provider` first asks for it.
"""

from .base import (
    CATEGORIES,
    Provider,
    ProviderApiError,
    ProviderAuthError,
    ProviderError,
    ProviderNetworkError,
    ProviderNoDataError,
    ProviderProtocolError,
    ProviderTimeoutError,
    RetryPolicy,
    Timeouts,
    available_providers,
    get_provider,
    register_provider,
)

__all__ = [
    "CATEGORIES",
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
    "get_provider",
    "register_provider",
]
