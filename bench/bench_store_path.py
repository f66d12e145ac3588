"""The store's own cost in one first collate into a fresh SQLite store: wall and CPU time of the
write path, beside the whole collate's wall time, for the toolkit in CODE.

    python bench/bench_store_path.py CODE RETURNS
    # e.g. an older commit unpacked with `git archive COMMIT bluestone_forms form_specs`:
    python bench/bench_store_path.py /tmp/old output/bench/returns-1000/returns

Why a bench of its own: bench_collate derives the store's time as collate minus read, two runs
apart, which a busy machine's noise can swamp; here the write path itself is timed, by wrapping
it (`collate.ingest`, one transaction per file, before the batch commits of issue 19;
`collate.run.Batch.flush`, a batch per transaction, after), so one layout can be compared with
the other on the same files in the same session (issue 21: the SQLite path against the commit
before SQLAlchemy). CPU time is this process's (the readers work in their own processes);
wall time adds the waits for the disk (fsync at each commit).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

spent = [0.0, 0.0]


def timed(fn: Callable[..., Any]) -> Callable[..., Any]:
    def inner(*args: Any, **kw: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kw)
        finally:
            spent[0] += time.perf_counter() - wall
            spent[1] += time.process_time() - cpu
    return inner


def main() -> None:
    code, returns = sys.argv[1], Path(sys.argv[2])
    sys.path.insert(0, code)
    collate: Any
    try:
        from bluestone_forms.collate import run

        run.Batch.flush = timed(run.Batch.flush)  # type: ignore[method-assign]
        collate, layout = run.collate, "batches"
    except ImportError:  # the layout before the packages of issue 14: collate.py
        import bluestone_forms.collate as old

        old.ingest = timed(old.ingest)  # type: ignore[attr-defined]
        collate, layout = old.collate, "file by file"
    tmp = Path(tempfile.mkdtemp(prefix="bench-store-path-"))
    try:
        start = time.perf_counter()
        summary = collate([returns], tmp / "bluestone.sqlite")
        wall = time.perf_counter() - start
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{code} ({layout}): collate {wall:.2f} s; store write path {spent[0]:.2f} s wall, "
          f"{spent[1]:.2f} s CPU; {summary.files} files, {dict(summary.outcomes)}, "
          f"{summary.totals.get('records')} records")


if __name__ == "__main__":
    main()
