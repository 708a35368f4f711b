"""libxml2's XSD validation messages said in zh-TW, with each element named and labelled (private).

Layer: ``mig/`` (beside ``steps`` and ``sources``, below ``actions``, above
``book``/``domain``); used by :mod:`.schema`, which validates and calls :func:`translate`.
Plain text work: no lxml, no other import of the package.

>>> label("InvoiceBeginNo"), label("Unknown")
('<InvoiceBeginNo>（發票起號）', '<Unknown>')
>>> translate("Element '{urn:x}InvoiceType': [facet 'enumeration'] The value '09' is not an element of the set {'07', '08'}.")
'<InvoiceType>（發票類別）：值「09」不是允許的值（07、08）'
>>> translate("Element '{urn:x}Details': Missing child element(s). Expected is ( {urn:x}BranchTrackBlankItem ).")
'<Details>（明細）：缺少子元素：<BranchTrackBlankItem>（空白字軌區間）'
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["CLARK", "label", "translate"]

_LABELS = {
    "BranchTrackBlank": "空白未使用字軌檔",
    "BranchTrack": "分支機構配號檔",
    "InvoiceAssignNo": "營業人電子發票配號檔",
    "InvoiceEnvelope": "訊息封套",
    "InvoicePack": "訊息包",
    "Main": "主檔",
    "Details": "明細",
    "BranchTrackBlankItem": "空白字軌區間",
    "BranchTrackItem": "分支機構配號區間",
    "HeadBan": "總公司統一編號",
    "BranchBan": "分支機構統一編號",
    "Ban": "統一編號",
    "InvoiceType": "發票類別",
    "YearMonth": "發票期別",
    "InvoiceTrack": "發票字軌",
    "InvoiceBeginNo": "發票起號",
    "InvoiceEndNo": "發票迄號",
    "InvoiceBooklet": "本組數",
    "InvoiceNumber": "發票號碼",
    "CancelInvoiceNumber": "作廢發票號碼",
    "VoidInvoiceNumber": "註銷發票號碼",
    "InvoiceDate": "發票日期",
    "InvoiceTime": "發票時間",
    "ReferenceNumber": "發票號碼",
    "MessageType": "訊息類別",
    "Count": "筆數",
    "Code": "結果代碼",
    "Message": "訊息",
    "Invoice": "發票",
    "Info": "結果",
}

# A few rules said the way an accountant understands them (instead of a regex).
_RULES = {
    "InvoiceBeginNo": "須為 8 位數字",
    "InvoiceEndNo": "須為 8 位數字",
    "YearMonth": "須為民國年 3 碼加期別結束的雙月，例如 11402（114 年 1–2 月）",
    "InvoiceTrack": "須為 2 個大寫英文字母",
    "InvoiceNumber": "須為 2 個大寫英文字母加 8 位數字",
    "InvoiceDate": "須為西元年月日 8 碼，例如 20250131",
}

_MAX_ITEMS = {
    "BranchTrackBlankItem": 10_000,
    "BranchTrackItem": 25_000,
    "Message": 5_000,
    "Info": 10_000,
    "Invoice": 9_999,
}

_TYPE_WORDS = {
    "xs:long": "整數",
    "xs:int": "整數",
    "xs:integer": "整數",
    "xs:positiveInteger": "正整數",
    "xs:nonNegativeInteger": "非負整數",
    "xs:decimal": "數值",
    "xs:date": "日期",
    "xs:time": "時間",
    "xs:dateTime": "日期時間",
}


def label(local_name: str) -> str:
    """``<InvoiceBeginNo>（發票起號）``; unknown names stay as they are."""
    zh = _LABELS.get(local_name)
    return f"<{local_name}>（{zh}）" if zh else f"<{local_name}>"


CLARK = re.compile(r"\{[^}]*\}")
_HEAD = re.compile(r"^Element '(?P<el>[^']+)'(?:, attribute '(?P<attr>[^']+)')?: (?P<rest>.*)$", re.S)
_EXPECTED = re.compile(r"Expected is (?P<one>one of )?\( (?P<names>.*?) \)\.?$", re.S)


def _names(text: str) -> str:
    names = [n.strip() for n in CLARK.sub("", text).split(",") if n.strip()]
    return "、".join(label(n) if n[:1].isalpha() else n for n in names)


def _values(text: str) -> str:
    return "、".join(v.strip().strip("'") for v in text.split(","))


_FACETS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], str], str]], ...] = (
    (
        re.compile(r"\[facet 'minLength'\] The value has a length of '(\d+)'; this underruns .* of '(\d+)'"),
        lambda m, el: f"長度 {m[1]} 個字元，少於最少的 {m[2]} 個字元",
    ),
    (
        re.compile(r"\[facet 'maxLength'\] The value has a length of '(\d+)'; this exceeds .* of '(\d+)'"),
        lambda m, el: f"長度 {m[1]} 個字元，超過最多的 {m[2]} 個字元",
    ),
    (
        re.compile(
            r"\[facet 'length'\] The value '(.*)' has a length of '(\d+)'; this differs .* of '(\d+)'", re.S
        ),
        lambda m, el: f"值「{m[1]}」長度 {m[2]} 個字元，應為 {m[3]} 個字元",
    ),
    (
        re.compile(r"\[facet 'pattern'\] The value '(.*)' is not accepted by the pattern '(.*)'\.?$", re.S),
        lambda m, el: f"值「{m[1]}」格式不符：{_RULES.get(el, '須符合 ' + m[2])}",
    ),
    (
        re.compile(r"\[facet 'enumeration'\] The value '(.*)' is not an element of the set \{(.*)\}", re.S),
        lambda m, el: f"值「{m[1]}」不是允許的值（{_values(m[2])}）",
    ),
    (
        re.compile(
            r"\[facet 'minInclusive'\] The value '(.*)' is less than the minimum value allowed \('(.*)'\)"
        ),
        lambda m, el: f"值「{m[1]}」小於最小值 {m[2]}",
    ),
    (
        re.compile(r"\[facet 'maxInclusive'\] The value '(.*)' is greater than the maximum .* \('(.*)'\)"),
        lambda m, el: f"值「{m[1]}」大於最大值 {m[2]}",
    ),
    (
        re.compile(r"\[facet 'totalDigits'\] The value '(.*)' has more digits than are allowed \('(\d+)'\)"),
        lambda m, el: f"值「{m[1]}」超過 {m[2]} 位數",
    ),
    (
        re.compile(
            r"'(.*)' is not a valid value of the (?:local )?(?:atomic|list|union) type(?: '(.*)')?", re.S
        ),
        lambda m, el: (
            f"值「{m[1]}」不是有效的{_TYPE_WORDS[m[2]]}"
            if m[2] in _TYPE_WORDS
            else f"值「{m[1]}」的型別不正確"
        ),
    ),
    (re.compile(r"The attribute '(.*)' is not allowed"), lambda m, el: f"不可有屬性「{m[1]}」"),
    (re.compile(r"The attribute '(.*)' is required but missing"), lambda m, el: f"缺少屬性「{m[1]}」"),
)


def _translate_rest(el: str, rest: str) -> str:
    """The part after "Element 'x': " of a libxml2 message, in zh-TW."""
    for pattern, render in _FACETS:
        if m := pattern.match(rest):
            return render(m, el)
    if rest.startswith("This element is not expected."):
        text = "此處不應出現這個元素"
        if m := _EXPECTED.search(rest):
            text += f"，應為{'以下其中之一：' if m['one'] else ''}{_names(m['names'])}"
        elif el in _MAX_ITEMS:
            text += f"（最多 {_MAX_ITEMS[el]:,} 筆，可能已超過）"
        return text
    if rest.startswith("Missing child element(s)."):
        if m := _EXPECTED.search(rest):
            return f"缺少子元素{'（以下其中之一）' if m['one'] else ''}：{_names(m['names'])}"
        return "缺少子元素"
    if rest.startswith("Character content other than whitespace is not allowed"):
        return "不可有文字內容，只能有子元素"
    if rest.startswith("Element content is not allowed"):
        return "不可有子元素，只能是文字值"
    if rest.startswith("No matching global declaration available for the validation root"):
        return "根元素不是這個訊息的格式"
    return f"XSD 驗證失敗：{rest}"


def translate(message: str) -> str:
    """One libxml2 schema-validation message → zh-TW, with the element named and labelled."""
    text = CLARK.sub("", message.strip())
    head = _HEAD.match(message.strip())
    if not head:
        return f"XSD 驗證失敗：{text}"
    el = CLARK.sub("", head["el"])
    body = _translate_rest(el, head["rest"])
    return f"{label(el)}：{body}"
