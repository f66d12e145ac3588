"""The store: one embedded SQLite database, the single source of truth of a collation.

Why SQLite with WAL and synchronous=FULL: each file is ingested in its own transaction, so a
crash, Ctrl-C or SIGKILL leaves every file either fully in or not in at all (SQLite is durable
across application crashes in any mode; FULL adds power-loss durability). The workbook, CSVs
and report are rebuilt from the store alone, so they can always be made again.

Outcomes of a file: read, read_with_issues, duplicate (same bytes as a file already in),
superseded (an older copy of a corrected return), conflict (same instance id, different
content, and the order cannot be told), rejected (with why).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BluestoneError

SCHEMA_VERSION = 1
OUTCOMES = ("read", "read_with_issues", "duplicate", "superseded", "conflict", "rejected",
            "message", "no_return",  # a mail message's own line (mail/)
            "awaiting_review")  # a scanned return read, its review workbook not yet filled (scan/)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    reader TEXT,
    read_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    message TEXT,
    form_id TEXT,
    version TEXT,
    instance_id TEXT,
    modified TEXT,
    UNIQUE (path, sha256)
);
CREATE INDEX IF NOT EXISTS files_sha ON files (sha256);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files (id),
    form_id TEXT NOT NULL,
    version TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    row INTEGER,
    modified TEXT,
    status TEXT NOT NULL,
    values_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_instance ON records (instance_id, status);
CREATE INDEX IF NOT EXISTS records_file ON records (file_id);
CREATE TABLE IF NOT EXISTS issues (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files (id),
    row INTEGER,
    field TEXT NOT NULL,
    place TEXT,
    value TEXT,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS issues_file ON issues (file_id);
CREATE TABLE IF NOT EXISTS register (
    instance_id TEXT PRIMARY KEY,
    form_id TEXT NOT NULL,
    version TEXT NOT NULL,
    file TEXT NOT NULL,
    sent_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mail (
    file_id INTEGER PRIMARY KEY REFERENCES files (id),
    sender TEXT, sent TEXT, subject TEXT, message_id TEXT, attachment TEXT, mailbox TEXT,
    chain TEXT, chain_json TEXT
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT
);
"""


class StoreError(BluestoneError):
    """The store cannot be opened or written (a full disk, a read-only folder, not a store)."""


def store_failure(path: Path, exc: BaseException) -> StoreError:
    """A plain message for an SQLite or OS error on the store at `path`.

    Why say what is kept: each file goes in with its own transaction, so when a write fails
    the store holds exactly the files ingested before, intact; a re-run carries on from there.
    """
    text = str(exc) or type(exc).__name__
    low = text.lower()
    if "full" in low or "no space" in low or "too large" in low:
        why = "the disk is full"
    elif "readonly" in low or "read-only" in low or "permission" in low:
        why = "the store or its folder is read-only"
    elif "unable to open" in low:
        why = "the store cannot be opened or created there (is the folder writable?)"
    elif "not a database" in low or "malformed" in low:
        why = "the file is not a bluestone store, or it is damaged"
    else:
        why = "the store could not be written"
    return StoreError(
        f"{path}: {why} ({text}). Every file collated before this is kept and the store is "
        "intact; fix the cause and run again (files already in are skipped)"
    )


@dataclass(frozen=True)
class StoredRecord:
    form_id: str
    version: str
    instance_id: str
    row: int | None
    status: str
    values: dict[str, Any]
    file: str
    sha256: str
    read_at: str
    modified: str | None


