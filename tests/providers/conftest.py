"""Fixtures for the provider and credential tests.

Every test here runs with an in-memory keyring (``tests/keyring_memory.py``) installed,
so no test ever touches the real OS keyring.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parents[1]
for _path in (_TESTS, _TESTS.parent / "python"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from ecpay_fake import STAGE_HASH_IV, STAGE_HASH_KEY, STAGE_MERCHANT_ID, FakeEcpay, SleepRecorder  # noqa: E402

from invoicetools.sources.credentials import Credentials  # noqa: E402

COMPANY_UBN = "12345675"



@pytest.fixture
def stage_credentials() -> Credentials:
    """ECPay's public stage account, for company :data:`COMPANY_UBN`."""
    return Credentials(
        provider="ecpay",
        ubn=COMPANY_UBN,
        merchant_id=STAGE_MERCHANT_ID,
        hash_key=STAGE_HASH_KEY,
        hash_iv=STAGE_HASH_IV,
    )


@pytest.fixture
def secrets() -> tuple[str, ...]:
    return (STAGE_HASH_KEY, STAGE_HASH_IV)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def fake() -> FakeEcpay:
    return FakeEcpay()
