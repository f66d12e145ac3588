"""A real PostgreSQL for the store's access and fault tests: a fresh database and login roles.

The server is the one BLUESTONE_TEST_PG_URL names (a superuser's URL); a test fails, never
skips, when it is not set or not reachable. Each test gets its own database and roles, with
random names, dropped afterwards, so tests and other runs on the same server do not meet.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, Text, create_engine
from sqlalchemy.engine import URL, Engine, make_url

ENV = "BLUESTONE_TEST_PG_URL"


def admin_url() -> str:
    """The superuser URL of the test server, or a failed test saying how to set one up."""
    url = os.environ.get(ENV)
    if not url:
        pytest.fail(f"{ENV} is not set: start PostgreSQL (service postgresql start), create a "
                    "superuser role with a password and set "
                    f"{ENV}=postgresql://ROLE:PASSWORD@127.0.0.1:5432/postgres")
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        pytest.fail(f"the PostgreSQL server of {ENV} cannot be used: {exc}")
    return url


def contract_metadata() -> MetaData:
    """A schema as the store's contract has it: case tables with `force`, meta/audit without."""
    md = MetaData()
    Table("files", md, Column("id", Integer, primary_key=True), Column("path", Text),
          Column("force", Text))
    Table("records", md, Column("id", Integer, primary_key=True),
          Column("file_id", Integer, ForeignKey("files.id")), Column("instance_id", Text),
          Column("force", Text))
    Table("issues", md, Column("id", Integer, primary_key=True),
          Column("file_id", Integer, ForeignKey("files.id")), Column("message", Text),
          Column("force", Text))
    Table("register", md, Column("instance_id", Text, primary_key=True), Column("force", Text))
    Table("mail", md, Column("file_id", Integer, ForeignKey("files.id"), primary_key=True),
          Column("sender", Text), Column("force", Text))
    Table("meta", md, Column("key", Text, primary_key=True), Column("value", Text))
    Table("audit", md, Column("id", Integer, primary_key=True), Column("action", Text))
    return md


@dataclass(frozen=True)
class Server:
    """The test server's admin URL, and the database a test got on it."""

    admin: str
    database: str
    engines: list[Engine] = field(default_factory=list)

    def url(self, role: str | None = None, password: str | None = None) -> str:
        """A URL of the test database as `role` (default: the admin), with `password` if
        given (psycopg-style, for the test's own connections)."""
        u = make_url(self.admin).set(database=self.database)
        if role is not None:
            u = u.set(username=role, password=password)
        return u.render_as_string(hide_password=False)

    def cli_url(self, role: str | None = None) -> str:
        """The same URL without a password, as a person types it."""
        u = make_url(self.url(role))
        bare = URL.create(u.drivername, u.username, None, u.host, u.port, u.database)
        return bare.render_as_string(hide_password=False)

    def admin_login(self) -> tuple[str, str]:
        """The admin's role and password (for a pgpass file)."""
        u = make_url(self.admin)
        return u.username or "", u.password or os.environ.get("PGPASSWORD", "")

    def engine(self, role: str | None = None, password: str | None = None) -> Engine:
        """An engine as `role` (default: the admin), disposed with the test's database."""
        u = make_url(self.url(role, password)).set(drivername="postgresql+psycopg")
        engine = create_engine(u)
        self.engines.append(engine)
        return engine

    def execute(self, sql: str, *, database: str | None = None) -> None:
        u = make_url(self.admin).set(database=database or self.database)
        with psycopg.connect(u.render_as_string(hide_password=False), autocommit=True) as c:
            c.execute(sql.encode())


@contextmanager
def fresh_database() -> Iterator[Server]:
    """A new empty database on the test server, dropped (with its roles' grants) after."""
    admin = admin_url()
    name = f"acc_{secrets.token_hex(5)}"
    server = Server(admin, name)
    server.execute(f'CREATE DATABASE "{name}"', database="postgres")
    try:
        yield server
    finally:
        for engine in server.engines:
            engine.dispose()
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', database="postgres")


@contextmanager
def login_roles(server: Server, count: int, *, superuser: bool = False,
                login: bool = True) -> Iterator[list[tuple[str, str]]]:
    """`count` new roles with random names and passwords, dropped after (after the test's
    database, which holds their grants: call inside `fresh_database`)."""
    roles = [(f"acc_role_{secrets.token_hex(4)}", secrets.token_urlsafe(18))
             for _ in range(count)]
    flags = ("LOGIN" if login else "NOLOGIN") + (" SUPERUSER" if superuser else "")
    for name, password in roles:
        server.execute(f"CREATE ROLE \"{name}\" {flags} PASSWORD '{password}'")
    try:
        yield roles
    finally:
        for name, _ in roles:
            server.execute(f'DROP OWNED BY "{name}"')
            server.execute(f'DROP ROLE IF EXISTS "{name}"', database="postgres")


@dataclass(frozen=True)
class Cluster:
    """A private PostgreSQL cluster: its URL (role postgres, no password) and `pg_ctl` with
    its data folder and options (add "start", or "-m", "fast", "stop")."""

    url: str
    ctl: list[str]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of the test's own, so stopping it disturbs no other test. Made as
    the postgres user when the tests run as root (initdb refuses root); removed after."""
    bindir = Path("/usr/lib/postgresql/15/bin")
    if not (bindir / "initdb").exists():
        pytest.fail(f"{bindir}/initdb not found: install Debian's postgresql (15)")
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="acc_pg_"))
    if as_pg:
        shutil.chown(root, "postgres")
    port = free_port()
    subprocess.run([*as_pg, str(bindir / "initdb"), "-D", str(root / "data"), "-A", "trust",
                    "-U", "postgres", "--no-sync"], check=True, capture_output=True)
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    ctl = [*as_pg, str(bindir / "pg_ctl"), "-D", str(root / "data"), "-o", opts, "-l",
           str(root / "log"), "-w"]
    subprocess.run([*ctl, "start"], check=True, capture_output=True)
    try:
        yield Cluster(f"postgresql://postgres@127.0.0.1:{port}/postgres", ctl)
    finally:
        subprocess.run([*ctl, "-m", "immediate", "stop"], check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def pgpass(path: Path, server: Server, entries: list[tuple[str, str]]) -> Path:
    """A ~/.pgpass-format file giving each (role, password) for the test server; mode 0600."""
    u = make_url(server.admin)
    host, port = u.host or "localhost", u.port or 5432
    lines = [f"{host}:{port}:*:{role}:{password}" for role, password in entries]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path
