"""Reading returns in worker processes: each file alone in a worker, under a memory cap and
a wall-clock budget, so a file that crashes, hangs or exhausts memory costs only its own line.

Part of collation (`collate.py` finds the files and ingests the results in order).
"""

from __future__ import annotations

import faulthandler
import hashlib
import multiprocessing as mp
import os
import resource
import signal
import sys
import time
import traceback
from collections import deque
from collections.abc import Generator, Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from .. import formats
from ..errors import BluestoneError, ReturnError
from ..spec.catalog import Catalog
from .file_result import FileResult, digest, fault_text

MEMORY_BUDGET = 512 * 1024 * 1024  # address space one read may add to a worker
READ_TIMEOUT = 30.0  # seconds of wall clock one file may take
TEST_HOOK = "BLUESTONE_TEST_CRASH"
WINDOW = 64  # results held back at most, waiting for an earlier slow file
HELD_BYTES = 50 * 1024 * 1024  # a file up to this is read once and handed to its reader


@dataclass(frozen=True)
class Source:
    """One file to ingest: where a person finds it, and where it is on disk now."""

    name: str
    disk: Path


def _address_space() -> int:
    """This process's virtual address space now, in bytes."""
    try:
        with Path("/proc/self/statm").open() as fh:
            return int(fh.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 512 * 1024 * 1024


def _limit_memory(budget: int = MEMORY_BUDGET) -> None:
    """Cap this worker's address space at what it uses now plus `budget`.

    Why relative: a worker forked from the collating process already maps the libraries it
    loaded (a few hundred MB of address space, little of it resident); the budget is what
    reading one file may add on top, so a file that needs more fails alone with MemoryError.
    """
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = _address_space() + budget
        cap = cap if hard == resource.RLIM_INFINITY else min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):  # pragma: no cover - platform without the limit
        pass


def too_large(budget: int = MEMORY_BUDGET) -> str:
    """The one message for a file that hits the memory ceiling."""
    return (f"too large to read within {budget // (1024 * 1024)} MB (the memory one return "
            "may use); a form return is far smaller: send the form itself again")


def _load(path: Path, result: FileResult) -> bytes | None:
    """The file's bytes, read once, with its sha256, size and stat set on `result` from that
    same open file. A file larger than HELD_BYTES is only hashed, in chunks (no reader takes
    it whole: the readers refuse it by its size), and None is returned."""
    h = hashlib.sha256()
    size = 0
    data: bytes | None = None
    with path.open("rb") as fh:
        st = os.fstat(fh.fileno())
        result.mtime_ns, result.inode, result.ctime_ns = (st.st_mtime_ns, st.st_ino,
                                                          st.st_ctime_ns)
        if st.st_size <= HELD_BYTES:
            data = fh.read(HELD_BYTES + 1)
            h.update(data)
            size = len(data)
            if size > HELD_BYTES:  # it grew since: hash the rest, hold none of it
                data = None
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    result.sha256, result.size = h.hexdigest(), size
    return data


def _test_hook(name: str) -> None:
    """Test hook, inert unless BLUESTONE_TEST_CRASH is set: misbehave on a named file.

    BLUESTONE_TEST_CRASH="abort:bad.docx,loop:slow.xlsx" makes reading any file whose name
    contains "bad.docx" abort the interpreter, and "slow.xlsx" loop forever. Modes: abort,
    segv (a native crash), loop, sleep, memory (allocate 4 GB), exit, raise. The tests use it
    to show that a reader which kills or hangs its process costs only that file's line.
    """
    plan = os.environ.get(TEST_HOOK)
    if not plan:
        return
    for item in plan.split(","):
        mode, _, part = item.strip().partition(":")
        if not part or part not in name:
            continue
        if mode == "abort":
            import faulthandler

            faulthandler.disable()  # the crash is meant: no stack dump into the test log
            os.abort()
        elif mode == "segv":
            import ctypes
            import faulthandler

            faulthandler.disable()  # the crash is meant: no stack dump into the test log
            ctypes.string_at(0)
        elif mode == "loop":
            while True:
                pass
        elif mode == "sleep":
            time.sleep(3600)
        elif mode == "memory":
            bytearray(4 * 1024**3)
        elif mode == "exit":
            os._exit(3)
        elif mode == "raise":
            raise RuntimeError("test hook")


