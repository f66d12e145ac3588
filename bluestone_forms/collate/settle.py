"""Which of several returns of one instance stands: current, superseded or in conflict.

Why a module of its own: the outcome of a return with a given instance id must depend only on
the set of returns of that instance in the store, never on the file names or the order they
were read in. So each time a return comes in, the statuses of every return of its instance
are worked out again from scratch by one rule, and the outcome of each file involved follows:

- the newest by the time its client saved it is current and every older one is superseded
  (its row in Files names the return that superseded it);
- several returns saved at the same newest time, or any return whose save time is not known,
  cannot be put in order: they are conflicts (and the older ones still superseded).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..store.core import InstanceRow, Store
from .pause import pause


def settle(store: Store, instance_id: str, known: set[str] | None = None) -> dict[int, str]:
    """Recompute the status of every return of `instance_id` and the outcome of their files
    (inside the caller's transaction); returns each of those files' outcome now.

    Why the reads are merged: the instance's rows come with their files' outcome, message
    and issue count and the statuses of the files' other records in one query, and a row or
    a file is written only when it changes.

    Why `known`: a batch asks the store once which of its instances have a standing return
    already (`Store.standing_instances`) and passes those. A return of an instance not among
    them, nor seen earlier in the batch (it is added here), stands alone: settling it would
    find its one record current and its file's outcome as ingest set it, and change nothing,
    so no query is made (most returns of a run). None: settle whatever the instance."""
    pause("settle")
    if known is not None and instance_id not in known:
        known.add(instance_id)
        return {}
    rows = store.instance_records(instance_id)
    if not rows:
        return {}
    status, winners = _statuses(rows)
    for r in rows:
        if r.status != status[r.id]:
            store.set_status(r.id, status[r.id])
    outcomes = {}
    for r in rows:
        if r.file_id not in outcomes:
            outcomes[r.file_id] = _file_outcome(store, r, rows, status, winners)
    return outcomes


def _statuses(rows: Sequence[InstanceRow]) -> tuple[dict[int, str], list[InstanceRow]]:
    """Each record's status, and the records that stand (one current, or those in conflict)."""
    if len(rows) == 1:
        return {rows[0].id: "current"}, list(rows)
    if any(r.modified is None for r in rows):
        return {r.id: "conflict" for r in rows}, list(rows)
    newest = max(r.modified or "" for r in rows)
    top = [r for r in rows if r.modified == newest]
    mark = "current" if len(top) == 1 else "conflict"
    return {r.id: mark if r.modified == newest else "superseded" for r in rows}, top


def _file_outcome(store: Store, row: InstanceRow, rows: list[InstanceRow],
                  status: dict[int, str], winners: list[InstanceRow]) -> str:
    """A read file's outcome from its records' statuses (those of this instance as now
    settled, the others' as counted in `row`): conflict if any is, superseded if all are
    (naming what superseded it), else read or read with issues. Written only when it
    changes."""
    file_id = row.file_id
    mine = [status[r.id] for r in rows if r.file_id == file_id]
    message: str | None = None
    if "conflict" in mine or row.other_conflicts:
        others = sorted({w.path for w in winners if w.file_id != file_id})
        outcome, message = "conflict", (
            "same instance id as " + ", ".join(others) + " and saved at the same time (or at "
            "a time not recorded), so which is the later cannot be told; check which is "
            "right and send it again")
    elif all(s == "superseded" for s in mine) and not row.other_standing:
        by = sorted({(w.path, w.modified or "") for w in winners})
        what = "; ".join(f"{p} (saved {m})" for p, m in by)
        kind = "a corrected return" if len(by) == 1 else "later returns in conflict"
        outcome, message = "superseded", f"superseded by {kind}: {what}"
    elif row.outcome == "awaiting_review":  # a scan with more to key stays so
        return row.outcome
    else:  # keeping a note it has (read by its content)
        outcome = "read_with_issues" if row.issues else "read"
    if outcome != row.outcome or (message is not None and message != row.message):
        store.set_outcome(file_id, outcome, message)
    return outcome
