"""Building real mail for the tests: MIME messages with Python's `email` package, Outlook
.msg compound files with a small CFB writer, and TNEF winmail.dat streams.

Why a writer here: no permissively licensed Python library writes .msg files, and the .msg
fixtures found in public repositories are of unclear licence. The compound file written here
follows MS-CFB v3 (512-byte sectors, a mini stream for streams under 4096 bytes, FAT, mini
FAT, directory) and the .msg layout follows MS-OXMSG (property streams `__substg1.0_IIIITTTT`,
the fixed-size `__properties_version1.0`, `__attach_version1.0_#N` storages, embedded messages
in `__substg1.0_3701000D`), as Outlook writes them; the reader under test is olefile's.
Written for this project (MIT).
"""

from __future__ import annotations

import datetime as dt
import struct
from email.message import EmailMessage
from typing import Union

FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
Tree = dict[str, Union[bytes, "Tree"]]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- compound file (MS-CFB v3) ---------------------------------------------------------------
def cfb(root: Tree) -> bytes:
    """A compound file holding `root` (name -> bytes for a stream, dict for a storage)."""
    entries: list[list[object]] = []  # name, type, data, children

    def add(name: str, node: bytes | Tree, kind: int | None = None) -> int:
        idx = len(entries)
        is_dir = isinstance(node, dict)
        entries.append([name, kind or (1 if is_dir else 2), b"" if is_dir else node, []])
        if isinstance(node, dict):
            kids = [add(k, node[k]) for k in sorted(node, key=lambda k: (len(k), k.upper()))]
            entries[idx][3] = kids
        return idx

    add("Root Entry", root, 5)
    sectors: list[bytes] = []
    fat: list[int] = []

    def alloc(data: bytes) -> int:
        if not data:
            return END
        start = len(sectors)
        n = (len(data) + 511) // 512
        for i in range(n):
            sectors.append(data[i * 512:(i + 1) * 512].ljust(512, b"\0"))
            fat.append(start + i + 1 if i < n - 1 else END)
        return start

    mini = bytearray()
    minifat: list[int] = []
    starts: dict[int, int] = {}
    for i, e in enumerate(entries):
        data = e[2]
        assert isinstance(data, bytes)
        if e[1] != 2 or not data:
            continue
        if len(data) < 4096:
            start = len(mini) // 64
            n = (len(data) + 63) // 64
            mini += data.ljust(n * 64, b"\0")
            minifat.extend(start + k + 1 if k < n - 1 else END for k in range(n))
            starts[i] = start
        else:
            starts[i] = alloc(data)
    root_start = alloc(bytes(mini))
    mf = b"".join(struct.pack("<I", x) for x in minifat)
    mf = mf.ljust(((len(mf) + 511) // 512) * 512, b"\xff")
    minifat_start = alloc(mf) if minifat else END
    n_minifat = len(mf) // 512 if minifat else 0
    dirs = []
    for i, e in enumerate(entries):
        name, kind, data, kids = e
        assert isinstance(name, str)
        assert isinstance(data, bytes)
        assert isinstance(kids, list)
        raw = name.encode("utf-16-le") + b"\0\0"
        child = kids[0] if kids else NOSTREAM
        right = NOSTREAM
        for parent in entries:
            siblings = parent[3]
            assert isinstance(siblings, list)
            if i in siblings and siblings.index(i) + 1 < len(siblings):
                right = siblings[siblings.index(i) + 1]
        start, size = (root_start, len(mini)) if kind == 5 else (starts.get(i, END), len(data))
        if kind == 1:
            start, size = 0, 0
        dirs.append(struct.pack("<64sHBBIII16sIQQIQ", raw.ljust(64, b"\0"), len(raw), kind, 1,
                                NOSTREAM, right, child, b"\0" * 16, 0, 0, 0, start, size))
    while len(dirs) % 4:
        dirs.append(struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, NOSTREAM, NOSTREAM,
                                NOSTREAM, b"\0" * 16, 0, 0, 0, 0, 0))
    dir_start = alloc(b"".join(dirs))
    k = 1
    while len(sectors) + k > 128 * k:
        k += 1
    assert k <= 109, "test files stay under ~7 MB"
    fat_sectors = list(range(len(sectors), len(sectors) + k))
    fat.extend([FATSECT] * k)
    fat.extend([FREE] * (128 * k - len(fat)))
    fat_bytes = b"".join(struct.pack("<I", x) for x in fat)
    difat = fat_sectors + [FREE] * (109 - k)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", MAGIC, b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6,
                         b"\0" * 6, 0, k, dir_start, 0, 4096, minifat_start, n_minifat, END, 0)
    header += b"".join(struct.pack("<I", x) for x in difat)
    return header + b"".join(sectors) + fat_bytes


