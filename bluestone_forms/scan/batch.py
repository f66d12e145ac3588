"""A batch of scanned files read together: pages grouped into returns by their QR codes.

Pages of one return may be in several files and in any order; several forms may be mixed.
What each file comes to (for the collation's one outcome per file) is in `file_results`:
the file holding a return's first page carries its record (or "awaiting review"); a page
that cannot be identified or straightened is an outcome of its own ("FILE [page N]").
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
import traceback
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..collate.file_result import FileResult, digest, fault_text
from ..errors import ReturnError
from ..spec.catalog import Catalog
from . import images
from .pages import PageRead, read_page
from .returns import PROVENANCE, ReviewItem, ScanReturn

ReturnsKey = tuple[str, str, str]

READER = "scan"
PAGE_SECONDS = 30.0  # processor time a page may take in a worker (about 0.2 s is usual)


@dataclass
class ScannedFile:
    name: str
    disk: Path
    pages: list[PageRead] = field(default_factory=list)
    error: str = ""
    peak_mb: float = 0.0  # the reading process's peak resident memory (VmHWM), when known
    fault: str | None = None  # the traceback when `error` is a fault in the toolkit


@dataclass
class Batch:
    files: list[ScannedFile]
    returns: dict[ReturnsKey, ScanReturn]

    def items(self) -> list[ReviewItem]:
        return [i for r in self.returns.values() for i in r.items()]

    @property
    def unidentified(self) -> list[PageRead]:
        return [p for f in self.files for p in f.pages if p.error]


def read_files(sources: Iterable[tuple[str, Path]], catalog: Catalog, workers: int = 1,
               isolate: bool = False, page_seconds: float = PAGE_SECONDS) -> Batch:
    """Read every page of every scanned file, and group the pages into returns.

    With `workers` > 1 the files are read in that many worker processes, each under a
    memory ceiling and a budget of `page_seconds` of processor time per page (and so with
    `isolate`, even one); a file that kills its worker (a decoder crash, memory, a page
    that runs past its budget) is read again alone, and if it kills that one too it is the
    file's outcome, never the batch's."""
    todo = list(sources)
    if todo and (isolate or (workers > 1 and len(todo) > 1)):
        files = _parallel(todo, catalog, max(workers, 1), page_seconds)
    else:
        files = [_read_one(name, disk, catalog) for name, disk in todo]
    return Batch(files, group(p for f in files for p in f.pages))


def _read_one(name: str, disk: Path, catalog: Catalog,
              each_page: Callable[[], None] = lambda: None) -> ScannedFile:
    f = ScannedFile(name, disk)
    try:
        each_page()
        for n, image in enumerate(images.pages(disk), start=1):
            f.pages.append(read_page(image, name, n, catalog))
            each_page()
    except ReturnError as exc:
        f.error = exc.message
    except (OSError, ValueError, MemoryError) as exc:
        f.error = f"the scan cannot be read ({type(exc).__name__}: {exc})"
    return f


_WORKER_CATALOG: list[Catalog] = []  # the catalog a forked worker inherits
_WORKER_BUDGET: list[float] = []  # and its processor seconds per page
WORKER_MEMORY = 2 * 1024**3  # address space a scan worker may add to what it starts with


def _cpu_budget() -> None:
    """Let this worker use at most the page budget of processor time from now on: past it the
    kernel ends the process (SIGXCPU), even inside a decoder's own loop, and the file gets
    the outcome of a reader that stopped."""
    import math
    import resource

    use = resource.getrusage(resource.RUSAGE_SELF)
    soft = math.ceil(use.ru_utime + use.ru_stime) + max(1, math.ceil(_WORKER_BUDGET[0]))
    hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    resource.setrlimit(resource.RLIMIT_CPU,
                       (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _limit_memory() -> None:
    import resource

    with Path("/proc/self/statm").open() as fh:
        current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    soft = current + WORKER_MEMORY
    resource.setrlimit(resource.RLIMIT_AS, (soft if hard < 0 else min(soft, hard), hard))


def peak_mb() -> float:
    """This process's peak resident memory in MB (VmHWM; 0 where /proc is not there)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _test_hook(name: str) -> None:
    """The collation's test hook (BLUESTONE_TEST_CRASH="segv:part,memory:part"), inert unless
    set: a native crash, a 4 GB allocation or an endless loop while reading a scan whose name
    holds `part` (modes segv, memory, loop)."""
    for item in os.environ.get("BLUESTONE_TEST_CRASH", "").split(","):
        mode, _, part = item.strip().partition(":")
        if part and part in name and mode == "segv":
            import ctypes
            import faulthandler

            faulthandler.disable()  # the crash is meant: no stack dump into the test log
            ctypes.string_at(0)
        elif part and part in name and mode == "memory":
            bytearray(4 * 1024**3)
        elif part and part in name and mode == "loop":
            while True:
                pass


