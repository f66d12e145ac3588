"""Collation: many returns in, one store; a bad file never stops the batch.

Files are found (folders recursively, zip archives of returns too), read in worker processes
(each file alone in its worker, under a memory cap and a wall-clock budget), and ingested in a
fixed order, one transaction per file, so an interrupted run followed by a re-run gives exactly
the uninterrupted result. Nothing is dropped: every file ends with an outcome line in the store.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import mail
from ._collate_read import MEMORY_BUDGET as MEMORY_BUDGET
from ._collate_read import READ_TIMEOUT, catalog_for, read_all
from ._collate_read import TEST_HOOK as TEST_HOOK
from ._collate_read import read_one as read_one
from .errors import BluestoneError
from .file_result import FileResult
from .settle import settle
from .sources import find_sources as find_sources
from .sources import not_readable as not_readable
from .store import Store, store_failure

MAX_MESSAGE = 2000
_LOG = logging.getLogger("bluestone_forms")
AWAITING = "awaiting_review"  # a scanned return read, its review workbook not yet filled
SCRATCH_PREFIX = "bluestone-collate-"  # + pid: a run killed mid-way is cleaned by the next


@dataclass
class Summary:
    """What a collation run did (`files` found, `unchanged` already in the store, and the
    outcome each new file got on arrival), and `totals`: the store's figures after the run,
    the very figures the Summary sheet, the report and the Files sheet give."""

    files: int = 0
    unchanged: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    totals: dict[str, int] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        """Files of this run that were rejected (the run exits 1 when there are any)."""
        return self.outcomes["rejected"]

    @property
    def records(self) -> int:
        return self.totals.get("records", 0)

    @property
    def issues(self) -> int:
        return self.totals.get("issues", 0)

    def line(self) -> str:
        """One line: this run, then the store in the Summary sheet's order and words."""
        t = {k: self.totals.get(k, 0) for k in ("files", "records", "issues", "rejected",
                                                  "duplicate", "superseded", "conflict",
                                                  "message", "no_return", AWAITING)}
        messages = t["message"] + t["no_return"]  # a mail message's own line (issue 17)
        return (
            f"{self.files} files found ({self.unchanged} already in the store, "
            f"{self.rejected} rejected); the store now holds {t['files']} files, "
            f"{t['records']} records, {t['issues']} issues, {t['rejected']} rejected, "
            f"{t['duplicate']} duplicates, {t['superseded']} superseded, "
            f"{t['conflict']} conflicts"
        ) + (f", {messages} mail messages ({t['no_return']} with no return attached)"
             if messages else "") + (f", {t[AWAITING]} scanned files awaiting review"
                                     if t[AWAITING] else "")


