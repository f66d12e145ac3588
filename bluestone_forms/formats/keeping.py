"""What every printed format keeps together on one page: a question with its follow-ups.

A question and the questions right after it that apply only according to its answer (its
follow-ups), or that hold its notes (`point_1` then `point_1_notes`), form a group that no
format splits across pages: the PDF and paper forms wrap it in a block that does not break
(`pdf/_keep.py`), the Word form keeps its paragraphs with the next (`docx/_layout.py`), the
Excel form puts a page break before it when it would not fit (`xlsx/pages.py`). A group whose
trigger a collation alert reads (a live risk) is a safeguarding group, which every format marks.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..spec import expr
from ..spec.model import AnyField, FormSpec, NoteField, Section

NOTES_SUFFIX = "_notes"  # a question's notes box: `point_1_notes` after `point_1`


@dataclass(frozen=True)
class Group:
    """Fields `first` to `last` (indexes into a section's fields) kept on one page."""

    first: int
    last: int
    safeguarding: bool


def triggers(spec: FormSpec) -> set[str]:
    """Fields whose answer raises a collation alert (a live risk, say)."""
    return set().union(*(expr.names(expr.parse(a.when)) for a in spec.collation.alerts))


def _joins(spec: FormSpec, members: set[str], nxt: AnyField) -> bool:
    """Whether `nxt` belongs with the group so far: a follow-up, or the notes of a member."""
    if isinstance(nxt, NoteField):
        return False
    if any(nxt.id == m + NOTES_SUFFIX for m in members):
        return True
    rule = spec.relevance(nxt)
    return rule is not None and bool(expr.names(rule) & members)


def groups(spec: FormSpec, section: Section) -> list[Group]:
    """Each group of two or more fields of a section, in form order."""
    fields = section.fields
    alerts = triggers(spec)
    out: list[Group] = []
    i = 0
    while i < len(fields):
        members = {fields[i].id}
        end = i
        while (end + 1 < len(fields) and not isinstance(fields[i], NoteField)
               and _joins(spec, members, fields[end + 1])):
            members.add(fields[end + 1].id)
            end += 1
        if end > i:
            out.append(Group(i, end, fields[i].id in alerts))
        i = end + 1
    return out
