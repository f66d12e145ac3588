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

from typing import Any

from ..store.core import Store
from .pause import pause


def settle(store: Store, instance_id: str) -> None:
    """Recompute the status of every return of `instance_id` and the outcome of their files
    (inside the caller's transaction)."""
    pause("settle")
    rows = store.instance_records(instance_id)
    if not rows:
        return
    status, winners = _statuses(rows)
    for r in rows:
        if r["status"] != status[r["id"]]:
            store.set_status(r["id"], status[r["id"]])
    for file_id in sorted({r["file_id"] for r in rows}):
        _file_outcome(store, file_id, winners)


def _statuses(rows: list[Any]) -> tuple[dict[int, str], list[Any]]:
    """Each record's status, and the records that stand (one current, or those in conflict)."""
    if len(rows) == 1:
        return {rows[0]["id"]: "current"}, list(rows)
    if any(r["modified"] is None for r in rows):
        return {r["id"]: "conflict" for r in rows}, list(rows)
    newest = max(r["modified"] for r in rows)
    top = [r for r in rows if r["modified"] == newest]
    mark = "current" if len(top) == 1 else "conflict"
    return {r["id"]: mark if r["modified"] == newest else "superseded" for r in rows}, top


def _file_outcome(store: Store, file_id: int, winners: list[Any]) -> None:
    """A read file's outcome from its records' statuses: conflict if any is, superseded if
    all are (naming what superseded it), else read or read with issues."""
    statuses = store.record_statuses(file_id)
    if not statuses:
        return
    base = "read_with_issues" if store.issue_count(file_id) else "read"
    if "conflict" in statuses:
        others = sorted({w["path"] for w in winners if w["file_id"] != file_id})
        store.set_outcome(file_id, "conflict",
                          "same instance id as " + ", ".join(others) + " and saved at the same "
                          "time (or at a time not recorded), so which is the later cannot be "
                          "told; check which is right and send it again")
    elif all(s == "superseded" for s in statuses):
        by = sorted({(w["path"], w["modified"] or "") for w in winners})
        what = "; ".join(f"{p} (saved {m})" for p, m in by)
        kind = "a corrected return" if len(by) == 1 else "later returns in conflict"
        store.set_outcome(file_id, "superseded", f"superseded by {kind}: {what}")
    elif store.file_outcome(file_id) != "awaiting_review":  # a scan with more to key stays so
        store.set_outcome(file_id, base)  # keeping a note it has (read by its content)

