"""A PostgreSQL store's faults as one-line messages that say what to do.

Why a classifier: psycopg and SQLAlchemy raise for a server that is down, a wrong password, a
role with no grant or a connection killed mid-run alike, with messages of several lines that
name SQL and links. The CLI shows only a BluestoneError's message, so each of these becomes a
StoreServerError with one line: what happened, to which store (its URL masked) and what to do.
Anything else (a bug) is left alone and keeps its traceback. `store_failure` does the same for
either engine: SQLite's errors are told by their result code (`sqlite_errorcode`: SQLITE_FULL,
SQLITE_READONLY, …) and the OS's by errno, never by their wording.

A fault is told by SQLSTATE where the server sent one (42501 no privilege, 57P01 connection
terminated, 3D000 no such database, …) and by exception class (psycopg's OperationalError with
its connection's `needs_password`). A failed connection attempt carries no SQLSTATE (libpq keeps
the server's refusal as text), so only there the refusal's wording is matched: the server
writes it in English unless its lc_messages says otherwise, and an unmatched one still gets a
plain message.
"""

from __future__ import annotations

import errno
import getpass
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy import exc as sa_exc

from .engine import StoreError
from .url import masked, password_hint, url_role

_RERUN = ("the unfinished transaction was rolled back, so nothing of it is stored; run the "
          "same command again to finish")


DATABASE_ERRORS = (sa_exc.SQLAlchemyError, sqlite3.Error, psycopg.Error)
"""What a store's work raises for a database fault: SQLAlchemy's errors, and the drivers' own
from the statements run on their cursors (store.statements); store_failure takes each."""


class StoreServerError(StoreError):
    """The PostgreSQL store cannot be reached or used; the message says what to do."""


def _role(url: str) -> str:
    return url_role(url) or os.environ.get("PGUSER") or getpass.getuser()


def _psycopg_error(exc: BaseException) -> psycopg.Error | None:
    """The psycopg error under a SQLAlchemy one, or `exc` itself; None for anything else."""
    if isinstance(exc, sa_exc.DBAPIError):
        orig = exc.orig
        return orig if isinstance(orig, psycopg.Error) else None
    return exc if isinstance(exc, psycopg.Error) else None


def _connect_refusal(err: psycopg.Error, store: str, role: str) -> str:
    """Why a connection attempt failed (no SQLSTATE: libpq's text is all there is)."""
    pgconn = err.pgconn
    text = str(err)
    if pgconn is not None and pgconn.needs_password:
        return (f"{store}: the server asks for the password of role '{role}' and none was found; "
                f"{password_hint()}")
    if "password authentication failed" in text:
        return (f"{store}: the server refused the password of role '{role}' (a wrong password, "
                f"or no such role); check the role, and {password_hint()}")
    if "does not exist" in text and 'database "' in text:
        return (f"{store}: that database does not exist on the server; create it "
                "(createdb) and run `bluestone-forms store init URL`")
    if "does not exist" in text and 'role "' in text:
        return f"{store}: the server has no role '{role}'; ask its administrator to create it"
    if "not permitted to log in" in text:
        return (f"{store}: role '{role}' may not log in; ask the server's administrator to "
                "give it LOGIN")
    if "no pg_hba.conf entry" in text:
        return (f"{store}: the server does not let role '{role}' connect from this machine; "
                "ask its administrator to add a line to pg_hba.conf")
    if "too many" in text and "connections" in text:
        return f"{store}: the server has no free connection; try again later or use fewer workers"
    if "starting up" in text or "shutting down" in text or "recovery" in text:
        return f"{store}: the server is starting up or shutting down; wait a moment and run again"
    if pgconn is None or "FATAL" not in text:
        return (f"{store}: cannot reach the PostgreSQL server (is it running, and are the host "
                "and port right?); start it (e.g. `service postgresql start`) or fix the URL, "
                "then run again")
    first = text.splitlines()[0].rpartition("FATAL:")[2].strip()
    return f"{store}: the server refused the connection ({first}); fix that and run again"


