"""Fixtures for the provider and credential tests.

Every test here runs with an in-memory keyring (``tests/keyring_memory.py``) installed,
so no test ever touches the real OS keyring.
"""

from __future__ import annotations

import pytest
from ecpay_fake import STAGE_HASH_IV, STAGE_HASH_KEY, STAGE_MERCHANT_ID, FakeEcpay, SleepRecorder

from invoicetools.sources.credentials import Credentials

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
