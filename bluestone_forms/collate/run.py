"""Collation: many returns in, one store; a bad file never stops the batch.

Files are found (folders recursively, zip archives of returns too), read in worker processes
(each file alone in its worker, under a memory cap and a wall-clock budget), and ingested in a
fixed order, a batch of files per transaction (`Batch`), so an interrupted run followed by a
re-run gives exactly the uninterrupted result: the files of a batch not committed are read
again. A file whose size, mtime, inode and ctime are those stored with it is not even hashed.
Nothing is dropped: every file ends with an outcome line in the store.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from .. import mail
from ..answers.records import Record
from ..errors import BluestoneError
from ..store.access import claim
from ..store.core import Store, store_failure
from ..store.engine import DEFAULT_NAME, Where
from ..store.faults import DATABASE_ERRORS
from .ahead import read_ahead
from .file_result import FileResult
from .pause import pause
from .settle import settle
from .sources import find_sources as find_sources
from .sources import not_readable as not_readable
from .summary import AWAITING as AWAITING
from .summary import Summary as Summary
from .workers import MEMORY_BUDGET as MEMORY_BUDGET
from .workers import READ_TIMEOUT, Source, catalog_for, read_all
from .workers import TEST_HOOK as TEST_HOOK
from .workers import read_one as read_one

MAX_MESSAGE = 2000
_LOG = logging.getLogger("bluestone_forms")
SCRATCH_PREFIX = "bluestone-collate-"  # + pid: a run killed mid-way is cleaned by the next
BATCH_FILES = 200  # files per transaction at most (issue 19) ...
BATCH_SECONDS = 0.25  # ... or this long since the batch's first file, whichever comes first
BATCH_SHARE = 16  # ... and at most 1/16 of the run's files: a crash costs little re-reading


def ingest(store: Store, res: FileResult, summary: Summary,
           prov: mail.Provenance | None = None, *,
           fields: Mapping[str, str | None] | None = None,
           stat: dict[str, int] | None = None) -> None:
    """Put one file's result into the store (with its provenance when it came by mail), in
    the caller's batch transaction, else in one of its own. A reader fault (a bug, not the
    file) is rejected like a damaged file, and its traceback goes to the store's audit and to
    the log (stderr). `fields` maps a form id to its spec's force field; `stat` is the file's
    size, mtime and inode as it was before it was read (for the next run's unchanged check)."""
    with store.transaction():
        _ingest(store, res, summary, prov, fields or {}, stat)


def _ingest(store: Store, res: FileResult, summary: Summary, prov: mail.Provenance | None,
            fields: Mapping[str, str | None], stat: dict[str, int] | None,
            known: set[str] | None = None) -> None:
    """`known`: the instances with a standing return (see `settle`); None: settle all."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    path, sha = res.path, res.sha256
    if res.fault:
        _LOG.error("reader fault on %s: %s\n%s", path, res.error, res.fault)
        store.audit(now, "reader fault", f"{path}: {res.error}\n{res.fault}")
    prior, first = store.seen(path, sha)
    if prior is not None and prior != AWAITING and (prior != "rejected" or res.failed):
        summary.unchanged += 1
        if prior == "rejected":  # still unreadable: the run says so (and exits non-zero)
            summary.outcomes["rejected"] += 1
        elif stat:
            store.remember_stat(path, sha, stat)
        return
    if prior == "rejected":  # read now (e.g. its spec was added): the rejection goes
        store.forget_rejection(path, sha)
    if prior == AWAITING:  # a scan read again with the review workbook (issue 18)
        store.forget_pending(path, sha)
    if prior is not None:  # its own line has gone: the original of its content again
        first = store.file_with_sha(sha)
    base = {"path": path, "sha256": sha, "size": res.size, "reader": res.reader,
            "read_at": now}
    if res.error is not None:
        _new_file(store, summary, prov, None, **base, outcome="rejected",
                  message=_clip(res.error))
        return
    recs = res.records
    forces, refused = claim([_force(store, rec, fields) for rec in recs], store.allowed)
    if refused is not None:  # not this role's to store: said in the run, nothing written
        summary.outcomes[refused[0]] += 1
        summary.not_stored.append(f"{path}: {refused[1]}")
        return
    force = forces[0] if forces else None
    if first is not None and first[1] < path:
        _new_file(store, summary, prov, force, **base, **(stat or {}), outcome="duplicate",
                  message=_clip(f"same content as {first[1]}{store.mail_note(first[1])}"))
        return
    head = recs[0] if recs else None
    outcome = "read_with_issues" if res.issues else "read"
    if res.pending:  # a scan with marks or handwriting still to review
        outcome = AWAITING
    file_id = store.add_file(**base, **(stat or {}), outcome=outcome, force=force,
                             message=res.note or res.message,
                             form_id=head.form_id if head else None,
                             version=head.version if head else None,
                             instance_id=head.instance_id if head else None,
                             modified=head.meta.get("modified") if head else None)
    if file_id is None:  # put in by another run meanwhile (the unique key saw to it)
        summary.unchanged += 1
        return
    mail.add_provenance(store, file_id, prov, force)
    if first is not None:  # this copy comes first by path: the one in before is a duplicate
        store.demote(first[0], sha, _clip(f"same content as {path}{store.mail_note(path)}"))
    store.add_issues(file_id, [{"field": i.field, "message": i.message, "value": i.value,
                                "where": i.where, "row": i.row} for i in res.issues], force)
    store.add_records(file_id, recs, forces)
    for iid in sorted({r.instance_id for r in recs if r.instance_id}):
        # a record without an instance id stands on its own
        outcome = settle(store, iid, known).get(file_id, outcome)
    summary.outcomes[outcome] += 1


def _new_file(store: Store, summary: Summary, prov: mail.Provenance | None,
              force: str | None, **cols: Any) -> None:
    """A file's line that holds no records (rejected, duplicate)."""
    file_id = store.add_file(**cols, force=force)
    if file_id is None:
        summary.unchanged += 1
        return
    mail.add_provenance(store, file_id, prov, force)
    summary.outcomes[cols["outcome"]] += 1


def _force(store: Store, rec: Record, fields: Mapping[str, str | None]) -> str | None:
    """The force of a return: its spec's force field, else the register's row for it."""
    field_id = fields.get(rec.form_id)
    got = rec.values.get(field_id) if field_id else None
    if isinstance(got, str) and got:
        return got
    return store.register_force(rec.instance_id) if rec.instance_id else None


class Batch:
    """Results put into the store a batch at a time, in one transaction (issue 19): at most
    BATCH_FILES files, and at most 1/BATCH_SHARE of the files to read (a small run commits
    file by file, as before), and no result waits longer than BATCH_SECONDS.

    Why this is crash safe: a batch is all in or not in at all, and the files of a batch that
    was not committed are still on disk, so the next run reads them again. Why batches: each
    commit is an fsync (SQLite with synchronous=FULL) or a round trip to a server, and holds
    the ingest lock; results wait in memory, so the lock is held only while a batch is written.
    Inside that transaction the batch first asks which of its instances already have a
    standing return (one query); only those are settled (`settle`'s `known`).
    """

    def __init__(self, store: Store, summary: Summary, fields: Mapping[str, str | None],
                 stats: Mapping[str, dict[str, int]], files: int) -> None:
        self.store, self.summary, self.fields, self.stats = store, summary, fields, stats
        self.size = max(1, min(BATCH_FILES, files // BATCH_SHARE))
        self.waiting: list[tuple[FileResult, mail.Provenance | None]] = []
        self.since = 0.0

    def add(self, res: FileResult, prov: mail.Provenance | None) -> None:
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting.append((res, prov))
        if len(self.waiting) >= self.size or time.monotonic() - self.since >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.waiting:
            return
        with self.store.transaction():
            known = self.store.standing_instances(  # once a batch, under the ingest lock
                r.instance_id for res, _ in self.waiting for r in res.records if r.instance_id)
            for res, prov in self.waiting:
                _ingest(self.store, res, self.summary, prov, self.fields,
                        _read_stat(res, self.stats.get(res.path)), known)
                pause("ingest")
        self.waiting.clear()
        pause("commit")


def _read_stat(res: FileResult, checked: dict[str, int] | None) -> dict[str, int] | None:
    """The stat kept with a file: that of the very bytes the reader hashed (fstat on its open
    file), so a file changed between the stat check and the read is read again next run; the
    stat check's own when the reader did not open the file itself."""
    if checked is None or not res.mtime_ns:
        return checked
    return {"mtime_ns": res.mtime_ns, "inode": res.inode, "ctime_ns": res.ctime_ns}


def _stat_check(store: Store, sources: list[Source], scratch: Path
                ) -> tuple[list[Source], dict[str, dict[str, int]], int]:
    """The sources to read, the stat of each (taken before it is read), and how many were
    left out because their size, mtime, inode and ctime equal those stored with their hash:
    an unchanged file costs a stat, not a hash. Files unpacked to scratch (zip members, mail
    attachments) are new on disk every run, so they are always hashed."""
    known = store.known_stats()
    todo: list[Source] = []
    stats: dict[str, dict[str, int]] = {}
    skipped = 0
    for src in sources:
        if Path(src.disk).is_relative_to(scratch):
            todo.append(src)
            continue
        try:
            st = Path(src.disk).stat()
        except OSError:
            todo.append(src)
            continue
        was = known.get(src.name)
        if was is not None and was[1:] == (st.st_size, st.st_mtime_ns, st.st_ino,
                                           st.st_ctime_ns):
            skipped += 1
            continue
        stats[src.name] = {"mtime_ns": st.st_mtime_ns, "inode": st.st_ino,
                           "ctime_ns": st.st_ctime_ns}
        todo.append(src)
    return todo, stats, skipped


def _clip(message: str) -> str:
    """A message short enough for a cell (a hostile file may put megabytes into one)."""
    text = " ".join(str(message).split())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"


def collate(
    paths: Iterable[Path],
    store_path: Where,
    *,
    workers: int | None = None,
    extra_specs: Iterable[Path] = (),
    registers: Iterable[Path] = (),
    progress: Callable[[int, int], None] | None = None,
    read_timeout: float | None = None,
    review_dir: Path | None = None,
) -> Summary:
    """Read every file under `paths` into the store at `store_path` (an SQLite file, or a
    postgresql:// URL).

    `registers` are returns registers written by a mail merge: what was sent, so the report
    can say what is still outstanding. `read_timeout` is the wall-clock budget of one file in
    seconds (default: BLUESTONE_READ_TIMEOUT from the environment, else 30); a file that takes
    longer is rejected and the batch goes on. A store that cannot be written (a full disk, a
    read-only folder, a server gone) stops the run with a BluestoneError; every batch
    committed before stays. `review_dir` is where the review workbook of scanned returns goes
    (default: beside the SQLite store; needed for a server store with scans).
    """
    from ..merge import read_register
    from ..scan import dispatch as scan_dispatch

    sent = [row for r in registers for row in read_register(Path(r))]
    summary = Summary()
    extra = tuple(str(p) for p in extra_specs)
    catalog = catalog_for(extra)  # fail early, in this process, on a broken extra spec
    fields = {c.id: c.spec.collation.force_field for c in catalog.forms()}
    n_workers = workers if workers is not None else default_workers()
    timeout = read_timeout if read_timeout is not None else env_timeout()
    _remove_stale_scratch()
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
    shown = str(store_path)
    try:
        box = mail.Found()
        sources, bad = find_sources(list(paths), scratch, box)
        # --- scanned paper returns (issue 18): read together, grouped by their QR codes ---
        is_scan = [scan_dispatch.is_scan(s.disk) for s in sources]
        scans = [s for s, scan in zip(sources, is_scan, strict=True) if scan]
        sources = [s for s, scan in zip(sources, is_scan, strict=True) if not scan]
        with Store(store_path) as store:
            shown = store.shown
            if sent:
                store.add_register(sent)
            todo, stats, summary.unchanged = _stat_check(store, sources, scratch)
            batch = Batch(store, summary, fields, stats, len(todo) + len(bad) + len(scans))
            for name, why in bad:
                batch.add(FileResult(name, error=why), box.provenance.get(name))
            batch.flush()
            for outcome, unchanged in mail.ingest_lines(store, box.lines, _clip):
                summary.unchanged += unchanged
                if not unchanged or outcome == "rejected":  # as for files: still rejected
                    summary.outcomes[outcome] += 1
            summary.files = len(sources) + len(bad) + len(box.lines)
            # read ahead in a thread while batches are written (ahead.py)
            results = read_ahead(read_all(todo, n_workers, extra, timeout, store.settled()))
            for done, res in enumerate(results, start=1):
                batch.add(res, box.provenance.get(res.path))
                if progress:
                    progress(done, len(todo))
            batch.flush()
            folder = review_dir or (store.path.parent if store.path else Path.cwd())
            scanned = scan_dispatch.collate_scans(  # issue 18: scans, then the review workbook
                [(s.name, s.disk) for s in scans], catalog, folder / DEFAULT_NAME,
                lambda res: batch.add(res, box.provenance.get(res.path)),
                n_workers, timeout)
            batch.flush()
            summary.files += scanned["results"]
            summary.totals = store.totals()
            store.audit(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "collate",
                        summary.line())
    except DATABASE_ERRORS as exc:
        raise store_failure(shown, exc) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return summary


def default_workers() -> int:
    """Reader processes: one per core, and one more to read while the collating process
    waits on the disk for a file's transaction to be made durable (fsync)."""
    return (os.cpu_count() or 1) + 1


def process_alive(pid: int) -> bool:
    """Whether a process with this id is running (a dead run's leftovers can go)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_scratch() -> None:
    """Unpacked archives left in the temporary folder by runs that were killed."""
    for p in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*-*"):
        pid = p.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)


def env_timeout() -> float:
    raw = os.environ.get("BLUESTONE_READ_TIMEOUT", "")
    try:
        value = float(raw) if raw else READ_TIMEOUT
    except ValueError:
        raise BluestoneError(f"BLUESTONE_READ_TIMEOUT={raw!r} is not a number of seconds") \
            from None
    return value if value > 0 else READ_TIMEOUT


def is_terminal() -> bool:
    return sys.stderr.isatty()
