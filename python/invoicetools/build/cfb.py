"""A small writer for Compound File Binary files ([MS-CFB] version 3), enough for vbaProject.bin.

Olefile only rewrites streams of the same size and ms-cfb 0.0.6 leaves scratch files in the
working directory, so the few rules are implemented here. The layout copies what xlwings'
shipped templates hold (written by Aspose.Cells, known to open in Excel):

* version 3 (minor version as the caller says), 512-byte sectors, 64-byte mini sectors,
  streams under 4096 bytes in the mini stream;
* directory entries numbered in pre-order (a storage, then its children), siblings sorted by
  the CFB rule (shorter name first, then upper-case code points) and linked as a right-leaning
  chain, all black, no timestamps, no CLSIDs;
* sectors in the order: regular streams, mini stream, mini FAT, directory, FAT.

The output depends only on the input, so builds are byte-reproducible.

>>> import io, olefile
>>> blob = write({"VBA/dir": b"x" * 10, "PROJECT": b"ID=1", "VBA/big": b"y" * 5000})
>>> ole = olefile.OleFileIO(io.BytesIO(blob))
>>> sorted("/".join(p) for p in ole.listdir())
['PROJECT', 'VBA/big', 'VBA/dir']
>>> ole.openstream("VBA/big").read() == b"y" * 5000
True
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_HEADER_DIFAT = 109
_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")

STORAGE, STREAM, ROOT = 1, 2, 5


def sort_key(name: str) -> tuple[int, str]:
    """CFB sibling order: by UTF-16 length, then by upper-cased code points."""
    return (len(name.encode("utf-16-le")), name.upper())


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, _Entry] = field(default_factory=dict)
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0


def _tree(streams: dict[str, bytes]) -> _Entry:
    root = _Entry("Root Entry", ROOT)
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            node = node.children.setdefault(part, _Entry(part, STORAGE))
            if node.kind != STORAGE:
                raise ValueError(f"{path}: {part} is a stream, not a storage")
        if parts[-1] in node.children:
            raise ValueError(f"duplicate entry {path}")
        node.children[parts[-1]] = _Entry(parts[-1], STREAM, data=bytes(data), size=len(data))
    return root


def _number(root: _Entry) -> list[_Entry]:
    """Pre-order numbering; siblings become a sorted right-leaning chain."""
    order: list[_Entry] = []

    def visit(entry: _Entry) -> None:
        entry.sid = len(order)
        order.append(entry)
        kids = sorted(entry.children.values(), key=lambda e: sort_key(e.name))
        for kid in kids:
            visit(kid)
        if kids:
            entry.child = kids[0].sid
            for a, b in itertools.pairwise(kids):
                a.right = b.sid

    visit(root)
    return order


def _chain(fat: list[int], first: int, count: int) -> None:
    for k in range(count):
        fat[first + k] = first + k + 1 if k < count - 1 else ENDOFCHAIN


def _pad(data: bytes, unit: int) -> bytes:
    return data + b"\0" * (-len(data) % unit)


def _dir_entry(e: _Entry) -> bytes:
    name = e.name.encode("utf-16-le")
    if len(name) > 62:
        raise ValueError(f"entry name too long: {e.name!r}")
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        name + b"\0\0",
        len(name) + 2,
        e.kind,
        1,  # black
        e.left,
        e.right,
        e.child,
        b"\0" * 16,
        0,
        0,
        0,
        e.start,
        e.size,
    )


_EMPTY_ENTRY = struct.pack(
    "<64sHBBIII16sIQQIQ", b"", 0, 0, 1, NOSTREAM, NOSTREAM, NOSTREAM, b"", 0, 0, 0, 0, 0
)


def write(streams: dict[str, bytes], *, minor_version: int = 0x003E) -> bytes:
    """Build a CFB v3 file holding ``streams`` ({"STORAGE/STREAM": bytes}).

    ``minor_version`` goes into the header: [MS-CFB] says 0x003E, readers ignore it; the
    xlwings templates carry 0x0021 (Aspose.Cells), and the VBA project keeps theirs.
    """
    entries = _number(_tree(streams))
    root = entries[0]
    body: list[bytes] = []
    fat: list[int] = []

    def allocate(data: bytes) -> int:
        count = -(-len(data) // SECTOR)
        first = len(fat)
        fat.extend([FREESECT] * count)
        _chain(fat, first, count)
        body.append(_pad(data, SECTOR))
        return first

    for e in entries:
        if e.kind == STREAM and e.size >= MINI_CUTOFF:
            e.start = allocate(e.data)
    mini = bytearray()
    minifat: list[int] = []
    for e in entries:
        if e.kind == STREAM and 0 < e.size < MINI_CUTOFF:
            count = -(-e.size // MINI_SECTOR)
            e.start = len(minifat)
            minifat.extend([FREESECT] * count)
            _chain(minifat, e.start, count)
            mini += _pad(e.data, MINI_SECTOR)
    for e in entries:
        if e.kind == STORAGE:
            e.start = 0
    if mini:
        root.start, root.size = allocate(bytes(mini)), len(mini)
        minifat_first = allocate(b"".join(struct.pack("<I", x) for x in _pad_list(minifat, SECTOR // 4)))
        minifat_count = -(-len(minifat) // (SECTOR // 4))
    else:
        root.start, root.size = ENDOFCHAIN, 0
        minifat_first, minifat_count = ENDOFCHAIN, 0
    directory = b"".join(_dir_entry(e) for e in entries)
    directory += _EMPTY_ENTRY * (-len(entries) % (SECTOR // 128))
    dir_first = allocate(directory)

    n_fat = 1
    while len(fat) + n_fat > n_fat * (SECTOR // 4):
        n_fat += 1
    if n_fat > _HEADER_DIFAT:
        raise ValueError("file too large for a header-only DIFAT")
    fat_first = len(fat)
    fat.extend([FATSECT] * n_fat)
    fat_bytes = b"".join(struct.pack("<I", x) for x in _pad_list(fat, n_fat * (SECTOR // 4)))

    difat = [fat_first + k for k in range(n_fat)] + [FREESECT] * (_HEADER_DIFAT - n_fat)
    header = (
        _SIGNATURE
        + b"\0" * 16
        + struct.pack("<HHHHH", minor_version, 0x0003, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack(
            "<IIIIIIIII", 0, n_fat, dir_first, 0, MINI_CUTOFF, minifat_first, minifat_count, ENDOFCHAIN, 0
        )
        + b"".join(struct.pack("<I", x) for x in difat)
    )
    assert len(header) == SECTOR
    return header + b"".join(body) + fat_bytes


def _pad_list(values: list[int], unit: int) -> list[int]:
    return values + [FREESECT] * (-len(values) % unit)
