"""Splitting an mbox file into its messages as a stream: one message in memory at a time.

Why our own splitter rather than `mailbox.mbox`: the standard one reads a whole line at a
time (a hostile file can make one line gigabytes long) and cannot skip a message that is too
large without reading it into memory. Here the file is read in blocks, separators found with
bytes.find, and a message over the limit is only hashed, never held. The "From " rule is the
standard library's (a line starting "From " begins a message); ">From " lines are unquoted
(mboxrd).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .model import MAX_MESSAGE_BYTES

BLOCK = 1 << 20
MAX_SEPARATOR = 64 * 1024  # a "From " line longer than this ends there
_QUOTED_FROM = re.compile(rb"(?m)^>(>*From )")
_SEP = b"\nFrom "


@dataclass
class Raw:
    """One message of an mbox: its number (from 1), bytes (None when too large), size, hash."""

    number: int
    data: bytes | None
    size: int
    sha256: str


class _Acc:
    """One message's bytes as they are found; past the limit only hashed, never held."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.chunks: list[bytes] = []
        self.size = 0
        self.hash: hashlib._Hash | None = None

    def add(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.hash is None and self.size > MAX_MESSAGE_BYTES:
            self.hash = hashlib.sha256(b"".join(self.chunks))
            self.chunks = []
        if self.hash is not None:
            self.hash.update(piece)
        else:
            self.chunks.append(piece)

    def done(self) -> Raw:
        if self.hash is not None:
            return Raw(self.number, None, self.size, self.hash.hexdigest())
        data = b"".join(self.chunks)
        if b">From " in data:  # a quick test first: the regex scan costs more than the find
            data = _QUOTED_FROM.sub(rb"\1", data)
        return Raw(self.number, data, len(data), hashlib.sha256(data).hexdigest())


def messages(path: Path) -> Iterator[Raw]:
    """The messages of the mbox at `path`, in order, read in blocks of BLOCK bytes. A file
    not starting with "From " is one message (unless it is blank)."""
    number = 0
    acc: _Acc | None = None
    skipping = False  # inside a separator line, up to its newline
    with path.open("rb") as fh:
        carry = b"\n"  # as if a newline came before the file
        while True:
            block = fh.read(BLOCK)
            data = carry + block
            if not block:
                data += b"\n"  # let a separator at the very end be seen
            pos = 0
            while True:
                if skipping:
                    nl = data.find(b"\n", pos)
                    if nl < 0:
                        sep_len = len(data) - pos
                        pos = len(data)
                        skipping = sep_len < MAX_SEPARATOR
                        break
                    pos, skipping = nl + 1, False
                at = data.find(_SEP, max(pos - 1, 0))  # pos - 1: the newline ending a
                # separator line, so an empty message is still seen
                if at < 0:
                    break
                if acc is not None:
                    acc.add(data[pos:at + 1])
                    yield acc.done()
                elif data[pos:at + 1].strip():
                    number += 1
                    lead = _Acc(number)
                    lead.add(data[pos:at + 1])
                    yield lead.done()
                number += 1
                acc = _Acc(number)
                pos, skipping = at + 1, True
            if not block:
                rest = data[pos:-1]
                break
            keep = max(pos, len(data) - len(_SEP) + 1)
            if acc is not None:
                acc.add(data[pos:keep])
            elif data[pos:keep].strip():
                number += 1
                acc = _Acc(number)
                acc.add(data[pos:keep])
            carry = data[keep:]
    if acc is not None:
        acc.add(rest)
        yield acc.done()
    elif rest.strip():
        lead = _Acc(number + 1)
        lead.add(rest)
        yield lead.done()
