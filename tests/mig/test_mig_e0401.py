"""E0401 builder and reader: booklets, the head office range, versions, limits."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from invoicetools.domain.errors import InputError
from invoicetools.mig import e0401, schema

DATA = Path(__file__).with_name("data")
MAIN: dict[str, Any] = {
    "head_ban": "12345675",
    "branch_ban": "04595257",
    "invoice_type": "07",
    "year_month": "11402",
    "track": "AB",
    "begin": 12345000,
    "end": 12345999,
}


def build(items: object, **overrides: Any) -> bytes:
    return e0401.build(**{**MAIN, "items": items, **overrides})


@pytest.mark.parametrize("version", ["4.1", "4.0", "3.2"])
def test_every_version_builds_valid_and_round_trips(version: str) -> None:
    data = build([(12345000, 12345049), (12345500, 12345999)], version=version)
    assert f'xmlns="urn:GEINV:eInvoiceMessage:E0401:{version}"'.encode() in data
    assert schema.validate("E0401", version, data) == []
    msg = e0401.parse(data)
    assert msg.version == version
    assert [(i.begin, i.end, i.booklets) for i in msg.items] == [
        (12345000, 12345049, 1),
        (12345500, 12345999, 10),
    ]
    assert msg.to_xml() == data


def test_booklets_are_computed() -> None:
    msg = e0401.parse(build([(12345000, 12345999)]))
    assert msg.items[0].booklets == 20


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([(12345010, 12345049)], "第 1 組配號區間不是整本（50 張一本：起號尾數 00/50、迄號尾數 49/99）"),
        ([(12345000, 12345048)], "第 1 組配號區間不是整本"),
        ([(12344950, 12344999)], "第 1 組配號區間超出總公司配號範圍 AB12345000–AB12345999"),
        ([(12345950, 12346049)], "超出總公司配號範圍"),
        ([(12345000, 12345099), (12345050, 12345149)], "第 2 組配號區間與前一組重疊或未依號碼由小到大排列"),
        ([], "沒有分支機構配號區間"),
    ],
)
def test_bad_items(items: object, expected: str) -> None:
    with pytest.raises(InputError) as info:
        build(items)
    assert str(info.value).startswith("E0401 AB 11402：")
    assert expected in str(info.value)


def test_head_range_must_ascend() -> None:
    with pytest.raises(InputError, match="總公司配號起號大於迄號"):
        build([(12345000, 12345049)], begin=12345999, end=12345000)


def test_item_limit() -> None:
    items = [(i * 50, i * 50 + 49) for i in range(25_001)]
    with pytest.raises(InputError, match="分支機構配號區間超過 25,000 組"):
        build(items, begin=0, end=25_001 * 50 - 1)
    data = build(items[:25_000], begin=0, end=25_001 * 50 - 1)
    assert len(e0401.parse(data).items) == 25_000


def test_file_names() -> None:
    assert e0401.file_name(
        branch_ban="04595257", year_month="11402", track="AB", invoice_type="07", begin=12345000
    ) == ("E0401_04595257_11402_AB12345000_07.xml")
    assert e0401.parse(build([(12345000, 12345049)])).file_name == "E0401_04595257_11402_AB12345000_07.xml"


def test_unknown_version() -> None:
    with pytest.raises(InputError, match=re.escape("E0401 支援 3.2、4.0、4.1")):
        build([(12345000, 12345049)], version="5.0")


def test_synthetic_sample_reads() -> None:
    msg = e0401.read(DATA / "synthetic" / "E0401_4.1_SYNTHETIC.xml")
    assert (msg.head_ban, msg.branch_ban, msg.begin, msg.end) == ("12345675", "87654321", 12345000, 12345099)
    assert msg.items == (e0401.BranchTrackItem(12345050, 12345099, 1),)


def test_mislabelled_sample_is_refused() -> None:
    path = DATA / "samples" / "invalid" / "E0401_4.0_Waynelin1204_65330715_11408_mislabelled.xml"
    with pytest.raises(schema.SchemaError) as info:
        e0401.read(path)
    assert str(path) in str(info.value)
    assert "應為 <BranchTrack>（分支機構配號檔）" in str(info.value)
