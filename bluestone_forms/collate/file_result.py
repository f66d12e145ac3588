"""What reading one file gave, as it crosses from a reader process to the collation.

Why a class and not a dict: the result is made in a worker process (`collate.workers`, the scan
batch) and consumed by `collate.run` and `api.read_files`; a typed, picklable result keeps
the two sides agreeing on its fields, and mypy checks both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..answers.records import Record
from ..errors import Issue

MAX_FAULT = 20_000  # characters of a reader fault's traceback kept


def digest(path: Path) -> tuple[str, int]:
    """sha256 and size of a file, read in chunks (a huge file costs no memory)."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


@dataclass
class FileResult:
    """One file read (or not): its records and issues, or why it was not read.

    `sha256` and `size` are of the bytes the reader read; `mtime_ns`, `inode` and `ctime_ns`
    are the file's stat taken from the same open file (0 where the worker did not read it).
    `error` is the one-line reason a file is rejected. `fault` is set besides when the reason
    is a fault in the toolkit rather than in the file: the traceback, for whoever fixes it.
    `unchanged` marks a file already in the store with the same content, only hashed. Scans
    add `message` (their outcome line), `pending` (marks or writing still to key) and `pages`.
    """

    path: str
    sha256: str = ""
    size: int = 0
    reader: str | None = None
    records: list[Record] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    error: str | None = None
    fault: str | None = None
    note: str | None = None
    message: str | None = None
    pending: int = 0
    pages: int = 0
    unchanged: bool = False
    mtime_ns: int = 0
    inode: int = 0
    ctime_ns: int = 0

    @property
    def failed(self) -> bool:
        return self.error is not None


def fault_text(trace: str) -> str:
    """A traceback bounded for the store and a terminal (its end, where the fault is)."""
    return trace if len(trace) <= MAX_FAULT else "…" + trace[-MAX_FAULT:]
