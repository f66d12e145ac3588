"""The store: the single source of truth of a collation, on SQLite or PostgreSQL.

The default store is one embedded SQLite file in the output folder; a `postgresql://…` URL
(`--store`, or BLUESTONE_FORMS_STORE) puts it on a server that several analysts share. Both
are reached through SQLAlchemy Core with one schema (store_schema), so the dedup, correction
and conflict rules give the same outcomes on both.

Crash safety: collate commits its files in batches (at most 200 files, a sixteenth of the run,
or a quarter of a second's results), each batch one transaction. A crash, Ctrl-C or SIGKILL leaves
every file either fully in or not in at all: the files of the batch that was not committed are
simply read again by the next run (they are still on disk). On SQLite the journal is WAL with
synchronous=FULL (see store_engine for the durability this gives, per SQLite's documentation).
The workbook, CSVs and report are rebuilt from the store alone, so they can always be made
again.

Concurrent collations into one store are safe by construction: a file's line is unique on
(path, sha256) and goes in with `INSERT … ON CONFLICT DO NOTHING`, a register row on its
instance id likewise; and each write transaction first takes the store's ingest lock (SQLite's
write lock via BEGIN IMMEDIATE; on PostgreSQL a transaction-level advisory lock), so the
duplicate and correction/conflict rules, which look at other files' rows, always see every
batch committed before and never half of one. Reading (the slow part) runs in parallel.

Outcomes of a file: read, read_with_issues, duplicate (same bytes as a file already in),
superseded (an older copy of a corrected return), conflict (same instance id, different
content, and the order cannot be told), rejected (with why).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from ..answers.records import Record
from ..answers.values import json_default
from . import schema as s
from .access import home_force, role_forces
from .engine import (
    INGEST_LOCK,
    StoreError,
    Where,
    engine_for,
    is_sqlite,
    shown,
    sqlite_path,
    store_url,
)
from .faults import store_failure
from .migrations import prepare
from .read import StoredRecord, StoreReads
from .statements import FILE_COLUMNS, STANDING_STATUSES, Statements

__all__ = ["OUTCOMES", "SCHEMA_VERSION", "Store", "StoreError", "StoredRecord", "store_failure"]

SCHEMA_VERSION = s.SCHEMA_VERSION
STANDING = STANDING_STATUSES  # a record's statuses that take part in settling its instance
OUTCOMES = ("read", "read_with_issues", "duplicate", "superseded", "conflict", "rejected",
            "message", "no_return",  # a mail message's own line (mail/)
            "awaiting_review")  # a scanned return read, its review workbook not yet filled (scan/)


class InstanceRow(NamedTuple):
    """A standing return of an instance, with what settling it needs of its file."""

    id: int
    file_id: int
    status: str
    modified: str | None
    path: str
    outcome: str
    message: str | None
    issues: int
    other_conflicts: int  # the file's records of other instances in conflict
    other_standing: int  # ... and not superseded


class Store(StoreReads):
    """An open store; use as a context manager. `where` is a path of an SQLite file or a
    database URL; `shown` is how it is named in messages (a password masked).

    `allowed` is the forces the connected role may store (None: any; see access.role_forces),
    and `home` the force a line with no force of its own is written under (access.home_force).
    """

    def __init__(self, where: Where) -> None:
        self.url = store_url(where)
        self.shown = shown(self.url)
        self.sqlite = is_sqlite(self.url)
        self.path = sqlite_path(self.url)
        self._insert = sqlite.insert if self.sqlite else postgresql.insert
        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.engine = engine_for(self.url)
            self.conn = self.engine.connect()
        except (SQLAlchemyError, OSError) as exc:
            raise store_failure(self.shown, exc) from None
        try:
            with self.transaction():
                prepare(self.conn, self.shown)
                key = self.conn.execute(select(s.meta.c.value).where(
                    s.meta.c.key == "pseudonym_key")).scalar_one()
                self.allowed = role_forces(self.conn)
            self._key = bytes.fromhex(key)
            self.sql = Statements(self.conn)
            self.home = home_force(self.allowed)
            self._registered: dict[str, str] = {}
        except SQLAlchemyError as exc:
            self.close()
            raise store_failure(self.shown, exc) from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def db(self) -> Any:
        """The DB-API connection under the store (sqlite3 or psycopg), for a raw query."""
        return self.conn.connection.dbapi_connection

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction holding the store's ingest lock; inside another, a part of
        it. Rolled back whole on any error."""
        conn = self.conn
        if conn.in_transaction():
            yield conn
            return
        conn.info["write"] = True
        try:
            with conn.begin():
                conn.info["write"] = False
                if not self.sqlite:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": INGEST_LOCK})
                yield conn
        finally:
            conn.info["write"] = False

    # --- what is in already -------------------------------------------------------------
    def outcome_of(self, path: str, sha256: str) -> str | None:
        """The outcome this very file (same path, same content) had, or None if it is new
        (inside a transaction, as every call of the write path below)."""
        got = self.sql.one("outcome_of", path=path, sha256=sha256)
        return None if got is None else str(got[0])

    def seen(self, path: str, sha256: str) -> tuple[str | None, tuple[int, str] | None]:
        """outcome_of and file_with_sha in one query (a round trip less on a server)."""
        prior, first_id, first_path = self.sql.one("seen", path=path, sha256=sha256)
        first = None if first_id is None else (int(first_id), str(first_path))
        return None if prior is None else str(prior), first

    def settled(self) -> frozenset[tuple[str, str]]:
        """(path, sha256) of every file in whose outcome a re-run cannot change: all but the
        rejected, which are read again (a spec added with --spec, a machine less busy)."""
        f = s.files.c
        rows = self._rows(select(f.path, f.sha256).where(f.outcome != "rejected"))
        return frozenset((str(r["path"]), str(r["sha256"])) for r in rows)

    def known_stats(self) -> dict[str, tuple[str, int, int, int, int]]:
        """path -> (sha256, size, mtime_ns, inode, ctime_ns) of each settled file whose stat
        was recorded: a file on disk with the same stat is unchanged, without a hash."""
        f = s.files.c
        rows = self._rows(select(f.path, f.sha256, f.size, f.mtime_ns, f.inode, f.ctime_ns)
                          .where(f.outcome.not_in(("rejected", "awaiting_review")),
                                 f.mtime_ns.is_not(None)).order_by(f.id))  # newest wins
        return {str(r["path"]): (r["sha256"], r["size"], r["mtime_ns"], r["inode"],
                                 r["ctime_ns"]) for r in rows}

    def remember_stat(self, path: str, sha256: str, stat: dict[str, int]) -> None:
        """Record the stat of a file found unchanged by its hash (a store of an older version,
        or a file touched), so the next run needs only the stat."""
        self.sql.run("remember_stat", path=path, sha256=sha256, **stat)

    def forget_rejection(self, path: str, sha256: str) -> None:
        """Drop the rejection of a file that has now been read (inside its transaction)."""
        self._forget(path, sha256, "rejected")

    def forget_pending(self, path: str, sha256: str) -> None:
        """Drop a scanned file still awaiting review, to ingest it again (in its transaction)."""
        self._forget(path, sha256, "awaiting_review")

    def _forget(self, path: str, sha256: str, outcome: str) -> None:
        f = s.files.c
        ids = select(f.id).where(f.path == path, f.sha256 == sha256, f.outcome == outcome)
        for table in (s.issues, s.records, s.mail):
            self.conn.execute(delete(table).where(table.c.file_id.in_(ids)))
        self.conn.execute(delete(s.files).where(f.path == path, f.sha256 == sha256,
                                                f.outcome == outcome))

    def file_with_sha(self, sha256: str) -> tuple[int, str] | None:
        """(id, path) of the original of this content: of the files in with it, the one
        first by path (bytewise), so which copy is the original does not depend on the order
        they came in. A rejected file never counts (a copy of it sent again under a name that
        can be read is read, not a duplicate)."""
        got = self.sql.one("original", sha256=sha256)
        return None if got is None else (int(got[0]), str(got[1]))

    def demote(self, file_id: int, sha256: str, message: str) -> None:
        """The former original of a content whose copy first by path has come in: it and every
        other copy become duplicates saying of what (its records and issues go)."""
        f = s.files.c
        for table in (s.issues, s.records):
            self.conn.execute(delete(table).where(table.c.file_id == file_id))
        self.conn.execute(update(s.files).where(
            f.sha256 == sha256, f.outcome.not_in(("rejected",)),
            (f.id == file_id) | (f.outcome == "duplicate")).values(
            outcome="duplicate", message=message, form_id=None, version=None,
            instance_id=None, modified=None))  # as a duplicate's line is made

    def standing_instances(self, instance_ids: Iterable[str]) -> set[str]:
        """Which of these instance ids have a standing return in the store (inside the
        caller's transaction, so after every batch committed before): only those need
        settling when another return of theirs comes in."""
        wanted = sorted(set(instance_ids))
        r = s.records.c
        found: set[str] = set()
        for at in range(0, len(wanted), 500):  # well within either engine's parameter limit
            found.update(str(v) for v in self.conn.execute(
                select(r.instance_id).distinct().where(
                    r.instance_id.in_(wanted[at:at + 500]), r.status.in_(STANDING))).scalars())
        return found

    def instance_records(self, instance_id: str) -> list[InstanceRow]:
        """Every standing return of one instance, with its file's outcome, message and issue
        count, in a fixed order (by path, then id)."""
        return [InstanceRow(*row) for row in self.sql.all("instance", instance_id=instance_id)]

    def file_outcome(self, file_id: int) -> str:
        return str(self.sql.one("file_outcome", id=file_id)[0])


    def register_force(self, instance_id: str) -> str | None:
        """The force the register names for an instance (a form with no force field): this
        run's register first (a force role cannot see other forces' rows), then the store's."""
        if instance_id in self._registered:
            return self._registered[instance_id]
        got = self.sql.one("register_force", instance_id=instance_id)
        return None if got is None or got[0] is None else str(got[0])

    def totals(self) -> dict[str, int]:
        """The store's figures as the Summary sheet and the report give them: files, current
        records, issues (of files not superseded or duplicate) and files by outcome."""
        f = s.files.c
        out = dict.fromkeys(OUTCOMES, 0)
        with self._reading() as conn:
            for outcome, n in conn.execute(select(f.outcome, func.count()).group_by(f.outcome)):
                out[str(outcome)] = int(n)
            out["files"] = int(conn.execute(select(func.count()).select_from(s.files))
                               .scalar_one())
            out["records"] = int(conn.execute(select(func.count()).select_from(s.records)
                                 .where(s.records.c.status == "current")).scalar_one())
            out["issues"] = int(conn.execute(
                select(func.count()).select_from(s.issues.join(s.files))
                .where(f.outcome.not_in(("superseded", "duplicate")))).scalar_one())
        return out

    # --- writing (callers wrap a batch of files in one transaction) ---------------------
    def add_file(self, **cols: Any) -> int | None:
        """A file's line; None if this very file (path and content) is in already."""
        unknown = set(cols) - set(FILE_COLUMNS)
        assert not unknown, f"no such column of files: {unknown}"
        row = {c: cols.get(c) for c in FILE_COLUMNS}
        row["force"] = row["force"] or self.home
        got = self.sql.one("add_file", **row)
        return None if got is None else int(got[0])

    def set_outcome(self, file_id: int, outcome: str, message: str | None = None) -> None:
        """A file's outcome, and its message unless `message` is None (the one it has kept)."""
        self.sql.run("set_outcome", id=file_id, outcome=outcome, message=message)

    def add_records(self, file_id: int, recs: list[Record],
                    forces: list[str | None]) -> None:
        """A file's records, each standing as current until settled, each under its force.

        The values go in as the JSON of `values.iso(rec.values)` (`Record.as_json`), encoded
        in one pass: the encoder asks `json_default` for the dates and decimals only."""
        self.sql.many("add_record", [{
            "file_id": file_id, "form_id": rec.form_id, "version": rec.version,
            "instance_id": rec.instance_id, "row": rec.row,
            "modified": rec.meta.get("modified"), "status": "current",
            "force": force or self.home,
            "values_json": json.dumps(rec.values, ensure_ascii=False, sort_keys=True,
                                      default=json_default)}
            for rec, force in zip(recs, forces, strict=True)])

    def add_mail(self, file_id: int, row: dict[str, Any], force: str | None = None) -> None:
        """The provenance of a file that came by mail (mail.Provenance.row())."""
        self.conn.execute(s.mail.insert(), {"file_id": file_id, **row,
                                            "force": force or self.home})

    def mail_note(self, path: str) -> str:
        """" (sent by …, date, Message-ID …)" for a file that came by mail, else ""."""
        m, f = s.mail.c, s.files.c
        rows = self._rows(select(m.sender, m.sent, m.message_id).join_from(
            s.mail, s.files, m.file_id == f.id).where(f.path == path).order_by(f.id).limit(1))
        if not rows:
            return ""
        row = rows[0]
        return f" (sent by {row['sender']}, {row['sent']}, Message-ID {row['message_id']})"

    def set_status(self, record_id: int, status: str) -> None:
        self.sql.run("set_status", id=record_id, status=status)

    def add_issues(self, file_id: int, issues: list[dict[str, Any]],
                   force: str | None = None) -> None:
        """A file's issues (field, message, value, where, row), under its force."""
        self.sql.many("add_issue", [{
            "file_id": file_id, "row": issue.get("row"), "field": issue["field"],
            "place": issue.get("where"), "value": issue.get("value"),
            "message": issue["message"], "force": force or self.home} for issue in issues])

    def add_register(self, rows: list[dict[str, str]]) -> int:
        """Record what a mail merge sent; a row already in is left as it is. A force role
        records its own forces' rows only (the rest are kept for this run's returns)."""
        stmt: Any = self._insert(s.register).on_conflict_do_nothing(
            index_elements=["instance_id"])
        added = 0
        with self.transaction() as conn:
            for r in rows:
                force = r.get("force") or None
                if force:
                    self._registered[r["instance_id"]] = force
                if self.allowed is not None:  # a row of no force: the role's, if it has one
                    force = force or (self.home if len(self.allowed) == 1 else None)
                    if force not in self.allowed:
                        continue
                added += conn.execute(stmt, {
                    "instance_id": r["instance_id"], "form_id": r["form_id"],
                    "version": r["version"], "file": r["file"], "force": force,
                    "sent_json": json.dumps(r, ensure_ascii=False, sort_keys=True)}).rowcount
        return added

    def audit(self, at: str, action: str, detail: str) -> None:
        with self.transaction() as conn:
            conn.execute(s.audit.insert(), {"at": at, "action": action, "detail": detail})

    def pseudonym(self, name: str) -> str:
        """A stable pseudonym for a person's name, keyed by this store's own secret."""
        norm = " ".join(name.split()).casefold().encode("utf-8")
        digest = hmac.new(self._key, norm, hashlib.sha256).hexdigest()
        return f"Person-{digest[:8].upper()}"

    def integrity_ok(self) -> bool:
        if not self.sqlite:
            return True  # a server keeps its own pages whole (WAL and checksums)
        return bool(self._value(text("PRAGMA integrity_check")) == "ok")


def sqlite_file(where: Where) -> Path | None:
    """The SQLite file of a store given as a path or URL; None for a server."""
    return sqlite_path(store_url(where))
