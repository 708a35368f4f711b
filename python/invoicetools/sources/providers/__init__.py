"""Value-added centre (加值中心) API clients: ``get_provider(name, credentials)`` → :class:`Provider`.

Only the shared modules are imported here — :mod:`.base` (the contract and the registry),
:mod:`.errors`, :mod:`.http` (which loads httpx lazily); a provider's own module is
imported when :func:`get_provider` first asks for it.
"""

from .base import CATEGORIES, Provider, available_providers, get_provider, register_provider
from .errors import (
    ProviderApiError,
    ProviderAuthError,
    ProviderError,
    ProviderNetworkError,
    ProviderNoDataError,
    ProviderProtocolError,
    ProviderTimeoutError,
)
from .http import RetryPolicy, Timeouts

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
