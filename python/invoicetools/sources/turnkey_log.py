"""An export (CSV/xlsx) of the Turnkey database table ``TURNKEY_MESSAGE_LOG`` as platform status rows.

The table (Turnkey's own DDL, e.g. ho600-ltd/django-taiwan-einvoice
``turnkey_web/turnkey_wrapper/migrations/MySQL.sql``): ``SEQNO, SUBSEQNO, UUID, MESSAGE_TYPE,
CATEGORY_TYPE, PROCESS_TYPE, FROM_PARTY_ID, TO_PARTY_ID, MESSAGE_DTS (yyyyMMddHHmmssSSS),
CHARACTER_COUNT, STATUS, IN_OUT_BOUND, FROM_ROUTING_ID, TO_ROUTING_ID, INVOICE_IDENTIFIER``.

``INVOICE_IDENTIFIER`` of an invoice message is message type + invoice number + a date, and
the date is not always the invoice's (ho600 ``EITurnkeyBatchEInvoice.save`` builds it so):

* F0401/C0401 (開立): the invoice date — it becomes 發票日期;
* F0501/C0501 (作廢): the cancel date, F0701/C0701 (註銷): the void date — 發票日期 stays
  blank (the check places such rows by their number's allocation) and the date goes to 說明.

STATUS: ``C`` confirmed by the MOF and ``G`` sent count as done, ``P`` is pending, anything
else an error (ho600 ``check_status_from_ei``; icemarx2/EINVTurnkey treats G/C as done). A
done 註銷 keeps its number on the sheet with no state (it says nothing about a live invoice
by itself). Rows of other messages (E0402 — identified as BranchBan + track + type —,
allowances, E0501 …), inbound rows and rows with a blank STATUS are left out, each kind
counted and said in a finding, never silently.

>>> import pandas as pd
>>> raw = pd.DataFrame({"MESSAGE_TYPE": ["F0401", "F0501", "E0402"], "STATUS": ["C", "C", "C"],
...                     "INVOICE_IDENTIFIER": ["F0401LP5093660020260923", "F0501LP5093660020261005", "53212539LP07"]},
...                    index=[2, 3, 4])
>>> out = message_log_rows(raw, "log.csv")
>>> out.frame[["發票號碼", "狀態", "發票日期", "說明"]].values.tolist()
[['LP50936600', '已上傳', datetime.date(2026, 9, 23), None], ['LP50936600', '作廢', None, '作廢日期 2026/10/05']]
>>> [f.message for f in out.findings]
['略過 1 列非發票訊息（E0402 1 列）：這些訊息不是單張發票的上傳狀態']
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..book.layout import Column, Kind, Table
from ..domain.errors import Finding, Location, Severity, show_found
from ..domain.records import PlatformState

if TYPE_CHECKING:
    import pandas as pd

    from .status import StatusImport

__all__ = ["MESSAGE_LOG_TABLE", "message_log_rows", "read_message_log"]

# The columns the reader uses (the export has all of the table's; the others are ignored).
MESSAGE_LOG_TABLE = Table("TurnkeyMessageLog", "", 1, (
    Column("INVOICE_IDENTIFIER", Kind.ID, required=True),
    Column("STATUS", required=True),
    Column("MESSAGE_TYPE"),
    Column("MESSAGE_DTS"),
    Column("IN_OUT_BOUND"),
    Column("UUID"),
))
MAX_ROW_FINDINGS = 100


def _parse_dts(values: pd.Series) -> pd.Series:
    """MESSAGE_DTS: ``yyyyMMddHHmmss[fff]`` or an ordinary date-time."""
    import pandas as pd

    from .register import parse_dates_fast

    text = values.astype("string").str.strip()
    digits = text.str.fullmatch(r"\d{14,17}").fillna(False).to_numpy(dtype=bool)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if digits.any():
        stamps = pd.to_datetime(text[digits].str[:14], format="%Y%m%d%H%M%S", errors="coerce")
        stamps = stamps.where((stamps >= pd.Timestamp.min) & (stamps <= pd.Timestamp.max))  # e.g. 9999…: unreadable
        out[digits] = stamps.to_numpy(dtype="datetime64[ns]")
    if (~digits).any():
        parsed, _ = parse_dates_fast(values[~digits])
        out[~digits] = parsed.to_numpy()
    return out


def _text(raw: pd.DataFrame, column: str) -> pd.Series:
    import pandas as pd

    if column not in raw.columns:
        return pd.Series("", index=raw.index, dtype="string")
    return raw[column].astype("string").str.strip().str.upper().fillna("")


def _skipped(findings: list[Finding], where: Location, mask: object, what: str, why: str,
             kinds: pd.Series | None = None) -> int:
    """One INFO finding for a kind of row left out (with how many, by message type when given)."""
    import numpy as np

    rows = np.asarray(mask, dtype=bool)
    n = int(rows.sum())
    if n:
        by_type = ""
        if kinds is not None:
            counts = kinds[rows].replace("", "（空白）").value_counts()
            by_type = "（" + "、".join(f"{k} {v:,} 列" for k, v in counts.items()) + "）"
        findings.append(Finding("message_log_skipped", f"略過 {n:,} 列{what}{by_type}：{why}", where, Severity.INFO))
    return n


def message_log_rows(raw: pd.DataFrame, name: str) -> StatusImport:
    """The raw export rows (index = file row) → platform status rows, findings and counts."""
    import numpy as np
    import pandas as pd

    from ..mig.results import CANCEL_MESSAGES, ISSUE_MESSAGES, VOID_MESSAGES
    from .status import StatusImport, count_states

    findings: list[Finding] = []
    where = Location(file=name)
    ident = _text(raw, "INVOICE_IDENTIFIER")
    parts = ident.str.extract(r"^([A-Z]\d{4})([A-Z]{2}\d{8})(\d{8})?")
    mtype = _text(raw, "MESSAGE_TYPE")
    mtype = mtype.where(mtype != "", parts[0].fillna(""))
    status = _text(raw, "STATUS")
    inbound = _text(raw, "IN_OUT_BOUND").str.startswith("I").to_numpy(dtype=bool)
    issue, cancel, void = (mtype.isin(sorted(kinds)).to_numpy(dtype=bool)
                           for kinds in (ISSUE_MESSAGES, CANCEL_MESSAGES, VOID_MESSAGES))
    invoice_message = issue | cancel | void
    letter = status.str[:1].to_numpy(dtype=object)
    done, pend, blank = np.isin(letter, ["C", "G"]), letter == "P", letter == ""
    state = np.full(len(raw), None, dtype=object)
    state[invoice_message & ~done & ~pend & ~blank] = PlatformState.FAILED.value
    state[invoice_message & pend] = PlatformState.PENDING.value
    state[issue & done] = PlatformState.ON_PLATFORM.value
    state[cancel & done] = PlatformState.CANCELLED.value
    number = parts[1]
    has_number = number.notna().to_numpy()
    usable = has_number & invoice_message & ~inbound & ~blank

    for row in raw.index[~has_number & invoice_message][:MAX_ROW_FINDINGS]:
        findings.append(Finding(
            "message_log_identifier",
            f"INVOICE_IDENTIFIER 應為訊息別＋發票號碼＋日期（讀到「{show_found(raw.at[row, 'INVOICE_IDENTIFIER'])}」）",
            where.with_row(int(row), "INVOICE_IDENTIFIER"), Severity.WARNING))
    other = _skipped(findings, where, ~invoice_message, "非發票訊息", "這些訊息不是單張發票的上傳狀態", mtype)
    inbound_n = _skipped(findings, where, invoice_message & inbound, "收到的訊息（IN_OUT_BOUND=I）",
                         "不是本公司上傳的發票", mtype)
    blank_n = _skipped(findings, where, invoice_message & ~inbound & has_number & blank, "狀態（STATUS）空白的訊息",
                       "Turnkey 尚未處理，請稍後重新匯出再匯入", mtype)

    day = pd.to_datetime(parts[2], format="%Y%m%d", errors="coerce")
    day = day.where((day >= pd.Timestamp.min) & (day <= pd.Timestamp.max))
    invoice_date = day.where(pd.Series(issue, index=raw.index))  # only F0401/C0401 carry the invoice date
    event = np.where(cancel, "作廢日期 ", np.where(void, "註銷日期 ", ""))
    note = pd.Series(event, index=raw.index, dtype="string") + day.dt.strftime("%Y/%m/%d").astype("string")
    note = note.where(pd.Series((cancel | void) & day.notna().to_numpy(), index=raw.index))
    action = np.where(void, " 註銷", "")  # a void's words say 註銷: read back, it has no state of its own
    upload = _parse_dts(raw["MESSAGE_DTS"]) if "MESSAGE_DTS" in raw.columns else pd.Series(pd.NaT, index=raw.index)
    keep = pd.Series(usable, index=raw.index)
    frame = pd.DataFrame({
        "發票號碼": number[keep],
        "狀態": pd.Series(state, index=raw.index)[keep],
        "發票日期": invoice_date[keep].dt.date,
        "上傳日期": upload[keep],
        "原始狀態": (mtype + pd.Series(action, index=raw.index) + " " + status)[keep].str.strip(),
        "說明": note[keep],
        "來源": name + " 第 " + pd.Series(raw.index, index=raw.index).astype(str)[keep] + " 列",
    }).reset_index(drop=True)
    frame = frame.astype(object).where(frame.notna(), None)
    counts = {"訊息紀錄": len(raw), "略過": int((~usable).sum()), "略過：非發票訊息": other,
              "略過：收到的訊息": inbound_n, "略過：狀態空白": blank_n, **count_states(frame)}
    return StatusImport(frame, name, findings, {k: v for k, v in counts.items() if v or not k.startswith("略過：")})


def read_message_log(path: Path) -> StatusImport:
    """A TURNKEY_MESSAGE_LOG export (CSV Big5/UTF-8 or xlsx) → platform status rows."""
    from .tabular import read_table_file

    return message_log_rows(read_table_file(path, MESSAGE_LOG_TABLE), path.name)