def _server_fault(err: psycopg.Error, store: str, role: str) -> str:
    """What a server error with a SQLSTATE means for the person running the command."""
    state = err.sqlstate or ""
    primary = (err.diag.message_primary or str(err) or state).splitlines()[0]
    if state == "42501" and "row-level security" in primary:
        return (f"{store}: role '{role}' may write only its own force's rows ({primary}); "
                "this return belongs to another force: collate it as that force's role or a "
                "hub role")
    if state == "42501" and "must be owner" in primary:
        return (f"{store}: role '{role}' does not own the store's tables ({primary}); run "
                "this as the role that ran `bluestone-forms store init` or a superuser")
    if state == "42501" and "for schema" in primary:
        return (f"{store}: role '{role}' may not create tables in this database ({primary}); "
                "run `bluestone-forms store init` as the database's owner or a superuser")
    if state == "42501":
        return (f"{store}: role '{role}' has no grant on this store ({primary}); ask the hub "
                f"to run `bluestone-forms store grant URL --force CODE --role {role}`")
    if state in ("57P01", "57P02", "57P03") or state.startswith("08"):
        return (f"{store}: the connection to the server was lost mid-run (the session was "
                f"ended or the server restarted); {_RERUN}")
    if state in ("42P01", "42703"):
        return (f"{store}: not a bluestone store, or an older one ({primary}); run "
                "`bluestone-forms store init URL` first")
    if state == "23505":
        return (f"{store}: the store already holds a row with that key ({primary}), perhaps "
                "another force's, which this role cannot see; collate that return as its "
                "force's role or a hub role")
    if state in ("40001", "40P01"):
        return f"{store}: another collation changed the same rows at once; {_RERUN}"
    if state == "53100":
        return f"{store}: the server's disk is full; free space on the server, then run again"
    if state == "53300":
        return f"{store}: the server has no free connection; try again later or use fewer workers"
    if state == "25006":
        return (f"{store}: the server is read-only (a standby?); use the primary server's "
                "address")
    if state == "3D000":
        return (f"{store}: that database does not exist on the server; create it "
                "(createdb) and run `bluestone-forms store init URL`")
    return f"{store}: the server refused ({state} {primary}); fix that and run again"


def store_fault(exc: BaseException, url: str) -> StoreServerError | None:
    """A one-line StoreServerError for a database error on the store at `url`, else None.

    None means `exc` is not a database error (or not one this store's engine raises): the
    caller re-raises it, so a bug keeps its traceback.
    """
    err = _psycopg_error(exc)
    store, role = masked(url), _role(url)
    if err is None:
        return None
    if err.sqlstate:
        return StoreServerError(_server_fault(err, store, role))
    if isinstance(err, psycopg.OperationalError):
        pgconn = err.pgconn
        if pgconn is not None or "connection failed" in str(err) or "resolve host" in str(err):
            return StoreServerError(_connect_refusal(err, store, role))
        return StoreServerError(f"{store}: the connection to the server was lost mid-run; "
                                f"{_RERUN}")
    first = str(err).splitlines()[0] if str(err) else type(err).__name__
    return StoreServerError(f"{store}: the database driver failed ({first}); run again, and "
                            "report it if it happens again")


@contextmanager
def store_faults(url: str) -> Iterator[None]:
    """Turn a database error inside the block into a one-line StoreServerError.

    Why `from None`: the chained psycopg error's text names SQL and parameters (case data);
    the CLI shows only the message, and a log that keeps tracebacks must not get them either.
    """
    try:
        yield
    except (psycopg.Error, sa_exc.SQLAlchemyError) as exc:
        fault = store_fault(exc, url)
        if fault is None:
            raise
        raise fault from None


_KEPT = ("Every file collated before this is kept and the store is intact; fix the cause and "
         "run again (files already in are skipped)")
# SQLite's primary result codes (the low byte of an extended one) -> what they mean here
_SQLITE_WHY = {
    sqlite3.SQLITE_FULL: "the disk is full",
    sqlite3.SQLITE_IOERR: "the store could not be written (a disk error, or the disk is full)",
    sqlite3.SQLITE_READONLY: "the store or its folder is read-only",
    sqlite3.SQLITE_PERM: "the store or its folder is read-only",
    sqlite3.SQLITE_CANTOPEN: "the store cannot be opened or created there (is the folder "
                             "writable?)",
    sqlite3.SQLITE_NOTADB: "the file is not a bluestone store, or it is damaged",
    sqlite3.SQLITE_CORRUPT: "the file is not a bluestone store, or it is damaged",
    sqlite3.SQLITE_BUSY: "another program held the store locked for too long",
    sqlite3.SQLITE_LOCKED: "another program held the store locked for too long",
}
_OS_WHY = {
    errno.ENOSPC: "the disk is full", errno.EFBIG: "the disk is full",
    errno.EDQUOT: "the disk is full",
    errno.EROFS: "the store or its folder is read-only",
    errno.EACCES: "the store or its folder is read-only",
    errno.EPERM: "the store or its folder is read-only",
    errno.ENOTDIR: "the store cannot be opened or created there (is the folder writable?)",
    errno.EEXIST: "the store cannot be opened or created there (is the folder writable?)",
}


def store_failure(where: str, exc: BaseException) -> StoreError:
    """A one-line error for a database or OS error on the store `where` (already masked).

    A PostgreSQL error gets store_fault's message; a SQLite or OS error one by its result
    code or errno, saying what is kept: files go in by whole batches, each its own
    transaction, so when a write fails the store holds exactly the batches committed before,
    intact; a re-run reads the rest again.
    """
    fault = store_fault(exc, where)
    if fault is not None:
        return fault
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).splitlines()[0] if str(orig).strip() else type(orig).__name__
    why = "the store could not be written"
    if isinstance(orig, sqlite3.Error):
        why = _SQLITE_WHY.get(getattr(orig, "sqlite_errorcode", 0) & 0xFF, why)
    elif isinstance(orig, OSError) and orig.errno is not None:
        why = _OS_WHY.get(orig.errno, why)
    return StoreError(f"{where}: {why} ({text}). {_KEPT}")
