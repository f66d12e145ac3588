"""What the PDF form and the paper form print: a spec turned into plain data for the templates.

Why a view model: the templates only lay out; every decision (which box a slot gets, its
accessible name, writing lines) is made here in Python, from `slots.field_slots` and the codec,
and every phrase (question numbers, "Answer if …", tick rules, hints, attribution, page
furniture) comes from `wording`, so the fillable and the paper form agree with Word and Excel
and the templates stay free of spec logic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ...answers import values
from ...answers.slots import Slot, field_slots
from ...spec.kinds import KINDS
from ...spec.model import FormSpec, NoteField, TableField
from ...spec.wording import Wording, paragraphs, squeeze
from ..common import Identity
from . import _choice as _pdf_choice
from . import _keep as _pdf_keep

LINE_MM = 5.0  # height of one line of a multi-line field on the fillable form
SHORT_KINDS = ("integer", "decimal", "date", "time")  # slot kinds whose box is narrow
# the phrase (`wording`) that says how an answer of a slot kind is written, beside its box
FORMAT_HINTS = {"date": "date_format", "time": "time_format"}
RADIO_MAX = 6  # a single choice of up to this many options is radio buttons, else a drop-down
PAPER_PHRASES = ("table_rows_paper", "signature", "date_format",
                 "safeguarding")


@dataclass(frozen=True)
class Control:
    """One answer box (one slot) as printed."""

    key: str
    html_id: str
    kind: str
    label: str  # the accessible name: the slot's full label
    short: str  # the text beside the box: an option, a column or "Name" / "Date"
    options: tuple[str, ...] = ()
    lines: int = 1
    format_hint: str = ""  # "dd/mm/yyyy" for a date
    states: tuple[str, ...] = ()  # a radio button's on-state name per option (_pdf_choice)
    in_table: bool = False
    answer_label: str = ""  # the visible label over a rating's buttons: "Your rating (1–4)"

    @property
    def radio(self) -> bool:
        """A single choice shown as radio buttons: up to RADIO_MAX options (in a table cell,
        only those that fit on one line); a longer list is a drop-down."""
        if self.kind not in ("choice", "rating"):
            return False
        return self.inline if self.in_table else len(self.options) <= RADIO_MAX

    @property
    def radio_inline(self) -> bool:
        """Radio buttons side by side when their texts fit on one line of the page."""
        return self.in_table or (len(self.options) <= 5 and sum(map(len, self.options)) <= 70)

    @property
    def narrow(self) -> bool:
        return self.kind in SHORT_KINDS

    @property
    def height_mm(self) -> str:
        return f"{self.lines * LINE_MM + 1.5:.1f}"

    @property
    def columns(self) -> int:
        return tick_columns(len(self.options))

    @property
    def tick_items(self) -> tuple[tuple[str, str, int], ...]:
        """(text, slot key, option index) per tick box of a choice or rating on paper.

        The scan reader finds each box by its slot key and option index (the layout map)."""
        return tuple((text, self.key, i) for i, text in enumerate(self.options))

    @property
    def inline(self) -> bool:
        """Few short options go on one line (Yes / No / Not applicable)."""
        return len(self.options) <= 4 and sum(len(o) for o in self.options) <= 40


@dataclass(frozen=True)
class ColumnHead:
    label: str
    hint: str
    format_hint: str
    kind: str


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # note | single | many | signoff | table
    number: str  # "Q12", "Q17.1"; "" for a note
    label: str
    required: str = ""  # the required marker, when the question must be answered
    # (css class, text): hint, scale, "Answer if …" (class answer-if), tick rule ("Tick
    # one." too), who signs
    hints: tuple[tuple[str, str], ...] = ()
    help: tuple[str, ...] = ()
    controls: tuple[Control, ...] = ()
    columns: tuple[ColumnHead, ...] = ()
    rows: tuple[tuple[Control, ...], ...] = ()
    text: tuple[str, ...] = ()
    opens: tuple[str, ...] = ()  # page-keeping wrappers opened before it (_pdf_keep)
    closes: int = 0  # and how many close after it

    @property
    def tick_columns(self) -> int:
        return tick_columns(len(self.controls)) if self.kind == "many" else 1

    @property
    def flag_items(self) -> tuple[tuple[str, str, int], ...]:
        """(text, slot key, -1) per tick box of "tick all that apply" (one flag slot each)."""
        return tuple((c.short, c.key, -1) for c in self.controls)


@dataclass(frozen=True)
class SectionView:
    id: str
    title: str
    intro: tuple[str, ...]
    questions: tuple[Question, ...]
    keep_head: bool = False  # the heading is kept with the first question (_pdf_keep)


@dataclass(frozen=True)
class PageView:
    title: str
    subtitle: str
    description: str
    marking: str
    identity: str
    attribution: str
    body_class: str
    lang: str = "en-GB"
    page_parts: tuple[str, str, str] = ("Page ", " of ", "")  # "Page x of y" around x, y
    phrases: Mapping[str, str] = field(default_factory=dict)  # the paper form's fixed texts
    description_paragraphs: tuple[str, ...] = ()  # a bilingual description: one per language
    pen_rules: tuple[tuple[str, str], ...] = ()  # the paper form's pen rule, one per language
    stamp_identity: bool = False  # the identity line is drawn after rendering (_pdf_stamp)


@dataclass(frozen=True)
class FormView:
    page: PageView
    sections: tuple[SectionView, ...] = field(default=())


def tick_columns(n: int) -> int:
    """Columns of tick boxes on paper, so a long list (45 forces) stays short."""
    return 1 if n <= 6 else 2 if n <= 16 else 3


def html_id(key: str) -> str:
    return "f-" + key


def control(slot: Slot, words: Wording) -> Control:
    f = slot.spec_field
    lines = getattr(f, "lines", 1) if slot.kind == "long_text" else 1
    if slot.kind == "flag":
        short = slot.options[0].label
    elif slot.column is not None:
        short = slot.column.label
    elif slot.part is not None:
        short = words.phrase(slot.part) if slot.part in ("name", "date") else slot.part
    else:
        short = slot.label
    options = tuple(values.choice_texts(slot)) if KINDS[slot.kind].options else ()
    scale = [c.code for c in slot.options] if slot.kind == "rating" else []
    return Control(
        key=slot.key,
        html_id=html_id(slot.key),
        kind=slot.kind,
        label=slot.label,
        short=short,
        options=options,
        lines=lines,
        format_hint=words.phrase(FORMAT_HINTS[slot.kind]) if slot.kind in FORMAT_HINTS else "",
        states=tuple(_pdf_choice.state_names(slot).values()) if options else (),
        in_table=slot.column is not None,
        answer_label=words.phrase("your_rating", lo=scale[0], hi=scale[-1])
        if scale and slot.column is None else "",
    )


def build(spec: FormSpec, identity: Identity, body_class: str,
          stamp_identity: bool = False) -> FormView:
    """The whole form as data for `form.html.j2` or `paper.html.j2`."""
    words = Wording(spec)
    sections: list[SectionView] = []
    for section in spec.sections:
        questions: list[Question] = []
        for f in section.fields:
            if isinstance(f, NoteField):
                questions.append(
                    Question(id=f.id, kind="note", number="", label=f.label or "",
                             text=paragraphs(f.text))
                )
                continue
            slots = field_slots(spec, f)
            base = Question(
                id=f.id, kind="single", number=words.number(f), label=squeeze(f.label),
                required=words.required() if f.required else "", hints=words.hint_kinds(f),
                help=words.guidance(f),
            )
            if isinstance(f, TableField):
                width = len(f.columns)
                cells = [control(s, words) for s in slots]
                rows = tuple(tuple(cells[i : i + width]) for i in range(0, len(cells), width))
                heads = tuple(
                    ColumnHead(c.label, c.hint or "",
                               cells[i].format_hint,
                               cells[i].kind)
                    for i, c in enumerate(f.columns)
                )
                questions.append(replace(base, kind="table", columns=heads, rows=rows))
            else:
                kind = f.shape if f.shape in ("many", "signoff") else "single"
                questions.append(
                    replace(base, kind=kind, controls=tuple(control(s, words) for s in slots))
                )
        keep = _pdf_keep.mark(spec, section)
        questions = [replace(q, opens=o, closes=c)
                     for q, o, c in zip(questions, keep.opens, keep.closes, strict=True)]
        sections.append(SectionView(section.id, section.title, paragraphs(section.intro),
                                    tuple(questions), keep.keep_head))
    page_before, page_middle, page_after = words.page_parts()
    page = PageView(
        title=spec.title,
        subtitle=words.form_version(),
        description=spec.description or "",
        description_paragraphs=paragraphs(spec.description),
        pen_rules=tuple((t["pen_rule_lead"], t["pen_rule"]) for t in words.tables),
        marking=words.marking(),
        identity=identity.footer(),
        attribution=words.attribution(),
        body_class=body_class,
        lang=spec.language_tag(),
        stamp_identity=stamp_identity,
        page_parts=(page_before, page_middle, page_after),
        phrases={k: words.phrase(k) for k in PAPER_PHRASES},
    )
    return FormView(page=page, sections=tuple(sections))
