"""The provider contract every value-added centre (加值中心) client keeps, and the registry.

A provider turns one company's account at a value-added centre into domain records:

* :meth:`Provider.fetch_tracks` → :class:`~invoicetools.domain.records.TrackAllocation`
  (the MOF allocation the centre holds for the company: 查詢財政部配號結果);
* :meth:`Provider.fetch_status` → :class:`~invoicetools.domain.records.StatusRecord`
  (what the centre has issued/uploaded in a date range: 下載平台發票狀況).

Providers are found by name with :func:`get_provider`; their modules are imported only
then, so neither httpx nor cryptography is loaded at CLI start-up. The HTTP plumbing a
provider talks through is :mod:`.http`; its zh-TW errors are :mod:`.errors`.

>>> period_code(114, 1), period_code(99, 6)
('11402', '09912')
"""

from __future__ import annotations

import abc
import importlib
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Final

from ...domain.errors import InputError
from ...domain.records import StatusRecord, TrackAllocation
from ..credentials import Credentials
from .http import HttpClient, RetryPolicy, Timeouts

if TYPE_CHECKING:
    import httpx

__all__ = [
    "CATEGORIES",
    "Provider",
    "available_providers",
    "get_provider",
    "period_code",
    "provider_class",
    "register_provider",
]

CATEGORIES: Final = ("B2C", "B2B")


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
