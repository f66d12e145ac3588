"""Each force sees only its own rows of a PostgreSQL store, tested as plain login roles on a
real server (BLUESTONE_TEST_PG_URL; see tests/pgkit.py), and the `store` commands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import MetaData, create_engine, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Executable

from bluestone_forms import cli_store
from bluestone_forms.cli import main
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.store.access import (
    force_refusal,
    grant_access,
    init_store,
    role_forces,
    spec_forces,
)
from bluestone_forms.store.faults import StoreServerError, store_faults
from bluestone_forms.store.schema import SCHEMA_VERSION
from bluestone_forms.store.url import StoreUrlError, masked
from tests.pgkit import Server, contract_metadata, fresh_database, login_roles, pgpass

CASE_TABLES = ("files", "records", "issues", "register", "mail")


@pytest.fixture
def server() -> Iterator[Server]:
    with fresh_database() as s:
        yield s


@pytest.fixture
def md() -> MetaData:
    return contract_metadata()


def _seed(engine: Engine, md: MetaData) -> None:
    """Two files of kent and one of essex, with a row in every case table each."""
    t = md.tables
    with engine.begin() as c:
        for i, force in ((1, "kent"), (2, "kent"), (3, "essex")):
            c.execute(insert(t["files"]).values(id=i, path=f"f{i}.docx", force=force))
            c.execute(insert(t["records"]).values(id=i, file_id=i, instance_id=f"r{i}",
                                                  force=force))
            c.execute(insert(t["issues"]).values(id=i, file_id=i, message="m", force=force))
            c.execute(insert(t["register"]).values(instance_id=f"r{i}", force=force))
            c.execute(insert(t["mail"]).values(file_id=i, sender="s", force=force))


def _forces_seen(engine: Engine, md: MetaData) -> dict[str, list[str]]:
    with engine.connect() as c:
        return {name: sorted(c.execute(select(md.tables[name].c.force)).scalars())
                for name in CASE_TABLES}


def test_store_access_force_role_sees_only_its_force(server: Server, md: MetaData) -> None:
    init_store(server.url(), md)
    _seed(server.engine(), md)
    with login_roles(server, 2) as [(kent, kent_pw), (hub, hub_pw)]:
        with server.engine().begin() as c:
            grant_access(c, md, kent, ["kent"])
            grant_access(c, md, hub, None)
        as_kent, as_hub = server.engine(kent, kent_pw), server.engine(hub, hub_pw)
        assert _forces_seen(as_kent, md) == {n: ["kent", "kent"] for n in CASE_TABLES}
        everyone = {n: ["essex", "kent", "kent"] for n in CASE_TABLES}
        assert _forces_seen(as_hub, md) == everyone
        assert _forces_seen(server.engine(), md) == everyone  # the owner is a hub too
        with as_kent.begin() as c:  # meta: readable; audit: a line added, none read
            assert c.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")
                             ).scalar() == str(SCHEMA_VERSION)
            audit = md.tables["audit"]
            assert c.execute(insert(audit).values(action="collate")).inserted_primary_key
        with pytest.raises(StoreServerError, match="permission denied for table audit"), \
                store_faults(server.cli_url(kent)), as_kent.connect() as c:
            c.execute(text("SELECT action FROM audit"))
        with as_hub.connect() as c:
            assert c.execute(text("SELECT action FROM audit")).scalars().all() == ["collate"]


def test_store_access_update_delete_of_another_force_change_nothing(server: Server,
                                                                    md: MetaData) -> None:
    init_store(server.url(), md)
    _seed(server.engine(), md)
    with login_roles(server, 1) as [(kent, pw)]:
        with server.engine().begin() as c:
            grant_access(c, md, kent, ["kent"])
        as_kent = server.engine(kent, pw)
        with as_kent.begin() as c:
            for name in CASE_TABLES:
                t = md.tables[name]
                assert c.execute(t.update().where(t.c.force == "essex")
                                 .values(force="kent")).rowcount == 0
            # children first, so the foreign keys hold
            for name in ("mail", "issues", "records", "register"):
                t = md.tables[name]
                assert c.execute(t.delete().where(t.c.force == "essex")).rowcount == 0
                assert c.execute(t.delete().where(t.c.force == "kent")).rowcount == 2
            files = md.tables["files"]
            assert c.execute(files.update().values(path="x")).rowcount == 2  # its own only
        url = server.cli_url(kent)
        # TRUNCATE passes row-level security by, so a force role is not granted it
        with pytest.raises(StoreServerError, match="no grant on this store"):
            _write(as_kent, url, text("TRUNCATE records, issues, mail, register, files"))
        assert _forces_seen(server.engine(), md)["records"] == ["essex"]
        assert _forces_seen(server.engine(), md)["files"] == ["essex", "kent", "kent"]


def _write(engine: Engine, url: str, statement: Executable) -> None:
    with store_faults(url), engine.begin() as c:
        c.execute(statement)


@pytest.mark.parametrize("table", CASE_TABLES)
def test_store_access_insert_of_another_force_refused(server: Server, md: MetaData,
                                                      table: str) -> None:
    init_store(server.url(), md)
    _seed(server.engine(), md)
    values = {"files": {"id": 9, "path": "x"}, "records": {"id": 9, "file_id": 1},
              "issues": {"id": 9, "file_id": 1, "message": "m"},
              "register": {"instance_id": "r9"}, "mail": {"file_id": 3}}[table]
    with login_roles(server, 1) as [(kent, pw)]:
        with server.engine().begin() as c:
            grant_access(c, md, kent, ["kent"])
        as_kent, url = server.engine(kent, pw), server.cli_url(kent)
        t = md.tables[table]
        refused = "may write only its own force's rows"
        with pytest.raises(StoreServerError, match=refused):
            _write(as_kent, url, insert(t).values(force="essex", **values))
        with pytest.raises(StoreServerError, match=refused):
            _write(as_kent, url, t.update().where(t.c.force == "kent").values(force="essex"))
    assert _forces_seen(server.engine(), md)[table] == ["essex", "kent", "kent"]


def test_store_access_owner_not_superuser_is_a_hub(server: Server, md: MetaData) -> None:
    with login_roles(server, 2) as [(owner, opw), (kent, kpw)]:
        server.execute(f'GRANT CREATE ON SCHEMA public TO "{owner}"')
        init_store(server.url(owner, opw), md)
        as_owner = server.engine(owner, opw)
        _seed(as_owner, md)  # FORCE: the owner is bound by the policy, and passes as a hub
        with as_owner.begin() as c:
            assert role_forces(c) is None
            grant_access(c, md, kent, ["essex"])
        assert _forces_seen(as_owner, md)["files"] == ["essex", "kent", "kent"]
        assert _forces_seen(server.engine(kent, kpw), md)["files"] == ["essex"]


def test_store_access_role_forces(server: Server, md: MetaData, tmp_path: Path) -> None:
    init_store(server.url(), md)
    with login_roles(server, 3) as [(kent, kpw), (two, tpw), (hub, hpw)]:
        with server.engine().begin() as c:
            grant_access(c, md, kent, ["kent"])
            grant_access(c, md, two, ["dorset", "devon_and_cornwall"])
            grant_access(c, md, hub, None)
        for role, pw, want in ((kent, kpw, frozenset({"kent"})),
                               (two, tpw, frozenset({"dorset", "devon_and_cornwall"})),
                               (hub, hpw, None)):
            engine = server.engine(role, pw)
            with engine.connect() as c:
                assert role_forces(c) == want
    with server.engine().connect() as c:
        assert role_forces(c) is None  # a superuser
    sqlite = create_engine(f"sqlite:///{tmp_path / 's.sqlite'}")
    with sqlite.connect() as c:
        assert role_forces(c) is None


def test_store_access_role_forces_without_grant_says_so(server: Server, md: MetaData) -> None:
    init_store(server.url(), md)
    with login_roles(server, 1) as [(nobody, pw)]:
        engine = server.engine(nobody, pw)
        with pytest.raises(StoreServerError) as err, store_faults(server.cli_url(nobody)), \
                engine.connect() as c:
            role_forces(c)
    assert f"role '{nobody}' has no grant on this store" in str(err.value)
    assert "store grant URL --force CODE" in str(err.value)


def test_store_access_init_is_idempotent_and_guards_every_force_table(server: Server,
                                                                      md: MetaData) -> None:
    first = init_store(server.url(), md)
    assert sorted(first) == sorted(CASE_TABLES)
    assert init_store(server.url(), md) == first
    with server.engine().connect() as c:
        rows = c.execute(text(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relname = ANY (:n) ORDER BY relname"),
            {"n": [*CASE_TABLES, "meta", "audit"]}).all()
        policies = c.execute(text("SELECT tablename, count(*) FROM pg_policies "
                                  "WHERE policyname = 'bluestone_force' GROUP BY tablename"
                                  )).all()
    assert {r[0]: (r[1], r[2]) for r in rows} == {
        **dict.fromkeys(CASE_TABLES, (True, True)), "meta": (False, False),
        "audit": (False, False)}
    assert dict(policies) == dict.fromkeys(CASE_TABLES, 1)


# --- the store commands ---


def _run(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


@pytest.fixture
def cli_md(monkeypatch: pytest.MonkeyPatch, md: MetaData) -> MetaData:
    """The contract's schema for the commands until store_schema exists; then the real one."""
    try:
        return cli_store.store_metadata()
    except ModuleNotFoundError:
        monkeypatch.setattr(cli_store, "store_metadata", lambda: md)
        return md


