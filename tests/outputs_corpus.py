"""A random but realistic collation for the output tests, built once per test session.

Returns of every shipped form are filled the way the toolkit's own fill writes them (Word
and Excel), with answers drawn by `samples.sample_values` from a random seed, some questions
left blank and welfare answers varied so follow-ups, "not asked" and "not answered" all
occur; a damaged file and a duplicate copy give the report files to name. The store is
exported twice: as a user gets it by default, and with names and special-category text
asked for.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bluestone_forms import formats
from bluestone_forms.answers.records import new_instance_id
from bluestone_forms.collate.run import collate
from bluestone_forms.outputs.export import Outputs, export
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog

CATALOG = Catalog.shipped()
FORCES = ("durham", "kent", "metropolitan", "south_wales")
OFFICERS = ("DC Rhian Morgan", "PC Joe Bloggs", "DS Ali Shah")
HEALTH_NOTE = "Reports poor sleep and intrusive memories after the case"


@dataclass(frozen=True)
class Corpus:
    seed: int
    returns: Path
    store: Path
    hidden: Outputs
    """Exported as by default: names pseudonymised, special-category text withheld."""
    named: Outputs
    """Exported with --include-names and --include-special-category."""


def _answers(form: str, rng: random.Random) -> dict[str, Any]:
    spec = CATALOG.get(form)
    fixed: dict[str, Any] = {}
    ids = {f.id for f in spec.answerable()}
    if "force" in ids:
        fixed["force"] = rng.choice(FORCES)
    if "welfare_raised" in ids:
        fixed["welfare_raised"] = rng.choice(["yes", "yes", "no"])
        fixed["pausepoint_referral"] = rng.choice(["yes", "no", None])
        fixed["psych_support"] = rng.choice(["yes", "no", None])
    if form == "pausepoint":
        fixed["officer_name"] = rng.choice(OFFICERS)
        fixed["officer_role"] = "Investigating officer"
        fixed["wellbeing_assessment"] = HEALTH_NOTE
    return sample_values(spec, rng, fill=rng.choice([0.6, 0.9, 1.0]), **fixed)


SEED = int(os.environ.get("BLUESTONE_CORPUS_SEED", "0"))
"""The collation's random seed: fixed in CI so a failure can be replayed; set the variable to
try others (e.g. `BLUESTONE_CORPUS_SEED=7 pytest tests/test_figures.py`)."""


@cache
def corpus(base: Path, seed: int = SEED) -> Corpus:
    """The returns, the store and both exports, built once per test run and seed: the xdist
    workers of a run (whose base folders `popen-gwN` share one parent) take turns under a
    lock, and the first to come builds it for all."""
    shared = base.parent if base.name.startswith("popen-gw") else base
    root = shared / f"outputs-corpus-{seed}"
    root.parent.mkdir(parents=True, exist_ok=True)
    with (shared / f"outputs-corpus-{seed}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "built.json"
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)  # a build that failed half-way
            _build(root, seed)
        hidden, named = (Outputs(**{k: Path(v) for k, v in paths.items()})
                         for paths in json.loads(done.read_text(encoding="utf-8")))
    return Corpus(seed, root / "returns", root / "out" / "bluestone.sqlite", hidden, named)


def _build(root: Path, seed: int) -> None:
    rng = random.Random(seed)
    returns = root / "returns"
    templates = root / "templates"
    templates.mkdir(parents=True)
    made: dict[tuple[str, str], Path] = {}
    n = 0
    for spec in sorted(CATALOG, key=lambda s: s.id):
        for _ in range(rng.randint(2, 4)):
            fmt = rng.choice(["docx", "xlsx"])
            if (spec.id, fmt) not in made:
                made[(spec.id, fmt)] = templates / f"{spec.id}{formats.EXTENSIONS[fmt]}"
                formats.module(fmt).write(spec, made[(spec.id, fmt)])
            n += 1
            out = returns / f"r{n:03d}-{spec.id}{formats.EXTENSIONS[fmt]}"
            out.parent.mkdir(parents=True, exist_ok=True)
            formats.module(fmt).fill(made[(spec.id, fmt)], _answers(spec.id, rng), out,
                                     instance_id=new_instance_id())
    shutil.copy(out, returns / "copy-of-last.docx" if out.suffix == ".docx"
                else returns / "copy-of-last.xlsx")
    (returns / "damaged.docx").write_bytes(b"PK\x03\x04 not really a document")
    store = root / "out" / "bluestone.sqlite"
    collate([returns], store, workers=1)
    built = [export(store, root / "out"),
             export(store, root / "named", include_names=True, include_special=True)]
    (root / "built.json").write_text(json.dumps([{k: str(v) for k, v in zip(
        ("workbook", "report", "csv_dir", "html_report"), o.paths(), strict=True)}
        for o in built]), encoding="utf-8")
