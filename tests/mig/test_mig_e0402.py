"""E0402 builder and reader: input rules, limits, round trips (property-based)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from invoicetools.domain.errors import InputError, ValidationError
from invoicetools.mig import e0402, schema

MAIN: dict[str, Any] = {
    "head_ban": "12345675",
    "branch_ban": "12345675",
    "invoice_type": "07",
    "year_month": "11402",
    "track": "AB",
}


def build(ranges: object, **overrides: Any) -> bytes:
    return e0402.build(**{**MAIN, "ranges": ranges, **overrides})


# --- limits --------------------------------------------------------------------------------------


def test_ten_thousand_ranges_fit() -> None:
    ranges = [(i * 10, i * 10 + 4) for i in range(10_000)]
    msg = e0402.parse(build(ranges))
    assert len(msg.ranges) == 10_000 and msg.ranges[-1] == (99_990, 99_994)


def test_ten_thousand_and_one_ranges_are_refused() -> None:
    ranges = [(i * 10, i * 10 + 4) for i in range(10_001)]
    with pytest.raises(InputError) as info:
        build(ranges)
    assert "單一字軌空白區間超過 10,000 組" in str(info.value)
    assert "10,001 組" in str(info.value)


def test_no_ranges_is_refused() -> None:
    with pytest.raises(InputError, match="沒有空白區間"):
        build([])


# --- range rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ranges", "expected"),
    [
        ([(12, 11)], "第 1 組空白區間的起號大於迄號（讀到「AB00000012–AB00000011」）"),
        ([(1, 5), (5, 9)], "第 2 組空白區間與前一組重疊或未依號碼由小到大排列（前一組迄號 AB00000005）"),
        ([(10, 19), (1, 5)], "第 2 組空白區間與前一組重疊或未依號碼由小到大排列"),
        ([(-1, 5)], "第 1 組空白區間的起號應為 0 到 99999999 的整數（8 位數字）（讀到「-1」）"),
        ([(1, 100_000_000)], "第 1 組空白區間的迄號應為 0 到 99999999 的整數"),
        ([(1.0, 5)], "第 1 組空白區間的起號應為 0 到 99999999 的整數"),
        ([("00000001", 5)], "第 1 組空白區間的起號應為"),
        ([(True, 5)], "第 1 組空白區間的起號應為"),
        ([(1, 2, 3)], "第 1 組空白區間應為（起號, 迄號）兩個整數"),
        (["ab"], "第 1 組空白區間應為（起號, 迄號）兩個整數"),
    ],
)
def test_bad_ranges(ranges: object, expected: str) -> None:
    with pytest.raises(InputError) as info:
        build(ranges)
    assert str(info.value).startswith("E0402 AB 11402：")
    assert expected in str(info.value)


def test_touching_ranges_are_kept_apart() -> None:
    assert e0402.parse(build([(1, 5), (6, 9)])).ranges == ((1, 5), (6, 9))


def test_numpy_integers_and_arrays() -> None:
    begins = np.array([12345017, 12345088], dtype=np.int64)
    ends = np.array([12345017, 12345099], dtype=np.int64)
    assert build(zip(begins, ends, strict=True)) == build([(12345017, 12345017), (12345088, 12345099)])
    assert build(np.column_stack([begins, ends])) == build([(12345017, 12345017), (12345088, 12345099)])


def test_a_generator_is_fine() -> None:
    assert e0402.parse(build((b, b + 2) for b in range(0, 30, 10))).ranges == ((0, 2), (10, 12), (20, 22))


# --- main fields -------------------------------------------------------------------------------


def test_inputs_are_normalised() -> None:
    canonical = build([(1, 2)])
    assert (
        build([(1, 2)], invoice_type=7, track="ａｂ", year_month="114/01 ~ 114/02", head_ban=12345675)
        == canonical
    )
    assert build([(1, 2)], version="v41") == canonical


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("head_ban", "12345678", "總公司統一編號：統一編號檢查碼不正確"),
        ("branch_ban", "1234567", "分支機構統一編號：統一編號應為 8 位數字"),
        ("invoice_type", "05", "發票類別應為 07（一般稅額）或 08（特種稅額）"),
        ("year_month", "11401", "申報年月的月份應為期別結束的雙月"),
        ("track", "A1", "發票字軌：字軌應為 2 個英文字母"),
    ],
)
def test_bad_main_fields(field: str, value: object, expected: str) -> None:
    with pytest.raises(ValidationError) as info:
        build([(1, 2)], **{field: value})
    assert expected in str(info.value)


def test_unknown_version() -> None:
    with pytest.raises(InputError, match=re.escape("MIG 版本「3.1」不支援：E0402 支援 3.2、4.0、4.1")):
        build([(1, 2)], version="3.1")


def test_every_build_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str, str]] = []
    real = schema.assert_valid

    def spy(message: str, version: object, xml: Any, *, file: str = "", show: int = 5) -> Any:
        calls.append((message, str(version), file))
        return real(message, version, xml, file=file, show=show)

    monkeypatch.setattr(schema, "assert_valid", spy)
    build([(1, 2)], version="3.2")
    assert calls == [("E0402", "3.2", "E0402_12345675_11402_AB_07.xml")]


def test_output_is_deterministic_ascii() -> None:
    a = build([(1, 2), (10, 20)])
    b = build([(1, 2), (10, 20)])
    assert a == b
    a.decode("ascii")
    assert e0402.BranchTrackBlank(**MAIN, ranges=((1, 2), (10, 20))).to_xml() == a


# --- names and the dataclass -----------------------------------------------------------------------


def test_file_names() -> None:
    assert e0402.file_name(branch_ban="04595257", year_month="11312", track="ZY", invoice_type="08") == (
        "E0402_04595257_11312_ZY_08.xml"
    )
    msg = e0402.parse(build([(1, 2), (10, 20)]))
    assert msg.file_name == "E0402_12345675_11402_AB_07.xml"
    assert msg.blank_count == 2 + 11


def test_parse_detects_the_version() -> None:
    for version in ("3.2", "4.0", "4.1"):
        assert e0402.parse(build([(1, 2)], version=version)).version == version


def test_parse_refuses_other_messages() -> None:
    data = build([(1, 2)]).replace(b"E0402:4.1", b"E0401:4.1")
    with pytest.raises(
        schema.SchemaError,
        match=re.escape(
            "的命名空間為「urn:GEINV:eInvoiceMessage:E0401:4.1」（E0401 4.1 分支機構配號檔），應為"
        ),
    ):
        e0402.parse(data, file="x.xml")


def test_parse_sample_with_unaligned_begin() -> None:
    from pathlib import Path

    path = Path(__file__).with_name("data") / "samples" / "E0402_4.1_Waynelin1204_65330715_11408.xml"
    msg = e0402.read(path)
    assert msg.ranges == ((35, 1499),)
    assert (msg.head_ban, msg.year_month, msg.track) == ("65330715", "11408", "AB")
    assert msg.source is not None and msg.source.file == str(path)


# --- property: any sorted, disjoint list of ranges round-trips -----------------------------------


@st.composite
def range_lists(draw: st.DrawFn) -> list[tuple[int, int]]:
    """1..200 sorted, disjoint (possibly touching) ranges inside 0..99,999,999."""
    steps = draw(
        st.lists(
            st.tuples(st.integers(0, 200_000), st.integers(0, 200_000)),  # (gap before, length - 1)
            min_size=1,
            max_size=200,
        )
    )
    start = draw(st.integers(0, 99_999_999 - 200 * 400_001))
    out: list[tuple[int, int]] = []
    position = start
    for gap, extra in steps:
        begin = position + gap
        end = begin + extra
        out.append((begin, end))
        position = end + 1
    return out


@settings(max_examples=150, deadline=None)
@given(
    ranges=range_lists(),
    version=st.sampled_from(["4.1", "4.0", "3.2"]),
    invoice_type=st.sampled_from(["07", "08"]),
    track=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
)
def test_any_sorted_disjoint_ranges_round_trip(
    ranges: list[tuple[int, int]], version: str, invoice_type: str, track: str
) -> None:
    data = build(ranges, version=version, invoice_type=invoice_type, track=track)
    assert schema.validate("E0402", version, data) == []
    msg = e0402.parse(data)
    assert list(msg.ranges) == ranges
    assert (msg.version, msg.invoice_type, msg.track) == (version, invoice_type, track)


@settings(max_examples=50, deadline=None)
@given(ranges=range_lists().filter(lambda r: len(r) >= 2), data=st.data())
def test_any_swap_is_refused(ranges: list[tuple[int, int]], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(ranges) - 2))
    swapped = [*ranges[:i], ranges[i + 1], ranges[i], *ranges[i + 2 :]]
    with pytest.raises(InputError, match=f"第 {i + 2} 組空白區間與前一組重疊或未依號碼由小到大排列"):
        build(swapped)


def test_extreme_numbers() -> None:
    assert e0402.parse(build([(0, 0), (99_999_999, 99_999_999)])).ranges == ((0, 0), (99_999_999, 99_999_999))
