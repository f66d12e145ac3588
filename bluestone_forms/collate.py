"""Collation: many returns in, one store; a bad file never stops the batch.

Files are found (folders recursively, zip archives of returns too), read in worker processes
(each file alone in its worker, under a memory cap and a wall-clock budget), and ingested in a
fixed order, one transaction per file, so an interrupted run followed by a re-run gives exactly
the uninterrupted result. Nothing is dropped: every file ends with an outcome line in the store.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import sys
import tempfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._collate_read import MEMORY_BUDGET as MEMORY_BUDGET
from ._collate_read import READ_TIMEOUT, Source, catalog_for, read_all
from ._collate_read import TEST_HOOK as TEST_HOOK
from ._collate_read import read_one as read_one
from .errors import BluestoneError
from .formats._package import zip_directory
from .store import Store, store_failure

MAX_ARCHIVE_MEMBERS = 5000
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_ARCHIVE_BYTES = 2 * 1024 * 1024 * 1024
MAX_MEMBER_RATIO = 100  # returns are compressed already; 100:1 is a bomb (Apache POI's cap)
RATIO_GRACE = 1024 * 1024
MAX_MESSAGE = 2000
AWAITING = "awaiting_review"  # a scanned return read, its review workbook not yet filled
SCRATCH_PREFIX = "bluestone-collate-"  # + pid: a run killed mid-way is cleaned by the next


@dataclass
class Summary:
    files: int = 0
    unchanged: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    records: int = 0
    issues: int = 0

    @property
    def rejected(self) -> int:
        return self.outcomes["rejected"]

    def line(self) -> str:
        o = self.outcomes
        return (
            f"{self.files} files ({self.unchanged} already in the store), {self.records} records "
            f"read, {self.issues} issues, {o['duplicate']} duplicates, "
            f"{o['superseded']} superseded, {o['conflict']} conflicts, {o['rejected']} rejected"
            + (f", {o[AWAITING]} scanned files read, awaiting review" if o[AWAITING] else "")
        )


def find_sources(
    paths: Iterable[Path], scratch: Path
) -> tuple[list[Source], list[tuple[str, str]]]:
    """Every file under the paths (zip members extracted to scratch), in a stable order.

    Returns the sources and the archives that could not be opened (name, why).
    """
    found: list[Source] = []
    bad: list[tuple[str, str]] = []
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file()))
        elif p.is_file():
            files.append(p)
        else:
            bad.append((str(p), "no such file or folder"))
    for f in files:
        if f.suffix.lower() == ".zip":
            try:
                found.extend(_extract(f, scratch))
            except BluestoneError as exc:
                bad.append((str(f), str(exc)))
        else:
            found.append(Source(str(f), f))
    return sorted(found, key=lambda s: s.name), bad


def _extract(archive: Path, scratch: Path) -> list[Source]:
    # zipfile builds every directory entry before anything can count them: count first
    declared = zip_directory(archive)
    if declared is not None and (declared[0] > MAX_ARCHIVE_MEMBERS
                                 or declared[1] > MAX_ARCHIVE_MEMBERS * 1024):
        raise BluestoneError(f"the archive has more than {MAX_ARCHIVE_MEMBERS} files")
    try:
        z = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BluestoneError(f"the archive is damaged ({exc})") from None
    out: list[Source] = []
    with z:
        infos = [i for i in z.infolist() if not i.is_dir()]
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            raise BluestoneError(f"the archive has more than {MAX_ARCHIVE_MEMBERS} files")
        target = Path(tempfile.mkdtemp(dir=scratch))
        total = 0
        for n, info in enumerate(infos):
            name = f"{archive}!/{info.filename}"
            disk = target / f"{n:05d}{Path(info.filename).suffix.lower()[:8]}"
            why = _copy_member(z, info, disk, total)
            if isinstance(why, int):
                total = why
                out.append(Source(name, disk))
                continue
            disk.unlink(missing_ok=True)
            if why == "too-large":
                out.append(Source(name, _placeholder(disk, ".too-large")))
            else:
                out.append(Source(name + f" [damaged: {why}]", _placeholder(disk, ".damaged")))
    return out


def _placeholder(disk: Path, suffix: str) -> Path:
    """An empty file standing for a member that could not be unpacked (its line says why)."""
    path = disk.with_suffix(suffix)
    path.write_bytes(b"")
    return path


def _copy_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, disk: Path, total: int) -> int | str:
    """Inflate one archive member to disk, counting what actually inflates (never the header).

    Returns the archive's new running total, "too-large", or why the member is damaged. A
    failure to write (a full disk) is the collation's problem, not the member's: it raises.
    """
    got = 0
    try:
        dst = disk.open("wb")
    except OSError as exc:
        raise _unpack_failed(info, exc) from None
    with dst:
        try:
            src = z.open(info)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError,
                OSError) as exc:
            return str(exc)
        with src:
            while True:
                try:
                    chunk = src.read(1 << 16)
                except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError,
                        RuntimeError, OSError, zlib.error) as exc:
                    return str(exc)
                if not chunk:
                    return total + got
                got += len(chunk)
                if (got > MAX_MEMBER_BYTES or total + got > MAX_ARCHIVE_BYTES
                        or (got > RATIO_GRACE and got > MAX_MEMBER_RATIO * info.compress_size)):
                    return "too-large"
                try:
                    dst.write(chunk)
                except OSError as exc:
                    raise _unpack_failed(info, exc) from None


def _unpack_failed(info: zipfile.ZipInfo, exc: OSError) -> BluestoneError:
    return BluestoneError(f"cannot unpack {info.filename} into the temporary folder "
                          f"({exc.strerror or exc}); free some disk space and run again")


def ingest(store: Store, res: dict[str, Any], summary: Summary) -> None:
    """Put one file's result into the store, in one transaction."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    path, sha = res["path"], res["sha256"]
    prior = store.outcome_of(path, sha)
    if prior is not None and prior != AWAITING and (prior != "rejected" or "error" in res):
        summary.unchanged += 1
        if prior == "rejected":  # still unreadable: the run says so (and exits non-zero)
            summary.outcomes["rejected"] += 1
        return
    with store.transaction():
        if prior == "rejected":  # read now (e.g. its spec was added): the rejection goes
            store.forget_rejection(path, sha)
        if prior == AWAITING:  # a scan read again with the review workbook (issue 18)
            store.forget_pending(path, sha)
        base = {"path": path, "sha256": sha, "size": res["size"], "reader": res.get("reader"),
                "read_at": now}
        if "error" in res:
            store.add_file(**base, outcome="rejected", message=_clip(res["error"]))
            summary.outcomes["rejected"] += 1
            return
        first = store.file_with_sha(sha)
        if first is not None:
            store.add_file(**base, outcome="duplicate", message=f"same content as {first}")
            summary.outcomes["duplicate"] += 1
            return
        recs = res["records"]
        head = recs[0] if recs else {}
        outcome = "read_with_issues" if res["issues"] else "read"
        if res.get("pending"):  # a scan with marks or handwriting still to review
            outcome = AWAITING
        file_id = store.add_file(**base, outcome=outcome, form_id=head.get("form_id"),
                                 version=head.get("version"),
                                 instance_id=head.get("instance_id"),
                                 modified=head.get("modified"), message=res.get("message"))
        for issue in res["issues"]:
            store.add_issue(file_id, issue)
        summary.issues += len(res["issues"])
        for rec in recs:
            status = _place(store, rec)
            store.add_record(file_id, rec, status)
            if status != "current" and outcome != AWAITING:
                outcome = status
        store.set_outcome(file_id, outcome)
        summary.outcomes[outcome] += 1
        summary.records += len(recs)


