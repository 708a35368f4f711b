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

import contextlib
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["BIG_LEVEL", "ahead", "compressobj", "crc32", "decompressobj", "engine"]

T = TypeVar("T")

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


def ahead(chunks: Iterable[T], depth: int = 2) -> Iterator[T]:
    """``chunks`` made in a background thread, up to ``depth`` ahead of the consumer.

    Writing a big sheet alternates between making its XML (Arrow kernels) and deflating it; both
    release the GIL, so on two cores they overlap. An error in the maker is raised here, in order;
    when the consumer stops early the maker stops at its next chunk.

    >>> list(ahead(iter(range(5))))
    [0, 1, 2, 3, 4]
    """
    done = object()
    box: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def make() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                box.put(chunk)
            box.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            box.put(_Failed(exc))

    maker = threading.Thread(target=make, daemon=True)
    maker.start()
    try:
        while True:
            item = box.get()
            if item is done:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while maker.is_alive():  # unblock a maker waiting on a full queue
            with contextlib.suppress(queue.Empty):
                box.get(timeout=0.05)


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error
