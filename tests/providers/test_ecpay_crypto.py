"""ECPay Data encryption: published vectors, an independent reference implementation, round trips.

Vectors: ECPay's own example payload ``{"Name":"Test","ID":"A123456789"}`` with the public
stage HashKey/HashIV (as reproduced in paid-tw/einvoice crypto.test.ts, which cites the
ECPay spec), and the vectors of erictseng618/ecpay-skill test-vectors/aes-encryption.json
(derived from ECPay's AES guide). Each was also re-derived here with the independent
reference code in ``ecpay_fake`` (byte-wise PHP urlencode + ``cryptography`` primitives).
"""

from __future__ import annotations

import json
import string

import pytest
from ecpay_fake import STAGE_HASH_IV, STAGE_HASH_KEY, ref_decrypt, ref_encrypt, ref_urlencode
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicetools.sources.providers.ecpay_crypto import (
    aes_decrypt,
    aes_encrypt,
    decrypt_data,
    encrypt_data,
    php_urldecode,
    php_urlencode,
)

KEY, IV = STAGE_HASH_KEY, STAGE_HASH_IV

# (plaintext JSON as sent, PHP-urlencoded form or None, Base64 ciphertext)
PUBLISHED = [
    (
        '{"Name":"Test","ID":"A123456789"}',
        "%7B%22Name%22%3A%22Test%22%2C%22ID%22%3A%22A123456789%22%7D",
        "uvI4yrErM37XNQkXGAgRgJAgHn2t72jahaMZzYhWL1HmvH4WV18VJDP2i9pTbC+tby5nxVExLLFyAkbjbS2Dvg==",
    ),
    (
        '{"MerchantID":"2000132","BarCode":"/1234567"}',
        "%7B%22MerchantID%22%3A%222000132%22%2C%22BarCode%22%3A%22%2F1234567%22%7D",
        "XeEOdHpTRvxKEqs/JD9RSd16s7VtpyWVCN6AV44pKTW3DVa6yI7vKmjBRp2eulDhXoru/qBqFDBH3fEqlkMn3bbJfJBfGAq+v+SvttutYnc=",
    ),
    (
        '{"BarCode":"/1234567","MerchantID":"2000132"}',
        None,
        "r0JSyF9wVmywUav725b3rdJs3xp/ekrC/7PGb18zhKyXkPsamV9l4rPnBkaaraPcHtMSwrmSPP3wuS7b8g/aAKGs0iGiknpgpbdXKXvFrYM=",
    ),
    (
        '{"Name":"test!*\'()~value"}',
        "%7B%22Name%22%3A%22test%21%2A%27%28%29%7Evalue%22%7D",
        "uvI4yrErM37XNQkXGAgRgBuDOiJoVs72Xn/rum9Ejl1DSna4HyLSoY7764PmhTR7JXb9jJWLSjCGcZEDeFiABg==",
    ),
    (
        '{"N":"1234567890"}',  # urlencoded form is exactly 32 bytes: PKCS#7 adds a whole block
        "%7B%22N%22%3A%221234567890%22%7D",
        "gVwWJnIpl1m3ZDypcRAjiCctilYnQhHn4h8OzJP5IxQPov7HuysXX+jPONvrHS7Z",
    ),
]


@pytest.mark.parametrize(("plain", "urlencoded", "cipher"), PUBLISHED)
def test_published_vectors(plain: str, urlencoded: str | None, cipher: str) -> None:
    obj = json.loads(plain)
    assert json.dumps(obj, ensure_ascii=False, separators=(",", ":")) == plain
    if urlencoded is not None:
        assert php_urlencode(plain) == urlencoded
    assert encrypt_data(obj, KEY, IV) == cipher
    assert decrypt_data(cipher, KEY, IV) == obj
    # the independent reference agrees on the published bytes too
    assert ref_encrypt(obj, KEY, IV) == cipher
    assert ref_decrypt(cipher, KEY, IV) == obj


def test_pkcs7_full_padding_block() -> None:
    cipher = aes_encrypt(b"x" * 32, KEY.encode(), IV.encode())
    assert len(cipher) == 48
    assert aes_decrypt(cipher, KEY.encode(), IV.encode()) == b"x" * 32


def test_lowercase_hex_ciphertext_still_decrypts() -> None:
    # The ECPay page's lower-case-hex variant of the same payload (paid-tw crypto.test.ts).
    token = "ZD/z07UvdmL3aYz0tsVo+bFXF5VldNcns6ezyfea777KOmLiizrUNDYe+v1bh2QTT4AySf1NICgXxWXB6f7c6A=="
    assert decrypt_data(token, KEY, IV) == {"Name": "Test", "ID": "A123456789"}


def test_urlencode_is_php_style() -> None:
    assert php_urlencode("a b") == "a+b"
    assert php_urlencode("1+1=2") == "1%2B1%3D2"
    assert php_urlencode("!'()*~") == "%21%27%28%29%2A%7E"
    assert php_urlencode("台北") == "%E5%8F%B0%E5%8C%97"
    assert php_urldecode("2026-06-17+12%3A11%3A17") == "2026-06-17 12:11:17"


def test_wrong_key_or_damaged_data_raises_value_error() -> None:
    token = encrypt_data({"RtnCode": 1}, KEY, IV)
    with pytest.raises(ValueError):
        decrypt_data(token, "x" * 16, IV)
    with pytest.raises(ValueError):
        decrypt_data(token[:-8], KEY, IV)
    with pytest.raises(ValueError):
        decrypt_data("not base64 at all!", KEY, IV)
    with pytest.raises(ValueError):
        encrypt_data({}, "short", IV)


_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**12), 10**12) | _text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_text, children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_text, _json, max_size=6))
def test_round_trip_and_reference_agree(data: dict[str, object]) -> None:
    token = encrypt_data(data, KEY, IV)
    assert decrypt_data(token, KEY, IV) == data
    assert token == ref_encrypt(data, KEY, IV)
    assert ref_decrypt(token, KEY, IV) == data


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.printable + "台北市信義路～＋　", max_size=80) | _text)
def test_urlencode_matches_bytewise_reference(text: str) -> None:
    assert php_urlencode(text) == ref_urlencode(text)
    assert php_urldecode(php_urlencode(text)) == text
