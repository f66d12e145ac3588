"""The statements collation runs for every file, compiled once per store and run on the driver's
own cursor.

Why: ingesting a file takes about a dozen small statements (is it in, is its content in, its
line, its records and issues, the statuses of its instance). Built as SQLAlchemy Core
expressions on each call, each cost a statement object, a cache key and SQLAlchemy's execution
machinery, several times the statement's own time in SQLite, which made the first collate into
SQLite ~65% slower than the sqlite3 code before it (issue 21). Here each is SQL text compiled
once by SQLAlchemy for the store's dialect (qmark for sqlite3, pyformat for psycopg) and run
with the DB-API cursor inside the store's SQLAlchemy transaction; rows of one kind go in with
one `executemany`. The SQL is the same on both engines: the ordered key columns carry the "C"
collation on PostgreSQL in the schema itself (schema._KEY), so ORDER BY path sorts as SQLite.

Errors are the driver's own (sqlite3.Error, psycopg.Error), not SQLAlchemy's: the callers'
handlers (faults.store_failure) take both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, text

FILE_COLUMNS = ("path", "sha256", "size", "reader", "read_at", "outcome", "message", "form_id",
                "version", "instance_id", "modified", "force", "mtime_ns", "inode", "ctime_ns")
RECORD_COLUMNS = ("file_id", "form_id", "version", "instance_id", "row", "modified", "status",
                  "force", "values_json")
ISSUE_COLUMNS = ("file_id", "row", "field", "place", "value", "message", "force")
STANDING_STATUSES = ("current", "conflict", "superseded")
STANDING = "(" + ", ".join(f"'{v}'" for v in STANDING_STATUSES) + ")"

_ORIGINAL = ("FROM files WHERE sha256 = :sha256 AND outcome NOT IN ('duplicate', 'rejected') "
             "ORDER BY path LIMIT 1")
# of the other records of a file (not of the instance being settled): how many are in
# conflict, and how many are not superseded
_OTHERS = ("(SELECT count(*) FROM records x WHERE x.file_id = r.file_id "
           "AND x.instance_id <> :instance_id AND x.status {})")
CONFLICT, NOT_SUPERSEDED = "= 'conflict'", "<> 'superseded'"

SQL = {
    "outcome_of": "SELECT outcome FROM files WHERE path = :path AND sha256 = :sha256",
    "original": f"SELECT id, path {_ORIGINAL}",
    # both in one round trip: this very file's outcome, and the original of its content
    "seen": "SELECT (SELECT outcome FROM files WHERE path = :path AND sha256 = :sha256), "
            f"(SELECT id {_ORIGINAL}), (SELECT path {_ORIGINAL})",
    "register_force": "SELECT force FROM register WHERE instance_id = :instance_id",
    "add_file": f"INSERT INTO files ({', '.join(FILE_COLUMNS)}) "
                f"VALUES ({', '.join(':' + c for c in FILE_COLUMNS)}) "
                "ON CONFLICT (path, sha256) DO NOTHING RETURNING id",
    "add_record": f"INSERT INTO records ({', '.join(RECORD_COLUMNS)}) "
                  f"VALUES ({', '.join(':' + c for c in RECORD_COLUMNS)})",
    "add_issue": f"INSERT INTO issues ({', '.join(ISSUE_COLUMNS)}) "
                 f"VALUES ({', '.join(':' + c for c in ISSUE_COLUMNS)})",
    # every standing return of an instance with what settling needs of its file: outcome,
    # message, issue count, and its other records' statuses as counts
    "instance": "SELECT r.id, r.file_id, r.status, r.modified, f.path, f.outcome, f.message, "
                "(SELECT count(*) FROM issues i WHERE i.file_id = r.file_id), "
                f"{_OTHERS.format(CONFLICT)}, {_OTHERS.format(NOT_SUPERSEDED)} "
                "FROM records r JOIN files f ON f.id = r.file_id "
                f"WHERE r.instance_id = :instance_id AND r.status IN {STANDING} "
                "ORDER BY f.path, r.id",
    "set_status": "UPDATE records SET status = :status WHERE id = :id",
    "set_outcome": "UPDATE files SET outcome = :outcome, message = coalesce(:message, message) "
                   "WHERE id = :id",
    "file_outcome": "SELECT outcome FROM files WHERE id = :id",
    "remember_stat": "UPDATE files SET mtime_ns = :mtime_ns, inode = :inode, "
                     "ctime_ns = :ctime_ns WHERE path = :path AND sha256 = :sha256 "
                     "AND outcome <> 'rejected'",
}


class _Compiled:
    """One statement as the driver takes it, and how a dict of values becomes its parameters."""

    __slots__ = ("order", "sql")

    def __init__(self, sql: str, conn: Connection) -> None:
        compiled = text(sql).compile(dialect=conn.dialect)
        self.sql = str(compiled)
        self.order = tuple(compiled.positiontup or ()) if conn.dialect.positional else None

    def args(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        return values if self.order is None else tuple(values[k] for k in self.order)


class Statements:
    """The statements of SQL compiled for the dialect of `conn`, run on its DB-API cursor (in
    whatever transaction `conn` has begun)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.compiled = {name: _Compiled(sql, conn) for name, sql in SQL.items()}
        self._cursor: Any = None
        self._raw: Any = None

    def _cur(self) -> Any:
        raw = self.conn.connection.dbapi_connection
        assert raw is not None, "the store's connection is closed"
        if raw is not self._raw:  # a connection replaced (or the first use)
            self._raw, self._cursor = raw, raw.cursor()
        return self._cursor

    def run(self, name: str, **values: Any) -> Any:
        """Run one statement; the cursor, to fetch from."""
        c = self.compiled[name]
        cur = self._cur()
        cur.execute(c.sql, c.args(values))
        return cur

    def one(self, name: str, **values: Any) -> Any:
        """The first row of a query, or None."""
        return self.run(name, **values).fetchone()

    def all(self, name: str, **values: Any) -> list[Any]:
        return list(self.run(name, **values).fetchall())

    def many(self, name: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """One statement for many rows (`executemany`)."""
        c = self.compiled[name]
        args = [c.args(r) for r in rows]
        if args:
            self._cur().executemany(c.sql, args)
