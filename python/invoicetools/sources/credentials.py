"""Provider credentials, kept in the operating system's keyring and nowhere else.

One keyring entry per provider × company: the service name is
``invoicetools:<provider>:<ubn>`` (see :func:`service_name`), the user name is the UBN,
and the password is one JSON blob holding the account and its secrets. Nothing is ever
written to a file, a sheet or a log; the 設定 sheet only shows 已儲存 / 未儲存
(:func:`stored_label`).

When the machine has no usable keyring (a bare Linux box without Secret Service, or a
plaintext file backend), every operation raises :class:`~invoicetools.domain.errors.InputError`
with a zh-TW explanation of how to fix it. There is deliberately no plaintext fallback.

>>> service_name("ECPay", "12345675")
'invoicetools:ecpay:12345675'
>>> c = Credentials("ecpay", "12345675", merchant_id="2000132", hash_key="k" * 16, hash_iv="v" * 16)
>>> c
Credentials(provider='ecpay', ubn='12345675', merchant_id='2000132', url='', secrets=['hash_key', 'hash_iv'])
>>> "kkkk" in repr(c) or "kkkk" in str(c)
False
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from ..domain.errors import InputError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

__all__ = [
    "SERVICE_PREFIX",
    "Credentials",
    "delete",
    "is_stored",
    "load",
    "require_backend",
    "save",
    "service_name",
    "stored_label",
]

SERVICE_PREFIX: Final = "invoicetools"
_BLOB_VERSION: Final = 1
_SECRET_FIELDS: Final = ("password", "hash_key", "hash_iv")
_PLAIN_FIELDS: Final = ("merchant_id", "url")
_PROVIDER_RE: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_UBN_RE: Final = re.compile(r"^\d{8}$")

STORED: Final = "已儲存"
NOT_STORED: Final = "未儲存"
UNAVAILABLE: Final = "無法使用（找不到系統密碼儲存區）"
UNREADABLE: Final = "無法讀取（系統密碼儲存區錯誤）"

NO_BACKEND_MESSAGE: Final = (
    "找不到作業系統的密碼儲存區（keyring），無法安全保存加值中心的帳號密碼。"
    "Windows 請確認「認證管理員」(Credential Manager) 服務已啟用；"
    "macOS 使用「鑰匙圈存取」；Linux 請安裝並啟動 Secret Service"
    "（例如 gnome-keyring 或 KWallet，並先登入桌面工作階段）。"
    "基於安全，本程式不會把密碼存成純文字檔。"
)


def _normalize_provider(provider: str) -> str:
    name = str(provider).strip().lower()
    if not _PROVIDER_RE.match(name):
        raise InputError("加值中心名稱只能是英文字母、數字、- 或 _", found=provider)
    return name


def _normalize_ubn(ubn: str) -> str:
    text = str(ubn).strip()
    if not _UBN_RE.match(text):
        raise InputError("統一編號必須是 8 位數字", found=ubn)
    return text


def service_name(provider: str, ubn: str) -> str:
    """The keyring service name for one provider × company: ``invoicetools:<provider>:<ubn>``."""
    return f"{SERVICE_PREFIX}:{_normalize_provider(provider)}:{_normalize_ubn(ubn)}"


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """A provider account for one company (UBN). Secrets never show in ``repr``/``str``.

    ``merchant_id`` is the provider's merchant ID or account name (ECPay 特店編號);
    ``password`` / ``hash_key`` / ``hash_iv`` are the secrets (whichever the provider
    uses); ``url`` overrides the provider's default service address (empty = default).
    """

    provider: str
    ubn: str
    merchant_id: str = ""
    password: str = field(default="", repr=False)
    hash_key: str = field(default="", repr=False)
    hash_iv: str = field(default="", repr=False)
    url: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "provider", _normalize_provider(self.provider))
        object.__setattr__(self, "ubn", _normalize_ubn(self.ubn))
        for name in _PLAIN_FIELDS:
            value = getattr(self, name)
            object.__setattr__(self, name, "" if value is None else str(value).strip())
        for name in _SECRET_FIELDS:
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InputError(f"{name} 必須是文字")

    @property
    def account(self) -> str:
        """The merchant ID / account name (an alias of :attr:`merchant_id`)."""
        return self.merchant_id

    @property
    def service(self) -> str:
        return f"{SERVICE_PREFIX}:{self.provider}:{self.ubn}"

    def secret_names(self) -> list[str]:
        """Names of the secret fields that are set (for display: never the values)."""
        return [name for name in _SECRET_FIELDS if getattr(self, name)]

    def secret_values(self) -> tuple[str, ...]:
        """The non-empty secret values, for scrubbing messages and logs."""
        return tuple(getattr(self, name) for name in _SECRET_FIELDS if getattr(self, name))

    def __repr__(self) -> str:
        return (
            f"Credentials(provider={self.provider!r}, ubn={self.ubn!r}, "
            f"merchant_id={self.merchant_id!r}, url={self.url!r}, secrets={self.secret_names()!r})"
        )

    def __str__(self) -> str:
        stored = "、".join(self.secret_names()) or "無"
        return f"{self.provider} 統編 {self.ubn} 帳號 {self.merchant_id or '（空白）'}（密鑰欄位：{stored}，內容不顯示）"

    def _to_blob(self) -> str:
        blob: dict[str, Any] = {"v": _BLOB_VERSION}
        for name in (*_PLAIN_FIELDS, *_SECRET_FIELDS):
            blob[name] = getattr(self, name)
        return json.dumps(blob, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def _from_blob(cls, provider: str, ubn: str, blob: str) -> Credentials:
        try:
            data = json.loads(blob)
        except ValueError:
            data = None
        if not isinstance(data, dict) or data.get("v") != _BLOB_VERSION:
            # Never echo the blob: it holds secrets.
            raise InputError(
                f"系統密碼儲存區中「{SERVICE_PREFIX}:{provider}:{ubn}」的資料無法讀取，請重新輸入帳號密碼並儲存"
            )
        values = {name: str(data.get(name) or "") for name in (*_PLAIN_FIELDS, *_SECRET_FIELDS)}
        return cls(provider=provider, ubn=ubn, **values)


# --------------------------------------------------------------------------- backend


def _is_unusable(backend: object) -> bool:
    """True for backends that cannot keep a secret safely: none at all, null, or a plaintext file."""
    cls = type(backend)
    module = cls.__module__
    qualname = f"{module}.{cls.__qualname__}".lower()
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return True
    if module.startswith("keyrings.alt.file") or "plaintext" in qualname:
        return True
    if module.startswith("keyring.backends.chainer"):
        chained = list(getattr(backend, "backends", []))
        return not chained or _is_unusable(chained[0])
    return False


def require_backend() -> KeyringBackend:
    """The active keyring backend, or :class:`InputError` (zh-TW, how to fix) when there is none usable."""
    import keyring  # lazy: not needed at CLI start-up

    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken backend configuration
        raise InputError(NO_BACKEND_MESSAGE) from exc
    if _is_unusable(backend):
        raise InputError(NO_BACKEND_MESSAGE)
    return backend


def _keyring_failure(action: str, exc: Exception) -> InputError:
    from keyring.errors import KeyringLocked, NoKeyringError

    if isinstance(exc, NoKeyringError):
        return InputError(NO_BACKEND_MESSAGE)
    if isinstance(exc, KeyringLocked):
        return InputError(
            f"系統密碼儲存區已鎖定，無法{action}帳號密碼：請先解除鎖定（登入桌面或輸入鑰匙圈密碼）後再試"
        )
    # The exception text comes from the backend; it never contains our secret, but keep
    # it out of the message anyway and leave it in __cause__ for developers.
    return InputError(f"系統密碼儲存區無法{action}帳號密碼（{type(exc).__name__}），請稍後再試或洽系統管理員")


# --------------------------------------------------------------------------- API


def save(credentials: Credentials) -> None:
    """Store (or replace) the credentials in the OS keyring, as one JSON blob in one entry."""
    from keyring.errors import KeyringError

    backend = require_backend()
    try:
        backend.set_password(credentials.service, credentials.ubn, credentials._to_blob())
    except (KeyringError, RuntimeError, OSError) as exc:
        raise _keyring_failure("儲存", exc) from exc


def _get_blob(provider: str, ubn: str) -> str | None:
    from keyring.errors import KeyringError

    backend = require_backend()
    try:
        return backend.get_password(service_name(provider, ubn), ubn)
    except (KeyringError, RuntimeError, OSError) as exc:
        raise _keyring_failure("讀取", exc) from exc


def load(provider: str, ubn: str) -> Credentials | None:
    """The stored credentials for ``provider`` × ``ubn``, or ``None`` when nothing is stored."""
    provider, ubn = _normalize_provider(provider), _normalize_ubn(ubn)
    blob = _get_blob(provider, ubn)
    if blob is None:
        return None
    return Credentials._from_blob(provider, ubn, blob)


def delete(provider: str, ubn: str) -> bool:
    """Remove the stored credentials. Returns ``False`` when there was nothing to remove."""
    from keyring.errors import KeyringError, PasswordDeleteError

    provider, ubn = _normalize_provider(provider), _normalize_ubn(ubn)
    backend = require_backend()
    service = service_name(provider, ubn)
    try:
        if backend.get_password(service, ubn) is None:
            return False
        backend.delete_password(service, ubn)
    except PasswordDeleteError:
        return False
    except (KeyringError, RuntimeError, OSError) as exc:
        raise _keyring_failure("刪除", exc) from exc
    return True


def is_stored(provider: str, ubn: str) -> bool:
    """Whether credentials are stored (without reading them out). Raises without a usable keyring."""
    return _get_blob(_normalize_provider(provider), _normalize_ubn(ubn)) is not None


def stored_label(provider: str, ubn: str) -> str:
    """What the 設定 sheet shows: 已儲存 / 未儲存 / 無法使用…; never raises for keyring trouble.

    (A malformed provider name or UBN is still an :class:`InputError`.)
    """
    provider, ubn = _normalize_provider(provider), _normalize_ubn(ubn)
    try:
        require_backend()
    except InputError:
        return UNAVAILABLE
    try:
        return STORED if is_stored(provider, ubn) else NOT_STORED
    except InputError:
        return UNREADABLE
