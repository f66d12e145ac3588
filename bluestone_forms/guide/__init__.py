"""The Supervisors' Guide to Reflective Practice, printed as a PDF and as an editable Word file.

Why read the specs: the guide quotes the same RP points, questions and notes as the RP1-RP6
checklists and the PausePoint record. Copying them into the guide would let the two drift, so
everything the shipped specs hold is read from them when the guide is made (the stage name from
each RP spec's title, the checklist points from its `point_1`, `point_2`, ... fields, the shared
content from the sections every RP spec has, the support options from the PausePoint spec's
choice list). Only what no spec holds (the four-step process, headings, acknowledgements) is
kept as data in `form_specs/guide/supervisors_guide.yaml`, validated by `GuideData`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import render
from ..errors import BluestoneError
from ..resources import specs_dir
from ..spec.catalog import Catalog
from ..spec.model import FormSpec, LongTextField, NoteField, Section, Source, YesNoNAField

PDF_NAME = "supervisors_guide.pdf"
DOCX_NAME = "supervisors_guide.docx"
_RP_TITLE = re.compile(r"Reflective Practice Point (\d+): (.+)")
_POINT_ID = re.compile(r"point_(\d+)")


class GuideError(BluestoneError):
    """The guide's data or a spec it reads is not as the guide expects."""


# --------------------------------------------------------------------------- the data file


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)



class DocumentInfo(_Data):
    title: str = Field(min_length=1)
    series: str
    subtitle: str
    author: str
    subject: str
    keywords: str
    short_title: str


class Headings(_Data):
    contents: str
    about: str
    process: str
    every_point: str
    points: str
    als: str
    cultural: str
    welfare: str
    support: str
    sources: str
    welfare_record: str


class Step(_Data):
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)


class Process(_Data):
    intro: str
    steps: list[Step] = Field(min_length=1)


class Lead(_Data):
    lead: str
    items: list[str] = Field(min_length=1)


class Learning(_Data):
    question: str
    answer: str


class Acknowledgement(_Data):
    spec: str = Field(description="The spec whose `source` names the document.")
    lines: list[str] = Field(min_length=1)


class GuideData(_Data):
    """The guide's own content: only what the shipped specs do not hold."""

    document: DocumentInfo
    headings: Headings
    how_to_use: list[str]
    process: Process
    core_purpose: Lead
    investigation_map: str
    learning: Learning
    wellbeing_products: str
    support_lead: str
    acknowledgements: list[Acknowledgement]
    sources_note: str
    contact: str
    rp_specs: list[str] = Field(min_length=1)
    pausepoint_spec: str


def data_path() -> Path:
    return specs_dir() / "guide" / "supervisors_guide.yaml"


def load_data(path: Path | None = None) -> GuideData:
    """The guide data file, validated; every problem in one GuideError naming the file."""
    path = path or data_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return GuideData.model_validate(raw)
    except yaml.YAMLError as exc:
        raise GuideError(f"{path}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in exc.errors()
        )
        raise GuideError(f"{path}: {problems}") from exc


# --------------------------------------------------------------------------- from the specs


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


@dataclass(frozen=True)
class RPPoint:
    number: int
    stage: str
    intro: str
    points: tuple[str, ...]

    @property
    def code(self) -> str:
        return f"RP{self.number}"


@dataclass(frozen=True)
class QuestionGroup:
    name: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Shared:
    """What every RP spec holds alike: read from each, and they must agree."""

    model_intro: str
    cover_lead: str
    cover: tuple[tuple[str, str], ...]
    cultural: tuple[str, ...]
    als_intro: str
    als: tuple[QuestionGroup, ...]
    agree: str
    welfare_note: str
    welfare_record: tuple[str, ...]


