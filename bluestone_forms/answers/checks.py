"""How each field's answer is checked, worked out once per spec (see `compiled`).

`field_checker` turns a field into one function from an answered value to its problems
(path, message, the value shown), with what depends on the field alone (its limits, its
choice codes, a compiled pattern) worked out up front; `validate` runs them per record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..spec import expr
from ..spec.kinds import KINDS, Check, is_date
from ..spec.model import Answerable, Column, FormSpec, SelectManyField, SignoffField, TableField
from .slots import kind_of


def answered(v: Any) -> bool:
    return v is not None and v != [] and v != ""


Problems = list[tuple[str, str, Any]]


# How one field is checked, worked out once per spec: (field id, label, relevance rule,
# message when answered though not relevant, message when required and unanswered (empty
# when not required), the check of an answered value).
FieldCheck = tuple[str, str, expr.Expr | None, str, str, Callable[[Any], Problems]]


def field_check(spec: FormSpec, f: Answerable, rule: expr.Expr | None) -> FieldCheck:
    """How one field is checked, `rule` being its parsed relevance rule."""
    return (
        f.id,
        f.label,
        rule,
        "" if rule is None else
        f"{f.label}: answered, but this question applies only if {spec.describe(rule)}",
        f"{f.label}: an answer is required" if f.required else "",
        field_checker(spec, f),
    )


def field_checker(spec: FormSpec, f: Answerable) -> Callable[[Any], Problems]:
    """The problems of an answered field's value."""
    return _SHAPE_CHECKERS[f.shape](spec, f)


def _one_checker(spec: FormSpec, f: Answerable) -> Callable[[Any], Problems]:
    atomic = _atomic_checker(spec, f)
    fid = f.id

    def check(v: Any) -> Problems:
        wrong = atomic(v)
        return [(fid, m, v) for m in wrong] if wrong else []

    return check


def _signoff_checker(spec: FormSpec, f: SignoffField) -> Callable[[Any], Problems]:
    return lambda v: _check_signoff(f, v)


def _check_signoff(f: SignoffField, v: Any) -> Problems:
    if not isinstance(v, dict) or set(v) - {"name", "date"}:
        return [(f.id, "expected a name and a date", v)]
    out: Problems = []
    name, date = v.get("name"), v.get("date")
    if f.required and not answered(name):
        out.append((f"{f.id}.name", "a name is required", None))
    if f.required and date is None:
        out.append((f"{f.id}.date", "a date is required", None))
    if name is not None and not isinstance(name, str):
        out.append((f"{f.id}.name", "expected a name (text)", name))
    if date is not None and not is_date(date):
        out.append((f"{f.id}.date", "expected a date", date))
    return out


def _many_checker(spec: FormSpec, f: SelectManyField) -> Callable[[Any], Problems]:
    codes = [c.code for c in spec.options(f)]
    listed = ", ".join(codes)

    def check(v: Any) -> Problems:
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            return [(f.id, "expected a list of choice codes", v)]
        out = [(f.id, f"{x!r} is not one of {listed}", x) for x in v if x not in codes]
        if len(set(v)) != len(v):
            out.append((f.id, "a choice is ticked twice", v))
        if f.min_selected is not None and len(v) < f.min_selected:
            out.append((f.id, f"tick at least {f.min_selected}", v))
        if f.max_selected is not None and len(v) > f.max_selected:
            out.append((f.id, f"tick at most {f.max_selected}", v))
        return out

    return check


def _table_checker(spec: FormSpec, f: TableField) -> Callable[[Any], Problems]:
    cols = [(c.id, c.label, c.required, _atomic_checker(spec, c)) for c in f.columns]
    ids = {c.id for c in f.columns}

    def check(v: Any) -> Problems:
        if not isinstance(v, list) or not all(isinstance(r, dict) for r in v):
            return [(f.id, "expected a list of rows", v)]
        out: Problems = []
        if len(v) > f.max_rows:
            out.append((f.id, f"at most {f.max_rows} rows", len(v)))
        if len(v) < f.min_rows:
            out.append((f.id, f"at least {f.min_rows} rows", len(v)))
        for i, row in enumerate(v, start=1):
            if not ids.issuperset(row):
                for key in sorted(set(row) - ids):
                    out.append((f"{f.id}.{i}.{key}", "not a column of this table", row[key]))
            for cid, label, required, atomic in cols:
                cell = row.get(cid)
                if not answered(cell):
                    if required:
                        out.append((f"{f.id}.{i}.{cid}", f"row {i}: {label} is required", None))
                    continue
                for m in atomic(cell):
                    out.append((f"{f.id}.{i}.{cid}", f"row {i}: {label}: {m}", cell))
        return out

    return check


def _atomic_checker(spec: FormSpec, f: Answerable | Column) -> Check:
    """The problems of an answered value of one atomic field or column (its kind's check)."""
    kind = KINDS[kind_of(spec, f)]
    return kind.checker(f, spec.options(f) if kind.options else ())


# how a field's answer is checked, by its shape (`spec_fields._FieldBase.shape`)
_SHAPE_CHECKERS: dict[str, Callable[[FormSpec, Any], Callable[[Any], Problems]]] = {
    "one": _one_checker, "table": _table_checker, "signoff": _signoff_checker,
    "many": _many_checker}
