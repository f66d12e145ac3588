"""A form's answer boxes: every place a person types, picks or ticks one atomic answer.

Why: formats never walk the spec's nesting themselves. A field becomes one or more slots
(a table one per row and column, a sign-off its name and date, a select-many one tick box per
option), each with a stable key such as `actions.2.owner`. Writers draw one control, cell or
PDF field per slot; readers return the raw content per key; `records` turns those back into
nested values through the one codec.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..spec.kinds import KINDS
from ..spec.model import (
    Answerable,
    Choice,
    Column,
    FormSpec,
    SelectManyField,
    SignoffField,
    TableField,
)
from ..spec.wording import phrase_in


@dataclass(frozen=True)
class Slot:
    """One atomic answer box.

    `kind` is what the codec reads and writes, an entry of `kinds.KINDS` (e.g. text, date,
    choice: a code, rating: an int, flag: one tick box of a select-many field).
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
    """The slot kind of a one-value field or table column (its class says it)."""
    if not f.kind:
        raise TypeError(f"{f.id} is not atomic")
    return f.kind


def _options(spec: FormSpec, f: Answerable | Column, kind: str) -> tuple[Choice, ...]:
    return spec.options(f) if KINDS[kind].options else ()


def _first(spec: FormSpec) -> str:
    """The language of a copy's own words in slot labels (labels are bilingual already)."""
    return spec.language.split("+")[0]


def _table_slots(spec: FormSpec, f: TableField) -> list[Slot]:
    """A slot per row and column."""
    out: list[Slot] = []
    for row in range(1, f.max_rows + 1):
        for col in f.columns:
            kind = kind_of(spec, col)
            out.append(Slot(key=f"{f.id}.{row}.{col.id}", field=f, kind=kind,
                            label=phrase_in("slot_row", _first(spec), label=f.label, row=row,
                                            column=col.label),
                            options=_options(spec, col, kind), column=col, row=row,
                            part=col.id))
    return out


def _signoff_slots(spec: FormSpec, f: SignoffField) -> list[Slot]:
    """A name and a date."""
    return [
        Slot(key=f"{f.id}.{part}", field=f, kind=kind, part=part,
             label=phrase_in(f"slot_{part}", _first(spec), label=f.label))
        for part, kind in (("name", "text"), ("date", "date"))
    ]


def _many_slots(spec: FormSpec, f: SelectManyField) -> list[Slot]:
    """A tick box per option."""
    return [Slot(key=f"{f.id}.{c.code}", field=f, kind="flag", label=f"{f.label}: {c.label}",
                 options=(c,), part=c.code) for c in spec.options(f)]


def _one_slot(spec: FormSpec, f: Answerable) -> list[Slot]:
    kind = kind_of(spec, f)
    return [Slot(key=f.id, field=f, kind=kind, label=f.label, options=_options(spec, f, kind))]


# the slots of a field, by its shape (`spec_fields._FieldBase.shape`)
SHAPE_SLOTS: dict[str, Callable[[FormSpec, Any], list[Slot]]] = {
    "one": _one_slot, "table": _table_slots, "signoff": _signoff_slots, "many": _many_slots}


def field_slots(spec: FormSpec, f: Answerable) -> list[Slot]:
    """The slots of one field, in reading order."""
    return SHAPE_SLOTS[f.shape](spec, f)


def slots(spec: FormSpec) -> tuple[Slot, ...]:
    """Every slot of a form, in form order (worked out on each call: a reader takes them from
    its `CompiledSpec`, worked out once)."""
    return tuple(s for f in spec.answerable() for s in field_slots(spec, f))


def slot_map(spec: FormSpec) -> dict[str, Slot]:
    return {s.key: s for s in slots(spec)}