def ingest(store: Store, res: FileResult, summary: Summary,
           prov: mail.Provenance | None = None) -> None:
    """Put one file's result into the store, in one transaction (with its provenance when it
    came by mail). A reader fault (a bug, not the file) is rejected like a damaged file, and
    its traceback goes to the store's audit and to the log (stderr)."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    path, sha = res.path, res.sha256
    if res.fault:
        _LOG.error("reader fault on %s: %s\n%s", path, res.error, res.fault)
        store.audit(now, "reader fault", f"{path}: {res.error}\n{res.fault}")
    prior = store.outcome_of(path, sha)
    if prior is not None and prior != AWAITING and (prior != "rejected" or res.failed):
        summary.unchanged += 1
        if prior == "rejected":  # still unreadable: the run says so (and exits non-zero)
            summary.outcomes["rejected"] += 1
        return
    with store.transaction():
        if prior == "rejected":  # read now (e.g. its spec was added): the rejection goes
            store.forget_rejection(path, sha)
        if prior == AWAITING:  # a scan read again with the review workbook (issue 18)
            store.forget_pending(path, sha)
        base = {"path": path, "sha256": sha, "size": res.size, "reader": res.reader,
                "read_at": now}
        if res.error is not None:
            mail.add_provenance(store, store.add_file(**base, outcome="rejected",
                                            message=_clip(res.error)), prov)
            summary.outcomes["rejected"] += 1
            return
        first = store.file_with_sha(sha)
        if first is not None:
            mail.add_provenance(store, store.add_file(**base, outcome="duplicate", message=_clip(
                f"same content as {first}{store.mail_note(first)}")), prov)
            summary.outcomes["duplicate"] += 1
            return
        recs = res.records
        head = recs[0] if recs else None
        outcome = "read_with_issues" if res.issues else "read"
        if res.pending:  # a scan with marks or handwriting still to review
            outcome = AWAITING
        file_id = store.add_file(**base, outcome=outcome,
                                 message=res.note or res.message,
                                 form_id=head.form_id if head else None,
                                 version=head.version if head else None,
                                 instance_id=head.instance_id if head else None,
                                 modified=head.meta.get("modified") if head else None)
        mail.add_provenance(store, file_id, prov)
        for issue in res.issues:
            store.add_issue(file_id, {"field": issue.field, "message": issue.message,
                                      "value": issue.value, "where": issue.where,
                                      "row": issue.row})
        for rec in recs:
            store.add_record(file_id, {**rec.as_json(), "modified": rec.meta.get("modified")},
                             "current")
        for iid in sorted({r.instance_id for r in recs if r.instance_id}):
            settle(store, iid)  # a record without an instance id stands on its own
        summary.outcomes[store.file_outcome(file_id)] += 1


def _clip(message: str) -> str:
    """A message short enough for a cell (a hostile file may put megabytes into one)."""
    text = " ".join(str(message).split())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"


def collate(
    paths: Iterable[Path],
    store_path: Path,
    *,
    workers: int | None = None,
    extra_specs: Iterable[Path] = (),
    registers: Iterable[Path] = (),
    progress: Callable[[int, int], None] | None = None,
    read_timeout: float | None = None,
) -> Summary:
    """Read every file under `paths` into the store at `store_path`.

    `registers` are returns registers written by a mail merge: what was sent, so the report
    can say what is still outstanding. `read_timeout` is the wall-clock budget of one file in
    seconds (default: BLUESTONE_READ_TIMEOUT from the environment, else 30); a file that takes
    longer is rejected and the batch goes on. A store that cannot be written (a full disk, a
    read-only folder) stops the run with a BluestoneError; every file ingested before stays.
    """
    from .merge import read_register
    from .scan import dispatch as scan_dispatch

    sent = [row for r in registers for row in read_register(Path(r))]
    summary = Summary()
    extra = tuple(str(p) for p in extra_specs)
    catalog_for(extra)  # fail early, in this process, on a broken extra spec
    n_workers = workers if workers is not None else default_workers()
    timeout = read_timeout if read_timeout is not None else env_timeout()
    _remove_stale_scratch()
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
    try:
        box = mail.Found()
        sources, bad = find_sources(list(paths), scratch, box)
        # --- scanned paper returns (issue 18): read together, grouped by their QR codes ---
        is_scan = [scan_dispatch.is_scan(s.disk) for s in sources]
        scans = [s for s, scan in zip(sources, is_scan, strict=True) if scan]
        sources = [s for s, scan in zip(sources, is_scan, strict=True) if not scan]
        with Store(store_path) as store:
            if sent:
                store.add_register(sent)
            for name, why in bad:
                ingest(store, FileResult(name, error=why), summary, box.provenance.get(name))
            for outcome, unchanged in mail.ingest_lines(store, box.lines, _clip):
                summary.unchanged += unchanged
                if not unchanged or outcome == "rejected":  # as for files: still rejected
                    summary.outcomes[outcome] += 1
            summary.files = len(sources) + len(bad) + len(box.lines)
            results = read_all(sources, n_workers, extra, timeout, store.settled())
            for done, res in enumerate(results, start=1):
                ingest(store, res, summary, box.provenance.get(res.path))
                if progress:
                    progress(done, len(sources))
            scanned = scan_dispatch.collate_scans(  # issue 18: scans, then the review workbook
                [(s.name, s.disk) for s in scans], catalog_for(extra), store_path,
                lambda res: ingest(store, res, summary, box.provenance.get(res.path)),
                n_workers, timeout)
            summary.files += scanned["results"]
            summary.totals = store.totals()
            store.audit(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "collate",
                        summary.line())
    except sqlite3.Error as exc:
        raise store_failure(store_path, exc) from None
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
