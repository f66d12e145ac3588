"""Reading ahead while the store writes: the reader pool driven from a thread of its own.

Why: `workers.read_all` gives a worker its next file only while its caller asks for the next
result, so while the collating process wrote a batch (its statements, then the commit's
fsync) every worker finished its file and waited: a collation took the time of reading plus
the time of storing, not about the longer of the two (issue 19: at 10,000 returns on two busy
cores storing added ~12 ms a file to reading's ~13). Here a thread pulls the results into a
bounded queue and the collating thread ingests them as before, in the same order and in the
same batches, so nothing about what is committed when changes: a result is in the store only
once its batch has committed, and a crash, Ctrl-C or SIGKILL loses only results not yet
committed, which the next run reads again.

The workers are started from the reading thread; each asks to be killed when it goes
(PR_SET_PDEATHSIG acts on the thread that forked it), which is when reading ends or the
process dies.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterator

from .file_result import FileResult

AHEAD = 256  # results read ahead of the store at most (each is small: a file's records)
_END = object()


class _Raised:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def read_ahead(results: Generator[FileResult, None, None], limit: int = AHEAD
               ) -> Iterator[FileResult]:
    """The results of `results` (a `read_all`), in order, read ahead by a thread."""
    box: queue.Queue[object] = queue.Queue(limit)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def pump() -> None:
        try:
            for res in results:
                if not put(res):
                    return
            put(_END)
        except BaseException as exc:  # the collating thread raises it
            put(_Raised(exc))
        finally:
            results.close()  # the pool stops its workers

    thread = threading.Thread(target=pump, name="bluestone-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = box.get()
            if item is _END:
                return
            if isinstance(item, _Raised):
                raise item.exc
            assert isinstance(item, FileResult)
            yield item
    finally:
        stop.set()
        thread.join()
