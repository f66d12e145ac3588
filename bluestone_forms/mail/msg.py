"""Outlook .msg files (MS-OXMSG) into a `Mail`, read with olefile (BSD licence).

Why our own small reader: the full-featured .msg libraries for Python are GPL (extract-msg),
and collation needs only the sender, date, subject, Message-ID and the attachments. A .msg is
a compound file: each MAPI property is a stream named `__substg1.0_IIIITTTT` (property id,
type: 001F Unicode UTF-16LE, 001E ANSI in the message's code page, 0102 binary) or a 16-byte
entry in `__properties_version1.0` (fixed-size values: times, integers); each attachment is a
storage `__attach_version1.0_#N`, and an attached message is the storage `__substg1.0_3701000D`
inside it, laid out like a message itself.
"""

from __future__ import annotations

import email.parser
import email.policy
import struct
from typing import Any

import olefile

from .headers import header, quoted_hops
from .model import MAX_DEPTH, MAX_MESSAGE_BYTES, MAX_PARTS, Mail, Part, clip, filetime, iso_date

PROPS = "__properties_version1.0"
SUBJECT, SENDER_NAME, SENDER_EMAIL, SENDER_SMTP = 0x0037, 0x0C1A, 0x0C1F, 0x5D01
SUBMIT_TIME, DELIVERY_TIME, HEADERS, MESSAGE_ID = 0x0039, 0x0E06, 0x007D, 0x1035
BODY, BODY_HTML, BODY_RTF, CODEPAGE, INTERNET_CPID = 0x1000, 0x1013, 0x1009, 0x3FFD, 0x3FDE
ATTACH_DATA, ATTACH_LONG_NAME, ATTACH_NAME, ATTACH_METHOD = 0x3701, 0x3707, 0x3704, 0x3705
DISPLAY_NAME, ATTACH_MIME, ATTACH_CONTENT_ID, ATTACH_HIDDEN = 0x3001, 0x370E, 0x3712, 0x7FFE
EMBEDDED = 5


def is_msg(head: bytes) -> bool:
    return head.startswith(olefile.MAGIC)


def parse(data: bytes, depth: int = 0) -> Mail:
    """A .msg file's bytes as a `Mail`; one that cannot be read says why in `refused`."""
    if len(data) > MAX_MESSAGE_BYTES:
        return Mail(refused=f"the .msg is larger than {MAX_MESSAGE_BYTES // 2**20} MB")
    if not is_msg(data):
        return Mail(refused="not an Outlook message: a .msg is a compound file, this is not one")
    try:
        with olefile.OleFileIO(data) as ole:
            streams = {tuple(str(n) for n in p)
                       for p in ole.listdir(streams=True, storages=False)}
            if (PROPS,) not in streams:
                return Mail(refused="a compound file that is not an Outlook message (no MAPI "
                                    "properties); legacy Office files are not returns either")
            return _Reader(ole, streams).message((), depth, top=True)
    except (OSError, ValueError, struct.error, IndexError, KeyError, TypeError,
            UnicodeError, RecursionError) as exc:
        return Mail(refused=f"the .msg is damaged ({clip(str(exc), 200)})")


