"""Every phrase a form shows the person filling it, held once, with a table per language.

Word, Excel, the fillable PDF and the paper form print a question's number, its required
marker, "Answer if …", the tick rule, the hints, the guidance, dates, the attribution and the
page furniture from here, so the formats say the same thing (tests/test_parity.py reads the
generated files back to prove it).

Why a table per language: a Welsh copy of a form (`--lang cy`, `cy+en`) prints its furniture
in Welsh too (the `cy` table, with where its terms come from, is `wording_cy`); a bilingual
copy prints each phrase Welsh first, then " / " and the English, and once when both say the
same. "Answer if …" is worded per language too (`expr.describe` takes the table's words).

The identity line ("Form … v… · instance …") is not wording: readers find a return's
identity by it, so it is the same in every language (`IDENTITY_LINE`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from .model import (
    Answerable,
    FormSpec,
    RatingField,
    SelectManyField,
    SelectOneField,
    SignoffField,
    Source,
    YesNoField,
    YesNoNAField,
)
from .numbering import question_numbers
from .wording_cy import CY, CY_LICENCES, CY_PLACEHOLDERS

DATE_SHOWN = "%d/%m/%Y"
IDENTITY_LINE = "Form {form_id} v{version} · instance {instance_id}"

EN: dict[str, str] = {
    "question": "Q{n}",
    "required": "(required)",
    "required_legend": "Questions marked (required) must be answered.",
    "answer_if": "Answer if {rule}.",
    "tick_one": "Tick one.",
    "tick_all": "Tick all that apply.",
    "tick_at_least": "Tick at least {lo}.",
    "tick_up_to": "Tick up to {hi}.",
    "tick_between": "Tick between {lo} and {hi}.",
    "tick_exactly": "Tick {lo}.",
    "scale": "Scale: {title}.",
    "signed_by": "To be signed by: {role}.",
    "table_rows": "Up to {rows} rows.",
    "table_rows_min": "Up to {rows} rows, at least {min}.",
    "table_row": "Row {n}",
    "register_title": "{title} — register",
    "return_id": "Return id",
    # an answer box's accessible name (PDF field, Word box title, register column)
    "slot_row": "{label}, row {row}: {column}",
    "slot_name": "{label}: name",
    "slot_date": "{label}: date",
    "date_format": "dd/mm/yyyy",
    "table_rows_paper": "Use one row for each; leave unused rows empty.",
    "pen_rule_lead": "Use a dark pen",
    "pen_rule": "(black or dark blue). Mark a box with a tick ✓ or a cross ✗ "
                "inside it; write answers on the lines and inside the boxes. To change an "
                "answer, fill the wrong box in completely and mark the right one. Keep clear "
                "of the black corner squares and the code at the top: they let the form be "
                "read back from a scan.",
    "instructions_docx": "Click each answer box (the grey text such as “Type your answer” or "
                         "“Choose an item”) and type or choose your answer; tick a box with a "
                         "click. Write dates as {date_format} or pick them from the calendar. "
                         "Only the answer boxes can be changed. Questions marked {required} "
                         "must be answered.",
    "instructions_xlsx": "Answer in the boxes with a border; questions marked {required} must "
                         "be answered (shaded boxes). Type dates as {date_format} (a date cell "
                         "then shows it as, e.g., 5 Dec 2026: check the month); pick choices "
                         "from each box's drop-down list. Everything else is locked.",
    "name": "Name",
    "date": "Date",
    "signature": "Signature",
    "whole_number": "a whole number",
    "number": "a number",
    "form_version": "Form {form_id}, version {version}",
    "page": "Page {page} of {pages}",
    "source": "Source: {source}.",
    "adapted_from": "Adapted from “{title}”",
    "licence": "Licence: {licence}.",
    "licence_short": "{licence} · adapted from “{title}”",
    "time_format": "HH:MM",
    "time_hint": "A time as HH:MM on the 24-hour clock, e.g. 14:30.",
    "time_expected": "a time as HH:MM, e.g. 14:30",
    "your_rating": "Your rating ({lo}–{hi})",
    "marking_official": "OFFICIAL",
    "marking_official_sensitive": "OFFICIAL-SENSITIVE",
    "marking_official_sensitive_personal": "OFFICIAL-SENSITIVE PERSONAL",
    "safeguarding": "Safeguarding",
    # a relevance rule in words (expr.describe): "Answer if “Welfare raised” is “Yes”."
    "rule_answered": "{left} is answered",
    "rule_is": "{left} is {right}",
    "rule_is_not": "{left} is not {right}",
    "rule_less": "{left} is less than {right}",
    "rule_at_most": "{left} is at most {right}",
    "rule_more": "{left} is more than {right}",
    "rule_at_least": "{left} is at least {right}",
    "rule_includes": "{left} includes {right}",
    "rule_excludes": "{left} does not include {right}",
    "rule_not": "not ({rule})",
    "rule_and": " and ",
    "rule_or": " or ",
    # Excel input messages
    "xlsx_type": "Type your answer.",
    "xlsx_type_limit": "Type your answer, up to {hi} characters.",
    "xlsx_choose": "Choose an answer from the drop-down list.",
    "tick_mark": "Yes",
    "xlsx_flag": "Choose {mark} to tick this option; leave it blank if not.",
    "xlsx_date": "A date as {date_format}.",
    "xlsx_date_note": "After Enter the cell shows the date as understood, e.g. 5 Dec 2026: "
                      "check the month is right.",
    # Excel error alerts: what a cell accepts ("Expected a whole number from 0 to 10.")
    "xlsx_error": "Expected {what}.",
    "xlsx_error_title": "Not accepted: {title}",
    "expect_text": "text",
    "expect_date": "a date ({date_format})",
    "expect_flag": "“{mark}” to tick this option, or nothing",
    "expect_list": "one of the answers in the drop-down list: {items}",
    "expect_places": "{what} with at most {places} decimal places",
    "bound_between": "{what} from {lo} to {hi}",
    "bound_at_least": "{what} of at least {lo}",
    "bound_at_most": "{what} of at most {hi}",
    "characters": "{n} characters",
}

# What a Word answer box says until it is filled in, per language (`placeholders`): the reader
# recognises an unfilled box by its text in any language a copy may be printed in.
PLACEHOLDERS: dict[str, str] = {
    "date": "Pick or type a date ({date_format})",
    "choice": "Choose an item",
    "number": "Type {what}",
    "number_between": "Type {what} from {lo} to {hi}",
    "number_at_least": "Type {what} of at least {lo}",
    "number_up_to": "Type {what} up to {hi}",
    "in_table": "Type here",
    "text": "Type your answer",
    "long_text": "Type your answer (several lines allowed)",
    "limit": "{text}, up to {limit} characters",
    "caption": "{part}: ",
    "time": "Type a time ({time_format}, 24-hour clock)",
}

PHRASES: dict[str, dict[str, str]] = {"en": EN, "cy": CY}
PLACEHOLDER_TABLES: dict[str, dict[str, str]] = {"en": PLACEHOLDERS, "cy": CY_PLACEHOLDERS}
LICENCE_NAMES: dict[str, dict[str, str]] = {"cy": CY_LICENCES}
MARKING_KEYS = {"OFFICIAL": "marking_official",
                "OFFICIAL-SENSITIVE": "marking_official_sensitive",
                "OFFICIAL-SENSITIVE PERSONAL": "marking_official_sensitive_personal"}


def languages(language: str) -> list[str]:
    """The parts of a copy's language ("cy+en" -> ["cy", "en"]) that have tables."""
    return [p for p in language.split("+") if p in PHRASES] or ["en"]


