"""A message's outcome line into the store (its attachments go in as files do)."""

from __future__ import annotations

import datetime as dt

from ..store import Store
from .provenance import Provenance
from .walk import MessageLine


def ingest_line(store: Store, line: MessageLine, message: str) -> tuple[str, bool]:
    """Store one message line in its own transaction; returns its outcome and whether it
    was in the store already (a re-run), in which case nothing is written."""
    prior = store.outcome_of(line.name, line.sha256)
    if prior is not None:
        return prior, True
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with store.transaction():
        file_id = store.add_file(path=line.name, sha256=line.sha256, size=line.size,
                                 reader="mail", read_at=now, outcome=line.outcome,
                                 message=message)
        add_provenance(store, file_id, line.provenance)
    return line.outcome, False


def add_provenance(store: Store, file_id: int, prov: Provenance | None) -> None:
    if prov is not None:
        store.add_mail(file_id, prov.row())
