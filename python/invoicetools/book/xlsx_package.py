"""An .xlsx/.xlsm package at the zip level: find parts, rewrite a few, copy the rest byte for byte.

openpyxl load + save of a workbook holding a 1M-row sheet costs minutes and gigabytes and
drops the ribbon relationship; here only the sheets that change are rewritten, every other
member (vbaProject.bin, customUI, styles, other sheets) is copied as compressed bytes.
"""

from __future__ import annotations

import copy
import os
import posixpath
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain.errors import InputError, Location, describe_os_error
from . import deflate
from .file_safety import LEFTOVER_PREFIX, LEFTOVER_SUFFIX, apply_mode, mode_for, remove_leftovers, try_lock

if TYPE_CHECKING:
    from lxml import etree

    from .xlsx_stream import SheetStream

__all__ = ["Package", "Replacement", "lock_files", "refuse_if_open"]

Replacement = bytes | Iterable[bytes | memoryview] | Callable[[], "bytes | None"]

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TABLE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/table"
_ROW_AFTER = re.compile(rb'<row r="(\d+)"')
_TOP_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_FIRST_VALUE = re.compile(rb'<c r="[A-Z]+(\d+)"[^>]*?>\s*<(?:v|is)\b')
# What a damaged package raises while its parts are read: bad zip structure, bad CRC or deflate
# stream, a part cut short, XML or UTF-8 that does not parse.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, UnicodeDecodeError)


def damaged(path: Path, part: str | None = None) -> InputError:
    """The error for a package whose parts cannot be read (``part`` names the one that failed)."""
    inside = f"（{part}）" if part else ""
    return InputError(
        f"檔案已損毀，無法讀取其中的內容{inside}：請在 Excel 開啟後另存新檔，或改用備份",
        where=Location(file=str(path)),
    )


def lock_files(path: Path) -> list[Path]:
    """Lock files that Excel (``~$name``) and LibreOffice (``.~lock.name#``) keep beside an open file."""
    return [path.with_name("~$" + path.name), path.with_name(f".~lock.{path.name}#")]


def refuse_if_open(path: Path) -> None:
    """Refuse to write a workbook that is open in Excel or LibreOffice: it would be corrupted or lost."""
    for lock in lock_files(path):
        if lock.exists():
            raise InputError(
                "活頁簿正在 Excel（或 LibreOffice）中開啟，請先關閉再執行；"
                "或在 Excel 中使用功能區按鈕執行此步驟",
                where=Location(file=str(path)),
            )


def _attr(tag: bytes, name: str) -> str | None:
    m = re.search(rb"\b" + name.encode() + rb'="([^"]*)"', tag)
    return m.group(1).decode() if m else None


