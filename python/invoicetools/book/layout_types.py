"""The words of the workbook layout: column kinds, sheet roles, and what a table, a parameter cell,
a button, a sheet and a button's action are. The declarations themselves are ``book.layout``.

>>> column_letter(1), column_letter(27)
('A', 'AA')
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Action", "Button", "Column", "Kind", "Param", "Role", "Sheet", "Table", "column_letter"]


class Kind(StrEnum):
    """Column and parameter types; each has one Excel number format."""

    TEXT = "text"  # free text, written as text
    ID = "id"  # identifiers: invoice numbers, UBN, codes, 8-digit numbers – text, leading zeros kept
    DATE = "date"
    DATETIME = "datetime"
    INT = "int"
    MONEY = "money"  # NT$ whole dollars
    BOOL = "bool"  # 是 / 否

    @property
    def number_format(self) -> str:
        return {
            Kind.TEXT: "@",
            Kind.ID: "@",
            Kind.DATE: "yyyy/mm/dd",
            Kind.DATETIME: "yyyy/mm/dd hh:mm",
            Kind.INT: "#,##0",
            Kind.MONEY: "#,##0",
            Kind.BOOL: "@",
        }[self]


class Role(StrEnum):
    SETTINGS = "settings"  # typed by the accountant, read by every step
    INPUT = "input"  # data in: imported or pasted; steps never modify it
    RESULT = "result"  # written whole by a step, replaced on rerun
    LOG = "log"  # appended by every run
    HIDDEN = "hidden"  # invoicetools.conf (xlwings settings)


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: float = 12
    required: bool = False
    aliases: tuple[str, ...] = ()  # other headers ERP exports use for the same column
    note: str = ""  # shown as the header's comment / in the docs
    choices: tuple[str, ...] = ()  # offered as a drop-down list; other text is still allowed


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # Excel table name, ASCII
    sheet: str
    header_row: int  # 1-based Excel row of the headers
    columns: tuple[Column, ...]
    first_col: int = 1  # 1-based
    keep_extra_columns: bool = False  # inputs keep columns the layout does not know

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    def column(self, header: str) -> Column:
        for col in self.columns:
            if col.header == header:
                return col
        raise KeyError(f"{self.name} has no column {header!r}")

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns if c.required)


@dataclass(frozen=True, slots=True)
class Param:
    """A labelled input cell above a sheet's table (label in column A, value in column B)."""

    key: str  # English key used in code
    label: str  # zh-TW label shown in column A
    row: int
    kind: Kind = Kind.TEXT
    default: str = ""
    note: str = ""
    choices: tuple[str, ...] = ()  # data-validation list

    @property
    def cell(self) -> str:
        return f"B{self.row}"

    @property
    def label_cell(self) -> str:
        return f"A{self.row}"


@dataclass(frozen=True, slots=True)
class Button:
    action: str  # key into ACTIONS
    caption: str  # zh-TW caption on the sheet button
    cell: str  # top-left anchor


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    role: Role
    title: str
    hint: str = ""  # row 2: what to do on this sheet
    table: Table | None = None
    params: tuple[Param, ...] = ()
    buttons: tuple[Button, ...] = ()
    status_row: int | None = None  # the row for the step's message (merged across the table width)
    landscape: bool = True
    tab_color: str = ""

    def param(self, key: str) -> Param:
        for p in self.params:
            if p.key == key:
                return p
        raise KeyError(f"{self.name} has no parameter {key!r}")

    @property
    def status_cell(self) -> str | None:
        return None if self.status_row is None else f"A{self.status_row}"


@dataclass(frozen=True, slots=True)
class Action:
    """A button: the same action on the ribbon, on a sheet and (mostly) on the command line."""

    key: str
    function: str  # function in invoicetools.excel
    vba_sub: str  # parameterless Sub in the VBA module InvoiceTools
    label: str  # zh-TW ribbon label
    group: str  # ribbon group label
    screentip: str
    image_mso: str
    keytip: str = ""
    supertip: str = ""
    cli: str = ""  # the equivalent command line, for docs and messages

    @property
    def python_command(self) -> str:
        return f"import invoicetools.excel as x; x.{self.function}()"


def column_letter(index: int) -> str:
    """1 → A, 27 → AA.

    >>> column_letter(1), column_letter(26), column_letter(27), column_letter(702)
    ('A', 'Z', 'AA', 'ZZ')
    """
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