def test_store_cli_init_and_grant(server: Server, cli_md: MetaData, tmp_path: Path) -> None:
    env = {"PGPASSFILE": str(pgpass(tmp_path / "pgpass", server, [server.admin_login()])),
           "PGPASSWORD": ""}
    r = _run(["store", "init", server.cli_url()], env)
    assert r.exit_code == 0, r.output
    assert "guarded by force" in r.output
    with login_roles(server, 2) as [(kent, pw), (hub, _)]:
        r = _run(["store", "grant", server.cli_url(), "--force", "kent", "--role", kent], env)
        assert r.exit_code == 0, r.output
        assert f"role '{kent}' may read and write the rows of kent only" in r.output
        r = _run(["store", "grant", server.cli_url(), "--hub", "--role", hub], env)
        assert r.exit_code == 0, r.output
        engine = server.engine(kent, pw)
        with engine.connect() as c:
            assert role_forces(c) == frozenset({"kent"})
        r = _run(["store", "revoke", server.cli_url(), "--role", kent], env)
        assert r.exit_code == 0, r.output
        assert "1 force grant(s) taken" in r.output


def test_store_cli_grant_refuses_unknown_force(server: Server, cli_md: MetaData) -> None:
    r = CliRunner().invoke(main, ["store", "grant", server.cli_url(), "--force", "narnia",
                                  "--role", "x"])
    assert r.exit_code == 1
    assert "unknown force code(s) narnia" in r.output
    assert "kent" in r.output
    assert "avon_and_somerset" in r.output
    assert r.output.count("\n") == 1  # one line, no traceback


