"""What the PDF and paper forms keep together on one page.

A question and its follow-ups (or its notes box) form a group that is never split across pages
(`formats.keeping` says which); a group whose trigger a collation alert reads (a live risk) is a
safeguarding panel, bordered and marked. A section's heading, intro and leading notes are kept
with its first question (or first group), so no heading ends a page. The view model only marks
where wrappers open and close; `templates/_common.html.j2` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...spec.model import FormSpec, NoteField, Section
from ..keeping import groups

GROUP = "keep-group"
SAFEGUARDING = "keep-group safeguarding"


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
    ends: dict[int, int] = {}
    for g in groups(spec, section):
        opens[g.first].append(SAFEGUARDING if g.safeguarding else GROUP)
        closes[g.last] += 1
        ends[g.first] = g.last
    answerable = [i for i, f in enumerate(section.fields) if not isinstance(f, NoteField)]
    keep_head = bool(answerable)
    if keep_head:
        closes[ends.get(answerable[0], answerable[0])] += 1
    return Keeping(tuple(tuple(o) for o in opens), tuple(closes), keep_head)
