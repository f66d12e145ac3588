"""Each force sees only its own rows of a shared PostgreSQL store: row-level security and grants.

How a role is tied to a force: the store's own table `bluestone_access (role_name, force)`
holds one row per login role and force it may read and write; the force `*` marks a hub role,
which sees every force. Every table with a `force` column (files, records, issues, register,
mail) has row-level security ENABLEd and FORCEd, with one policy `bluestone_force` for every
command: a row is visible, and may be inserted, updated or deleted, only when its `force` is
one of `bluestone_forces()`, the current role's forces read from `bluestone_access` (or the
role is a hub). A row of another force is not there for a force role: a SELECT does not return
it, an UPDATE or DELETE changes 0 rows, and an INSERT of one is refused.

Why a table in the store rather than group roles `bluestone_force_<code>`: roles belong to the
whole PostgreSQL cluster, so a group role would give its members that force in every store on
the server, and a store would depend on 43 roles made outside it. The table keeps each store's
grants inside that store, in its dumps and backups, readable by the hub with a plain SELECT,
and a grant is undone by deleting a row. A role sees only its own rows of `bluestone_access`.

Why `current_user`: a login role's grants follow it, and `SET ROLE` to another role it is a
member of gives that role's grants, as PostgreSQL does for every privilege. Why FORCE: the
tables' owner (the role that ran `store init`) is subject to the policies too; `store init`
makes it a hub. Superusers and roles with BYPASSRLS always see every row, so `store grant`
refuses to give such a role a single force.

Tables without case data (meta, audit, the pseudonym key) have no `force` column. A granted
role may read meta and add lines to the audit table; only a hub reads the audit (its lines
name files of every force), and only the owner changes meta.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import TypeVar

from sqlalchemy import Connection, MetaData, Table, create_engine, text

from ..errors import BluestoneError
from ..spec.model import FormSpec
from .faults import store_faults
from .migrations import prepare
from .url import engine_url, masked

ACCESS_TABLE = "bluestone_access"
FORCES_FUNCTION = "bluestone_forces"
POLICY = "bluestone_force"
HUB = "*"
FORCE_COLUMN = "force"
T = TypeVar("T")
AUDIT_TABLES = frozenset({"audit"})  # tables without force a granted role may insert into


class AccessError(BluestoneError):
    """A grant that cannot be made as asked (no such role, an unknown force, no store)."""


def force_tables(metadata: MetaData) -> list[Table]:
    """The tables holding case data: those with a `force` column, in dependency order."""
    return [t for t in metadata.sorted_tables if FORCE_COLUMN in t.c]


def spec_forces(specs: Iterable[FormSpec]) -> frozenset[str]:
    """Every force code the specs know: their force field's choices, or their `forces` list."""
    codes: set[str] = set()
    for spec in specs:
        list_name = "forces"
        force_field = spec.collation.force_field
        if force_field is not None:
            list_name = getattr(spec.field(force_field), "choices", list_name)
        codes.update(c.code for c in spec.choice_lists.get(list_name, []))
    return frozenset(codes)


def _schema(conn: Connection, metadata: MetaData) -> str:
    return conn.dialect.identifier_preparer.quote_schema(metadata.schema or "public")


def _forces_sql(schema: str) -> str:
    """The policy's test: the row's force is one of the role's, or the role is a hub.

    Why `(SELECT …)`: PostgreSQL then runs the function once per statement (an InitPlan),
    not once per row.
    """
    forces = f"(SELECT {schema}.{FORCES_FUNCTION}())::TEXT[]"
    return f"({FORCE_COLUMN} = ANY ({forces}) OR '{HUB}' = ANY ({forces}))"


