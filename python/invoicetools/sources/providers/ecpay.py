"""ECPay 綠界 e-invoice API: 查詢財政部配號結果 (B2C and B2B) and 查詢多筆發票 (B2C).

Protocol (developers.ecpay.com.tw, B2C ?p=7859 GetGovInvoiceWordSetting, ?p=17229
GetIssueList; the B2B family under ``/B2BInvoice/``):

* POST JSON ``{MerchantID, RqHeader, Data}`` to ``<base>/B2CInvoice/<Action>`` or
  ``<base>/B2BInvoice/<Action>``. ``RqHeader`` is ``{Timestamp, Revision "3.0.0"}``
  (unix seconds; ECPay rejects a request more than 10 minutes off) for B2C, as ECPay's own
  request examples send it, and ``{Timestamp, RqID (a UUID), Revision "1.0.0"}`` for B2B
  (the RqHeader table per service in erictseng618/ecpay-skill, guides/14-aes-encryption.md).
* ``Data = Base64(AES-128-CBC-PKCS7(php_urlencode(JSON)))`` with key = HashKey and
  IV = HashIV (16 bytes each).
* The answer is ``{MerchantID, RpHeader, TransCode, TransMsg, Data}``: ``TransCode`` 1
  means the transport worked; then ``Data`` decrypts (the same way, reversed) to a
  JSON object whose ``RtnCode`` 1 means success and ``RtnMsg`` says why not.
  GetIssueList answers with ``Data`` as a plain JSON object (not encrypted; seen live
  by public SDKs although the page says it is encrypted): both forms are accepted for
  every action.

Mapping to domain records:

* 配號 (``InvoiceInfo[]``): ``InvoiceTerm`` t of ROC year y → period ``f"{y:03d}{2t:02d}"``;
  ``InvType`` → ``"07"``/``"08"``; ``InvoiceHeader`` → track; ``InvoiceStart``/``InvoiceEnd``
  → ints. The allocation's BAN is the credentials' UBN.
* 發票狀態 (``InvoiceData[]``): see :func:`map_status`.

The crypto, checked against ECPay's published example (key/IV are ECPay's public
stage values):

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
import logging
import math
import re
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from ...domain.errors import InputError, Location
from ...domain.records import PlatformState, StatusRecord, TrackAllocation
from ..credentials import Credentials
from .base import CATEGORIES, Provider, period_code
from .errors import (
    ProviderApiError,
    ProviderAuthError,
    ProviderError,
    ProviderNoDataError,
    ProviderProtocolError,
)
from .http import RetryPolicy, Timeouts

if TYPE_CHECKING:
    import httpx

__all__ = [
    "PRODUCTION_URL",
    "STAGE_URL",
    "EcpayProvider",
    "aes_decrypt",
    "aes_encrypt",
    "decrypt_data",
    "encrypt_data",
    "map_status",
    "php_urldecode",
    "php_urlencode",
    "status_detail",
]

logger = logging.getLogger("invoicetools.providers.ecpay")

STAGE_URL: Final = "https://einvoice-stage.ecpay.com.tw"
PRODUCTION_URL: Final = "https://einvoice.ecpay.com.tw"
B2C_REVISION: Final = "3.0.0"
B2B_REVISION: Final = "1.0.0"
MAX_PAGE_SIZE: Final = 200  # GetIssueList NumPerPage upper bound
DEFAULT_MAX_PAGES: Final = 5000  # 1,000,000 invoices per query at 200 a page
KEY_BYTES: Final = 16

ACTION_LABELS: Final = {
    "GetGovInvoiceWordSetting": "查詢財政部配號結果",
    "GetIssueList": "查詢多筆發票",
}

_AUTH_RE: Final = re.compile(
    r"解密|金鑰|HashKey|HashIV|MerchantID|特店.{0,6}(不存在|錯誤|停用|未啟用|未開通)|商店代號|未授權|未開通|無權限|簽章",
    re.IGNORECASE,
)
_CLOCK_RE: Final = re.compile(r"Timestamp|時間戳|時間區間|時間驗證", re.IGNORECASE)
_NO_DATA_RE: Final = re.compile(r"查無|查不到|無.{0,4}資料")
_TRACK_RE: Final = re.compile(r"^[A-Z]{2}$")
_DIGITS8_RE: Final = re.compile(r"^\d{8}$")
_INVOICE_RE: Final = re.compile(r"^[A-Z]{2}\d{8}$")
_DATETIME_RE: Final = re.compile(
    r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T+]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?"
)


# --------------------------------------------------------------------------- crypto


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


# --------------------------------------------------------------------------- status mapping

# The GetIssue / GetIssueList answer fields and their codes, as documented on
# developers.ecpay.com.tw (B2C 查詢發票明細 ?p=7923, 查詢特定多筆發票 ?p=17229; the same table in
# the OPay doc mirror of the API family):
#   IIS_Issue_Status   發票開立狀態      1 發票開立 / 0 發票註銷
#   IIS_Invalid_Status 發票作廢狀態      1 已作廢 / 0 未作廢
#   IIS_Upload_Status  發票上傳狀態      1 已上傳 / 0 未上傳
#   IIS_Turnkey_Status 發票上傳後接收狀態 C 成功 / E 失敗 / G 處理中（待財政部回覆狀態）/ P 處理中（上傳財政部中）
# (paid-tw/einvoice packages/einvoice-ecpay/src/types.ts types the same four letters.)
TURNKEY_MEANING: Final = {
    "C": "財政部回覆成功",
    "E": "財政部回覆失敗",
    "G": "處理中，待財政部回覆",
    "P": "處理中，上傳財政部中",
}


def map_status(
    upload_status: object, invalid_status: object, turnkey_status: object = "", issue_status: object = "1"
) -> PlatformState | None:
    """The platform state of one GetIssueList row; ``None`` for a voided (註銷) invoice.

    * ``IIS_Invalid_Status`` 1 (作廢) → CANCELLED, whatever else;
    * ``IIS_Issue_Status`` 0 (註銷: voided, to be issued again with the same number) → ``None``:
      it says nothing about a live invoice by itself (the number stays used);
    * ``IIS_Turnkey_Status`` E (the MOF rejected the upload) → FAILED;
    * ``IIS_Turnkey_Status`` G or P (sent, the MOF's answer pending) → PENDING, not uploaded yet;
    * ``IIS_Upload_Status`` 1 (ECPay has uploaded it to the MOF platform) → ON_PLATFORM;
    * otherwise (``IIS_Upload_Status`` 0: not uploaded yet; ECPay uploads B2C within
      48 h, B2B within 7 days) → PENDING.

    >>> map_status("1", "0", "C"), map_status("0", "0", "P"), map_status(1, 1), map_status("1", "0", "E")
    (<PlatformState.ON_PLATFORM: '已上傳'>, <PlatformState.PENDING: '處理中'>, <PlatformState.CANCELLED: '作廢'>, <PlatformState.FAILED: '上傳失敗'>)
    >>> map_status("1", "0", "G"), map_status("1", "0", "C", issue_status="0")
    (<PlatformState.PENDING: '處理中'>, None)
    """
    turnkey = str(turnkey_status or "").strip().upper()
    if _flag(invalid_status) == "1":
        return PlatformState.CANCELLED
    if _flag(issue_status) == "0":
        return None
    if turnkey == "E":
        return PlatformState.FAILED
    if turnkey in ("G", "P"):
        return PlatformState.PENDING
    if _flag(upload_status) == "1":
        return PlatformState.ON_PLATFORM
    return PlatformState.PENDING


def status_detail(state: PlatformState | None, upload: str, invalid: str, turnkey: str, issue: str) -> str:
    """The 原始狀態 of a row: what it means in words, then ECPay's own codes.

    The words read back to the same state (``sources.status.state_of_word``), so a sheet whose
    狀態 cell was cleared still says the same thing.

    >>> status_detail(PlatformState.PENDING, "1", "0", "G", "1")
    '綠界：處理中，待財政部回覆（Issue=1 Invalid=0 Upload=1 Turnkey=G）'
    >>> status_detail(None, "1", "0", "C", "0")
    '綠界：已註銷，待以同號碼重新開立（Issue=0 Invalid=0 Upload=1 Turnkey=C）'
    """
    if state is PlatformState.CANCELLED:
        words = "已作廢"
    elif state is None:
        words = "已註銷，待以同號碼重新開立"
    elif turnkey in TURNKEY_MEANING:
        words = TURNKEY_MEANING[turnkey] if state is not PlatformState.ON_PLATFORM else "已上傳，財政部回覆成功"
    elif state is PlatformState.ON_PLATFORM:
        words = "已上傳"
    else:
        words = "尚未上傳財政部"
    # ECPay's codes under their field names (IIS_*_Status) – no status word in them to misread
    codes = f"Issue={issue or '-'} Invalid={invalid or '-'} Upload={upload or '-'} Turnkey={turnkey or '-'}"
    return f"綠界：{words}（{codes}）"


def _flag(value: object) -> str:
    return str(value if value is not None else "").strip()


def _parse_datetime(value: object) -> datetime | None:
    """``2023-04-30 23:47:59`` (also with ``+``, ``T`` or ``/``); None for blank or placeholder dates."""
    if value is None:
        return None
    match = _DATETIME_RE.match(str(value))
    if not match:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
    if y < 1912:
        return None
    try:
        return datetime(y, mo, d, h, mi, s)
    except ValueError:
        return None


def _as_int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- provider


class EcpayProvider(Provider):
    """綠界 e-invoice for one company. Credentials: ``merchant_id`` (特店編號), ``hash_key``, ``hash_iv``.

    ``base_url`` defaults to production (:data:`PRODUCTION_URL`); use :data:`STAGE_URL`
    with ECPay's public stage account for trials. ``clock`` and ``request_id`` are
    injectable for tests.
    """

    name = "ecpay"
    label = "綠界"
    default_base_url = PRODUCTION_URL

    def __init__(
        self,
        credentials: Credentials,
        *,
        transport: httpx.BaseTransport | None = None,
        base_url: str | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        rand: Callable[[], float] | None = None,
        clock: Callable[[], float] | None = None,
        request_id: Callable[[], str] | None = None,
        page_size: int = MAX_PAGE_SIZE,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self._check_credentials(credentials)
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        if max_pages < 1:
            raise ValueError("max_pages must be >= 1")
        super().__init__(
            credentials,
            transport=transport,
            base_url=base_url,
            timeouts=timeouts,
            retry=retry,
            sleep=sleep,
            rand=rand,
        )
        self._clock = clock or time.time
        self._request_id = request_id or (lambda: str(uuid.uuid4()))
        self.page_size = page_size
        self.max_pages = max_pages

    @staticmethod
    def _check_credentials(credentials: Credentials) -> None:
        if not isinstance(credentials, Credentials):
            raise TypeError("credentials must be a Credentials")
        if not credentials.merchant_id:
            raise InputError("綠界特店編號（MerchantID）未設定")
        if len(credentials.merchant_id) > 10 or not credentials.merchant_id.isalnum():
            raise InputError(
                "綠界特店編號（MerchantID）必須是 10 碼以內的英數字", found=credentials.merchant_id
            )
        for field_name, label in (("hash_key", "HashKey"), ("hash_iv", "HashIV")):
            value: str = getattr(credentials, field_name)
            if not value:
                raise InputError(f"綠界 {label} 未設定")
            size = len(value.encode("utf-8"))
            if size != KEY_BYTES:
                # Say how long it is, never what it is.
                raise InputError(f"綠界 {label} 必須是 {KEY_BYTES} 個英數字元（目前是 {size} 個位元組）")

    # -- errors

    def _fail(
        self, cls: type[ProviderError], message: str, *, code: object = None, provider_message: str = ""
    ) -> ProviderError:
        return cls(
            message,
            provider=self.name,
            code=code,
            provider_message=provider_message,
            secrets=self.secrets(),
        )

    def _classify(self, kind: str, code: object, msg: str, action: str) -> ProviderError:
        said = f"（綠界訊息：{msg or '（無）'}，{kind} {code}）"
        if _AUTH_RE.search(msg):
            return self._fail(
                ProviderAuthError,
                "綠界認證失敗：請確認特店編號（MerchantID）、HashKey、HashIV 是否正確，"
                "以及帳號與服務網址是否同為正式或測試環境" + said,
                code=code,
                provider_message=msg,
            )
        if _CLOCK_RE.search(msg):
            return self._fail(
                ProviderApiError,
                "綠界拒絕要求：這台電腦的時間與標準時間相差太多（超過 10 分鐘），請校正系統時間後再試" + said,
                code=code,
                provider_message=msg,
            )
        action_label = ACTION_LABELS.get(action, action)
        if kind == "RtnCode" and _NO_DATA_RE.search(msg):
            return self._fail(
                ProviderNoDataError, f"綠界{action_label}查無資料" + said, code=code, provider_message=msg
            )
        return self._fail(ProviderApiError, f"綠界{action_label}失敗" + said, code=code, provider_message=msg)

    # -- the call

    def call(self, category: str, action: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """One API call: wrap, encrypt, POST, check TransCode, decrypt, check RtnCode; the decrypted Data."""
        creds = self.credentials
        if category not in CATEGORIES:
            raise ValueError(f"category must be one of {CATEGORIES}")
        header: dict[str, Any] = {"Timestamp": int(self._clock())}
        if category == "B2B":
            header["RqID"] = self._request_id()
            header["Revision"] = B2B_REVISION
        else:
            header["Revision"] = B2C_REVISION
        envelope = {
            "MerchantID": creds.merchant_id,
            "RqHeader": header,
            "Data": encrypt_data({"MerchantID": creds.merchant_id, **data}, creds.hash_key, creds.hash_iv),
        }
        answer = self.http.post_json(f"/{category}Invoice/{action}", envelope)
        return self._unwrap(answer, action)

    def _unwrap(self, answer: Any, action: str) -> dict[str, Any]:
        if not isinstance(answer, dict):
            raise self._fail(ProviderProtocolError, "綠界的回應格式無法辨識（不是 JSON 物件）")
        trans_code = answer.get("TransCode")
        if _as_int(trans_code) != 1:
            raise self._classify("TransCode", trans_code, str(answer.get("TransMsg") or ""), action)
        raw = answer.get("Data")
        data: Any
        if isinstance(raw, dict):
            data = raw
        elif isinstance(raw, str) and raw.strip().startswith("{"):
            try:
                data = json.loads(raw)
            except ValueError:
                data = None
        elif isinstance(raw, str) and raw.strip():
            try:
                data = decrypt_data(raw, self.credentials.hash_key, self.credentials.hash_iv)
            except ValueError:
                raise self._fail(
                    ProviderProtocolError,
                    "無法解開綠界的回應資料：HashKey/HashIV 可能與此特店編號不符，請確認後再試",
                ) from None
        else:
            raise self._fail(ProviderProtocolError, "綠界的回應缺少資料（Data）")
        if not isinstance(data, dict):
            raise self._fail(ProviderProtocolError, "綠界的回應資料格式無法辨識")
        rtn_code = data.get("RtnCode")
        if _as_int(rtn_code) != 1:
            raise self._classify("RtnCode", rtn_code, str(data.get("RtnMsg") or ""), action)
        return data

    # -- 查詢財政部配號結果

    def fetch_tracks(
        self, year_roc: int, term: int | None = None, categories: Sequence[str] = CATEGORIES
    ) -> list[TrackAllocation]:
        """The MOF allocation ECPay holds for ROC year ``year_roc`` (all terms, or ``term`` 1–6).

        Each category (B2C → ``/B2CInvoice/``, B2B → ``/B2BInvoice/``) is asked; the same
        range reported by both appears once. A category that fails (for example an
        account without the B2B service) is skipped with a note in :attr:`warnings` when
        another category gave allocations; otherwise its error is raised. When nothing
        is allocated, :class:`ProviderNoDataError` explains the usual causes.
        Network errors and timeouts always propagate.
        """
        self.check_year_term(year_roc, term)
        wanted = self.check_categories(categories)
        self.warnings = []
        found: dict[tuple[str, str, str, int, int], TrackAllocation] = {}
        failures: list[tuple[str, ProviderError]] = []
        for category in wanted:
            try:
                data = self.call(category, "GetGovInvoiceWordSetting", {"InvoiceYear": f"{year_roc:03d}"})
            except ProviderNoDataError:
                continue
            except (ProviderAuthError, ProviderApiError) as exc:
                failures.append((category, exc))
                continue
            rows = data.get("InvoiceInfo") or []
            if not isinstance(rows, list):
                raise self._fail(ProviderProtocolError, "綠界配號資料格式無法辨識（InvoiceInfo 不是清單）")
            for index, row in enumerate(rows):
                allocation = self._allocation(row, category, year_roc, index)
                if term is not None and allocation.year_month != period_code(year_roc, term):
                    continue
                key = (
                    allocation.invoice_type,
                    allocation.year_month,
                    allocation.track,
                    allocation.begin,
                    allocation.end,
                )
                found.setdefault(key, allocation)
        if failures and not found:
            raise failures[0][1]
        for category, failure in failures:
            note = f"綠界 {category} 配號查詢失敗，已略過：{failure.message}"
            self.warnings.append(note)
            logger.warning("%s", note)  # already scrubbed: built from a ProviderError message
        if not found:
            when = f"第 {term} 期" if term else "全年"
            raise self._fail(
                ProviderNoDataError,
                f"綠界查無民國 {year_roc} 年{when}的財政部配號資料。可能原因：在財政部電子發票整合服務平台"
                "取號時未授權給綠界、字軌尚未取號完成，或年度不在可查詢範圍（去年、今年、明年）",
            )
        return sorted(found.values(), key=lambda a: (a.year_month, a.invoice_type, a.track, a.begin))

    def _allocation(self, row: object, category: str, year_roc: int, index: int) -> TrackAllocation:
        where = Location(file=f"綠界 {category} 查詢財政部配號結果", row=index + 1)
        bad = f"綠界 {category} 配號資料第 {index + 1} 筆格式不正確"
        if not isinstance(row, dict):
            raise self._fail(ProviderProtocolError, bad)
        term = _as_int(row.get("InvoiceTerm"))
        inv_type = str(row.get("InvType") or "").strip().zfill(2)
        track = str(row.get("InvoiceHeader") or "").strip().upper()
        start = str(row.get("InvoiceStart") or "").strip()
        end = str(row.get("InvoiceEnd") or "").strip()
        if term is None or not 1 <= term <= 6:
            raise self._fail(ProviderProtocolError, f"{bad}（期別 InvoiceTerm）")
        if inv_type not in ("07", "08"):
            raise self._fail(ProviderProtocolError, f"{bad}（字軌類別 InvType）")
        if not _TRACK_RE.match(track):
            raise self._fail(ProviderProtocolError, f"{bad}（字軌 InvoiceHeader）")
        if not (_DIGITS8_RE.match(start) and _DIGITS8_RE.match(end)) or int(start) > int(end):
            raise self._fail(ProviderProtocolError, f"{bad}（起訖號碼 InvoiceStart/InvoiceEnd）")
        return TrackAllocation(
            ban=self.credentials.ubn,
            invoice_type=inv_type,
            year_month=period_code(year_roc, term),
            track=track,
            begin=int(start),
            end=int(end),
            source=where,
        )

    # -- 查詢多筆發票

    def fetch_status(self, begin: date, end: date) -> Iterator[StatusRecord]:
        """Every B2C invoice issued ``begin``..``end`` with its platform state (:func:`map_status`).

        Pages of :attr:`page_size` (≤ 200) are fetched as the iterator is consumed,
        ShowingPage 1..n until ``TotalCount`` rows are read, never more than
        :attr:`max_pages` pages (a larger answer raises: narrow the date range).
        Arguments are checked at once; provider errors surface while iterating.
        """
        b, e = self.check_dates(begin, end)
        return self._iter_status(b, e)

    def _iter_status(self, begin: date, end: date) -> Iterator[StatusRecord]:
        self.warnings = []
        seen = 0
        pages = 1
        page = 1
        while page <= pages:
            query = {
                "BeginDate": begin.isoformat(),
                "EndDate": end.isoformat(),
                "NumPerPage": self.page_size,
                "ShowingPage": page,
                "DataType": 1,  # JSON (2 = CSV)
                "Query_Award": 0,  # all
                "Query_Invalid": 0,  # all
            }
            try:
                data = self.call("B2C", "GetIssueList", query)
            except ProviderNoDataError:
                return
            total = _as_int(data.get("TotalCount"))
            if total is None or total < 0:
                raise self._fail(ProviderProtocolError, "綠界發票清單缺少總筆數（TotalCount）")
            if page == 1:
                pages = math.ceil(total / self.page_size)
                if pages > self.max_pages:
                    raise self._fail(
                        ProviderApiError,
                        f"綠界發票清單共 {total} 筆，超過單次可下載的上限"
                        f"（{self.max_pages * self.page_size} 筆），請縮短發票日期區間後分次下載",
                    )
            rows = data.get("InvoiceData") or []
            if not isinstance(rows, list):
                raise self._fail(ProviderProtocolError, "綠界發票清單格式無法辨識（InvoiceData 不是清單）")
            for index, row in enumerate(rows):
                yield self._status(row, (page - 1) * self.page_size + index + 1)
            seen += len(rows)
            if not rows or seen >= total:
                return
            page += 1

    def _status(self, row: object, position: int) -> StatusRecord:
        bad = f"綠界發票清單第 {position} 筆格式不正確"
        if not isinstance(row, dict):
            raise self._fail(ProviderProtocolError, bad)
        number = str(row.get("IIS_Number") or "").strip().upper()
        if not _INVOICE_RE.match(number):
            raise self._fail(ProviderProtocolError, f"{bad}（發票號碼 IIS_Number）")
        created = _parse_datetime(row.get("IIS_Create_Date"))
        uploaded = _parse_datetime(row.get("IIS_Upload_Date"))
        upload, invalid = _flag(row.get("IIS_Upload_Status")), _flag(row.get("IIS_Invalid_Status"))
        issue = _flag(row.get("IIS_Issue_Status"))
        turnkey = _flag(row.get("IIS_Turnkey_Status")).upper()
        state = map_status(upload, invalid, turnkey, issue or "1")
        return StatusRecord(
            invoice_number=number,
            state=state,
            invoice_date=created.date() if created else None,
            upload_time=uploaded,
            detail=status_detail(state, upload, invalid, turnkey, issue),
            source=Location(file="綠界 B2C 查詢多筆發票", row=position),
        )
