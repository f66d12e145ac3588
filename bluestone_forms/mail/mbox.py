"""Splitting an mbox file into its messages as a stream: one message in memory at a time.

Why our own splitter rather than `mailbox.mbox`: the standard one reads a whole line at a
time (a hostile file can make one line gigabytes long) and cannot skip a message that is too
large without reading it into memory. Here lines are read in bounded pieces and a message over
the limit is only hashed, never held. The "From " rule is the standard library's (a line
starting "From " begins a message); ">From " lines are unquoted (mboxrd).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .model import MAX_MESSAGE_BYTES

PIECE = 1 << 16
_QUOTED_FROM = re.compile(rb"^>(>*From )")


@dataclass
class Raw:
    """One message of an mbox: its number (from 1), bytes (None when too large), size, hash."""

    number: int
    data: bytes | None
    size: int
    sha256: str


class _Acc:
    def __init__(self, number: int) -> None:
        self.number = number
        self.chunks: list[bytes] | None = []
        self.size = 0
        self.hash = hashlib.sha256()

    def add(self, piece: bytes, at_start: bool) -> None:
        if at_start:
            piece = _QUOTED_FROM.sub(rb"\1", piece)
        self.size += len(piece)
        self.hash.update(piece)
        if self.chunks is not None:
            if self.size > MAX_MESSAGE_BYTES:
                self.chunks = None
            else:
                self.chunks.append(piece)

    def done(self) -> Raw:
        data = None if self.chunks is None else b"".join(self.chunks)
        return Raw(self.number, data, self.size, self.hash.hexdigest())


def messages(path: Path) -> Iterator[Raw]:
    """The messages of the mbox at `path`, in order. Text before the first "From " line
    (not an mbox message) is ignored only if it is blank."""
    acc: _Acc | None = None
    number = 0
    at_start = True
    with path.open("rb") as fh:
        while piece := fh.readline(PIECE):
            if at_start and piece.startswith(b"From "):
                if acc is not None:
                    yield acc.done()
                number += 1
                acc = _Acc(number)
            elif acc is None:
                if piece.strip():
                    number += 1
                    acc = _Acc(number)  # a file not starting with "From ": one message
                    acc.add(piece, at_start)
            else:
                acc.add(piece, at_start)
            at_start = piece.endswith(b"\n")
    if acc is not None:
        yield acc.done()
