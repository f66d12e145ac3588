"""Property: the outcomes and counts of a collation depend only on which returns arrived.

Random mixes of returns (corrections, exact duplicates, conflicts, one with issues), under
random file names, folders and orders, give the Files outcomes a model of the rules predicts,
whatever the names; and the CLI's line, the Summary sheet, the report's first table (text
taken from the rendered PDF), the Files sheet and the form sheets give the same figures.

Fast: the filled returns are made once per module and copied under new names per example.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from bluestone_forms import formats
from bluestone_forms.answers.records import new_instance_id
from bluestone_forms.cli import main
from bluestone_forms.collate.run import collate
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.store.core import Store

RP1 = Catalog.shipped().get("rp1")
T1, T2, T3 = "2026-01-01T10:00:00Z", "2026-01-02T10:00:00Z", "2026-01-03T10:00:00Z"
EXAMPLES = min(settings.default.max_examples, 12)
LINE = re.compile(r"the store now holds (\d+) files, (\d+) records, (\d+) issues, (\d+) "
                  r"rejected, (\d+) duplicates, (\d+) superseded, (\d+) conflicts")
FIGURES = ("files", "records", "issues", "rejected", "duplicate", "superseded", "conflict")


@dataclass(frozen=True)
class Made:
    """One filled return of the pool: its instance, save time and whether it has issues."""

    key: str
    path: Path
    instance: str
    modified: str
    issues: bool

    @property
    def sha(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def _set_modified(path: Path, when: str) -> None:
    """dcterms:modified in docProps/core.xml, as Word and Excel write it on save."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    core = re.sub(r"<dcterms:modified[^>]*>[^<]*</dcterms:modified>", "",
                  parts["docProps/core.xml"].decode())
    parts["docProps/core.xml"] = core.replace(
        "</cp:coreProperties>",
        '<dcterms:modified xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.'
        f'org/2001/XMLSchema-instance" xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
        "</cp:coreProperties>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> list[Made]:
    """x1 < x2 = x3 (a correction, then two at the same time: a conflict), y1 < y2 (y2 with
    an issue), z1 alone, r1 rejected (not a return)."""
    base = tmp_path_factory.mktemp("pool")
    ids = {k: new_instance_id() for k in "xyz"}
    plan = [("x1", "docx", "x", T1, False), ("x2", "xlsx", "x", T2, False),
            ("x3", "docx", "x", T2, False), ("y1", "xlsx", "y", T1, False),
            ("y2", "docx", "y", T3, True), ("z1", "xlsx", "z", T1, False)]
    made = []
    for n, (key, fmt, inst, when, issues) in enumerate(plan):
        template = base / f"t{formats.EXTENSIONS[fmt]}"
        if not template.exists():
            formats.module(fmt).write(RP1, template)
        vals = sample_values(RP1, random.Random(n))
        if issues:
            vals["crime_ref"] = None  # required: "an answer is required"
        path = base / f"{key}{formats.EXTENSIONS[fmt]}"
        formats.module(fmt).fill(template, vals, path, instance_id=ids[inst])
        _set_modified(path, when)
        made.append(Made(key, path, ids[inst], when, issues))
    junk = base / "r1.docx"
    junk.write_bytes(b"not a return at all")
    made.append(Made("r1", junk, "", "", False))
    return made


def expected(chosen: list[Made]) -> dict[str, str]:
    """The outcome of each chosen return by the rules (the first copy of each; the others
    are duplicates): the newest of an instance is current, several newest are conflicts,
    the older superseded."""
    out: dict[str, str] = {}
    for m in chosen:
        if not m.instance:
            out[m.key] = "rejected"
            continue
        same = [o for o in chosen if o.instance == m.instance]
        newest = max(o.modified for o in same)
        if m.modified < newest:
            out[m.key] = "superseded"
        elif sum(o.modified == newest for o in same) > 1:
            out[m.key] = "conflict"
        else:
            out[m.key] = "read_with_issues" if m.issues else "read"
    return out


NAME = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_ ", min_size=1, max_size=12).map(
    str.strip).filter(bool)


@st.composite
def arrivals(draw: Any, pool_size: int) -> list[tuple[int, str]]:
    """Which returns arrive (by index in the pool), each maybe twice, under unique random
    names in random folders, in a random order."""
    chosen = draw(st.lists(st.integers(0, pool_size - 1), min_size=1, max_size=pool_size,
                           unique=True))
    copies = [i for i in chosen for _ in range(draw(st.integers(1, 2)))]
    names = draw(st.lists(NAME, min_size=len(copies), max_size=len(copies),
                          unique_by=str.casefold))
    folders = draw(st.lists(st.sampled_from(["", "a/", "z/", "b/c/"]), min_size=len(copies),
                            max_size=len(copies)))
    order = draw(st.permutations(range(len(copies))))
    return [(copies[k], f"{folders[k]}{names[k]}") for k in order]


