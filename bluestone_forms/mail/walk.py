"""From a mail file to candidate returns on disk and one outcome line per message.

Every attachment that could be a return is written to the collation's scratch folder (as zip
members are) and handed to the same reader workers as any file, with its provenance. Every
message gets one line: what was taken out, and the parts that are not returns (body,
signature images, text attachments such as disclaimers), counted by kind; a message with no
return in it says "no return attached"; a message that cannot be read says why, and the rest
of the mailbox is still read.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import eml, mbox, msg
from .model import MAX_MESSAGE_BYTES, Hop, Mail, Part, clip
from .provenance import Provenance

MAIL_SUFFIXES = {".eml": "eml", ".msg": "msg", ".mbox": "mbox", ".mbx": "mbox"}
_HEADER = re.compile(rb"^(Return-Path|Received|From|Date|Subject|Message-ID|MIME-Version|"
                     rb"Delivered-To|To|Reply-To|DKIM-Signature|X-[A-Za-z0-9-]+):", re.I)


@dataclass(frozen=True)
class Candidate:
    """An attachment written to disk for the readers."""

    name: str
    disk: Path
    provenance: Provenance


@dataclass(frozen=True)
class MessageLine:
    """One message's outcome line: "message" (attachments taken out), "no_return" or
    "rejected" (with why)."""

    name: str
    sha256: str
    size: int
    outcome: str
    message: str
    provenance: Provenance | None


@dataclass
class Found:
    """What the mail files of one collation hold."""

    candidates: list[Candidate] = field(default_factory=list)
    lines: list[MessageLine] = field(default_factory=list)
    provenance: dict[str, Provenance] = field(default_factory=dict)  # by source name


def kind(path: Path) -> str | None:
    """"eml", "mbox" or "msg" if the file is mail (by extension, else by its first bytes)."""
    by_name = MAIL_SUFFIXES.get(path.suffix.lower())
    if by_name:
        return by_name
    if path.suffix.lower() not in ("", ".txt", ".mail", ".mbs"):
        return None
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if head.startswith(b"From "):
        return "mbox"
    lines = head.split(b"\n", 40)
    names = [ln for ln in lines[:40] if _HEADER.match(ln)]
    if lines and _HEADER.match(lines[0]) and len(names) >= 2:
        return "eml"
    return None


def expand(path: Path, scratch: Path, found: Found) -> None:
    """Take the returns out of one mail file (eml, mbox or msg) into `found`."""
    what = kind(path)
    target = Path(scratch) / hashlib.sha256(str(path).encode()).hexdigest()[:16]
    target.mkdir(parents=True, exist_ok=True)
    writer = _Writer(target, found)
    if what == "mbox":
        for raw in mbox.messages(path):
            name = f"{path}!/message {raw.number}"
            if raw.data is None:
                found.lines.append(_too_large(name, raw.sha256, raw.size))
                continue
            writer.message(eml.parse_bytes(raw.data), name, raw.sha256, raw.size, str(path))
        return
    size = path.stat().st_size
    if size > MAX_MESSAGE_BYTES:
        found.lines.append(_too_large(str(path), _sha_file(path), size))
        return
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    mail = msg.parse(data) if what == "msg" else eml.parse_bytes(data)
    writer.message(mail, str(path), sha, size, str(path))


def _too_large(name: str, sha: str, size: int) -> MessageLine:
    return MessageLine(name, sha, size, "rejected",
                       f"the message is {size // 2**20} MB; at most "
                       f"{MAX_MESSAGE_BYTES // 2**20} MB is read from one message", None)


def _sha_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class _Writer:
    def __init__(self, target: Path, found: Found) -> None:
        self.target = target
        self.found = found
        self.n = 0

    def message(self, mail: Mail, name: str, sha: str, size: int, mailbox: str,
                outer: tuple[Mail, ...] = ()) -> int:
        """Write out one message's candidates and add its line (and its nested messages');
        returns how many candidate returns it holds, nested ones included."""
        top = outer[0] if outer else mail
        here = Provenance(top.sender, top.date, top.subject, top.message_id,
                          _chain((*outer, mail)), "", mailbox)
        if mail.refused:
            self.found.lines.append(MessageLine(name, sha, size, "rejected",
                                                _who(mail) + mail.refused, here))
            return 0
        taken: list[str] = []
        others: Counter[str] = Counter()
        other_names: dict[str, list[str]] = {}
        nested = 0
        used: set[str] = set()
        for part in mail.parts:
            if part.kind == "eml":  # an .eml attached to a .msg
                part.kind, part.mail = "message", eml.parse_bytes(part.data, part.depth)
            if part.kind == "return":
                label = _unique(part.name, used)
                taken.append(label)
                self._write(part, f"{name}!/{label}", here, label)
            elif part.kind == "message" and part.mail is not None:
                label = _unique(part.name, used)
                sub = hashlib.sha256(f"{sha}/{label}".encode()).hexdigest()
                held = self.message(part.mail, f"{name}!/{label}", sub, 0, mailbox,
                                    (*outer, mail))
                nested += held
                taken.append(f"{label} (a message inside, {held} return(s))")
            elif part.kind == "refused":
                label = _unique(part.name, used)
                sub = hashlib.sha256(f"{sha}/{label}".encode()).hexdigest()
                self.found.lines.append(MessageLine(f"{name}!/{label}", sub, len(part.data),
                                                    "rejected", part.why, here))
                taken.append(f"{label} (rejected)")
            else:
                others[part.kind] += 1
                if part.name:
                    other_names.setdefault(part.kind, []).append(part.name)
        direct = sum(1 for p in mail.parts if p.kind == "return")
        held = direct + nested
        outcome = "message" if held else "no_return"
        head = (f"{len(taken)} attachment(s) taken out: {', '.join(taken)}" if taken
                else "no return attached")
        if taken and not held:
            head = "no return attached (" + ", ".join(taken) + ")"
        text = _who(mail) + head + _not_returns(others, other_names)
        if mail.notes:
            text += "; " + "; ".join(mail.notes)
        self.found.lines.append(MessageLine(name, sha, size, outcome, clip(text, 1800), here))
        return held

    def _write(self, part: Part, name: str, prov: Provenance, label: str) -> None:
        self.n += 1
        suffix = Path(label).suffix.lower()[:8]
        disk = self.target / f"{self.n:06d}{suffix}"
        disk.write_bytes(part.data)
        self.found.candidates.append(Candidate(name, disk, Provenance(
            prov.sender, prov.date, prov.subject, prov.message_id, prov.chain, label,
            prov.mailbox)))


_KINDS = {"body": "the message body", "signature": "signature image",
          "smime-signature": "S/MIME signature", "text": "text attachment"}


def _not_returns(others: Counter[str], names: dict[str, list[str]]) -> str:
    if not others:
        return ""
    bits = []
    for k, n in sorted(others.items()):
        label = _KINDS.get(k, k)
        if k == "body":
            bits.append(label if n == 1 else f"{label} ({n} versions)")
            continue
        shown = ", ".join(names.get(k, [])[:5])
        bits.append(f"{n} {label}{'s' if n > 1 else ''}" + (f" ({shown})" if shown else ""))
    return "; not returns: " + ", ".join(bits)


def _who(mail: Mail) -> str:
    subject = f" “{mail.subject}”" if mail.subject else ""
    return f"from {mail.sender or '(no sender)'}, {mail.date or 'no date'}{subject}: "


def _chain(path: tuple[Mail, ...]) -> tuple[Hop, ...]:
    """The forwarding chain, earliest first: the innermost message's quoted forwards, then
    that message, then each message around it (with what its body quotes)."""
    hops: list[Hop] = []
    for m in reversed(path):
        hops.extend(h for h in m.quoted if h not in hops)
        hops.append(m.hop())
    return tuple(hops)


def _unique(name: str, used: set[str]) -> str:
    label = name or "attachment"
    n = 1
    while label in used:
        n += 1
        stem, dot, ext = label.rpartition(".")
        label = f"{stem} ({n}).{ext}" if dot and stem else f"{name} ({n})"
    used.add(label)
    return label