class Store:
    """An open store; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        except (sqlite3.Error, OSError) as exc:
            raise store_failure(path, exc) from None
        try:
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(_SCHEMA)
            self._init_meta()
        except sqlite3.Error as exc:
            self.db.close()
            raise store_failure(path, exc) from None

    def _init_meta(self) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            self.db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('pseudonym_key', ?)", (secrets.token_hex(32),)
            )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> _Tx:
        return _Tx(self.db)

    # --- what is in already -------------------------------------------------------------
    def outcome_of(self, path: str, sha256: str) -> str | None:
        """The outcome this very file (same path, same content) had, or None if it is new."""
        row = self.db.execute(
            "SELECT outcome FROM files WHERE path = ? AND sha256 = ?", (path, sha256)
        ).fetchone()
        return None if row is None else str(row["outcome"])

    def settled(self) -> frozenset[tuple[str, str]]:
        """(path, sha256) of every file in whose outcome a re-run cannot change: all but the
        rejected, which are read again (a spec added with --spec, a machine less busy)."""
        rows = self.db.execute("SELECT path, sha256 FROM files WHERE outcome != 'rejected'")
        return frozenset((str(r[0]), str(r[1])) for r in rows)

    def forget_rejection(self, path: str, sha256: str) -> None:
        """Drop the rejection of a file that has now been read (inside its transaction)."""
        self.db.execute("DELETE FROM issues WHERE file_id IN (SELECT id FROM files WHERE "
                        "path = ? AND sha256 = ? AND outcome = 'rejected')", (path, sha256))
        self.db.execute("DELETE FROM files WHERE path = ? AND sha256 = ? AND outcome = "
                        "'rejected'", (path, sha256))

    def forget_pending(self, path: str, sha256: str) -> None:
        """Drop a scanned file still awaiting review, to ingest it again (in its transaction)."""
        ids = "(SELECT id FROM files WHERE path = ? AND sha256 = ? AND outcome = " \
              "'awaiting_review')"
        self.db.execute(f"DELETE FROM issues WHERE file_id IN {ids}", (path, sha256))
        self.db.execute(f"DELETE FROM records WHERE file_id IN {ids}", (path, sha256))
        self.db.execute("DELETE FROM files WHERE path = ? AND sha256 = ? AND outcome = "
                        "'awaiting_review'", (path, sha256))

    def file_with_sha(self, sha256: str) -> str | None:
        """The file already in with this content; a rejected file never counts (a copy of
        it sent again under a name that can be read is read, not a duplicate)."""
        row = self.db.execute(
            "SELECT path FROM files WHERE sha256 = ? AND outcome NOT IN ('duplicate', "
            "'rejected') ORDER BY id",
            (sha256,),
        ).fetchone()
        return None if row is None else str(row["path"])

    def instance_records(self, instance_id: str) -> list[sqlite3.Row]:
        """Every return of one instance (id, file_id, status, modified, path), in a fixed
        order."""
        return self.db.execute(
            "SELECT r.id, r.file_id, r.status, r.modified, f.path FROM records r "
            "JOIN files f ON f.id = r.file_id WHERE r.instance_id = ? "
            "AND r.status IN ('current', 'conflict', 'superseded') ORDER BY f.path, r.id",
            (instance_id,),
        ).fetchall()

    def file_outcome(self, file_id: int) -> str:
        row = self.db.execute("SELECT outcome FROM files WHERE id = ?", (file_id,)).fetchone()
        return str(row[0])

    def record_statuses(self, file_id: int) -> list[str]:
        rows = self.db.execute("SELECT status FROM records WHERE file_id = ?", (file_id,))
        return [str(r[0]) for r in rows]

    def issue_count(self, file_id: int) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM issues WHERE file_id = ?", (file_id,))
        return int(row.fetchone()[0])

    def totals(self) -> dict[str, int]:
        """The store's figures as the Summary sheet and the report give them: files, current
        records, issues (of files not superseded or duplicate) and files by outcome."""
        out = dict.fromkeys(OUTCOMES, 0)
        for r in self.db.execute("SELECT outcome, COUNT(*) FROM files GROUP BY outcome"):
            out[str(r[0])] = int(r[1])
        out["files"] = int(self.db.execute("SELECT COUNT(*) FROM files").fetchone()[0])
        out["records"] = int(self.db.execute(
            "SELECT COUNT(*) FROM records WHERE status = 'current'").fetchone()[0])
        out["issues"] = int(self.db.execute(
            "SELECT COUNT(*) FROM issues i JOIN files f ON f.id = i.file_id "
            "WHERE f.outcome NOT IN ('superseded', 'duplicate')").fetchone()[0])
        return out

    # --- writing (callers wrap each file in one transaction) ----------------------------
    def add_file(self, **cols: Any) -> int:
        names = ", ".join(cols)
        marks = ", ".join("?" for _ in cols)
        cur = self.db.execute(f"INSERT INTO files ({names}) VALUES ({marks})", tuple(cols.values()))
        assert cur.lastrowid is not None
        return cur.lastrowid

    def set_outcome(self, file_id: int, outcome: str, message: str | None = None) -> None:
        self.db.execute(
            "UPDATE files SET outcome = ?, message = COALESCE(?, message) WHERE id = ?",
            (outcome, message, file_id),
        )

    def add_record(self, file_id: int, rec: dict[str, Any], status: str) -> int:
        cur = self.db.execute(
            "INSERT INTO records (file_id, form_id, version, instance_id, row, modified, status,"
            " values_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (file_id, rec["form_id"], rec["version"], rec["instance_id"], rec.get("row"),
             rec.get("modified"), status, json.dumps(rec["values"], ensure_ascii=False,
                                                     sort_keys=True)),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def add_mail(self, file_id: int, row: dict[str, Any]) -> None:
        """The provenance of a file that came by mail (mail.Provenance.row())."""
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.db.execute(f"INSERT INTO mail (file_id, {names}) VALUES (?, {marks})",
                        (file_id, *row.values()))

    def mail_note(self, path: str) -> str:
        """" (sent by …, date, Message-ID …)" for a file that came by mail, else ""."""
        row = self.db.execute(
            "SELECT m.* FROM mail m JOIN files f ON f.id = m.file_id WHERE f.path = ? "
            "ORDER BY f.id LIMIT 1", (path,)).fetchone()
        if row is None:
            return ""
        return f" (sent by {row['sender']}, {row['sent']}, Message-ID {row['message_id']})"

    def set_status(self, record_id: int, status: str) -> None:
        self.db.execute("UPDATE records SET status = ? WHERE id = ?", (status, record_id))

    def add_issue(self, file_id: int, issue: dict[str, Any]) -> None:
        self.db.execute(
            "INSERT INTO issues (file_id, row, field, place, value, message) VALUES (?,?,?,?,?,?)",
            (file_id, issue.get("row"), issue["field"], issue.get("where"), issue.get("value"),
             issue["message"]),
        )

    def add_register(self, rows: list[dict[str, str]]) -> int:
        """Record what a mail merge sent; a row already in is left as it is."""
        added = 0
        with self.transaction():
            for r in rows:
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO register VALUES (?, ?, ?, ?, ?)",
                    (r["instance_id"], r["form_id"], r["version"], r["file"],
                     json.dumps(r, ensure_ascii=False, sort_keys=True)),
                )
                added += cur.rowcount
        return added

    def register_status(self) -> tuple[list[dict[str, Any]], list[StoredRecord]]:
        """Register rows with whether each came back, and returns that were never sent."""
        if self.db.execute("SELECT 1 FROM register LIMIT 1").fetchone() is None:
            return [], []  # nothing was mail-merged into this store
        back = {r.instance_id for r in self.records(("current", "conflict", "superseded"))}
        sent = []
        forms = set()
        for row in self.db.execute("SELECT * FROM register ORDER BY form_id, file"):
            forms.add(row["form_id"])
            sent.append({**json.loads(row["sent_json"]),
                         "returned": row["instance_id"] in back})
        by_mail = {r[0]: (r[1], r[2]) for r in self.db.execute(
            "SELECT r.instance_id, m.sender, m.sent FROM records r JOIN mail m "
            "ON m.file_id = r.file_id WHERE r.status IN ('current', 'conflict', 'superseded')")}
        if by_mail:  # returns that came by mail: who sent each back, and when
            for r in sent:
                r["returned_by"], r["returned_on"] = by_mail.get(r["instance_id"], ("", ""))
        ids = {r["instance_id"] for r in sent}
        unexpected = [r for r in self.records(("current", "conflict"))
                      if r.form_id in forms and r.instance_id not in ids]
        return sent, unexpected

    def audit(self, at: str, action: str, detail: str) -> None:
        with self.transaction():
            self.db.execute("INSERT INTO audit (at, action, detail) VALUES (?, ?, ?)",
                            (at, action, detail))

    # --- reading back, for exports --------------------------------------------------------
    def records(self, statuses: tuple[str, ...] = ("current",)) -> Iterator[StoredRecord]:
        marks = ", ".join("?" for _ in statuses)
        rows = self.db.execute(
            "SELECT r.*, f.path, f.sha256, f.read_at FROM records r JOIN files f "
            f"ON f.id = r.file_id WHERE r.status IN ({marks}) "
            "ORDER BY r.form_id, r.instance_id, r.row, r.id",
            statuses,
        )
        for r in rows:
            yield StoredRecord(
                form_id=r["form_id"], version=r["version"], instance_id=r["instance_id"],
                row=r["row"], status=r["status"], values=json.loads(r["values_json"]),
                file=r["path"], sha256=r["sha256"], read_at=r["read_at"], modified=r["modified"],
            )

    def files(self) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT f.*, m.sender AS mail_from, m.sent AS mail_sent, m.subject AS mail_subject, "
            "m.message_id AS mail_message_id, m.chain AS mail_forwarded, "
            "m.attachment AS mail_attachment FROM files f LEFT JOIN mail m ON m.file_id = f.id "
            "ORDER BY f.id").fetchall()

    def issues(self) -> list[sqlite3.Row]:
        return self.db.execute(
            "SELECT i.*, f.path, f.form_id, f.version FROM issues i JOIN files f "
            "ON f.id = i.file_id WHERE f.outcome NOT IN ('superseded', 'duplicate') "
            "ORDER BY f.path, i.row, i.id"
        ).fetchall()

    def pseudonym(self, name: str) -> str:
        """A stable pseudonym for a person's name, keyed by this store's own secret."""
        key = self.db.execute("SELECT value FROM meta WHERE key = 'pseudonym_key'").fetchone()
        norm = " ".join(name.split()).casefold().encode("utf-8")
        digest = hmac.new(bytes.fromhex(key["value"]), norm, hashlib.sha256).hexdigest()
        return f"Person-{digest[:8].upper()}"

    def integrity_ok(self) -> bool:
        row = self.db.execute("PRAGMA integrity_check").fetchone()
        return bool(row[0] == "ok")


class _Tx:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error:
                self._rollback()
                raise
        else:
            # SQLite may already have rolled back (e.g. on a full disk); a failed ROLLBACK
            # must not hide the error that caused it
            self._rollback()

    def _rollback(self) -> None:
        if self.db.in_transaction:
            with suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
