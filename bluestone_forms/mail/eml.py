"""Internet mail (.eml, one mbox message, a message/rfc822 part) into a `Mail`.

Parsed with the standard library's `email` package under the compat32 policy: it never
raises on bad input (problems become `defects`), and its header handling has none of the
quadratic cases that the newer policy's header parser has had. Headers are decoded here,
clipped, and never trusted to be well formed.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import email.message
import email.policy
import re
from pathlib import PurePosixPath

from . import mime, tnef
from . import msg as msg_reader
from .headers import header, quoted_hops
from .model import MAX_DEPTH, MAX_HEADER_BYTES, MAX_PARTS, Mail, Part, clip, iso_date

_SMIME_MIME = ("application/pkcs7-mime", "application/x-pkcs7-mime")
_SMIME_SIG = ("application/pkcs7-signature", "application/x-pkcs7-signature")


def header_block_ok(raw: bytes) -> bool:
    """Whether the headers end (a blank line) within MAX_HEADER_BYTES, or the message does."""
    head = raw[: MAX_HEADER_BYTES + 4]
    return len(raw) <= MAX_HEADER_BYTES or b"\n\n" in head or b"\r\n\r\n" in head


def parse_bytes(raw: bytes, depth: int = 0) -> Mail:
    """A message from its bytes; a message that cannot be read says why in `refused`."""
    if not header_block_ok(raw):
        return Mail(refused=f"its headers are larger than {MAX_HEADER_BYTES // 1024} KB "
                            "(or never end); a real message's are a few KB")
    try:
        parsed = mime.parse(raw)
    except (RecursionError, MemoryError):
        return Mail(refused="the message is nested too deeply or too large to parse")
    return from_message(parsed, depth)


def from_message(m: email.message.Message, depth: int = 0) -> Mail:
    """A parsed message (or message/rfc822 part) as a `Mail`, its parts classed."""
    mail = Mail(sender=header(m, "From"), date=iso_date(header(m, "Date")),
                subject=header(m, "Subject"), message_id=header(m, "Message-ID"))
    defects = [type(d).__name__ for d in m.defects]
    if defects:
        mail.notes.append("malformed headers or structure (" + ", ".join(
            sorted(set(defects))[:3]) + "), read as far as possible")
    if depth > MAX_DEPTH:
        mail.refused = (f"a message nested more than {MAX_DEPTH} deep inside other messages; "
                        "it is not opened (forward the original instead)")
        return mail
    for count, _ in enumerate(m.walk(), start=1):
        if count > MAX_PARTS:
            mail.refused = (f"the message has more than {MAX_PARTS} parts; at most "
                            f"{MAX_PARTS} are read from one message (send the returns in "
                            "several messages)")
            return mail
    _walk(m, mail, depth)
    return mail


def _walk(m: email.message.Message, mail: Mail, depth: int) -> None:
    ctype = m.get_content_type()
    if ctype in _SMIME_MIME:
        kind = str(m.get_param("smime-type") or "").lower()
        name = (m.get_filename() or "").lower()
        if kind == "signed-data" or name.endswith("p7s"):
            mail.refused = ("signed with an opaque S/MIME signature (signed-data), which "
                            "hides its attachments; ask the sender to sign in clear text")
        else:
            mail.refused = ("S/MIME-encrypted; its attachments cannot be read without the "
                            "recipient's private key: save it decrypted from the mail client, "
                            "or ask the sender to send it unencrypted")
        return
    if ctype == "multipart/signed":
        proto = str(m.get_param("protocol") or "").lower()
        mail.notes.append("signed (S/MIME, signature not checked)" if "pkcs7" in proto
                          else "signed (signature not checked)")
    if m.is_multipart():
        if ctype == "message/rfc822" or m.get_content_maintype() == "message":
            for sub in m.get_payload():
                if isinstance(sub, email.message.Message):
                    inner = from_message(sub, depth + 1)
                    mail.parts.append(Part(_nested_name(inner), "message", mail=inner))
            return
        for sub in m.get_payload():
            if isinstance(sub, email.message.Message):
                _walk(sub, mail, depth)
        return
    _leaf(m, mail, depth)


def _nested_name(inner: Mail) -> str:
    subject = inner.subject or "message"
    return clip(re.sub(r"[\\/:*?\"<>|]+", "_", subject), 60) + ".eml"


def _leaf(m: email.message.Message, mail: Mail, depth: int) -> None:
    ctype = m.get_content_type()
    name = _safe_name(m.get_filename() or "")
    disposition = (m.get_content_disposition() or "").lower()
    if ctype in _SMIME_SIG:
        mail.parts.append(Part(name or "smime.p7s", "smime-signature"))
        return
    if m.get_content_maintype() == "text":
        if not name and disposition != "attachment":
            mail.parts.append(Part("", "body"))
            if not mail.quoted:
                mail.quoted = quoted_hops(_text(m))
        else:
            mail.parts.append(Part(name or "text", "text"))
        return
    data = m.get_payload(decode=True)
    data = data if isinstance(data, bytes) else b""
    if m.get_content_maintype() == "image" and (disposition == "inline" or m.get("Content-ID")):
        mail.parts.append(Part(name or "image", "signature"))
        return
    low = name.lower()
    if low.endswith((".txt", ".htm", ".html")):  # a text file sent as octet-stream
        mail.parts.append(Part(name, "text"))
        return
    if ctype == "application/ms-tnef" or low == "winmail.dat":
        mail.parts.extend(tnef.parts(data, name or "winmail.dat"))
        return
    if low.endswith(".msg") or ctype == "application/vnd.ms-outlook":
        inner = msg_reader.parse(data, depth + 1)
        mail.parts.append(Part(name or "message.msg", "message", mail=inner))
        return
    if low.endswith(".eml"):
        mail.parts.append(Part(name, "message", mail=parse_bytes(data, depth + 1)))
        return
    mail.parts.append(Part(name or f"attachment{_ext(ctype)}", "return", data=data))


def _text(m: email.message.Message) -> str:
    data = m.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = m.get_content_charset() or "utf-8"
    try:
        return data[:65536].decode(charset, "replace")
    except LookupError:
        return data[:65536].decode("utf-8", "replace")


def _safe_name(name: str) -> str:
    """The last component of an attachment's name, without path tricks or control chars."""
    text = name
    if "=?" in name:
        try:
            text = str(email.header.make_header(email.header.decode_header(name)))
        except (ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
            text = name
    base = PurePosixPath(text.replace("\\", "/")).name
    return clip("".join(c for c in base if c.isprintable()), 120)


def _ext(ctype: str) -> str:
    return {"application/pdf": ".pdf", "application/zip": ".zip",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
            }.get(ctype, "")
