"""A message's outcome line into the store (its attachments go in as files do)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence

from ..store.core import Store
from .provenance import Provenance
from .walk import MessageLine

BATCH = 500  # message lines per transaction (each fsync costs milliseconds)


def ingest_lines(store: Store, lines: Sequence[MessageLine], clip: Callable[[str], str]
                 ) -> Iterator[tuple[str, bool]]:
    """Store the message lines, BATCH to a transaction; yields each one's outcome and whether
    it was in the store already (a re-run), in which case nothing is written for it.

    Why batches are safe: a line is derived from its message alone, so a run interrupted
    mid-batch loses only whole lines, which the next run writes."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for start in range(0, len(lines), BATCH):
        done: list[tuple[str, bool]] = []
        with store.transaction():
            for line in lines[start:start + BATCH]:
                prior = store.outcome_of(line.name, line.sha256)
                if prior is not None:
                    done.append((prior, True))
                    continue
                file_id = store.add_file(path=line.name, sha256=line.sha256, size=line.size,
                                         reader="mail", read_at=now, outcome=line.outcome,
                                         message=clip(line.message))
                if file_id is None:  # put in by another run meanwhile
                    done.append((line.outcome, True))
                    continue
                add_provenance(store, file_id, line.provenance)
                done.append((line.outcome, False))
        yield from done


def add_provenance(store: Store, file_id: int, prov: Provenance | None,
                   force: str | None = None) -> None:
    if prov is not None:
        store.add_mail(file_id, prov.row(), force)
