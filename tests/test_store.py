"""The store on both engines: its schema contract, versions, the stat check, the same outputs
from SQLite and PostgreSQL, and several collations at once into one server store."""

from __future__ import annotations

import csv
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.pool import NullPool
from test_collate import _set_modified, template

from bluestone_forms import formats
from bluestone_forms.answers.records import new_instance_id
from bluestone_forms.collate import run as collate_mod
from bluestone_forms.collate.run import collate
from bluestone_forms.outputs.export import export
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.store.core import Store, StoreError
from bluestone_forms.store.engine import store_url as url_of
from bluestone_forms.store.schema import SCHEMA_VERSION, metadata

CATALOG = Catalog.shipped()
REPO = Path(__file__).resolve().parents[1]
CASE = {"files", "records", "issues", "register", "mail"}


def _engine(where: Path | str) -> Any:
    return create_engine(url_of(where), poolclass=NullPool)


def _columns(where: Path | str) -> dict[str, set[str]]:
    eng = _engine(where)
    try:
        insp = inspect(eng)
        return {t: {c["name"] for c in insp.get_columns(t)} for t in insp.get_table_names()}
    finally:
        eng.dispose()


# --------------------------------------------------------------------------- inputs


def _inbox(folder: Path, tdir: Path) -> dict[str, Path]:
    """Returns of several forms and formats: a correction, a conflict, a byte copy, a reject,
    a zip member, and a PausePoint return (a form with no force field)."""
    rng = random.Random(21)
    made: dict[str, Path] = {}
    folder.mkdir(parents=True, exist_ok=True)

    def one(name: str, form: str, fmt: str, iid: str | None = None) -> Path:
        spec = CATALOG.get(form)
        out = folder / f"{name}{formats.EXTENSIONS[fmt]}"
        formats.module(fmt).fill(template(tdir, spec, fmt), sample_values(spec, rng), out,
                                 instance_id=iid or new_instance_id())
        made[name] = out
        return out

    for n, (form, fmt) in enumerate([("rp1", "docx"), ("rp2", "xlsx"), ("case_review", "docx"),
                                     ("rp3", "xlsx"), ("pausepoint", "docx"), ("rp1", "pdf")]):
        one(f"r{n}", form, fmt)
    fixed, clash = new_instance_id(), new_instance_id()
    _set_modified(one("fix-old", "rp1", "xlsx", fixed), "2026-01-01T10:00:00Z")
    _set_modified(one("fix-new", "rp1", "xlsx", fixed), "2026-01-02T10:00:00Z")
    _set_modified(one("clash-a", "rp2", "xlsx", clash), "2026-01-03T10:00:00Z")
    _set_modified(one("clash-b", "rp2", "xlsx", clash), "2026-01-03T10:00:00Z")
    shutil.copy(made["r0"], folder / "r0-copy.docx")
    (folder / "notes.txt").write_text("not a form", encoding="utf-8")
    with zipfile.ZipFile(folder / "pair.zip", "w") as z:
        z.write(made["r1"], "sub/r1.xlsx")
    return made


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store-in") / "in"
    _inbox(folder, tmp_path_factory.mktemp("store-templates"))
    return folder


def _csvs(out: Path) -> dict[str, list[list[str]]]:
    """Every CSV, its read_at column (when each file was read) masked."""
    got = {}
    for p in sorted((out / "csv").glob("*.csv")):
        with p.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        masked = {i for i, v in enumerate(rows[0]) if v == "read_at"} if rows else set()
        got[p.name] = [["<when>" if i in masked else v for i, v in enumerate(r)] for r in rows]
    return got


# --------------------------------------------------------------------------- schema


def test_store_schema_contract_force_on_every_case_table(store_url: Path | str) -> None:
    with Store(store_url):
        pass
    cols = _columns(store_url)
    assert set(cols) == set(metadata.tables)
    for name, table in metadata.tables.items():
        assert ("force" in cols[name]) == (name in CASE), name
        if name in CASE:
            assert str(table.c.force.type) == "TEXT"
    assert {"mtime_ns", "inode", "ctime_ns"} <= cols["files"]


