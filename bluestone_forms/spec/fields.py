"""The fields of a form: one pydantic class per field type, and the choices they offer.

Part of the one model of a form (`spec.FormSpec` holds sections of these fields). Models forbid
unknown keys, so a typo in a spec is an error rather than a silently ignored setting.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

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


class _FieldBase(Model):
    """What every answerable field has. A field type says once how it takes its answer:

    `shape` is how its answer boxes nest into its value ("one" value, a "table" of rows, a
    "signoff" of name and date, "many" ticked choices); `kind` is the slot kind (an entry
    of `kinds.KINDS`) of a one-value field or a table column: its codec, checks and display.
    """

    shape: ClassVar[str] = "one"
    kind: ClassVar[str] = ""
    answers: ClassVar[tuple[str, ...]] = ()  # the built-in answers' codes (yes/no questions)
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
    kind = "text"
    type: Literal["text"]
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    pattern: str | None = None


class LongTextField(_FieldBase):
    kind = "long_text"
    type: Literal["long_text"]
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    lines: int = Field(default=4, ge=1, le=40, description="Writing lines on paper.")


class IntegerField(_FieldBase):
    kind = "integer"
    type: Literal["integer"]
    min: int | None = None
    max: int | None = None


class DecimalField(_FieldBase):
    kind = "decimal"
    type: Literal["decimal"]
    min: Bound | None = None
    max: Bound | None = None
    places: int | None = Field(default=None, ge=0, le=10)


class DateField(_FieldBase):
    kind = "date"
    type: Literal["date"]
    min: dt.date | None = None
    max: dt.date | None = None


class TimeField(_FieldBase):
    """A time of day on the 24-hour clock, written HH:MM (e.g. the time of first contact)."""

    kind = "time"
    type: Literal["time"]


class YesNoField(_FieldBase):
    kind = "choice"
    answers = ("yes", "no")
    type: Literal["yes_no"]


class YesNoNAField(_FieldBase):
    kind = "choice"
    answers = ("yes", "no", "na")
    type: Literal["yes_no_na"]


class SelectOneField(_FieldBase):
    kind = "choice"
    type: Literal["select_one"]
    choices: Ident


class SelectManyField(_FieldBase):
    shape = "many"
    type: Literal["select_many"]
    choices: Ident
    min_selected: int | None = Field(default=None, ge=0)
    max_selected: int | None = Field(default=None, ge=1)


class RatingField(_FieldBase):
    kind = "rating"
    type: Literal["rating"]
    scale: Ident


# The fields that take one typed or picked value.
_OneValue = (
    TextField
    | LongTextField
    | IntegerField
    | DecimalField
    | DateField
    | TimeField
    | YesNoField
    | YesNoNAField
    | SelectOneField
)
# A table column's field: a one-value kind, or a rating.
Column = _OneValue | RatingField
ColumnField = Annotated[Column, Field(discriminator="type")]


class TableField(_FieldBase):
    """A repeating table: rows of the column fields, between min_rows and max_rows."""

    shape = "table"
    type: Literal["table"]
    columns: list[ColumnField] = Field(min_length=1)
    min_rows: int = Field(default=0, ge=0)
    max_rows: int = Field(ge=1, le=200)


class SignoffField(_FieldBase):
    """A name-and-date sign-off, e.g. by the supervisor."""

    shape = "signoff"
    type: Literal["signoff"]
    role: str | None = None


class NoteField(Model):
    """Printed text with no answer."""

    shape: ClassVar[str] = "note"
    type: Literal["note"]
    id: Ident
    text: NonEmpty
    label: str | None = None


# A field of any kind that takes an answer (everything but a note).
Answerable = _OneValue | SelectManyField | RatingField | TableField | SignoffField
AnyField = Annotated[Answerable | NoteField, Field(discriminator="type")]


def _type_names(union: Any) -> tuple[str, ...]:
    return tuple(get_args(cls.model_fields["type"].annotation)[0] for cls in get_args(union))


FIELD_TYPES: tuple[str, ...] = _type_names(Answerable | NoteField)
COLUMN_TYPES: tuple[str, ...] = _type_names(Column)

# The language tags documents carry (screen readers choose a voice by them; spelling checks).
LANGUAGE_TAGS = {"en": "en-GB", "cy": "cy-GB"}

# The built-in answers of yes/no questions, in each language a spec may be printed in.
ANSWER_WORDS: dict[str, dict[str, str]] = {
    "en": {"yes": "Yes", "no": "No", "na": "Not applicable"},
    "cy": {"yes": "Ie", "no": "Na", "na": "Amherthnasol"},
}


def answer_choices(codes: tuple[str, ...], language: str) -> tuple[Choice, ...]:
    parts = [p for p in language.split("+") if p in ANSWER_WORDS] or ["en"]
    out = []
    for code in codes:
        label = " / ".join(ANSWER_WORDS[p][code] for p in parts)
        words = [w[code] for w in ANSWER_WORDS.values()]
        others = words + [f"{a} / {b}" for a in words for b in words if a != b]
        out.append(Choice(code=code, label=label,
                          aliases=[a for a in dict.fromkeys(others) if a != label]))
    return tuple(out)


YES_NO: tuple[Choice, ...] = answer_choices(("yes", "no"), "en")
YES_NO_NA: tuple[Choice, ...] = answer_choices(("yes", "no", "na"), "en")
