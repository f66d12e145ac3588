"""A test hook that holds a collation at a named point, inert unless BLUESTONE_TEST_PAUSE is set.

Why: a test of a fault in the middle of a run (the database connection ended by
`pg_terminate_backend`, the server stopped) needs the run to be at a known point when the fault
strikes, not wherever a timer happens to find it. `BLUESTONE_TEST_PAUSE="settle:3:/tmp/flag"`
makes the 3rd arrival at the point `settle` create the file /tmp/flag and wait until the test
removes it (at most two minutes), then go on. The points: `commit` (a batch just committed),
`ingest` (a file just written, its batch's transaction still open) and `settle` (the statuses
of an instance about to be worked out, inside the transaction).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

PAUSE_HOOK = "BLUESTONE_TEST_PAUSE"
_arrivals: Counter[str] = Counter()


def pause(point: str) -> None:
    """Wait here if the hook names this point and arrival (see the module docstring)."""
    plan = os.environ.get(PAUSE_HOOK)
    if not plan:
        return
    name, nth, flag = plan.split(":", 2)
    if name != point:
        return
    _arrivals[point] += 1
    if _arrivals[point] != int(nth):
        return
    Path(flag).touch()
    deadline = time.monotonic() + 120
    while Path(flag).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
