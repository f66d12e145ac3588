"""The one model of a form: pydantic classes a YAML spec is validated into.

Every format, the validator and the collation read a form only through these classes. Models
forbid unknown keys, so a typo in a spec is an error rather than a silently ignored setting.
Cross-references (choice lists, scales, relevance, duplicate ids) are checked by
`spec_checks.check_references`, which reports each problem with its path so the loader can name
the line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, WithJsonSchema

from . import expr

_NUM = r"^[+-]?(\d+\.?\d*|\.\d+)$"
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=64)]
NonEmpty = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]
FieldPath = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$")]
# A bound written in YAML as a number or a quoted number. Its JSON Schema is given here rather
# than left to pydantic, whose rendering of Decimal changes between releases.
Bound = Annotated[
    Decimal, WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string", "pattern": _NUM}]})
]

Path = tuple[str | int, ...]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(Model):
    """One option of a choice list: a stable code stored in data, a label people read."""

    code: Code
    label: NonEmpty
    aliases: list[str] = Field(
        default_factory=list,
        description="Other texts read back as this choice (e.g. its label in other languages).",
    )


class ScalePoint(Model):
    value: int
    label: NonEmpty
    aliases: list[str] = Field(default_factory=list)


class Scale(Model):
    """A rating scale: a stated point per value, each with its own label."""

    title: NonEmpty
    description: str | None = None
    points: list[ScalePoint] = Field(min_length=2)


class Source(Model):
    """The seed document a form comes from, and its licence where one is stated."""

    seed: NonEmpty
    title: NonEmpty
    authors: str | None = None
    date: str | None = None
    licence: str | None = None
    attribution: str | None = None
    url: str | None = None


class Classification(Model):
    """What kind of data a completed form holds, and which fields identify a person."""

    special_category: bool = False
    description: str | None = None
    identifying_fields: list[FieldPath] = Field(
        default_factory=list,
        description="Fields that identify a person or a case, for whoever shares the data "
        "(a table column as 'table.column'); collation changes nothing by this list.",
    )
    names: list[FieldPath] = Field(
        default_factory=list,
        description="Fields that name a person: collated outputs show a stable pseudonym "
        "instead unless names are asked for (--include-names). A sign-off's name is replaced, "
        "its date kept; a table column as 'table.column'.",
    )
    special_category_text: list[FieldPath] = Field(
        default_factory=list,
        description="Free text holding special-category data (e.g. health notes): withheld "
        "from the collated workbook and CSVs unless asked for (--include-special-category), "
        "and counted there only as given or not.",
    )


class _FieldBase(Model):
    id: Ident
    label: NonEmpty
    hint: str | None = None
    help: str | None = None
    required: bool = False
    message: str | None = Field(
        default=None, description="Shown when a constraint of this field is not met."
    )
    relevant: str | None = Field(
        default=None,
        description="Ask only if this expression holds, e.g. \"welfare_raised == 'yes'\".",
    )


class TextField(_FieldBase):
    type: Literal["text"]
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    pattern: str | None = None


class LongTextField(_FieldBase):
    type: Literal["long_text"]
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    lines: int = Field(default=4, ge=1, le=40, description="Writing lines on paper.")


class IntegerField(_FieldBase):
    type: Literal["integer"]
    min: int | None = None
    max: int | None = None


class DecimalField(_FieldBase):
    type: Literal["decimal"]
    min: Bound | None = None
    max: Bound | None = None
    places: int | None = Field(default=None, ge=0, le=10)


class DateField(_FieldBase):
    type: Literal["date"]
    min: dt.date | None = None
    max: dt.date | None = None


class YesNoField(_FieldBase):
    type: Literal["yes_no"]


class YesNoNAField(_FieldBase):
    type: Literal["yes_no_na"]


class SelectOneField(_FieldBase):
    type: Literal["select_one"]
    choices: Ident


class SelectManyField(_FieldBase):
    type: Literal["select_many"]
    choices: Ident
    min_selected: int | None = Field(default=None, ge=0)
    max_selected: int | None = Field(default=None, ge=1)


class RatingField(_FieldBase):
    type: Literal["rating"]
    scale: Ident


ColumnField = Annotated[
    TextField
    | LongTextField
    | IntegerField
    | DecimalField
    | DateField
    | YesNoField
    | YesNoNAField
    | SelectOneField
    | RatingField,
    Field(discriminator="type"),
]


class TableField(_FieldBase):
    """A repeating table: rows of the column fields, between min_rows and max_rows."""

    type: Literal["table"]
    columns: list[ColumnField] = Field(min_length=1)
    min_rows: int = Field(default=0, ge=0)
    max_rows: int = Field(ge=1, le=200)


class SignoffField(_FieldBase):
    """A name-and-date sign-off, e.g. by the supervisor."""

    type: Literal["signoff"]
    role: str | None = None


class NoteField(Model):
    """Printed text with no answer."""

    type: Literal["note"]
    id: Ident
    text: NonEmpty
    label: str | None = None


AnyField = Annotated[
    TextField
    | LongTextField
    | IntegerField
    | DecimalField
    | DateField
    | YesNoField
    | YesNoNAField
    | SelectOneField
    | SelectManyField
    | RatingField
    | TableField
    | SignoffField
    | NoteField,
    Field(discriminator="type"),
]

FIELD_TYPES: tuple[str, ...] = (
    "text",
    "long_text",
    "integer",
    "decimal",
    "date",
    "yes_no",
    "yes_no_na",
    "select_one",
    "select_many",
    "rating",
    "table",
    "signoff",
    "note",
)
COLUMN_TYPES: tuple[str, ...] = (*FIELD_TYPES[:8], "rating")

# A field of any kind that takes an answer (everything but a note).
Answerable = (
    TextField
    | LongTextField
    | IntegerField
    | DecimalField
    | DateField
    | YesNoField
    | YesNoNAField
    | SelectOneField
    | SelectManyField
    | RatingField
    | TableField
    | SignoffField
)
Column = (
    TextField
    | LongTextField
    | IntegerField
    | DecimalField
    | DateField
    | YesNoField
    | YesNoNAField
    | SelectOneField
    | RatingField
)

# The language tags documents carry (screen readers choose a voice by them; spelling checks).
LANGUAGE_TAGS = {"en": "en-GB", "cy": "cy-GB"}

# The built-in answers of yes/no questions, in each language a spec may be printed in.
ANSWER_WORDS: dict[str, dict[str, str]] = {
    "en": {"yes": "Yes", "no": "No", "na": "Not applicable"},
    "cy": {"yes": "Ie", "no": "Na", "na": "Amherthnasol"},
}


def _answers(codes: tuple[str, ...], language: str) -> tuple[Choice, ...]:
    parts = [p for p in language.split("+") if p in ANSWER_WORDS] or ["en"]
    out = []
    for code in codes:
        label = " / ".join(ANSWER_WORDS[p][code] for p in parts)
        words = [w[code] for w in ANSWER_WORDS.values()]
        others = words + [f"{a} / {b}" for a in words for b in words if a != b]
        out.append(Choice(code=code, label=label,
                          aliases=[a for a in dict.fromkeys(others) if a != label]))
    return tuple(out)


YES_NO: tuple[Choice, ...] = _answers(("yes", "no"), "en")
YES_NO_NA: tuple[Choice, ...] = _answers(("yes", "no", "na"), "en")


class Section(Model):
    id: Ident
    title: NonEmpty
    intro: str | None = None
    fields: list[AnyField] = Field(min_length=1)


class Alert(Model):
    """Something collation must put first in the report, e.g. a live risk."""

    title: NonEmpty
    when: NonEmpty = Field(description="A rule in the relevance language.")
    show: list[Ident] = Field(default_factory=list, description="Fields shown with the alert.")


class FollowUp(Model):
    """A return someone should follow up, listed after the alerts (e.g. a welfare issue raised
    with no PausePoint referral recorded)."""

    title: NonEmpty
    when: NonEmpty = Field(description="A rule in the relevance language.")
    show: list[Ident] = Field(
        default_factory=list,
        description="Fields shown for each return (never a name or special-category text).",
    )


class Collation(Model):
    """How collated returns of this form are summarised."""

    force_field: Ident | None = Field(
        default=None, description="The field naming the force, to group returns by force."
    )
    key_fields: list[Ident] = Field(
        default_factory=list,
        description="Fields a reader finds a return by (e.g. force, crime reference): the "
        "first columns of the form's sheet, kept in view [default: the force field].",
    )
    alerts: list[Alert] = Field(default_factory=list)
    follow_ups: list[FollowUp] = Field(
        default_factory=list,
        description="Returns to follow up, listed beside the alerts in every output.",
    )
    counts: list[Ident] = Field(
        default_factory=list, description="Choice fields whose answers the report counts."
    )


class FormSpec(Model):
    """A whole form: identity, provenance, data classification, choice lists and sections."""

    id: Ident
    title: NonEmpty
    version: Annotated[str, StringConstraints(pattern=r"^\d+(\.\d+){0,2}$")]
    description: str | None = None
    languages: list[Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]] = Field(
        default_factory=lambda: ["en"],
        description="Languages the spec's texts are given in; a text may be {en: …, cy: …}.",
    )
    default_language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] = "en"
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(\+[a-z]{2})*$")] = Field(
        default="en", description="Set by the loader: the language(s) this copy is printed in."
    )
    source: Source
    protective_marking: Literal[
        "OFFICIAL", "OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE PERSONAL"
    ] = "OFFICIAL"
    classification: Classification = Field(default_factory=Classification)
    choice_lists: dict[Ident, list[Choice]] = Field(default_factory=dict)
    scales: dict[Ident, Scale] = Field(default_factory=dict)
    sections: list[Section] = Field(min_length=1)
    collation: Collation = Field(default_factory=Collation)

    def fields(self) -> Iterator[AnyField]:
        """Every field in form order, notes included."""
        for section in self.sections:
            yield from section.fields

    def language_tag(self) -> str:
        """The BCP 47 tag of the language this copy is printed in first ("cy-GB")."""
        first = self.language.split("+")[0]
        return LANGUAGE_TAGS.get(first, first)

    def answerable(self) -> Iterator[Answerable]:
        """Every field that takes an answer, in form order."""
        for f in self.fields():
            if not isinstance(f, NoteField):
                yield f

    def field(self, field_id: str) -> Answerable:
        for f in self.answerable():
            if f.id == field_id:
                return f
        raise KeyError(field_id)

    _memo: dict[tuple[str, str], Any] = PrivateAttr(default_factory=dict)

    def options(self, f: Column | SelectManyField) -> tuple[Choice, ...]:
        """The choices a field offers, in order (a rating's codes are its point values)."""
        key = ("options", f"{f.type}:{getattr(f, 'choices', '')}:{getattr(f, 'scale', '')}")
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._options(f)
        return hit

    def _options(self, f: Column | SelectManyField) -> tuple[Choice, ...]:
        if isinstance(f, YesNoField):
            return YES_NO if self.language == "en" else _answers(("yes", "no"), self.language)
        if isinstance(f, YesNoNAField):
            return YES_NO_NA if self.language == "en" else _answers(("yes", "no", "na"),
                                                                     self.language)
        if isinstance(f, SelectOneField | SelectManyField):
            return tuple(self.choice_lists[f.choices])
        if isinstance(f, RatingField):
            return tuple(
                Choice(code=str(p.value), label=p.label, aliases=p.aliases)
                for p in self.scales[f.scale].points
            )
        raise TypeError(f"{f.id} has no choices")

    def describe(self, rule: expr.Expr) -> str:
        """A rule in words, with this form's labels: "“Welfare raised” is “Yes”"."""

        def label(fid: str) -> str:
            try:
                return self.field(fid).label
            except KeyError:
                return fid

        def choice(fid: str, code: str) -> str:
            try:
                for c in self.options(self.field(fid)):  # type: ignore[arg-type]
                    if c.code == code:
                        return c.label
            except (KeyError, TypeError):
                pass
            return code

        return expr.describe(rule, label, choice)

    def relevance(self, f: Answerable) -> expr.Expr | None:
        """The parsed relevance rule of a field (parsed once per spec)."""
        rule = getattr(f, "relevant", None)
        if not rule:
            return None
        key = ("rule", rule)
        if key not in self._memo:
            self._memo[key] = expr.parse(rule)
        return self._memo[key]  # type: ignore[no-any-return]
