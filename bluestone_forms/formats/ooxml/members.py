"""A zip member's bytes taken straight from a package held in memory: its local header checked
as `zipfile` checks it, a small member inflated in one call, a large one in bounded pieces.

Why: `ZipFile.open` sets up a reader per member (seeks, a decrypter check, a buffered
stream), which costs more than inflating a part of a few KB; and a streaming inflater costs
more calls than one `decompress`. Every bound still holds: a member is inflated in one call
only when what it declares is within the package's limits (`Package.read`), and then to no
more than its declared size plus one byte, so a header that understates its size is caught as
damage (wrong size or CRC-32) before anything larger than declared is made.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator

from .directory import Entry

ONE_CALL_BYTES = 1 << 20  # a member declaring at most this is inflated in one call
DIRECT_TYPES = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def body(data: bytes, info: Entry) -> memoryview:
    """The member's stored bytes, after the checks `ZipFile.open` makes of its local header:
    the signature, the same name as the directory's, no encryption or patched data, and all
    of its compressed size present."""
    at = info.header_offset
    head = data[at:at + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad magic number for the part's header")
    name_end = at + 30 + int.from_bytes(head[26:28], "little")
    utf8 = int.from_bytes(head[6:8], "little") & 0x800
    if data[at + 30:name_end].decode("utf-8" if utf8 else "cp437") != info.orig_filename:
        raise zipfile.BadZipFile("the part's names in the directory and its header differ")
    if info.flag_bits & 0x61:
        raise NotImplementedError("encrypted or patched data")
    start = name_end + int.from_bytes(head[28:30], "little")
    span = memoryview(data)[start:start + info.compress_size]
    if len(span) != info.compress_size:
        raise zipfile.BadZipFile("the part is truncated")
    return span


def whole(data: bytes, info: Entry) -> bytes:
    """A stored or deflated member's bytes in one call, inflating no more than its declared
    size plus one byte; a member whose size or CRC-32 is not what its header says is a
    BadZipFile (the caller bounds the declared size)."""
    span = body(data, info)
    if info.compress_type == zipfile.ZIP_STORED:
        out = bytes(span)
    else:
        out = zlib.decompressobj(-15).decompress(span, info.file_size + 1)
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        raise zipfile.BadZipFile(f"bad CRC-32 or size for the part {info.filename}")
    return out


def pieces(data: bytes, info: Entry, size: int) -> Iterator[bytes]:
    """A stored or deflated member's bytes in pieces of at most `size` bytes as they inflate
    (the caller counts them against its limits), its size and CRC-32 checked at the end."""
    span = body(data, info)
    crc = got = 0
    if info.compress_type == zipfile.ZIP_STORED:
        chunks: Iterator[bytes] = (bytes(span[i:i + size]) for i in range(0, len(span), size))
    else:
        chunks = _inflated(span, size)
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        got += len(chunk)
        yield chunk
    if got != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile(f"bad CRC-32 or size for the part {info.filename}")


def _inflated(span: memoryview, size: int) -> Iterator[bytes]:
    """A raw deflate stream inflated in pieces of at most `size` bytes."""
    inflater = zlib.decompressobj(-15)
    pending: bytes | memoryview = span
    while True:
        chunk = inflater.decompress(pending, size)
        if not chunk:  # nothing more to inflate (or a stream that makes no progress)
            break
        pending = inflater.unconsumed_tail
        yield chunk
    rest = inflater.flush()
    if rest:
        yield rest
