"""The one model of a form: pydantic classes a YAML spec is validated into.

Every format, the validator and the collation read a form only through these classes: the
form, its sections and how its returns are collated here, the field classes in `spec_fields`
(re-exported, so `from bluestone_forms.spec.model import TextField` works). Models forbid unknown
keys, so a typo in a spec is an error rather than a silently ignored setting.
Cross-references (choice lists, scales, relevance, duplicate ids) are checked by
`spec_checks.check_references`, which reports each problem with its path so the loader can name
the line. What reading a return needs worked out of a spec is in `compiled`, built once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from . import expr
from .fields import ANSWER_WORDS as ANSWER_WORDS
from .fields import COLUMN_TYPES as COLUMN_TYPES
from .fields import FIELD_TYPES as FIELD_TYPES
from .fields import LANGUAGE_TAGS as LANGUAGE_TAGS
from .fields import YES_NO as YES_NO
from .fields import YES_NO_NA as YES_NO_NA
from .fields import Answerable as Answerable
from .fields import AnyField as AnyField
from .fields import Bound as Bound
from .fields import Choice as Choice
from .fields import Code as Code
from .fields import Column as Column
from .fields import ColumnField as ColumnField
from .fields import DateField as DateField
from .fields import DecimalField as DecimalField
from .fields import FieldPath as FieldPath
from .fields import Ident as Ident
from .fields import IntegerField as IntegerField
from .fields import LongTextField as LongTextField
from .fields import Model as Model
from .fields import NonEmpty as NonEmpty
from .fields import NoteField as NoteField
from .fields import Path as Path
from .fields import RatingField as RatingField
from .fields import Scale as Scale
from .fields import ScalePoint as ScalePoint
from .fields import SelectManyField as SelectManyField
from .fields import SelectOneField as SelectOneField
from .fields import SignoffField as SignoffField
from .fields import TableField as TableField
from .fields import TextField as TextField
from .fields import YesNoField as YesNoField
from .fields import YesNoNAField as YesNoNAField
from .fields import answer_choices


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


class Section(Model):
    id: Ident
    title: NonEmpty
    number: int | None = Field(
        default=None, ge=1, le=999,
        description="The section's own number (criterion 17): its questions are numbered "
                    "17.1, 17.2 … in every format; without it they count on 1, 2, 3 …")
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

    def options(self, f: Answerable | Column) -> tuple[Choice, ...]:
        """The choices a field offers, in order (a rating's codes are its point values).

        Worked out on each call: a reader takes them from its `CompiledSpec`'s slots."""
        if f.answers:  # yes / no (/ not applicable), in the copy's language
            fixed = {2: YES_NO, 3: YES_NO_NA}[len(f.answers)]
            return fixed if self.language == "en" else answer_choices(f.answers, self.language)
        choices, scale = getattr(f, "choices", None), getattr(f, "scale", None)
        if choices is not None:
            return tuple(self.choice_lists[choices])
        if scale is not None:
            return tuple(
                Choice(code=str(p.value), label=p.label, aliases=p.aliases)
                for p in self.scales[scale].points
            )
        raise TypeError(f"{f.id} has no choices")

    def describe(self, rule: expr.Expr,
                 words: Mapping[str, str] = expr.RULE_WORDS) -> str:
        """A rule in words, with this form's labels: "“Welfare raised” is “Yes”" (in the
        language of `words`, a wording table)."""

        def label(fid: str) -> str:
            try:
                return self.field(fid).label
            except KeyError:
                return fid

        def choice(fid: str, code: str) -> str:
            try:
                for c in self.options(self.field(fid)):
                    if c.code == code:
                        return c.label
            except (KeyError, TypeError):
                pass
            return code

        return expr.describe(rule, label, choice, words)

    def relevance(self, f: Answerable) -> expr.Expr | None:
        """The parsed relevance rule of a field (parsed on each call: a reader takes the rules
        from its `CompiledSpec`, parsed once)."""
        rule = getattr(f, "relevant", None)
        return expr.parse(rule) if rule else None
