"""Collating under a force role of a real PostgreSQL store (a plain login role, not a superuser):
a return of another force gets the outcome `other_force` and nothing of it is stored; a return
with no force of its own goes under the role's force when it has one, and is `force_unknown`
(not stored) when it has several. Every file gets one outcome and the counts reconcile."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from test_collate import template

from bluestone_forms import formats
from bluestone_forms.answers.records import new_instance_id
from bluestone_forms.cli import main
from bluestone_forms.collate.run import Summary, collate
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.store.access import grant_access, init_store
from bluestone_forms.store.core import Store
from bluestone_forms.store.schema import metadata
from tests.pgkit import Server, fresh_database, login_roles

CATALOG = Catalog.shipped()


@pytest.fixture
def server() -> Iterator[Server]:
    with fresh_database() as s:
        init_store(s.url(), metadata)
        yield s


def _return(folder: Path, tdir: Path, name: str, form: str, force: str | None) -> Path:
    spec = CATALOG.get(form)
    values = sample_values(spec, random.Random(name))
    if force is not None:
        values[spec.collation.force_field or ""] = force
    out = folder / f"{name}.docx"
    formats.module("docx").fill(template(tdir, spec, "docx"), values, out,
                                instance_id=new_instance_id())
    return out


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Kent's and Essex's RP1 returns, two PausePoint returns (no force field, no register
    row), and a file that is not a return."""
    folder = tmp_path_factory.mktemp("roles") / "in"
    folder.mkdir()
    tdir = tmp_path_factory.mktemp("roles-templates")
    _return(folder, tdir, "kent-rp1", "rp1", "kent")
    _return(folder, tdir, "essex-rp1", "rp1", "essex")
    _return(folder, tdir, "pp-a", "pausepoint", None)
    _return(folder, tdir, "pp-b", "pausepoint", None)
    (folder / "notes.txt").write_text("not a form", encoding="utf-8")
    return folder


def _stored(server: Server) -> dict[str, tuple[str, str | None]]:
    """name -> (outcome, force) of every file line, as the superuser sees them all."""
    with server.engine().connect() as c:
        rows = c.execute(text("SELECT path, outcome, force FROM files")).all()
        recs = c.execute(text("SELECT f.path, r.force FROM records r JOIN files f "
                              "ON f.id = r.file_id")).all()
    by_path = {p: f for p, _, f in rows}
    assert all(force == by_path[p] for p, force in recs)  # a record is under its file's force
    return {Path(p).name: (o, f) for p, o, f in rows}


def _reconciles(s: Summary) -> None:
    assert s.files == s.unchanged + sum(s.outcomes.values()), s


def test_store_roles_other_force_not_stored_and_no_force_goes_under_the_role(
    server: Server, inbox: Path
) -> None:
    names = ["kent-rp1.docx", "essex-rp1.docx", "pp-a.docx", "notes.txt"]
    with login_roles(server, 1) as [(kent, pw)]:
        with server.engine().begin() as c:
            grant_access(c, metadata, kent, ["kent"])
        url = server.url(kent, pw)
        first = collate([inbox / n for n in names], url, workers=2)
        _reconciles(first)
        assert first.outcomes == {"read": 2, "rejected": 1, "other_force": 1}
        assert first.not_stored == [
            f"{inbox / 'essex-rp1.docx'}: a return of force 'essex', and this role may store "
            "only kent's: not stored; collate it as a role of 'essex' or a hub role"]
        assert "1 of another force and 0 of no known force not stored" in first.line()
        assert _stored(server) == {"kent-rp1.docx": ("read", "kent"),
                                   "pp-a.docx": ("read", "kent"),
                                   "notes.txt": ("rejected", "kent")}
        with Store(url) as s:  # what the role sees: its own, the same
            assert s.totals()["files"] == 3
            assert s.allowed == frozenset({"kent"})
        again = collate([inbox / n for n in names], url, workers=2)
        # read again (nothing of it is in) and refused again; the rest in, the reject still
        assert again.outcomes == {"other_force": 1, "rejected": 1}
        assert (again.files, again.unchanged) == (4, 3)
        assert len(_stored(server)) == 3


def test_store_roles_several_forces_store_each_and_refuse_no_force(
    server: Server, inbox: Path
) -> None:
    with login_roles(server, 1) as [(two, pw)]:
        with server.engine().begin() as c:
            grant_access(c, metadata, two, ["kent", "essex"])
        summary = collate([inbox], server.url(two, pw), workers=2)
        _reconciles(summary)
        assert summary.outcomes == {"read": 2, "rejected": 1, "force_unknown": 2}
        assert sorted(summary.not_stored) == [
            f"{inbox / n}: a return with no force of its own (its form has no force field and "
            "no register row names it), and this role stores for several forces (essex, "
            "kent): not stored; collate it with --register naming its force, or as a role of "
            "one force" for n in ("pp-a.docx", "pp-b.docx")]
        # a line that holds no return goes under the role's first force
        assert _stored(server) == {"kent-rp1.docx": ("read", "kent"),
                                   "essex-rp1.docx": ("read", "essex"),
                                   "notes.txt": ("rejected", "essex")}


def test_store_roles_cli_says_what_was_not_stored(server: Server, inbox: Path,
                                                  tmp_path: Path) -> None:
    with login_roles(server, 1) as [(kent, pw)]:
        with server.engine().begin() as c:
            grant_access(c, metadata, kent, ["kent"])
        r = CliRunner().invoke(main, ["collate", str(inbox / "essex-rp1.docx"),
                                      str(inbox / "kent-rp1.docx"), "-o", str(tmp_path / "o"),
                                      "--workers", "1"],
                               env={"BLUESTONE_FORMS_STORE": server.url(kent, pw)})
        assert r.exit_code == 1, r.output
        assert r.stderr.splitlines() == [
            f"not stored: {inbox / 'essex-rp1.docx'}: a return of force 'essex', and this role "
            "may store only kent's: not stored; collate it as a role of 'essex' or a hub role"]
        assert "2 files found (0 already in the store, 0 rejected, 1 of another force" \
            in r.stdout
        csv = (tmp_path / "o" / "csv" / "Files.csv").read_text(encoding="utf-8")
        assert "kent-rp1.docx" in csv
        assert "essex-rp1.docx" not in csv
        assert pw not in r.output
