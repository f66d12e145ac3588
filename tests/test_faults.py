"""Faults: a reader that crashes, hangs or runs out of memory; SIGKILL at any point; a full
disk; a read-only output folder. Each costs a clear message, never the previous state.

Reader faults are simulated with collate's test hook (BLUESTONE_TEST_CRASH, inert unless set),
since no real file is known to crash a reader. A full disk is a tiny tmpfs where the machine
allows mounting one (root), and always RLIMIT_FSIZE in a child process (writes past the limit
fail with EFBIG; Python ignores SIGXFSZ). A read-only folder is a read-only bind mount, else
`chattr +i`, else chmod 0o555 (only binding for non-root), and a path under a file (ENOTDIR).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from formcache import form as cached_form
from openpyxl import load_workbook

from bluestone_forms import formats
from bluestone_forms.answers.records import new_instance_id
from bluestone_forms.collate.run import SCRATCH_PREFIX, TEST_HOOK, collate
from bluestone_forms.errors import BluestoneError
from bluestone_forms.outputs.export import WORKBOOK, export, recover
from bluestone_forms.outputs.figures import summarise
from bluestone_forms.outputs.workbook import build_tables, write_workbook
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.store.core import Store, StoreError

REPO = Path(__file__).resolve().parents[1]
CATALOG = Catalog.shipped()
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
KILLS = 20
MADE = re.compile(r"^Made \d\d/\d\d/\d{4} \d\d:\d\d UTC")


# --------------------------------------------------------------------------- inputs


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 files: returns of several forms in every format, a zip of two, and two rejects."""
    root = tmp_path_factory.mktemp("faults")
    folder, tdir = root / "in", root / "templates"
    folder.mkdir()
    tdir.mkdir()
    rng = random.Random(30)
    specs = [CATALOG.get(f) for f in ("rp1", "rp2", "rp3", "case_review", "pausepoint")]
    templates = {}
    for n in range(26):
        fmt = ("docx", "xlsx", "docx", "pdf")[n % 4]
        spec = CATALOG.get("rp1") if fmt == "pdf" else specs[n % len(specs)]
        mod = formats.module(fmt)
        out = folder / f"r{n:02d}.{fmt}"
        vals, iid = sample_values(spec, rng), new_instance_id()
        if fmt == "xlsx":
            mod.write(spec, out, values=vals, instance_id=iid)
            continue
        key = (spec.id, fmt)
        if key not in templates:
            templates[key] = cached_form(spec, fmt, tdir / f"{spec.id}.{fmt}",
                                         instance_id=f"inst-{spec.id}")
        mod.fill(templates[key], vals, out, instance_id=iid, catalog=CATALOG)
    with zipfile.ZipFile(folder / "pair.zip", "w") as z:
        for name in ("r00.docx", "r01.xlsx"):
            z.write(folder / name, f"sub/{name}")
            (folder / name).unlink()
    (folder / "notes.txt").write_text("not a form", encoding="utf-8")
    (folder / "broken.docx").write_bytes((folder / "r02.docx").read_bytes()[:700])
    return folder


@pytest.fixture(scope="module")
def clean(inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The uninterrupted run: its store and its workbook."""
    out = tmp_path_factory.mktemp("clean")
    store = out / "s.sqlite"
    summary = collate([inbox], store, workers=2)
    assert summary.files == 28
    return store, _workbook(store, out / "clean.xlsx")


def _workbook(store: Path, out: Path) -> Path:
    with Store(store) as s:
        summary = summarise(s, CATALOG)
        tables, specs = build_tables(s, CATALOG, True)  # pseudonym keys differ per store
        write_workbook(out, summary, tables, specs, s)
    return out


def store_rows(path: Path) -> list[tuple[Any, ...]]:
    """The store's files, records and issues, minus times; and an integrity check."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        files = db.execute("SELECT id, path, sha256, size, reader, outcome, message, form_id, "
                           "version, instance_id, modified FROM files ORDER BY id").fetchall()
        recs = db.execute("SELECT file_id, form_id, version, instance_id, row, modified, status, "
                          "values_json FROM records ORDER BY id").fetchall()
        issues = db.execute("SELECT file_id, row, field, place, value, message FROM issues "
                            "ORDER BY id").fetchall()
    finally:
        db.close()
    return [("files", *r) for r in files] + [("records", *r) for r in recs] \
        + [("issues", *r) for r in issues]


