"""The relevance language: "ask only if …" rules over other fields' answers.

Why a language of our own: a spec is untrusted text from any force, so a rule is parsed by this
module into a small tree and evaluated by walking it, never by Python `eval`. The grammar:

    rule  := or
    or    := and ("or" and)*
    and   := not ("and" not)*
    not   := "not" not | test
    test  := value (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in") value)?
    value := NAME | 'text' | "text" | NUMBER | "[" value ("," value)* "]" | "(" rule ")"

A bare NAME holds when the field has an answer. `'code' in many` tests a select-many field;
`x in ['a', 'b']` tests one answer against a list. Comparing an unanswered field is false.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Union


class ExprError(ValueError):
    """A rule that does not parse; the message says where and what was expected."""


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Literal:
    value: str | Decimal


@dataclass(frozen=True)
class ListOf:
    items: tuple[Literal, ...]


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Compare:
    op: str
    left: Expr
    right: Expr


Expr = Union[Name, Literal, ListOf, Not, BoolOp, Compare]  # noqa: UP007

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>-?\d+(?:\.\d+)?)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.X,
)
_KEYWORDS = {"and", "or", "not", "in"}
MAX_RULE_LENGTH = 500


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            skip = len(text[pos:]) - len(text[pos:].lstrip())
            raise ExprError(f"unexpected {text[pos + skip]!r} at column {pos + skip + 1}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        col = m.start(kind) + 1
        if kind == "word" and value in _KEYWORDS:
            kind = "kw"
        out.append((kind, value, col))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > MAX_RULE_LENGTH:
            raise ExprError(f"a rule may be at most {MAX_RULE_LENGTH} characters")
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str, int] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        tok = self.peek()
        if tok is None:
            raise ExprError(f"rule ends early; expected {repr(value) if value else 'a value'}")
        if value is not None and tok[1] != value:
            raise ExprError(f"expected {value!r} at column {tok[2]}, found {tok[1]!r}")
        self.i += 1
        return tok

    def at(self, value: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[1] == value and tok[0] in ("kw", "op")

    def rule(self) -> Expr:
        self.depth += 1
        if self.depth > 30:
            raise ExprError("rule nested too deeply")
        parts = [self.conj()]
        while self.at("or"):
            self.take()
            parts.append(self.conj())
        self.depth -= 1
        return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts))

    def conj(self) -> Expr:
        parts = [self.neg()]
        while self.at("and"):
            self.take()
            parts.append(self.neg())
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))

    def neg(self) -> Expr:
        if self.at("not"):
            self.take()
            return Not(self.neg())
        return self.test()

    def test(self) -> Expr:
        left = self.value()
        tok = self.peek()
        if tok and tok[1] in ("==", "!=", "<", "<=", ">", ">=", "in"):
            self.take()
            return Compare(tok[1], left, self.value())
        nxt = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
        if tok and tok[1] == "not" and nxt and nxt[1] == "in":
            self.take()
            self.take()
            return Compare("not in", left, self.value())
        return left

    def value(self) -> Expr:
        kind, text, col = self.take()
        if kind == "num":
            return Literal(Decimal(text))
        if kind == "str":
            return Literal(text[1:-1])
        if kind == "word":
            return Name(text)
        if text == "(":
            inner = self.rule()
            self.take(")")
            return inner
        if text == "[":
            items: list[Literal] = []
            while True:
                item = self.value()
                if not isinstance(item, Literal):
                    raise ExprError(f"a list holds only quoted text or numbers (column {col})")
                items.append(item)
                if self.at("]"):
                    self.take()
                    return ListOf(tuple(items))
                self.take(",")
        raise ExprError(f"expected a field name, text or number at column {col}, found {text!r}")


def parse(text: str) -> Expr:
    """Parse a rule, or raise ExprError saying where it goes wrong."""
    p = _Parser(text)
    if not p.toks:
        raise ExprError("the rule is empty")
    tree = p.rule()
    if p.peek() is not None:
        _, tok, col = p.peek()  # type: ignore[misc]
        raise ExprError(f"unexpected {tok!r} at column {col}")
    return tree


def names(tree: Expr) -> set[str]:
    """Every field name a rule reads."""
    if isinstance(tree, Name):
        return {tree.name}
    if isinstance(tree, Not):
        return names(tree.operand)
    if isinstance(tree, BoolOp):
        return set().union(*(names(t) for t in tree.operands))
    if isinstance(tree, Compare):
        return names(tree.left) | names(tree.right)
    return set()


def walk(tree: Expr) -> list[Expr]:
    """Every node of a rule, the rule itself first."""
    out: list[Expr] = [tree]
    if isinstance(tree, Not):
        out += walk(tree.operand)
    elif isinstance(tree, BoolOp):
        for t in tree.operands:
            out += walk(t)
    elif isinstance(tree, Compare):
        out += walk(tree.left) + walk(tree.right)
    return out


def suggest(word: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _answered(v: Any) -> bool:
    return v is not None and v != [] and v != ""


def _scalar(tree: Expr, values: Mapping[str, Any]) -> Any:
    if isinstance(tree, Name):
        return values.get(tree.name)
    if isinstance(tree, Literal):
        return tree.value
    if isinstance(tree, ListOf):
        return [i.value for i in tree.items]
    return evaluate(tree, values)


def _norm(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int | float):
        return Decimal(str(v))
    if isinstance(v, str):
        try:
            return Decimal(v) if re.fullmatch(r"-?\d+(\.\d+)?", v) else v
        except InvalidOperation:  # pragma: no cover - regex guards it
            return v
    if isinstance(v, list | tuple):
        return [_norm(x) for x in v]
    return v


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def evaluate(tree: Expr, values: Mapping[str, Any]) -> bool:
    """Whether a rule holds for a record's values (codes, numbers, lists of codes)."""
    if isinstance(tree, Name):
        return _answered(values.get(tree.name))
    if isinstance(tree, Literal | ListOf):
        return bool(_scalar(tree, values))
    if isinstance(tree, Not):
        return not evaluate(tree.operand, values)
    if isinstance(tree, BoolOp):
        if tree.op == "and":
            return all(evaluate(t, values) for t in tree.operands)
        return any(evaluate(t, values) for t in tree.operands)
    left = _norm(_scalar(tree.left, values))
    right = _norm(_scalar(tree.right, values))
    if left is None or right is None or (left == [] and tree.op != "in"):
        return tree.op == "!=" and (left is None) != (right is None)
    if tree.op in ("in", "not in"):
        found = left in right if isinstance(right, list) else False
        return found if tree.op == "in" else not found
    if tree.op == "==":
        return bool(left == right)
    if tree.op == "!=":
        return bool(left != right)
    try:
        return _ORDER[tree.op](left, right)
    except TypeError:
        return False


