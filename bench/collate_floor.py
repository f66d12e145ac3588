"""Parts of bench_collate: the returns it collates, the floor each is measured against, and
the peak memory of a whole process tree.

The floor of a file is the least any reader of its answers must do, the same as the
per-format benchmarks (bench_docx, bench_xlsx, bench_pdf):
  docx      zip open + lxml parse of word/document.xml
  xlsx      zip open + lxml parse of the input sheet and xl/sharedStrings.xml
  pdf       pikepdf open + walk of the AcroForm tree collecting /T and /V
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import random
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from bluestone_forms import formats
from bluestone_forms.answers.records import new_instance_id
from bluestone_forms.formats import xlsx
from bluestone_forms.formats.xlsx._fill import prepare
from bluestone_forms.formats.xlsx._layout import row_id
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
KINDS = ("docx", "xlsx", "register", "pdf")  # a register is an .xlsx with one row per return
REGISTER_ROWS = 5  # returns keyed into each register (of its 200 rows)
_SHEETS: dict[str, str] = {}


def kind_of(path: Path) -> str:
    """The kind of a bench return, from the name make_returns gave it."""
    return "register" if path.stem.endswith("-register") else path.suffix[1:]


def spec_of(path: Path) -> str:
    return path.stem.split("-")[0]


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


# --- the returns, made by filling generated templates ---

def _make(args: tuple[str, str, str, int, str]) -> None:
    form, kind, template, seed, out = args
    spec = Catalog.shipped().get(form)
    rng = random.Random(seed)
    if kind == "register":
        rows = [sample_values(spec, rng) for _ in range(REGISTER_ROWS)]
        new = new_instance_id()
        xlsx.fill(Path(template), rows, Path(out), instance_id=new)
        _new_row_ids(Path(template), Path(out), new)
        return
    vals = sample_values(spec, rng)
    formats.module(kind).fill(Path(template), vals, Path(out), instance_id=new_instance_id())


def _new_row_ids(template: Path, out: Path, new: str) -> None:
    """Give a filled register the row ids of its new instance id (a fill keeps the template's,
    so every register of one template would hold the same returns: conflicts)."""
    old = prepare(template, None, None).instance_id or ""
    pairs = [(row_id(old, k).encode(), row_id(new, k).encode()) for k in range(1, 201)]
    with zipfile.ZipFile(out) as z:
        parts = [(info, z.read(info)) for info in z.infolist()]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for info, body in parts:
            if info.filename.endswith(".xml"):
                for a, b in pairs:
                    body = body.replace(a, b)
            z.writestr(info, body)


def make_returns(folder: Path, n: int) -> tuple[list[Path], float]:
    """n returns under folder/returns (made once; reused while the folder is complete): the
    shipped specs in turn, each kind in turn, spread over seven force folders."""
    stamp = folder / "complete"
    returns = folder / "returns"
    cat = Catalog.shipped()
    specs = sorted({s.id for s in cat})
    jobs = []
    for i in range(n):
        form = specs[i % len(specs)]
        kind = KINDS[(i // len(specs)) % len(KINDS)]
        ext = ".xlsx" if kind == "register" else formats.EXTENSIONS[kind]
        tail = "-register" if kind == "register" else ""
        out = returns / f"force{i % 7}" / f"{form}-{i:06d}{tail}{ext}"
        jobs.append((form, kind, "", i, str(out)))
    paths = [Path(j[4]) for j in jobs]
    if stamp.is_file() and stamp.read_text() == str(n):
        return paths, 0.0
    tdir = folder / "templates"
    tdir.mkdir(parents=True, exist_ok=True)
    templates: dict[tuple[str, str], Path] = {}
    for spec in cat:
        for kind in KINDS:
            if kind == "register":
                p = tdir / f"{spec.id}-register.xlsx"
                xlsx.write(spec, p, layout="register")
            else:
                p = tdir / f"{spec.id}{formats.EXTENSIONS[kind]}"
                formats.module(kind).write(spec, p)
            templates[(spec.id, kind)] = p
    for i in range(7):
        (returns / f"force{i}").mkdir(parents=True, exist_ok=True)
    jobs = [(f, k, str(templates[(f, k)]), s, o) for f, k, _, s, o in jobs]
    start = time.perf_counter()
    with cf.ProcessPoolExecutor() as pool:
        list(pool.map(_make, jobs, chunksize=50))
    made = time.perf_counter() - start
    stamp.write_text(str(n))
    return paths, made


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
