"""Run LibreOffice as a person would use it, from the tests.

python3-uno belongs to Debian's /usr/bin/python3, not to the project's interpreter, so the
typing itself is done by small driver scripts (`writer_driver.py`, `calc_driver.py`) run by
that Python in a subprocess; each starts one headless soffice with its own profile and an
--accept socket, works through a list of jobs and prints one JSON line. This module writes
the jobs, runs a driver and returns its report.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

UNO_PYTHON = "/usr/bin/python3"
HERE = Path(__file__).resolve().parent


def require_office() -> None:
    """Skip where LibreOffice or python3-uno is absent, but fail in CI (env CI set): the
    real-client tests must never be skipped silently there."""
    missing = []
    if shutil.which("soffice") is None:
        missing.append("soffice (LibreOffice)")
    if not Path(UNO_PYTHON).exists() or subprocess.run(
            [UNO_PYTHON, "-c", "import uno"], capture_output=True).returncode != 0:
        missing.append("python3-uno for /usr/bin/python3")
    if missing:
        why = f"{' and '.join(missing)} not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{why}: scripts/setup.sh installs it, and CI must run these tests")
        pytest.skip(why)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_driver(driver: str, jobs: list[dict[str, Any]], work: Path,
               env: dict[str, str] | None = None, timeout: int = 420) -> list[dict[str, Any]]:
    """Run `driver` (a script next to this module) over `jobs` in one soffice; its report."""
    work.mkdir(parents=True, exist_ok=True)
    job_file = work / f"{Path(driver).stem}-jobs.json"
    job_file.write_text(json.dumps(jobs), encoding="utf-8")
    run = subprocess.run(
        [UNO_PYTHON, str(HERE / driver), str(job_file), str(free_port()), str(work / "profile")],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    if run.returncode != 0:
        raise AssertionError(f"{driver} failed ({run.returncode}):\n{run.stderr[-3000:]}")
    report: list[dict[str, Any]] = json.loads(run.stdout.strip().splitlines()[-1])
    return report