def _lay_out(pool: list[Made], plan: list[tuple[int, str]], box: Path) -> dict[str, Made]:
    at: dict[str, Made] = {}
    for index, name in plan:
        made = pool[index]
        dest = box / (name + made.path.suffix)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(made.path, dest)
        at[str(dest)] = made
    return at


@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_outcomes_depend_only_on_which_returns_arrived(
    pool: list[Made], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    plan = data.draw(arrivals(len(pool)))
    work = tmp_path_factory.mktemp("mix")
    at = _lay_out(pool, plan, work / "in")
    summary = collate([work / "in"], work / "s.sqlite", workers=1)
    with Store(work / "s.sqlite") as s:
        files = s.files()
        totals = s.totals()
    got: dict[str, list[str]] = {}
    for f in files:
        made = at[f["path"]]
        got.setdefault(made.key, []).append(f["outcome"])
        if f["outcome"] == "superseded":  # it names what superseded it: a newer return
            named = [at[p] for p in at if p in f["message"]]
            assert named, f["message"]
            assert all(n.instance == made.instance and n.modified > made.modified
                       for n in named), f["message"]
    want = expected([pool[i] for i in {i for i, _ in plan}])
    for key, outcomes in got.items():
        first = want[key]
        # a rejected file is never the original of a duplicate: every copy is rejected
        rest = "rejected" if first == "rejected" else "duplicate"
        assert sorted(outcomes) == sorted([first] + [rest] * (len(outcomes) - 1)), key
    assert sorted(got) == sorted(want)
    assert summary.files == len(plan) == totals["files"]
    assert sum(summary.outcomes.values()) == len(plan)


def _summary_sheet(wb: Any) -> dict[str, int]:
    rows = list(wb["Summary"].iter_rows(values_only=True))
    at = next(n for n, r in enumerate(rows) if r[0] == "Files")
    heads = {"Files": "files", "Records": "records", "Issues": "issues", "Rejected": "rejected",
             "Duplicates": "duplicate", "Superseded": "superseded", "Conflicts": "conflict"}
    return {heads[h]: int(v) for h, v in zip(rows[at], rows[at + 1], strict=False) if h in heads}


def _listing(ws: Any) -> list[dict[str, Any]]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[1], r, strict=False)) for r in rows[2:]]


def _report_table(pdf: Path) -> dict[str, int]:
    """The figures of the rendered report's first table, from the PDF's own text."""
    text = " ".join((PdfReader(pdf).pages[0].extract_text() or "").split())
    m = re.search(r"Files Records Issues Rejected Duplicates Superseded Conflicts"
                  + r" (\d+)" * 7, text)
    assert m, text[:400]
    return dict(zip(FIGURES, map(int, m.groups()), strict=True))


@settings(max_examples=min(EXAMPLES, 3))
@given(data=st.data())
def test_cli_line_summary_sheet_report_files_and_form_sheets_reconcile(
    pool: list[Made], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    plan = data.draw(arrivals(len(pool)))
    work = tmp_path_factory.mktemp("cli")
    _lay_out(pool, plan, work / "in")
    out = work / "out"
    run = CliRunner().invoke(main, ["collate", str(work / "in"), "-o", str(out),
                                    "--workers", "1"])
    m = LINE.search(run.output)
    assert m, run.output
    line = dict(zip(FIGURES, map(int, m.groups()), strict=True))
    assert run.exit_code == (1 if line["rejected"] else 0), run.output
    wb = load_workbook(out / "bluestone-collated.xlsx")
    files = _listing(wb["Files"])
    by_outcome = {k: sum(f["outcome"] == k for f in files) for k in FIGURES[3:]}
    sheet_files = {"files": len(files), **by_outcome}
    form_rows = _listing(wb["rp1"]) if "rp1" in wb.sheetnames else []
    issues = _listing(wb["Issues"]) if "Issues" in wb.sheetnames else []
    assert _summary_sheet(wb) == line
    assert _report_table(out / "bluestone-report.pdf") == line
    assert sheet_files == {k: line[k] for k in sheet_files}
    assert len(files) == len(plan)
    assert sum(r["status"] == "current" for r in form_rows) == line["records"]
    assert sum(r["status"] == "conflict" for r in form_rows) == line["conflict"]
    assert len([i for i in issues if i]) == line["issues"]
