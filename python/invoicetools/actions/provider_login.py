"""The value-added centre login as every provider action uses it (自動匯入, 下載平台發票狀況, 設定).

The login lives only in the OS keyring. When none is stored the context asks for it (input
boxes in Excel) and saves it; when the provider rejects it, the accountant may type it again
once. The 設定 sheet only shows whether a login is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ..book.settings import Settings, read_settings, write_settings
from ..domain.errors import InputError
from .base import ActionResult, Context, finish

if TYPE_CHECKING:
    import httpx

    from ..sources.credentials import Credentials
    from ..sources.providers import Provider

__all__ = [
    "LOGIN_FIELDS",
    "LOGIN_STEP",
    "ask_credentials",
    "check_and_save",
    "login",
    "logout",
    "provider_label",
    "provider_name",
    "show_login_state",
    "stored_or_asked",
    "with_provider",
]

T = TypeVar("T")

# provider → (credential field, prompt, secret?)
LOGIN_FIELDS: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "ecpay": (
        ("merchant_id", "綠界特店編號（MerchantID）", False),
        ("hash_key", "綠界 HashKey（16 碼）", True),
        ("hash_iv", "綠界 HashIV（16 碼）", True),
    ),
}
_DEFAULT_FIELDS = (("merchant_id", "登入帳號", False), ("password", "密碼", True))


def provider_name(settings: Settings, provider: str | None) -> str:
    """The provider's registered name (aliases such as 綠界 → ecpay), from the argument or 設定."""
    from ..sources.providers.base import provider_class

    name = (provider or settings.provider or "").strip().lower()
    if not name:
        raise InputError("請在[設定]填寫加值中心（例如 ecpay），或用 --provider 指定")
    return provider_class(name).name


def provider_label(name: str) -> str:
    from ..sources.providers.base import provider_class

    return provider_class(name).label


def ask_credentials(
    ctx: Context, name: str, ubn: str, *, merchant_id: str | None = None, url: str | None = None
) -> Credentials | None:
    """Ask for a provider login through the context; ``None`` when the accountant cancels."""
    from ..sources.credentials import Credentials
    from ..sources.providers.http import check_base_url

    values: dict[str, str] = {}
    for field_name, prompt, secret in LOGIN_FIELDS.get(name, _DEFAULT_FIELDS):
        if field_name == "merchant_id" and merchant_id:
            values[field_name] = merchant_id.strip()
            continue
        question = f"{prompt}（統一編號 {ubn}）："
        answer = ctx.host.ask_secret(question) if secret else ctx.host.ask_text(question, "")
        if answer is None:
            return None
        answer = answer.strip()
        if not answer:
            raise InputError(f"{prompt}不可空白")
        values[field_name] = answer
    if url is None:
        answer = ctx.host.ask_text("登入網址（留空使用正式環境網址）：", "")
        url = "" if answer is None else answer.strip()
    if url:
        url = check_base_url(url)
    return Credentials(provider=name, ubn=ubn, url=url, **values)


def check_and_save(name: str, credentials: Credentials) -> None:
    """Check the fields (lengths …) without a network call, then store them in the keyring."""
    from ..sources import credentials as store
    from ..sources.providers import get_provider

    get_provider(name, credentials).close()
    store.save(credentials)


def show_login_state(ctx: Context, settings: Settings, name: str, ubn: str) -> str:
    """設定 登入資訊 shows only 已儲存/未儲存; 加值中心 is filled in when blank."""
    from ..sources import credentials as store

    label = store.stored_label(name, ubn)
    updates: dict[str, str | None] = {"登入資訊": label}
    if not settings.provider:
        updates["加值中心"] = name
    write_settings(ctx.io, updates)
    return label


def _ask_and_save(ctx: Context, settings: Settings, name: str, ubn: str) -> Credentials | None:
    credentials = ask_credentials(ctx, name, ubn)
    if credentials is not None:
        check_and_save(name, credentials)
        show_login_state(ctx, settings, name, ubn)
    return credentials


