"""A form's answer boxes: every place a person types, picks or ticks one atomic answer.

Why: formats never walk the spec's nesting themselves. A field becomes one or more slots
(a table one per row and column, a sign-off its name and date, a select-many one tick box per
option), each with a stable key such as `actions.2.owner`. Writers draw one control, cell or
PDF field per slot; readers return the raw content per key; `records` turns those back into
nested values through the one codec.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec import (
    Answerable,
    Choice,
    Column,
    DateField,
    DecimalField,
    FormSpec,
    IntegerField,
    LongTextField,
    RatingField,
    SelectManyField,
    SignoffField,
    TableField,
    TextField,
)
from .wording import phrase_in

KINDS = ("text", "long_text", "integer", "decimal", "date", "choice", "rating", "flag")


@dataclass(frozen=True)
class Slot:
    """One atomic answer box.

    `kind` is what the codec reads and writes: text, long_text, integer, decimal, date,
    choice (a code), rating (an int), or flag (one tick box of a select-many field).
    """

    key: str
    field: Answerable
    kind: str
    label: str
    options: tuple[Choice, ...] = ()
    column: Column | None = None
    row: int | None = None
    part: str | None = None

    @property
    def spec_field(self) -> Answerable | Column:
        """The field or table column whose settings (hint, limits) apply to this slot."""
        return self.column if self.column is not None else self.field


def kind_of(spec: FormSpec, f: Answerable | Column) -> str:
    if isinstance(f, TextField):
        return "text"
    if isinstance(f, LongTextField):
        return "long_text"
    if isinstance(f, IntegerField):
        return "integer"
    if isinstance(f, DecimalField):
        return "decimal"
    if isinstance(f, DateField):
        return "date"
    if isinstance(f, RatingField):
        return "rating"
    if isinstance(f, SelectManyField | TableField | SignoffField):
        raise TypeError(f"{f.id} is not atomic")
    return "choice"


def field_slots(spec: FormSpec, f: Answerable) -> list[Slot]:
    """The slots of one field, in reading order."""
    first = spec.language.split("+")[0]  # the labels are bilingual already: one wording
    if isinstance(f, TableField):
        out: list[Slot] = []
        for row in range(1, f.max_rows + 1):
            for col in f.columns:
                kind = kind_of(spec, col)
                opts = spec.options(col) if kind in ("choice", "rating") else ()
                out.append(
                    Slot(
                        key=f"{f.id}.{row}.{col.id}",
                        field=f,
                        kind=kind,
                        label=phrase_in("slot_row", first, label=f.label, row=row,
                                        column=col.label),
                        options=opts,
                        column=col,
                        row=row,
                        part=col.id,
                    )
                )
        return out
    if isinstance(f, SignoffField):
        return [
            Slot(key=f"{f.id}.{part}", field=f, kind=kind, part=part,
                 label=phrase_in(f"slot_{part}", first, label=f.label))
            for part, kind in (("name", "text"), ("date", "date"))
        ]
    if isinstance(f, SelectManyField):
        return [
            Slot(
                key=f"{f.id}.{c.code}",
                field=f,
                kind="flag",
                label=f"{f.label}: {c.label}",
                options=(c,),
                part=c.code,
            )
            for c in spec.options(f)
        ]
    kind = kind_of(spec, f)
    opts = spec.options(f) if kind in ("choice", "rating") else ()
    return [Slot(key=f.id, field=f, kind=kind, label=f.label, options=opts)]


def slots(spec: FormSpec) -> tuple[Slot, ...]:
    """Every slot of a form, in form order (worked out on each call: a reader takes them from
    its `CompiledSpec`, worked out once)."""
    return tuple(s for f in spec.answerable() for s in field_slots(spec, f))


def slot_map(spec: FormSpec) -> dict[str, Slot]:
    return {s.key: s for s in slots(spec)}
