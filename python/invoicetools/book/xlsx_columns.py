"""A DataFrame as ``<row>`` XML, a whole column at a time (Arrow string kernels), in bounded chunks.

Each column is looked at once: text (Arrow strings, or an object column of ``str``), numbers,
date-times (datetime64, or an object column of dates), booleans (是/否). Its cells are then
built for a chunk of rows at once; the few values that need care (control characters,
``_xHHHH_``, spaces at an edge, text longer than a cell holds, numbers of 15 digits or more,
infinities) are written one by one by ``xlsx_cells.cell_xml``, whose output the column path
equals for every other value. A column of anything else (Decimals, mixed objects) is written
one value at a time. The XML of a chunk is handed on as the bytes of one Arrow buffer: no
Python string per cell or row.

>>> import pandas as pd
>>> frame = pd.DataFrame({"a": ["x&y", None, " edge"], "b": [1.0, 2.5, float("nan")],
...                       "c": pd.to_datetime(["2024-01-05", "2024-01-05 12:00", None], format="mixed")})
>>> xml = b"".join(bytes(c) for c in rows_xml(frame, 5, ["A", "B", "C"], [1, None, 3])).decode()
>>> print(xml.replace("</row>", "</row>\\n"))
<row r="5"><c r="A5" s="1" t="inlineStr"><is><t>x&amp;y</t></is></c><c r="B5"><v>1</v></c><c r="C5" s="3"><v>45296</v></c></row>
<row r="6"><c r="B6"><v>2.5</v></c><c r="C6" s="3"><v>45296.5</v></c></row>
<row r="7"><c r="A7" s="1" t="inlineStr"><is><t xml:space="preserve"> edge</t></is></c></row>
<BLANKLINE>
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..domain.dates import EXCEL_EPOCH
from .xlsx_cells import MAX_CELL_TEXT, Quote, cell_xml

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = ["rows_xml"]

_FORMULA_START = r"^[=+\-@]"  # with tab and CR (edge spaces above): ``xlwings_io.looks_like_formula``


@dataclass
class _Column:
    """One column, prepared once for every chunk."""

    kind: str  # "text" | "number" | "datetime" | "each" (every value through cell_xml)
    series: pd.Series  # the values as given (for the rows written one by one)
    style: int | None
    body: Any = None  # text: escaped Arrow strings; number/datetime: the <v> text (null = blank)
    blank: Any = None  # numpy bool: no cell at all
    careful: Any = None  # numpy bool: rows written by cell_xml
    formula: Any = None  # numpy bool: text rows that take the quote-prefixed twin style


def _text_array(series: pd.Series) -> Any:
    """The column as Arrow strings when it holds only text (and blanks), else None."""
    import pandas as pd
    import pyarrow as pa

    if isinstance(series.dtype, pd.StringDtype):
        return pa.array(series.array)
    if not pd.api.types.is_object_dtype(series.dtype) or pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
        return None
    return pa.array(series, type=pa.string(), from_pandas=True)


def _prepare_text(series: pd.Series, arr: Any, style: int | None, quote: Quote | None) -> _Column:
    """Text cells: the whole column's UTF-8 bytes are scanned once, and a kernel runs only for what is there."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.string():
        arr = arr.cast(pa.string())  # pandas keeps large strings; every cell kernel below works on one type
    n = len(arr)

    def mask(values: Any) -> npt.NDArray[np.bool_]:
        return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)

    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32, count=n + 1, offset=arr.offset * 4)
    data = (np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]:offsets[-1]] if arr.buffers()[2] is not None
            else np.zeros(0, dtype=np.uint8))
    lengths = np.diff(offsets)
    valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool) if arr.null_count else np.ones(n, bool)
    blank = ~valid | (lengths == 0)
    careful = mask(pc.not_equal(pc.utf8_trim_whitespace(arr), arr))  # spaces at an edge: xml:space
    if (data < 0x20).any() or (data == 0xEF).any():  # control characters, U+FFFE/U+FFFF (EF BF BE/BF)
        careful |= mask(pc.match_substring_regex(arr, r"[\x00-\x08\x0a-\x1f\x{fffe}\x{ffff}]"))
    if (data == ord("_")).any():
        careful |= mask(pc.match_substring_regex(arr, r"_x[0-9A-Fa-f]{4}_"))
    if lengths.max(initial=0) > MAX_CELL_TEXT:  # bytes ≥ characters: count characters only then
        careful |= mask(pc.greater(pc.utf8_length(arr), MAX_CELL_TEXT))
    body = arr
    if np.isin(data, np.frombuffer(b"&<>", dtype=np.uint8)).any():
        body = pc.replace_substring(pc.replace_substring(pc.replace_substring(arr, "&", "&amp;"), "<", "&lt;"),
                                    ">", "&gt;")
    formula = None
    if quote is not None:  # the first byte of each cell: = + - @
        first = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[np.minimum(offsets[:-1], max(int(offsets[-1]) - 1, 0))] \
            if len(data) else np.zeros(n, dtype=np.uint8)
        formula = ~blank & np.isin(first, np.frombuffer(b"=+-@", dtype=np.uint8))
    return _Column("text", series, style, body, blank, careful, formula)


