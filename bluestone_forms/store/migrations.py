"""The store's schema version: made on first use, upgraded in place, refused when unknown.

The version is the `schema_version` row of the `meta` table (version 1 stores, written before
this module, have it too). On opening:

- an empty database (a new file, or a server database with no tables) gets every table and
  the current version;
- a store of an older version is upgraded in place, in one transaction (all or nothing);
- a store of a newer version than this toolkit knows, or a database with tables but no
  bluestone `meta` row, is refused with a message, and nothing is written to it.

Why not Alembic: the schema has one linear history, each step a few `ADD COLUMN` and
`CREATE INDEX` statements that SQLAlchemy Core emits the same way on both engines; Alembic's
script directory and its own version table would add a second record of the version (an old
store has only `meta`), for no step this store needs.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable

from sqlalchemy import Connection, MetaData, inspect, select, text, update

from . import schema as s
from .engine import StoreError

UPGRADES: dict[int, Callable[[Connection], None]] = {}
"""version N -> the step that takes a store from N to N + 1."""


def prepare(conn: Connection, where: str, metadata: MetaData = s.metadata) -> None:
    """Make, check or upgrade the schema of the store open on `conn` (in the caller's
    transaction). The one way a store is made: by a first collate (or export) and by
    `store init` alike, so both record the same tables and schema version.

    `metadata` is the store's schema; another (a test's own tables of the same contract)
    is made the same way, and must have `meta (key, value)`.
    """
    names = set(inspect(conn).get_table_names())
    if not names:
        metadata.create_all(conn)
        conn.execute(text("INSERT INTO meta (key, value) VALUES (:key, :value)"), [
            {"key": "schema_version", "value": str(s.SCHEMA_VERSION)},
            {"key": "pseudonym_key", "value": secrets.token_hex(32)},
        ])
        return
    version = _version(conn, names, where)
    if version > s.SCHEMA_VERSION:
        raise StoreError(
            f"{where}: this store was written by a newer bluestone-forms (schema version "
            f"{version}; this one knows up to {s.SCHEMA_VERSION}); upgrade bluestone-forms to "
            "use it. Nothing was changed")
    while version < s.SCHEMA_VERSION:
        UPGRADES[version](conn)
        version += 1
        conn.execute(update(s.meta).where(s.meta.c.key == "schema_version")
                     .values(value=str(version)))


def _version(conn: Connection, names: set[str], where: str) -> int:
    refuse = StoreError(
        f"{where}: not a bluestone store (it holds other tables); give a new file or an empty "
        "database for the store. Nothing was changed")
    if "meta" not in names or "files" not in names:
        raise refuse
    raw = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
    if raw is None or not str(raw).isdigit():
        raise refuse
    return int(raw)


def _v1_to_v2(conn: Connection) -> None:
    """Version 1 (the first release): add each case table's `force`, the stat of each file,
    the indexes; and fill `force` of the returns already in from their answers."""
    from ..spec.catalog import Catalog

    adds = [(t, "force TEXT") for t in s.CASE_TABLES]
    adds += [("files", f"{c} BIGINT") for c in ("mtime_ns", "inode", "ctime_ns")]
    for table, column in adds:
        conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column}"))
    for ix in [ix for t in s.metadata.tables.values() for ix in t.indexes]:
        if ix.name in ("files_force", "records_force"):
            ix.create(conn, checkfirst=True)
    fields = {c.id: c.spec.collation.force_field for c in Catalog.shipped().forms()}
    by_file: dict[int, str] = {}
    for rid, fid, form_id, values in conn.execute(select(
            s.records.c.id, s.records.c.file_id, s.records.c.form_id, s.records.c.values_json)):
        field = fields.get(form_id)
        force = json.loads(values).get(field) if field else None
        if isinstance(force, str):
            conn.execute(update(s.records).where(s.records.c.id == rid).values(force=force))
            by_file.setdefault(fid, force)
    for fid, force in by_file.items():
        for tab, col in ((s.files, s.files.c.id), (s.issues, s.issues.c.file_id),
                         (s.mail, s.mail.c.file_id)):
            conn.execute(update(tab).where(col == fid).values(force=force))
    for iid, sent in conn.execute(select(s.register.c.instance_id, s.register.c.sent_json)):
        force = json.loads(sent).get("force")
        if force:
            conn.execute(update(s.register).where(s.register.c.instance_id == iid)
                         .values(force=force))


UPGRADES[1] = _v1_to_v2

