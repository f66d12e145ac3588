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


@pytest.hookimpl(tryfirst=True)  # before xdist reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _distributed(config):
        schedule(config, items)
    skip_lo = pytest.mark.skip(reason="soffice (LibreOffice) is not installed")
    skip_pdftk = pytest.mark.skip(reason="pdftk is not installed")
    if os.environ.get("CI"):
        return  # in CI a missing tool fails the tests that need it: never a silent skip
    for item in items:
        if "libreoffice" in item.keywords and shutil.which("soffice") is None:
            item.add_marker(skip_lo)
        if "pdftk" in item.keywords and shutil.which("pdftk") is None:
            item.add_marker(skip_pdftk)


# --------------------------------------------------------------------------- xdist
# How the work is shared between the workers (scripts/test.sh runs `--dist loadgroup`).
#
# Each module below builds one costly module-scoped fixture that nearly all of its tests use,
# and its tests are cheap beside it: handed out test by test, both workers would build it.
# Its tests go to one worker together (an xdist_group of the module's name). Every other test
# is handed out on its own, as `--dist load` does.
ONE_WORKER = {
    "test_hostile.py": "one collation of the hostile corpus, then 264 cheap checks",
    "test_realclient_docx.py": "one LibreOffice session types into every form",
    "test_realclient_xlsx.py": "one LibreOffice session per locale types into every form",
    "test_outcomes.py": "one folder of every outcome, collated once",
    "test_pdf_ua.py": "every spec's forms rendered, then rule checks",
    "test_mail.py": "the returns every mailbox is built from",
    "test_scan.py": "the synthetic scans (session fixtures) read once",
}
# And the modules go out longest first, by what each took last time (pytest's cache, written
# by the controller at the end of a run; a module it has not seen goes last), so that no
# long module starts when the other worker has nothing left. A module's tests stay together
# and in their order, so its fixtures are built as often as before.
DURATIONS = "bluestone/module-seconds"


def _distributed(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput") or getattr(config.option, "numprocesses", None) \
        not in (None, 0)


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0].rsplit("/", 1)[-1]


def schedule(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _module(item.nodeid) in ONE_WORKER:
            item.add_marker(pytest.mark.xdist_group(_module(item.nodeid)))
    cache = getattr(config, "cache", None)
    last: dict[str, float] = cache.get(DURATIONS, {}) if cache is not None else {}
    first_seen = {m: n for n, m in reversed(list(enumerate(_module(i.nodeid) for i in items)))}
    items.sort(key=lambda i: (-last.get(_module(i.nodeid), 0.0), first_seen[_module(i.nodeid)]))


_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    m = _module(report.nodeid.split("@", 1)[0])  # setup, call and teardown of every test
    _seconds[m] = _seconds.get(m, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controller (or a run without xdist) keeps each module's seconds: only from runs
    of whole modules (no -k or -m), which are the runs that can say how long one takes."""
    config = session.config
    if hasattr(config, "workerinput") or not _seconds or getattr(config, "cache", None) is None:
        return
    if config.option.keyword or config.option.markexpr or config.option.lf:
        return
    config.cache.set(DURATIONS, {**config.cache.get(DURATIONS, {}), **_seconds})


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