class _Reader:
    def __init__(self, ole: olefile.OleFileIO[Any], streams: set[tuple[str, ...]]) -> None:
        self.ole = ole
        self.streams = streams

    def props(self, where: tuple[str, ...], header: int, codepage: str
              ) -> dict[int | str, Any]:
        """The properties of one object (message, attachment) stored under `where`."""
        out: dict[int | str, Any] = {}
        raw = self._read((*where, PROPS))
        for pos in range(header, len(raw) - 15, 16):
            tag, _flags, value = struct.unpack_from("<IIQ", raw, pos)
            pid, ptype = tag >> 16, tag & 0xFFFF
            if ptype == 0x0040:
                out[pid] = filetime(value)
            elif ptype in (0x0003, 0x000B):
                out[pid] = value & 0xFFFFFFFF
        cp = out.get(CODEPAGE) or out.get(INTERNET_CPID)
        codepage = f"cp{cp}" if isinstance(cp, int) and cp else codepage
        if codepage == "cp65001":
            codepage = "utf-8"
        for path in self.streams:
            if len(path) != len(where) + 1 or path[: len(where)] != where:
                continue
            name = path[-1]
            if not name.startswith("__substg1.0_") or len(name) != 20:
                continue
            try:
                pid, ptype = int(name[12:16], 16), name[16:20].upper()
            except ValueError:
                continue
            if ptype == "001F":
                out[pid] = self._read(path).decode("utf-16-le", "replace").rstrip("\x00")
            elif ptype == "001E":
                try:
                    out[pid] = self._read(path).decode(codepage, "replace").rstrip("\x00")
                except LookupError:
                    out[pid] = self._read(path).decode("cp1252", "replace").rstrip("\x00")
            elif ptype == "0102" and pid == ATTACH_DATA:
                out[pid] = self._read(path)
            elif ptype == "0102":
                out[pid] = b""  # present (e.g. the RTF body); not needed
        out["_codepage"] = codepage
        return out

    def _read(self, path: tuple[str, ...]) -> bytes:
        if self.ole.get_size(list(path)) > MAX_MESSAGE_BYTES:
            raise ValueError(f"the stream {'/'.join(path)} is too large")
        with self.ole.openstream(list(path)) as fh:
            return bytes(fh.read())

    def message(self, where: tuple[str, ...], depth: int, top: bool = False) -> Mail:
        p = self.props(where, 32 if top else 24, "cp1252")
        head = _transport(str(p.get(HEADERS, "")))
        name, addr = str(p.get(SENDER_NAME, "")), str(p.get(SENDER_SMTP) or "")
        if not addr and "@" in str(p.get(SENDER_EMAIL, "")):
            addr = str(p[SENDER_EMAIL])
        sender = head.get("from") or (f"{name} <{addr}>" if name and addr else name or addr)
        mail = Mail(sender=clip(sender), subject=clip(str(p.get(SUBJECT, ""))),
                    date=str(p.get(SUBMIT_TIME) or p.get(DELIVERY_TIME) or "")
                    or iso_date(head.get("date", "")),
                    message_id=clip(str(p.get(MESSAGE_ID) or head.get("message-id", ""))))
        if depth > MAX_DEPTH:
            mail.refused = (f"a message nested more than {MAX_DEPTH} deep inside other "
                            "messages; it is not opened (forward the original instead)")
            return mail
        if any(k in p for k in (BODY, BODY_HTML, BODY_RTF)):
            mail.parts.append(Part("", "body"))
        if isinstance(p.get(BODY), str):
            mail.quoted = quoted_hops(p[BODY][:65536])
        attachments = sorted({path[len(where)] for path in self.streams
                              if len(path) > len(where) + 1 and path[: len(where)] == where
                              and path[len(where)].startswith("__attach_version1.0_#")})
        if len(attachments) > MAX_PARTS:
            mail.refused = (f"the message has more than {MAX_PARTS} attachments; at most "
                            f"{MAX_PARTS} are read from one message")
            mail.parts = []
            return mail
        for storage in attachments:
            mail.parts.append(self.attachment((*where, storage), depth, str(p["_codepage"])))
        return mail

    def attachment(self, where: tuple[str, ...], depth: int, codepage: str) -> Part:
        a = self.props(where, 8, codepage)
        name = str(a.get(ATTACH_LONG_NAME) or a.get(ATTACH_NAME) or a.get(DISPLAY_NAME) or "")
        name = clip(name.replace("\\", "/").rsplit("/", 1)[-1], 120)
        embedded = (*where, "__substg1.0_3701000D")
        if a.get(ATTACH_METHOD) == EMBEDDED or any(
                s[: len(embedded)] == embedded for s in self.streams):
            inner = self.message(embedded, depth + 1)
            return Part(name or _msg_name(inner), "message", mail=inner)
        data = a.get(ATTACH_DATA, b"")
        mime = str(a.get(ATTACH_MIME, "")).lower()
        if mime.startswith("image/") and (a.get(ATTACH_CONTENT_ID) or a.get(ATTACH_HIDDEN)):
            return Part(name or "image", "signature")
        low = name.lower()
        if mime.startswith("text/") or low.endswith((".txt", ".htm", ".html")):
            return Part(name, "text")
        if low == "winmail.dat":
            return Part(name, "refused", why="a TNEF winmail.dat inside a .msg is not opened")
        if low.endswith(".msg") and isinstance(data, bytes):
            return Part(name, "message", mail=parse(data, depth + 1))
        if low.endswith(".eml") and isinstance(data, bytes):  # parsed by the walker (no cycle)
            return Part(name, "eml", data=data, depth=depth + 1)
        return Part(name or "attachment", "return", data=data if isinstance(data, bytes) else b"")


def _msg_name(inner: Mail) -> str:
    return clip((inner.subject or "message").replace("/", "_"), 60) + ".msg"


def _transport(text: str) -> dict[str, str]:
    """From, Date and Message-ID of the internet headers Outlook keeps (PR_TRANSPORT_...)."""
    if not text:
        return {}
    parsed = email.parser.HeaderParser(policy=email.policy.compat32).parsestr(text[:65536])
    return {k: header(parsed, k) for k in ("from", "date", "message-id") if parsed.get(k)}

