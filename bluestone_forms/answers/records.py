"""Records: one completed form's values, and the bridge between values and slots.

`flatten` turns a record's nested values into slot texts for a writer or filler; `assemble`
turns the raw content a reader found per slot back into nested values, through the one codec,
with an Issue for every slot that is missing or holds what its kind cannot be.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Issue
from ..spec.compiled import Box, CompiledSpec, compiled, spec_of
from ..spec.kinds import KINDS
from ..spec.model import FormSpec, TableField
from . import values
from .slots import Slot, slots

Form = FormSpec | CompiledSpec  # a compiled form saves working its slots out again


def new_instance_id() -> str:
    return str(uuid.uuid4())


@dataclass
class Record:
    """The answers of one return of one form version.

    values maps field id -> canonical value: scalars as the codec gives them; a select-many
    field a list of codes in choice order; a table a list of row dicts (only rows with an
    answer, in order); a sign-off {"name": ..., "date": ...} or None.
    """

    form_id: str
    version: str
    instance_id: str
    values: dict[str, Any]
    file: str | None = None
    sha256: str | None = None
    row: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "form_id": self.form_id,
            "version": self.version,
            "instance_id": self.instance_id,
            "file": self.file,
            "row": self.row,
            "values": values.iso(self.values),
        }


@dataclass
class ReadResult:
    """What a reader found in one file: its records (a register holds many) and issues."""

    file: str
    format: str
    records: list[Record]
    issues: list[Issue]


def empty_values(spec: FormSpec) -> dict[str, Any]:
    """A record's values with nothing answered."""
    return {f.id: [] if f.shape in LISTS else None for f in spec.answerable()}


LISTS = ("many", "table")  # the shapes whose value is a list (empty when nothing is answered)


def _slots(form: Form) -> tuple[Slot, ...]:
    return form.slots if isinstance(form, CompiledSpec) else slots(form)


def flatten(form: Form, vals: Mapping[str, Any]) -> dict[str, Any]:
    """Nested values -> canonical value per slot key (tables fill rows from the top).

    Every value is put into its slot, and a value with no slot is a ValueError, never dropped:
    a key that is no field's id, a table row beyond the table's last or a column it does not
    have, a sign-off part other than name and date, a select-many code that is not an option.
    """
    spec = spec_of(form)
    out: dict[str, Any] = {s.key: False if s.kind == "flag" else None for s in _slots(form)}
    fields = {f.id: f for f in spec.answerable()}

    def put(key: str, value: Any) -> None:
        if key not in out:
            raise ValueError(f"form {spec.id} has no place for {key!r}")
        out[key] = value

    for fid, v in vals.items():
        f = fields.get(fid)
        if f is None:
            raise ValueError(f"form {spec.id} has no place for {fid!r}")
        if f.shape == "table":
            for r, row in enumerate(v or [], start=1):
                for cid, cell in dict(row).items():
                    put(f"{fid}.{r}.{cid}", cell)
        elif f.shape == "signoff":
            for part, x in dict(v or {}).items():
                put(f"{fid}.{part}", x)
        elif f.shape == "many":
            for code in v or []:
                put(f"{fid}.{code}", True)
        else:
            put(fid, v)
    return out


def texts(form: Form, vals: Mapping[str, Any]) -> dict[str, str]:
    """Nested values -> the text each slot shows, through the codec."""
    by_key = {s.key: s for s in _slots(form)}
    return {k: values.encode(by_key[k], v) for k, v in flatten(form, vals).items()}


def assemble(
    form: Form,
    raw: Mapping[str, Any],
    where: Mapping[str, str] | None = None,
    file: str | None = None,
    row: int | None = None,
) -> tuple[dict[str, Any], list[Issue]]:
    """Raw content per slot key -> nested values and the issues met on the way.

    A slot absent from `raw` is reported (a deleted control or cell), never guessed.
    Pass a `CompiledSpec` when assembling many returns of one form.
    """
    where = where or {}
    issues: list[Issue] = []

    def take(box: Box) -> Any:
        key, decode, nothing, s = box
        got = raw.get(key, _ABSENT)
        if got is None:  # an empty box: what the codec makes of nothing
            return nothing
        if got is _ABSENT:
            issues.append(_issue(s, "the answer box for this question is missing", None, where,
                                 file, row))
            return nothing
        try:
            return decode(got)
        except values.CodecError as exc:
            issues.append(_issue(s, str(exc), got, where, file, row))
            return nothing

    return _nested(compiled(form), take), issues


def nest(form: Form, decoded: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical value per slot key -> nested record values."""
    get = decoded.get
    return _nested(compiled(form), lambda box: get(box[0]))


def _nested(form: CompiledSpec, value_of: Callable[[Box], Any]) -> dict[str, Any]:
    """Record values, each slot's canonical value given by `value_of` (called once per slot,
    in slot order): a table keeps the rows with an answer, a sign-off is None when empty, a
    select-many lists its ticked codes in choice order."""
    out: dict[str, Any] = {}
    for fid, how, boxes in form.nesting:
        if how == "one":
            out[fid] = value_of(boxes[0])
        elif how == "table":
            rows: list[dict[str, Any]] = []
            for ids, cells in boxes:
                got = [value_of(box) for box in cells]
                if got.count(None) != len(got):
                    rows.append(dict(zip(ids, got, strict=True)))
            out[fid] = rows
        elif how == "signoff":
            name, date = value_of(boxes[0]), value_of(boxes[1])
            out[fid] = None if name is None and date is None else {"name": name, "date": date}
        else:
            out[fid] = [box[3].part for box in boxes if value_of(box)]
    return out


_ABSENT = object()


def _issue(
    s: Slot,
    message: str,
    raw: Any,
    where: Mapping[str, str],
    file: str | None,
    row: int | None,
) -> Issue:
    shown = None if raw is None else _show(raw)
    return Issue(
        field=s.key,
        message=f"{s.label}: {message}",
        value=shown,
        where=where.get(s.key),
        file=file,
        row=row,
    )


def _show(raw: Any) -> str:
    if isinstance(raw, dt.datetime):
        return raw.isoformat(sep=" ")
    text = str(raw)
    return text if len(text) <= 200 else text[:200] + "…"


def from_json(spec: FormSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    """Values stored as JSON (`values.iso`) -> canonical values again (dates, decimals)."""

    def atomic(kind: str, v: Any) -> Any:
        return None if v is None else KINDS[kind].from_json(v)

    out = empty_values(spec)
    for f in spec.answerable():
        v = data.get(f.id)
        if v is None:
            continue
        if isinstance(f, TableField):
            kinds = {c.id: c.kind for c in f.columns}
            out[f.id] = [{k: atomic(kinds.get(k, "text"), x) for k, x in row.items()} for row in v]
        elif f.shape == "signoff":
            out[f.id] = {"name": v.get("name"), "date": atomic("date", v.get("date"))}
        elif f.shape == "many":
            out[f.id] = list(v)
        else:
            out[f.id] = atomic(f.kind, v)
    return out
