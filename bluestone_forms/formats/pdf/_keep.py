"""What the PDF and paper forms keep together on one page.

A question and its follow-ups (the questions right after it that apply only according to its
answer) form a group that is never split across pages; a group whose trigger a collation alert
reads (a live risk) is a safeguarding panel, bordered and marked. A section's heading, intro and
leading notes are kept with its first question (or first group), so no heading ends a page.
The view model only marks where wrappers open and close; `templates/_common.html.j2` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...spec import expr
from ...spec.model import FormSpec, NoteField, Section

GROUP = "keep-group"
SAFEGUARDING = "keep-group safeguarding"


def _triggers(spec: FormSpec) -> set[str]:
    """Fields whose answer raises a collation alert (a live risk, say)."""
    return set().union(*(expr.names(expr.parse(a.when)) for a in spec.collation.alerts))


def _groups(spec: FormSpec, section: Section) -> list[tuple[int, int]]:
    """(first, last) field index of each question that has follow-ups, in form order."""
    fields = section.fields
    groups: list[tuple[int, int]] = []
    i = 0
    while i < len(fields):
        members = {fields[i].id}
        end = i
        while end + 1 < len(fields) and not isinstance(fields[i], NoteField):
            nxt = fields[end + 1]
            rule = None if isinstance(nxt, NoteField) else spec.relevance(nxt)
            if rule is None or not expr.names(rule) & members:
                break
            members.add(nxt.id)
            end += 1
        if end > i:
            groups.append((i, end))
        i = end + 1
    return groups


@dataclass(frozen=True)
class Keeping:
    """Per field of a section (notes included): wrappers opened before it, and closed after."""

    opens: tuple[tuple[str, ...], ...]
    closes: tuple[int, ...]
    keep_head: bool  # the section's head opens a wrapper closed after its first question


def mark(spec: FormSpec, section: Section) -> Keeping:
    """Where the section's page-keeping wrappers open and close."""
    n = len(section.fields)
    opens: list[list[str]] = [[] for _ in range(n)]
    closes = [0] * n
    triggers = _triggers(spec)
    ends: dict[int, int] = {}
    for first, last in _groups(spec, section):
        opens[first].append(SAFEGUARDING if section.fields[first].id in triggers else GROUP)
        closes[last] += 1
        ends[first] = last
    answerable = [i for i, f in enumerate(section.fields) if not isinstance(f, NoteField)]
    keep_head = bool(answerable)
    if keep_head:
        closes[ends.get(answerable[0], answerable[0])] += 1
    return Keeping(tuple(tuple(o) for o in opens), tuple(closes), keep_head)
