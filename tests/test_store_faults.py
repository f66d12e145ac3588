"""A PostgreSQL store's faults end in one line that says what to do, exit 1, no traceback and
nothing half-written; a password is in no output and no log. Against a real server
(BLUESTONE_TEST_PG_URL; see tests/pgkit.py) and, for a restart, a private one."""

from __future__ import annotations

import errno
import logging
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import MetaData, Table, create_engine, func, insert, select, text
from sqlalchemy.engine import Engine

from bluestone_forms import cli_store
from bluestone_forms.cli import main
from bluestone_forms.store.access import init_store
from bluestone_forms.store.core import Store
from bluestone_forms.store.engine import StoreError
from bluestone_forms.store.faults import (
    StoreServerError,
    store_failure,
    store_fault,
    store_faults,
)
from bluestone_forms.store.url import (
    StoreUrlError,
    checked_url,
    engine_url,
    has_password,
    masked,
)
from tests.pgkit import (
    Server,
    contract_metadata,
    free_port,
    fresh_database,
    login_roles,
    pgpass,
    private_cluster,
)


@pytest.fixture
def server() -> Iterator[Server]:
    with fresh_database() as s:
        yield s


@pytest.fixture
def md(monkeypatch: pytest.MonkeyPatch) -> MetaData:
    """The schema `store init` makes: the real one once store_schema exists, else the
    contract's."""
    try:
        return cli_store.store_metadata()
    except ModuleNotFoundError:
        md = contract_metadata()
        monkeypatch.setattr(cli_store, "store_metadata", lambda: md)
        return md


def _init(url: str, env: dict[str, str]) -> Result:
    return CliRunner().invoke(main, ["store", "init", url], env=env)


def _one_line_error(r: Result, words: str) -> None:
    assert r.exit_code == 1, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    assert "Traceback" not in r.output
    assert r.output.count("\n") == 1, r.output
    assert words in r.output, r.output


def _passfile(tmp_path: Path, server: Server, entries: list[tuple[str, str]]) -> dict[str, str]:
    return {"PGPASSFILE": str(pgpass(tmp_path / "pgpass", server, entries)), "PGPASSWORD": ""}


def test_store_fault_unreachable_server(tmp_path: Path, md: MetaData) -> None:
    env = {"PGPASSFILE": str(tmp_path / "none"), "PGPASSWORD": ""}
    r = _init(f"postgresql://someone@127.0.0.1:{free_port()}/store", env)
    _one_line_error(r, "cannot reach the PostgreSQL server")
    assert "service postgresql start" in r.output
    r = _init("postgresql://someone@no-such-host.invalid/store", env)
    _one_line_error(r, "cannot reach the PostgreSQL server")


def test_store_fault_wrong_and_missing_password(server: Server, md: MetaData,
                                                tmp_path: Path) -> None:
    with login_roles(server, 1) as [(role, password)]:
        wrong = "Wr0ng-" + password[:8]
        r = _init(server.cli_url(role), _passfile(tmp_path, server, [(role, wrong)]))
        _one_line_error(r, f"the server refused the password of role '{role}'")
        assert "~/.pgpass" in r.output
        assert wrong not in r.output
        assert password not in r.output
        r = _init(server.cli_url(role), _passfile(tmp_path, server, []))
        _one_line_error(r, f"the server asks for the password of role '{role}' and none was found")


def test_store_fault_no_such_database(server: Server, md: MetaData, tmp_path: Path) -> None:
    url = server.cli_url().replace(server.database, "acc_no_such_db")
    r = _init(url, _passfile(tmp_path, server, [server.admin_login()]))
    _one_line_error(r, "that database does not exist on the server")


def test_store_fault_role_without_grant(server: Server, md: MetaData, tmp_path: Path) -> None:
    init_store(server.url(), md)
    with login_roles(server, 1) as [(role, password)]:
        engine = server.engine(role, password)
        with pytest.raises(StoreServerError) as err, store_faults(server.cli_url(role)), \
                engine.connect() as c:
            c.execute(select(md.tables["files"]))
        msg = str(err.value)
        assert f"role '{role}' has no grant on this store (permission denied for table files)" \
            in msg
        assert f"store grant URL --force CODE --role {role}" in msg
        assert "\n" not in msg
        r = _init(server.cli_url(role), _passfile(tmp_path, server, [(role, password)]))
        _one_line_error(r, f"role '{role}' does not own this store; run `bluestone-forms "
                        "store init` as its owner")


