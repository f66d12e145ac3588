"""Writing a pack of forms (several specs, several formats) with every core.

Why: a PDF or paper form is laid out by WeasyPrint, about a CPU-second a form whatever is
reused in the process (a shared font configuration and a pre-parsed stylesheet were measured
and gave nothing); Word and Excel forms take a tenth of that. So the WeasyPrint jobs of a pack
run in worker processes, one per core, while this process writes the Word and Excel files.

A job that fails in a worker is run again here, so its error is raised as it would have been
without workers (an exception does not always survive the trip between processes intact).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

SLOW_FORMATS = frozenset({"pdf", "paper"})  # laid out by WeasyPrint


class Write:
    """One file of a pack: `fn(spec, path, **kw)` writes `path` in format `fmt`."""

    def __init__(self, fmt: str, fn: Callable[..., Path], spec: object, path: Path,
                 **kw: object) -> None:
        self.fmt, self.fn, self.spec, self.path, self.kw = fmt, fn, spec, path, kw

    def __call__(self) -> Path:
        self.fn(self.spec, self.path, **self.kw)
        return self.path


_JOBS: Sequence[Write] = ()  # the jobs of the pack being written, inherited by forked workers


def _run(index: int) -> bool:
    """Run job `index` in a worker; whether it succeeded."""
    try:
        _JOBS[index]()
    except Exception:
        return False
    return True


def _weight(job: Write) -> float:
    """About how long a WeasyPrint job takes: its spec's size as text (the paper form lays out
    a fifth more than the fillable one)."""
    return len(repr(job.spec)) * (1.2 if job.fmt == "paper" else 1.0)


def workers_for(slow: int) -> int:
    """Worker processes for `slow` WeasyPrint jobs: one per core, none for a single job."""
    if slow < 2 or not sys.platform.startswith("linux"):  # fork keeps the warm imports
        return 0
    return min(slow, os.cpu_count() or 1)


def run(jobs: Sequence[Write]) -> list[Path]:
    """Write every job's file; the paths in the order of `jobs`."""
    global _JOBS
    # the longest layouts first, so no long one is left running alone at the end
    slow = sorted((i for i, job in enumerate(jobs) if job.fmt in SLOW_FORMATS),
                  key=lambda i: -_weight(jobs[i]))
    if workers_for(len(slow)) < 2:
        return [job() for job in jobs]
    _JOBS = jobs
    try:
        with cf.ProcessPoolExecutor(workers_for(len(slow)),
                                    mp_context=mp.get_context("fork")) as pool:
            pending = {i: pool.submit(_run, i) for i in slow}
            for i, job in enumerate(jobs):
                if i not in pending:
                    job()
            for i, future in pending.items():
                if not future.result():
                    jobs[i]()  # run here what failed there, to raise its error as it is
    finally:
        _JOBS = ()
    return [job.path for job in jobs]
