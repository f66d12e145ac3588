"""`store init` makes the store through the same migrations as a first collate: the same tables,
columns, keys and indexes, and the schema version recorded; a store of a newer toolkit and a
database that is not a store are refused with one line, and nothing is written. On a real
PostgreSQL (BLUESTONE_TEST_PG_URL); SQLite's refusals are in test_store.py (both engines)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import inspect, text

from bluestone_forms.cli import main
from bluestone_forms.store.core import Store
from bluestone_forms.store.schema import SCHEMA_VERSION, metadata
from tests.pgkit import Server, fresh_database, pgpass


@pytest.fixture
def server() -> Iterator[Server]:
    with fresh_database() as s:
        yield s


def _init(server: Server, tmp_path: Path) -> Result:
    env = {"PGPASSFILE": str(pgpass(tmp_path / "pgpass", server, [server.admin_login()])),
           "PGPASSWORD": ""}
    return CliRunner().invoke(main, ["store", "init", server.cli_url()], env=env)


def _shape(server: Server) -> dict[str, Any]:
    """The store's tables as the database describes them, and its schema version."""
    with server.engine().connect() as c:
        insp = inspect(c)
        shape: dict[str, Any] = {}
        for t in sorted(metadata.tables):
            shape[t] = (
                [(x["name"], str(x["type"]), x["nullable"]) for x in insp.get_columns(t)],
                insp.get_pk_constraint(t)["constrained_columns"],
                sorted((x["name"], tuple(x["column_names"]))
                       for x in insp.get_unique_constraints(t)),
                sorted((x["name"], tuple(x["column_names"]), bool(x["unique"]))
                       for x in insp.get_indexes(t)),
                sorted((tuple(x["constrained_columns"]), x["referred_table"])
                       for x in insp.get_foreign_keys(t)))
        shape["meta"] = sorted(c.execute(text("SELECT key FROM meta")).scalars())
        shape["version"] = c.execute(text(
            "SELECT value FROM meta WHERE key = 'schema_version'")).scalar()
    return shape


def test_store_init_makes_the_store_a_first_collate_makes(tmp_path: Path) -> None:
    with fresh_database() as by_init, fresh_database() as by_collate:
        r = _init(by_init, tmp_path)
        assert r.exit_code == 0, r.output
        with Store(by_collate.url()):  # what a first collate does to an empty database
            pass
        made = _shape(by_init)
        assert made == _shape(by_collate)
        assert made["version"] == str(SCHEMA_VERSION)
        assert made["meta"] == ["pseudonym_key", "schema_version"]
        r = _init(by_collate, tmp_path)  # a collated store is guarded afterwards, unchanged
        assert r.exit_code == 0, r.output
        assert _shape(by_collate) == made
        with Store(by_init.url()) as s:  # and a collate opens an initialised store as it is
            assert s.totals()["files"] == 0


def _dump(server: Server) -> dict[str, list[Any]]:
    with server.engine().connect() as c:
        names = inspect(c).get_table_names()
        return {t: sorted(map(tuple, c.execute(text(f'SELECT * FROM "{t}"'))), key=repr)
                for t in names}


def _refused(r: Result, words: str) -> None:
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    assert r.output.count("\n") == 1, r.output
    assert words in r.output, r.output


def test_store_init_refuses_a_newer_store_and_writes_nothing(server: Server,
                                                             tmp_path: Path) -> None:
    with Store(server.url()):
        pass
    with server.engine().begin() as c:
        c.execute(text("UPDATE meta SET value = :v WHERE key = 'schema_version'"),
                  {"v": str(SCHEMA_VERSION + 1)})
    before = _dump(server)
    r = _init(server, tmp_path)
    _refused(r, f"written by a newer bluestone-forms (schema version {SCHEMA_VERSION + 1}; "
                f"this one knows up to {SCHEMA_VERSION}); upgrade bluestone-forms")
    assert "Nothing was changed" in r.output
    assert _dump(server) == before  # no bluestone_access, no policies, no row
    with server.engine().connect() as c:
        assert c.execute(text("SELECT count(*) FROM pg_policies")).scalar() == 0


def test_store_init_refuses_a_database_that_is_not_a_store(server: Server,
                                                          tmp_path: Path) -> None:
    server.execute("CREATE TABLE payroll (name TEXT, pay INTEGER); "
                   "INSERT INTO payroll VALUES ('x', 1)")
    before = _dump(server)
    r = _init(server, tmp_path)
    _refused(r, "not a bluestone store (it holds other tables)")
    assert _dump(server) == before