@dataclass(frozen=True)
class Guide:
    data: GuideData
    shared: Shared
    points: tuple[RPPoint, ...]
    pausepoint_lead: str
    pausepoint: tuple[str, ...]
    support: tuple[str, ...]
    sources: tuple[tuple[Source, tuple[str, ...]], ...]

    def contents(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """(anchor, heading, [(anchor, sub-heading)]) of each part, in order."""
        h = self.data.headings
        rps = [(p.code.lower(), f"{p.code}: {p.stage}") for p in self.points]
        parts = [("about", h.about), ("cultural", h.cultural), ("process", h.process),
                 ("every-point", h.every_point), ("points", h.points), ("als", h.als),
                 ("welfare", h.welfare), ("sources", h.sources)]
        return [(a, t, rps if a == "points" else []) for a, t in parts]


def _fail(spec: FormSpec, what: str) -> GuideError:
    return GuideError(f"spec '{spec.id}': {what} (the Supervisors' Guide reads it)")


def _section(spec: FormSpec, section_id: str) -> Section:
    for s in spec.sections:
        if s.id == section_id:
            return s
    raise _fail(spec, f"no section '{section_id}'")


def _note(spec: FormSpec, note_id: str) -> NoteField:
    for f in spec.fields():
        if isinstance(f, NoteField) and f.id == note_id:
            return f
    raise _fail(spec, f"no note '{note_id}'")


def _lines(text: str) -> tuple[str, ...]:
    return tuple(_norm(line) for line in text.splitlines() if line.strip())


def rp_point(spec: FormSpec) -> RPPoint:
    """An RP spec's number and stage name (from its title) and checklist points (labels)."""
    title = _RP_TITLE.fullmatch(_norm(spec.title))
    if not title:
        raise _fail(spec, f"title {spec.title!r} is not 'Reflective Practice Point N: stage'")
    numbered = sorted(
        (int(m[1]), _norm(f.label)) for f in spec.fields()
        if isinstance(f, YesNoNAField) and (m := _POINT_ID.fullmatch(f.id))
    )
    if [n for n, _ in numbered] != list(range(1, len(numbered) + 1)) or not numbered:
        raise _fail(spec, "checklist fields are not point_1, point_2, ... (yes_no_na)")
    intro = next((s.intro for s in spec.sections if s.id == "checklist"), None)
    return RPPoint(int(title[1]), title[2], _norm(intro), tuple(label for _, label in numbered))


def shared(spec: FormSpec) -> Shared:
    """The content an RP spec shares with every other RP point."""
    every = _section(spec, "every_point")
    als = [s for s in spec.sections if s.id.startswith("als_")]
    if not als:
        raise _fail(spec, "no action learning set sections (als_*)")
    return Shared(
        model_intro=_norm(_section(spec, "case_details").intro),
        cover_lead=_norm(every.title),
        cover=tuple((_norm(f.label), _norm(f.hint)) for f in every.fields
                    if isinstance(f, YesNoNAField)),
        cultural=_lines(_note(spec, "cultural_considerations").text),
        als_intro=_norm(als[0].intro),
        als=tuple(
            QuestionGroup(_norm(s.title.partition(":")[2] or s.title),
                          tuple(_norm(f.label) for f in s.fields if isinstance(f, LongTextField)))
            for s in als
        ),
        agree=_norm(_section(spec, "agreed_actions").intro),
        welfare_note=_norm(_note(spec, "welfare_note").text),
        welfare_record=tuple(_norm(f.label) for f in _section(spec, "welfare").fields
                             if not isinstance(f, NoteField)),
    )


def build(data: GuideData | None = None, catalog: Catalog | None = None) -> Guide:
    """The whole guide's content: the data file joined with what the specs hold."""
    data = data or load_data()
    catalog = catalog or Catalog.shipped()

    def get(form_id: str) -> FormSpec:
        try:
            return catalog.get(form_id)
        except KeyError:
            raise GuideError(
                f"the guide reads spec '{form_id}', which is not in the catalog") from None

    rps = [get(i) for i in data.rp_specs]
    common = shared(rps[0])
    for other in rps[1:]:
        theirs = shared(other)
        for f in fields(Shared):
            if getattr(theirs, f.name) != getattr(common, f.name):
                raise _fail(other, f"its {f.name} differs from spec '{rps[0].id}'")
    pp = get(data.pausepoint_spec)
    intro = _lines(_note(pp, "pausepoint_intro").text)
    options = pp.choice_lists.get("support_options")
    if not options:
        raise _fail(pp, "no choice list 'support_options'")
    return Guide(
        data=data,
        shared=common,
        points=tuple(rp_point(s) for s in rps),
        pausepoint_lead=intro[0],
        pausepoint=intro[1:],
        support=tuple(_norm(c.label) for c in options if c.code != "other"),
        sources=tuple((get(a.spec).source, tuple(_norm(x) for x in a.lines))
                      for a in data.acknowledgements),
    )


def attribution(g: Guide) -> str:
    """One line naming the research the guide comes from (authors and dates from the specs)."""
    parts = [f"{s.authors} ({s.date})" if s.date else str(s.authors) for s, _ in g.sources
             if s.authors]
    return "From the Operation Soteria Bluestone research by " + "; and ".join(parts) + "."


# --------------------------------------------------------------------------- writing


def write_guide(out_dir: Path) -> tuple[Path, Path]:
    """Write the guide to `out_dir` as a tagged A4 PDF and an editable Word document."""
    out_dir.mkdir(parents=True, exist_ok=True)
    g = build()
    pdf, word = out_dir / PDF_NAME, out_dir / DOCX_NAME
    write_pdf(g, pdf)
    write_docx(g, word)
    return pdf, word


def html(g: Guide) -> str:
    return render.render_html("guide.html.j2", g=g, attribution=attribution(g))


def write_pdf(g: Guide, path: Path) -> Path:
    """The guide as a tagged (PDF/UA-1) A4 PDF with a contents list and page numbers."""
    render.write_pdf(html(g), path, variant="pdf/ua-1")
    return path


def write_docx(g: Guide, path: Path) -> Path:
    """The editable Word version (see `_guide_docx`)."""
    from ._docx import write_docx as write

    return write(g, path, attribution(g))
