"""The main job end to end on the shipped specs: generate the pack, make a realistic set of
returns from several forces in every format, collate them and write the workbook and report.

The returns are made the way people make them: by filling the generated forms (not by
rendering each again). Among them, on purpose: a case review with a live risk, returns with
invalid or missing answers, an exact duplicate, a zip archive of returns, a corrupt file, and
a small mailbox (mbox) as a mail client exports it: returns attached, one forwarded inside
another message, and a reply with no return attached.
"""

from __future__ import annotations

import mailbox
import random
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from . import formats
from .answers.records import new_instance_id
from .collate.run import Summary, collate
from .outputs.export import Outputs, export
from .samples import sample_values
from .spec.catalog import Catalog

FORCES = ("avon_and_somerset", "durham", "south_wales", "west_midlands", "metropolitan")
FILLABLE = ("docx", "xlsx", "pdf")


@dataclass(frozen=True)
class DemoResult:
    pack: list[Path]
    returns: list[Path]
    summary: Summary
    outputs: Outputs
    expected_rejections: int

    @property
    def as_intended(self) -> bool:
        return self.summary.rejected == self.expected_rejections


def _force_codes(catalog: Catalog) -> list[str]:
    spec = catalog.get("rp1")
    codes = {c.code for c in spec.choice_lists["forces"]}
    return [f for f in FORCES if f in codes] or sorted(codes)[:4]


def make_pack(out: Path, catalog: Catalog) -> dict[tuple[str, str], Path]:
    """Every shipped spec in every format; returns the fillable templates by (form, format)."""
    out.mkdir(parents=True, exist_ok=True)
    templates: dict[tuple[str, str], Path] = {}
    for spec in sorted(catalog, key=lambda s: s.id):
        for fmt in (*FILLABLE, "paper"):
            mod = formats.module(fmt)
            if fmt == "paper":
                mod.write_paper(spec, out / f"{spec.id}-v{spec.version}-paper.pdf")
                continue
            path = out / f"{spec.id}-v{spec.version}{formats.EXTENSIONS[fmt]}"
            mod.write(spec, path)
            templates[(spec.id, fmt)] = path
    return templates


def make_returns(out: Path, templates: dict[tuple[str, str], Path], catalog: Catalog,
                 seed: int = 2026) -> tuple[list[Path], int]:
    """Filled returns from several forces; returns the files and how many are meant to fail."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    forces = _force_codes(catalog)
    n = 0

    def one(form: str, force: str, **fixed: Any) -> Path:
        nonlocal n
        spec = catalog.get(form)
        fmt = FILLABLE[n % len(FILLABLE)]
        n += 1
        if "force" in {f.id for f in spec.answerable()}:
            fixed.setdefault("force", force)
        vals = sample_values(spec, rng, **fixed)
        path = out / force / f"{form}-{n:03d}{formats.EXTENSIONS[fmt]}"
        path.parent.mkdir(parents=True, exist_ok=True)
        formats.module(fmt).fill(templates[(form, fmt)], vals, path,
                                 instance_id=new_instance_id())
        made.append(path)
        return path

    for force in forces:
        for rp in range(1, 7):
            one(f"rp{rp}", force)
        one("case_review", force, live_risk="no", secondary_live_risk="no")
        one("pausepoint", force)
        one("ld_self_assessment", force)
        one("statutory_review_quality", force)
    # the most urgent thing a review can hold
    one("case_review", forces[0], live_risk="yes",
        live_risk_direction="Assess the risk to children now; engage partner agencies and "
                            "start a safeguarding plan today.",
        live_risk_directed_to="DS Priya Patel")
    # answers that break the rules: a negative day count and a missing required answer
    one("case_review", forces[1], days_to_arrest=-5, live_risk="no")
    one("rp2", forces[2], review_date=None)
    # an exact duplicate, a zip archive of returns, and a corrupt file
    shutil.copy(made[0], out / forces[0] / f"copy-of-{made[0].name}")
    archive = out / f"{forces[-1]}-returns.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for form in ("rp3", "rp4"):
            p = one(form, forces[-1])
            z.write(p, f"returns/{p.name}")
            p.unlink()
            made.remove(p)
    made.append(archive)
    made.append(_mailbox(out / f"{forces[1]}-inbox.mbox", [one("rp5", forces[1]),
                                                           one("rp6", forces[1])]))
    for p in made[-3:-1]:
        made.remove(p)
    broken = out / forces[1] / "rp1-damaged.docx"
    data = made[0].read_bytes()
    broken.write_bytes(data[: len(data) // 3])
    made.append(broken)
    return made, 1


def _mailbox(path: Path, attached: list[Path]) -> Path:
    """An mbox of three messages: a return attached; a return in a message forwarded as an
    attachment; a reply with no return. The returns' files are moved into it."""

    def message(sender: str, subject: str, day: int, files: list[Path]) -> EmailMessage:
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = sender, "Bluestone lead <bluestone@example.org>", subject
        m["Date"] = f"Mon, {day:02d} Nov 2026 10:00:00 +0000"
        m["Message-ID"] = f"<demo-{day}@example.org>"
        m.set_content("Please find my return attached.\n\nOFFICIAL-SENSITIVE")
        for f in files:
            m.add_attachment(f.read_bytes(), maintype="application",
                             subtype="octet-stream", filename=f.name)
        return m

    box = mailbox.mbox(path, create=True)
    box.add(message("DS Priya Patel <priya.patel@example.org>", "RP5 return", 2, attached[:1]))
    inner = message("DC Sam Okafor <sam.okafor@example.org>", "RP6 return", 3, attached[1:])
    fwd = message("DI Gareth Evans <gareth.evans@example.org>", "Fwd: RP6 return", 4, [])
    fwd.add_attachment(inner)
    box.add(fwd)
    box.add(message("DC Aisha Khan <aisha.khan@example.org>", "Re: RP returns", 5, []))
    box.flush()
    box.close()
    for f in attached:
        f.unlink()
    return path


def demo(out: Path, *, workers: int | None = None,
         progress: Callable[[int, int], None] | None = None) -> DemoResult:
    """Run the whole loop into `out` (pack/, returns/, collated/), afresh each time."""
    catalog = Catalog.shipped()
    for sub in ("pack", "returns", "collated"):
        shutil.rmtree(out / sub, ignore_errors=True)
    templates = make_pack(out / "pack", catalog)
    pack = sorted((out / "pack").iterdir())
    returns, expected = make_returns(out / "returns", templates, catalog)
    store = out / "collated" / "bluestone.sqlite"
    summary = collate([out / "returns"], store, workers=workers, progress=progress)
    outputs = export(store, out / "collated", catalog)
    return DemoResult(pack, returns, summary, outputs, expected)