def _in_worker(name: str, disk: str) -> ScannedFile:
    _cpu_budget()
    _test_hook(name)
    f = _read_one(name, Path(disk), _WORKER_CATALOG[0], _cpu_budget)
    f.peak_mb = peak_mb()
    for p in f.pages:  # the form goes back by name, not pickled with every page
        p.form = None
    return f


def _parallel(todo: list[tuple[str, Path]], catalog: Catalog, workers: int,
              page_seconds: float) -> list[ScannedFile]:
    _WORKER_CATALOG[:] = [catalog]
    _WORKER_BUDGET[:] = [page_seconds]
    ctx = mp.get_context("fork")
    done: dict[int, ScannedFile] = {}

    def run(indices: list[int], size: int) -> list[int]:
        broken: list[int] = []
        with cf.ProcessPoolExecutor(size, mp_context=ctx, initializer=_limit_memory) as pool:
            futures = {i: pool.submit(_in_worker, todo[i][0], str(todo[i][1]))
                       for i in indices}
            for i, fut in futures.items():
                try:
                    done[i] = fut.result()
                except BrokenProcessPool:
                    broken.append(i)
                except Exception as exc:  # a reader bug costs this file only, and says so
                    done[i] = ScannedFile(*todo[i], error=f"the scan reader failed on this "
                                          f"file ({type(exc).__name__}: {exc}): a fault in "
                                          "the toolkit, not in the file",
                                          fault=fault_text("".join(
                                              traceback.format_exception(exc))))
        return broken

    for i in run(list(range(len(todo))), workers):
        for j in run([i], 1):
            done[j] = ScannedFile(*todo[j], error=(
                "the scan reader process stopped on this file (a decoder crash, more memory "
                f"than a scan may use, or more than {page_seconds:g} s of work on one page); "
                "check the file"))
    files = [done[i] for i in range(len(todo))]
    for f in files:
        for p in f.pages:
            if p.pid is not None and not p.error:
                p.form = catalog.form(p.pid.form_id, p.pid.version, f.name)
    return files


def group(pages: Iterable[PageRead]) -> dict[ReturnsKey, ScanReturn]:
    """Identified pages by (form, version, instance id); a page scanned twice is noted."""
    out: dict[ReturnsKey, ScanReturn] = {}
    for p in pages:
        if p.error or p.pid is None or p.form is None:
            continue
        key = (p.pid.form_id, p.pid.version, p.pid.instance_id)
        ret = out.setdefault(key, ScanReturn(p.form, p.pid.instance_id))
        if p.pid.page in ret.pages:
            ret.duplicates.append(p)
        else:
            ret.pages[p.pid.page] = p
    return out


def file_results(batch: Batch, resolutions: Mapping[str, Any]) -> list[FileResult]:
    """One result per scanned file and per unreadable page, as `collate.ingest` takes them:
    records and issues, an error, or `pending` (items still to review)."""
    by_file: dict[str, FileResult] = {}
    out: list[FileResult] = []
    for f in batch.files:
        sha, size = digest(f.disk)
        res = FileResult(f.name, sha, size, READER, fault=f.fault)
        if f.error:
            res.error = f.error
        elif not f.pages:
            res.error = "the scan has no pages"
        elif all(p.error for p in f.pages):
            res.error = ("no page is a readable bluestone paper form: "
                         + "; ".join(f"page {p.index}: {p.error}" for p in f.pages[:3]))
            if f.disk.suffix.lower() == ".pdf":
                res.error += (". A PDF without form fields is read as a scan; if this is "
                              "a fillable form printed to PDF or flattened, its answers "
                              "are no longer fields: ask for the filled form itself")
        else:
            res.pages = len(f.pages)
        by_file[f.name] = res
        out.append(res)
        for p in f.pages:
            if p.error and res.error is None:
                out.append(FileResult(f"{f.name} [page {p.index}]", f"{sha}:{p.index}", 0,
                                      READER, error=f"page {p.index}: {p.error}"))
    for ret in batch.returns.values():
        res = by_file[ret.first_file]
        record, issues, pending = ret.record(dict(resolutions))
        if record is None:
            res.pending += pending
            res.message = (f"read, awaiting review: {res.pending} mark(s) or "
                           "handwritten answer(s) to key in the review workbook")
            continue
        if not res.pending:
            keyed = len(record.meta["keyed"])
            res.message = (f"{PROVENANCE}: {keyed} answer(s) keyed in the review workbook"
                           if keyed else "read from scan: every answer a tick box")
        res.records.append(record)
        res.issues.extend(issues)
    for res in out:
        if res.error is None and not res.message:
            res.message = ("read from scan: its pages belong to returns whose first page "
                           "is in another file")
    return out