@pytest.mark.parametrize(("flags", "message"), [
    ((), "no role '{role}'"),
    (("nologin",), "cannot log in"),
    (("superuser",), "superuser or bypasses row-level security"),
])
def test_store_cli_grant_refuses_role(server: Server, cli_md: MetaData, tmp_path: Path,
                                      flags: tuple[str, ...], message: str) -> None:
    env = {"PGPASSFILE": str(pgpass(tmp_path / "pgpass", server, [server.admin_login()])),
           "PGPASSWORD": ""}
    assert _run(["store", "init", server.cli_url()], env).exit_code == 0
    with login_roles(server, 1, superuser="superuser" in flags,
                     login="nologin" not in flags) as [(role, _)]:
        name = role if flags else "acc_nobody_here"
        r = CliRunner().invoke(main, ["store", "grant", server.cli_url(), "--force", "kent",
                                      "--role", name], env=env)
    assert r.exit_code == 1
    assert message.format(role=name) in r.output
    assert r.output.count("\n") == 1


def test_store_cli_needs_force_or_hub(server: Server, cli_md: MetaData) -> None:
    r = CliRunner().invoke(main, ["store", "grant", server.cli_url(), "--role", "x"])
    assert r.exit_code == 2
    assert "give --force CODE (one or more) or --hub" in r.output


