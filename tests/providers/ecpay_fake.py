"""A fake ECPay e-invoice service for tests, with its own (independent) crypto.

The same request handling backs two transports:

* :meth:`FakeEcpay.transport` — an ``httpx.MockTransport`` (in-process);
* :func:`serve` — a real ``http.server`` on 127.0.0.1 (ephemeral port, in a thread,
  shut down on exit and by a watchdog timer).

It speaks the protocol of developers.ecpay.com.tw: it decrypts ``Data``, checks the
envelope's MerchantID against the one inside ``Data``, checks that ``RqHeader.Timestamp``
is within 10 minutes, requires ``RqID`` + ``Revision 1.0.0`` on ``/B2BInvoice/`` and
``Revision 3.0.0`` on ``/B2CInvoice/`` (the revisions ECPay's own request examples send), and
answers ``{TransCode, TransMsg, Data}`` with ``Data`` encrypted (GetIssueList: a plain
JSON object by default, as ECPay does live). The error codes and messages it uses for
bad keys / merchant / timestamp are plausible stand-ins, not ECPay's documented ones.

The crypto here is written independently of ``invoicetools.sources.providers.ecpay``
(byte-wise PHP urlencode, ``cryptography`` AES primitives) so that each checks the other.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# ECPay's public stage account (published by ECPay for testing; tests only).
STAGE_MERCHANT_ID = "2000132"
STAGE_HASH_KEY = "ejCk326UnaZWKisg"
STAGE_HASH_IV = "q9jcZX8Ib9LM8wYk"

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def ref_urlencode(text: str) -> str:
    """PHP urlencode, byte by byte."""
    out: list[str] = []
    for byte in text.encode("utf-8"):
        if byte in _UNRESERVED:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def ref_urldecode(text: str) -> str:
    raw = bytearray()
    i = 0
    data = text.encode("ascii")
    while i < len(data):
        c = data[i]
        if c == ord("+"):
            raw.append(0x20)
            i += 1
        elif c == ord("%"):
            raw.append(int(data[i + 1 : i + 3], 16))
            i += 3
        else:
            raw.append(c)
            i += 1
    return raw.decode("utf-8")


def ref_encrypt_text(text: str, key: str, iv: str) -> str:
    padder = padding.PKCS7(128).padder()
    plain = padder.update(ref_urlencode(text).encode("ascii")) + padder.finalize()
    enc = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode("ascii")


def ref_encrypt(obj: Any, key: str, iv: str) -> str:
    return ref_encrypt_text(json.dumps(obj, ensure_ascii=False, separators=(",", ":")), key, iv)


def ref_decrypt(token: str, key: str, iv: str) -> Any:
    dec = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).decryptor()
    padded = dec.update(base64.b64decode(token)) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    plain = unpadder.update(padded) + unpadder.finalize()
    return json.loads(ref_urldecode(plain.decode("ascii")))


def allocation_row(
    term: int, inv_type: str, track: str, start: str, end: str, year: str = "114"
) -> dict[str, Any]:
    booklets = (int(end) - int(start) + 1) // 50
    return {
        "InvoiceYear": year,
        "InvoiceTerm": term,
        "InvType": inv_type,
        "InvoiceHeader": track,
        "InvoiceStart": start,
        "InvoiceEnd": end,
        "Number": booklets,
    }


def invoice_row(
    number: str, created: str, *, upload: str = "1", invalid: str = "0", turnkey: str = "C", issue: str = "1"
) -> dict[str, Any]:
    """One ``InvoiceData`` row of GetIssueList, with the fields and codes of developers.ecpay.com.tw ?p=17229."""
    return {
        "IIS_Number": number,
        "IIS_Relate_Number": f"R{number}",
        "IIS_Identifier": "0000000000",
        "IIS_Category": "B2C",
        "IIS_Tax_Type": "1",
        "IIS_Sales_Amount": 100,
        "IIS_Create_Date": created,
        "IIS_Issue_Status": issue,
        "IIS_Invalid_Status": invalid,
        "IIS_Upload_Status": upload,
        "IIS_Upload_Date": created if upload == "1" else "",
        "IIS_Turnkey_Status": turnkey,
    }


class SleepRecorder:
    """Stands in for ``time.sleep``: records the requested waits, never waits."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@dataclass
class Seen:
    """One request as the fake decoded it."""

    path: str
    envelope: dict[str, Any]
    data: dict[str, Any]


