"""Raw deflate for the zip members the file backend writes and reads in bulk: ISA-L when installed, else zlib.

A 1M-row sheet is 600 MB of XML. ``isal`` (Intel's ISA-L, the ``isal`` package) deflates it
three times as fast as zlib at the same size and inflates it twice as fast; its streams are
ordinary deflate streams, so every zip reader (Excel, LibreOffice, calamine, openpyxl)
reads them. Without the package the standard ``zlib`` module does the same work, slower.

>>> import zlib
>>> packed = compressobj()
>>> data = packed.compress(b"<row/>" * 1000) + packed.flush()
>>> zlib.decompress(data, -15) == b"<row/>" * 1000, crc32(b"abc") == zlib.crc32(b"abc")
(True, True)
"""

from __future__ import annotations

from typing import Any

__all__ = ["BIG_LEVEL", "compressobj", "crc32", "decompressobj", "engine"]

BIG_LEVEL = 1  # big sheets: speed over size (the zip stays about 1/7 of the XML)


def engine() -> Any:
    """``isal.isal_zlib`` when it can be imported, else ``zlib`` (the same interface)."""
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - the fallback of a machine without the package
        import zlib

        return zlib
    return isal_zlib


def compressobj(level: int = BIG_LEVEL) -> Any:
    """A raw-deflate compressor (``compress`` / ``flush``), as a zip member holds it."""
    z = engine()
    return z.compressobj(level, z.DEFLATED, -15)


def decompressobj() -> Any:
    """A raw-deflate decompressor (``decompress`` / ``flush`` / ``eof``)."""
    return engine().decompressobj(-15)


def crc32(data: bytes | memoryview, value: int = 0) -> int:
    return int(engine().crc32(data, value))
