"""What a message is to collation, whatever it came in (.eml, mbox, Outlook .msg, TNEF).

Each reader turns its format into a `Mail`: who sent it, when, its subject and Message-ID,
and its parts, each classed as a candidate return, a nested message, or a part that is not a
return (body, signature image, disclaimer). The walker (`walk.py`) then handles every format
the same way, so the limits and outcomes are the same for all.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from dataclasses import dataclass, field

MAX_MESSAGE_BYTES = 100 * 1024 * 1024  # one message (as the zip member cap)
MAX_HEADER_BYTES = 256 * 1024  # a message's header block
MAX_PARTS = 500  # MIME parts or attachments in one message, nested messages included
MAX_DEPTH = 3  # messages inside messages opened below the one in the mailbox
MAX_TEXT = 300  # characters kept of a header value (a hostile one may be megabytes)


@dataclass(frozen=True)
class Hop:
    """One message in a forwarding chain."""

    sender: str
    date: str
    subject: str

    def text(self) -> str:
        return f"{self.sender or '(no sender)'} ({self.date or 'no date'})"


@dataclass
class Part:
    """One part of a message.

    kind: "return" (a candidate return: goes to the readers), "message" (a message inside,
    in `mail`), "eml" (the bytes of an .eml to parse at `depth`), "body", "signature" (an
    image shown in the body), "smime-signature", "text" (a text or HTML attachment such as a
    disclaimer), "refused" (`why` says).
    """

    name: str
    kind: str
    data: bytes = b""
    mail: Mail | None = None
    why: str = ""
    depth: int = 0


@dataclass
class Mail:
    """A message as collation sees it.

    `refused` is why the message as a whole cannot be read (encrypted, headers too large,
    too many parts); then its parts are not looked at. `notes` are said on its outcome line
    (signed, malformed headers). `quoted` are the forwarded messages quoted in its body.
    """

    sender: str = ""
    date: str = ""
    subject: str = ""
    message_id: str = ""
    parts: list[Part] = field(default_factory=list)
    refused: str = ""
    notes: list[str] = field(default_factory=list)
    quoted: list[Hop] = field(default_factory=list)

    def hop(self) -> Hop:
        return Hop(self.sender, self.date, self.subject)


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """One line of at most `limit` characters."""
    one = " ".join(str(text).split())
    return one if len(one) <= limit else one[:limit] + "…"


def iso_date(raw: str) -> str:
    """An RFC 5322 date as ISO 8601 (keeping its offset); the raw text if it is not one."""
    if not raw:
        return ""
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return clip(raw, 60)
    if when is None:  # pragma: no cover - older Pythons returned None
        return clip(raw, 60)
    return when.isoformat(timespec="seconds")


def filetime(value: int) -> str:
    """A Windows FILETIME (100 ns since 1601, UTC) as ISO 8601; "" if out of range."""
    try:
        when = dt.datetime(1601, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=value // 10)
    except OverflowError:
        return ""
    return when.isoformat(timespec="seconds")