# The words of a rule in English; `wording` passes each language's own (its `rule_*` keys).
RULE_WORDS: Mapping[str, str] = {
    "rule_answered": "{left} is answered", "rule_is": "{left} is {right}",
    "rule_is_not": "{left} is not {right}", "rule_less": "{left} is less than {right}",
    "rule_at_most": "{left} is at most {right}", "rule_more": "{left} is more than {right}",
    "rule_at_least": "{left} is at least {right}", "rule_includes": "{left} includes {right}",
    "rule_excludes": "{left} does not include {right}", "rule_not": "not ({rule})",
    "rule_and": " and ", "rule_or": " or ",
}
_COMPARE_WORDS = {"==": "rule_is", "!=": "rule_is_not", "<": "rule_less", "<=": "rule_at_most",
                  ">": "rule_more", ">=": "rule_at_least", "in": "rule_is",
                  "not in": "rule_is_not"}


def describe(tree: Expr, label: Callable[[str], str], choice: Callable[[str, str], str],
             words: Mapping[str, str] = RULE_WORDS) -> str:
    """The rule in words for a form, e.g. "“Welfare issue raised” is “Yes”".

    `label(field_id)` gives a field's label, `choice(field_id, code)` an answer's label;
    `words` the phrases of the language to say it in (`RULE_WORDS`: English).
    """

    def again(t: Expr) -> str:
        return describe(t, label, choice, words)

    def field_of(t: Expr) -> str | None:
        return t.name if isinstance(t, Name) else None

    def lit(t: Expr, owner: str | None) -> str:
        if isinstance(t, Literal):
            text = str(t.value)
            return f"“{choice(owner, text)}”" if owner else text
        if isinstance(t, ListOf):
            return words["rule_or"].join(lit(i, owner) for i in t.items)
        if isinstance(t, Name):
            return f"“{label(t.name)}”"
        return f"({again(t)})"

    if isinstance(tree, Name):
        return words["rule_answered"].format(left=lit(tree, None))
    if isinstance(tree, Not):
        return words["rule_not"].format(rule=again(tree.operand))
    if isinstance(tree, BoolOp):
        parts = [again(t) for t in tree.operands]
        return words[f"rule_{tree.op}"].join(
            f"({w})" if isinstance(t, BoolOp) else w
            for t, w in zip(tree.operands, parts, strict=True)
        )
    if isinstance(tree, Compare):
        owner = field_of(tree.left)
        if tree.op in ("in", "not in") and isinstance(tree.left, Literal):
            many = field_of(tree.right)
            key = "rule_includes" if tree.op == "in" else "rule_excludes"
            return words[key].format(left=lit(tree.right, None), right=lit(tree.left, many))
        return words[_COMPARE_WORDS[tree.op]].format(left=lit(tree.left, None),
                                                     right=lit(tree.right, owner))
    return lit(tree, None)
