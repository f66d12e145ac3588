"""Layout of the Word form with python-docx: styles, header and footer, title, sections,
questions, hints and where each content control goes. Controls themselves, and every other
piece of raw WordprocessingML, come from `_docx_build_xml`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

from ...answers import values
from ...answers.slots import Slot, field_slots
from ...spec.kinds import KINDS
from ...spec.model import (
    Answerable,
    FormSpec,
    NoteField,
    TableField,
)
from ...spec.wording import Wording, phrase_in
from ...spec.wording import placeholder as worded
from ..common import Identity
from ..keeping import groups
from ..ooxml import wordml_build as B

GREY = RGBColor(0x40, 0x40, 0x40)


def build(document: Any, spec: FormSpec, ident: Identity) -> None:
    """Lay the whole form out in a new python-docx document."""
    _properties(document, spec, ident)
    _styles(document)
    B.set_language(document, spec.language_tag())
    words = Wording(spec)
    _page(document, spec, ident, words)
    _Layout(document, spec, words).build()


def _number(s: Slot, in_table: bool, lang: str) -> str:
    f = s.spec_field
    lo, hi = getattr(f, "min", None), getattr(f, "max", None)
    key = ("number" if in_table or (lo is None and hi is None)
           else "number_between" if lo is not None and hi is not None
           else "number_at_least" if lo is not None else "number_up_to")
    return worded_number(key, "whole_number" if s.kind == "integer" else "number", lang, lo, hi)


def _text(s: Slot, in_table: bool, lang: str) -> str:
    if in_table:
        return worded("in_table", lang)
    limit = getattr(s.spec_field, "max_length", None)
    key = "long_text" if s.kind == "long_text" else "text"
    if not limit:
        return worded(key, lang)
    return " / ".join(dict.fromkeys(
        worded("limit", part, text=worded(key, part), limit=limit) for part in lang.split("+")))


def _date(s: Slot, in_table: bool, lang: str) -> str:
    date_format = phrase_in("date_format", lang)
    return date_format if in_table else worded("date", lang, date_format=date_format)


def _time(s: Slot, in_table: bool, lang: str) -> str:
    time_format = phrase_in("time_format", lang)
    return time_format if in_table else worded("time", lang, time_format=time_format)


# The Word widget of each slot kind (`kinds.KINDS`): its content control (long text: see
# docx.py for why rich text) and what the control says before it is filled in.
WIDGETS: dict[str, tuple[str, Callable[[Slot, bool, str], str]]] = {
    "text": ("richtext", _text),
    "long_text": ("richtext", _text),
    "integer": ("richtext", _number),
    "decimal": ("richtext", _number),
    "date": ("date", _date),
    "time": ("richtext", _time),
    "choice": ("dropdown", lambda s, in_table, lang: worded("choice", lang)),
    "rating": ("dropdown", lambda s, in_table, lang: worded("choice", lang)),
    "flag": ("checkbox", lambda s, in_table, lang: ""),
}


def placeholder(s: Slot, lang: str = "en") -> str:
    """What a control says before it is filled in (shorter inside a table), in the copy's
    language(s) (`wording.placeholder`); the reader knows it in every language."""
    return WIDGETS[s.kind][1](s, s.row is not None, lang)


def worded_number(key: str, what: str, lang: str, lo: object, hi: object) -> str:
    return " / ".join(dict.fromkeys(
        worded(key, part, what=phrase_in(what, part), lo=lo, hi=hi)
        for part in lang.split("+")))


def placeholders(s: Slot) -> tuple[str, ...]:
    """A control's placeholder in every language a copy may be printed in (the reader's)."""
    return tuple(dict.fromkeys(placeholder(s, lang) for lang in READ_LANGUAGES))


READ_LANGUAGES = ("en", "cy", "cy+en", "en+cy")


def caption(s: Slot, lang: str = "en") -> str:
    """The text printed before a slot's control in its paragraph ("" for most): a sign-off's
    "Name: " and "Date: ", in the copy's language(s)."""
    if s.field.shape == "signoff" and s.row is None and s.part in ("name", "date"):
        return worded("caption", lang, part=phrase_in(s.part, lang))
    return ""


