"""A form compiled once: what reading, assembling and checking its returns needs of its spec.

Why: collation reads thousands of returns of a few forms. A form's answer slots, each slot's
decoder, how the slots nest into record values, its parsed relevance rules and how each answer
is checked depend on the spec alone, so they are worked out once, when the spec is compiled
(the catalog holds one `CompiledSpec` per form version), and the compiled form is passed to
whatever reads or validates. Nothing is cached behind a spec's back: no module-level cache
keyed by the spec object, no memo on the frozen model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from ..answers import values
from ..answers.checks import FieldCheck, field_check
from ..answers.slots import Slot, field_slots
from . import expr
from .model import Answerable, FormSpec, TableField

T = TypeVar("T")

# A slot as a record is assembled from it: its key, its decoder, the value it takes when
# empty, missing or unreadable (what the codec makes of nothing), and the slot itself.
Box = tuple[str, values.Decoder, Any, Slot]
# How one field's slots nest into its record value, per field in form order: (field id, how:
# one / table / signoff / many, its boxes: one box; rows of (column ids, boxes); name and date
# boxes; a box per choice).
Nesting = tuple[str, str, Any]


@dataclass(frozen=True, eq=False)
class CompiledSpec:
    """A spec with everything a reader and the validator need of it worked out."""

    spec: FormSpec
    slots: tuple[Slot, ...]
    slot_map: Mapping[str, Slot]
    boxes: Mapping[str, Box]
    nesting: tuple[Nesting, ...]
    rules: Mapping[str, expr.Expr]  # field id -> its parsed relevance rule
    checks: tuple[FieldCheck, ...]
    known: frozenset[str]  # the ids of the fields that take an answer
    fingerprint: str
    _derived: dict[Callable[[CompiledSpec], Any], Any] = field(
        default_factory=dict, repr=False
    )

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def version(self) -> str:
        return self.spec.version

    def decode(self, key: str, raw: Any) -> Any:
        """The canonical value of raw content in slot `key` (`values.decode`, its decoder
        made once)."""
        return self.boxes[key][1](raw)

    def derived(self, build: Callable[[CompiledSpec], T]) -> T:
        """What a format works out of this form alone (e.g. the Word reader's placeholder
        texts, the Excel reader's cell tags), built by `build` on first use and kept with the
        compiled form, so it lives exactly as long as the form does.

        Why here: `compiled` sits below the formats and cannot build their tags itself."""
        try:
            return cast(T, self._derived[build])
        except KeyError:
            made = self._derived[build] = build(self)
            return made


def compile_spec(spec: FormSpec) -> CompiledSpec:
    """Work out once what reading and checking returns of `spec` needs."""
    slots = tuple(s for f in spec.answerable() for s in field_slots(spec, f))
    boxes: dict[str, Box] = {}
    for s in slots:
        decode = values.decoder(s)
        boxes[s.key] = (s.key, decode, decode(None), s)
    parsed: dict[str, expr.Expr] = {}  # by rule text: a rule shared by fields is one object
    rules: dict[str, expr.Expr] = {}
    nesting: list[Nesting] = []
    checks: list[FieldCheck] = []
    for f in spec.answerable():
        if f.relevant:
            rule = parsed.get(f.relevant)
            if rule is None:
                rule = parsed[f.relevant] = expr.parse(f.relevant)
            rules[f.id] = rule
        checks.append(field_check(spec, f, rules.get(f.id)))
        nesting.append(_nesting(spec, f, boxes))
    return CompiledSpec(
        spec=spec,
        slots=slots,
        slot_map={s.key: s for s in slots},
        boxes=boxes,
        nesting=tuple(nesting),
        rules=rules,
        checks=tuple(checks),
        known=frozenset(c[0] for c in checks),
        fingerprint=slot_fingerprint(spec, slots),
    )


def _nesting(spec: FormSpec, f: Answerable, box: Mapping[str, Box]) -> Nesting:
    return (f.id, f.shape, _SHAPE_BOXES[f.shape](spec, f, box))


def _table_boxes(spec: FormSpec, f: TableField, box: Mapping[str, Box]) -> Any:
    ids = tuple(c.id for c in f.columns)
    return tuple((ids, tuple(box[f"{f.id}.{r}.{c}"] for c in ids))
                 for r in range(1, f.max_rows + 1))


# a field's boxes as its record value nests them, by its shape (see `Nesting`)
_SHAPE_BOXES: dict[str, Callable[[FormSpec, Any, Mapping[str, Box]], Any]] = {
    "one": lambda spec, f, box: (box[f.id],),
    "table": _table_boxes,
    "signoff": lambda spec, f, box: (box[f"{f.id}.name"], box[f"{f.id}.date"]),
    "many": lambda spec, f, box: tuple(box[f"{f.id}.{c.code}"] for c in spec.options(f)),
}


def slot_fingerprint(spec: FormSpec, slots: Iterable[Slot]) -> str:
    """A short fingerprint of a form version's answer slots (its id, version and every slot
    key with its kind).

    Why: a return's identity is three properties anyone can edit. Written at generation
    beside them, the fingerprint lets a reader tell a file relabelled as another form or
    version (an rp1 file whose form id was changed to rp2) from the form it claims to be,
    before any answer lands in the wrong columns."""
    text = "\n".join([spec.id, spec.version, *sorted(f"{s.key}:{s.kind}" for s in slots)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def compiled(form: FormSpec | CompiledSpec) -> CompiledSpec:
    """`form` compiled: as given when it already is, else compiled now (not kept)."""
    return form if isinstance(form, CompiledSpec) else compile_spec(form)


def spec_of(form: FormSpec | CompiledSpec) -> FormSpec:
    return form.spec if isinstance(form, CompiledSpec) else form
