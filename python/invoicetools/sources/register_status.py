"""The register's invoice status: 狀態 words and the void/cancel flag columns ERP exports carry.

Many ERP exports have no status word but a flag column per kind: 作廢碼／作廢註記／作廢／是否作廢
(作廢, the number was used and cancelled) and 註銷碼／註銷 (註銷, voided before re-issue with the
same number). A flag of Y, 1, 是, V or TRUE sets it; N, 0, 否 or blank leaves the invoice 開立;
anything else is reported with its row and column (the row counts as not flagged). A set flag
wins over the 狀態 word (an export's 狀態 often says only 已開立/正常); a 作廢/註銷 word that its
own flag column denies is reported. A register with neither a status column nor a flag column
imports with one warning: 「沒有狀態欄，全部視為開立」.

>>> import pandas as pd
>>> from invoicetools.domain.errors import Location
>>> raw = pd.DataFrame({"發票號碼": ["AB00000001", "AB00000002", "AB00000003", "AB00000004"],
...                     "作廢碼": ["Y", "N", "", "?"], "註銷": ["", "1", "", ""]}, index=[2, 3, 4, 5])
>>> st = register_statuses(raw, pd.Series([None] * 4, index=raw.index), Location(file="erp.csv"))
>>> st.codes.tolist(), st.known.tolist()
([1, 2, 0, 0], [True, True, True, True])
>>> [(f.code, f.where.row, f.where.column) for f in st.findings]
[('unknown_status_flag', 5, '作廢碼')]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..domain.errors import Finding, Location, Severity, show_found

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = ["CANCEL_FLAGS", "STATUS_WORDS", "VOID_FLAGS", "RegisterStatuses", "flag_values", "register_status",
           "register_statuses"]

STATUS_WORDS = ("開立", "作廢", "註銷")  # RegisterStatus 0, 1, 2
VOID_FLAGS = ("作廢碼", "作廢註記", "作廢", "是否作廢")  # 作廢 (RegisterStatus 1)
CANCEL_FLAGS = ("註銷碼", "註銷")  # 註銷 (RegisterStatus 2)
_YES = frozenset({"Y", "1", "是", "V", "TRUE"})
_NO = frozenset({"N", "0", "否", "", "FALSE"})
_ISSUED_WORDS = frozenset({"", "開立", "已開立", "正常", "有效", "開立已確認", "已確認", "N"})
MAX_ROW_FINDINGS = 200


def register_status(words: pd.Series) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.bool_]]:
    """狀態 words → ``RegisterStatus`` codes (開立 0 / 作廢 1 / 註銷 2) and a "known word" mask.

    Blank and the usual words for an issued invoice are 開立; a word containing 作廢 or
    註銷 is that; anything else is treated as 開立 and reported.

    >>> import pandas as pd
    >>> codes, known = register_status(pd.Series(["開立", "已作廢", "註銷", None, "??"]))
    >>> codes.tolist(), known.tolist()
    ([0, 1, 2, 0, 0], [True, True, True, True, False])
    """
    import numpy as np
    import pandas as pd

    text = words.astype("string").str.strip().fillna("")
    rows, uniques = pd.factorize(text)  # each row's word as an index into the distinct words
    code = np.zeros(len(uniques), dtype=np.int8)
    known = np.zeros(len(uniques), dtype=bool)
    for i, word in enumerate(uniques):
        w = str(word)
        if "作廢" in w:
            code[i], known[i] = 1, True
        elif "註銷" in w:
            code[i], known[i] = 2, True
        else:
            code[i], known[i] = 0, w in _ISSUED_WORDS or w.upper() in _ISSUED_WORDS
    return code[rows], known[rows]


def flag_values(values: pd.Series) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """A flag column → ``(set, explicitly not set, unreadable)``; one judgement per distinct value.

    >>> import pandas as pd
    >>> yes, no, bad = flag_values(pd.Series(["Y", "ｙ", "1.0", "是", "v", "True", "N", "0", "否", "", None, "X"]))
    >>> yes.tolist(), no.tolist(), bad.tolist()
    ([True, True, True, True, True, True, False, False, False, False, False, False], [False, False, False, False, False, False, True, True, True, False, False, False], [False, False, False, False, False, False, False, False, False, False, False, True])
    """
    import numpy as np
    import pandas as pd

    from ..domain._text import to_ascii

    text = values.astype("string").str.strip().fillna("")
    rows, uniques = pd.factorize(text)
    kind = np.zeros(len(uniques) + 1, dtype=np.int8)  # 0 blank, 1 yes, 2 no, 3 unreadable; the extra slot: NA
    for i, value in enumerate(uniques):
        v = to_ascii(str(value)).upper()
        v = v[:-2] if v.endswith(".0") else v  # a number cell: 1.0
        kind[i] = 0 if not v else 1 if v in _YES else 2 if v in _NO else 3
    k = kind[rows]
    return k == 1, k == 2, k == 3


@dataclass
class RegisterStatuses:
    """Each row's status code and whether it was understood, the words the sheet shows, the findings."""

    codes: npt.NDArray[np.int8]
    known: npt.NDArray[np.bool_]
    flagged: npt.NDArray[np.bool_]  # the code comes from a flag column
    findings: list[Finding] = field(default_factory=list)


def _columns(raw: pd.DataFrame, names: tuple[str, ...]) -> list[str]:
    return [c for c in raw.columns if str(c).strip() in names]


def register_statuses(raw: pd.DataFrame, words: pd.Series, where: Location, *,
                      importing: bool = False) -> RegisterStatuses:
    """The status of every register row from its 狀態 word (``words``) and the flag columns of ``raw``."""
    import numpy as np

    codes, known = register_status(words)
    findings: list[Finding] = []
    flagged = np.zeros(len(raw), dtype=bool)
    index = raw.index
    for code, names in ((2, CANCEL_FLAGS), (1, VOID_FLAGS)):  # 作廢 last: it wins over 註銷
        for column in _columns(raw, names):
            yes, no, bad = flag_values(raw[column])
            for row in index[bad][:MAX_ROW_FINDINGS]:
                findings.append(Finding(
                    "unknown_status_flag",
                    f"{column}「{show_found(raw.at[row, column])}」無法辨識，應為 Y、1、是、V、TRUE（{STATUS_WORDS[code]}）"
                    f"或 N、0、否、空白；這一列視為未{STATUS_WORDS[code]}", where.with_row(int(row), str(column)),
                    Severity.WARNING))
            denied = no & (codes == code) & ~flagged
            for row in index[denied][:MAX_ROW_FINDINGS]:
                findings.append(Finding(
                    "status_flag_conflict",
                    f"狀態「{show_found(words.at[row])}」與{column}「{show_found(raw.at[row, column])}」不一致；"
                    f"以{STATUS_WORDS[code]}計，請確認", where.with_row(int(row), str(column)), Severity.WARNING))
            codes = np.where(yes, np.int8(code), codes).astype(np.int8)
            known = known | yes
            flagged |= yes
    if importing and "狀態" not in raw.columns and not _columns(raw, VOID_FLAGS + CANCEL_FLAGS):
        findings.append(Finding(
            "no_status_column", "沒有狀態欄，全部視為開立（可用的欄位：狀態、發票狀態，或作廢碼、作廢註記、是否作廢、註銷碼）",
            where, Severity.WARNING))
    return RegisterStatuses(codes, known, flagged, findings)