def control(s: Slot, lang: str = "en") -> B.Control:
    items = tuple(values.choice_texts(s)) if KINDS[s.kind].options else ()
    return B.Control(s.key, WIDGETS[s.kind][0], s.label, placeholder(s, lang), items)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _properties(document: Any, spec: FormSpec, ident: Identity) -> None:
    core = document.core_properties
    core.title = _clip(spec.title, 255)
    core.subject = f"{spec.id} {spec.version}"
    core.identifier = ident.instance_id
    core.keywords = "bluestone form"
    core.category = spec.protective_marking
    core.author = "bluestone-forms"
    core.comments = _clip(spec.description or "", 255)
    core.last_modified_by = "bluestone-forms"
    core.revision = 1
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    core.created = core.modified = now


def _styles(document: Any) -> None:
    styles = document.styles
    normal = styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    question = styles.add_style("Question", WD_STYLE_TYPE.PARAGRAPH)
    question.base_style = normal
    question.font.bold = True
    question.paragraph_format.space_before = Pt(10)
    question.paragraph_format.space_after = Pt(2)
    question.paragraph_format.keep_with_next = True
    hint = styles.add_style("Hint", WD_STYLE_TYPE.PARAGRAPH)
    hint.base_style = normal
    hint.font.italic = True
    hint.font.size = Pt(9.5)
    hint.font.color.rgb = GREY
    hint.paragraph_format.space_after = Pt(2)
    hint.paragraph_format.keep_with_next = True
    answer = styles.add_style("Answer", WD_STYLE_TYPE.PARAGRAPH)
    answer.base_style = normal
    answer.paragraph_format.space_after = Pt(4)
    answer.paragraph_format.left_indent = Cm(0.5)
    guidance = styles.add_style("Guidance", WD_STYLE_TYPE.PARAGRAPH)
    guidance.base_style = normal
    guidance.font.size = Pt(9.5)
    guidance.paragraph_format.left_indent = Cm(0.5)
    guidance.paragraph_format.space_after = Pt(3)
    guidance.paragraph_format.keep_with_next = True
    mark = styles.add_style("Safeguarding", WD_STYLE_TYPE.PARAGRAPH)
    mark.base_style = normal
    mark.font.bold = True
    mark.font.all_caps = True
    mark.font.size = Pt(9)
    mark.font.color.rgb = RGBColor(0xA0, 0x00, 0x20)
    mark.paragraph_format.space_before = Pt(10)
    mark.paragraph_format.space_after = Pt(0)
    mark.paragraph_format.keep_with_next = True
    plc = styles.add_style("Placeholder Text", WD_STYLE_TYPE.CHARACTER)
    plc.font.color.rgb = RGBColor(0x70, 0x70, 0x70)
    B.style_placeholder(plc)


def _page(document: Any, spec: FormSpec, ident: Identity, words: Wording) -> None:
    """A4, 2 cm margins; the marking in header and footer; attribution and identity below."""
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2))
    _marking(section.header.paragraphs[0], words)
    footer = section.footer
    _marking(footer.paragraphs[0], words)
    if words.attribution():
        _small(footer.add_paragraph(), words.attribution())
    line = footer.add_paragraph()
    before, middle, after = words.page_parts()
    _small(line, f"{ident.footer()} · {before}")
    B.add_page_field(line, "PAGE", 15)
    _small(line, middle)
    B.add_page_field(line, "NUMPAGES", 15)
    if after:
        _small(line, after)


def _marking(paragraph: Any, words: Wording) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(words.marking())
    run.bold = True
    run.font.size = Pt(11)


def _small(paragraph: Any, text: str) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.font.size = Pt(7.5)
    run.font.color.rgb = GREY


