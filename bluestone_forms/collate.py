"""Collation: many returns in, one store; a bad file never stops the batch.

Files are found (folders recursively, zip archives of returns too), read in parallel worker
processes (each with a memory ceiling), and ingested in a fixed order, one transaction per
file, so an interrupted run followed by a re-run gives exactly the uninterrupted result.
Nothing is dropped: every file ends with an outcome line in the store.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import hashlib
import os
import resource
import shutil
import sys
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import formats
from .catalog import Catalog
from .errors import BluestoneError, ReturnError
from .store import Store

MEMORY_LIMIT = 1536 * 1024 * 1024
MAX_ARCHIVE_MEMBERS = 5000
MAX_MEMBER_BYTES = 100 * 1024 * 1024
MAX_ARCHIVE_BYTES = 2 * 1024 * 1024 * 1024
WINDOW = 64


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
        )


@dataclass(frozen=True)
class Source:
    """One file to ingest: where a person finds it, and where it is on disk now."""

    name: str
    disk: Path


def find_sources(paths: Iterable[Path], scratch: Path) -> tuple[list[Source], list[tuple[str, str]]]:
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
            try:
                with z.open(info) as src, disk.open("wb") as dst:
                    got = 0
                    while chunk := src.read(1 << 16):
                        got += len(chunk)
                        total += len(chunk)
                        if got > MAX_MEMBER_BYTES or total > MAX_ARCHIVE_BYTES:
                            raise BluestoneError(f"{info.filename} inflates beyond the limit")
                        dst.write(chunk)
            except BluestoneError:
                disk.write_bytes(b"")
                out.append(Source(name, disk.with_suffix(".too-large")))
                continue
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError,
                    RuntimeError) as exc:
                disk.write_bytes(b"")
                out.append(Source(name + f" [damaged: {exc}]", disk.with_suffix(".damaged")))
                continue
            out.append(Source(name, disk))
    return out


def _limit_memory() -> None:
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(MEMORY_LIMIT, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ValueError, OSError):  # pragma: no cover - platform without the limit
        pass


def read_one(name: str, disk: str, extra_specs: tuple[str, ...] = ()) -> dict[str, Any]:
    """Read one return into a compact, picklable result (runs in a worker process)."""
    path = Path(disk)
    result: dict[str, Any] = {"path": name, "sha256": "", "size": 0, "reader": None}
    try:
        data = path.read_bytes()
        result["sha256"] = hashlib.sha256(data).hexdigest()
        result["size"] = len(data)
        if path.suffix in (".too-large", ".damaged"):
            raise ReturnError(name, "could not be taken out of its archive "
                              + ("(too large)" if path.suffix == ".too-large" else "(damaged)"))
        if Path(name).name.startswith("~$"):
            raise ReturnError(name, "an Office lock file, not a return")
        catalog = _catalog(extra_specs)
        reader = formats.sniff(path)
        result["reader"] = reader
        read = formats.module(reader).read(path, catalog=catalog)
    except ReturnError as exc:
        result["error"] = exc.message
        return result
    except MemoryError:
        result["error"] = "the file needs more memory than a return may use"
        return result
    except Exception as exc:  # noqa: BLE001 - a reader bug must cost one file, not the batch
        result["error"] = f"the reader failed on this file ({type(exc).__name__}: {exc})"
        return result
    result["records"] = [
        {**r.as_json(), "modified": r.meta.get("modified")} for r in read.records
    ]
    result["issues"] = [
        {"field": i.field, "message": i.message, "value": i.value, "where": i.where, "row": i.row}
        for i in read.issues
    ]
    return result


_CATALOGS: dict[tuple[str, ...], Catalog] = {}


def _catalog(extra: tuple[str, ...]) -> Catalog:
    if extra not in _CATALOGS:
        cat = Catalog(Catalog.shipped())
        for s in Catalog.from_paths(extra):
            cat.add(s)
        _CATALOGS[extra] = cat
    return _CATALOGS[extra]


def _read_all(
    sources: list[Source], workers: int, extra: tuple[str, ...]
) -> Iterator[dict[str, Any]]:
    """Results in the order of `sources`; a crashed worker costs only its own file."""
    if workers <= 1 or len(sources) < 4:
        for s in sources:
            yield read_one(s.name, str(s.disk), extra)
        return
    pending = list(sources)
    while pending:
        with cf.ProcessPoolExecutor(workers, initializer=_limit_memory) as pool:
            futures: list[tuple[Source, cf.Future[dict[str, Any]]]] = []
            broken = False
            while pending or futures:
                while pending and len(futures) < WINDOW and not broken:
                    s = pending.pop(0)
                    futures.append((s, pool.submit(read_one, s.name, str(s.disk), extra)))
                if not futures:
                    break
                s, fut = futures[0]
                try:
                    res = fut.result()
                except cf.process.BrokenProcessPool:
                    broken = True
                    # retry every unfinished file alone, to find the one that crashes
                    pending = [x for x, _ in futures] + pending
                    break
                futures.pop(0)
                yield res
        if broken:
            s = pending.pop(0)
            yield _isolated(s, extra)


def _isolated(s: Source, extra: tuple[str, ...]) -> dict[str, Any]:
    with cf.ProcessPoolExecutor(1, initializer=_limit_memory) as pool:
        try:
            return pool.submit(read_one, s.name, str(s.disk), extra).result()
        except cf.process.BrokenProcessPool:
            data = s.disk.read_bytes() if s.disk.exists() else b""
            return {"path": s.name, "sha256": hashlib.sha256(data).hexdigest(),
                    "size": len(data), "reader": None,
                    "error": "the reader crashed on this file (it stopped the process)"}


def ingest(store: Store, res: dict[str, Any], summary: Summary) -> None:
    """Put one file's result into the store, in one transaction."""
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    path, sha = res["path"], res["sha256"]
    if store.seen(path, sha):
        summary.unchanged += 1
        return
    with store.transaction():
        base = {"path": path, "sha256": sha, "size": res["size"], "reader": res.get("reader"),
                "read_at": now}
        if "error" in res:
            store.add_file(**base, outcome="rejected", message=res["error"])
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
        file_id = store.add_file(**base, outcome=outcome, form_id=head.get("form_id"),
                                 version=head.get("version"),
                                 instance_id=head.get("instance_id"),
                                 modified=head.get("modified"))
        for issue in res["issues"]:
            store.add_issue(file_id, issue)
        summary.issues += len(res["issues"])
        for rec in recs:
            status = _place(store, rec)
            store.add_record(file_id, rec, status)
            if status != "current":
                outcome = status
        store.set_outcome(file_id, outcome)
        summary.outcomes[outcome] += 1
        summary.records += len(recs)


