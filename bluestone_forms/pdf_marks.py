"""The marked-content sequences (BDC operators) of a PDF page's content streams, read from
their bytes, for `pdf_ua`: which ones the structure tree does not reach, re-marked as artifacts.

Why: `pdf_ua` must find, on every page, which marked content the structure tree reaches (by
MCID) and re-mark the rest as artifacts. Parsing a stream into pikepdf operators and operands
costs a Python object per number, and a report's page holds tens of thousands; the operators
that matter here are a few hundred. So a small scanner walks the decompressed bytes with one
regular expression, stepping over literal strings and comments, and picks out each BDC with
its tag and inline property list. What it does not expect (an inline image, a BDC whose properties
hold strings or nested dictionaries) makes it give up (`None`), and the caller parses that
stream with pikepdf instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pikepdf

_REGULAR = rb"[^\s/<>\[\]()%{}]"  # a byte of a name or operator (not white space or delimiter)
_TOKEN = re.compile(
    rb"(?P<string>\()"  # a literal string: its end found by _string_end (parentheses nest)
    rb"|%[^\r\n]*"  # a comment
    # (a hex string holds no "(", "%" or "/", and a "BDC" in one follows a digit, not a space)
    rb"|/(?P<tag>" + _REGULAR + rb"+)\s*"
    rb"(?:<<(?P<props>[^<>()\[\]]*)>>|/" + _REGULAR + rb"+)\s*BDC(?!" + _REGULAR + rb")"
    rb"|(?P<odd>B(?:DC|I))(?!" + _REGULAR + rb")"  # an operator if what precedes ends a token
)  # (each branch starts with its own byte, so the search skips to the next of those five)
_AFTER_TOKEN = re.compile(rb"[\s<>\[\]()%{}]")  # not a name's "/" nor part of a word
_MCID = re.compile(rb"/MCID\s+(\d+)(?!" + _REGULAR + rb")")
_IN_STRING = re.compile(rb"[()\\]")
ARTIFACT = b"/Artifact <</Type /Pagination>> BDC"
_ARTIFACT = pikepdf.Dictionary(Type=pikepdf.Name.Pagination)
Tagged = set[tuple[tuple[int, int], int]]  # (page, MCID) of marked content a tree reaches


@dataclass(frozen=True)
class Mark:
    """One BDC operator with its operands: bytes [start, end) of the stream."""

    start: int
    end: int
    tag: bytes
    mcid: int | None


def _string_end(data: bytes, pos: int) -> int:
    """Where the literal string whose "(" is just before `pos` ends (after its ")")."""
    depth = 1
    while depth:
        m = _IN_STRING.search(data, pos)
        if m is None:
            return len(data)
        pos = m.end()
        if m[0] == b"\\":
            pos += 1
        else:
            depth += 1 if m[0] == b"(" else -1
    return pos


def marks(data: bytes) -> list[Mark] | None:
    """Every BDC of a content stream in order, or None where the scanner cannot be sure."""
    out: list[Mark] = []
    pos = 0
    while (m := _TOKEN.search(data, pos)) is not None:
        pos = m.end()
        if m["string"]:
            pos = _string_end(data, pos)
        elif m["odd"]:
            if m.start() == 0 or _AFTER_TOKEN.fullmatch(data, m.start() - 1, m.start()):
                return None
        elif m["tag"]:
            mcid = _MCID.search(m["props"]) if m["props"] is not None else None
            out.append(Mark(m.start(), m.end(), m["tag"], int(mcid[1]) if mcid else None))
    return out


def tagged_marks(found: list[Mark]) -> list[Mark]:
    """The marks that are not artifacts (the ones the structure tree should reach)."""
    return [m for m in found if m.tag != b"Artifact"]


def as_artifacts(data: bytes, loose: list[Mark]) -> bytes:
    """The stream with each of `loose` (marks of `data`, in order) re-marked as a
    pagination artifact."""
    parts: list[bytes] = []
    pos = 0
    for m in loose:
        parts += [data[pos:m.start], ARTIFACT]
        pos = m.end
    parts.append(data[pos:])
    return b"".join(parts)


def streams(page: pikepdf.Page) -> list[pikepdf.Stream]:
    """The page's content streams."""
    c = page.obj.get("/Contents")
    if isinstance(c, pikepdf.Stream):
        return [c]
    return [s for s in c if isinstance(s, pikepdf.Stream)] if isinstance(c, pikepdf.Array) else []


def _marked(ops: list[Any]) -> Iterator[tuple[int, int | None]]:
    """(index, MCID or None) of each BDC that is not an artifact."""
    for i, ins in enumerate(ops):
        if not isinstance(ins, pikepdf.ContentStreamInstruction):
            continue  # an inline image
        operands, op = ins.operands, ins.operator
        if str(op) == "BDC" and operands and operands[0] != pikepdf.Name.Artifact:
            props = operands[1] if len(operands) > 1 else None
            mcid = props.get("/MCID") if isinstance(props, pikepdf.Dictionary) else None
            yield i, int(mcid) if mcid is not None else None


def loose(page: pikepdf.Page, stream: pikepdf.Stream, tagged: Tagged,
          mend: bool = False) -> list[int | None]:
    """The MCIDs (None: no MCID) of the stream's marked content that the tree does not reach;
    with `mend`, those with an MCID are re-marked as pagination artifacts in the stream.

    The BDC operators are read from the stream's bytes (`marks`); a stream the scanner
    cannot be sure of is parsed by pikepdf instead."""
    pg = page.obj.objgen
    data = stream.read_bytes()
    found = marks(data)
    if found is not None:
        out = [m for m in tagged_marks(found) if m.mcid is None or (pg, m.mcid) not in tagged]
        if mend and any(m.mcid is not None for m in out):
            stream.write(as_artifacts(data, [m for m in out if m.mcid is not None]))
        return [m.mcid for m in out]
    ops = list(pikepdf.parse_content_stream(stream))
    at = [(i, m) for i, m in _marked(ops) if m is None or (pg, m) not in tagged]
    if mend and any(m is not None for _, m in at):
        for i, m in at:
            if m is not None:
                ops[i] = pikepdf.ContentStreamInstruction(
                    [pikepdf.Name.Artifact, _ARTIFACT], pikepdf.Operator("BDC"))
        stream.write(pikepdf.unparse_content_stream(ops))
    return [m for _, m in at]