def test_store_force_column_holds_each_returns_force(
    inbox: Path, store_url: Path | str
) -> None:
    collate([inbox], store_url, workers=2)
    with Store(store_url) as s, s._reading() as conn:
        recs = conn.execute(text("SELECT form_id, values_json, force FROM records")).all()
        files = conn.execute(text("SELECT outcome, force, path FROM files")).all()
    import json

    for form_id, values, force in recs:
        field = CATALOG.get(form_id).collation.force_field
        assert force == (json.loads(values)[field] if field else None), form_id
    assert {f for o, f, _ in files if o == "rejected"} == {None}
    read = [f for o, f, _ in files if o not in ("rejected", "duplicate")]
    assert sorted(map(str, read)) == sorted(map(str, (r[2] for r in recs)))  # one record each
    assert any(read)


# --------------------------------------------------------------------------- versions

V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT NOT NULL, sha256 TEXT NOT NULL,
    size INTEGER NOT NULL, reader TEXT, read_at TEXT NOT NULL, outcome TEXT NOT NULL,
    message TEXT, form_id TEXT, version TEXT, instance_id TEXT, modified TEXT,
    UNIQUE (path, sha256));
CREATE INDEX files_sha ON files (sha256);
CREATE TABLE records (id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL REFERENCES files (id),
    form_id TEXT NOT NULL, version TEXT NOT NULL, instance_id TEXT NOT NULL, row INTEGER,
    modified TEXT, status TEXT NOT NULL, values_json TEXT NOT NULL);
CREATE INDEX records_instance ON records (instance_id, status);
CREATE INDEX records_file ON records (file_id);
CREATE TABLE issues (id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL REFERENCES files (id),
    row INTEGER, field TEXT NOT NULL, place TEXT, value TEXT, message TEXT NOT NULL);
CREATE INDEX issues_file ON issues (file_id);
CREATE TABLE register (instance_id TEXT PRIMARY KEY, form_id TEXT NOT NULL,
    version TEXT NOT NULL, file TEXT NOT NULL, sent_json TEXT NOT NULL);
CREATE TABLE mail (file_id INTEGER PRIMARY KEY REFERENCES files (id), sender TEXT, sent TEXT,
    subject TEXT, message_id TEXT, attachment TEXT, mailbox TEXT, chain TEXT, chain_json TEXT);
CREATE TABLE audit (id INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL,
    detail TEXT);
INSERT INTO meta VALUES ('schema_version', '1');
INSERT INTO meta VALUES ('pseudonym_key', '00112233445566778899aabbccddeeff');
INSERT INTO files (id, path, sha256, size, reader, read_at, outcome, form_id, version,
    instance_id) VALUES (1, 'in/a.xlsx', 'abc', 10, 'xlsx', '2026-01-01', 'read', 'rp1', '1.0',
    'i-1');
INSERT INTO records VALUES (1, 1, 'rp1', '1.0', 'i-1', NULL, NULL, 'current',
    '{"force": "kent", "crime_ref": "X1"}');
