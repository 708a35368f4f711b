"""Typed errors and findings, each with the place it came from.

Two kinds of trouble, kept apart (as in beancount and datacompy):

* a :class:`Finding` is a *value*: a problem in the data that the accountant must look
  at (a bad row, a missing upload). Steps return them next to their results.
* an :class:`InvoiceToolsError` is raised when the program cannot go on: input that
  cannot be read at all, a refusal, a bad argument. It carries a zh-TW message, the
  :class:`Location` and the process exit code (2 for bad input/usage, 1 for refusals).

Every exception of the package is one of these (as httpx draws its tree)::

    InvoiceToolsError                 the program cannot go on (zh-TW message, place, exit code)
    ├── InputError                    input that cannot be read or used at all (exit 2)
    │   ├── ValidationError           an identifier is not valid
    │   │   ├── InvalidFormat
    │   │   │   └── InvalidLength
    │   │   ├── InvalidChecksum
    │   │   └── InvalidComponent
    │   ├── mig.safe_xml.UnsafeXmlError, mig.safe_xml.XmlSyntaxError, mig.schema.SchemaError
    │   └── …
    ├── RefusalError                  a step refuses to go on; --force REASON overrides (exit 1)
    ├── sources.providers.ProviderError  a value-added centre call failed (and its kinds)
    └── build.sources.BuildError      the add-in cannot be built

    KeyboardInterrupt
    └── InterruptedAfterCommit        Ctrl+C held until a step had committed: a signal, not an error

>>> loc = Location(file="tracks.csv", row=5, column="發票起號")
>>> str(loc)
'檔案 tracks.csv 第 5 列 欄位「發票起號」'
>>> str(Location(sheet="發票資料", row=12))
'工作表「發票資料」 第 12 列'
>>> err = InputError("起號必須是 8 位數字", where=loc, found="12AB")
>>> str(err)
'檔案 tracks.csv 第 5 列 欄位「發票起號」：起號必須是 8 位數字（讀到「12AB」）'
>>> err.exit_code
2
"""

from __future__ import annotations

import errno
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "ExitCode",
    "Finding",
    "InputError",
    "InterruptedAfterCommit",
    "InvalidChecksum",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidLength",
    "InvoiceToolsError",
    "Location",
    "RefusalError",
    "Severity",
    "ValidationError",
    "describe_os_error",
    "show_found",
]


class ExitCode:
    """Process exit codes used everywhere (CLI, batch)."""

    OK = 0
    FINDINGS = 1  # findings the accountant must act on, or a refusal
    BAD_INPUT = 2  # bad input or usage


@dataclass(frozen=True, slots=True)
class Location:
    """Where a value came from: a file or a sheet, a row (1-based, as Excel/editors show it), a column."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(f"檔案 {self.file}")
        if self.sheet:
            parts.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            parts.append(f"第 {self.row} 列")
        if self.column:
            parts.append(f"欄位「{self.column}」")
        return " ".join(parts)

    def with_row(self, row: int | None, column: str | None = None) -> Location:
        return Location(self.file, self.sheet, row, column if column is not None else self.column)


def show_found(value: object, limit: int = 40) -> str:
    """Render what was found for a message: shortened, never more than ``limit`` characters.

    >>> show_found("x" * 100)
    'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…（共 100 字）'
    >>> show_found(None)
    '（空白）'
    """
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return "（空白）"
    text = str(value)
    if len(text) > limit:
        return f"{text[:limit]}…（共 {len(text)} 字）"
    return text


_OS_ERRORS = {
    errno.ENOSPC: "磁碟空間不足",
    errno.EDQUOT: "超過磁碟配額",
    errno.EACCES: "沒有權限（檔案或資料夾可能是唯讀，或正被其他程式使用）",
    errno.EPERM: "沒有權限（檔案或資料夾可能是唯讀，或正被其他程式使用）",
    errno.EROFS: "磁碟是唯讀的",
    errno.ENOENT: "找不到檔案或資料夾",
    errno.EIO: "磁碟讀寫錯誤",
}


def describe_os_error(exc: OSError) -> str:
    """An operating-system error in zh-TW, with the system's own words after it for support.

    >>> describe_os_error(OSError(errno.ENOSPC, "No space left on device"))
    '磁碟空間不足（No space left on device）'
    >>> describe_os_error(OSError("something odd"))
    'something odd'
    """
    if getattr(exc, "winerror", None) in (32, 33):  # Windows: the file is open in another program
        return f"檔案正被其他程式使用（{exc.strerror}）"
    text = _OS_ERRORS.get(exc.errno) if exc.errno is not None else None
    detail = exc.strerror or str(exc)
    return f"{text}（{detail}）" if text else detail


class InvoiceToolsError(Exception):
    """The program cannot go on. ``message`` is zh-TW and shown to the accountant as is."""

    exit_code: int = ExitCode.BAD_INPUT

    def __init__(self, message: str, *, where: Location | None = None, found: object = ...) -> None:
        self.message = message
        self.where = where
        self.found = found
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.message
        if self.found is not ...:
            text += f"（讀到「{show_found(self.found)}」）"
        if self.where is not None and str(self.where):
            text = f"{self.where}：{text}"
        return text


class InputError(InvoiceToolsError):
    """Input that cannot be read or used at all: a missing header, an unreadable file, a bad argument."""


class RefusalError(InvoiceToolsError):
    """A step refuses to go on (for example: void while uploads are missing); ``--force REASON`` overrides
    it unless ``overridable`` is False (a filing that would be wrong whatever the reason)."""

    exit_code = ExitCode.FINDINGS

    def __init__(self, message: str, *, where: Location | None = None, found: object = ...,
                 overridable: bool = True) -> None:
        self.overridable = overridable
        super().__init__(message, where=where, found=found)


class ValidationError(InputError):
    """An identifier (invoice number, UBN, period …) is not valid. Subclasses say how."""

    default = "格式不正確"

    def __init__(self, message: str | None = None, *, where: Location | None = None, found: object = ...):
        super().__init__(message or self.default, where=where, found=found)


class InvalidFormat(ValidationError):
    """The value has the wrong form (letters where digits belong, a stray character …)."""

    default = "格式不正確"


class InvalidLength(InvalidFormat):
    """The value has the wrong number of characters."""

    default = "長度不正確"


class InvalidChecksum(ValidationError):
    """The check digit does not match (a UBN's weighted sum)."""

    default = "檢查碼不正確"


class InvalidComponent(ValidationError):
    """A part of the value is out of range (a month 13, a track letter that does not exist …)."""

    default = "內容不正確"


class InterruptedAfterCommit(KeyboardInterrupt):
    """Ctrl+C or ``kill`` arrived while a step was committing: it was held until the step was done."""


class Severity(StrEnum):
    ERROR = "錯誤"
    WARNING = "警告"
    INFO = "提示"


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem found in the data, with its place. ``code`` is a stable English key for tests and JSON."""

    code: str
    message: str
    where: Location = field(default_factory=Location)
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        place = str(self.where)
        return f"{place}：{self.message}" if place else self.message
