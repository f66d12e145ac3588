"""Bounded, sealed reading of Office Open XML packages (.docx, .xlsx) from untrusted returns.

Why: a return arrives by email from anywhere. Before any XML is parsed the zip is checked the
way Apache POI's ZipSecureFile does (entry count, inflated sizes counted as they inflate, never
trusted from headers, compression ratio, duplicate or case-equal names), legacy binary,
encrypted and macro-enabled files are refused with a plain message, and XML is parsed with
entities, DTDs and the network off (ECMA-376 Part 2 forbids DTDs outright).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

from ..errors import ReturnError

MAX_ENTRIES = 1000
MAX_ENTRY_BYTES = 75 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100
RATIO_GRACE_BYTES = 100 * 1024
MAX_FILE_BYTES = 100 * 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
)


def parse_xml(data: bytes, file: str, part: str) -> etree._Element:
    """Parse one XML part safely; a DTD, an entity or broken XML is a ReturnError."""
    head = data[:4096].lstrip()
    if b"<!DOCTYPE" in data[:65536].upper() or b"<!ENTITY" in data[:65536].upper():
        raise ReturnError(file, f"{part} declares a DTD or entities, which Office files never do")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and b"<\x00!\x00D\x00O\x00C" in data[:65536]:
        raise ReturnError(file, f"{part} declares a DTD, which Office files never do")
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ReturnError(file, f"{part} is not well-formed XML ({exc.msg})") from None
    if root is None:
        raise ReturnError(file, f"{part} is empty")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise ReturnError(file, f"{part} declares a DTD, which Office files never do")
    return root


def normalise_time(text: str) -> str | None:
    """An ISO 8601 / W3CDTF time as UTC 'YYYY-MM-DDTHH:MM:SSZ', or None if it is not one."""
    import datetime as dt

    raw = text.strip().replace("Z", "+00:00")
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Package:
    """An opened, pre-checked OOXML zip whose parts are read with bounded inflation."""

    def __init__(self, path: Path, kind: str) -> None:
        self.path = path
        self.file = str(path)
        self._total = 0
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise ReturnError(self.file, f"cannot read the file ({exc.strerror})") from None
        if size > MAX_FILE_BYTES:
            raise ReturnError(self.file, f"the file is larger than {MAX_FILE_BYTES // 2**20} MB")
        with path.open("rb") as fh:
            magic = fh.read(8)
        if magic == OLE_MAGIC:
            raise ReturnError(
                self.file,
                f"this is a legacy binary or password-protected Office file, not a {kind}; "
                f"remove any password and save it as .{kind} (Word/Excel 2007 or later)",
            )
        if not magic.startswith(b"PK"):
            raise ReturnError(self.file, f"not a .{kind} file (not a zip package)")
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ReturnError(self.file, f"the file is damaged or truncated ({exc})") from None
        self._check_entries()

    def _check_entries(self) -> None:
        infos = self.zip.infolist()
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
        names = {i.filename.casefold() for i in infos}
        if any(n.endswith("vbaproject.bin") for n in names):
            raise ReturnError(
                self.file, "the file contains macros (a macro-enabled document); save it "
                "without macros (.docx / .xlsx) and send it again"
            )

    def names(self) -> list[str]:
        return self.zip.namelist()

    def has(self, name: str) -> bool:
        try:
            self.zip.getinfo(name)
        except KeyError:
            return False
        return True

    def read(self, name: str) -> bytes:
        """A part's bytes, inflating at most the limits whatever its header claims."""
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise ReturnError(self.file, f"the part {name} is missing") from None
        limit = MAX_ENTRY_BYTES
        chunks: list[bytes] = []
        got = 0
        try:
            with self.zip.open(info) as fh:
                while True:
                    chunk = fh.read(1 << 16)
                    if not chunk:
                        break
                    got += len(chunk)
                    self._total += len(chunk)
                    if got > limit or self._total > MAX_TOTAL_BYTES:
                        raise ReturnError(self.file, f"the part {name} inflates beyond the limit")
                    if got > RATIO_GRACE_BYTES and got > MAX_RATIO * max(info.compress_size, 1):
                        raise ReturnError(
                            self.file, f"the part {name} is compressed suspiciously (zip bomb?)"
                        )
                    chunks.append(chunk)
        except ReturnError:
            raise
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise ReturnError(self.file, f"the part {name} is damaged ({exc})") from None
        return b"".join(chunks)

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
            root = self.xml("docProps/core.xml")
        except ReturnError:
            return None
        node = root.find("{http://purl.org/dc/terms/}modified")
        return normalise_time(node.text) if node is not None and node.text else None

    def content_types(self) -> str:
        return self.read("[Content_Types].xml").decode("utf-8", "replace")

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