def test_store_spec_forces_are_the_shipped_lists() -> None:
    forces = spec_forces(Catalog.shipped())
    assert {"kent", "metropolitan", "dyfed_powys"} <= forces
    assert all(code == code.lower() and " " not in code for code in forces)


def test_store_access_key_of_another_force_gives_a_plain_message(server: Server,
                                                                 md: MetaData) -> None:
    """Why the store's unique keys carry the force: a key held by another force's row is
    invisible to a force role, and an insert of it fails or is skipped."""
    init_store(server.url(), md)
    _seed(server.engine(), md)
    with login_roles(server, 1) as [(kent, pw)]:
        with server.engine().begin() as c:
            grant_access(c, md, kent, ["kent"])
        as_kent, url = server.engine(kent, pw), server.cli_url(kent)
        with pytest.raises(StoreServerError, match="already holds a row with that key"):
            _write(as_kent, url, text("INSERT INTO register VALUES ('r3', 'kent')"))
        with pytest.raises(StoreServerError, match="may write only its own force's rows"):
            _write(as_kent, url, text("INSERT INTO register VALUES ('r3', 'kent') ON CONFLICT "
                                      "(instance_id) DO UPDATE SET force = excluded.force"))


def test_store_cli_revoke_one_force_keeps_the_other(server: Server, cli_md: MetaData,
                                                    tmp_path: Path) -> None:
    env = {"PGPASSFILE": str(pgpass(tmp_path / "pgpass", server, [server.admin_login()])),
           "PGPASSWORD": ""}
    assert _run(["store", "init", server.cli_url()], env).exit_code == 0
    with login_roles(server, 1) as [(role, pw)]:
        url = server.cli_url()
        r = _run(["store", "grant", url, "--force", "kent", "--force", "essex", "--role", role],
                 env)
        assert "the rows of essex, kent only" in r.output
        r = _run(["store", "revoke", url, "--force", "essex", "--role", role], env)
        assert "1 force grant(s) taken" in r.output
        with server.engine(role, pw).connect() as c:
            assert role_forces(c) == frozenset({"kent"})


def test_store_cli_checked_store_option(tmp_path: Path) -> None:
    @click.command()
    @click.option("--store", envvar="BLUESTONE_FORMS_STORE")
    def cmd(store: str | None) -> None:
        click.echo(masked(cli_store.checked_store(store) or "none"))

    secret = "postgresql://ann:s3cret-pw@db.example/store"
    typed = CliRunner().invoke(cmd, ["--store", secret])
    assert isinstance(typed.exception, StoreUrlError)
    assert "s3cret-pw" not in str(typed.exception)
    from_env = CliRunner().invoke(cmd, [], env={"BLUESTONE_FORMS_STORE": secret})
    assert from_env.output == "postgresql://ann:***@db.example/store\n"
    path = CliRunner().invoke(cmd, ["--store", str(tmp_path / "s.sqlite")])
    assert path.output == f"{tmp_path / 's.sqlite'}\n"
    assert CliRunner().invoke(cmd, []).output == "none\n"


def test_store_access_force_refusal() -> None:
    assert force_refusal("kent", None) is None
    assert force_refusal("kent", frozenset({"kent", "essex"})) is None
    assert force_refusal(None, frozenset({"kent"})) is None
    assert force_refusal("essex", frozenset({"kent"})) == (
        "a return of force 'essex', and this role may store only kent's: not stored; collate "
        "it as a role of 'essex' or a hub role")