@dataclass
class FakeEcpay:
    merchant_id: str = STAGE_MERCHANT_ID
    hash_key: str = STAGE_HASH_KEY
    hash_iv: str = STAGE_HASH_IV
    allocations: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # category → InvoiceInfo
    category_errors: dict[str, tuple[int, str]] = field(default_factory=dict)  # category → (RtnCode, RtnMsg)
    invoices: list[dict[str, Any]] = field(default_factory=list)
    encrypt_issue_list: bool = False
    clock: Callable[[], float] = time.time
    http_failures: list[int] = field(default_factory=list)  # statuses to answer first, one per request
    seen: list[Seen] = field(default_factory=list)
    max_timestamp_skew: int = 600
    total_count_override: int | None = None
    repeat_first_page: bool = False

    # -- protocol

    def _answer(self, trans_code: int, trans_msg: str, data: Any = None) -> dict[str, Any]:
        answer: dict[str, Any] = {
            "PlatformID": "",
            "MerchantID": self.merchant_id,
            "RpHeader": {"Timestamp": int(self.clock())},
            "TransCode": trans_code,
            "TransMsg": trans_msg,
        }
        if data is not None:
            answer["Data"] = data
        return answer

    def handle(self, path: str, body: bytes) -> tuple[int, dict[str, Any] | None]:
        if self.http_failures:
            return self.http_failures.pop(0), None
        try:
            envelope = json.loads(body)
        except ValueError:
            return 400, None
        if envelope.get("MerchantID") != self.merchant_id:
            return 200, self._answer(9000001, "特店編號(MerchantID)不存在")
        try:
            data = ref_decrypt(envelope["Data"], self.hash_key, self.hash_iv)
        except Exception:
            return 200, self._answer(9000002, "資料解密錯誤，請確認金鑰")
        self.seen.append(Seen(path, envelope, data))
        if data.get("MerchantID") != envelope["MerchantID"]:
            return 200, self._answer(9000003, "MerchantID 與加密資料不一致")
        header = envelope.get("RqHeader") or {}
        stamp = header.get("Timestamp")
        if not isinstance(stamp, int) or abs(self.clock() - stamp) > self.max_timestamp_skew:
            return 200, self._answer(9000004, "Timestamp 驗證失敗，超過時間區間")
        category, _, action = path.strip("/").partition("/")
        if category == "B2BInvoice":
            if not header.get("RqID") or header.get("Revision") != "1.0.0":
                return 200, self._answer(9000005, "RqHeader 格式錯誤")
        elif category == "B2CInvoice":
            if header.get("Revision") != "3.0.0":
                return 200, self._answer(9000005, "RqHeader 格式錯誤")
        else:
            return 404, None
        cat = category[:3]
        if action == "GetGovInvoiceWordSetting":
            result = self._gov_word_setting(cat, data)
        elif action == "GetIssueList" and cat == "B2C":
            result = self._issue_list(data)
            if not self.encrypt_issue_list:
                return 200, self._answer(1, "", result)
        else:
            return 404, None
        return 200, self._answer(1, "", ref_encrypt(result, self.hash_key, self.hash_iv))

    def _gov_word_setting(self, cat: str, data: dict[str, Any]) -> dict[str, Any]:
        if cat in self.category_errors:
            code, msg = self.category_errors[cat]
            return {"RtnCode": code, "RtnMsg": msg}
        year = str(data.get("InvoiceYear", ""))
        if len(year) != 3 or not year.isdigit():
            return {"RtnCode": 1100001, "RtnMsg": "發票年度格式錯誤"}
        rows = [
            r
            for r in self.allocations.get(cat, [])
            if not isinstance(r, dict) or str(r.get("InvoiceYear", year)) == year
        ]
        if not rows:
            return {"RtnCode": 2, "RtnMsg": "查無資料"}
        return {"RtnCode": 1, "RtnMsg": "查詢成功", "InvoiceInfo": rows}

    def _issue_list(self, data: dict[str, Any]) -> dict[str, Any]:
        per_page, page = int(data["NumPerPage"]), int(data["ShowingPage"])
        if not 1 <= per_page <= 200 or page < 1:
            return {"RtnCode": 1100002, "RtnMsg": "NumPerPage/ShowingPage 錯誤"}
        begin, end = date.fromisoformat(data["BeginDate"]), date.fromisoformat(data["EndDate"])
        rows = [r for r in self.invoices if begin <= date.fromisoformat(r["IIS_Create_Date"][:10]) <= end]
        rows.sort(key=lambda r: r["IIS_Create_Date"], reverse=True)  # newest first, as ECPay does
        if self.repeat_first_page:
            page = 1
        chunk = rows[(page - 1) * per_page : page * per_page]
        total = len(rows) if self.total_count_override is None else self.total_count_override
        return {
            "RtnCode": 1,
            "RtnMsg": "成功",
            "TotalCount": total,
            "ShowingPage": page,
            "InvoiceData": chunk,
        }

    # -- transports

    def transport(self) -> httpx.MockTransport:
        def handler(request: httpx.Request) -> httpx.Response:
            status, answer = self.handle(request.url.path, request.content)
            if answer is None:
                return httpx.Response(status, text="error")
            return httpx.Response(status, json=answer)

        return httpx.MockTransport(handler)

    def requests_to(self, action: str) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith("/" + action)]


@contextmanager
def serve(fake: FakeEcpay, *, watchdog_seconds: float = 60.0) -> Iterator[str]:
    """Serve ``fake`` over real HTTP on 127.0.0.1 (ephemeral port); yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                status, answer = 415, None
            else:
                status, answer = fake.handle(self.path, body)
            payload = b"error" if answer is None else json.dumps(answer, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if answer is not None else "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    watchdog = threading.Timer(watchdog_seconds, server.shutdown)
    watchdog.daemon = True
    thread.start()
    watchdog.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host!s}:{port}"
    finally:
        watchdog.cancel()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
