"""MS-OVBA compression and the CFB writer, checked against independent readers (oletools, olefile)."""

from __future__ import annotations

import io
import os
import zipfile

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import decompress_stream

from invoicetools.build import cfb
from invoicetools.build import sources as S
from invoicetools.build.ovba_compression import CHUNK, compress, decompress

# [MS-OVBA] 3.2.3: the specification's example, compressed by Office.
SPEC_TEXT = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
SPEC_COMPRESSED = bytes.fromhex(
    "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 30 6D 6E 6F 70"
    " 06 71 02 70 04 10 72 73 74 75 76 10 77 78 79 7A 00 3C"
)


def oletools_decompress(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(data)))


def test_spec_example_decompresses() -> None:
    assert decompress(SPEC_COMPRESSED) == SPEC_TEXT
    assert oletools_decompress(compress(SPEC_TEXT)) == SPEC_TEXT


@pytest.mark.parametrize("name", ["xlwings.bas", "xlwings_custom_addin.bas", "addin/Dictionary.cls"])
def test_xlwings_sources_round_trip(name: str) -> None:
    # the sizes where ms-ovba-compression 1.0.1 silently corrupts its output (> ~590 bytes)
    data = (S.xlwings_dir() / name).read_bytes()
    packed = compress(data)
    assert len(packed) < len(data) // 2
    assert oletools_decompress(packed) == data
    assert decompress(packed) == data


@pytest.mark.parametrize("size", [0, 1, 2, 3, 17, 4095, 4096, 4097, 8192, 3 * 4096 + 5])
def test_sizes_and_chunk_boundaries(size: int) -> None:
    data = (b'Public Sub X()\r\n    RunStep "abc"\r\nEnd Sub\r\n' * 400)[:size]
    assert oletools_decompress(compress(data)) == data


def test_incompressible_full_chunks_are_stored_raw() -> None:
    data = os.urandom(2 * CHUNK)
    packed = compress(data)
    assert len(packed) == 1 + 2 * (2 + CHUNK)
    assert oletools_decompress(packed) == data


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=9000) | st.text(alphabet="ab \r\n\"'x", max_size=9000).map(str.encode))
def test_round_trip_property(data: bytes) -> None:
    try:
        packed = compress(data)
    except ValueError:
        return  # an incompressible short final chunk (random bytes only) is refused, never corrupted
    assert oletools_decompress(packed) == data


def _template_streams(path: os.PathLike[str]) -> tuple[bytes, dict[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        blob = z.read("xl/vbaProject.bin")
    ole = olefile.OleFileIO(io.BytesIO(blob))
    streams = {"/".join(p): ole.openstream(p).read() for p in ole.listdir()}
    ole.close()
    return blob, streams


@pytest.mark.parametrize("which", ["xlsm", "xlam"])
def test_cfb_writer_reproduces_the_template_layout(which: str) -> None:
    """Writing the template's own streams gives the template's file, apart from two header details.

    Both differences follow [MS-CFB] where Aspose (which wrote the template) does not: minor
    version 0x003E instead of 0x0021 (header byte 24) and FREESECT padding after the last
    mini FAT entry instead of zeros.
    """
    blob, streams = _template_streams(getattr(S.templates(), which))
    ours = cfb.write(streams)
    assert len(ours) == len(blob)
    diff = [i for i in range(len(ours)) if ours[i] != blob[i]]
    assert diff[0] == 24 and ours[24] == 0x3E and blob[24] == 0x21
    minifat = (int.from_bytes(blob[60:64], "little") + 1) * cfb.SECTOR
    assert all(minifat <= i < minifat + cfb.SECTOR for i in diff[1:])
    assert all(ours[i] == 0xFF and blob[i] == 0 for i in diff[1:])


def test_cfb_large_streams_and_storages() -> None:
    streams = {"VBA/dir": b"d" * 100, "VBA/big": os.urandom(300_000), "PROJECT": b"x" * 4096, "A/B/C": b"c"}
    ole = olefile.OleFileIO(io.BytesIO(cfb.write(streams)))
    assert {"/".join(p) for p in ole.listdir()} == set(streams)
    for path, data in streams.items():
        assert ole.openstream(path).read() == data
    assert cfb.write(streams) == cfb.write(dict(reversed(list(streams.items()))))
