"""Secrets live only in the OS keyring: never in the workbook, the run log, messages, crash reports, doctor or logs.

One accountant's session on the command line, against a local fake ECPay service (real
HTTP on 127.0.0.1): log in (HashKey/HashIV typed at a hidden prompt), 自動匯入 the
allocation, 下載平台發票狀況, a rejected key, a server that keeps failing, a bug in the
middle of a request (crash report), ``doctor``, and E0402 asking for a platform password.
Then every byte the session left is searched for the secrets (plain, URL-encoded, base64,
hex): every part of the workbook zip (so 設定, 檢核訊息 and 執行紀錄 too), every file
under the test folder and the sheet cache, the crash reports, stdout/stderr of each command,
and the log records at DEBUG of every logger (httpx and httpcore included). The secrets
must be in the keyring and nowhere else.

The HTTP client: TLS certificates verified (with host names), a timeout on connect, read,
write and pool for every request, no redirects.
"""

from __future__ import annotations

import base64
import getpass
import logging
import ssl
import sys
import tempfile
import urllib.parse
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ecpay_fake import FakeEcpay, allocation_row, invoice_row, serve
from helpers import PERIOD, Run, assert_clean_message, cli, e0402_book

from invoicetools.sources.credentials import Credentials
from invoicetools.sources.providers import available_providers, get_provider
from keyring_memory import MemoryKeyring
from workbooks import new_book

HASH_KEY = "K3ySecretAbCdE9Z"  # fictitious, 16 characters as ECPay's
HASH_IV = "Iv5ecretXyZwVu71"
PASSWORD = "Pa55-platform-secret"
MERCHANT = "2000132"


