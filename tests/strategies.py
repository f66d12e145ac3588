"""Hypothesis strategies for record values of any spec.

`record_values(spec)` draws nested values that a person could type into any format and that
the spec accepts: required questions answered, constraints met, and questions that do not
apply (by their relevance rule) left empty.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from bluestone_forms.samples import apply_relevance
from bluestone_forms.spec.model import (
    Answerable,
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

# Characters a person can type: no control characters, surrogates, private-use or unassigned
# code points, and no line or paragraph separators inside one line.
TYPABLE = st.characters(
    blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"),
    blacklist_characters="\ufeff\u200b\u00ad",
)
ASCII_TYPABLE = st.characters(min_codepoint=0x20, max_codepoint=0x7E)


def _not_a_placeholder(s: str) -> bool:
    """Word's placeholders ("Type here", "Type your answer", "Choose an item") read back as no
    answer: LibreOffice drops the flag that tells them from typed text, so an answer that is
    exactly a placeholder is documented as read empty (test_docx tests that rule itself).
    Hypothesis draws string constants from the code under test, so it finds them. The same
    holds for the Welsh placeholders ("Teipiwch …", "Dewiswch …")."""
    return not s.startswith(("Type ", "Choose an item", "Teipiwch ", "Dewiswch "))


def line_text(min_size: int = 1, max_size: int = 40, alphabet: Any = TYPABLE) -> Any:
    """One line of typed text, without leading or trailing spaces (the codec strips them)."""
    return (
        st.text(alphabet=alphabet, min_size=min_size, max_size=max_size)
        .map(lambda s: " ".join(s.split()) if s.strip() != s or "  " in s else s)
        .map(str.strip)
        .filter(lambda s: len(s) >= max(min_size, 1) and _not_a_placeholder(s))
    )


def long_text(max_lines: int = 4, alphabet: Any = TYPABLE) -> Any:
    return st.lists(line_text(alphabet=alphabet), min_size=1, max_size=max_lines).map("\n".join)


def _atomic(spec: FormSpec, f: Answerable | Column, alphabet: Any) -> Any:
    if isinstance(f, TextField):
        if f.pattern:
            return st.from_regex(f.pattern, fullmatch=True).filter(lambda s: s == s.strip() and s)
        lo, hi = f.min_length or 1, min(f.max_length or 60, 60)
        return line_text(min_size=lo, max_size=max(hi, lo), alphabet=alphabet).filter(
            lambda s: len(s) <= (f.max_length or 10**9)
        )
    if isinstance(f, LongTextField):
        strat = long_text(alphabet=alphabet)
        if f.max_length:
            strat = strat.map(lambda s: s[: f.max_length].strip()).filter(bool)
        if f.min_length:
            strat = strat.filter(lambda s: len(s) >= (f.min_length or 0))
        return strat
    if isinstance(f, IntegerField):
        lo = f.min if f.min is not None else -(10**9)
        hi = f.max if f.max is not None else 10**9
        return st.integers(lo, hi)
    if isinstance(f, DecimalField):
        places = f.places if f.places is not None else 3
        lo = f.min if f.min is not None else Decimal(-(10**8))
        hi = f.max if f.max is not None else Decimal(10**8)
        return st.decimals(min_value=lo, max_value=hi, places=places, allow_nan=False,
                           allow_infinity=False)
    if isinstance(f, DateField):
        lo = f.min or dt.date(1901, 1, 1)
        hi = f.max or dt.date(2099, 12, 31)
        return st.dates(min_value=lo, max_value=hi)
    if f.kind == "time":
        return st.builds(dt.time, st.integers(0, 23), st.integers(0, 59))
    if isinstance(f, RatingField):
        return st.sampled_from([int(c.code) for c in spec.options(f)])
    return st.sampled_from([c.code for c in spec.options(f)])  # type: ignore[arg-type]


def _maybe(strat: Any, required: bool) -> Any:
    return strat if required else st.none() | strat


def field_value(spec: FormSpec, f: Answerable, alphabet: Any = TYPABLE) -> Any:
    if isinstance(f, TableField):
        def row(cols: tuple[Column, ...]) -> Any:
            cells = {c.id: _maybe(_atomic(spec, c, alphabet), c.required) for c in cols}
            return st.fixed_dictionaries(cells).filter(
                lambda r: any(v is not None for v in r.values())
            )
        lo = max(f.min_rows, 1 if f.required else 0)
        return st.lists(row(tuple(f.columns)), min_size=lo, max_size=f.max_rows)
    if isinstance(f, SignoffField):
        pair = st.fixed_dictionaries(
            {"name": line_text(max_size=30, alphabet=alphabet), "date": _atomic(
                spec, DateField(id="d", label="d", type="date"), alphabet)}
        )
        return _maybe(pair, f.required)
    if isinstance(f, SelectManyField):
        codes = [c.code for c in spec.options(f)]
        lo = max(f.min_selected or 0, 1 if f.required else 0)
        hi = min(f.max_selected or len(codes), len(codes))
        return st.lists(st.sampled_from(codes), min_size=lo, max_size=hi, unique=True).map(
            lambda xs: [c for c in codes if c in xs]
        )
    return _maybe(_atomic(spec, f, alphabet), f.required)


_BUILT: dict[tuple[int, int], tuple[FormSpec, Any, dict[str, Any]]] = {}


def _field_strategies(spec: FormSpec, alphabet: Any) -> dict[str, Any]:
    """Each question's strategy, built once per spec and alphabet: building them costs more
    than drawing from them (a regex compiled, every filter and character set checked), and
    the same strategies draw the same values whether built once or on every draw."""
    key = (id(spec), id(alphabet))
    hit = _BUILT.get(key)
    if hit is None or hit[0] is not spec or hit[1] is not alphabet:
        hit = _BUILT[key] = (spec, alphabet, {f.id: field_value(spec, f, alphabet)
                                              for f in spec.answerable()})
    return hit[2]


@st.composite
def record_values(draw: Any, spec: FormSpec, alphabet: Any = TYPABLE) -> dict[str, Any]:
    """Valid nested values for every question of `spec`."""
    vals = {fid: draw(strategy) for fid, strategy in _field_strategies(spec, alphabet).items()}
    return apply_relevance(spec, vals)


def specs_under_test() -> list[FormSpec]:
    """Every shipped spec, plus the test spec that uses every field type."""
    from pathlib import Path

    from bluestone_forms.spec.catalog import Catalog
    from bluestone_forms.spec.loader import load_spec

    sink = load_spec(Path(__file__).parent / "specs" / "kitchen_sink.yaml")
    return [*sorted(Catalog.shipped(), key=lambda s: s.id), sink]
