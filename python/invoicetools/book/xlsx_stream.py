"""A big sheet part read as far as needed: the XML above its table's rows now, what follows them later.

Replacing the table of a 1M-row sheet needs the sheet XML before the table's data (column
styles, panes, the rows above, the first data row's cell styles) and the XML after
``</sheetData>`` (merged cells, conditional formats, print setup, the table parts), never the
old rows themselves. The part is inflated as a stream from its own file handle
(``deflate``): :attr:`SheetStream.head` is ready at once; the rest is scanned for
``</sheetData>`` in a background thread (inflating releases the GIL) while the new rows are
written, and only its tail is kept. The part's CRC-32 is checked at the end, as ``zipfile``
does; a damaged part raises ``zipfile.BadZipFile``.
"""

from __future__ import annotations

import re
import struct
import threading
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from . import deflate

__all__ = ["SheetStream"]

_ROW = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_END = b"</sheetData>"
_READ = 1 << 20


def _inflated(path: Path, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes, inflated chunk by chunk; the CRC-32 is checked after the last one."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED):
        raise NotImplementedError("encrypted or unusual compression")
    with path.open("rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile("bad local file header")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        fh.seek(info.header_offset + 30 + name_len + extra_len)
        left = info.compress_size
        inflater = deflate.decompressobj() if info.compress_type == zipfile.ZIP_DEFLATED else None
        crc = 0
        try:
            while left > 0:
                raw = fh.read(min(_READ, left))
                if not raw:
                    raise zipfile.BadZipFile("part cut short")
                left -= len(raw)
                data = inflater.decompress(raw) if inflater is not None else raw
                crc = deflate.crc32(data, crc)
                yield data
            if inflater is not None:
                data = inflater.flush()
                crc = deflate.crc32(data, crc)
                yield data
        except zipfile.BadZipFile:
            raise
        except Exception as exc:  # zlib.error, isal_zlib.error: a broken deflate stream
            raise zipfile.BadZipFile(f"bad deflate stream: {exc}") from exc
        if crc != info.CRC:
            raise zipfile.BadZipFile("bad CRC-32")


class SheetStream:
    """A sheet part read up to its first row numbered ``first_data_row`` or more (that row included)."""

    def __init__(self, head: bytes, complete: bool, full: Callable[[], bytes]) -> None:
        self.head = head
        self.complete = complete  # the part was read to its end: head is all of it, nothing follows
        self._full = full
        self._tail: bytes | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def whole(cls, data: bytes) -> SheetStream:
        """A part already read whole."""
        return cls(data, True, lambda: data)

    @classmethod
    def open(cls, path: Path, info: zipfile.ZipInfo, first_data_row: int, full: Callable[[], bytes]) -> SheetStream:
        """Read ``info``'s part of the package at ``path`` as far as its first data row (see the class)."""
        stream = cls(b"", False, full)
        stream._read(_inflated(path, info), first_data_row)
        return stream

    def _read(self, chunks: Iterator[bytes], first_data_row: int) -> None:
        buf = b""
        scan = 0
        for chunk in chunks:
            buf += chunk
            for m in _ROW.finditer(buf, max(0, scan - 64)):
                if int(m.group(1)) < first_data_row:
                    continue
                end = self._row_end(buf, m.start())
                if end is None:
                    break  # the row goes on in the next chunk
                self.head = buf[:end]
                rest = buf[end:]
                self._thread = threading.Thread(target=self._scan_tail, args=(rest, chunks), daemon=True)
                self._thread.start()
                return
            if _END in buf:
                self.head, self.complete = buf, True
                for _ in chunks:  # runs the CRC check
                    pass
                return
            scan = len(buf)
        raise zipfile.BadZipFile("worksheet has no </sheetData>")

    @staticmethod
    def _row_end(buf: bytes, start: int) -> int | None:
        """End (exclusive) of the ``<row>`` element starting at ``start``; None when not all of it is in ``buf``."""
        tag_end = buf.find(b">", start)
        if tag_end < 0:
            return None
        if buf[tag_end - 1 : tag_end] == b"/":
            return tag_end + 1
        close = buf.find(b"</row>", tag_end)
        return close + len(b"</row>") if close >= 0 else None

    def _scan_tail(self, rest: bytes, chunks: Iterator[bytes]) -> None:
        try:
            window = rest
            found = -1
            tail: list[bytes] = []
            if (at := window.find(_END)) >= 0:
                found, tail = at, [window[at + len(_END):]]
            for chunk in chunks:
                if found >= 0:
                    tail.append(chunk)
                    continue
                window = window[-(len(_END) - 1):] + chunk
                at = window.find(_END)
                if at >= 0:
                    found, tail = at, [window[at + len(_END):]]
            if found < 0:
                raise zipfile.BadZipFile("worksheet has no </sheetData>")
            self._tail = b"".join(tail)
        except BaseException as exc:  # re-raised by tail() in the writing thread
            self._error = exc

    def tail(self) -> bytes:
        """Everything after ``</sheetData>`` (waits for the background scan)."""
        if self.complete:
            at = self.head.rfind(_END)
            return self.head[at + len(_END):]
        assert self._thread is not None
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._tail is not None
        return self._tail

    def full(self) -> bytes:
        """The whole part (for the rare rewrite that must see every old row)."""
        return self.head if self.complete else self._full()