class _Layout:
    """Sections and fields, each question with its label, hints and controls."""

    def __init__(self, document: Any, spec: FormSpec, words: Wording) -> None:
        self.doc = document
        self.spec = spec
        self.words = words
        self.lang = spec.language

    def build(self) -> None:
        spec = self.spec
        self.doc.add_paragraph(spec.title, style="Title")
        if spec.description:
            self._text(spec.description, "Normal")
        self.doc.add_paragraph(self.words.form_version(), style="Hint")
        self._text(self.words.instructions("instructions_docx"), "Hint")
        for section in spec.sections:
            self.doc.add_heading(section.title, level=1)
            if section.intro:  # kept with what follows: no heading and intro end a page
                self._text(section.intro, "Normal", keep=True)
            kept = {i: g for g in groups(spec, section) for i in range(g.first, g.last)}
            marked = {g.first for g in groups(spec, section) if g.safeguarding}
            for i, f in enumerate(section.fields):
                if isinstance(f, NoteField):
                    if f.label:
                        self.doc.add_paragraph(f.label, style="Question")
                    self._text(f.text, "Normal", keep=True)
                else:
                    if i in marked:  # a live risk: marked, and kept on one page with its
                        self.doc.add_paragraph(self.words.phrase("safeguarding"),
                                               style="Safeguarding")
                    self._field(f, keep=i in kept)  # follow-ups (`formats.keeping`)

    def _text(self, text: str, style: str, *, keep: bool = False) -> None:
        for block in re.split(r"\n\s*\n", text.strip()):
            paragraph = self.doc.add_paragraph(style=style)
            paragraph.paragraph_format.keep_with_next = keep or None
            for i, line in enumerate(block.split("\n")):
                run = paragraph.add_run()
                if i:
                    run.add_break()  # the break goes before the line it starts
                run.add_text(line.strip())

    def _answer(self, text: str = "", *, keep: bool = False) -> Any:
        """An answer paragraph; `keep`: kept on the page of the next question (a group)."""
        paragraph = self.doc.add_paragraph(text, style="Answer")
        if keep:
            paragraph.paragraph_format.keep_with_next = True
        return paragraph

    def _field(self, f: Answerable, *, keep: bool = False) -> None:
        self.doc.add_paragraph(self.words.heading(f), style="Question")
        for h in self.words.hints(f):
            self.doc.add_paragraph(h, style="Hint")
        for text in self.words.guidance(f):
            self.doc.add_paragraph(text, style="Guidance")
        boxes = field_slots(self.spec, f)
        if isinstance(f, TableField):
            self._table(f, boxes)
        elif f.shape == "signoff":
            for s in boxes:
                B.append_control(self._answer(caption(s, self.lang), keep=keep),
                                 control(s, self.lang))
        elif f.shape == "many":
            for n, s in enumerate(boxes, start=1):  # a list's boxes kept together too
                paragraph = self._answer(keep=keep or n < len(boxes))
                B.append_control(paragraph, control(s, self.lang))
                paragraph.add_run(" " + s.options[0].label)
        else:  # a rating's box is labelled, as in the PDF: it may follow long guidance
            B.append_control(self._answer(self._answer_label(boxes[0]), keep=keep),
                             control(boxes[0], self.lang))

    def _answer_label(self, s: Slot) -> str:
        """"Your rating (1–4): " before a rating's drop-down, else ""."""
        if s.kind != "rating":
            return ""
        scale = [c.code for c in s.options]
        label = self.words.phrase("your_rating", lo=scale[0], hi=scale[-1])
        return worded("caption", self.lang, part=label)

    def _table(self, f: TableField, boxes: list[Slot]) -> None:
        table = self.doc.add_table(rows=f.max_rows + 1, cols=len(f.columns))
        table.style = self.doc.styles["Table Grid"]
        B.repeat_header(table.rows[0])
        for cell, col in zip(table.rows[0].cells, f.columns, strict=True):
            head = cell.paragraphs[0]
            marker = f" {self.words.required()}" if col.required else ""
            head.add_run(col.label + marker).bold = True
            if col.hint:
                cell.add_paragraph(col.hint, style="Hint")
        index = {col.id: i for i, col in enumerate(f.columns)}
        for s in boxes:
            assert s.row is not None
            assert s.part is not None
            cell = table.rows[s.row].cells[index[s.part]]
            B.append_control(cell.paragraphs[0], control(s, self.lang))
        for row in table.rows[1:]:
            B.keep_row_whole(row)
        self.doc.add_paragraph(style="Answer")