def test_store_fault_init_by_a_role_that_may_not(md: MetaData, tmp_path: Path) -> None:
    with fresh_database() as server, login_roles(server, 1) as [(role, password)]:
        env = _passfile(tmp_path, server, [(role, password)])
        r = _init(server.cli_url(role), env)  # an empty database: no CREATE on its schema
        _one_line_error(r, f"role '{role}' may not create tables in this database")
        assert "as the database's owner or a superuser" in r.output
        with Store(server.url()):  # a store made by someone else's collate, not yet guarded
            pass
        server.execute(f'GRANT CREATE ON SCHEMA public TO "{role}"')
        r = _init(server.cli_url(role), env)
        _one_line_error(r, f"role '{role}' does not own this store; run `bluestone-forms "
                        "store init` as its owner")
        with server.engine().connect() as c:  # one transaction: nothing of it is left
            assert c.execute(text("SELECT to_regclass('bluestone_access')")).scalar() is None


def _files(server: Server, md: MetaData) -> int:
    with server.engine().connect() as c:
        return int(c.execute(select(func.count()).select_from(md.tables["files"])).scalar_one())


def _row(files: Table, path: str) -> dict[str, object]:
    """A file line of `path` in Kent, with whatever the table requires."""
    full = {"path": path, "force": "kent", "sha256": "0" * 64, "size": 0,
            "read_at": "2026-12-06T00:00:00+00:00", "outcome": "read"}
    return {k: v for k, v in full.items() if k in files.c}


def _insert_killed(server: Server, engine: Engine, files: Table, killed_after: int) -> None:
    """Insert 10 files in one transaction; another session ends this one after some."""
    with store_faults(server.cli_url()), engine.begin() as c:
        pid = c.execute(text("SELECT pg_backend_pid()")).scalar()
        for i in range(10):
            if i == killed_after:
                server.execute(f"SELECT pg_terminate_backend({pid})")
            c.execute(insert(files).values(_row(files, f"f{i}")))


def test_store_fault_connection_killed_mid_run(server: Server) -> None:
    md = contract_metadata()
    init_store(server.url(), md)
    engine = server.engine()
    files = md.tables["files"]
    for killed_after in (0, 1, 5):
        with pytest.raises(StoreServerError) as err:
            _insert_killed(server, engine, files, killed_after)
        assert "the connection to the server was lost mid-run" in str(err.value)
        assert "run the same command again" in str(err.value)
        assert _files(server, md) == 0  # nothing half-written
    with engine.begin() as c:  # the pool has dropped the dead connection: a re-run goes in
        c.execute(insert(files), [{"path": f"f{i}", "force": "kent"} for i in range(10)])
    assert _files(server, md) == 10


def _insert_stopped(url: str, engine: Engine, files: Table, stop: list[str]) -> None:
    """Insert a file, stop the server, insert another, in one transaction."""
    with store_faults(url), engine.begin() as c:
        c.execute(insert(files).values(_row(files, "a")))
        subprocess.run(stop, check=True, capture_output=True)
        c.execute(insert(files).values(_row(files, "b")))


def test_store_fault_server_restarted_mid_run(md: MetaData) -> None:
    with private_cluster() as cluster:
        init_store(cluster.url, md)
        engine = create_engine(engine_url(cluster.url))
        files = md.tables["files"]
        try:
            with pytest.raises(StoreServerError) as err:
                _insert_stopped(cluster.url, engine, files, [*cluster.ctl, "-m", "fast", "stop"])
            assert "the connection to the server was lost mid-run" in str(err.value)
            r = _init(cluster.url, {"PGPASSWORD": ""})  # while it is down
            _one_line_error(r, "cannot reach the PostgreSQL server")
            subprocess.run([*cluster.ctl, "start"], check=True, capture_output=True)
            count = select(func.count()).select_from(files)
            with engine.begin() as c:  # nothing half-written; a re-run goes in
                assert c.execute(count).scalar() == 0
                c.execute(insert(files), [_row(files, p) for p in "ab"])
            with engine.connect() as c:
                assert c.execute(count).scalar() == 2
        finally:
            engine.dispose()


@contextmanager
def _logged(path: Path) -> Iterator[None]:
    """Every logger at DEBUG into `path` (SQLAlchemy's statements and pool included)."""
    handler = logging.FileHandler(path, encoding="utf-8")
    loggers = [logging.getLogger(n) for n in ("", "sqlalchemy", "psycopg", "bluestone_forms")]
    levels = [lg.level for lg in loggers]
    logging.getLogger().addHandler(handler)
    for lg in loggers:  # SQLAlchemy sets its own logger to WARN unless told otherwise
        lg.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _invoke(args: list[str], env: dict[str, str]) -> Result:
    return CliRunner().invoke(main, args, env={"PGPASSWORD": "", **env})


