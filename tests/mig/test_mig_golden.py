"""Golden files: the exact bytes of E0402 (4.1, 4.0, 3.2) and E0401 (4.1) documents.

Each golden must validate against the shipped XSDs and byte-equal a fresh build. After an
intended change of the output, regenerate them with::

    python tests/mig/test_mig_golden.py

and review the diff.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from invoicetools.mig import e0401, e0402, schema

GOLDEN = Path(__file__).with_name("golden")

_E0402_RANGES = {
    "one_range": [(12345088, 12345099)],
    "many_ranges": [(12345017, 12345017), (12345030, 12345032), (12345088, 12345099), (12345150, 12345199)],
    "single_number": [(12345017, 12345017)],
}
_E0402_MAIN = {
    "4.1": {
        "head_ban": "12345675",
        "branch_ban": "12345675",
        "invoice_type": "07",
        "year_month": "11402",
        "track": "AB",
    },
    "4.0": {
        "head_ban": "12345675",
        "branch_ban": "04595257",
        "invoice_type": "07",
        "year_month": "11404",
        "track": "CD",
    },
    "3.2": {
        "head_ban": "04595257",
        "branch_ban": "04595257",
        "invoice_type": "08",
        "year_month": "11312",
        "track": "ZY",
    },
}

E0402_CASES: dict[str, dict[str, Any]] = {
    f"E0402_{version}_{shape}.xml": {**main, "ranges": ranges, "version": version}
    for version, main in _E0402_MAIN.items()
    for shape, ranges in _E0402_RANGES.items()
}
E0401_CASES: dict[str, dict[str, Any]] = {
    "E0401_4.1.xml": {
        "head_ban": "12345675",
        "branch_ban": "04595257",
        "invoice_type": "07",
        "year_month": "11402",
        "track": "AB",
        "begin": 12345000,
        "end": 12345999,
        "items": [(12345000, 12345049), (12345100, 12345299), (12345950, 12345999)],
        "version": "4.1",
    },
}


def _build(name: str) -> bytes:
    if name in E0402_CASES:
        return e0402.build(**E0402_CASES[name])
    return e0401.build(**E0401_CASES[name])


ALL = sorted([*E0402_CASES, *E0401_CASES])


def test_golden_set_is_complete() -> None:
    assert sorted(p.name for p in GOLDEN.glob("*.xml")) == ALL


@pytest.mark.parametrize("name", ALL)
def test_golden_validates_against_shipped_xsd(name: str) -> None:
    data = (GOLDEN / name).read_bytes()
    message, version = name.split("_")[:2]
    version = version.removesuffix(".xml")
    assert schema.validate(message, version, data) == []


@pytest.mark.parametrize("name", ALL)
def test_golden_equals_fresh_build(name: str) -> None:
    assert _build(name) == (GOLDEN / name).read_bytes()


@pytest.mark.parametrize("name", sorted(E0402_CASES))
def test_e0402_golden_parses_back(name: str) -> None:
    case = E0402_CASES[name]
    msg = e0402.parse((GOLDEN / name).read_bytes(), file=name)
    assert msg.ranges == tuple(case["ranges"])
    assert (msg.head_ban, msg.branch_ban, msg.invoice_type, msg.year_month, msg.track, msg.version) == (
        case["head_ban"],
        case["branch_ban"],
        case["invoice_type"],
        case["year_month"],
        case["track"],
        case["version"],
    )
    assert msg.to_xml() == (GOLDEN / name).read_bytes()


def test_e0401_golden_parses_back() -> None:
    case = E0401_CASES["E0401_4.1.xml"]
    msg = e0401.parse((GOLDEN / "E0401_4.1.xml").read_bytes())
    assert [(i.begin, i.end, i.booklets) for i in msg.items] == [
        (12345000, 12345049, 1),
        (12345100, 12345299, 4),
        (12345950, 12345999, 1),
    ]
    assert (msg.begin, msg.end, msg.branch_ban) == (case["begin"], case["end"], case["branch_ban"])
    assert msg.to_xml() == (GOLDEN / "E0401_4.1.xml").read_bytes()


def test_golden_bytes_are_plain() -> None:
    """UTF-8 declaration, LF only, one final newline, no BOM, default namespace only."""
    for name in ALL:
        data = (GOLDEN / name).read_bytes()
        assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        assert b"\r" not in data
        assert data.endswith(b">\n") and not data.endswith(b"\n\n")
        assert b"xmlns:" not in data


if __name__ == "__main__":  # regenerate
    GOLDEN.mkdir(exist_ok=True)
    for old in GOLDEN.glob("*.xml"):
        old.unlink()
    for name in ALL:
        (GOLDEN / name).write_bytes(_build(name))
        print(f"wrote {GOLDEN / name}", file=sys.stderr)
