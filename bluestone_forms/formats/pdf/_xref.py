"""Whether a PDF's cross-reference is classic tables only, read from a few small pieces.

Why: `_open.check_structure_streams` scans every byte of a return (about 1 ms for a 700 KB
form, half the cost of qpdf opening it and walking its fields) to bound the object and
cross-reference streams qpdf would inflate. qpdf inflates such a stream only when the file's
cross-reference says so: a cross-reference stream at `startxref` or named by a trailer's
/Prev or /XRefStm, and an object stream only for an object listed as compressed (type 2),
which only a cross-reference stream can list (ISO 32000-1, 7.5.8). So when the chain from the
last `startxref` is classic `xref` tables whose trailers name no /XRefStm, and qpdf is told
not to reconstruct a damaged cross-reference (its reconstruction scans the whole file), no
structure stream is ever inflated and the scan is not needed. Everything else, including any
file qpdf warns about, takes the careful way (`_open.open_return`).

Each `xref` section is walked by its subsection headers: entries are 20 bytes each (7.5.4);
a section that does not land exactly on its next header or on `trailer` is not classic enough.
"""

from __future__ import annotations

import os
import re

MAX_SECTIONS = 64  # incremental updates a return may have before the careful way is taken
MAX_SUBSECTIONS = 4096
_ENTRY = 20
_STARTXREF = re.compile(rb"startxref\s+(\d{1,12})\s+%%EOF")
_SUBSECTION = re.compile(rb"(\d{1,10}) (\d{1,10})[ \t]*(?:\r\n|\r|\n)")
_PREV = re.compile(rb"/Prev\s+(\d{1,12})(?![\d.])")
_TRAILER = re.compile(rb"trailer\s*<<(.{0,4000}?)>>\s*(?:startxref|xref|\d+ \d+ obj)", re.S)


class _Source:
    """Bytes of the file at an offset: from `data` when the caller has them, else from the
    file's last bytes already read (`tail`: the last section usually lies there), else read."""

    def __init__(self, fd: int | None, data: bytes | None, size: int, tail: bytes) -> None:
        self.fd, self.data, self.size, self.tail = fd, data, size, tail
        self.tail_at = size - len(tail)

    def get(self, at: int, n: int) -> bytes:
        if self.data is not None:
            return self.data[at:at + n]
        if at >= self.tail_at:
            return self.tail[at - self.tail_at:at - self.tail_at + n]
        assert self.fd is not None
        return os.pread(self.fd, n, at)


def classic_only(fd: int | None, data: bytes | None, size: int, tail: bytes) -> bool:
    """True when the cross-reference chain from the last `startxref` (found in the last 2 KB
    of `tail`, the file's last bytes) is classic tables without /XRefStm (module docstring)."""
    found = list(_STARTXREF.finditer(tail[-2048:]))
    if not found:
        return False
    src = _Source(fd, data, size, tail)
    at = int(found[-1][1])
    seen: set[int] = set()
    while len(seen) < MAX_SECTIONS:
        if at in seen or not 0 < at < size:
            return False
        seen.add(at)
        trailer = _section_trailer(src, at)
        if trailer is None or b"/XRefStm" in trailer or b"#" in trailer:
            return False
        prev = _PREV.findall(trailer)
        if not prev:
            return True
        if len(prev) > 1:
            return False
        at = int(prev[0])
    return False


def _section_trailer(src: _Source, at: int) -> bytes | None:
    """The trailer dictionary's text of the classic `xref` section at `at`, or None."""
    if src.get(at, 4) != b"xref":
        return None
    pos = at + 4
    head = src.get(pos, 2)
    pos += 2 if head == b"\r\n" else 1 if head[:1] in (b"\n", b"\r") else 0
    if pos == at + 4:
        return None
    for _ in range(MAX_SUBSECTIONS):
        chunk = src.get(pos, 48)
        if chunk.startswith(b"trailer"):
            m = _TRAILER.match(src.get(pos, 4200))
            return m[1] if m else None
        m = _SUBSECTION.match(chunk)
        if not m:
            return None
        pos += m.end() + int(m[2]) * _ENTRY
        if pos >= src.size:
            return None
    return None