def forms(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [raw, urllib.parse.quote(secret).encode(), base64.b64encode(raw), raw.hex().encode(),
            secret.encode("utf-16-le")]


def leaks(data: bytes, secrets: list[str]) -> list[str]:
    return [s for s in secrets if any(f in data for f in forms(s))]


def every_byte(folder: Path) -> Iterator[tuple[str, bytes]]:
    """Every file under ``folder``; zip packages (xlsx/xlsm) also member by member, uncompressed."""
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        yield str(path), data
        if data[:2] == b"PK":
            try:
                with zipfile.ZipFile(path) as z:
                    for name in z.namelist():
                        yield f"{path}!{name}", z.read(name)
            except zipfile.BadZipFile:
                pass


@pytest.fixture
def fake() -> Iterator[tuple[FakeEcpay, str]]:
    service = FakeEcpay(hash_key=HASH_KEY, hash_iv=HASH_IV)
    service.allocations = {"B2C": [allocation_row(1, "07", "KA", "12340000", "12340099")]}
    service.invoices = [invoice_row(f"KA{12340000 + i:08d}", f"2025-01-{1 + i:02d} 09:00:00") for i in range(5)]
    with serve(service) as url:
        yield service, url


def test_secrets_never_leave_the_keyring(fake: tuple[FakeEcpay, str], tmp_path: Path, memory_keyring: MemoryKeyring,
                                         monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    service, url = fake
    caplog.set_level(logging.DEBUG)
    for name in ("httpx", "httpcore", "invoicetools"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    crash_dir = tmp_path / "crash-reports"
    crash_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(crash_dir))
    typed = iter([HASH_KEY, HASH_IV])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(typed))
    book = e0402_book(new_book(tmp_path / "InvoiceTools.xlsm"))
    runs: list[Run] = [cli("settings", "--book", book, "加值中心=ecpay")]

    runs.append(cli("tracks", "login", "--book", book, "--provider", "ecpay", "--merchant-id", MERCHANT, "--url", url))
    assert runs[-1].code == 0, runs[-1].text
    runs.append(cli("tracks", "fetch", "--book", book, "--provider", "ecpay", "--base-url", url, "--period", PERIOD))
    assert runs[-1].code in (0, 1), runs[-1].text
    runs.append(cli("status", "fetch", "--book", book, "--provider", "ecpay", "--period", PERIOD))
    assert runs[-1].code in (0, 1), runs[-1].text

    service.hash_key = "AnotherKey123456"  # the centre no longer accepts the stored key
    runs.append(cli("status", "fetch", "--book", book, "--provider", "ecpay", "--period", PERIOD))
    assert runs[-1].code == 2
    service.hash_key = HASH_KEY
    service.http_failures = [500] * 10  # a server that keeps failing (retries, then a message)
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    runs.append(cli("status", "fetch", "--book", book, "--provider", "ecpay", "--period", PERIOD))
    assert runs[-1].code == 2
    service.http_failures = []

    def bug(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the middle of a request")

    with monkeypatch.context() as m:  # an unexpected error: a crash report is written
        m.setattr(httpx.Client, "post", bug)
        runs.append(cli("status", "fetch", "--book", book, "--provider", "ecpay", "--period", PERIOD))
    assert runs[-1].code == 2 and "未預期" in runs[-1].err
    assert list(crash_dir.glob("invoicetools-crash-*.txt"))

    runs.append(cli("doctor", "--book", book))
    runs.append(cli("doctor", "--book", book, "--json"))

    runs.append(cli("tracks", "logout", "--book", book, "--provider", "ecpay"))  # E0402 asks for the platform password
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": PASSWORD)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    runs.append(cli("e0402", "--book", book, "--period", PERIOD, "--out", tmp_path / "Turnkey"))
    assert runs[-1].code == 0, runs[-1].text

    secrets = [HASH_KEY, HASH_IV, PASSWORD]
    stored = " ".join(memory_keyring.entries.values())
    assert PASSWORD in stored  # the last login is in the keyring …
    for run in runs:
        assert_clean_message(run) if "未預期" not in run.err else None
        assert not leaks(run.text.encode(), secrets), run.text
    assert not leaks(caplog.text.encode(), secrets)
    assert any(r.name.startswith("httpx") for r in caplog.records)  # the HTTP log was captured and is clean
    for place, data in every_byte(tmp_path):  # … and nowhere else: workbook parts, outputs, crash reports
        assert not leaks(data, secrets), place
    cache = Path(__import__("os").environ["INVOICETOOLS_CACHE_DIR"])
    for place, data in every_byte(cache):
        assert not leaks(data, secrets), place


@pytest.mark.parametrize("name", available_providers())
def test_every_provider_verifies_tls_with_timeouts_and_no_redirects(name: str) -> None:
    credentials = Credentials(name, "12345675", merchant_id=MERCHANT, hash_key=HASH_KEY, hash_iv=HASH_IV,
                              password=PASSWORD)
    provider = get_provider(name, credentials)
    try:
        http = next(v for v in vars(provider).values() if hasattr(v, "_get_client"))
        client = http._get_client()
        assert isinstance(client, httpx.Client)
        timeout = client.timeout
        assert all(t is not None and 0 < t <= 60 for t in (timeout.connect, timeout.read, timeout.write, timeout.pool))
        assert client.follow_redirects is False
        assert str(client.base_url).startswith("https://")
        context = client._transport._pool._ssl_context  # type: ignore[attr-defined]
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
        assert repr(provider).count(HASH_KEY) == 0 and HASH_KEY not in repr(http)
    finally:
        provider.close()


def test_a_plain_http_address_is_refused_except_on_this_machine() -> None:
    from invoicetools.domain.errors import InputError
    from invoicetools.sources.providers.http import check_base_url

    with pytest.raises(InputError, match="https://"):
        check_base_url("http://einvoice.example.com.tw")
    with pytest.raises(InputError) as caught:
        check_base_url(f"https://user:{PASSWORD}@einvoice.example.com.tw")
    assert PASSWORD not in str(caught.value)
    assert check_base_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080"
