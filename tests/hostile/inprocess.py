"""Read files one after another in this one process, as `formats.read` alone would (no worker,
no memory cap of collation's), and report what each cost.

    python -m hostile.inprocess SPEC FILE... > lines.jsonl

One JSON line per file, printed as soon as it is read (so a crash still names its file):
{"file", "kind": read | refused | exception | slow, "message", "peak_mb", "seconds"}.
peak_mb is the resident-memory high-water mark the read added (VmHWM is reset before each
file through /proc/self/clear_refs); the process has a 2 GB address-space cap as a backstop.
"""

from __future__ import annotations

import contextlib
import json
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any


def _status(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


class _Slow(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Slow("more than 30 s")


def main(argv: list[str]) -> int:
    from bluestone_forms import formats
    from bluestone_forms.errors import ReturnError
    from bluestone_forms.spec.catalog import Catalog
    from bluestone_forms.spec.loader import load_spec

    catalog = Catalog(Catalog.shipped())
    catalog.add(load_spec(Path(argv[0])))
    for name in formats.FORMATS:
        formats.module(name)
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, hard))
    signal.signal(signal.SIGALRM, _alarm)
    for arg in argv[1:]:
        _reset_peak()
        before = _status("VmRSS")
        t0 = time.perf_counter()
        signal.alarm(30)
        try:
            result = formats.read(Path(arg), catalog=catalog)
            kind, message = "read", f"{len(result.issues)} issues"
        except ReturnError as exc:
            kind, message = "refused", exc.message
        except _Slow as exc:
            kind, message = "slow", str(exc)
        except BaseException as exc:  # the finding: anything else escaping a reader
            kind, message = "exception", f"{type(exc).__name__}: {exc}"[:500]
        finally:
            signal.alarm(0)
        print(json.dumps({"file": arg, "kind": kind, "message": message[:300],
                          "peak_mb": max(0, _status("VmHWM") - before) // 1024,
                          "seconds": round(time.perf_counter() - t0, 3)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