def _prepare_number(series: pd.Series, style: int | None) -> _Column:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    values = np.asarray(series.to_numpy(dtype="float64", na_value=np.nan), dtype=np.float64)
    blank = np.isnan(values)
    careful = ~blank & ~(np.abs(values) < 1e15)  # 15 digits or more, and infinities (cell_xml refuses them)
    whole = ~blank & ~careful & (values == np.trunc(values))
    # whole numbers as integers (1e14 → 100000000000000, -0.0 → 0), others as their shortest repr
    body = pc.cast(pa.array(np.where(whole, values, 0).astype(np.int64)), pa.string())
    fraction = ~blank & ~careful & ~whole
    if fraction.any():
        body = pc.replace_with_mask(body, pa.array(fraction), pa.array([repr(v) for v in values[fraction].tolist()],
                                                                        type=pa.string()))
    return _Column("number", series, style, body, blank, careful)


def _prepare_datetime(series: pd.Series, style: int | None) -> _Column:
    """Excel serials: whole days, or the day fraction to whole seconds (as ``xlsx_cells.excel_serial``)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    values = series.to_numpy(dtype="datetime64[ns]")
    blank = np.isnat(values)
    # whole seconds since Excel's epoch (nanoseconds from 1899 overflow int64 after 2192)
    since = np.where(blank, 0, (values.astype("datetime64[s]") - np.datetime64(EXCEL_EPOCH, "s")).astype(np.int64))
    days = since // 86400
    seconds = since % 86400
    body = pc.cast(pa.array(days), pa.string())
    timed = seconds != 0
    if timed.any():
        fraction = np.round(days[timed] + seconds[timed] / 86400, 10).astype(str)
        body = pc.replace_with_mask(body, pa.array(timed), pa.array(fraction, type=pa.string()))
    body = pc.if_else(pa.array(blank), pa.scalar(None, pa.string()), body)
    return _Column("datetime", series, style, body, blank, np.zeros(len(values), dtype=bool))


def _prepare(series: pd.Series, style: int | None, quote: Quote | None) -> _Column:
    import pandas as pd

    dtype = series.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype) and getattr(dtype, "tz", None) is None:
        return _prepare_datetime(series, style)
    if pd.api.types.is_bool_dtype(dtype):
        words = series.map({True: "是", False: "否"}).astype("string")
        return _prepare_text(series, _text_array(words), style, None)
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        return _prepare_number(series, style)
    arr = _text_array(series)
    if arr is not None:
        return _prepare_text(series, arr, style, quote)
    if pd.api.types.is_object_dtype(dtype) and pd.api.types.infer_dtype(series, skipna=True) == "date":
        return _prepare_datetime(pd.Series(pd.to_datetime(series), index=series.index), style)
    return _Column("each", series, style)


def _cells(col: _Column, start: int, stop: int, letter: str, row_text: Any, rows: npt.NDArray[np.int64],
           quote: Quote | None) -> Any:
    """The cells of rows ``start:stop`` of one column as Arrow strings ('' = no cell)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    s = "" if col.style is None else f' s="{col.style}"'
    if col.kind == "each":
        values = col.series.iloc[start:stop].astype(object).where(col.series.iloc[start:stop].notna(), None).tolist()
        return pa.array([cell_xml(f"{letter}{r}", v, col.style, quote) for v, r in zip(values, rows.tolist(),
                                                                                     strict=True)], type=pa.string())
    body = col.body.slice(start, stop - start)
    if col.kind == "text":
        cells = pc.binary_join_element_wise(f'<c r="{letter}', row_text, f'"{s} t="inlineStr"><is><t>', body,
                                            "</t></is></c>", "")
        formula = col.formula[start:stop] if col.formula is not None else None
        if formula is not None and formula.any():  # Excel's quote prefix: the style's twin
            assert quote is not None
            quoted = pc.binary_join_element_wise(f'<c r="{letter}', row_text,
                                                 f'" s="{quote.get(col.style)}" t="inlineStr"><is><t>', body,
                                                 "</t></is></c>", "")
            cells = pc.if_else(pa.array(formula), quoted, cells)
    else:
        cells = pc.binary_join_element_wise(f'<c r="{letter}', row_text, f'"{s}><v>', body, "</v></c>", "")
    cells = pc.if_else(pa.array(col.blank[start:stop]), "", pc.fill_null(cells, ""))
    careful = col.careful[start:stop]
    if careful.any():
        at = np.flatnonzero(careful)
        one_by_one = [cell_xml(f"{letter}{rows[i]}", col.series.iat[start + int(i)], col.style, quote) for i in at]
        cells = pc.replace_with_mask(cells, pa.array(careful), pa.array(one_by_one, type=pa.string()))
    return cells


def rows_xml(
    frame: pd.DataFrame,
    first_row: int,
    letters: Sequence[str],
    styles: Sequence[int | None],
    *,
    chunk: int = 50_000,
    quote: Quote | None = None,
) -> Iterator[memoryview]:
    """Yield the UTF-8 ``<row>`` XML of a DataFrame, ``chunk`` rows at a time (memory stays bounded).

    The output equals ``cell_xml`` of every value, row by row (see the module docstring).
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(frame)
    columns = [_prepare(frame.iloc[:, j], styles[j], quote) for j in range(len(letters))]
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        rows = np.arange(first_row + start, first_row + stop, dtype=np.int64)
        row_text = pc.cast(pa.array(rows), pa.string())
        cells = [_cells(col, start, stop, letter, row_text, rows, quote)
                 for col, letter in zip(columns, letters, strict=True)]
        joined = pc.binary_join_element_wise('<row r="', row_text, '">', *cells, "</row>", "")
        if isinstance(joined, pa.ChunkedArray):
            joined = joined.combine_chunks()
        width = 8 if pa.types.is_large_string(joined.type) else 4
        offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64 if width == 8 else np.int32, count=len(joined) + 1,
                                offset=joined.offset * width)
        yield memoryview(joined.buffers()[2])[int(offsets[0]) : int(offsets[-1])]
