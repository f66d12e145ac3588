"""Validation of a record against its spec: required, type, constraint and relevance.

Never raises on bad values: every problem becomes an Issue naming the field, the value and
what was expected, so one wrong answer never hides the others. How each field is checked is
worked out once per spec (`checks`, held by the `CompiledSpec`).
"""

from __future__ import annotations

from typing import Any

from ..errors import Issue
from ..spec import expr
from ..spec.compiled import CompiledSpec, compiled
from ..spec.kinds import shown as show
from ..spec.model import FormSpec
from .records import Record


def validate(record: Record, form: FormSpec | CompiledSpec) -> list[Issue]:
    """Every problem of a record's values against the spec (pass a `CompiledSpec` when
    validating many records of one form: a `FormSpec` is compiled on each call)."""
    plan = compiled(form)
    issues: list[Issue] = []

    def add(field: str, message: str, value: Any = None) -> None:
        shown = None if value is None else show(value)
        issues.append(
            Issue(field=field, message=message, value=shown, file=record.file, row=record.row)
        )

    vals = record.values if isinstance(record.values, dict) else {}
    if not isinstance(record.values, dict):
        add("(record)", "values must be a mapping of field id to answer", record.values)
    if not plan.known.issuperset(vals):
        for key in sorted(set(vals) - plan.known):
            add(key, f"not a question of form {plan.spec.id} {plan.spec.version}", vals[key])
    holds: dict[int, bool] = {}  # a rule shared by several questions is worked out once
    for fid, label, rule, not_relevant, required, check in plan.checks:
        v = vals.get(fid)
        answered = v is not None and v != [] and v != ""  # `checks.answered`, inline: it is hot
        if rule is not None:
            applies = holds.get(id(rule))
            if applies is None:
                applies = holds[id(rule)] = _holds(rule, vals)
            if not applies:
                if answered:
                    add(fid, not_relevant, v)
                continue
        if not answered:
            if required:
                add(fid, required)
            continue
        for path, message, bad in check(v):
            add(path, f"{label}: {message}", bad)
    return issues


def _holds(rule: expr.Expr, vals: dict[str, Any]) -> bool:
    try:
        return expr.evaluate(rule, vals)
    except Exception:
        return False
