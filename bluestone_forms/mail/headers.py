"""Decoding headers, and finding forwarded messages quoted in a body (shared by the .eml
and .msg readers)."""

from __future__ import annotations

import email.errors
import email.header
import email.message
import re

from .model import Hop, clip, iso_date

_QUOTED = re.compile(
    r"^-{2,}\s*(?:Forwarded message|Original Message|Forwarded Message)\s*-{2,}\s*$"
    r"|^From:\s*\S",
    re.I | re.M,
)
_FIELD = re.compile(r"^\s*(From|Sent|Date|Subject)\s*:\s*(.*)$", re.I)

def header(m: email.message.Message, name: str) -> str:
    """A header decoded to text (RFC 2047 words too), on one line, clipped."""
    raw = m.get(name)
    if raw is None:
        return ""
    try:
        text = str(email.header.make_header(email.header.decode_header(str(raw))))
    except (ValueError, LookupError, UnicodeError, email.errors.HeaderParseError):
        text = str(raw)
    return clip(text)


def quoted_hops(body: str) -> list[Hop]:
    """Forwarded messages quoted in a body ("From: … Date/Sent: … Subject: …" blocks, as
    Outlook, Gmail and Thunderbird write them), earliest first."""
    hops: list[Hop] = []
    lines = body.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines) and len(hops) < 20:
        if not _QUOTED.match(lines[i].strip()):
            i += 1
            continue
        fields: dict[str, str] = {}
        j = i
        while j < len(lines) and j < i + 12:
            got = _FIELD.match(lines[j])
            if got:
                key = got.group(1).lower()
                fields.setdefault("date" if key == "sent" else key, got.group(2).strip())
            j += 1
        if "from" in fields and ("date" in fields or "subject" in fields):
            hops.append(Hop(clip(fields["from"]), iso_date(fields.get("date", "")),
                            clip(fields.get("subject", ""))))
            i = j
        else:
            i += 1
    return list(reversed(hops))