def read_one(name: str, disk: str, extra_specs: tuple[str, ...] = (),
             settled: frozenset[tuple[str, str]] = frozenset()) -> FileResult:
    """Read one return into a compact, picklable result (runs in a worker process).

    The file is read from disk once: its bytes are hashed (`FileResult.sha256`, `size`, and
    `mtime_ns`, `inode`, `ctime_ns` from the same open file) and handed to the sniffer and
    the reader. A file already in the store with the same content (its (name, sha256) in
    `settled`) is only hashed, not read again. A file the readers refuse (damaged, not a
    form, too large) gets the reason; any other exception is a fault in the toolkit, not in
    the file: it still costs only this file, and its traceback goes with the result
    (`FileResult.fault`)."""
    path = Path(disk)
    result = FileResult(name)
    try:
        data = _load(path, result)
        if (name, result.sha256) in settled:
            result.unchanged = True
            return result
        if path.suffix in (".too-large", ".damaged"):
            raise ReturnError(name, "could not be taken out of its archive "
                              + ("(too large)" if path.suffix == ".too-large" else "(damaged)"))
        if Path(name).name.startswith("~$"):
            raise ReturnError(name, "an Office lock file, not a return")
        _test_hook(name)
        catalog = catalog_for(extra_specs)
        reader = formats.sniff(path, data)
        result.reader = reader
        read = formats.module(reader).read(path, catalog=catalog, data=data)
        result.note = formats.misnamed(Path(name), reader)
    except ReturnError as exc:
        result.error = exc.message
        return result
    except BluestoneError as exc:
        result.error = str(exc)
        return result
    except OSError as exc:
        result.error = f"cannot read the file ({exc.strerror or exc})"
        return result
    except MemoryError:
        result.error = too_large()
        return result
    except RecursionError:
        result.error = "the file is nested too deeply to read"
        return result
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a reader bug must cost one file, not the batch
        result.error = (f"the reader failed on this file ({type(exc).__name__}: {exc}): a fault "
                        "in the toolkit, not in the file; its traceback is in the store's audit")
        result.fault = fault_text(traceback.format_exc())
        return result
    result.records = read.records
    result.issues = [replace(i, file=name) for i in read.issues]
    return result


_CATALOGS: dict[tuple[str, ...], Catalog] = {}


def catalog_for(extra: tuple[str, ...]) -> Catalog:
    if extra not in _CATALOGS:
        cat = Catalog(Catalog.shipped().forms())
        for s in Catalog.from_paths(extra):
            cat.add(s)
        _CATALOGS[extra] = cat
    return _CATALOGS[extra]


def _failed(s: Source, why: str) -> FileResult:
    try:
        sha, size = digest(s.disk)
    except OSError:
        sha, size = "", 0
    return FileResult(s.name, sha, size, error=why)


