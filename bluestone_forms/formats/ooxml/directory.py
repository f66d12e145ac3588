"""A zip's directory, bounded and quick: what its end record declares (`zip_directory`,
checked before anything builds the directory), and a plain zip's central directory read
straight from the file's bytes for a package held in memory (`read`); anything not plain is
left to `zipfile`.

Why: `zipfile.ZipFile` builds a `ZipInfo` per entry through several layers (a return has 12
to 20 parts), which cost about as much as inflating a form's main part. A package that Word,
Excel, LibreOffice or this toolkit writes is plain: one end record at the very end, no
prepended bytes, no Zip64, no extra fields in the directory. Such a directory is read here,
entry by entry, with the same meaning `zipfile` gives it; for anything else (`read` returns
None) the caller opens the file with `zipfile`, which says what is wrong with it. The
checks that follow (entry count, duplicate names, sizes, overlap, encryption) are the
caller's, and are made on these entries exactly as on `zipfile`'s.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_END = struct.Struct("<4s4H2LH")  # end of central directory record, 22 bytes
_MAX_EXTRACT_VERSION = 63  # the newest "version needed to extract" zipfile reads (6.3)
_ENTRY = struct.Struct("<4s4B4HL2L5H2L")  # central directory file header, 46 bytes
_MAX16, _MAX32 = 0xFFFF, 0xFFFFFFFF


class Member:
    """One central directory entry, under the names `zipfile.ZipInfo` gives the same facts."""

    __slots__ = ("CRC", "_dos", "compress_size", "compress_type", "file_size", "filename",
                 "flag_bits", "header_offset", "orig_filename")

    def __init__(self, name: str, method: int, flags: int, crc: int, csize: int, size: int,
                 offset: int, dos: tuple[int, int]) -> None:
        self.filename = self.orig_filename = name
        self.compress_type, self.flag_bits, self.CRC = method, flags, crc
        self.compress_size, self.file_size, self.header_offset = csize, size, offset
        self._dos = dos  # MS-DOS (date, time), turned into `date_time` only when asked

    @property
    def date_time(self) -> tuple[int, int, int, int, int, int]:
        date, time = self._dos
        return ((date >> 9) + 1980, (date >> 5) & 0xF, date & 0x1F,
                time >> 11, (time >> 5) & 0x3F, (time & 0x1F) * 2)


Entry = Member | zipfile.ZipInfo  # a part's directory entry, read here or by zipfile


@dataclass(slots=True)
class Directory:
    members: list[Member]
    by_name: dict[str, Member]
    start_dir: int  # where the central directory starts (the end of the members' data)


def read(data: bytes) -> Directory | None:
    """The central directory of a plain zip (module docstring), or None."""
    at = len(data) - _END.size
    if at < 0 or data[at:at + 4] != b"PK\x05\x06":
        return None  # a comment follows the end record, or it is not there: zipfile decides
    _, disk, cd_disk, here, count, cd_size, cd_at, comment = _END.unpack_from(data, at)
    if disk or cd_disk or comment or here != count or _MAX16 in (here, count) \
            or _MAX32 in (cd_size, cd_at) or cd_at + cd_size != at \
            or data[at - 20:at - 16] == b"PK\x06\x07":
        return None  # several disks, a Zip64 locator or prepended bytes
    members: list[Member] = []
    by_name: dict[str, Member] = {}
    pos = cd_at
    while pos < at:
        if at - pos < _ENTRY.size:
            return None
        (sig, _, _, needs, _, flags, method, time, date, crc, csize, size, n_name, n_extra,
         n_comment, _, _, _, offset) = _ENTRY.unpack_from(data, pos)
        if sig != b"PK\x01\x02" or n_extra or _MAX32 in (csize, size, offset):
            return None  # extra fields (Zip64 sizes among them) are zipfile's to decode
        if needs > _MAX_EXTRACT_VERSION:
            return None  # zipfile refuses a member that needs a later zip version: it decides
        start = pos + _ENTRY.size
        raw = data[start:start + n_name]
        pos = start + n_name + n_extra + n_comment
        if pos > at:
            return None
        try:
            name = raw.decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
        if "\x00" in name:
            return None  # zipfile cuts such a name short
        member = Member(name, method, flags, crc, csize, size, offset, (date, time))
        members.append(member)
        by_name[name] = member
    if len(members) != count:
        return None
    return Directory(members, by_name, cd_at)


def zip_directory(path: Path) -> tuple[int, int] | None:
    """(entries, central directory bytes) as a zip's end record declares them, or None.

    Why: `zipfile.ZipFile` builds an object for every central directory entry before anyone
    can count them (and walks the directory by its size, whatever count the end record
    claims), so a 40 MB zip of a million empty entries costs gigabytes before any check.
    Reading the end record first bounds that.
    """
    try:
        with path.open("rb") as fh:
            return end_record(fh)
    except OSError:
        return None


def end_record(fh: BinaryIO) -> tuple[int, int] | None:
    """`zip_directory` of an open file (or a file's bytes in a BytesIO)."""
    try:
        size = fh.seek(0, 2)
        start = max(0, size - (65535 + 22 + 20))
        fh.seek(start)
        tail = fh.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None
        entries = int.from_bytes(tail[at + 10:at + 12], "little")
        central = int.from_bytes(tail[at + 12:at + 16], "little")
        loc = at - 20
        if loc >= 0 and tail[loc:loc + 4] == b"PK\x06\x07":
            fh.seek(int.from_bytes(tail[loc + 8:loc + 16], "little"))
            rec = fh.read(56)
            if rec[:4] == b"PK\x06\x06" and len(rec) == 56:
                entries = max(entries, int.from_bytes(rec[32:40], "little"))
                central = max(central, int.from_bytes(rec[40:48], "little"))
    except (OSError, ValueError):
        return None
    return entries, central
