"""The relevance language: parsed by the project, evaluated by walking a tree, never eval'd."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bluestone_forms.spec import expr


@pytest.mark.parametrize(
    ("rule", "values", "holds"),
    [
        ("a == 'yes'", {"a": "yes"}, True),
        ("a == 'yes'", {"a": None}, False),
        ("a != 'yes'", {"a": "no"}, True),
        ("a != 'yes'", {"a": None}, True),
        ("a", {"a": "x"}, True),
        ("a", {"a": []}, False),
        ("not a", {"a": None}, True),
        ("'eap' in many", {"many": ["eap", "oh"]}, True),
        ("'eap' in many", {"many": []}, False),
        ("'eap' not in many", {"many": ["oh"]}, True),
        ("a in ['x', 'y']", {"a": "y"}, True),
        ("a not in ['x', 'y']", {"a": "z"}, True),
        ("n >= 3", {"n": 3}, True),
        ("n >= 3", {"n": 2}, False),
        ("n < 2.5", {"n": Decimal("2.4")}, True),
        ("n > 1", {"n": None}, False),
        ("r == 3", {"r": 3}, True),
        ("a == 'yes' and (b == 'no' or c)", {"a": "yes", "b": "yes", "c": "x"}, True),
        ("a == 'yes' and (b == 'no' or c)", {"a": "yes", "b": "yes", "c": None}, False),
        ('a == "yes"', {"a": "yes"}, True),
        ("n > 'text'", {"n": 3}, False),
    ],
)
def test_expr_evaluates(rule: str, values: dict[str, Any], holds: bool) -> None:
    assert expr.evaluate(expr.parse(rule), values) is holds


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "the rule is empty"),
        ("a ==", "rule ends early"),
        ("a = 1", "unexpected '=' at column 3"),
        ("a == 'x' b", "unexpected 'b' at column 10"),
        ("(a", "expected ')'"),
        ("a in [b]", "a list holds only quoted text or numbers"),
        ("__import__('os')", "unexpected '('"),
        ("a.b == 1", "unexpected '.'"),
        ("(" * 40 + "a" + ")" * 40, "nested too deeply"),
    ],
)
def test_expr_rejects_bad_rules(rule: str, message: str) -> None:
    with pytest.raises(expr.ExprError, match=message.replace("(", r"\(").replace(")", r"\)")):
        expr.parse(rule)


def test_expr_names() -> None:
    assert expr.names(expr.parse("a == 'x' or ('y' in b and not c)")) == {"a", "b", "c"}


def test_expr_describes_rules_in_words() -> None:
    labels = {"welfare": "Welfare issue raised", "support": "Support offered", "n": "Days"}
    choices = {("welfare", "yes"): "Yes", ("support", "other"): "Other"}
    tree = expr.parse("welfare == 'yes' and ('other' in support or n >= 3)")
    text = expr.describe(tree, labels.__getitem__, lambda f, c: choices.get((f, c), c))
    assert text == (
        "“Welfare issue raised” is “Yes” and (“Support offered” includes “Other” "
        "or “Days” is at least “3”)"
    )


@given(st.text(max_size=60))
def test_expr_parse_never_raises_anything_but_expr_error(text: str) -> None:
    try:
        tree = expr.parse(text)
    except expr.ExprError:
        return
    expr.evaluate(tree, {})