def workbook_values(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's values, minus read-at times and the 'Made ... UTC' line."""
    wb = load_workbook(path, read_only=True)
    out = {}
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        masked = {i for i, v in enumerate(rows[1] if len(rows) > 1 else []) if v == "read_at"}
        out[ws.title] = [["<time>" if i in masked or (isinstance(v, str) and MADE.match(v))
                          else v for i, v in enumerate(r)] for r in rows]
    wb.close()
    return out


def _all_or_nothing(path: Path) -> int:
    """Every file line is complete: a read file has its record, a record has its file."""
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        bad = db.execute("SELECT count(*) FROM files f WHERE f.outcome IN ('read', "
                         "'read_with_issues') AND NOT EXISTS (SELECT 1 FROM records r WHERE "
                         "r.file_id = f.id)").fetchone()[0]
        assert bad == 0
        return int(db.execute("SELECT count(*) FROM files").fetchone()[0])
    finally:
        db.close()


def _count(path: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return int(db.execute("SELECT count(*) FROM files").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0


# --------------------------------------------------------------------------- reader faults


@pytest.mark.parametrize("workers", [1, 2])
def test_faults_crash_hang_or_memory_cost_only_their_own_line(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    hooks = {"r03.": "abort", "r05.": "segv", "r06.": "loop", "r07.": "memory", "r09.": "exit",
             "r10.": "sleep", "r11.": "raise"}
    monkeypatch.setenv(TEST_HOOK, ",".join(f"{mode}:{name}" for name, mode in hooks.items()))
    t0 = time.monotonic()
    summary = collate([inbox], tmp_path / "s.sqlite", workers=workers, read_timeout=2)
    took = time.monotonic() - t0
    with Store(tmp_path / "s.sqlite") as s:
        lines = {Path(f["path"]).stem + ".": (f["outcome"], f["message"]) for f in s.files()}
    want = {"abort": "crashed.*SIGABRT", "segv": "crashed.*SIGSEGV", "loop": "took too long",
            "memory": "too large to read within 512 MB", "exit": "crashed.*exit code 3",
            "sleep": "took too long",
            "raise": "reader failed.*RuntimeError"}
    for name, mode in hooks.items():
        outcome, message = lines[name]
        assert outcome == "rejected"
        assert re.search(want[mode], message), (name, message)
    others = [v for k, v in lines.items() if k not in hooks]
    assert len(others) == 28 - len(hooks)
    assert sum(o == "read" for o, _ in others) == 28 - len(hooks) - 2  # all but the two rejects
    assert summary.rejected == len(hooks) + 2
    assert took < 60, "a hung reader must be stopped at its time limit"


def test_faults_test_hook_is_inert_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from bluestone_forms.collate.workers import _test_hook

    monkeypatch.delenv(TEST_HOOK, raising=False)
    _test_hook("abort.docx")  # would abort the test process if it were not inert
    monkeypatch.setenv(TEST_HOOK, "raise:other.docx")
    _test_hook("abort.docx")
    with pytest.raises(RuntimeError):
        _test_hook("x/other.docx")


def test_faults_read_timeout_comes_from_the_environment(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TEST_HOOK, "sleep:r06.")
    monkeypatch.setenv("BLUESTONE_READ_TIMEOUT", "1.5")
    collate([inbox / "r06.docx"], tmp_path / "s.sqlite", workers=1)
    with Store(tmp_path / "s.sqlite") as s:
        (line,) = s.files()
    assert "more than 1.5 s" in line["message"]
    monkeypatch.setenv("BLUESTONE_READ_TIMEOUT", "soon")
    with pytest.raises(BluestoneError, match="not a number"):
        collate([inbox / "r06.docx"], tmp_path / "t.sqlite", workers=1)


# --------------------------------------------------------------------------- SIGKILL


def _start(code: str, **kw: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code], env=ENV, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the run and its reader processes (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@pytest.mark.slow
def test_faults_sigkill_at_random_points_then_rerun_equals_uninterrupted_run(
    inbox: Path, clean: tuple[Path, Path], tmp_path: Path
) -> None:
    clean_store, clean_book = clean
    want_rows, want_book = store_rows(clean_store), workbook_values(clean_book)
    rng = random.Random(9)
    landed = []
    for n in range(KILLS):
        store = tmp_path / f"k{n}" / "s.sqlite"
        code = ("from pathlib import Path; from bluestone_forms.collate.run import collate; "
                f"collate([Path({str(inbox)!r})], Path({str(store)!r}), workers=2)")
        target = rng.randrange(0, 28)
        proc = _start(code)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if store.exists() and _count(store) >= target:
                time.sleep(rng.random() * 0.03)
                break
            time.sleep(0.005)
        _kill(proc)
        landed.append(_all_or_nothing(store) if store.exists() else 0)
        collate([inbox], store, workers=1)
        assert not list(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}{proc.pid}-*")), \
            "the killed run's unpacked archive was left behind"
        assert store_rows(store) == want_rows, f"kill {n} after {landed[-1]} files"
        assert workbook_values(_workbook(store, store.with_suffix(".xlsx"))) == want_book
    print(f"\nfiles in the store when killed: {landed}")
    assert sum(0 < k < 28 for k in landed) >= KILLS // 2, landed  # most kills land mid-run


def _outputs_state(out: Path) -> tuple[Any, ...]:
    csvs = sorted((p.name, p.read_bytes()) for p in (out / "csv").glob("*.csv"))
    return workbook_values(out / WORKBOOK), csvs, (out / "bluestone-report.pdf").exists()


@pytest.mark.slow
def test_faults_sigkill_during_export_leaves_whole_outputs(
    inbox: Path, tmp_path: Path
) -> None:
    store, out = tmp_path / "s.sqlite", tmp_path / "out"
    collate(sorted(inbox.glob("r1*")), store, workers=2)
    export(store, out)
    before = _outputs_state(out)
    collate([inbox], store, workers=2)
    rng = random.Random(4)
    code = ("from pathlib import Path; from bluestone_forms.outputs.export import export; "
            f"export(Path({str(store)!r}), Path({str(out)!r}))")
    for _ in range(6):
        proc = _start(code)
        time.sleep(1.0 + rng.random() * 4.0)  # imports take ~1 s, the export ~3 s
        _kill(proc)
        recover(out)
        state = _outputs_state(out)
        assert state[0] in (before[0], _outputs_state_after(store, tmp_path)[0])
        assert [n for n, _ in state[1]] == [n for n, _ in before[1]] or state[1]
        assert state[2]
        assert not list(out.glob(".*")), "temporary files are left behind"
    export(store, out)
    assert _outputs_state(out)[0] == _outputs_state_after(store, tmp_path)[0]


_AFTER: dict[Path, tuple[Any, ...]] = {}


def _outputs_state_after(store: Path, tmp: Path) -> tuple[Any, ...]:
    if store not in _AFTER:
        export(store, tmp / "reference")
        _AFTER[store] = _outputs_state(tmp / "reference")
    return _AFTER[store]


# --------------------------------------------------------------------------- a full disk


@contextlib.contextmanager
def tiny_tmpfs(folder: Path, size: str = "4m") -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill_disk(folder: Path, leave: int) -> Path:
    filler = folder / "filler"
    free = shutil.disk_usage(folder).free
    with filler.open("wb") as fh, contextlib.suppress(OSError):
        fh.write(b"\0" * max(0, free - leave))
    return filler


def test_faults_full_disk_tmpfs_store_keeps_what_was_in(
    inbox: Path, clean: tuple[Path, Path], tmp_path: Path
) -> None:
    with tiny_tmpfs(tmp_path / "disk") as disk:
        store = disk / "s.sqlite"
        collate(sorted(inbox.glob("r1*")), store, workers=1)
        before = store_rows(store)
        filler = _fill_disk(disk, 48 * 1024)
        with pytest.raises(StoreError, match=r"disk is full|could not be written") as info:
            collate([inbox], store, workers=1)
        print("\n", info.value)
        assert "kept" in str(info.value)
        filler.unlink()  # SQLite needs room to even open a WAL store again
        assert set(before) <= set(store_rows(store))
        _all_or_nothing(store)
        collate([inbox], store, workers=1)
        kept = tmp_path / "copy.sqlite"
        with sqlite3.connect(store) as src, sqlite3.connect(kept) as dst:
            src.backup(dst)
    assert _rows_by_path(kept) == _rows_by_path(clean[0])


def _rows_by_path(store: Path) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(store)
    try:
        return db.execute("SELECT f.path, f.sha256, f.outcome, f.message, r.instance_id, r.status, "
                          "r.values_json FROM files f LEFT JOIN records r ON r.file_id = f.id "
                          "ORDER BY f.path").fetchall()
    finally:
        db.close()


def _limited(code: str, limit: int) -> subprocess.CompletedProcess[str]:
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-c", code], env=ENV, preexec_fn=set_limit,
                          capture_output=True, text=True, timeout=300)


_RUN = ("import sys; from pathlib import Path; from bluestone_forms.errors import BluestoneError\n"
        "from bluestone_forms.{mod} import {fn}\n"
        "try:\n    {fn}({args})\nexcept BluestoneError as exc:\n"
        "    print(exc, file=sys.stderr); sys.exit(3)\n")


def test_faults_full_disk_fsize_store_keeps_what_was_in(
    inbox: Path, clean: tuple[Path, Path], tmp_path: Path
) -> None:
    store = tmp_path / "s.sqlite"
    collate(sorted(inbox.glob("r1*")), store, workers=1)
    before = store_rows(store)
    size = store.stat().st_size
    code = _RUN.format(mod="collate.run", fn="collate",
                       args=f"[Path({str(inbox)!r})], Path({str(store)!r}), workers=1")
    done = _limited(code, size + 16 * 1024)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "store" in done.stderr
    assert "kept" in done.stderr
    assert set(before) <= set(store_rows(store))
    _all_or_nothing(store)
    collate([inbox], store, workers=1)
    assert _rows_by_path(store) == _rows_by_path(clean[0])


def test_faults_full_disk_during_export_keeps_the_previous_outputs(
    inbox: Path, clean: tuple[Path, Path], tmp_path: Path
) -> None:
    store, out = tmp_path / "s.sqlite", tmp_path / "out"
    shutil.copy(clean[0], store)
    export(store, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    code = _RUN.format(mod="outputs.export", fn="export",
                       args=f"Path({str(store)!r}), Path({str(out)!r})")
    done = _limited(code, 64 * 1024)
    assert done.returncode == 3, done.stderr[-2000:]
    assert "could not write the outputs" in done.stderr
    assert "previous outputs are unchanged" in done.stderr
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


# --------------------------------------------------------------------------- read-only


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make `folder` read-only for this process, whatever it takes; yields how."""
    view = folder.with_name(folder.name + "-ro")
    view.mkdir()
    bind = subprocess.run(["mount", "--bind", "-o", "ro", str(folder), str(view)],
                          capture_output=True)
    if bind.returncode == 0:
        try:
            yield f"bind:{view}"
        finally:
            subprocess.run(["umount", str(view)], check=False)
        return
    if os.geteuid() == 0 and shutil.which("chattr") and subprocess.run(
            ["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
        try:
            yield "chattr"
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=False)
        return
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield "chmod"
        finally:
            folder.chmod(0o755)
        return
    pytest.skip("no way to make a read-only folder here")


def _where(folder: Path, how: str) -> Path:
    return Path(how.split(":", 1)[1]) if how.startswith("bind:") else folder


def test_faults_read_only_output_folder_keeps_the_previous_outputs(
    clean: tuple[Path, Path], tmp_path: Path
) -> None:
    store, out = tmp_path / "s.sqlite", tmp_path / "out"
    shutil.copy(clean[0], store)
    export(store, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with read_only(out) as how:
        with pytest.raises(BluestoneError, match="could not write the outputs") as info:
            export(store, _where(out, how))
        print(f"\n({how}) {info.value}")
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before


def test_faults_read_only_store_folder_is_a_clear_error(
    inbox: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "st"
    store = folder / "s.sqlite"
    collate([inbox / "r02.docx"], store, workers=1)
    digest = hashlib.sha256(store.read_bytes()).hexdigest()
    with read_only(folder) as how:
        with pytest.raises(StoreError, match=r"read-only|cannot be opened") as info:
            collate([inbox], _where(folder, how) / "s.sqlite", workers=1)
        print(f"\n({how}) {info.value}")
    assert hashlib.sha256(store.read_bytes()).hexdigest() == digest


def test_faults_output_path_under_a_file_is_a_clear_error(
    clean: tuple[Path, Path], tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(BluestoneError, match="cannot make the output folder"):
        export(clean[0], tmp_path / "file" / "out")
    with pytest.raises(StoreError, match=r"cannot be opened|could not"):
        collate([], tmp_path / "file" / "s.sqlite")