def _serve(conn: Connection, extra: tuple[str, ...], parent: int,
           settled: frozenset[tuple[str, str]]) -> None:
    """A worker: read the files it is sent, one at a time, until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the collating process's to handle
    faulthandler.disable()  # a crash is reported on the file's line, not as a dump on stderr
    if sys.platform.startswith("linux"):
        try:  # die with the collating process, even if it is killed (PR_SET_PDEATHSIG)
            import ctypes

            ctypes.CDLL(None).prctl(1, signal.SIGKILL)
        except (OSError, AttributeError):  # pragma: no cover
            pass
    if os.getppid() != parent:
        return
    formats.prepare_thread()  # before the cap: this may be a thread's fork (ahead.py)
    _limit_memory()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            conn.send(read_one(task[0], task[1], extra, settled))
        except (OSError, ValueError):
            return


class _Worker:
    def __init__(self, ctx: Any, extra: tuple[str, ...],
                 settled: frozenset[tuple[str, str]]) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, extra, os.getpid(), settled),
                                daemon=True)
        self.proc.start()
        child.close()

    def stop(self, kill: bool) -> None:
        if not kill:
            with suppress(OSError, ValueError):
                self.conn.send(None)
            self.proc.join(2)
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join()
        self.conn.close()


class _Pool:
    """Worker processes that read one file each at a time, under a memory cap and a clock.

    Why not ProcessPoolExecutor: it cannot stop one task that runs too long, and when a worker
    dies it cannot say which file killed it. Here a worker holds exactly one file, so a
    worker that dies (a native crash, out of memory) or overruns its time costs exactly that
    file's outcome line; it is replaced and the batch goes on.
    """

    def __init__(self, size: int, extra: tuple[str, ...], timeout: float,
                 settled: frozenset[tuple[str, str]]) -> None:
        # fork on Linux: workers start warm with the readers already imported; elsewhere
        # fork is unsafe or missing
        self.ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        self.size, self.extra, self.timeout, self.settled = size, extra, timeout, settled
        self.free: list[_Worker] = []
        self.busy: dict[_Worker, tuple[int, Source, float]] = {}

    def results(self, sources: list[Source]) -> Iterator[FileResult]:
        """One result per source, in the order of `sources`."""
        queue = deque(enumerate(sources))
        done: dict[int, FileResult] = {}
        head = 0
        try:
            while head < len(sources):
                while queue and len(self.busy) < self.size and queue[0][0] < head + WINDOW:
                    self._give(*queue.popleft())
                if head in done:
                    yield done.pop(head)
                    head += 1
                else:
                    self._collect(done)
        finally:
            for w in [*self.free, *self.busy]:
                w.stop(kill=w in self.busy)
            self.free.clear()
            self.busy.clear()

    def _give(self, index: int, s: Source) -> None:
        for _ in range(3):
            w = self.free.pop() if self.free else _Worker(self.ctx, self.extra, self.settled)
            try:
                w.conn.send((s.name, str(s.disk)))
            except (OSError, ValueError):
                w.stop(kill=True)  # it died while idle; take a fresh one
                continue
            self.busy[w] = (index, s, time.monotonic() + self.timeout)
            return
        raise BluestoneError("cannot start reader processes")  # pragma: no cover

    def _collect(self, done: dict[int, FileResult]) -> None:
        first = min(deadline for _, _, deadline in self.busy.values())
        handles = [h for w in self.busy for h in (w.conn, w.proc.sentinel)]
        wait(handles, max(0.0, first - time.monotonic()))
        now = time.monotonic()
        for w, (index, s, deadline) in list(self.busy.items()):
            res: FileResult | None = None
            if w.conn.poll():
                try:
                    res = w.conn.recv()
                except Exception:  # EOF or a torn message: the worker died
                    res = None
            if res is not None:
                done[index] = res
                del self.busy[w]
                self.free.append(w)
            elif not w.proc.is_alive() or w.conn.closed:
                w.proc.join()
                done[index] = _failed(s, "the reader crashed on this file (it stopped the "
                                      f"process{_signal_name(w.proc.exitcode)})")
                del self.busy[w]
                w.stop(kill=True)
            elif now >= deadline:
                done[index] = _failed(s, f"took too long to read (more than {self.timeout:g} s)"
                                      "; reading it was stopped")
                del self.busy[w]
                w.stop(kill=True)


def _signal_name(code: int | None) -> str:
    if code is None or code >= 0:
        return "" if not code else f", exit code {code}"
    try:
        return f" with {signal.Signals(-code).name}"
    except ValueError:
        return f" with signal {-code}"


def read_all(
    sources: list[Source], workers: int, extra: tuple[str, ...],
    timeout: float = READ_TIMEOUT, settled: frozenset[tuple[str, str]] = frozenset(),
) -> Generator[FileResult, None, None]:
    """Results in the order of `sources`, each file read in a worker process (isolation: a
    crash, a hang or an out-of-memory costs only its own file); closing it stops the workers."""
    if not sources:
        return
    for name in formats.FORMATS:  # loaded once here, so workers start warm
        formats.module(name)
    pool = _Pool(max(1, min(workers, len(sources))), extra, timeout, settled)
    yield from pool.results(sources)
