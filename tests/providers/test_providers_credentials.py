"""The keyring credential store: one JSON blob per provider × UBN, secrets never shown, no plaintext fallback."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import keyring
import pytest
from keyring.backends import chainer, fail
from keyring.errors import KeyringLocked

from invoicetools.domain.errors import InputError
from invoicetools.sources import credentials as store
from invoicetools.sources.credentials import Credentials
from keyring_memory import MemoryKeyring

UBN = "12345675"
KEY = "ejCk326UnaZWKisg"
IV = "q9jcZX8Ib9LM8wYk"
PASSWORD = "s3cret-P@ssw0rd"


def make(**changes: str) -> Credentials:
    values = {"provider": "ecpay", "ubn": UBN, "merchant_id": "2000132", "hash_key": KEY, "hash_iv": IV}
    values.update(changes)
    return Credentials(**values)


def test_service_name_and_normalisation() -> None:
    assert store.service_name("ECPay ", " 12345675") == "invoicetools:ecpay:12345675"
    c = make(provider=" ECPAY ")
    assert c.provider == "ecpay"
    assert c.service == "invoicetools:ecpay:12345675"


@pytest.mark.parametrize("ubn", ["1234567", "123456789", "1234567A", ""])
def test_bad_ubn_is_an_input_error(ubn: str) -> None:
    with pytest.raises(InputError, match="統一編號"):
        make(ubn=ubn)


def test_bad_provider_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match="加值中心名稱"):
        make(provider="ec pay!")


def test_repr_and_str_never_show_secrets() -> None:
    c = make(password=PASSWORD)
    for text in (repr(c), str(c), f"{c}", f"{c!r}", repr([c]), repr({"c": c})):
        for secret in (KEY, IV, PASSWORD):
            assert secret not in text
    assert "2000132" in repr(c)
    assert "hash_key" in repr(c)  # the names of the stored secrets, not their values
    assert "內容不顯示" in str(c)


def test_credentials_are_frozen() -> None:
    c = make()
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.hash_key = "changed"  # type: ignore[misc]


def test_save_load_round_trip_in_one_json_entry(memory_keyring: MemoryKeyring) -> None:
    c = make(password=PASSWORD, url="https://einvoice-stage.ecpay.com.tw")
    store.save(c)
    assert list(memory_keyring.entries) == [("invoicetools:ecpay:12345675", UBN)]
    blob = json.loads(memory_keyring.entries[("invoicetools:ecpay:12345675", UBN)])
    assert blob["hash_key"] == KEY and blob["hash_iv"] == IV and blob["password"] == PASSWORD
    assert blob["merchant_id"] == "2000132"
    loaded = store.load("ecpay", UBN)
    assert loaded == c


def test_load_absent_is_none_and_status_labels() -> None:
    assert store.load("ecpay", UBN) is None
    assert store.is_stored("ecpay", UBN) is False
    assert store.stored_label("ecpay", UBN) == "未儲存"
    store.save(make())
    assert store.is_stored("ecpay", UBN) is True
    assert store.stored_label("ecpay", UBN) == "已儲存"


def test_save_replaces_and_delete_removes(memory_keyring: MemoryKeyring) -> None:
    store.save(make())
    store.save(make(merchant_id="3000000"))
    assert len(memory_keyring.entries) == 1
    loaded = store.load("ecpay", UBN)
    assert loaded is not None and loaded.merchant_id == "3000000"
    assert store.delete("ecpay", UBN) is True
    assert store.delete("ecpay", UBN) is False
    assert store.load("ecpay", UBN) is None
    assert memory_keyring.entries == {}


def test_companies_and_providers_are_kept_apart() -> None:
    store.save(make())
    store.save(make(ubn="04595257", merchant_id="1111111"))
    a, b = store.load("ecpay", UBN), store.load("ecpay", "04595257")
    assert a is not None and b is not None
    assert (a.merchant_id, b.merchant_id) == ("2000132", "1111111")
    assert store.load("amego", UBN) is None


def test_corrupt_entry_is_reported_without_its_content(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.entries[("invoicetools:ecpay:12345675", UBN)] = f"not json {KEY}"
    with pytest.raises(InputError, match="重新輸入") as info:
        store.load("ecpay", UBN)
    assert KEY not in str(info.value)
    assert store.stored_label("ecpay", UBN) == "已儲存"  # present, if unreadable


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A bare machine: the 'fail' backend, and a scratch HOME/cwd to prove nothing is written."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    return tmp_path


def test_no_backend_gives_a_zh_tw_fix_and_never_a_file(no_keyring: Path) -> None:
    c = make(password=PASSWORD)
    for action in (
        lambda: store.save(c),
        lambda: store.load("ecpay", UBN),
        lambda: store.is_stored("ecpay", UBN),
        lambda: store.delete("ecpay", UBN),
        store.require_backend,
    ):
        with pytest.raises(InputError) as info:
            action()
        message = str(info.value)
        assert "密碼儲存區" in message and "keyring" in message
        assert "不會把密碼存成純文字檔" in message
        assert "Secret Service" in message and "認證管理員" in message
        assert info.value.exit_code == 2
        for secret in (KEY, IV, PASSWORD):
            assert secret not in message
    assert store.stored_label("ecpay", UBN).startswith("無法使用")
    assert list(os.walk(no_keyring)) == [(str(no_keyring), [], [])]


class PlaintextKeyring(MemoryKeyring):
    """Looks like keyrings.alt's plaintext file backend."""


def test_file_and_empty_chained_backends_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(PlaintextKeyring())
    with pytest.raises(InputError, match="純文字檔"):
        store.save(make())

    empty_chain = chainer.ChainerBackend()  # type: ignore[no-untyped-call]
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    keyring.set_keyring(empty_chain)
    with pytest.raises(InputError, match="密碼儲存區"):
        store.load("ecpay", UBN)


def test_chained_real_backend_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    ring = MemoryKeyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [ring])
    keyring.set_keyring(chainer.ChainerBackend())  # type: ignore[no-untyped-call]
    store.save(make())
    assert store.load("ecpay", UBN) == make()


def test_locked_keyring_is_a_zh_tw_input_error() -> None:
    class Locked(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise KeyringLocked("locked")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise KeyringLocked(f"locked {password}")

    keyring.set_keyring(Locked())
    with pytest.raises(InputError, match="已鎖定") as info:
        store.save(make(password=PASSWORD))
    assert PASSWORD not in str(info.value)
    with pytest.raises(InputError, match="已鎖定"):
        store.load("ecpay", UBN)
    assert store.stored_label("ecpay", UBN).startswith("無法讀取")


def test_label_for_a_malformed_ubn_is_an_input_error() -> None:
    with pytest.raises(InputError, match="統一編號"):
        store.stored_label("ecpay", "")


def test_account_alias_and_blank_plain_fields() -> None:
    c = Credentials("ecpay", UBN, merchant_id=None, url=None)  # type: ignore[arg-type]
    assert (c.merchant_id, c.account, c.url) == ("", "", "")
    assert make().account == "2000132"


def test_secret_values_for_scrubbing() -> None:
    assert make(password=PASSWORD).secret_values() == (PASSWORD, KEY, IV)
    assert make(hash_key="", hash_iv="").secret_values() == ()