def joined(texts: list[str]) -> str:
    """Texts in each language, first language first, each distinct text once: "Enw / Name"."""
    return " / ".join(dict.fromkeys(texts))


def licence_name(values: dict[str, object], lang: str) -> dict[str, object]:
    """A `licence` value as the language names it (the Open Government Licence in Welsh)."""
    text = values.get("licence")
    if not isinstance(text, str):
        return {}
    for english, name in LICENCE_NAMES.get(lang, {}).items():
        text = text.replace(english, name)
    return {"licence": text}


def placeholder(key: str, language: str = "en", **values: object) -> str:
    """A Word answer box's placeholder in the copy's language(s)."""
    return joined([PLACEHOLDER_TABLES[p][key].format(**values) for p in languages(language)])


def phrase_in(key: str, language: str, **values: object) -> str:
    """One phrase in the given language(s), without a spec (e.g. "name" for a caption)."""
    return joined([PHRASES[p][key].format(**values) for p in languages(language)])


# What a person keys from a handwritten answer of each slot kind (the scan review), in the
# words every form uses for it; any other kind is keyed as text.
KEY_AS: dict[str, str] = {"date": "expect_date", "integer": "whole_number", "decimal": "number",
                          "time": "time_expected"}


def key_as(kind: str) -> str:
    """How to key a handwritten answer of slot kind `kind`: "a date (dd/mm/yyyy)"."""
    key = KEY_AS.get(kind)
    return EN[key].format(date_format=EN["date_format"]) if key else "text as written"


