"""Validation of a record against its spec: required, type, constraint and relevance.

Never raises on bad values: every problem becomes an Issue naming the field, the value and
what was expected, so one wrong answer never hides the others.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from . import expr
from .errors import Issue
from .records import Record
from .slots import kind_of
from .spec import (
    Answerable,
    Column,
    DateField,
    DecimalField,
    FormSpec,
    IntegerField,
    LongTextField,
    SelectManyField,
    SignoffField,
    TableField,
    TextField,
)


def _answered(v: Any) -> bool:
    return v is not None and v != [] and v != ""


def validate(record: Record, spec: FormSpec) -> list[Issue]:
    """Every problem of a record's values against the spec."""
    issues: list[Issue] = []

    def add(field: str, message: str, value: Any = None) -> None:
        shown = None if value is None else _show(value)
        issues.append(
            Issue(field=field, message=message, value=shown, file=record.file, row=record.row)
        )

    vals = record.values if isinstance(record.values, dict) else {}
    if not isinstance(record.values, dict):
        add("(record)", "values must be a mapping of field id to answer", record.values)
    known = {f.id for f in spec.answerable()}
    for key in sorted(set(vals) - known):
        add(key, f"not a question of form {spec.id} {spec.version}", vals[key])
    for f in spec.answerable():
        v = vals.get(f.id)
        rule = spec.relevance(f)
        if rule is not None and not _holds(rule, vals):
            if _answered(v):
                add(f.id, f"{f.label}: answered, but this question applies only if "
                    f"{spec.describe(rule)}", v)
            continue
        if not _answered(v):
            if f.required:
                add(f.id, f"{f.label}: an answer is required")
            continue
        for path, message, bad in _check(spec, f, v):
            add(path, f"{f.label}: {message}", bad)
    return issues


def _holds(rule: expr.Expr, vals: dict[str, Any]) -> bool:
    try:
        return expr.evaluate(rule, vals)
    except Exception:
        return False


def _check(spec: FormSpec, f: Answerable, v: Any) -> list[tuple[str, str, Any]]:
    if isinstance(f, TableField):
        return _check_table(spec, f, v)
    if isinstance(f, SignoffField):
        if not isinstance(v, dict) or set(v) - {"name", "date"}:
            return [(f.id, "expected a name and a date", v)]
        out: list[tuple[str, str, Any]] = []
        name, date = v.get("name"), v.get("date")
        if f.required and not _answered(name):
            out.append((f"{f.id}.name", "a name is required", None))
        if f.required and date is None:
            out.append((f"{f.id}.date", "a date is required", None))
        if name is not None and not isinstance(name, str):
            out.append((f"{f.id}.name", "expected a name (text)", name))
        if date is not None and not _is_date(date):
            out.append((f"{f.id}.date", "expected a date", date))
        return out
    if isinstance(f, SelectManyField):
        codes = [c.code for c in spec.options(f)]
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            return [(f.id, "expected a list of choice codes", v)]
        out = [(f.id, f"{x!r} is not one of {', '.join(codes)}", x) for x in v if x not in codes]
        if len(set(v)) != len(v):
            out.append((f.id, "a choice is ticked twice", v))
        if f.min_selected is not None and len(v) < f.min_selected:
            out.append((f.id, f"tick at least {f.min_selected}", v))
        if f.max_selected is not None and len(v) > f.max_selected:
            out.append((f.id, f"tick at most {f.max_selected}", v))
        return out
    return [(f.id, m, v) for m in _check_atomic(spec, f, v)]


def _check_table(spec: FormSpec, f: TableField, v: Any) -> list[tuple[str, str, Any]]:
    if not isinstance(v, list) or not all(isinstance(r, dict) for r in v):
        return [(f.id, "expected a list of rows", v)]
    out: list[tuple[str, str, Any]] = []
    if len(v) > f.max_rows:
        out.append((f.id, f"at most {f.max_rows} rows", len(v)))
    if len(v) < f.min_rows:
        out.append((f.id, f"at least {f.min_rows} rows", len(v)))
    cols = {c.id: c for c in f.columns}
    for i, row in enumerate(v, start=1):
        for key in sorted(set(row) - set(cols)):
            out.append((f"{f.id}.{i}.{key}", "not a column of this table", row[key]))
        for c in f.columns:
            cell = row.get(c.id)
            path = f"{f.id}.{i}.{c.id}"
            if not _answered(cell):
                if c.required:
                    out.append((path, f"row {i}: {c.label} is required", None))
                continue
            for m in _check_atomic(spec, c, cell):
                out.append((path, f"row {i}: {c.label}: {m}", cell))
    return out


def _is_date(v: Any) -> bool:
    return isinstance(v, dt.date) and not isinstance(v, dt.datetime)


def _check_atomic(spec: FormSpec, f: Answerable | Column, v: Any) -> list[str]:
    kind = kind_of(spec, f)
    out: list[str] = []
    custom = f.message
    if kind in ("text", "long_text"):
        if not isinstance(v, str):
            return ["expected text"]
        assert isinstance(f, TextField | LongTextField)
        if f.min_length is not None and len(v) < f.min_length:
            out.append(custom or f"at least {f.min_length} characters")
        if f.max_length is not None and len(v) > f.max_length:
            out.append(custom or f"at most {f.max_length} characters")
        if isinstance(f, TextField) and f.pattern and not re.fullmatch(f.pattern, v):
            out.append(custom or f"does not match the pattern {f.pattern}")
        return out
    if kind == "integer":
        if isinstance(v, bool) or not isinstance(v, int):
            return ["expected a whole number"]
        assert isinstance(f, IntegerField)
        return _bounds(v, f.min, f.max, custom)
    if kind == "decimal":
        if isinstance(v, bool) or not isinstance(v, int | Decimal):
            return ["expected a number"]
        assert isinstance(f, DecimalField)
        d = Decimal(v)
        if not d.is_finite():
            return ["expected a finite number"]
        out = _bounds(d, f.min, f.max, custom)
        exponent = d.as_tuple().exponent
        if f.places is not None and isinstance(exponent, int) and -exponent > f.places:
            out.append(custom or f"at most {f.places} decimal places")
        return out
    if kind == "date":
        if not _is_date(v):
            return ["expected a date"]
        assert isinstance(f, DateField)
        return _bounds(v, f.min, f.max, custom)
    options = spec.options(f)  # type: ignore[arg-type]
    if kind == "rating":
        points = [int(c.code) for c in options]
        if isinstance(v, bool) or not isinstance(v, int) or v not in points:
            return [f"expected a rating of {', '.join(str(p) for p in points)}"]
        return out
    codes = [c.code for c in options]
    if not isinstance(v, str) or v not in codes:
        return [f"expected one of {', '.join(codes)}"]
    return out


def _bounds(v: Any, lo: Any, hi: Any, custom: str | None) -> list[str]:
    out = []
    if lo is not None and v < lo:
        out.append(custom or f"at least {_show(lo)}")
    if hi is not None and v > hi:
        out.append(custom or f"at most {_show(hi)}")
    return out


def _show(v: Any) -> str:
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    text = str(v)
    return text if len(text) <= 200 else text[:200] + "…"
