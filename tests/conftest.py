"""Shared test settings: Hypothesis profiles and paths."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.large_base_example,
    ],
}
settings.register_profile("dev", max_examples=10, **_COMMON)
settings.register_profile("ci", max_examples=25, **_COMMON)
settings.register_profile("thorough", max_examples=200, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

REPO = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_lo = pytest.mark.skip(reason="soffice (LibreOffice) is not installed")
    skip_pdftk = pytest.mark.skip(reason="pdftk is not installed")
    if os.environ.get("CI"):
        return  # in CI a missing tool fails the tests that need it: never a silent skip
    for item in items:
        if "libreoffice" in item.keywords and shutil.which("soffice") is None:
            item.add_marker(skip_lo)
        if "pdftk" in item.keywords and shutil.which("pdftk") is None:
            item.add_marker(skip_pdftk)


# --------------------------------------------------------------------------- PostgreSQL
# The store tests run on both engines. The server is the one scripts/test.sh starts (Debian's
# cluster), reached by the superuser URL in BLUESTONE_TEST_PG_URL, else as the OS user over the
# unix socket. No test skips when it is missing: the fixture fails and says what to do.

PG_ENV = "BLUESTONE_TEST_PG_URL"


def pg_admin_url() -> str:
    import getpass

    return os.environ.get(PG_ENV) or \
        f"postgresql://{getpass.getuser()}@/postgres?host=/var/run/postgresql"


def _pg_admin() -> object:
    import psycopg

    url = pg_admin_url()
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ENV}={url!r} ({exc}); run "
                    "scripts/test.sh (it starts Debian's cluster), or `service postgresql "
                    f"start` and export {PG_ENV}", pytrace=False)


def fresh_pg_database() -> tuple[str, object]:
    """A new, empty database on the test server: its URL, and a callable that drops it."""
    import uuid

    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    admin: psycopg.Connection[object] = _pg_admin()  # type: ignore[assignment]
    name = f"bluestone_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    params = conninfo_to_dict(pg_admin_url())
    params["dbname"] = name
    url = "postgresql://?" + "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
    assert make_conninfo(**params)  # the parameters are ones libpq accepts

    def drop() -> None:
        again: psycopg.Connection[object] = _pg_admin()  # type: ignore[assignment]
        again.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        again.close()

    return url, drop


@pytest.fixture
def pg_url() -> object:
    """The URL of a fresh PostgreSQL database of this test's own, dropped afterwards."""
    url, drop = fresh_pg_database()
    yield url
    drop()  # type: ignore[operator]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    """A new store on each engine: an SQLite file, or a fresh PostgreSQL database's URL."""
    if request.param == "sqlite":
        yield tmp_path / "store" / "bluestone.sqlite"
        return
    url, drop = fresh_pg_database()
    yield url
    drop()  # type: ignore[operator]