def stored_or_asked(ctx: Context, settings: Settings, name: str, ubn: str) -> Credentials:
    """The stored login, else one asked for (and saved); a clear message when there is none."""
    from ..sources import credentials as store

    credentials = store.load(name, ubn) or _ask_and_save(ctx, settings, name, ubn)
    if credentials is None:
        raise InputError(
            f"尚未儲存加值中心（{name}）的登入資訊：請按[設定]的[儲存登入資訊]，"
            f"或執行 invoicetools tracks login --book 活頁簿 --provider {name}")
    return credentials


def with_provider(
    ctx: Context,
    settings: Settings,
    name: str,
    ubn: str,
    call: Callable[[Provider], T],
    *,
    base_url: str | None = None,
    transport: httpx.BaseTransport | None = None,
    options: Mapping[str, Any] | None = None,
) -> T:
    """Run ``call`` with a connected provider; a rejected login may be typed again once."""
    from ..sources.providers import ProviderAuthError, get_provider

    credentials = stored_or_asked(ctx, settings, name, ubn)
    address = base_url or settings.provider_url or None
    for attempt in (1, 2):
        client = get_provider(name, credentials, transport=transport, base_url=address, **dict(options or {}))
        try:
            with client:
                return call(client)
        except ProviderAuthError as exc:
            if attempt == 1 and ctx.host.confirm(f"{exc.message}\n\n要重新輸入登入資訊嗎？"):
                again = _ask_and_save(ctx, settings, name, ubn)
                if again is not None:
                    credentials = again
                    continue
            raise InputError(
                f"{exc.message}。請重新輸入登入資訊（[設定] › 儲存登入資訊，或 invoicetools tracks login）") from exc
    raise AssertionError("unreachable")  # pragma: no cover


LOGIN_STEP = "加值中心登入"


def login(
    ctx: Context, *, provider: str | None = None, merchant_id: str | None = None, url: str | None = None
) -> ActionResult:
    """Ask for the provider login (帳號, HashKey/HashIV or 密碼, 網址) and keep it in the OS keyring.

    The sheet's 登入資訊 shows only whether it is stored. Nothing secret is written anywhere else.
    """
    from ..sources.credentials import require_backend

    settings = read_settings(ctx.io)
    ubn = settings.require_ubn()
    name = provider_name(settings, provider)
    require_backend()  # no keyring: say so before anyone types a secret
    credentials = ask_credentials(ctx, name, ubn, merchant_id=merchant_id, url=url)
    if credentials is None:
        raise InputError("已取消：沒有輸入登入資訊")
    check_and_save(name, credentials)
    label = show_login_state(ctx, settings, name, ubn)
    shown = provider_label(name)
    result = ActionResult(
        LOGIN_STEP,
        f"{shown}登入資訊（統一編號 {ubn}，帳號 {credentials.merchant_id}）已存入作業系統的密碼儲存區；"
        f"[設定]的登入資訊顯示「{label}」。",
        params={"provider": name, "ubn": ubn},
        next_step="按[自動匯入]下載配號（invoicetools tracks fetch）。",
    )
    return finish(ctx, result)


def logout(ctx: Context, *, provider: str | None = None) -> ActionResult:
    """Remove the stored provider login from the OS keyring."""
    from ..sources import credentials as store

    settings = read_settings(ctx.io)
    ubn = settings.require_ubn()
    name = provider_name(settings, provider)
    removed = store.delete(name, ubn)
    label = show_login_state(ctx, settings, name, ubn)
    text = "已刪除" if removed else "原本就沒有儲存"
    result = ActionResult(LOGIN_STEP, f"{name} 登入資訊（統一編號 {ubn}）{text}；[設定]的登入資訊顯示「{label}」。",
                          params={"provider": name, "ubn": ubn, "logout": True})
    return finish(ctx, result)