def apply_access(conn: Connection, metadata: MetaData) -> list[str]:
    """Row-level security on every force table of `metadata`, and `bluestone_access`.

    Idempotent: a second run (after a schema upgrade added a table) puts the same policies
    on every table again. The role running it (the tables' owner) becomes a hub. Returns the
    names of the tables now guarded.
    """
    if conn.dialect.name != "postgresql":
        raise AccessError("row-level security needs a PostgreSQL store (postgresql://…)")
    q = conn.dialect.identifier_preparer
    schema = _schema(conn, metadata)
    access = f"{schema}.{q.quote(ACCESS_TABLE)}"
    check_owner(conn, metadata)
    conn.execute(text(
        f"CREATE TABLE IF NOT EXISTS {access} (role_name TEXT NOT NULL, force TEXT NOT NULL, "
        "granted_by TEXT NOT NULL DEFAULT current_user, "
        "granted_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (role_name, force))"))
    conn.execute(text(f"REVOKE ALL ON {access} FROM PUBLIC"))
    conn.execute(text(f"ALTER TABLE {access} ENABLE ROW LEVEL SECURITY"))
    conn.execute(text(f"DROP POLICY IF EXISTS own_rows ON {access}"))
    conn.execute(text(f"CREATE POLICY own_rows ON {access} FOR SELECT "
                      "USING (role_name = current_user)"))
    conn.execute(text(
        f"CREATE OR REPLACE FUNCTION {schema}.{FORCES_FUNCTION}() RETURNS TEXT[] "
        "LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS "
        f"$$ SELECT coalesce(array_agg(force ORDER BY force), ARRAY[]::TEXT[]) FROM {access} "
        "WHERE role_name = current_user $$"))
    test = _forces_sql(schema)
    guarded = []
    for table in force_tables(metadata):
        name = q.format_table(table)
        conn.execute(text(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY"))
        conn.execute(text(f"ALTER TABLE {name} FORCE ROW LEVEL SECURITY"))
        conn.execute(text(f"DROP POLICY IF EXISTS {POLICY} ON {name}"))
        conn.execute(text(f"CREATE POLICY {POLICY} ON {name} FOR ALL USING {test} "
                          f"WITH CHECK {test}"))
        guarded.append(table.name)
    conn.execute(text(f"INSERT INTO {access} (role_name, force) VALUES (current_user, :hub) "
                      "ON CONFLICT DO NOTHING"), {"hub": HUB})
    return guarded


def check_owner(conn: Connection, metadata: MetaData) -> None:
    """Refuse a role that does not own the store's tables (those that exist): only the owner
    (or a superuser) may make, upgrade or guard them. Asked first, so a role that may not is
    told so before anything is read or written."""
    q = conn.dialect.identifier_preparer
    schema = _schema(conn, metadata)
    names = [f"{schema}.{q.quote(ACCESS_TABLE)}"] + [
        f"{schema}.{q.quote(t.name)}" for t in metadata.sorted_tables]
    owner = conn.execute(text(
        "SELECT pg_get_userbyid(relowner), pg_has_role(current_user, relowner, 'USAGE') "
        "FROM unnest(CAST(:names AS TEXT[])) AS n JOIN pg_class ON oid = to_regclass(n) "
        "ORDER BY NOT pg_has_role(current_user, relowner, 'USAGE') DESC LIMIT 1"),
        {"names": names}).first()
    if owner is not None and not owner[1]:
        raise AccessError(f"role '{conn.execute(text('SELECT current_user')).scalar()}' does "
                          f"not own this store; run `bluestone-forms store init` as its owner "
                          f"('{owner[0]}') or a superuser")


def _check_role(conn: Connection, role: str, hub: bool) -> None:
    row = conn.execute(text("SELECT rolcanlogin, rolsuper OR rolbypassrls FROM pg_roles "
                            "WHERE rolname = :r"), {"r": role}).first()
    if row is None:
        raise AccessError(f"the server has no role '{role}'; create it first "
                          f"(CREATE ROLE \"{role}\" LOGIN), then grant again")
    if not row[0]:
        raise AccessError(f"role '{role}' cannot log in; grant a login role (a role's grant "
                          "here is its own, not its members')")
    if row[1] and not hub:
        raise AccessError(f"role '{role}' is a superuser or bypasses row-level security, so it "
                          "would see every force; grant a plain login role instead")


def grant_access(conn: Connection, metadata: MetaData, role: str,
                 forces: Collection[str] | None) -> None:
    """Let an existing login role read and write the rows of `forces` (None: every force).

    The force codes are the caller's to check against the specs (`spec_forces`).
    """
    q = conn.dialect.identifier_preparer
    schema = _schema(conn, metadata)
    if conn.execute(text("SELECT to_regclass(:t)"),
                    {"t": f"{schema}.{q.quote(ACCESS_TABLE)}"}).scalar() is None:
        raise AccessError("this database is not a bluestone store with access control; run "
                          "`bluestone-forms store init URL` first")
    _check_role(conn, role, forces is None)
    codes = sorted(forces) if forces is not None else [HUB]
    for code in codes:
        conn.execute(text(f"INSERT INTO {schema}.{q.quote(ACCESS_TABLE)} (role_name, force) "
                          "VALUES (:r, :f) ON CONFLICT DO NOTHING"), {"r": role, "f": code})
    who = q.quote(role)
    conn.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {who}"))
    conn.execute(text(f"GRANT SELECT ON {schema}.{q.quote(ACCESS_TABLE)} TO {who}"))
    conn.execute(text(f"GRANT EXECUTE ON FUNCTION {schema}.{FORCES_FUNCTION}() TO {who}"))
    for table in metadata.sorted_tables:
        name = q.format_table(table)
        if FORCE_COLUMN in table.c:
            rights = "SELECT, INSERT, UPDATE, DELETE"
        elif table.name in AUDIT_TABLES and forces is None:
            rights = "SELECT, INSERT"
        elif table.name in AUDIT_TABLES:
            # a force role adds lines but reads none (they name other forces' files); its
            # key column only, for INSERT … RETURNING
            keys = ", ".join(q.quote(c.name) for c in table.primary_key.columns)
            rights = f"INSERT, SELECT ({keys})" if keys else "INSERT"
        else:
            rights = "SELECT"
        conn.execute(text(f"GRANT {rights} ON {name} TO {who}"))
    conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}"))


def revoke_access(conn: Connection, metadata: MetaData, role: str,
                  forces: Collection[str] | None) -> int:
    """Take `forces` (None: all) from a role; with none left, its grants on the tables too.

    Returns how many of the role's forces were taken.
    """
    q = conn.dialect.identifier_preparer
    access = f"{_schema(conn, metadata)}.{q.quote(ACCESS_TABLE)}"
    if forces is None:
        taken = conn.execute(text(f"DELETE FROM {access} WHERE role_name = :r"), {"r": role})
    else:
        taken = conn.execute(text(f"DELETE FROM {access} WHERE role_name = :r "
                                  "AND force = ANY (:f)"), {"r": role, "f": list(forces)})
    left = conn.execute(text(f"SELECT count(*) FROM {access} WHERE role_name = :r"),
                        {"r": role}).scalar()
    if not left:
        who = q.quote(role)
        for table in metadata.sorted_tables:
            conn.execute(text(f"REVOKE ALL ON {q.format_table(table)} FROM {who}"))
        conn.execute(text(f"REVOKE ALL ON {access} FROM {who}"))
    return taken.rowcount


def role_forces(conn: Connection) -> frozenset[str] | None:
    """The forces whose returns the connected role may store; None when it may store any.

    None for a SQLite store, a superuser or BYPASSRLS role, a hub role, and a PostgreSQL store
    without access control (no `store init`). A role with no grant on this store is refused by
    the server (42501): under `store_faults` that is the one-line "has no grant" message.

    Why the ingest side asks: a return of another force would be refused by the database (the
    policy's WITH CHECK) in the middle of a batch. Asked once per run, it lets collate give
    such a return the outcome "other_force" with a message naming its force, and store nothing
    of it, before writing.
    """
    if conn.dialect.name != "postgresql":
        return None
    bypass = conn.execute(text("SELECT rolsuper OR rolbypassrls FROM pg_roles "
                               "WHERE rolname = current_user")).scalar()
    if bypass:
        return None
    if conn.execute(text(f"SELECT to_regprocedure('{FORCES_FUNCTION}()')")).scalar() is None:
        return None
    forces = conn.execute(text(f"SELECT {FORCES_FUNCTION}()")).scalar() or []
    return None if HUB in forces else frozenset(forces)


def force_refusal(force: str | None, allowed: frozenset[str] | None) -> str | None:
    """Why a return of `force` is not stored by a role allowed `allowed` (role_forces), or
    None when it may be stored: the message of the outcome "other_force".

    A return whose force is not known (None) is the caller's to put under the role's force
    when it has exactly one.
    """
    if allowed is None or force is None or force in allowed:
        return None
    mine = ", ".join(sorted(allowed)) or "none"
    return (f"a return of force '{force}', and this role may store only {mine}'s: not "
            f"stored; collate it as a role of '{force}' or a hub role")


OTHER_FORCE = "other_force"  # a return of a force the collating role may not store
FORCE_UNKNOWN = "force_unknown"  # a return of no known force, and the role has several
NOT_STORED = (OTHER_FORCE, FORCE_UNKNOWN)
"""Outcomes a file gets in the run alone: nothing of it is stored (the role may not)."""


def home_force(allowed: frozenset[str] | None) -> str | None:
    """The force a line with no force of its own is stored under by a role allowed `allowed`
    (role_forces): its force, the first by code for a role of several; None for a hub.

    Why one: every row of a guarded table needs a force the role may write, and a line that
    holds no return (a rejected file, a mail message's own line) has none; under the role's
    own force it is seen by the analysts who collated it.
    """
    return min(allowed) if allowed else None


def claim(forces: list[str | None], allowed: frozenset[str] | None
          ) -> tuple[list[str | None], tuple[str, str] | None]:
    """The force each return of one file is stored under, or why none of the file is:
    (outcome, message), the outcome one of NOT_STORED.

    A return of a force the role may not store makes the whole file `other_force` (a
    register workbook is one file). A return with no force of its own (no force field, no
    register row) goes under the role's force when it has exactly one; with several, which
    is meant cannot be told: `force_unknown`.
    """
    if allowed is None:
        return forces, None
    others = sorted({f for f in forces if f is not None and f not in allowed})
    if others:
        why = force_refusal(others[0], allowed) if len(others) == 1 else (
            f"returns of forces {', '.join(repr(f) for f in others)}, and this role may "
            f"store only {', '.join(sorted(allowed)) or 'none'}'s: not stored; collate them "
            "as those forces' roles or a hub role")
        return forces, (OTHER_FORCE, str(why))
    if None not in forces:
        return forces, None
    if len(allowed) == 1:
        return [f or home_force(allowed) for f in forces], None
    return forces, (FORCE_UNKNOWN, (
        "a return with no force of its own (its form has no force field and no register row "
        f"names it), and this role stores for several forces ({', '.join(sorted(allowed))}): "
        "not stored; collate it with --register naming its force, or as a role of one force"))


def init_store(url: str, metadata: MetaData) -> list[str]:
    """Create (or upgrade) the store's schema at `url` and its row-level security, in one
    transaction. Returns the names of the tables guarded by force.

    The schema is made by the same step as a first collate's (migrations.prepare), so both
    give the same store with its schema version; a store of a newer toolkit, or a database
    holding other tables, is refused. Why one transaction: PostgreSQL's DDL is transactional,
    so a refusal or a fault leaves the database as it was.
    """
    def create(conn: Connection) -> list[str]:
        check_owner(conn, metadata)
        prepare(conn, masked(url), metadata)
        return apply_access(conn, metadata)

    return in_transaction(url, create)


def in_transaction(url: str, work: Callable[[Connection], T]) -> T:
    """`work` on one connection to the store at `url`, in one transaction; a database fault
    becomes a one-line StoreServerError, and an AccessError names the store."""
    engine = create_engine(engine_url(url))
    try:
        with store_faults(url), engine.begin() as conn:
            return work(conn)
    except AccessError as exc:
        raise AccessError(f"{masked(url)}: {exc}") from None
    finally:
        engine.dispose()


def init_report(url: str, tables: list[str]) -> str:
    """The line `store init` prints."""
    return (f"store ready at {masked(url)}: {len(tables)} tables guarded by force "
            f"({', '.join(tables)}); the role that ran this is a hub")
