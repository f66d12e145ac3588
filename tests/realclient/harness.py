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
import signal
import socket
import subprocess
import sys
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
    """Run `driver` (a script next to this module) over `jobs` in one soffice; its report.

    Headless soffice 7.4 has aborted unprompted (once in about ten runs here, while other
    soffice processes were busy on the same 2 cores); a run whose soffice died is tried once
    more from the start, and says so on stderr. Any other failure fails at once.
    """
    try:
        return _run_driver(driver, jobs, work, env, timeout)
    except _SofficeDied as died:
        print(f"soffice died under {driver}; running it once more:\n{died}", file=sys.stderr)
        return _run_driver(driver, jobs, work, env, timeout)


class _SofficeDied(AssertionError):
    pass


def _run_driver(driver: str, jobs: list[dict[str, Any]], work: Path,
                env: dict[str, str] | None, timeout: int) -> list[dict[str, Any]]:
    work.mkdir(parents=True, exist_ok=True)
    job_file = work / f"{Path(driver).stem}-jobs.json"
    job_file.write_text(json.dumps(jobs), encoding="utf-8")
    profile = Path(env["BLUESTONE_PROFILE"]) if env and "BLUESTONE_PROFILE" in env else (
        work / "profile")
    # a session of its own, so that a hung driver is stopped together with its soffice
    proc = subprocess.Popen(
        [UNO_PYTHON, str(HERE / driver), str(job_file), str(free_port()), str(profile)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        env={**os.environ, **{k: v for k, v in (env or {}).items() if k != "BLUESTONE_PROFILE"}})
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError(f"{driver} took more than {timeout} s; stopped") from None
    if proc.returncode != 0:
        kind = _SofficeDied if "DisposedException" in err else AssertionError
        raise kind(f"{driver} failed ({proc.returncode}):\n{err[-3000:]}")
    report: list[dict[str, Any]] = json.loads(out.strip().splitlines()[-1])
    return report


_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">\
<value>{tag}</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="DateAcceptancePatterns" \
oor:op="fuse"><value>{patterns}</value></prop></item>
</oor:items>
"""
_PATTERNS = {"en-GB": "D/M/Y;D/M", "en-US": "M/D/Y;M/D"}


def locale_profile(work: Path, tag: str) -> dict[str, str]:
    """A private profile in `work` whose Calc reads dates as a person in locale `tag`
    (en-GB or en-US) would, and the environment that gives soffice that system locale.

    Minimal Debian images have only the C locales, so the locale is compiled with localedef
    into a private folder (LOCPATH) rather than installed system-wide.
    """
    name = tag.replace("-", "_") + ".UTF-8"
    locales = work / "locale"
    if not (locales / name).exists():
        locales.mkdir(parents=True, exist_ok=True)
        run = subprocess.run(["localedef", "-i", tag.replace("-", "_"), "-f", "UTF-8",
                              str(locales / name)], capture_output=True, text=True)
        if not (locales / name).exists():
            raise AssertionError(f"localedef could not make {name}: {run.stderr[-500:]}")
    user = work / "profile" / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(
        _XCU.format(tag=tag, patterns=_PATTERNS[tag]), encoding="utf-8")
    return {"LOCPATH": str(locales), "LANG": name, "LC_ALL": name,
            "BLUESTONE_PROFILE": str(work / "profile")}