# --- Outlook .msg (MS-OXMSG) -----------------------------------------------------------------
def _filetime(when: dt.datetime) -> int:
    return int((when - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10_000_000)


def _string(pid: int, text: str, unicode: bool) -> tuple[str, bytes]:
    if unicode:
        return f"__substg1.0_{pid:04X}001F", text.encode("utf-16-le")
    return f"__substg1.0_{pid:04X}001E", text.encode("cp1252") + b"\0"


def msg_tree(subject: str, sender: str, email: str, *, body: str = "Please find attached.",
             attachments: list[tuple[str, bytes | Tree]] = (),  # type: ignore[assignment]
             unicode: bool = True, when: dt.datetime | None = None,
             message_id: str = "", embedded: bool = False, headers: str = "") -> Tree:
    """The storages and streams of an Outlook message. An attachment whose content is a Tree
    (from msg_tree(..., embedded=True)) is an attached Outlook item (PR_ATTACH_METHOD 5)."""
    when = when or dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)
    fixed = [struct.pack("<IIQ", (0x0039 << 16) | 0x0040, 2, _filetime(when))]
    if not unicode:
        fixed.append(struct.pack("<IIQ", (0x3FFD << 16) | 0x0003, 2, 1252))
    tree: Tree = {}
    strings = {0x0037: subject, 0x0C1A: sender, 0x5D01: email, 0x1000: body}
    if message_id:
        strings[0x1035] = message_id
    if headers:
        strings[0x007D] = headers
    for pid, text in strings.items():
        name, data = _string(pid, text, unicode)
        tree[name] = data
    tree["__properties_version1.0"] = b"\0" * (24 if embedded else 32) + b"".join(fixed)
    if not embedded:
        tree["__nameid_version1.0"] = {"__substg1.0_00020102": b"", "__substg1.0_00030102": b"",
                                       "__substg1.0_00040102": b""}
    for n, (fname, content) in enumerate(attachments):
        method = 5 if isinstance(content, dict) else 1
        att: Tree = {"__properties_version1.0": b"\0" * 8 + struct.pack(
            "<IIQ", (0x3705 << 16) | 0x0003, 2, method)}
        name, data = _string(0x3707, fname, unicode)
        att[name] = data
        if isinstance(content, dict):
            att["__substg1.0_3701000D"] = content
        else:
            att["__substg1.0_37010102"] = content
        tree[f"__attach_version1.0_#{n:08X}"] = att
    return tree


# --- TNEF winmail.dat -------------------------------------------------------------------------
def _tnef_obj(level: int, attr: int, data: bytes) -> bytes:
    return (struct.pack("<BHHI", level, attr & 0xFFFF, attr >> 16, len(data)) + data
            + struct.pack("<H", sum(data) & 0xFFFF))


def tnef(attachments: list[tuple[str, bytes]]) -> bytes:
    """A winmail.dat as Outlook writes it: version, code page, then each attachment's
    rendering data, title (file name) and data."""
    out = struct.pack("<IH", 0x223E9F78, 0x1234)
    out += _tnef_obj(1, 0x00089006, struct.pack("<I", 0x00010000))
    out += _tnef_obj(1, 0x00069007, struct.pack("<II", 1252, 0))
    for name, data in attachments:
        out += _tnef_obj(2, 0x00069002, b"\x01\x00" + b"\xff" * 12)
        out += _tnef_obj(2, 0x00018010, name.encode() + b"\0")
        out += _tnef_obj(2, 0x0006800F, data)
    return out


# --- MIME -------------------------------------------------------------------------------------
def mime(sender: str, subject: str, *, date: str = "Mon, 02 Nov 2026 10:00:00 +0000",
         message_id: str = "", body: str = "Please find my return attached.",
         attachments: list[tuple[str, bytes]] = ()) -> EmailMessage:  # type: ignore[assignment]
    """A message as a mail client sends it, with the attachments (type from the name)."""
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "Bluestone lead <bluestone@force.police.uk>"
    m["Subject"] = subject
    m["Date"] = date
    m["Message-ID"] = message_id or f"<{abs(hash((sender, subject, date)))}@mail.test>"
    m.set_content(body)
    for name, data in attachments:
        low = name.lower()
        maintype, subtype = "application", "octet-stream"
        if low.endswith(".docx"):
            maintype, subtype = DOCX.split("/")
        elif low.endswith(".xlsx"):
            maintype, subtype = XLSX.split("/")
        elif low.endswith(".pdf"):
            subtype = "pdf"
        elif low.endswith(".zip"):
            subtype = "zip"
        elif low.endswith(".txt"):
            maintype, subtype = "text", "plain"
        elif low.endswith(".png"):
            maintype, subtype = "image", "png"
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m