INSERT INTO issues VALUES (1, 1, NULL, 'crime_ref', NULL, 'X1', 'a problem');
"""


def test_store_version_1_file_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "bluestone.sqlite"
    db = sqlite3.connect(path)
    db.executescript(V1)
    db.close()
    with Store(path) as s:
        assert [r.instance_id for r in s.records()] == ["i-1"]
    db = sqlite3.connect(path)
    try:
        assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() \
            == (str(SCHEMA_VERSION),)
        assert db.execute("SELECT value FROM meta WHERE key = 'pseudonym_key'").fetchone() \
            == ("00112233445566778899aabbccddeeff",)
        assert db.execute("SELECT force FROM records").fetchall() == [("kent",)]
        assert db.execute("SELECT force FROM files").fetchall() == [("kent",)]
        assert db.execute("SELECT force FROM issues").fetchall() == [("kent",)]
    finally:
        db.close()
    with Store(path) as s:  # opened again: nothing more to do
        assert s.totals()["records"] == 1


def _bump(where: Path | str, version: int) -> None:
    eng = _engine(where)
    with eng.begin() as conn:
        conn.execute(text("UPDATE meta SET value = :v WHERE key = 'schema_version'"),
                     {"v": str(version)})
    eng.dispose()


def _dump(where: Path | str) -> dict[str, list[Any]]:
    eng = _engine(where)
    try:
        with eng.connect() as conn:
            names = inspect(conn).get_table_names()
            return {t: sorted(map(tuple, conn.execute(text(f"SELECT * FROM {t}"))), key=repr)
                    for t in names}
    finally:
        eng.dispose()


def test_store_newer_than_the_toolkit_is_refused_and_left_alone(
    inbox: Path, store_url: Path | str
) -> None:
    collate([inbox / "r1.xlsx"], store_url, workers=1)
    _bump(store_url, SCHEMA_VERSION + 1)
    before = _dump(store_url)
    with pytest.raises(StoreError, match=r"newer bluestone-forms.*upgrade bluestone-forms.*"
                                         r"Nothing was changed"):
        collate([inbox], store_url, workers=1)
    assert _dump(store_url) == before


def test_store_a_database_that_is_not_a_store_is_refused_and_left_alone(
    store_url: Path | str
) -> None:
    if isinstance(store_url, Path):
        store_url.parent.mkdir(parents=True, exist_ok=True)
    eng = _engine(store_url)
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE payroll (name TEXT, pay INTEGER)"))
        conn.execute(text("INSERT INTO payroll VALUES ('x', 1)"))
    eng.dispose()
    before = _dump(store_url)
    with pytest.raises(StoreError, match=r"not a bluestone store.*Nothing was changed"):
        Store(store_url)
    assert _dump(store_url) == before


def test_store_not_a_database_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"a spreadsheet, not a database" * 100)
    with pytest.raises(StoreError, match="not a bluestone store"):
        Store(path)
    assert path.read_bytes() == b"a spreadsheet, not a database" * 100


# --------------------------------------------------------------------------- the stat check


def test_store_unchanged_file_costs_a_stat_not_a_read(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    shutil.copytree(inbox, folder)
    store = tmp_path / "s.sqlite"
    first = collate([folder], store, workers=2)
    given: list[list[str]] = []
    real = collate_mod.read_all

    def spy(sources: list[Any], *args: Any, **kw: Any) -> Any:
        given.append([s.name for s in sources])
        return real(sources, *args, **kw)

    monkeypatch.setattr(collate_mod, "read_all", spy)
    again = collate([folder], store, workers=2)
    # only what cannot have a stored stat is read: the zip member (unpacked anew) and the
    # rejected file (read again every run)
    assert sorted(Path(n).name for n in given[-1]) == ["notes.txt", "r1.xlsx"]
    assert again.unchanged == first.files  # the reject too: unchanged, and still rejected
    assert again.rejected == 1
    assert again.totals == first.totals
    os.utime(folder / "r2.docx")  # touched, not changed: hashed, still unchanged
    third = collate([folder], store, workers=2)
    assert "r2.docx" in {Path(n).name for n in given[-1]}
    assert third.totals == first.totals
    assert sum(third.outcomes.values()) == 1  # the rejected file, still rejected
    collate([folder], store, workers=2)  # its new stat was kept
    assert "r2.docx" not in {Path(n).name for n in given[-1]}


# --------------------------------------------------------------------------- both engines


def test_store_postgresql_exports_the_same_csvs_as_sqlite(
    inbox: Path, tmp_path: Path, pg_url: str
) -> None:
    lite = tmp_path / "lite" / "bluestone.sqlite"
    for where, out in ((lite, tmp_path / "lite"), (pg_url, tmp_path / "pg")):
        collate([inbox / "r0.docx", inbox / "fix-old.xlsx"], where, workers=2)
        collate([inbox], where, workers=2)  # a second run: corrections and duplicates
        export(where, out, include_names=True, include_special=True)
    assert _csvs(tmp_path / "pg") == _csvs(tmp_path / "lite")
    assert len(_csvs(tmp_path / "pg")["Files.csv"]) == 1 + 13


def test_store_original_of_copies_is_the_first_by_path_whatever_came_first(
    inbox: Path, tmp_path: Path, store_url: Path | str
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.docx", "b.docx", "c.docx"):
        shutil.copy(inbox / "r0.docx", folder / name)

    def listing(where: Path | str) -> list[tuple[Any, ...]]:
        with Store(where) as s:
            return [(Path(f["path"]).name, f["outcome"], f["message"].replace(str(folder), "")
                     if f["message"] else None, f["instance_id"]) for f in s.files()] \
                + [(Path(r.file).name, r.status) for r in s.records()]

    for name in ("c.docx", "a.docx", "b.docx"):  # in another order than by name
        collate([folder / name], store_url, workers=1)
    collate([folder], tmp_path / "one.sqlite", workers=1)
    got = listing(store_url)
    assert got == listing(tmp_path / "one.sqlite")
    assert [x[1] for x in got] == ["read", "duplicate", "duplicate", "current"]


# --------------------------------------------------------------------------- at once

def _diff(got: dict[str, list[list[str]]], want: dict[str, list[list[str]]]) -> str:
    lines = []
    for k in sorted(set(got) | set(want)):
        a, b = got.get(k, []), want.get(k, [])
        if a != b:
            lines += [f"{k}: got {r}" for r in a if r not in b]
            lines += [f"{k}: want {r}" for r in b if r not in a]
            lines += [f"{k}: order differs"] if sorted(a) == sorted(b) else []
    return "\n".join(lines)


RUN = ("import sys; from pathlib import Path; from bluestone_forms.collate.run import collate\n"
       "collate([Path(p) for p in sys.argv[2:]], sys.argv[1], workers=1)\n")


def test_store_four_collations_at_once_equal_one_sequential_run(
    inbox: Path, tmp_path: Path
) -> None:
    """Four processes collate overlapping sets of the same returns (a correction and a
    conflict among them) into one PostgreSQL store at once; the exported CSVs equal one
    sequential run's and every file is stored once. Several rounds, each a fresh database."""
    from conftest import fresh_pg_database

    names = sorted(p.name for p in inbox.iterdir() if p.name != "r0-copy.docx")
    sequential, drop = fresh_pg_database()
    try:
        collate([inbox / n for n in names], sequential, workers=2)
        export(sequential, tmp_path / "seq", include_names=True, include_special=True)
    finally:
        drop()  # type: ignore[operator]
    want = _csvs(tmp_path / "seq")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    rng = random.Random(4)
    for round_ in range(4):
        url, drop = fresh_pg_database()
        try:
            parts = [rng.sample(names, k=len(names) * 2 // 3) for _ in range(4)]
            for name in names:  # every file in two runs at least
                for part in rng.sample(parts, 2):
                    if name not in part:
                        part.append(name)
            procs = [subprocess.Popen([sys.executable, "-c", RUN, url,
                                       *(str(inbox / n) for n in part)], env=env,
                                      stderr=subprocess.PIPE, text=True) for part in parts]
            for p in procs:
                _, err = p.communicate(timeout=300)
                assert p.returncode in (0, 1), err[-2000:]  # 1: the rejected notes.txt
            out = tmp_path / f"round{round_}"
            export(url, out, include_names=True, include_special=True)
            got = _csvs(out)
            assert got == want, f"round {round_}: {_diff(got, want)}"
            with Store(url) as s, s._reading() as conn:
                paths = [r[0] for r in conn.execute(text("SELECT path FROM files"))]
                per_instance = conn.execute(text(
                    "SELECT instance_id, file_id, count(*) FROM records "
                    "GROUP BY instance_id, file_id HAVING count(*) > 1")).all()
            assert len(paths) == len(set(paths)) == len(names)  # pair.zip holds one file
            assert per_instance == []
        finally:
            drop()  # type: ignore[operator]