class Package:
    """Read access to the parts of an OOXML package, and an atomic rewrite of some of them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(
                "無法開啟活頁簿：檔案不是有效的 Excel（.xlsm/.xlsx）檔或已損毀", where=Location(file=str(path))
            ) from exc
        self.order = self._zip.namelist()  # the members in the order they are stored (and rewritten)
        self.names = set(self.order)
        try:
            self.sheet_parts = self._map_sheets()
        except BaseException:
            self._zip.close()
            raise

    def close(self) -> None:
        self._zip.close()

    def read(self, part: str) -> bytes:
        try:
            return self._zip.read(part)
        except KeyError:
            raise InputError(f"檔案缺少 {part}，可能已損毀", where=Location(file=str(self.path))) from None
        except DAMAGED as exc:
            raise damaged(self.path, part) from exc

    def _xml(self, part: str) -> etree._Element:
        from lxml import etree

        try:
            return etree.fromstring(self.read(part), etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError as exc:
            raise damaged(self.path, part) from exc

    # --- structure ---------------------------------------------------------------------------
    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, absolute target) for a part."""
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        if rels_part not in self.names:
            return {}
        root = self._xml(rels_part)
        out: dict[str, tuple[str, str]] = {}
        for rel in root.iter(f"{{{_NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            absolute = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target)
            )
            out[rel.get("Id", "")] = (rel.get("Type", ""), absolute)
        return out

    def _map_sheets(self) -> dict[str, str]:
        if "xl/workbook.xml" not in self.names:
            raise InputError("活頁簿缺少 xl/workbook.xml，檔案可能已損毀", where=Location(file=str(self.path)))
        root = self._xml("xl/workbook.xml")
        rels = self._rels("xl/workbook.xml")
        out: dict[str, str] = {}
        for sheet in root.iter(f"{{{_NS_MAIN}}}sheet"):
            rid = sheet.get(f"{{{_NS_REL}}}id", "")
            if rid in rels:
                out[sheet.get("name", "")] = rels[rid][1]
        return out

    def sheet_part(self, sheet: str) -> str:
        try:
            return self.sheet_parts[sheet]
        except KeyError:
            raise InputError(
                f"活頁簿沒有工作表「{sheet}」；現有工作表：{'、'.join(self.sheet_parts)}",
                where=Location(file=str(self.path)),
            ) from None

    def identity(self, sheet: str) -> tuple[int, int] | None:
        """The CRC-32 and size of a sheet's part (what the sheet cache is keyed by); None when unknown."""
        try:
            info = self._zip.getinfo(self.sheet_part(sheet))
        except (KeyError, InputError):
            return None
        return info.CRC, info.file_size

    def uses_1904_dates(self) -> bool:
        """Whether the workbook counts dates from 1904 (``workbookPr date1904``)."""
        return re.search(rb'\bdate1904="(1|true)"', self.read("xl/workbook.xml")) is not None

    def table_parts(self, sheet: str) -> list[str]:
        rels = self._rels(self.sheet_part(sheet))
        return [target for kind, target in rels.values() if kind == _TABLE_REL]

    def top_cells(self, part: str, max_row: int) -> dict[tuple[int, int], str]:
        """The values of the first ``max_row`` rows of a sheet, as text, without reading the rest.

        Parameter cells sit above a sheet's table; a 1M-row sheet need not be parsed to read
        them. Shared strings are looked up; numbers (dates: Excel serials) stay as written.
        """
        import html

        cells: dict[tuple[int, int], str] = {}
        shared: dict[tuple[int, int], int] = {}
        text = b""
        try:
            with self._zip.open(part) as fh:
                while chunk := fh.read(1 << 16):
                    text += chunk
                    m = _ROW_AFTER.search(text, max(0, len(text) - len(chunk) - 64))
                    if (m and int(m.group(1)) > max_row) or b"</sheetData>" in text:
                        break
        except KeyError:
            raise InputError(f"檔案缺少 {part}，可能已損毀", where=Location(file=str(self.path))) from None
        except DAMAGED as exc:
            raise damaged(self.path, part) from exc
        for m in _TOP_CELL.finditer(text):
            letters, row, attrs, body = m.group(1), int(m.group(2)), m.group(3), m.group(4) or b""
            if row > max_row:
                break
            col = 0
            for ch in letters.decode():
                col = col * 26 + ord(ch) - 64
            kind = _attr(attrs, "t")
            if kind == "s":
                v = re.search(rb"<v>([^<]*)</v>", body)
                if v:
                    shared[(row, col)] = int(v.group(1))
            elif kind == "inlineStr":
                cells[(row, col)] = html.unescape("".join(t.decode() for t in re.findall(rb"<t[^>]*>([^<]*)</t>", body)))
            else:
                v = re.search(rb"<v>([^<]*)</v>", body)
                if v:
                    cells[(row, col)] = html.unescape(v.group(1).decode())
        if shared:
            strings = self._shared_strings(max(shared.values()))
            for key, index in shared.items():
                if index < len(strings):
                    cells[key] = strings[index]
        return cells

    def _shared_strings(self, last: int) -> list[str]:
        """Shared strings 0..last (read as far as needed)."""
        from lxml import etree

        part = "xl/sharedStrings.xml"
        if part not in self.names:
            return []
        out: list[str] = []
        ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
        with self._zip.open(part) as fh:
            for _, si in etree.iterparse(fh, tag=f"{ns}si", resolve_entities=False, no_network=True):
                out.append("".join(t.text or "" for t in si.iter(f"{ns}t")))
                si.clear()
                if len(out) > last:
                    break
        return out

    def first_value_row(self, part: str) -> int:
        """Row number of the first cell holding a value (where calamine starts its range); 1 if none."""
        tail = b""
        try:
            with self._zip.open(part) as fh:
                while chunk := fh.read(1 << 16):
                    buf = tail + chunk
                    m = _FIRST_VALUE.search(buf)
                    if m:
                        return int(m.group(1))
                    tail = buf[-512:]
        except KeyError:
            raise InputError(f"檔案缺少 {part}，可能已損毀", where=Location(file=str(self.path))) from None
        except DAMAGED as exc:
            raise damaged(self.path, part) from exc
        return 1

    def stream_sheet(self, part: str, first_data_row: int) -> SheetStream:
        """The sheet part up to its first row numbered ``first_data_row`` or more; the rest read meanwhile."""
        from .xlsx_stream import SheetStream

        try:
            info = self._zip.getinfo(part)
        except KeyError:
            raise InputError(f"檔案缺少 {part}，可能已損毀", where=Location(file=str(self.path))) from None
        try:
            return SheetStream.open(self.path, info, first_data_row, lambda: self.read(part))
        except NotImplementedError:  # encrypted or an unusual compression: zipfile reads it whole
            return SheetStream.whole(self.read(part))
        except DAMAGED as exc:
            raise damaged(self.path, part) from exc

    # --- writing -----------------------------------------------------------------------------
    def save(self, dest: Path, replacements: Mapping[str, Replacement]) -> None:
        """Write the package to ``dest`` atomically, replacing some parts and raw-copying the rest.

        A replacement is the part's bytes, an iterable of chunks, or a function called when the
        part's turn comes that returns its bytes, or ``None`` to keep the part as it is.

        Whatever goes wrong (a damaged part, a full disk, no permission, Ctrl+C), ``dest`` is
        left as it was and no temporary file stays behind; the file keeps the mode of the one it
        replaces (``file_safety``), and dead temporary files of killed runs beside it are removed.
        """
        from lxml import etree

        unknown = set(replacements) - self.names
        if unknown:
            raise KeyError(f"parts not in package: {sorted(unknown)}")
        where = Location(file=str(dest))
        remove_leftovers(dest.parent)
        mode = mode_for(dest)
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=LEFTOVER_PREFIX, suffix=LEFTOVER_SUFFIX, dir=dest.parent)
        except OSError as exc:
            raise InputError(f"無法在活頁簿的資料夾寫入檔案：{describe_os_error(exc)}；活頁簿未被修改", where=where) from exc
        tmp = Path(tmp_name)
        try_lock(fd)  # held while it is written: the next run's clean-up leaves it alone
        apply_mode(fd, tmp, mode)
        part = ""
        try:
            with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", allowZip64=True) as out:
                for info in self._zip.infolist():
                    part = info.filename
                    data = replacements.get(info.filename)
                    if callable(data):  # decided when its turn comes (after the parts before it)
                        data = data()
                    if data is not None:
                        self._write_member(out, info, data)
                    else:
                        self._copy_raw(out, info)
                out.close()
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(tmp, dest)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            if isinstance(exc, (*DAMAGED, etree.XMLSyntaxError)):
                raise damaged(self.path, part) from exc
            if isinstance(exc, OSError):
                raise InputError(f"無法寫入活頁簿：{describe_os_error(exc)}；活頁簿未被修改", where=where) from exc
            if isinstance(exc, InputError) and exc.where is None:  # a cell that cannot be written: say on which sheet
                sheet = next((name for name, p in self.sheet_parts.items() if p == part), None)
                raise InputError(f"{exc.message}；活頁簿未被修改", where=Location(file=str(dest), sheet=sheet),
                                 found=exc.found) from exc
            raise

    @staticmethod
    def _write_member(out: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes | Iterable[bytes | memoryview]) -> None:
        new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
        new.compress_type = zipfile.ZIP_DEFLATED
        new.external_attr = info.external_attr
        if isinstance(data, bytes):
            out.writestr(new, data, compresslevel=6)
            return
        new._compresslevel = deflate.BIG_LEVEL  # type: ignore[attr-defined]  # big sheets: speed over size
        with out.open(new, "w") as fh:
            if hasattr(fh, "_compressor"):  # zipfile's own writer, deflating with ISA-L when installed
                fh._compressor = deflate.compressobj()
            for chunk in deflate.ahead(data):  # the next chunk is made while this one is deflated
                fh.write(chunk)

    def _copy_raw(self, out: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        """Copy a member's compressed bytes unchanged (no inflate/deflate)."""
        src = self._zip.fp
        assert src is not None and out.fp is not None
        src.seek(info.header_offset)
        header = src.read(30)
        if header[:4] != b"PK\x03\x04":
            raise InputError("活頁簿的壓縮結構損毀", where=Location(file=str(self.path)))
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        src.seek(info.header_offset + 30 + name_len + extra_len)
        new = copy.copy(info)
        new.flag_bits &= ~0x08  # sizes and CRC go into the local header
        new.extra = b""
        new.header_offset = out.fp.tell()
        out.fp.write(new.FileHeader(zip64=new.file_size > zipfile.ZIP64_LIMIT))
        left = info.compress_size
        while left > 0:  # in pieces: a 1M-row sheet is 80 MB compressed
            data = src.read(min(left, 1 << 22))
            if not data:
                raise InputError("活頁簿的壓縮結構損毀", where=Location(file=str(self.path)))
            out.fp.write(data)
            left -= len(data)
        out.filelist.append(new)
        out.NameToInfo[new.filename] = new
        out.start_dir = out.fp.tell()  # type: ignore[attr-defined]


def iter_deflated(chunks: Iterable[str]) -> Iterator[bytes]:
    """UTF-8 encode a stream of XML text chunks (the zip writer deflates them)."""
    for chunk in chunks:
        yield chunk.encode("utf-8")