def _clip(message: str) -> str:
    """A message short enough for a cell (a hostile file may put megabytes into one)."""
    text = " ".join(str(message).split())
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + "…"


def _place(store: Store, rec: dict[str, Any]) -> str:
    """Status of a record whose instance id may already be in the store.

    A record without an instance id (its reader reported that) cannot be matched to any
    other, so it stands on its own.
    """
    if not rec["instance_id"]:
        return "current"
    existing = store.current(rec["instance_id"])
    if not existing:
        return "current"
    mine = rec.get("modified")
    newer_than_all = mine is not None and all(
        r["modified"] is not None and mine > r["modified"] for r in existing
    )
    older_than_one = mine is not None and any(
        r["modified"] is not None and mine < r["modified"] and r["status"] == "current"
        for r in existing
    )
    if newer_than_all:
        for r in existing:
            store.set_status(r["id"], "superseded")
        return "current"
    if older_than_one:
        return "superseded"
    for r in existing:
        store.set_status(r["id"], "conflict")
    return "conflict"


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
    timeout = read_timeout if read_timeout is not None else _env_timeout()
    _remove_stale_scratch()
    scratch = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
    try:
        sources, bad = find_sources(list(paths), scratch)
        # --- scanned paper returns (issue 18): read together, grouped by their QR codes ---
        is_scan = [scan_dispatch.is_scan(s.disk) for s in sources]
        scans = [s for s, scan in zip(sources, is_scan, strict=True) if scan]
        sources = [s for s, scan in zip(sources, is_scan, strict=True) if not scan]
        with Store(store_path) as store:
            if sent:
                store.add_register(sent)
            for name, why in bad:
                ingest(store, {"path": name, "sha256": "", "size": 0, "error": why}, summary)
            summary.files = len(sources) + len(bad)
            results = read_all(sources, n_workers, extra, timeout, store.settled())
            for done, res in enumerate(results, start=1):
                ingest(store, res, summary)
                if progress:
                    progress(done, len(sources))
            scanned = scan_dispatch.collate_scans(  # issue 18: scans, then the review workbook
                [(s.name, s.disk) for s in scans], catalog_for(extra), store_path,
                lambda res: ingest(store, res, summary), n_workers)
            summary.files += scanned["results"]
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


def _env_timeout() -> float:
    raw = os.environ.get("BLUESTONE_READ_TIMEOUT", "")
    try:
        value = float(raw) if raw else READ_TIMEOUT
    except ValueError:
        raise BluestoneError(f"BLUESTONE_READ_TIMEOUT={raw!r} is not a number of seconds") \
            from None
    return value if value > 0 else READ_TIMEOUT


def is_terminal() -> bool:
    return sys.stderr.isatty()
