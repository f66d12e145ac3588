"""Collate and export in a process of its own with the network refused, and measure it.

    python -m hostile.guarded LOG STORE OUT SPEC INPUT... > result.json

Every Python-level attempt to open a connection or resolve a name (socket.connect,
create_connection, getaddrinfo, gethostbyname) is written to LOG and refused; the tests also
point hostile files at a listener of their own on 127.0.0.1, which sees any attempt made from
native code (libxml2, qpdf, WeasyPrint). Prints JSON: the summary, seconds taken and the peak
resident memory of this process (VmHWM: getrusage's maxrss survives exec, so it would report
the test process that started this one) and of its largest reader process (RUSAGE_CHILDREN).
"""

from __future__ import annotations

import json
import resource
import socket
import sys
import time
from pathlib import Path
from typing import Any, NoReturn


def _refuse_network(log: Path) -> None:
    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        with log.open("a", encoding="utf-8") as fh:
            fh.write(repr(args[1:3] if args and isinstance(args[0], socket.socket) else args[:2])
                     + "\n")
        raise OSError("the network is refused in this test")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    socket.gethostbyname = refuse


def _high_water_kb() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str]) -> int:
    log, store, out, spec, *inputs = (Path(a) for a in argv)
    _refuse_network(log)
    from bluestone_forms.collate.run import collate
    from bluestone_forms.outputs.export import export
    from bluestone_forms.spec.catalog import Catalog
    from bluestone_forms.spec.loader import load_spec

    t0 = time.perf_counter()
    summary = collate(inputs, store, workers=2, extra_specs=[spec])
    t1 = time.perf_counter()
    catalog = Catalog(Catalog.shipped())
    catalog.add(load_spec(spec))
    export(store, out, catalog, include_names=True)
    t2 = time.perf_counter()
    json.dump({
        "summary": summary.line(), "collate_s": t1 - t0, "export_s": t2 - t1,
        "maxrss_self_kb": _high_water_kb(),
        "maxrss_children_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
