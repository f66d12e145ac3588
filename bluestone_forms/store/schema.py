"""The store's tables, one SQLAlchemy `MetaData` for both engines (SQLite and PostgreSQL).

Why one description: the same schema, the same unique constraints and so the same dedup,
correction and conflict outcomes on the embedded SQLite file and on a shared server.

Every table that holds case data (a file's line, a record and its answers, an issue, a register
row, a mail provenance) has a `force` column: the force code of the return, taken from the
spec's `collation.force_field` answer, else from the register row of the instance (a form with
no force field, e.g. PausePoint). It is NULL only where the force is not known: a rejected
file, or a return of a form without a force field that no register names. Tables that hold
no case data (`meta`, `audit`) have none. PostgreSQL row-level security is keyed on it.

Schema version 2 (the toolkit's first with this module) adds, to version 1: the `force`
columns; `mtime_ns`, `inode` and `ctime_ns` of each file (an unchanged file costs a stat, not
a hash); and unique indexes that make concurrent ingest safe (`INSERT … ON CONFLICT`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

SCHEMA_VERSION = 2
"""The version this toolkit writes; a store at a higher one is refused (store_migrations)."""

metadata = MetaData()

# SQLite's INTEGER PRIMARY KEY is the rowid; PostgreSQL gets an identity of 64 bits
_ID = BigInteger().with_variant(Integer(), "sqlite")
# the columns rows are ordered by compare bytewise on both engines (SQLite's BINARY is
# PostgreSQL's "C"; a server's default locale would order "a-b" and "ab" otherwise)
_KEY = Text().with_variant(Text(collation="C"), "postgresql")

meta = Table(
    "meta", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

files = Table(
    "files", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("path", _KEY, nullable=False),
    Column("sha256", _KEY, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("reader", Text),
    Column("read_at", Text, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("message", Text),
    Column("form_id", _KEY),
    Column("version", _KEY),
    Column("instance_id", _KEY),
    Column("modified", Text),
    Column("force", Text),
    Column("mtime_ns", BigInteger),
    Column("inode", BigInteger),
    Column("ctime_ns", BigInteger),
    UniqueConstraint("path", "sha256", name="files_path_sha256_key"),
)
Index("files_sha", files.c.sha256)
Index("files_force", files.c.force)


def _per_file(name: str, *columns: Column[Any]) -> Table:
    """A table of rows that belong to one file (its records, its issues): an id, the file's
    id, `columns`, the return's force; indexed by file."""
    table = Table(
        name, metadata,
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("file_id", _ID, ForeignKey("files.id"), nullable=False),
        *columns,
        Column("force", Text),
    )
    Index(f"{name}_file", table.c.file_id)
    return table


records = _per_file(
    "records",
    Column("form_id", _KEY, nullable=False),
    Column("version", _KEY, nullable=False),
    Column("instance_id", _KEY, nullable=False),
    Column("row", Integer),
    Column("modified", Text),
    Column("status", Text, nullable=False),
    Column("values_json", Text, nullable=False),
)
Index("records_instance", records.c.instance_id, records.c.status)
Index("records_force", records.c.force)

issues = _per_file(
    "issues",
    Column("row", Integer),
    Column("field", Text, nullable=False),
    Column("place", Text),
    Column("value", Text),
    Column("message", Text, nullable=False),
)

register = Table(
    "register", metadata,
    Column("instance_id", _KEY, primary_key=True),
    Column("form_id", _KEY, nullable=False),
    Column("version", _KEY, nullable=False),
    Column("file", _KEY, nullable=False),
    Column("sent_json", Text, nullable=False),
    Column("force", Text),
)

mail = Table(
    "mail", metadata,
    Column("file_id", _ID, ForeignKey("files.id"), primary_key=True, autoincrement=False),
    Column("sender", Text),
    Column("sent", Text),
    Column("subject", Text),
    Column("message_id", Text),
    Column("attachment", Text),
    Column("mailbox", Text),
    Column("chain", Text),
    Column("chain_json", Text),
    Column("force", Text),
)

audit = Table(
    "audit", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("at", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("detail", Text),
)

CASE_TABLES = ("files", "records", "issues", "register", "mail")
"""The tables that carry a `force` column (row-level security applies to these)."""
