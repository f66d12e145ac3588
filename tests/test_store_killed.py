"""The PostgreSQL connection of a real `collate` process ended from another session
(`pg_terminate_backend`) at several points of the run: after a batch's commit, in the middle of a
batch, and while an instance's statuses are being settled. Each run stops with the one-line
fault and exit 1, nothing half-written; a re-run then gives exactly the CSVs of an uninterrupted
run (apart from when each file was read). The run is held at each point by collate's pause hook
(BLUESTONE_TEST_PAUSE, inert unless set)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from test_collate import template
from test_store import _csvs, _diff, _inbox

from bluestone_forms import formats
from bluestone_forms.answers.records import new_instance_id
from bluestone_forms.collate.pause import PAUSE_HOOK
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog
from tests.pgkit import Server, fresh_database

REPO = Path(__file__).resolve().parents[1]
CLI = "from bluestone_forms.cli import main; main()"


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """test_store's returns (a correction, a conflict, a copy, a reject, a zip member) and 24
    more: 38 files, so the run commits two files a batch."""
    folder = tmp_path_factory.mktemp("killed") / "in"
    tdir = tmp_path_factory.mktemp("killed-templates")
    _inbox(folder, tdir)
    rng = random.Random(19)
    catalog = Catalog.shipped()
    for n in range(24):
        spec = catalog.get(("rp1", "rp2", "case_review")[n % 3])
        fmt = ("docx", "xlsx")[n % 2]
        formats.module(fmt).fill(template(tdir, spec, fmt), sample_values(spec, rng),
                                 folder / f"more{n:02}{formats.EXTENSIONS[fmt]}",
                                 instance_id=new_instance_id())
    return folder


def _collate(server: Server, inbox: Path, out: Path, pause: str | None = None
             ) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "BLUESTONE_FORMS_STORE": server.url()}
    env.pop(PAUSE_HOOK, None)
    if pause:
        env[PAUSE_HOOK] = pause
    return subprocess.Popen(
        [sys.executable, "-c", CLI, "collate", str(inbox), "-o", str(out), "--workers", "2",
         "--include-names", "--include-special-category"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def _kill_when_paused(server: Server, proc: subprocess.Popen[str], flag: Path) -> int:
    """Wait for the run to reach its pause, end its database session, let it go on; returns
    how many sessions were ended."""
    deadline = time.monotonic() + 240
    while not flag.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never reached its pause point"
        time.sleep(0.05)
    with server.engine().connect() as c:
        ended = c.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    flag.unlink()
    return int(ended or 0)


def _files(server: Server) -> list[tuple[str, str]]:
    with server.engine().connect() as c:
        return sorted((str(p), str(o)) for p, o in c.execute(
            text("SELECT path, outcome FROM files")))


@pytest.fixture(scope="module")
def want(inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[list[str]]]:
    """The CSVs of an uninterrupted run."""
    out = tmp_path_factory.mktemp("killed-clean")
    with fresh_database() as clean:
        code, _, err = _finish(_collate(clean, inbox, out))
        assert code == 1, err  # notes.txt is rejected
    return _csvs(out)


@pytest.mark.slow
@pytest.mark.parametrize("point", ["commit:1", "ingest:3", "settle:4", "commit:9"])
def test_store_connection_killed_mid_run_then_rerun_equals_uninterrupted(
    inbox: Path, want: dict[str, list[list[str]]], tmp_path: Path, point: str
) -> None:
    with fresh_database() as server:
        flag = tmp_path / "paused"
        proc = _collate(server, inbox, tmp_path / "killed", f"{point}:{flag}")
        assert _kill_when_paused(server, proc, flag) == 1  # the run's one connection
        code, out, err = _finish(proc)
        assert code == 1, (out, err)
        assert err.count("\n") == 1, err  # one line, no traceback
        assert "the connection to the server was lost mid-run" in err, err
        assert "run the same command again to finish" in err
        assert server.admin_login()[1] not in err
        assert not (tmp_path / "killed" / "csv").exists()  # stopped before any output
        kept = _files(server)
        assert len(kept) < len(want["Files.csv"]) - 1  # stopped part-way ...
        if point.startswith("commit"):
            assert kept  # ... with the batches committed before kept
        code, _, err = _finish(_collate(server, inbox, tmp_path / "again"))
        assert code == 1, err
        assert "lost" not in err
        got = _csvs(tmp_path / "again")
        assert got == want, _diff(got, want)
        assert set(kept) <= set(_files(server))
