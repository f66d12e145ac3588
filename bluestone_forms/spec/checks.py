"""Cross-reference checks of a structurally valid spec.

pydantic checks each model on its own; these checks need the whole form: duplicate ids, choice
lists and scales that exist, relevance rules that parse and name earlier answers without cycles,
identifying and collation fields that exist. Each problem comes with its path in the spec so the
loader can name the YAML line.
"""

from __future__ import annotations

import re

from . import expr
from .model import (
    Answerable,
    AnyField,
    Column,
    FormSpec,
    Path,
    TableField,
)


def check_references(spec: FormSpec) -> list[tuple[Path, str]]:
    """Every cross-reference problem of a structurally valid spec, each with its path."""
    problems: list[tuple[Path, str]] = []
    seen: dict[str, Path] = {}
    section_ids: set[str] = set()
    for si, section in enumerate(spec.sections):
        if section.id in section_ids:
            problems.append((("sections", si, "id"), f"duplicate section id '{section.id}'"))
        section_ids.add(section.id)
        for fi, f in enumerate(section.fields):
            here: Path = ("sections", si, "fields", fi)
            if f.id in seen:
                si0, fi0 = seen[f.id][1], seen[f.id][3]
                first = f"sections[{si0}].fields[{fi0}]"
                problems.append(((*here, "id"), f"duplicate field id '{f.id}' (first at {first})"))
            else:
                seen[f.id] = here
            problems.extend(_check_field(spec, f, here))
            if isinstance(f, TableField):
                col_ids: set[str] = set()
                for ci, col in enumerate(f.columns):
                    cpath = (*here, "columns", ci)
                    if col.id in col_ids:
                        problems.append(((*cpath, "id"), f"duplicate column id '{col.id}'"))
                    col_ids.add(col.id)
                    if col.relevant:
                        message = "a table column cannot have a relevance rule"
                        problems.append(((*cpath, "relevant"), message))
                    problems.extend(_check_field(spec, col, cpath))
                if f.min_rows > f.max_rows:
                    problems.append(((*here, "min_rows"), "min_rows is more than max_rows"))
    for name, choices in spec.choice_lists.items():
        codes = [c.code for c in choices]
        for dup in sorted({c for c in codes if codes.count(c) > 1}):
            problems.append((("choice_lists", name), f"duplicate choice code '{dup}'"))
        if not choices:
            problems.append((("choice_lists", name), "a choice list needs at least one choice"))
    for name, scale in spec.scales.items():
        values = [p.value for p in scale.points]
        if len(set(values)) != len(values):
            problems.append((("scales", name), "scale point values must be unique"))
    problems.extend(_check_relevance(spec, seen))
    answerable = {f.id for f in spec.answerable()}
    cls = spec.classification
    for key, paths in (("identifying_fields", cls.identifying_fields), ("names", cls.names),
                       ("special_category_text", cls.special_category_text)):
        for i, fid in enumerate(paths):
            head, _, column = fid.partition(".")
            target = next((f for f in spec.answerable() if f.id == head), None)
            if target is None or (
                column and not (isinstance(target, TableField)
                                and column in {c.id for c in target.columns})
            ):
                problems.append((("classification", key, i), f"no field or column '{fid}'"))
    problems.extend(_check_collation(spec, answerable))
    return problems


def _check_collation(spec: FormSpec, answerable: set[str]) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    c = spec.collation
    if c.force_field is not None and c.force_field not in answerable:
        out.append((("collation", "force_field"), f"no field with id '{c.force_field}'"))
    for i, fid in enumerate(c.key_fields):
        if fid not in answerable:
            out.append((("collation", "key_fields", i), f"no field with id '{fid}'"))
    for i, fid in enumerate(c.counts):
        if fid not in answerable:
            out.append((("collation", "counts", i), f"no field with id '{fid}'"))
    private = set(spec.classification.names) | set(spec.classification.special_category_text)
    rules = [("alerts", i, a.when, a.show) for i, a in enumerate(c.alerts)]
    rules += [("follow_ups", i, f.when, f.show) for i, f in enumerate(c.follow_ups)]
    for kind, i, when, show in rules:
        try:
            names = expr.names(expr.parse(when))
        except expr.ExprError as exc:
            out.append((("collation", kind, i, "when"), f"bad rule {when!r}: {exc}"))
            continue
        for name in sorted((names | set(show)) - answerable):
            out.append((("collation", kind, i), f"no field with id '{name}'"))
        for j, name in enumerate(show):
            if name in private:
                out.append((("collation", kind, i, "show", j),
                            f"'{name}' is a name or special-category text; the report lists "
                            "returns without them, so show another field"))
    return out


