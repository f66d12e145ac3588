"""Realistic sample answers for any spec, for the demo and the benchmarks.

Deterministic for a given random generator, so a demo run is the same every time. Answers
are plausible for their field types (phrases a supervisor might write, recent dates, every
rating used), required questions are answered, and questions that do not apply are left
empty, just as a careful person would fill the form.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .answers.records import LISTS, empty_values
from .spec import expr
from .spec.kinds import KINDS
from .spec.model import (
    Answerable,
    Column,
    DateField,
    DecimalField,
    FormSpec,
    SelectManyField,
    TableField,
    TextField,
)

PHRASES = (
    "Victim contact maintained weekly by the engagement officer",
    "Suspect arrested and interviewed within 48 hours",
    "Early evidence plan agreed with the CPS",
    "ISVA updated and consulted on special measures",
    "Digital strategy reviewed; phone download requested",
    "Team welfare discussed; workload redistributed",
    "Training need identified on disclosure",
    "Safeguarding referral made to partner agencies",
    "Decision log brought up to date",
    "Supervisory review recorded on the system",
)
NAMES = ("DS Priya Patel", "DI Gareth Evans", "DC Aisha Khan", "DS Tom O'Neill",
         "DCI Mair Jones", "DC Sam Okafor")
ROLES = ("Investigating officer", "Officer in the case", "Detective sergeant, RASSO unit",
         "Sexual offences liaison officer", "Case progression officer", "Digital media officer")
TODAY = dt.date(2026, 11, 2)


def _text(rng: random.Random, f: TextField | Column, fid: str) -> str:
    if "crime_ref" in fid or "reference" in fid:
        return f"{rng.choice(['AS', 'DU', 'SW', 'WM', 'MP'])}-{rng.randint(10000, 99999)}-26"
    if fid.endswith("_role"):  # a role names no one (as many choices as NAMES: same draws)
        return rng.choice(ROLES)
    if any(w in fid for w in ("name", "owner", "by", "directed_to", "officer")):
        return rng.choice(NAMES)
    text = rng.choice(PHRASES)
    limit = getattr(f, "max_length", None)
    return text[:limit] if limit else text


def _decimal(f: DecimalField, rng: random.Random) -> Decimal:
    lo = float(f.min) if f.min is not None else 0.0
    hi = float(f.max) if f.max is not None else 100.0
    return Decimal(f"{rng.uniform(lo, hi):.{f.places if f.places is not None else 1}f}")


def _date(f: DateField, rng: random.Random) -> dt.date:
    d = TODAY - dt.timedelta(days=rng.randint(0, 300))
    first, last = f.min or d, f.max or d
    return min(max(d, first), last)


# a plausible answer of a slot kind (`kinds.KINDS`) that depends on the field (its limits,
# its choices); any other kind's sample is one of its entry's `examples`
_SAMPLERS: dict[str, Callable[[FormSpec, Any, random.Random], Any]] = {
    "text": lambda spec, f, rng: _text(rng, f, f.id),
    "long_text": lambda spec, f, rng: ". ".join(rng.sample(PHRASES, rng.randint(1, 3))) + ".",
    "integer": lambda spec, f, rng: rng.randint(f.min if f.min is not None else 0,
                                                f.max if f.max is not None else 60),
    "decimal": lambda spec, f, rng: _decimal(f, rng),
    "date": lambda spec, f, rng: _date(f, rng),
    "rating": lambda spec, f, rng: rng.choice([int(c.code) for c in spec.options(f)]),
    "choice": lambda spec, f, rng: rng.choice([c.code for c in spec.options(f)]),
}


def atomic(spec: FormSpec, f: Answerable | Column, rng: random.Random) -> Any:
    """One plausible answer for a simple field or table column."""
    sampler = _SAMPLERS.get(f.kind)
    return sampler(spec, f, rng) if sampler else rng.choice(KINDS[f.kind].examples)


def _many(spec: FormSpec, f: SelectManyField, rng: random.Random) -> list[str]:
    codes = [c.code for c in spec.options(f)]
    k = rng.randint(max(f.min_selected or 1, 1), min(f.max_selected or 3, len(codes)))
    chosen = set(rng.sample(codes, k))
    return [c for c in codes if c in chosen]


def _table(spec: FormSpec, f: TableField, rng: random.Random) -> list[dict[str, Any]]:
    n = rng.randint(max(f.min_rows, 1), min(f.max_rows, 4))
    return [{c.id: atomic(spec, c, rng) for c in f.columns} for _ in range(n)]


# a plausible answer of each field shape
_SHAPES: dict[str, Callable[[FormSpec, Any, random.Random], Any]] = {
    "one": atomic,
    "table": _table,
    "signoff": lambda spec, f, rng: {
        "name": rng.choice(NAMES), "date": TODAY - dt.timedelta(days=rng.randint(0, 30))},
    "many": _many,
}


def field_value(spec: FormSpec, f: Answerable, rng: random.Random, fill: float) -> Any:
    if not f.required and rng.random() > fill:
        return [] if f.shape in LISTS else None
    return _SHAPES[f.shape](spec, f, rng)


def apply_relevance(spec: FormSpec, values: dict[str, Any]) -> dict[str, Any]:
    """Empty every question whose rule does not hold, until nothing changes."""
    out = dict(values)
    blank = empty_values(spec)
    rules = [(f.id, rule) for f in spec.answerable() if (rule := spec.relevance(f)) is not None]
    changed = True
    while changed:
        changed = False
        for fid, rule in rules:
            if not expr.evaluate(rule, out) and out.get(fid) != blank[fid]:
                out[fid] = blank[fid]
                changed = True
    return out


def sample_values(spec: FormSpec, rng: random.Random, *, fill: float = 0.85,
                  **fixed: Any) -> dict[str, Any]:
    """A plausible, valid return of `spec`; `fixed` answers override the drawn ones."""
    vals = {f.id: field_value(spec, f, rng, fill) for f in spec.answerable()}
    vals.update(fixed)
    return apply_relevance(spec, vals)
