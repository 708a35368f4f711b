"""An in-memory keyring backend for tests (never in product code).

Use it as a context manager or from a fixture::

    with installed_memory_keyring() as ring:
        credentials.save(...)
        assert ring.entries

>>> ring = MemoryKeyring()
>>> ring.set_password("svc", "user", "secret")
>>> ring.get_password("svc", "user")
'secret'
>>> ring.delete_password("svc", "user")
>>> ring.get_password("svc", "user") is None
True
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

__all__ = ["MemoryKeyring", "installed_memory_keyring"]


class MemoryKeyring(KeyringBackend):
    """Keeps entries in a dict: ``{(service, username): password}``."""

    priority = 1  # type: ignore[assignment]  # a plain number is fine for a backend set explicitly

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise PasswordDeleteError("not found") from None


@contextmanager
def installed_memory_keyring() -> Iterator[MemoryKeyring]:
    """Install a fresh :class:`MemoryKeyring` as the active backend; restore the previous one after."""
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        yield ring
    finally:
        keyring.set_keyring(previous)
