"""The hostile corpus: files a return inbox may hold, built at test time from real returns.

`build(folder, canary)` writes every case into `folder` and returns the built cases; `CASES`
names them all up front (tests parametrize over it). Each case says which outcome its line in
the store may have and, for a rejection, what the message must say. Hostile XML points its
external entities at `canary` (a file outside the inbox) and at an unresolvable http:// host,
so a test can show that neither is ever read or fetched. The cases themselves are in
`cases_zip`, `cases_xml`, `cases_pdf`, `cases_files` and `cases_payloads`; `forge` writes the
bytes no library will (lying zip headers, overlapping entries, hand-made PDFs).
"""

from __future__ import annotations

import random
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bluestone_forms import formats
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.loader import load_spec
from bluestone_forms.spec.model import FormSpec

from . import forge as F

PLACEHOLDER = "00000000-0000-4000-8000-00000000b10e"  # instance id of the base returns
NET = "http://bluestone-canary.invalid/x.dtd"  # default network target: never resolvable
SINK_SPEC = Path(__file__).resolve().parents[1] / "specs" / "kitchen_sink.yaml"
READ = ("read",)
ISSUES = ("read_with_issues",)
READS = ("read", "read_with_issues")
REJECTED = ("rejected",)
ANY = ("read", "read_with_issues", "rejected")  # inert if read: the canary checks still apply


@dataclass(frozen=True)
class Case:
    """One hostile file and what collating it must give."""

    name: str  # the file name in the inbox
    kind: str  # the attack, in words
    expect: tuple[str, ...]  # outcomes its line may have
    fragment: str = ""  # regex the message (rejected) or some issue (read_with_issues) matches
    xfail: str | None = None  # a known reader failure: see the report of issue #9
    reader: str | None = None  # the reader it targets (None: before any reader)
    members: tuple[str, ...] = ()  # an archive of returns: its members' lines instead


@dataclass
class Ctx:
    """What the builders share: the base returns and where to point hostile references."""

    folder: Path
    canary: Path
    spec: FormSpec
    values: dict[str, Any]
    docx: dict[str, bytes]
    xlsx: dict[str, bytes]
    pdf_template: Path
    sink: FormSpec
    work: Path  # scratch space outside the inbox (templates)
    sink_templates: dict[str, Path] = field(default_factory=dict)
    net: str = NET  # where hostile files point on the network (a test's own listener)

    @property
    def canary_uri(self) -> str:
        return self.canary.resolve().as_uri()

    @property
    def needle(self) -> bytes:
        """A text the base returns show as an answer (the crime reference)."""
        return str(self.values["crime_ref"]).encode()

    def iid(self, name: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"bluestone-hostile/{name}"))

    def parts(self, fmt: str, name: str) -> dict[str, bytes]:
        """The base return's parts with an instance id of this case's own."""
        base = self.docx if fmt == "docx" else self.xlsx
        new = self.iid(name).encode()
        return {k: v.replace(PLACEHOLDER.encode(), new) for k, v in base.items()}

    def pdf(self, name: str, out: Path) -> Path:
        formats.module("pdf").fill(self.pdf_template, self.values, out,
                                   instance_id=self.iid(name), catalog=Catalog.shipped())
        return out


Builder = Callable[[Ctx, Path], Any]
CASES: dict[str, Case] = {}
BUILDERS: dict[str, Builder] = {}


def case(name: str, kind: str, expect: tuple[str, ...], fragment: str = "", *,
         xfail: str | None = None, reader: str | None = None,
         members: tuple[str, ...] = ()) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        assert name not in CASES, name
        fmt = reader or Path(name).suffix.lstrip(".")
        CASES[name] = Case(name, kind, expect, fragment, xfail,
                           fmt if fmt in formats.FORMATS else None, members)
        BUILDERS[name] = fn
        return fn
    return register


# --------------------------------------------------------------------------- build

def base(folder: Path) -> Ctx:
    """The base returns every case starts from (rp1, filled with sample answers)."""
    cat = Catalog.shipped()
    spec = cat.get("rp1")
    values = sample_values(spec, random.Random(7))
    values["crime_ref"] = "WM-40917-26"
    work = folder / ".base"
    work.mkdir(parents=True, exist_ok=True)
    made = {}
    for fmt in ("docx", "xlsx"):
        out = work / f"base.{fmt}"
        formats.module(fmt).write(spec, out, values=values, instance_id=PLACEHOLDER)
        made[fmt] = F.parts(out)
    pdf_template = formats.module("pdf").write(spec, work / "template.pdf",
                                               instance_id=PLACEHOLDER)
    sink = load_spec(SINK_SPEC)
    return Ctx(folder, Path(), spec, values, made["docx"], made["xlsx"], pdf_template, sink, work)


def build(folder: Path, canary: Path, ctx: Ctx | None = None, net: str = NET,
          only: set[str] | None = None) -> list[tuple[Case, Path]]:
    """Write every case into `folder` (the base returns are made beside it); hostile files
    point their external entities at `canary` and their network references at `net`."""
    _register()
    folder.mkdir(parents=True, exist_ok=True)
    ctx = ctx or base(folder.parent / (folder.name + "-base"))
    ctx.folder, ctx.canary, ctx.net = folder, canary, net
    out = []
    for name, fn in BUILDERS.items():
        if only is not None and name not in only:
            continue
        path = folder / name
        fn(ctx, path)
        out.append((CASES[name], path))
    for leftover in folder.glob(".*"):
        if leftover.is_dir():
            shutil.rmtree(leftover)
        else:
            leftover.unlink()
    return out


def all_cases() -> dict[str, Case]:
    _register()
    return CASES


def _register() -> None:
    """Import the case modules (each registers its cases into CASES on import)."""
    from . import cases_files, cases_payloads, cases_pdf, cases_xml, cases_zip  # noqa: F401
