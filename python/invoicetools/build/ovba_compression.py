"""MS-OVBA 2.4.1 compression: the run-length/LZ77 scheme used for VBA module source and ``dir``.

Written from the specification ([MS-OVBA] 2.4.1.3), not from another implementation, because
ms-ovba-compression 1.0.1 corrupts every chunk with a copy token longer than a few bytes.

A compressed container is the signature byte ``0x01`` followed by chunks. Each chunk encodes at
most 4096 bytes of input: a 2-byte header (size - 3 in bits 0-11, ``0b011`` in bits 12-14, the
"compressed" flag in bit 15), then token sequences: a flag byte and up to eight tokens, a clear
bit meaning a literal byte and a set bit a 2-byte copy token (offset, length) back into the
same chunk's already decompressed bytes. How many of the token's 16 bits hold the offset grows
with the position inside the chunk (at least 4, ``ceil(log2(position))``).

The output is deterministic (greedy longest match, nearest candidate on ties) but not
byte-identical to Excel's own compressor, which nothing requires: readers only decompress.

>>> data = b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
>>> decompress(compress(data)) == data
True
>>> compress(b"abc").hex(" ")
'01 03 b0 00 61 62 63'
"""

from __future__ import annotations

CHUNK = 4096
_SIGNATURE = 0x01
_MAX_CANDIDATES = 256  # how far back along the same-prefix chain to look for a longer match


def _bit_count(position: int) -> int:
    """Offset bits of a copy token at ``position`` (>= 1) inside the decompressed chunk."""
    return max((position - 1).bit_length(), 4)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    n = len(chunk)
    heads: dict[bytes, list[int]] = {}
    i = 0
    while i < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if i >= n:
                break
            bits = _bit_count(i)
            max_len = min((0xFFFF >> bits) + 3, n - i)
            best_len, best_off = 0, 0
            if max_len >= 3:
                for cand in reversed(heads.get(chunk[i : i + 3], [])[-_MAX_CANDIDATES:]):
                    if best_len and chunk[cand + best_len] != chunk[i + best_len]:
                        continue
                    length = 3
                    while length < max_len and chunk[cand + length] == chunk[i + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, i - cand
                        if length == max_len:
                            break
            if best_len >= 3:
                token = ((best_off - 1) << (16 - bits)) | (best_len - 3)
                out += token.to_bytes(2, "little")
                flags |= 1 << bit
                step = best_len
            else:
                out.append(chunk[i])
                step = 1
            for k in range(i, min(i + step, n - 2)):
                heads.setdefault(chunk[k : k + 3], []).append(k)
            i += step
        out[flag_at] = flags
    return bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an MS-OVBA CompressedContainer."""
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK):
        chunk = data[start : start + CHUNK]
        body = _compress_chunk(chunk)
        if len(body) > CHUNK:
            if len(chunk) < CHUNK:  # a raw chunk always decompresses to 4096 bytes
                raise ValueError("incompressible final chunk: cannot be stored raw without padding")
            out += (0x3000 | (CHUNK - 1)).to_bytes(2, "little") + chunk  # raw chunk, flag bit clear
        else:
            out += (0xB000 | (len(body) + 2 - 3)).to_bytes(2, "little") + body
    return bytes(out)


def decompress(container: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer (used for reading the template and in checks)."""
    if not container or container[0] != _SIGNATURE:
        raise ValueError("not an MS-OVBA compressed container (signature byte 0x01 missing)")
    out = bytearray()
    pos = 1
    while pos < len(container):
        header = int.from_bytes(container[pos : pos + 2], "little")
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0b111 != 0b011:
            raise ValueError(f"bad chunk signature at byte {pos}")
        end = min(pos + size, len(container))
        pos += 2
        start = len(out)
        if not header & 0x8000:
            out += container[pos : pos + CHUNK]
            pos += CHUNK
            continue
        while pos < end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if flags & (1 << bit):
                    token = int.from_bytes(container[pos : pos + 2], "little")
                    pos += 2
                    bits = _bit_count(len(out) - start)
                    offset = (token >> (16 - bits)) + 1
                    length = (token & (0xFFFF >> bits)) + 3
                    src = len(out) - offset
                    if src < start:
                        raise ValueError(f"copy token reaches before its chunk at byte {pos - 2}")
                    for k in range(length):
                        out.append(out[src + k])
                else:
                    out.append(container[pos])
                    pos += 1
    return bytes(out)
