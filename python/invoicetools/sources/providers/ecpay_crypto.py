"""ECPay's ``Data`` encryption: ``Base64(AES-128-CBC-PKCS7(php_urlencode(JSON)))`` with
key = HashKey and IV = HashIV (16 bytes each), and its inverse for the answers.

cryptography is imported only when a request is really encrypted or an answer decrypted.
Checked against ECPay's published example (key/IV are ECPay's public stage values):

>>> php_urlencode('{"Name":"Test","ID":"A123456789"}')
'%7B%22Name%22%3A%22Test%22%2C%22ID%22%3A%22A123456789%22%7D'
>>> php_urlencode("a b~!*'()")
'a+b%7E%21%2A%27%28%29'
>>> token = encrypt_data({"Name": "Test", "ID": "A123456789"}, "ejCk326UnaZWKisg", "q9jcZX8Ib9LM8wYk")
>>> token
'uvI4yrErM37XNQkXGAgRgJAgHn2t72jahaMZzYhWL1HmvH4WV18VJDP2i9pTbC+tby5nxVExLLFyAkbjbS2Dvg=='
>>> decrypt_data(token, "ejCk326UnaZWKisg", "q9jcZX8Ib9LM8wYk")
{'Name': 'Test', 'ID': 'A123456789'}
"""

from __future__ import annotations

import base64
import json
import urllib.parse
from typing import Any, Final

__all__ = [
    "KEY_BYTES",
    "aes_decrypt",
    "aes_encrypt",
    "decrypt_data",
    "encrypt_data",
    "php_urldecode",
    "php_urlencode",
]

KEY_BYTES: Final = 16


def php_urlencode(text: str) -> str:
    """PHP ``urlencode``: only ``A-Z a-z 0-9 - _ .`` stay; space → ``+``; everything else %XX (upper case)."""
    return urllib.parse.quote_plus(text, safe="-_.").replace("~", "%7E")


def php_urldecode(text: str) -> str:
    """Inverse of :func:`php_urlencode` (``+`` → space, %XX → byte, UTF-8)."""
    return urllib.parse.unquote_plus(text)


def aes_encrypt(plain: bytes, key: bytes, iv: bytes) -> bytes:
    """AES-128-CBC with PKCS#7 padding."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def aes_decrypt(cipher: bytes, key: bytes, iv: bytes) -> bytes:
    """Inverse of :func:`aes_encrypt`; ``ValueError`` for a wrong key/IV or damaged data."""
    from cryptography.hazmat.primitives import padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    if not cipher or len(cipher) % 16:
        raise ValueError("ciphertext length is not a positive multiple of the block size")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    padded = decryptor.update(cipher) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def _key_bytes(value: str) -> bytes:
    raw = value.encode("utf-8")
    if len(raw) != KEY_BYTES:
        raise ValueError("HashKey/HashIV must be 16 bytes")
    return raw


def encrypt_data(data: Any, hash_key: str, hash_iv: str) -> str:
    """The ``Data`` field of a request: Base64(AES(php_urlencode(compact JSON)))."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    cipher = aes_encrypt(php_urlencode(text).encode("ascii"), _key_bytes(hash_key), _key_bytes(hash_iv))
    return base64.b64encode(cipher).decode("ascii")


def decrypt_data(token: str, hash_key: str, hash_iv: str) -> Any:
    """Inverse of :func:`encrypt_data`; ``ValueError`` when the token cannot be decrypted or parsed."""
    cipher = base64.b64decode(token.strip())
    plain = aes_decrypt(cipher, _key_bytes(hash_key), _key_bytes(hash_iv))
    return json.loads(php_urldecode(plain.decode("utf-8")))
