"""Collation: many returns in, one store and one workbook out, nothing lost or doubled."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from formcache import form as cached_form
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from strategies import ASCII_TYPABLE, record_values

from bluestone_forms import formats
from bluestone_forms.answers.records import new_instance_id
from bluestone_forms.collate.run import collate
from bluestone_forms.outputs.export import export
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.model import FormSpec, SelectManyField, SignoffField, TableField
from bluestone_forms.store.core import Store

CATALOG = Catalog.shipped()
SPECS = sorted(CATALOG, key=lambda s: s.id)
_TEMPLATES: dict[tuple[str, str], Path] = {}


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("templates")


def template(folder: Path, spec: FormSpec, fmt: str) -> Path:
    key = (spec.id, fmt)
    if key not in _TEMPLATES or not _TEMPLATES[key].exists():
        path = folder / f"{spec.id}{formats.EXTENSIONS[fmt]}"
        _TEMPLATES[key] = cached_form(spec, fmt, path, instance_id=f"inst-{spec.id}")
    return _TEMPLATES[key]


def fill(folder: Path, spec: FormSpec, fmt: str, vals: dict[str, Any], out: Path) -> str:
    iid = new_instance_id()
    out.parent.mkdir(parents=True, exist_ok=True)
    formats.module(fmt).fill(template(folder, spec, fmt), vals, out, instance_id=iid)
    return iid


def expected_cell(spec: FormSpec, fid: str, v: Any) -> Any:
    """What the collated workbook should show, worked out independently of the exporter."""
    if v is None or v == []:
        return None
    f = spec.field(fid)
    if f.type in ("select_one", "yes_no", "yes_no_na"):
        return {c.code: c.label for c in spec.options(f)}[v]  # type: ignore[arg-type]
    if isinstance(f, SelectManyField):
        labels = {c.code: c.label for c in spec.options(f)}
        return "; ".join(labels[c] for c in v)
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    return v


def sheet_rows(ws: Any) -> list[dict[str, Any]]:
    rows = list(ws.iter_rows(values_only=True))
    ids = rows[1]
    return [dict(zip(ids, r, strict=True)) for r in rows[2:]]


def check_workbook(book: Path, made: list[tuple[FormSpec, str, dict[str, Any]]]) -> None:
    wb = load_workbook(book)
    by_form: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for spec, iid, vals in made:
        by_form.setdefault(spec.id, []).append((iid, vals))
    for form_id, items in by_form.items():
        spec = CATALOG.get(form_id)
        rows = sheet_rows(wb[form_id])
        assert sorted(r["instance_id"] for r in rows) == sorted(i for i, _ in items)
        index = {r["instance_id"]: r for r in rows}
        for iid, vals in items:
            row = index[iid]
            for f in spec.answerable():
                if isinstance(f, TableField):
                    continue
                if isinstance(f, SignoffField):
                    v = vals[f.id] or {}
                    assert row[f"{f.id}.name"] == v.get("name")
                    assert row[f"{f.id}.date"] == expected_cell(spec, f.id, v.get("date"))
                    continue
                assert row[f.id] == expected_cell(spec, f.id, vals[f.id]), (form_id, f.id)
            for f in spec.answerable():
                if not isinstance(f, TableField):
                    continue
                sub = [r for r in sheet_rows(wb[f"{form_id}.{f.id}"[:31]])
                       if r["instance_id"] == iid]
                assert len(sub) == len(vals[f.id])
                for got, want in zip(sub, vals[f.id], strict=True):
                    for c in f.columns:
                        w = want.get(c.id)
                        if c.type in ("select_one", "yes_no", "yes_no_na") and w is not None:
                            w = {o.code: o.label for o in spec.options(c)}[w]
                        elif isinstance(w, dt.date):
                            w = dt.datetime(w.year, w.month, w.day)
                        assert got[c.id] == w


@st.composite
def batches(draw: Any) -> list[tuple[FormSpec, str, dict[str, Any]]]:
    n = draw(st.integers(1, 5))
    out = []
    for _ in range(n):
        spec = draw(st.sampled_from(SPECS))
        fmt = draw(st.sampled_from(formats.FORMATS))
        out.append((spec, fmt, draw(record_values(spec, alphabet=ASCII_TYPABLE))))
    return out


@settings(max_examples=8)
@given(batches())
def test_collate_workbook_holds_exactly_the_values_put_in(
    tmp_path_factory: pytest.TempPathFactory, template_dir: Path,
    batch: list[tuple[FormSpec, str, dict[str, Any]]],
) -> None:
    work = tmp_path_factory.mktemp("batch")
    made = []
    for n, (spec, fmt, vals) in enumerate(batch):
        iid = fill(template_dir, spec, fmt, vals, work / "in" / f"r{n}{formats.EXTENSIONS[fmt]}")
        made.append((spec, iid, vals))
    store = work / "out" / "bluestone.sqlite"
    first = collate([work / "in"], store, workers=1)
    assert first.rejected == 0
    assert first.records == len(batch)
    # names and special-category text asked for: every value put in must come out
    outputs = export(store, work / "out", include_names=True, include_special=True)
    check_workbook(outputs.workbook, made)
    again = collate([work / "in"], store, workers=1)
    assert again.unchanged == len(batch)
    assert sum(again.outcomes.values()) == 0  # nothing new arrived
    assert again.records == len(batch)  # the store's figures, as the Summary sheet gives
    check_workbook(export(store, work / "out", include_names=True,
                          include_special=True).workbook, made)


def _make_returns(folder: Path, tdir: Path, n: int, seed: int = 1) -> list[Path]:
    import random

    from bluestone_forms.samples import sample_values

    rng = random.Random(seed)
    paths = []
    for i in range(n):
        spec = SPECS[i % len(SPECS)]
        fmt = ("docx", "xlsx")[i % 2]
        p = folder / f"r{i:03d}{formats.EXTENSIONS[fmt]}"
        fill(tdir, spec, fmt, sample_values(spec, rng), p)
        paths.append(p)
    return paths


def test_collate_outcomes_duplicate_rejected_and_zip(
    tmp_path: Path, template_dir: Path, store_url: Path | str
) -> None:
    inbox = tmp_path / "in"
    good = _make_returns(inbox, template_dir, 3)
    shutil.copy(good[0], inbox / "copy.docx")
    (inbox / "notes.txt").write_text("not a form", encoding="utf-8")
    (inbox / "broken.xlsx").write_bytes(good[1].read_bytes()[:500])
    with zipfile.ZipFile(inbox / "more.zip", "w") as z:
        z.write(good[2], "sub/inner.docx")
    summary = collate([inbox], store_url, workers=1)
    with Store(store_url) as store:
        outcomes = {Path(f["path"]).name: (f["outcome"], f["message"]) for f in store.files()}
    # files are ingested in name order, so the later of two equal files is the duplicate
    assert outcomes["r000.docx"] == ("duplicate", f"same content as {inbox / 'copy.docx'}")
    assert outcomes["notes.txt"][0] == "rejected"
    assert "expected a .docx, .xlsx or .pdf" in outcomes["notes.txt"][1]
    assert outcomes["broken.xlsx"][0] == "rejected"
    # the zip member has the same bytes as r002.docx: whichever comes second is the duplicate
    assert sorted([outcomes["inner.docx"][0], outcomes["r002.docx"][0]])[0] == "duplicate"
    assert summary.rejected == 2
    assert summary.files == 7


def test_collate_corrected_return_supersedes_and_unknown_order_conflicts(
    tmp_path: Path, template_dir: Path, store_url: Path | str
) -> None:
    spec = CATALOG.get("rp1")
    import random

    from bluestone_forms.samples import sample_values

    rng = random.Random(3)
    iid = new_instance_id()
    t = template(template_dir, spec, "xlsx")
    mod = formats.module("xlsx")
    a, b = tmp_path / "in" / "a.xlsx", tmp_path / "in" / "b.xlsx"
    mod.fill(t, sample_values(spec, rng), a, instance_id=iid)
    mod.fill(t, sample_values(spec, rng), b, instance_id=iid)
    _set_modified(a, "2026-01-01T10:00:00Z")
    _set_modified(b, "2026-01-02T10:00:00Z")
    collate([tmp_path / "in"], store_url, workers=1)
    with Store(store_url) as store:
        statuses = {Path(r.file).name: r.status for r in store.records(("current", "superseded"))}
    assert statuses == {"a.xlsx": "superseded", "b.xlsx": "current"}
    c = tmp_path / "in2" / "c.xlsx"
    mod.fill(t, sample_values(spec, rng), c, instance_id=iid)
    _set_modified(c, "2026-01-02T10:00:00Z")
    summary = collate([tmp_path / "in2"], store_url, workers=1)
    assert summary.outcomes["conflict"] == 1


def _set_modified(path: Path, when: str) -> None:
    """Set dcterms:modified in docProps/core.xml, as Excel does on save."""
    import re

    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    core = parts["docProps/core.xml"].decode()
    core = re.sub(r"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", "", core)
    core = core.replace(
        "</cp:coreProperties>",
        '<dcterms:modified xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="dcterms:W3CDTF">'
        f"{when}</dcterms:modified></cp:coreProperties>",
    )
    parts["docProps/core.xml"] = core.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _store_rows(path: Path) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(path)
    try:
        files = db.execute("SELECT path, sha256, outcome, message, form_id, instance_id "
                           "FROM files ORDER BY path").fetchall()
        recs = db.execute("SELECT f.path, r.instance_id, r.status, r.values_json FROM records r "
                          "JOIN files f ON f.id = r.file_id ORDER BY f.path").fetchall()
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    return files + recs


@pytest.mark.slow
def test_collate_sigkill_midway_then_rerun_equals_uninterrupted_run(
    tmp_path: Path, template_dir: Path
) -> None:
    inbox = tmp_path / "in"
    _make_returns(inbox, template_dir, 40)
    clean = tmp_path / "clean" / "s.sqlite"
    collate([inbox], clean, workers=1)
    killed = tmp_path / "killed" / "s.sqlite"
    code = ("import sys; from pathlib import Path; "
            "from bluestone_forms.collate.run import collate; "
            f"collate([Path({str(inbox)!r})], Path({str(killed)!r}), workers=2)")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if killed.exists() and len(_count(killed)) >= 5:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = _count(killed)
    assert 0 < len(partial) < 40, "the kill should land in the middle of the run"
    collate([inbox], killed, workers=1)
    assert _store_rows(killed) == _store_rows(clean)


def _count(path: Path) -> list[Any]:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return db.execute("SELECT id FROM files").fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return []


def test_collate_pseudonymises_special_category_names_unless_asked(
    tmp_path: Path, template_dir: Path
) -> None:
    spec = CATALOG.get("pausepoint")
    import random

    from bluestone_forms.samples import sample_values

    vals = sample_values(spec, random.Random(5), officer_name="DC Rhian Morgan",
                         supervisor_name="DS Ali Shah")
    fill(template_dir, spec, "docx", vals, tmp_path / "in" / "pp.docx")
    store = tmp_path / "out" / "s.sqlite"
    collate([tmp_path / "in"], store, workers=1)
    hidden = export(store, tmp_path / "out")
    texts = [str(c) for row in load_workbook(hidden.workbook)["pausepoint"].iter_rows(
        values_only=True) for c in row]
    assert not any("Rhian Morgan" in t or "Ali Shah" in t for t in texts)
    pseudonyms = [t for t in texts if t.startswith("Person-")]
    assert len(pseudonyms) >= 2
    csv_text = (hidden.csv_dir / "pausepoint.csv").read_text(encoding="utf-8")
    assert "Rhian Morgan" not in csv_text
    again = export(store, tmp_path / "out2")
    assert [str(c) for row in load_workbook(again.workbook)["pausepoint"].iter_rows(
        values_only=True) for c in row if str(c).startswith("Person-")] == pseudonyms
    named = export(store, tmp_path / "out3", include_names=True)
    assert "DC Rhian Morgan" in [c for row in load_workbook(named.workbook)["pausepoint"]
                                 .iter_rows(values_only=True) for c in row]
