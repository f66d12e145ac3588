"""Parts of bench_collate: the floor each return is measured against, and the peak memory of
a whole process tree (the returns themselves: bench_returns.py).

The floor of a file is the least any reader of its answers must do, the same as the
per-format benchmarks (bench_docx, bench_xlsx, bench_pdf):
  docx      zip open + lxml parse of word/document.xml
  xlsx      zip open + lxml parse of the input sheet and xl/sharedStrings.xml
  pdf       pikepdf open + walk of the AcroForm tree collecting /T and /V
"""

from __future__ import annotations

import os
import threading
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _input_sheet(z: zipfile.ZipFile) -> str:
    """The input sheet of a generated workbook (the first worksheet)."""
    return min(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))


def floor(path: Path) -> int:
    """Open and parse the file as the floor does; returns a count (so nothing is skipped)."""
    if path.suffix == ".pdf":
        # bench_pdf's floor; imported here, once the toolkit is (bench_pdf puts this worktree
        # first on sys.path, which must not decide which toolkit BENCH_CODE measures)
        from bench_pdf import floor as pdf_floor

        return sum(v is not None for v in pdf_floor(path).values())
    with zipfile.ZipFile(path) as z:
        if path.suffix == ".docx":
            return len(etree.fromstring(z.read("word/document.xml"), PARSER))
        sheet = _input_sheet(z)
        n = len(etree.fromstring(z.read(sheet), PARSER))
        if "xl/sharedStrings.xml" in z.namelist():
            n += len(etree.fromstring(z.read("xl/sharedStrings.xml"), PARSER))
        return n


def floor_many(paths: list[str]) -> int:
    return sum(floor(Path(p)) for p in paths)


# --- peak memory of the whole process tree ---

def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants, summed (from /proc)."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_bytes()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        pid = int(entry.name)
        parent[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * page
    total = 0
    for pid in rss:
        p = pid
        while p and p != root:
            p = parent.get(p, 0)
        if p == root:
            total += rss[pid]
    return total


class TreePeak:
    """Samples the summed resident memory of this process and every descendant (readers,
    the report process, pool workers) every `interval` seconds while in use."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(me))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreePeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _tree_rss(os.getpid()))

    @property
    def mb(self) -> float:
        return self.peak / 2**20