def _check_field(spec: FormSpec, f: AnyField | Column, here: Path) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    choices, scale = getattr(f, "choices", None), getattr(f, "scale", None)
    if choices is not None and choices not in spec.choice_lists:
        known = ", ".join(sorted(spec.choice_lists)) or "none defined"
        out.append(((*here, "choices"), f"unknown choice list '{choices}'; known: {known}"))
    if scale is not None and scale not in spec.scales:
        known = ", ".join(sorted(spec.scales)) or "none defined"
        out.append(((*here, "scale"), f"unknown scale '{scale}'; known: {known}"))
    lo, hi = getattr(f, "min", None), getattr(f, "max", None)
    if lo is not None and hi is not None and lo > hi:
        out.append(((*here, "min"), f"min {lo} is more than max {hi}"))
    lo, hi = getattr(f, "min_selected", None), getattr(f, "max_selected", None)
    if lo is not None and hi is not None and lo > hi:
        out.append(((*here, "min_selected"), "min_selected is more than max_selected"))
    if lo is not None and choices in spec.choice_lists and lo > len(spec.choice_lists[choices]):
        out.append(((*here, "min_selected"), "min_selected is more than the number of choices"))
    lo, hi = getattr(f, "min_length", None), getattr(f, "max_length", None)
    if lo is not None and hi is not None and lo > hi:
        out.append(((*here, "min_length"), "min_length is more than max_length"))
    pattern = getattr(f, "pattern", None)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            out.append(((*here, "pattern"), f"not a valid regular expression: {exc}"))
    return out


def _check_relevance(spec: FormSpec, where: dict[str, Path]) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    graph: dict[str, set[str]] = {}
    kinds = {f.id: f for f in spec.answerable()}
    for f in spec.answerable():
        rule = getattr(f, "relevant", None)
        if not rule:
            continue
        path = where[f.id] + ("relevant",)
        try:
            tree = expr.parse(rule)
        except expr.ExprError as exc:
            out.append((path, f"bad relevance rule {rule!r}: {exc}"))
            continue
        names = expr.names(tree)
        out.extend((path, m) for m in _check_codes(spec, tree, kinds))
        for name in sorted(names):
            if name not in kinds:
                close = expr.suggest(name, list(kinds))
                out.append((path, f"relevance names unknown field '{name}'{close}"))
            elif kinds[name].shape in ("table", "signoff"):
                out.append((path, f"relevance cannot test '{name}', a {kinds[name].type}"))
        graph[f.id] = {n for n in names if n in kinds}
    for start in graph:
        cycle = _find_cycle(graph, start)
        if cycle and cycle[0] == min(cycle[:-1]):
            text = " -> ".join(cycle)
            out.append((where[start] + ("relevant",), f"circular relevance: {text}"))
    return out


def _check_codes(spec: FormSpec, tree: expr.Expr, kinds: dict[str, Answerable]) -> list[str]:
    """A rule comparing a choice field with a code it does not offer never holds: say so."""
    out: list[str] = []
    for node in expr.walk(tree):
        if not isinstance(node, expr.Compare):
            continue
        pairs = [(node.left, node.right), (node.right, node.left)]
        for side, other in pairs:
            if not isinstance(side, expr.Name) or side.name not in kinds:
                continue
            f = kinds[side.name]
            if f.shape in ("table", "signoff"):
                continue
            try:
                codes = {c.code for c in spec.options(f)}
            except (TypeError, KeyError):
                continue
            literals = other.items if isinstance(other, expr.ListOf) else (other,)
            for lit in literals:
                if isinstance(lit, expr.Literal) and str(lit.value) not in codes:
                    out.append(
                        f"'{side.name}' has no choice with code {str(lit.value)!r}; "
                        f"its codes are {', '.join(sorted(codes))}"
                    )
    return out


def _find_cycle(graph: dict[str, set[str]], start: str) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        node, trail = stack.pop()
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return [*trail, start]
            if nxt not in visited:
                visited.add(nxt)
                stack.append((nxt, [*trail, nxt]))
    return None
