"""Where a store lives, and the SQLAlchemy engine that reaches it.

A store is either the embedded SQLite file (a path; the default, `OUTPUT/bluestone.sqlite`) or
a PostgreSQL database shared by several analysts (a `postgresql://…` URL, from `--store` or
the environment's BLUESTONE_FORMS_STORE). The password of a URL is never shown: `shown()`
masks it (libpq's PGPASSWORD, ~/.pgpass or a service file keep it off the command line).

SQLite's durability, per its documentation (https://www.sqlite.org/pragma.html#pragma_synchronous
and https://www.sqlite.org/wal.html): in WAL mode a committed transaction survives an
application crash (a SIGKILL) at any synchronous level; `synchronous=FULL` adds survival of a
power cut or OS crash, at the cost of an fsync of the WAL at each commit, which is why files
are committed in batches (collate.Batch) rather than one at a time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from ..errors import BluestoneError

ENV = "BLUESTONE_FORMS_STORE"
DEFAULT_NAME = "bluestone.sqlite"
INGEST_LOCK = 0x6B1E5701  # pg_advisory_xact_lock key: one ingest transaction at a time
Where = Path | str
"""A store: a path of an SQLite file, or a database URL."""


class StoreError(BluestoneError):
    """The store cannot be opened or written (a full disk, a read-only folder, not a store)."""


def from_env(default: Path | None) -> Where | None:
    """The store named by BLUESTONE_FORMS_STORE, else `default`."""
    raw = os.environ.get(ENV, "").strip()
    return raw if raw else default


def store_url(where: Where) -> URL:
    """The SQLAlchemy URL of a store given as a path or a URL (`postgresql://` uses psycopg 3)."""
    text = str(where)
    if isinstance(where, Path) or "://" not in text:
        return URL.create("sqlite+pysqlite", database=text)
    try:
        url = make_url(text)
    except ArgumentError:
        raise StoreError(f"{mask(text)}: not a store URL; give a path of an SQLite file or "
                         "postgresql://USER@HOST/DATABASE") from None
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    if backend == "sqlite" and url.database:
        return url.set(drivername="sqlite+pysqlite")
    raise StoreError(f"{shown(url)}: a store is an SQLite file or a PostgreSQL database "
                     "(postgresql://USER@HOST/DATABASE)")


def shown(url: URL) -> str:
    """A URL as it may be printed or logged: its password masked."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)


def mask(text: str) -> str:
    """A URL given as text, with any password in it masked (it may not even parse)."""
    head, sep, tail = text.partition("://")
    if not sep or "@" not in tail:
        return text
    cred, _, host = tail.rpartition("@")
    user = cred.split(":", 1)[0]
    return f"{head}://{user}{':***' if ':' in cred else ''}@{host}"


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def sqlite_path(url: URL) -> Path | None:
    return Path(str(url.database)) if is_sqlite(url) else None


def engine_for(url: URL) -> Engine:
    """An engine with no pool (a store holds one connection; closing it closes the file)."""
    if not is_sqlite(url):
        return create_engine(url, poolclass=NullPool, isolation_level="READ COMMITTED")
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi: Any, _record: Any) -> None:
    """WAL with synchronous=FULL, foreign keys on, and transactions begun by us alone
    (pysqlite's own implicit BEGIN turned off, as SQLAlchemy's pysqlite notes advise)."""
    dbapi.isolation_level = None
    cur = dbapi.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        cur.close()


def _sqlite_begin(conn: Any) -> None:
    """A write transaction takes the write lock at once (BEGIN IMMEDIATE), so two collations
    into one file queue up instead of failing with SQLITE_BUSY half-way; a read does not."""
    kind = "IMMEDIATE" if conn.info.get("write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {kind}")
