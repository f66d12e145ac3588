"""What each hostile file costs to read: wall time and peak memory, one forked reader each.

    python bench/bench_hostile.py [FOLDER]

Builds the hostile corpus (tests/hostile) in FOLDER (default: a temporary folder), then reads
every file the way collation does (`collate.read_one` in a forked process under the same
memory cap) and prints, per file, its outcome, milliseconds and the reader's peak resident
memory above an idle forked worker, and the totals. No limits are asserted here; the tests do.
"""

from __future__ import annotations

import os
import pickle
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from hostile import corpus  # noqa: E402

from bluestone_forms import formats  # noqa: E402
from bluestone_forms.collate.file_result import FileResult  # noqa: E402
from bluestone_forms.collate.workers import _limit_memory, catalog_for, read_one  # noqa: E402


def measure(name: str, path: Path, extra: tuple[str, ...]) -> tuple[FileResult, float, int]:
    """read_one in a forked child: its result, seconds, and the child's peak RSS in KB."""
    r, w = os.pipe()
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: read, send the result, leave without cleanup
        os.close(r)
        _limit_memory()
        try:
            data = pickle.dumps(read_one(name, str(path), extra) if name else FileResult(""))
        except BaseException as exc:
            data = pickle.dumps(FileResult(name, error=f"{type(exc).__name__}: {exc}"))
        with os.fdopen(w, "wb") as fh:
            fh.write(data)
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        raw = fh.read()
    _, status, usage = os.wait4(pid, 0)
    took = time.perf_counter() - t0
    result = pickle.loads(raw) if raw else FileResult(name, error=f"crashed (status {status})")
    return result, took, usage.ru_maxrss


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    canary = folder / "canary.txt"
    folder.mkdir(parents=True, exist_ok=True)
    canary.write_text("BENCH-CANARY\n", encoding="utf-8")
    t0 = time.perf_counter()
    built = corpus.build(folder / "hostile", canary)
    print(f"corpus: {len(built)} files built in {time.perf_counter() - t0:.1f} s")
    extra = (str(corpus.SINK_SPEC),)
    catalog_for(extra)
    for fmt in formats.FORMATS:
        formats.module(fmt)
    _, _, idle = measure("", folder, extra)
    print(f"idle forked worker: {idle // 1024} MB resident\n")
    print(f"{'file':34} {'outcome':10} {'ms':>8} {'+MB':>6}  message")
    total = 0.0
    worst = (0, "")
    for case, path in built:
        if path.suffix == ".zip":
            continue  # archives are unpacked by the collating process, not read
        res, took, rss = measure(str(path), path, extra)
        total += took
        extra_mb = max(0, rss - idle) // 1024
        worst = max(worst, (extra_mb, case.name))
        outcome = "rejected" if res.failed else "read"
        message = (res.error or "")[:70]
        print(f"{case.name:34} {outcome:10} {took * 1000:8.0f} {extra_mb:6d}  {message}")
    print(f"\nall files: {total:.1f} s; most memory: {worst[1]} (+{worst[0]} MB over an idle "
          f"worker; cap {resource.getrlimit(resource.RLIMIT_AS)[0]} is set per worker)")


if __name__ == "__main__":
    main()
