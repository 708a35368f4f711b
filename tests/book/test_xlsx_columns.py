"""Whole-column cell XML (``xlsx_columns.rows_xml``) equals ``cell_xml`` of every value, row by row.

Property test over text with every awkward character (controls, U+FFFE, ``_xHHHH_``, spaces of
any kind at the edges, XML specials, formula starts, over-long text), numbers (huge, tiny,
negative zero, infinities) and date-times, in the dtypes imports hand the writer: pandas'
Arrow strings, object columns, nullable numbers, datetime64, date objects, booleans.
"""

from __future__ import annotations

import datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicetools.book.xlsx_cells import MAX_CELL_TEXT, cell_xml
from invoicetools.book.xlsx_columns import rows_xml
from invoicetools.book.xlsx_styles import QuoteStyles
from invoicetools.domain.errors import InputError

TWINS = (b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         b'<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="49"/></cellXfs></styleSheet>')
AWKWARD = st.sampled_from([" ", "\u3000", "\u00a0", "\u0085", "\u2028", "\t", "\r", "\n", "\x07", "\x1f", "\ufffe",
                           "_x0041_", "&", "<", ">", "=", "+", "-", "@", "中", "é", "a", "0", "_x", "\u200b"])
TEXT = st.one_of(st.none(), st.just(""), st.text(min_size=1, max_size=12), st.lists(AWKWARD, max_size=6).map("".join))
NUMBER = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=False), st.integers(-10**16, 10**16).map(float),
                   st.sampled_from([-0.0, 1e15, -1e15, 999999999999999.0, 5e-324]))
STAMP = st.one_of(st.none(), st.datetimes(datetime.datetime(1900, 3, 1), datetime.datetime(2200, 1, 1)))


def _xml(frame: pd.DataFrame, styles: list[int | None], quote: QuoteStyles | None = None, chunk: int = 7) -> str:
    return "".join(bytes(c).decode("utf-8") for c in rows_xml(frame, 5, ["A", "B", "C", "D"][: frame.shape[1]],
                                                              styles, chunk=chunk, quote=quote))


def _one_by_one(columns: list[list[object]], styles: list[int | None], quote: QuoteStyles | None = None) -> str:
    out = []
    for i, row in enumerate(zip(*columns, strict=True)):
        cells = "".join(cell_xml(f"{letter}{5 + i}", value, style, quote)
                        for letter, value, style in zip("ABCD", row, styles, strict=False))
        out.append(f'<row r="{5 + i}">{cells}</row>')
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXT, NUMBER, STAMP), min_size=1, max_size=30), st.sampled_from(["str", "string", "object"]),
       st.booleans())
def test_columns_write_what_cell_xml_writes(rows: list[tuple[str | None, float | None, datetime.datetime | None]],
                                            text_dtype: str, quoted: bool) -> None:
    texts, numbers, stamps = (list(c) for c in zip(*rows, strict=True))
    quote = QuoteStyles(TWINS) if quoted else None
    frame = pd.DataFrame({
        "t": pd.Series(texts, dtype=text_dtype),
        "n": pd.Series(numbers, dtype="Float64"),
        "d": pd.Series(pd.to_datetime(stamps), dtype="datetime64[ns]"),
        "o": pd.Series([s.date() if s is not None else None for s in stamps], dtype=object),
    })
    styles = [1, None, 3, 4]
    expected_numbers = [None if v is None or v != v else v for v in numbers]
    expected_stamps = [None if s is None else s.replace(microsecond=0) for s in stamps]
    expected_dates = [None if s is None else s.date() for s in stamps]
    expected = _one_by_one([texts, expected_numbers, expected_stamps, expected_dates], styles, quote)
    assert _xml(frame, styles, quote) == expected


def test_booleans_and_mixed_objects() -> None:
    frame = pd.DataFrame({"b": pd.Series([True, None, False], dtype="boolean"),
                          "m": pd.Series([1, "x", datetime.date(2024, 1, 5)], dtype=object)})
    assert _xml(frame, [2, None]) == _one_by_one([[True, None, False], [1, "x", datetime.date(2024, 1, 5)]], [2, None])


def test_text_longer_than_a_cell_is_refused_with_its_place() -> None:
    frame = pd.DataFrame({"t": pd.Series(["ok", "x" * (MAX_CELL_TEXT + 1)], dtype="string")})
    with pytest.raises(InputError, match="A6"):
        _xml(frame, [None])