def show_date(day: dt.date) -> str:
    """A date as every form and output shows it to a person: dd/mm/yyyy."""
    return day.strftime(DATE_SHOWN)


def paragraphs(text: str | None) -> tuple[str, ...]:
    """Text as printed paragraphs: one per non-empty line, blank lines dropped."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class Wording:
    """The phrases of one copy of a form, in the language(s) it is printed in."""

    def __init__(self, spec: FormSpec) -> None:
        self.spec = spec
        self.langs = languages(spec.language)
        self.tables = [PHRASES[p] for p in self.langs]
        self.numbers = question_numbers(spec)

    def phrase(self, key: str, **values: object) -> str:
        """One phrase, filled in; a bilingual copy joins distinct texts with " / ". A licence
        is named in each language ("Trwydded Llywodraeth Agored")."""
        return joined([t[key].format(**{**values, **licence_name(values, lang)})
                       for lang, t in zip(self.langs, self.tables, strict=True)])

    # --- a question -------------------------------------------------------------------

    def number(self, f: Answerable) -> str:
        """A question's printed number ("Q12", "Q17.1"), the same in every format; a
        bilingual copy numbers in its first language only ("C12"): one number, one question."""
        return self.tables[0]["question"].format(n=self.numbers[f.id])

    def each(self, build: Callable[[Callable[..., str]], str]) -> str:
        """A text composed of several phrases, built in each language of the copy and joined
        (a bilingual copy: "rhif cyfan o 0 i 10 / a whole number from 0 to 10"): `build` gets
        a phrase function of one language."""
        return joined([build(lambda key, t=t, **kw: t[key].format(**kw)) for t in self.tables])

    def required(self) -> str:
        return self.phrase("required")

    def heading(self, f: Answerable, *, marker: bool = True) -> str:
        """The question line: number, label and, when it must be answered, the marker."""
        text = f"{self.number(f)} {squeeze(f.label)}"
        return f"{text} {self.required()}" if marker and f.required else text

    def answer_if(self, f: Answerable) -> str:
        """The relevance rule in words ("Answer if “Welfare issue raised” is “Yes”."), or ""."""
        rule = self.spec.relevance(f)
        if rule is None:
            return ""
        return joined([t["answer_if"].format(rule=self.spec.describe(rule, t))
                       for t in self.tables])

    def tick_rule(self, f: Answerable) -> str:
        """How many boxes a choice question takes: "Tick one." for a single choice (radio
        buttons, a drop-down or tick boxes on paper), a select-many question's limits, or ""
        for any other question. Every format prints it with the hints."""
        if not isinstance(f, SelectManyField):
            return self.tick_one(f)
        lo, hi = f.min_selected, f.max_selected
        if lo and hi:
            return self.phrase("tick_exactly" if lo == hi else "tick_between", lo=lo, hi=hi)
        if lo:
            return self.phrase("tick_at_least", lo=lo)
        if hi:
            return self.phrase("tick_up_to", hi=hi)
        return self.phrase("tick_all")

    def tick_one(self, f: Answerable) -> str:
        """"Tick one." for a question answered by one tick box on paper, else ""."""
        one = SelectOneField | RatingField | YesNoField | YesNoNAField
        return self.phrase("tick_one") if isinstance(f, one) else ""

    def scale(self, f: Answerable) -> str:
        """A rating's scale: its title and, where the spec gives one, its description."""
        if not isinstance(f, RatingField):
            return ""
        scale = self.spec.scales[f.scale]
        text = self.phrase("scale", title=squeeze(scale.title))
        return f"{text} {squeeze(scale.description)}" if scale.description else text

    def hints(self, f: Answerable) -> tuple[str, ...]:
        """The lines printed under a question's label, in order: the spec's hint, the
        scale, "Answer if …", the tick rule ("Tick one.", "Tick at least 2.") and who signs.
        Every format prints all of them."""
        lines = [squeeze(f.hint or ""), self.scale(f), self.answer_if(f), self.tick_rule(f)]
        if isinstance(f, SignoffField) and f.role:
            lines.append(self.phrase("signed_by", role=squeeze(f.role)))
        return tuple(line for line in lines if line)

    def hint_kinds(self, f: Answerable) -> tuple[tuple[str, str], ...]:
        """`hints` with what each is: ("answer-if", text) for the routing, else ("hint", …)."""
        rule = self.answer_if(f)
        return tuple(("answer-if" if text == rule else "hint", text) for text in self.hints(f))

    def guidance(self, f: Answerable) -> tuple[str, ...]:
        """The help text (guidance) a spec gives a question, as paragraphs."""
        return paragraphs(f.help)

    def table_rows(self, max_rows: int, min_rows: int) -> str:
        if min_rows:
            return self.phrase("table_rows_min", rows=max_rows, min=min_rows)
        return self.phrase("table_rows", rows=max_rows)

    # --- the page ---------------------------------------------------------------------

    def instructions(self, key: str) -> str:
        """How to fill the form in ("instructions_docx"), a paragraph per language, each with
        its own required marker and date pattern."""
        return "\n\n".join(dict.fromkeys(
            t[key].format(required=t["required"], date_format=t["date_format"])
            for t in self.tables))

    def marking(self) -> str:
        """The protective marking as printed: "SWYDDOGOL-SENSITIF / OFFICIAL-SENSITIVE"."""
        return self.phrase(MARKING_KEYS[self.spec.protective_marking])

    def form_version(self) -> str:
        return self.phrase("form_version", form_id=self.spec.id, version=self.spec.version)

    def page(self, page: object, pages: object) -> str:
        """"Page x of y" with the given markers for x and y (a number or a field code)."""
        return self.phrase("page", page=page, pages=pages)

    def page_parts(self) -> tuple[str, str, str]:
        """"Page x of y" as the texts before x, between x and y, and after y, in the first
        language (for page counters a renderer fills in: CSS, Excel's &P and &N)."""
        text = self.tables[0]["page"]
        before, rest = text.split("{page}", 1)
        middle, after = rest.split("{pages}", 1)
        return before, middle, after

    def source(self) -> str:
        """The source line: "Source: title, authors, date."."""
        src = self.spec.source
        return self.phrase("source", source=", ".join(
            squeeze(p) for p in (src.title, src.authors, src.date) if p))

    def attribution(self) -> str:
        """The licence attribution every page or footer carries, with the licence URL; ""
        when the source states no licence."""
        return attribution(self.spec.source, self)

    def licence_short(self) -> str:
        src = self.spec.source
        if not src.licence:
            return ""
        return self.phrase("licence_short", licence=src.licence, title=squeeze(src.title))


def attribution(src: Source, words: Wording | None = None) -> str:
    """The one attribution text of a source with a licence (else "")."""
    if not src.licence:
        return ""
    phrase = words.phrase if words is not None else (
        lambda key, **kw: EN[key].format(**kw))
    if src.attribution:
        text = squeeze(src.attribution)
    else:
        text = phrase("adapted_from", title=squeeze(src.title)) + "".join(
            f", {squeeze(p)}" for p in (src.authors, src.date) if p) + "."
    if src.licence not in text:
        text = f"{text} {phrase('licence', licence=src.licence)}"
    if src.url and src.url not in text:
        text = f"{text} {src.url}"
    return text


def question_name(number: str, label: str) -> str:
    """A question as collated outputs name it, in English: "Q12 Live risk identified"."""
    return f"{EN['question'].format(n=number)} {squeeze(label)}"


def identity_line(form_id: object, version: object, instance_id: object) -> str:
    return IDENTITY_LINE.format(form_id=form_id, version=version, instance_id=instance_id)
