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

Modules: :mod:`.ecpay_crypto` (the ``Data`` encryption), :mod:`.ecpay_records` (answer
rows → :class:`~invoicetools.domain.records.TrackAllocation` /
:class:`~invoicetools.domain.records.StatusRecord`, ECPay's status codes); this one holds
the provider: credentials, the envelope and ECPay's codes as zh-TW errors, the two fetches.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from ...domain.errors import InputError
from ...domain.records import StatusRecord, TrackAllocation
from ..credentials import Credentials
from .base import CATEGORIES, Provider, period_code
from .ecpay_crypto import KEY_BYTES, decrypt_data, encrypt_data
from .ecpay_records import as_int, status_record, track_allocation
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

__all__ = ["PRODUCTION_URL", "STAGE_URL", "EcpayProvider"]

logger = logging.getLogger("invoicetools.providers.ecpay")

STAGE_URL: Final = "https://einvoice-stage.ecpay.com.tw"
PRODUCTION_URL: Final = "https://einvoice.ecpay.com.tw"
B2C_REVISION: Final = "3.0.0"
B2B_REVISION: Final = "1.0.0"
MAX_PAGE_SIZE: Final = 200  # GetIssueList NumPerPage upper bound
DEFAULT_MAX_PAGES: Final = 5000  # 1,000,000 invoices per query at 200 a page

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
        if as_int(trans_code) != 1:
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
        if as_int(rtn_code) != 1:
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
                allocations = self._category_tracks(category, year_roc)
            except ProviderNoDataError:
                continue
            except (ProviderAuthError, ProviderApiError) as exc:
                failures.append((category, exc))
                continue
            for a in allocations:
                if term is None or a.year_month == period_code(year_roc, term):
                    found.setdefault((a.invoice_type, a.year_month, a.track, a.begin, a.end), a)
        if failures and not found:
            raise failures[0][1]
        self._note_skipped(failures)
        if not found:
            raise self._no_tracks(year_roc, term)
        return sorted(found.values(), key=lambda a: (a.year_month, a.invoice_type, a.track, a.begin))

    def _category_tracks(self, category: str, year_roc: int) -> list[TrackAllocation]:
        """Every allocation one category's GetGovInvoiceWordSetting answers for the year, in its order."""
        data = self.call(category, "GetGovInvoiceWordSetting", {"InvoiceYear": f"{year_roc:03d}"})
        rows = data.get("InvoiceInfo") or []
        if not isinstance(rows, list):
            raise self._fail(ProviderProtocolError, "綠界配號資料格式無法辨識（InvoiceInfo 不是清單）")
        ubn = self.credentials.ubn
        return [
            track_allocation(row, category=category, year_roc=year_roc, index=index, ubn=ubn, fail=self._fail)
            for index, row in enumerate(rows)
        ]

    def _note_skipped(self, failures: Sequence[tuple[str, ProviderError]]) -> None:
        """A warning (kept in :attr:`warnings` and logged) for each category that failed and was skipped."""
        for category, failure in failures:
            note = f"綠界 {category} 配號查詢失敗，已略過：{failure.message}"
            self.warnings.append(note)
            logger.warning("%s", note)  # already scrubbed: built from a ProviderError message

    def _no_tracks(self, year_roc: int, term: int | None) -> ProviderError:
        when = f"第 {term} 期" if term else "全年"
        return self._fail(
            ProviderNoDataError,
            f"綠界查無民國 {year_roc} 年{when}的財政部配號資料。可能原因：在財政部電子發票整合服務平台"
            "取號時未授權給綠界、字軌尚未取號完成，或年度不在可查詢範圍（去年、今年、明年）",
        )

    # -- 查詢多筆發票

    def fetch_status(self, begin: date, end: date) -> Iterator[StatusRecord]:
        """Every B2C invoice issued ``begin``..``end`` with its platform state (:func:`.ecpay_records.map_status`).

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
            total = as_int(data.get("TotalCount"))
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
                yield status_record(row, (page - 1) * self.page_size + index + 1, self._fail)
            seen += len(rows)
            if not rows or seen >= total:
                return
            page += 1
