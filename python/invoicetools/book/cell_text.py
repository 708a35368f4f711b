"""What a read of a table gives back, known from the values just written: the cache of an import.

An import has its rows in memory as columns the moment it writes them; the next step would
otherwise parse the 1M-row sheet it just wrote. This module says, column by column, the text
calamine (the file backend's reader) reads from the cells ``xlsx_columns`` writes — text as
written (a CR comes back as written: the writer stores it as ``_x000D_``), whole numbers as
digits, other numbers with 9 decimals at most, date-times in a date-formatted column as
``2024-01-05 13:45:00``, 是/否 for booleans — or that it cannot say (a column of mixed
objects, numbers in a date-formatted column, dates before 1900-03-01, a style calamine would
read otherwise), and then nothing is cached: the next read parses the sheet, as always.

Whether a column's style shows numbers as dates is asked of calamine itself: a one-row
workbook with the workbook's own ``styles.xml`` and one cell per style (:func:`date_styles`).
A property test writes random tables and compares this module's text with calamine's.

>>> import pandas as pd
>>> frame = pd.DataFrame({"t": ["a\\r\\nb", "", None], "n": [1050.0, 0.125, float("nan")],
...                       "d": pd.to_datetime(["2024-01-05 13:45:10", None, "2024-02-29"], format="mixed")})
>>> read_back(frame, [False, False, True]).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
{'t': ['a\\r\\nb', nan, nan], 'n': ['1050', '0.125', nan], 'd': ['2024-01-05 13:45:10', nan, '2024-02-29 00:00:00']}
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["date_styles", "read_back"]

_FIRST_DATE = "1900-03-01"  # before it, Excel's 1900 leap-year bug shifts serials by a day
_PROBE = 45662.5  # 2025-01-05 12:00
_PROBE_AS_DATE = "2025-01-05 12:00:00"
_PROBE_AS_NUMBER = "45662.5"


def _number_text(values: pd.Series) -> pd.Series | None:
    """Numbers as calamine gives them as text: whole ones as digits, others with at most 9 decimals."""
    import numpy as np
    import pandas as pd

    x = np.asarray(values.to_numpy(dtype="float64", na_value=np.nan), dtype=np.float64)
    blank = np.isnan(x)
    if (~blank & ~(np.abs(x) < 1e15)).any():
        return None  # what the writer does with 15 digits and more is not this module's to guess
    whole = ~blank & (x == np.trunc(x))
    text = pd.Series(pd.array(np.where(whole, x, 0).astype(np.int64), dtype="int64").astype("str"), dtype="str")
    part = ~blank & ~whole
    if part.any():  # the few amounts with decimals, one by one
        text[part] = [f"{v:.9f}".rstrip("0").rstrip(".") for v in x[part].tolist()]
    return text.where(~pd.Series(blank))


def _datetime_text(values: pd.Series) -> pd.Series | None:
    import numpy as np
    import pandas as pd

    stamps = pd.Series(values.to_numpy(dtype="datetime64[ns]")).dt.floor("s")  # the writer keeps whole seconds
    if (stamps.dropna() < pd.Timestamp(_FIRST_DATE)).any():
        return None
    text = pd.Series(np.asarray(stamps.dt.strftime("%Y-%m-%d %H:%M:%S")), dtype="str")
    return text.where(stamps.notna().to_numpy())


def _text(values: pd.Series) -> pd.Series:
    import pandas as pd

    text = values.astype("str")
    return text.where(text.notna() & (text != ""), other=pd.NA).astype("str")


def _column(values: pd.Series, as_date: bool | None) -> pd.Series | None:
    """One column's read-back text (NaN: no cell), or None when it cannot be told."""
    import pandas as pd

    values = values.reset_index(drop=True)
    if not values.notna().any():  # no cell at all, whatever the column's type and style
        return pd.Series([None] * len(values), dtype="str")
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return _text(values.map({True: "是", False: "否"}))
    if pd.api.types.is_datetime64_any_dtype(dtype) and getattr(dtype, "tz", None) is None:
        return _datetime_text(values) if as_date else None
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        return _number_text(values) if as_date is False else None
    if isinstance(dtype, pd.StringDtype):
        return _text(values)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):
        return _text(values)
    if kind == "date":
        return _datetime_text(pd.Series(pd.to_datetime(values))) if as_date else None
    return None


def read_back(frame: pd.DataFrame, as_date: Sequence[bool | None]) -> pd.DataFrame | None:
    """The text a read gives for each cell the writer makes of ``frame`` (columns positional).

    ``as_date``: per column, whether its style shows a number as a date (None: unknown). The
    index is kept; None when a column cannot be told.
    """
    import pandas as pd

    out: dict[object, pd.Series] = {}
    for j, name in enumerate(frame.columns):
        text = _column(frame.iloc[:, j], as_date[j])
        if text is None:
            return None
        out[name] = text.reset_index(drop=True)
    result = pd.DataFrame(out)
    result.index = frame.index
    return result


def _probe_book(styles_xml: bytes, styles: Sequence[int]) -> bytes:
    """A one-sheet workbook with ``styles_xml`` and one number cell per style."""
    from .layout import column_letter

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    cells = "".join(f'<c r="{column_letter(i + 1)}1" s="{s}"><v>{_PROBE}</v></c>' for i, s in enumerate(styles))
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Target="xl/workbook.xml" '
                        f'Type="{rel}/officeDocument"/></Relationships>'),
        "xl/workbook.xml": (f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                            '<sheet name="probe" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Target="worksheets/sheet1.xml" '
            f'Type="{rel}/worksheet"/><Relationship Id="rId2" Target="styles.xml" Type="{rel}/styles"/></Relationships>'),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{main}"><sheetData><row r="1">{cells}</row></sheetData></worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in parts.items():
            z.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + text)
        z.writestr("xl/styles.xml", styles_xml)
    return out.getvalue()


def date_styles(styles_xml: bytes, styles: Iterable[int | None]) -> dict[int | None, bool | None]:
    """For each style: does calamine read a number in it as a date (True), as a number (False), or otherwise (None)?"""
    import fastexcel

    wanted = sorted({s for s in styles if s is not None})
    out: dict[int | None, bool | None] = {None: False}  # no style: General
    if not wanted:
        return out
    try:
        book = fastexcel.read_excel(_probe_book(styles_xml, wanted))
        row = book.load_sheet("probe", header_row=None, dtypes="string").to_pandas().iloc[0].tolist()
    except Exception:
        return {**out, **dict.fromkeys(wanted)}
    for style, text in zip(wanted, row, strict=False):
        out[style] = True if text == _PROBE_AS_DATE else False if text == _PROBE_AS_NUMBER else None
    return out