def test_store_secrets_never_shown_or_logged(server: Server, md: MetaData,
                                             tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    with login_roles(server, 1) as [(role, password)], _logged(log):
        server.execute(f'GRANT CREATE ON SCHEMA public TO "{role}"')
        with_password = server.url(role, password)
        wrong = server.url(role, "Wr0ng-" + password[:6])
        runs = [
            # a password on the command line: refused, and not echoed
            (_invoke(["store", "init", with_password], {}), 1,
             "a password is not taken from the command line"),
            # from BLUESTONE_FORMS_STORE: used, and the URL shown masked
            (_invoke(["store", "init"], {"BLUESTONE_FORMS_STORE": with_password}), 0,
             masked(with_password)),
            # a wrong one from the environment: refused, neither password shown
            (_invoke(["store", "grant", "--hub", "--role", role],
                     {"BLUESTONE_FORMS_STORE": wrong}), 1, "refused the password"),
            # libpq's own ways: PGPASSWORD
            (_invoke(["store", "init", server.cli_url(role)],
                     {"PGPASSWORD": password, "PGPASSFILE": "/nonexistent"}), 0,
             "guarded by force"),
        ]
    for result, code, words in runs:
        assert result.exit_code == code, result.output
        assert words in result.output
    logged = log.read_text(encoding="utf-8")
    assert "CREATE POLICY bluestone_force" in logged  # the log holds every statement run
    assert "***" in masked(with_password)
    for shown in [*(r.output for r, _, _ in runs), logged]:
        assert password not in shown
        assert password[:6] not in shown


@pytest.mark.parametrize(("url", "shown"), [
    ("postgresql://ann:s3cret-pw@db.example:5432/store",
     "postgresql://ann:***@db.example:5432/store"),
    ("postgresql://ann@db.example/store?sslmode=require&password=s3cret-pw",
     "postgresql://ann@db.example/store?sslmode=require&password=***"),
    ("postgres://:s3cret-pw@/store?host=/run/postgresql",
     "postgres://:***@/store?host=/run/postgresql"),
    ("postgresql://ann@db.example/store", "postgresql://ann@db.example/store"),
])
def test_store_url_masked(url: str, shown: str) -> None:
    assert masked(url) == shown
    assert "s3cret-pw" not in masked(url)
    assert has_password(url) == ("s3cret-pw" in url)


def test_store_url_checked() -> None:
    plain = "postgresql://ann@db.example/store"
    assert checked_url(plain, from_command_line=True) == plain
    with_pw = "postgresql://ann@db.example/store?password=s3cret-pw"
    assert checked_url(with_pw, from_command_line=False) == with_pw
    with pytest.raises(StoreUrlError, match=r"not taken from the command line") as err:
        checked_url(with_pw, from_command_line=True)
    assert "s3cret-pw" not in str(err.value)
    with pytest.raises(StoreUrlError, match="not a PostgreSQL URL"):
        checked_url("out/bluestone.sqlite", from_command_line=True)
    assert engine_url("postgres://ann@h/db") == "postgresql+psycopg://ann@h/db"


def test_store_fault_leaves_bugs_alone() -> None:
    assert store_fault(ValueError("a bug"), "postgresql://ann@h/db") is None
    with pytest.raises(KeyError), store_faults("postgresql://ann@h/db"):
        raise KeyError("a bug keeps its traceback")


@pytest.mark.parametrize(("exc", "why"), [
    (sqlite3.OperationalError("disk I/O error"), "the disk is full"),  # its code, not its text
    (sqlite3.DatabaseError("database or disk is full"), "the file is not a bluestone store"),
    (OSError(errno.EROFS, "no"), "the store or its folder is read-only"),
    (OSError(errno.ENOSPC, "no"), "the disk is full"),
    (OSError(errno.ENOTDIR, "no"), "the store cannot be opened or created there"),
])
def test_store_failure_told_by_code_not_wording(exc: Exception, why: str) -> None:
    codes = {"disk I/O error": sqlite3.SQLITE_FULL,
             "database or disk is full": sqlite3.SQLITE_NOTADB}
    if isinstance(exc, sqlite3.Error):
        exc.sqlite_errorcode = codes[str(exc)]  # type: ignore[attr-defined]
    got = store_failure("out/s.sqlite", exc)
    assert isinstance(got, StoreError)
    assert str(got).startswith(f"out/s.sqlite: {why}")
    assert "Every file collated before this is kept" in str(got)
    assert "\n" not in str(got)
