"""Reading allocation sources: MOF CSV (Big5/UTF-8, BOM or not), xlsx, E0501 (3.2/4.0/4.1, bare/envelope, folders).

Every kind of bad row gives a finding that names the file, the row and the column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from trackdata import (
    ALLOCATION,
    COMPANY,
    MOF_HEADER,
    Range,
    e0501_bare,
    e0501_envelope,
    mof_rows,
    write_csv,
    write_mof_csv,
    write_xlsx,
)

from invoicetools.domain.errors import Location, Severity
from invoicetools.sources.mof_tracks import is_xml, read_sources
from invoicetools.steps.tracks import TRACK_HEADERS, parse_track_rows

KEY_COLUMNS = ["營業人統編", "發票類別代號", "發票類別", "發票期別", "發票字軌名稱", "發票起號", "發票迄號", "申報年月", "組數"]


def parsed(paths: list[Path]) -> tuple[pd.DataFrame, list]:
    read = read_sources(paths)
    frames, findings = [], list(read.findings)
    for src in read.sources:
        rows, f = parse_track_rows(src.frame, src.where, source=src.name)
        frames.append(rows)
        findings += f
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(TRACK_HEADERS))
    return frame, findings


def expected_rows() -> list[list[object]]:
    return [
        [r.ban, r.invoice_type, {"07": "一般稅額計算", "08": "特種稅額計算"}[r.invoice_type], r.label, r.track,
         f"{r.begin:08d}", f"{r.end:08d}", r.period, r.booklets]
        for r in ALLOCATION
    ]


def key_rows(frame: pd.DataFrame) -> list[list[object]]:
    return frame.sort_values(["發票字軌名稱"])[KEY_COLUMNS].values.tolist()


@pytest.mark.parametrize("encoding", ["cp950", "big5", "utf-8", "utf-8-sig", "utf-8-sig-manual"])
@pytest.mark.parametrize("short_type", [True, False])
@pytest.mark.parametrize("spaces", [True, False])
def test_mof_csv_encodings_type_codes_and_period_forms(
    tmp_path: Path, encoding: str, short_type: bool, spaces: bool
) -> None:
    path = write_mof_csv(tmp_path / "invnoapply.csv", encoding=encoding, short_type=short_type, spaces=spaces)
    frame, findings = parsed([path])
    assert findings == []
    assert key_rows(frame) == expected_rows()
    assert set(frame["來源"]) == {"invnoapply.csv"}
    assert frame["_where"].iloc[0] == Location(file="invnoapply.csv", row=2)


def test_mof_csv_with_machine_column_lf_and_reordered_columns(tmp_path: Path) -> None:
    header = ["發票字軌名稱", "發票起號", "發票迄號", "營業人統編", "發票類別代號", "發票類別", "發票期別", "機台號碼"]
    rows = [[r[4], r[5], r[6], r[0], r[1], r[2], r[3], "POS01"] for r in mof_rows(ALLOCATION)]
    path = write_csv(tmp_path / "x.csv", rows, header=header, encoding="utf-8", newline="\n")
    frame, findings = parsed([path])
    assert findings == []
    assert key_rows(frame) == expected_rows()
    assert set(frame["機台號碼"]) == {"POS01"}


def test_mof_xlsx_with_title_rows_and_numbers(tmp_path: Path) -> None:
    """The same data saved as xlsx: a title above the header; numbers that lost their zeros."""
    rows: list[list[object]] = []
    for r in ALLOCATION:
        rows.append([r.ban, int(r.invoice_type), "", r.label, r.track, r.begin, r.end])
    path = write_xlsx(tmp_path / "配號.xlsx", MOF_HEADER, rows, title="電子發票配號結果")
    frame, findings = parsed([path])
    assert findings == []
    assert key_rows(frame) == expected_rows()
    assert frame.loc[frame["發票字軌名稱"] == "KC", "_where"].iloc[0].row == 6  # Excel row


@pytest.mark.parametrize("version", ["3.2", "4.0", "4.1"])
def test_e0501_bare_and_envelope_every_version(tmp_path: Path, version: str) -> None:
    bare = []
    for i, r in enumerate(ALLOCATION):
        p = tmp_path / f"bare{i}.xml"
        p.write_bytes(e0501_bare(r, version))
        bare.append(p)
    frame, findings = parsed(bare)
    assert findings == []
    assert key_rows(frame) == expected_rows()
    if version != "4.1":
        return  # Turnkey's 4.1 envelope carries 4.1 messages only (its XSD says so)
    env = tmp_path / "envelope.xml"
    env.write_bytes(e0501_envelope(ALLOCATION, version))
    frame, findings = parsed([env])
    assert findings == []
    assert key_rows(frame) == expected_rows()
    assert [w.row for w in frame["_where"]] == [8, 17, 26]  # the line of each InvoiceAssignNo


def test_turnkey_folder_walked_recursively_with_copies_and_other_messages(tmp_path: Path) -> None:
    root = tmp_path / "EINVTurnkey" / "DownCast"
    (root / "E0501" / "BAK").mkdir(parents=True)
    (root / "other").mkdir()
    (root / "E0501" / "file-without-extension").write_bytes(e0501_envelope(ALLOCATION[:2]))
    (root / "E0501" / "BAK" / "copy.xml").write_bytes(e0501_envelope(ALLOCATION[:2]))  # Turnkey keeps copies
    (root / "other" / "kc.xml").write_bytes(e0501_bare(ALLOCATION[2], "4.0"))
    (root / "other" / "note.txt").write_text("not an allocation")
    (root / "other" / "F0401.xml").write_text('<?xml version="1.0"?><Invoice xmlns="urn:GEINV:eInvoiceMessage:F0401:4.1"/>')
    read = read_sources([tmp_path / "EINVTurnkey"])
    assert read.findings == []
    assert read.e0501_duplicates == 2
    frame, _ = parsed([tmp_path / "EINVTurnkey"])
    assert key_rows(frame) == expected_rows()


def test_empty_folder_and_missing_path_are_findings(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    read = read_sources([tmp_path / "empty", tmp_path / "nowhere.csv"])
    assert [f.code for f in read.findings] == ["track_no_e0501", "track_file"]
    assert all(f.severity is Severity.ERROR for f in read.findings)


def test_unreadable_files_are_findings_with_the_place(tmp_path: Path) -> None:
    no_header = tmp_path / "wrong.csv"
    no_header.write_text("營業人統編,發票字軌名稱,備註\n12345675,KA,x\n", encoding="utf-8")
    broken = tmp_path / "broken.xml"
    broken.write_text("<InvoiceAssignNo", encoding="utf-8")
    unaligned = tmp_path / "unaligned.xml"
    unaligned.write_bytes(e0501_bare(Range("KA", 10, 59)))
    read = read_sources([no_header, broken])
    codes = [f.code for f in read.findings]
    assert codes[0] == "track_file" and "缺少必要欄位「發票類別代號、發票期別、發票起號、發票迄號」" in read.findings[0].message
    assert read.findings[0].where.file == "wrong.csv"
    assert codes[1:] == ["e0501_unreadable"]
    assert all(f.where.file for f in read.findings)
    # an E0501 range that is not whole booklets: the row check names the file and the line
    _frame, findings = parsed([unaligned])
    assert [(f.code, f.where.row, f.where.column) for f in findings] == [("track_alignment", 2, "發票起號")]


def test_is_xml_by_name_or_content(tmp_path: Path) -> None:
    a = tmp_path / "noext"
    a.write_bytes(b"\xef\xbb\xbf  <?xml version='1.0'?><x/>")
    b = tmp_path / "data.csv"
    b.write_bytes(b"<not xml but csv")
    assert is_xml(a) and not is_xml(b) and is_xml(tmp_path / "x.XML")


BAD_ROWS = [
    # (row values, expected code, expected column)
    (["12345678", "7", "一般稅額計算", "114/01 ~ 114/02", "KA", "00000000", "00000049"], "track_ubn", "營業人統編"),
    (["", "7", "一般稅額計算", "114/01 ~ 114/02", "KA", "00000000", "00000049"], "track_ubn", "營業人統編"),
    ([COMPANY, "5", "一般稅額計算", "114/01 ~ 114/02", "KA", "00000000", "00000049"], "track_type", "發票類別代號"),
    ([COMPANY, "7", "一般稅額計算", "114/02 ~ 114/03", "KA", "00000000", "00000049"], "track_period", "發票期別"),
    ([COMPANY, "7", "一般稅額計算", "114/13", "KA", "00000000", "00000049"], "track_period", "發票期別"),
    ([COMPANY, "7", "一般稅額計算", "", "KA", "00000000", "00000049"], "track_period", "發票期別"),
    ([COMPANY, "7", "一般稅額計算", "114/01 ~ 114/02", "K1", "00000000", "00000049"], "track_track", "發票字軌名稱"),
    ([COMPANY, "7", "一般稅額計算", "114/01 ~ 114/02", "KA", "0000x000", "00000049"], "track_number", "發票起號"),
    ([COMPANY, "7", "一般稅額計算", "114/01 ~ 114/02", "KA", "00000000", "123456789"], "track_number", "發票迄號"),
    ([COMPANY, "7", "一般稅額計算", "114/01 ~ 114/02", "KA", "00000100", "00000049"], "track_order", "發票迄號"),
    ([COMPANY, "7", "一般稅額計算", "114/01 ~ 114/02", "KA", "00000010", "00000059"], "track_alignment", "發票起號"),
    ([COMPANY, "7", "一般稅額計算", "114/01 ~ 114/02", "KA", "00000000", "00000048"], "track_alignment", "發票迄號"),
]


@pytest.mark.parametrize(("values", "code", "column"), BAD_ROWS, ids=[f"{c}-{i}" for i, (_, c, _) in enumerate(BAD_ROWS)])
def test_each_kind_of_bad_row_gives_a_finding_with_its_row(tmp_path: Path, values: list[str], code: str,
                                                           column: str) -> None:
    good = mof_rows(ALLOCATION[:1])[0]
    path = write_csv(tmp_path / "bad.csv", [good, values, [*good[:4], "KB", "00000000", "00000049"]])
    frame, findings = parsed([path])
    assert [(f.code, f.where.file, f.where.row, f.where.column) for f in findings] == [(code, "bad.csv", 3, column)]
    assert findings[0].severity is Severity.ERROR
    assert "第 3 列" in str(findings[0])
    assert len(frame) == 2  # the bad row is left out; the others are read


def test_full_invoice_numbers_and_full_width_text_are_accepted(tmp_path: Path) -> None:
    rows = [["１２３４５６７５", "０７", "一般稅額計算", "114/01～114/02", "ｋａ", "KA00000050", "KA00000099"]]
    frame, findings = parsed([write_csv(tmp_path / "fw.csv", rows, encoding="utf-8")])
    assert findings == []
    assert frame[["營業人統編", "發票類別代號", "發票字軌名稱", "發票起號", "發票迄號"]].values.tolist() == [
        [COMPANY, "07", "KA", "00000050", "00000099"]]
