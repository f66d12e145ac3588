"""How each field's answer is checked, worked out once per spec (see `compiled`).

`field_checker` turns a field into one function from an answered value to its problems
(path, message, the value shown), with what depends on the field alone (its limits, its
choice codes, a compiled pattern) worked out up front; `validate` runs them per record.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from . import expr
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
    if isinstance(f, TableField):
        return _table_checker(spec, f)
    if isinstance(f, SignoffField):
        return lambda v: _check_signoff(f, v)
    if isinstance(f, SelectManyField):
        return _many_checker(spec, f)
    atomic = _atomic_checker(spec, f)
    fid = f.id

    def check(v: Any) -> Problems:
        wrong = atomic(v)
        return [(fid, m, v) for m in wrong] if wrong else []

    return check


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
    if date is not None and not _is_date(date):
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


def _is_date(v: Any) -> bool:
    return isinstance(v, dt.date) and not isinstance(v, dt.datetime)


def _atomic_checker(spec: FormSpec, f: Answerable | Column) -> Callable[[Any], list[str]]:
    """The problems of an answered value of one atomic field or column."""
    kind = kind_of(spec, f)
    custom = f.message
    if kind in ("text", "long_text"):
        assert isinstance(f, TextField | LongTextField)
        lo, hi = f.min_length, f.max_length
        pattern = f.pattern if isinstance(f, TextField) else None
        try:
            matcher = re.compile(pattern).fullmatch if pattern else None
        except re.error:  # reported where the pattern is used, as before
            matcher = None

        def text(v: Any) -> list[str]:
            if not isinstance(v, str):
                return ["expected text"]
            out = []
            if lo is not None and len(v) < lo:
                out.append(custom or f"at least {lo} characters")
            if hi is not None and len(v) > hi:
                out.append(custom or f"at most {hi} characters")
            if pattern and not (matcher(v) if matcher else re.fullmatch(pattern, v)):
                out.append(custom or f"does not match the pattern {pattern}")
            return out

        return text
    if kind == "integer":
        assert isinstance(f, IntegerField)
        int_lo, int_hi = f.min, f.max

        def integer(v: Any) -> list[str]:
            if isinstance(v, bool) or not isinstance(v, int):
                return ["expected a whole number"]
            return _bounds(v, int_lo, int_hi, custom)

        return integer
    if kind == "decimal":
        assert isinstance(f, DecimalField)
        dec_lo, dec_hi, places = f.min, f.max, f.places

        def decimal(v: Any) -> list[str]:
            if isinstance(v, bool) or not isinstance(v, int | Decimal):
                return ["expected a number"]
            d = Decimal(v)
            if not d.is_finite():
                return ["expected a finite number"]
            out = _bounds(d, dec_lo, dec_hi, custom)
            exponent = d.as_tuple().exponent
            if places is not None and isinstance(exponent, int) and -exponent > places:
                out.append(custom or f"at most {places} decimal places")
            return out

        return decimal
    if kind == "date":
        assert isinstance(f, DateField)
        day_lo, day_hi = f.min, f.max

        def date(v: Any) -> list[str]:
            if not _is_date(v):
                return ["expected a date"]
            return _bounds(v, day_lo, day_hi, custom)

        return date
    options = spec.options(f)  # type: ignore[arg-type]
    if kind == "rating":
        points = [int(c.code) for c in options]
        wrong_point = [f"expected a rating of {', '.join(str(p) for p in points)}"]

        def rating(v: Any) -> list[str]:
            if isinstance(v, bool) or not isinstance(v, int) or v not in points:
                return list(wrong_point)
            return []

        return rating
    codes = [c.code for c in options]
    wrong_code = [f"expected one of {', '.join(codes)}"]

    def choice(v: Any) -> list[str]:
        if not isinstance(v, str) or v not in codes:
            return list(wrong_code)
        return []

    return choice


def _bounds(v: Any, lo: Any, hi: Any, custom: str | None) -> list[str]:
    out = []
    if lo is not None and v < lo:
        out.append(custom or f"at least {show(lo)}")
    if hi is not None and v > hi:
        out.append(custom or f"at most {show(hi)}")
    return out


def show(v: Any) -> str:
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    text = str(v)
    return text if len(text) <= 200 else text[:200] + "…"
