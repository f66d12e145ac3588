"""Strict YAML -> FormSpec, keeping source positions so every error names its file and line.

Why our own construction instead of `yaml.safe_load`: PyYAML forgets where each value came
from, reads an unquoted `no` as False (the Norway problem) and turns dates into `date`
objects. We compose the node tree, build plain data from it while recording each path's
line, refuse unquoted yes/no/on/off and duplicate keys, keep dates as strings, and then
report every pydantic and cross-reference problem as `file:line: path: message`.
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import SpecError, SpecProblem
from . import texts as spec_texts
from .checks import check_references
from .model import FIELD_TYPES, FormSpec

SpecPath = tuple[str | int, ...]
MAX_SPEC_BYTES = 2_000_000
_BOOL_WORDS = {"true", "false"}


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[SpecPath, int] = {}
        self.problems: list[tuple[SpecPath, int, str]] = []

    def build(self, node: yaml.Node, path: SpecPath) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    self.problems.append((path, line, "keys must be plain names"))
                    continue
                key = key_node.value
                if key in out:
                    self.problems.append(((*path, key), line, f"duplicate key '{key}'"))
                    continue
                self.lines[(*path, key)] = line
                out[key] = self.build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        return self.scalar(node, path)

    def scalar(self, node: yaml.ScalarNode, path: SpecPath) -> Any:
        tag, text = node.tag, node.value
        if tag.endswith(":bool"):
            if text.lower() in _BOOL_WORDS:
                return text.lower() == "true"
            self.problems.append(
                (path, node.start_mark.line + 1,
                 f"unquoted {text!r} would be read as true/false; quote it (\"{text}\") "
                 "or write true or false")
            )
            return text
        if tag.endswith(":null"):
            return None
        if tag.endswith(":int") or tag.endswith(":float"):
            return yaml.safe_load(text)
        # timestamps and everything else stay text: the model parses dates itself
        return text


def _source_line(text_lines: list[str], line: int | None) -> str | None:
    if line and 0 < line <= len(text_lines):
        return text_lines[line - 1]
    return None


TEXT_KEYS = {"title", "label", "hint", "help", "intro", "text", "description", "role", "message"}
LONG_TEXT_KEYS = {"help", "intro", "text", "description"}


def _localise(data: dict[str, Any], lang: str | None,
              file: str = "<spec>") -> list[tuple[SpecPath, str]]:
    """Replace every {en: …, cy: …} text by the text in `lang` ("cy", or "cy+en" for both).

    A language other than the default must have a text for every text a form prints
    (`spec_texts`); else one problem names how many lack it and how to start a translation.

    Why in the loader: every format then prints plain strings, and any spec gets every
    language for free. A choice's or scale point's texts in the other languages become its
    aliases, so a return filled in any language reads back to the same codes.
    """
    problems: list[tuple[SpecPath, str]] = []
    langs = data.get("languages", ["en"])
    if not isinstance(langs, list) or not all(isinstance(x, str) for x in langs):
        return problems  # the model reports the bad value itself
    default = data.get("default_language", langs[0] if langs else "en")
    wanted = lang or str(default)
    parts = wanted.split("+")
    for part in parts:
        gaps = spec_texts.missing_message(data, part, _spec_name(file)) \
            if part != default else None
        if gaps:
            problems.append((("languages",), gaps))
        elif part not in langs:
            problems.append((("languages",), f"this spec has no '{part}' text; its languages "
                                              f"are {', '.join(langs)}"))
    if problems:
        return problems

    def combine(key: str, texts: dict[str, Any]) -> str:
        joiner = "\n\n" if key in LONG_TEXT_KEYS else " / "
        return joiner.join(str(texts[p]) for p in parts)

    def walk(node: Any, path: SpecPath) -> None:
        if isinstance(node, list):
            for i, item in enumerate(node):
                walk(item, (*path, i))
            return
        if not isinstance(node, dict):
            return
        for key, value in list(node.items()):
            if key in TEXT_KEYS and isinstance(value, dict):
                missing = [x for x in langs if not isinstance(value.get(x), str)]
                extra = [x for x in value if x not in langs]
                if missing or extra:
                    what = (f"no text for {', '.join(missing)}" if missing
                            else f"'{extra[0]}' is not one of the spec's languages")
                    problems.append(((*path, key), f"{what}; give one text per language "
                                                     f"({', '.join(langs)})"))
                    continue
                node[key] = combine(key, value)
                if key == "label" and ("code" in node or "value" in node):
                    variants = [str(value[x]) for x in langs] + [
                        " / ".join(str(value[x]) for x in combo)
                        for combo in (langs, list(reversed(langs)))
                    ]
                    node["aliases"] = [*dict.fromkeys(v for v in variants if v != node[key]),
                                       *node.get("aliases", [])]
            else:
                walk(value, (*path, key))

    walk(data, ())
    data["language"] = wanted
    return problems


def load_spec_text(text: str, file: str = "<spec>", lang: str | None = None) -> FormSpec:
    """Parse a spec from text; raise SpecError with every problem found.

    `lang` picks the language a multilingual spec is printed in ("cy"; "cy+en" for both);
    by default its default language.
    """
    text_lines = text.splitlines()

    def problem(line: int | None, path: SpecPath, message: str) -> SpecProblem:
        return SpecProblem(file, line, _fmt_path(path), message, _source_line(text_lines, line))

    if len(text.encode("utf-8", "surrogatepass")) > MAX_SPEC_BYTES:
        raise SpecError([problem(None, (), f"a spec may be at most {MAX_SPEC_BYTES} bytes")])
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = str(exc.problem or exc.context or "not valid YAML")
        if "\t" in message or "'\\t'" in message:
            message = "a tab is not allowed here; YAML indents with spaces"
        raise SpecError([problem(line, (), f"not valid YAML: {message}")]) from None
    if node is None:
        raise SpecError([problem(None, (), "the file is empty")])
    builder = _Builder(file)
    data = builder.build(node, ())
    problems = [problem(line, path, msg) for path, line, msg in builder.problems]
    if not isinstance(data, dict):
        problems.append(
            problem(node.start_mark.line + 1, (), "a spec must be a mapping of keys (id, title, …)")
        )
        raise SpecError(problems)
    for path, msg in _localise(data, lang, file):
        problems.append(problem(_line_of(builder.lines, path), path, msg))
    try:
        spec = FormSpec.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            path, message = _explain(err, data)
            problems.append(problem(_line_of(builder.lines, path), path, message))
        raise SpecError(_dedupe(problems)) from None
    for path, message in check_references(spec):
        problems.append(problem(_line_of(builder.lines, path), path, message))
    if problems:
        raise SpecError(_dedupe(problems))
    return spec


def _spec_name(file: str) -> str:
    """How a command names the spec: a shipped spec by its id, any other by its path."""
    from ..resources import specs_dir

    p = Path(file)
    return p.stem if p.parent.resolve() == specs_dir().resolve() else file


def load_spec(path: str | Path, lang: str | None = None) -> FormSpec:
    """Load one spec file; raise SpecError naming the file and line of every problem."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        problem = SpecProblem(str(path), None, "", f"cannot read: {exc.strerror}")
        raise SpecError([problem]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SpecError([SpecProblem(str(path), line, "", "not UTF-8 text")]) from None
    return load_spec_text(text, str(path), lang)


def _dedupe(problems: list[SpecProblem]) -> list[SpecProblem]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for p in problems:
        k = (p.line, p.path, p.message)
        if k not in seen:
            seen.add(k)
            out.append(p)
    return sorted(out, key=lambda p: (p.line or 0, p.path))


def _fmt_path(path: SpecPath) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def _line_of(lines: dict[SpecPath, int], path: SpecPath) -> int | None:
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None


def _step(node: Any, part: str | int) -> Any:
    """One step down the raw YAML by a validation error's location part (None past the end)."""
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and part < len(node):
        return node[part]
    return None


def _normalise(loc: tuple[Any, ...], data: Any) -> SpecPath:
    """Pydantic's error location minus the tags it adds for discriminated unions."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part not in node \
                and node.get("type") == part:
            continue
        out.append(part)
        node = _step(node, part)
    return tuple(out)


def _explain(err: Any, data: dict[str, Any]) -> tuple[SpecPath, str]:
    kind = err["type"]
    path = _normalise(tuple(err["loc"]), data)
    got = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag"))
        allowed = [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]
        is_field = set(allowed) <= set(FIELD_TYPES)
        what = "a field type" if is_field and len(allowed) == len(FIELD_TYPES) else "allowed here"
        msg = f"'{tag}' is not {what}; expected one of {', '.join(allowed)}{_suggest(tag, allowed)}"
        return (*path, "type"), msg
    if kind == "union_tag_not_found":
        return path, f"a field needs a 'type'; expected one of {', '.join(FIELD_TYPES)}"
    if kind == "extra_forbidden":
        key = str(path[-1])
        keys = _expected_keys(path[:-1], data) or []
        hint = f"; expected one of {', '.join(keys)}" if keys else ""
        return path, f"unknown key '{key}'{hint}{_suggest(key, keys)}"
    if kind == "missing":
        return path, f"'{path[-1]}' is required here"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        if "a-z" in pattern:
            return path, (f"{got!r} is not a valid id; use lower-case letters, digits and _, "
                          "starting with a letter")
        return path, f"{got!r} is not in the expected form ({pattern})"
    if kind.startswith("date_"):
        return path, f"{got!r} is not a date; expected YYYY-MM-DD, e.g. '2024-03-31'"
    if kind == "literal_error":
        return path, f"{got!r} is not allowed; expected {ctx.get('expected')}"
    if kind in ("bool_type", "bool_parsing"):
        return path, f"expected true or false, got {got!r}"
    message = str(err["msg"])
    message = message[0].lower() + message[1:]
    if got is not None and not isinstance(got, dict | list):
        message += f", got {got!r}"
    return path, message


def _suggest(word: str, options: list[str]) -> str:
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _expected_keys(path: SpecPath, data: Any) -> list[str] | None:
    """The keys the model at `path` accepts, found by walking the model classes."""
    tp: Any = FormSpec
    node = data
    for part in path:
        tp = _resolve(tp, node)
        if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(part, str):
            field = tp.model_fields.get(part)
            if field is None:
                return None
            tp = field.annotation
        else:
            origin = typing.get_origin(tp)
            args = typing.get_args(tp)
            if origin is list and args:
                tp = args[0]
            elif origin is dict and len(args) == 2:
                tp = args[1]
            else:
                return None
        node = _step(node, part)
    tp = _resolve(tp, node)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return None


def _resolve(tp: Any, node: Any) -> Any:
    """Unwrap Annotated and Optional; pick a discriminated-union member by the node's type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin is typing.Union or origin is types.UnionType:
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            chosen = members[0] if members else tp
            if isinstance(node, dict):
                for m in members:
                    if isinstance(m, type) and issubclass(m, BaseModel):
                        field = m.model_fields.get("type")
                        if field is not None and node.get("type") in typing.get_args(
                            field.annotation
                        ):
                            chosen = m
                            break
            tp = chosen
            continue
        return tp
