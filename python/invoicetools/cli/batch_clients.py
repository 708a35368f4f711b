"""``invoicetools batch``, which files of the folder are clients.

A client workbook is one with the InvoiceTools layout: a 設定 sheet whose settings table
(項目, 設定值) is there, whatever the file is called. Everything else in the folder is skipped
and listed with the reason — the batch's own summary workbooks (批次結果_….xlsx, so a second
run does not take the first one's summary for a client), ERP exports, PDFs, old .xls files,
subfolders. A file that claims to be a workbook (.xlsm/.xlsx) but cannot be opened at all is
not skipped: it may be a client's damaged workbook, so it is a client whose run fails (錯誤).
Lock files and our own hidden files (``~$…``, ``.~lock.…#``, ``.~invoicetools-…``) are not the
accountant's files and are passed over without a word.

>>> is_hidden(Path("~$客戶A.xlsm")), is_hidden(Path(".~invoicetools-客戶A.xlsm.lock")), is_hidden(Path("客戶A.xlsm"))
(True, True, False)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..book import layout
from ..domain.errors import InputError, describe_os_error

__all__ = ["SUMMARY_SHEET", "WORKBOOK_SUFFIXES", "Skipped", "find_clients", "is_hidden", "skip_reason"]

SUMMARY_SHEET = "批次結果"  # the sheet of the summary workbook ``write_summary`` writes
WORKBOOK_SUFFIXES = (".xlsm", ".xlsx")
_OTHER_EXCEL = (".xls", ".xlsb", ".ods", ".xltx", ".xltm")
_HEADER_ROWS = 30  # the settings table's header is looked for in the first rows, as readers do


@dataclass(frozen=True)
class Skipped:
    """A file or folder of the batch folder that is not a client, and why."""

    path: Path
    reason: str


def is_hidden(path: Path) -> bool:
    """Lock files and hidden files (Excel's ``~$…``, LibreOffice's ``.~lock.…#``, ours, dotfiles)."""
    return path.name.startswith(("~$", "."))


def _has_settings_table(cells: dict[tuple[int, int], str]) -> bool:
    table = layout.table("設定")
    rows: dict[int, set[str]] = {}
    for (row, _), value in cells.items():
        rows.setdefault(row, set()).add(value.strip())
    return any(set(table.required) <= values for values in rows.values())


def skip_reason(path: Path) -> str | None:
    """``None`` when ``path`` is a client workbook; else why it is skipped.

    Raises ``InputError`` when a .xlsm/.xlsx file cannot be opened at all (a damaged client)."""
    from ..book.xlsx_package import Package

    if path.is_dir():
        return "資料夾（批次只處理這個資料夾裡的活頁簿，不含子資料夾）"
    suffix = path.suffix.lower()
    if suffix in _OTHER_EXCEL:
        return f"{suffix} 檔：InvoiceTools 活頁簿是 .xlsm（或 .xlsx）；請用 invoicetools new 建立"
    if suffix not in WORKBOOK_SUFFIXES:
        return "不是 Excel 活頁簿"
    package = Package(path)
    try:
        sheets = package.sheet_parts
        if SUMMARY_SHEET in sheets and "設定" not in sheets:
            return "批次彙總活頁簿（批次執行的結果，不是客戶）"
        if "設定" not in sheets:
            return "不是 InvoiceTools 活頁簿（沒有[設定]工作表）"
        if not _has_settings_table(package.top_cells(sheets["設定"], _HEADER_ROWS)):
            return "不是 InvoiceTools 活頁簿（[設定]工作表沒有「項目」「設定值」表格）"
        return None
    finally:
        package.close()


def find_clients(folder: Path) -> tuple[list[Path], list[Skipped], dict[Path, str]]:
    """The client workbooks of ``folder`` (sorted by name), what was skipped, and the .xlsm/.xlsx
    files that could not be opened (path → message: clients whose run fails)."""
    clients: list[Path] = []
    skipped: list[Skipped] = []
    broken: dict[Path, str] = {}
    for path in sorted(folder.iterdir()):
        if is_hidden(path):
            continue
        try:
            reason = skip_reason(path)
        except InputError as exc:
            clients.append(path)
            broken[path] = str(exc)
            continue
        except OSError as exc:  # unreadable (permissions): a client we cannot tell, reported
            clients.append(path)
            broken[path] = f"無法開啟活頁簿：{describe_os_error(exc)}"
            continue
        if reason is None:
            clients.append(path)
        else:
            skipped.append(Skipped(path, reason))
    return clients, skipped, broken
