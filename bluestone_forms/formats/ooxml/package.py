"""Bounded, sealed reading of Office Open XML packages (.docx, .xlsx) from untrusted returns.

Why: a return arrives by email from anywhere. Before any XML is parsed the zip is checked the
way Apache POI's ZipSecureFile does (entry count, inflated sizes counted as they inflate, never
trusted from headers, compression ratio, duplicate or case-equal names), legacy binary,
encrypted and macro-enabled files are refused with a plain message, and XML is parsed with
entities, DTDs and the network off (ECMA-376 Part 2 forbids DTDs outright).
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from ...errors import ReturnError
from . import directory, members
from .directory import end_record
from .directory import zip_directory as zip_directory
from .times import modified_text, normalise_time

MAX_ENTRIES = 1000
MAX_ENTRY_BYTES = 75 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100
RATIO_GRACE_BYTES = 100 * 1024
MAX_FILE_BYTES = 100 * 1024 * 1024
IN_MEMORY_BYTES = 8 * 1024 * 1024  # a file up to this size is read into memory at once
CENTRAL_BYTES_PER_ENTRY = 512  # a central directory entry of an Office file is ~80 bytes
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
    collect_ids=False,  # no lookups by xml:id are made; keeping no table of them is quicker
)


_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF16 = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
_BOM_BYTES = (b"\xef", b"\xbb", b"\xbf")
HEAD_BYTES = 65536
# the XML declaration (its values plain words, so no "?>" inside) then the root element's
# start: a prolog with no room for anything else, a DTD or a comment
_PLAIN_PROLOG = re.compile(rb"""(?:<\?xml(?:[ \t\r\n]+[A-Za-z]+[ \t\r\n]*=[ \t\r\n]*"""
                           rb"""(?:"[A-Za-z0-9._-]*"|'[A-Za-z0-9._-]*'))*[ \t\r\n]*\?>)?"""
                           rb"""[ \t\r\n]*<[A-Za-z_]""")


def refuse_dtd(data: bytes, file: str, part: str) -> None:
    """Refuse a part that declares a DTD or entities, or is not UTF-8/16 (ECMA-376 Part 2
    M1.18, M1.17), before any parser sees it; the parser's own check backs this up.

    Only the first HEAD_BYTES are looked at (a declaration comes before the root element), and
    without copying them: both declarations begin "<!", which an Office part's head does not
    otherwise hold, so the closer look is needed only when that pair is there.
    """
    if data.startswith(_UTF16):
        wide = data[:HEAD_BYTES].replace(b"\x00", b"").upper()
        if b"<!DOCTYPE" in wide or b"<!ENTITY" in wide:
            raise ReturnError(file, f"{part} declares a DTD, which Office files never do")
        return
    start = 0
    while data[start:start + 1] in _BOM_BYTES:  # what lstrip(BOM) would skip, without a copy
        start += 1
    # a DTD can stand only before the root element: a prolog of nothing but a plain XML
    # declaration has none, and the rest of the head need not be looked at
    if not _PLAIN_PROLOG.match(data, start) and data.find(b"<!", 0, HEAD_BYTES) >= 0:
        upper = data[:HEAD_BYTES].upper()
        if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
            raise ReturnError(file, f"{part} declares a DTD or entities, which Office files "
                              "never do")
    m = _ENCODING.match(data, start)
    if m and m[1].lower().replace(b"-", b"").replace(b"_", b"") not in (b"utf8", b"utf16"):
        raise ReturnError(file, f"{part} is encoded as {m[1].decode('ascii')}; Office files "
                          "use only UTF-8 or UTF-16")


def xml_failure(exc: etree.XMLSyntaxError, file: str, part: str) -> Exception:
    """What a parse error means: MemoryError when libxml2 ran out of memory (the reader's
    memory ceiling was reached: "too large to read", never "not well-formed"), else a
    ReturnError saying the part is broken."""
    if exc.code == etree.ErrorTypes.ERR_NO_MEMORY:
        return MemoryError(f"{part} needs more memory than a return may use")
    return ReturnError(file, f"{part} is not well-formed XML ({exc.msg})")


def parse_xml(data: bytes, file: str, part: str) -> etree._Element:
    """Parse one XML part safely; a DTD, an entity or broken XML is a ReturnError."""
    refuse_dtd(data, file, part)
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise xml_failure(exc, file, part) from None
    if root is None:
        raise ReturnError(file, f"{part} is empty")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise ReturnError(file, f"{part} declares a DTD, which Office files never do")
    return root


def open_zip(path: Path | BinaryIO, file: str, max_entries: int = MAX_ENTRIES
             ) -> zipfile.ZipFile:
    """A zip (a path, or an open file) opened only after its declared directory is checked
    against `max_entries`."""
    declared = zip_directory(path) if isinstance(path, Path) else end_record(path)
    _check_declared(declared, file, max_entries)
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ReturnError(file, f"the file is damaged or truncated ({exc})") from None


def _check_declared(declared: tuple[int, int] | None, file: str, max_entries: int) -> None:
    if declared is not None and (declared[0] > max_entries
                                 or declared[1] > max_entries * CENTRAL_BYTES_PER_ENTRY):
        raise ReturnError(file, f"the zip package has more than {max_entries} parts "
                          "(or a directory too large for that many)")


Entry = directory.Entry
_TYPES: dict[tuple[int, int, int], str] = {}  # [Content_Types].xml text by CRC-32 and sizes


class Package:
    """An opened, pre-checked OOXML zip whose parts are read with bounded inflation."""

    def __init__(self, path: Path, kind: str, data: bytes | None = None) -> None:
        """`data`, when given, is the file's content already read (collation's worker reads
        each file once, to hash it); else the file is read here."""
        self.path = path
        self.file = str(path)
        self._total = 0
        if data is not None and len(data) <= IN_MEMORY_BYTES:
            size, whole = len(data), data
        else:
            size, whole = self._head(data)
        magic = whole[:8]
        if magic == OLE_MAGIC:
            raise ReturnError(
                self.file,
                f"this is a legacy binary or password-protected Office file, not a {kind}; "
                f"remove any password and save it as .{kind} (Word/Excel 2007 or later)",
            )
        if not magic.startswith(b"PK"):
            raise ReturnError(self.file, f"not a .{kind} file (not a zip package)")
        self._bytes = whole if size <= IN_MEMORY_BYTES else None
        self._zip: zipfile.ZipFile | None = None
        self._dir: directory.Directory | None = None
        if self._bytes is not None:
            # a plain zip's directory is read from its bytes (`directory`), any other by zipfile
            _check_declared(end_record(io.BytesIO(self._bytes)), self.file, MAX_ENTRIES)
            self._dir = directory.read(self._bytes)
        try:
            self._check_entries()
        except ReturnError:
            self.close()
            raise

    def _head(self, data: bytes | None) -> tuple[int, bytes]:
        """(the file's size, its bytes when it is at most IN_MEMORY_BYTES, else its first 8),
        from one open: a return is small, and one read gives the zip its bytes (no re-reading
        the tail, no seeks on disk per part); a large file is read as needed."""
        if data is not None and len(data) > MAX_FILE_BYTES:
            raise ReturnError(self.file, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
        try:
            fd = os.open(self.path, os.O_RDONLY)
            try:
                size = len(data) if data is not None else os.fstat(fd).st_size
                if size > MAX_FILE_BYTES:
                    raise ReturnError(self.file, f"the file is larger than "
                                      f"{MAX_FILE_BYTES // 2**20} MB")
                want = size + 1 if size <= IN_MEMORY_BYTES else 8
                pieces = []
                while want > 0 and (piece := os.read(fd, want)):
                    pieces.append(piece)
                    want -= len(piece)
            finally:
                os.close(fd)
        except OSError as exc:
            raise ReturnError(self.file, f"cannot read the file ({exc.strerror})") from None
        return size, b"".join(pieces)

    @property
    def zip(self) -> zipfile.ZipFile:
        """The package as a `zipfile.ZipFile` (opened when first asked for)."""
        if self._zip is None:
            self._zip = open_zip(io.BytesIO(self._bytes) if self._bytes is not None
                                 else self.path, self.file)
        return self._zip

    def infolist(self) -> list[Entry]:
        """Every entry of the zip's directory, in order."""
        if self._dir is not None:
            return list(self._dir.members)
        return list(self.zip.infolist())

    def getinfo(self, name: str) -> Entry:
        """The directory entry of a part; KeyError when there is none."""
        if self._dir is not None:
            return self._dir.by_name[name]
        return self.zip.getinfo(name)

    def _check_entries(self) -> None:
        infos = self.infolist()
        if len(infos) > MAX_ENTRIES:
            raise ReturnError(self.file, f"the package has more than {MAX_ENTRIES} parts")
        seen: set[str] = set()
        declared = 0
        for info in infos:
            folded = info.filename.casefold()
            if folded in seen:
                raise ReturnError(self.file, f"the package has the part {info.filename} twice")
            seen.add(folded)
            if info.file_size > MAX_ENTRY_BYTES:
                raise ReturnError(self.file, f"the part {info.filename} is too large to read")
            if info.flag_bits & 0x1:
                raise ReturnError(self.file, "the package is encrypted; remove the password")
            declared += info.file_size
        if declared > MAX_TOTAL_BYTES:
            raise ReturnError(self.file, "the package is too large to read")
        self._check_overlap(infos)
        if any(n.endswith("vbaproject.bin") for n in seen):
            raise ReturnError(
                self.file, "the file contains macros (a macro-enabled document); save it "
                "without macros (.docx / .xlsx) and send it again"
            )

    def _check_overlap(self, infos: list[Entry]) -> None:
        """Refuse entries whose data overlap (David Fifield's "better zip bomb"; CPython
        checks this only from 3.11.8, gh-109858). Each local header takes at least 30 bytes
        plus its name, so an entry ends no sooner than that plus its compressed size."""
        spans = sorted(infos, key=lambda i: i.header_offset)
        end_of_data = self._dir.start_dir if self._dir is not None else self.zip.start_dir
        for n, info in enumerate(spans):
            nxt = spans[n + 1].header_offset if n + 1 < len(spans) else end_of_data
            if info.header_offset + 30 + len(info.orig_filename.encode("utf-8", "replace")) \
                    + info.compress_size > nxt:
                raise ReturnError(self.file, f"the package's entries overlap ({info.filename}); "
                                  "a zip bomb or a damaged file")

    def names(self) -> list[str]:
        return [info.filename for info in self.infolist()]

    def has(self, name: str) -> bool:
        try:
            self.getinfo(name)
        except KeyError:
            return False
        return True

    def read(self, name: str) -> bytes:
        """A part's bytes, inflating at most the limits whatever its header claims.

        A small part of a package held in memory whose declared size is within every limit
        (the part's, the package's total and the ratio) is inflated in one call to no more
        than that size (`members.whole`); any other is counted against the limits as it
        inflates (`chunks`)."""
        data = self._bytes
        if data is not None:
            try:
                info = self.getinfo(name)
            except KeyError:
                raise ReturnError(self.file, f"the part {name} is missing") from None
            if self._one_call(info):
                try:
                    out = members.whole(data, info)
                except (zipfile.BadZipFile, ValueError, NotImplementedError, zlib.error) as exc:
                    raise ReturnError(self.file, f"the part {name} is damaged ({exc})") from None
                self._total += len(out)
                return out
        return b"".join(self.chunks(name))

    def whole(self, name: str) -> bool:
        """Whether `read` inflates the part in one call (a small part, within every limit)."""
        try:
            return self._bytes is not None and self._one_call(self.getinfo(name))
        except KeyError:
            return False

    def _one_call(self, info: Entry) -> bool:
        size = info.file_size
        return size <= members.ONE_CALL_BYTES and info.compress_type in members.DIRECT_TYPES \
            and self._total + size <= MAX_TOTAL_BYTES \
            and (size <= RATIO_GRACE_BYTES or size <= MAX_RATIO * info.compress_size)

    def chunks(self, name: str, size: int = 1 << 16) -> Iterator[bytes]:
        """A part's bytes as they inflate, in pieces of at most `size` bytes, stopping with a
        ReturnError at the limits whatever its header claims."""
        try:
            info = self.getinfo(name)
        except KeyError:
            raise ReturnError(self.file, f"the part {name} is missing") from None
        limit = MAX_ENTRY_BYTES
        got = 0
        try:
            for chunk in self._pieces(info, size):
                got += len(chunk)
                self._total += len(chunk)
                if got > limit or self._total > MAX_TOTAL_BYTES:
                    raise ReturnError(self.file, f"the part {name} inflates beyond the limit")
                if got > RATIO_GRACE_BYTES and got > MAX_RATIO * max(info.compress_size, 1):
                    raise ReturnError(
                        self.file, f"the part {name} is compressed suspiciously (zip bomb?)"
                    )
                yield chunk
        except ReturnError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
                zlib.error) as exc:
            raise ReturnError(self.file, f"the part {name} is damaged ({exc})") from None

    def _pieces(self, info: Entry, size: int) -> Iterator[bytes]:
        """A member's bytes as they inflate: in a package held in memory, straight from its
        bytes (`members`), else through `ZipFile.open`."""
        if self._bytes is not None and info.compress_type in members.DIRECT_TYPES:
            return members.pieces(self._bytes, info, size)
        return self._opened(info, size)

    def _opened(self, info: Entry, size: int) -> Iterator[bytes]:
        with self.zip.open(info.filename) as fh:
            while chunk := fh.read(size):
                yield chunk

    def xml(self, name: str) -> etree._Element:
        return parse_xml(self.read(name), self.file, name)

    def modified(self) -> str | None:
        """When the document was last saved, by its own core properties (UTC, ISO 8601).

        Why: a corrected return carries the same instance id as the one it replaces; the
        newer is told by the time the client wrote into the file, never by the file system.
        """
        if not self.has("docProps/core.xml"):
            return None
        try:
            data = self.read("docProps/core.xml")
            refuse_dtd(data, self.file, "docProps/core.xml")
        except ReturnError:
            return None
        quick = modified_text(data)
        if quick is not None:
            return normalise_time(quick)
        try:
            root = parse_xml(data, self.file, "docProps/core.xml")
        except ReturnError:
            return None
        node = next(root.iterchildren("{http://purl.org/dc/terms/}modified"), None)
        return normalise_time(node.text) if node is not None and node.text else None

    def content_types(self) -> str:
        """[Content_Types].xml as text (only looked into, never parsed; still no DTDs).

        Kept by the part's CRC-32 and sizes for the next return, as `sheetml._stamp` keeps
        what every return of one form shares byte for byte (and why that is safe)."""
        try:
            info = self.getinfo("[Content_Types].xml")
            key = (info.CRC, info.file_size, info.compress_size)
        except KeyError:
            key = None
        text = _TYPES.get(key) if key is not None else None
        if text is not None:
            return text
        data = self.read("[Content_Types].xml")
        refuse_dtd(data, self.file, "[Content_Types].xml")
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = data.decode("utf-16", "replace")
        else:
            text = data.decode("utf-8", "replace")
        if key is not None:
            if len(_TYPES) >= 64:
                _TYPES.pop(next(iter(_TYPES)))
            _TYPES[key] = text
        return text

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