def _place(store: Store, rec: dict[str, Any]) -> str:
    """Status of a record whose instance id may already be in the store."""
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
) -> Summary:
    """Read every file under `paths` into the store at `store_path`.

    `registers` are returns registers written by a mail merge: what was sent, so the report
    can say what is still outstanding.
    """
    from .merge import read_register

    sent = [row for r in registers for row in read_register(Path(r))]
    summary = Summary()
    extra = tuple(str(p) for p in extra_specs)
    _catalog(extra)  # fail early, in this process, on a broken extra spec
    n_workers = workers if workers is not None else max(1, os.cpu_count() or 1)
    scratch = Path(tempfile.mkdtemp(prefix="bluestone-"))
    try:
        sources, bad = find_sources(list(paths), scratch)
        with Store(store_path) as store:
            if sent:
                store.add_register(sent)
            for name, why in bad:
                ingest(store, {"path": name, "sha256": "", "size": 0, "error": why}, summary)
            summary.files = len(sources) + len(bad)
            for done, res in enumerate(_read_all(sources, n_workers, extra), start=1):
                ingest(store, res, summary)
                if progress:
                    progress(done, len(sources))
            store.audit(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "collate",
                        summary.line())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return summary


def is_terminal() -> bool:
    return sys.stderr.isatty()
