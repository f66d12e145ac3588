"""The one question numbering every format, the collated workbook and the report use.

Questions are numbered 1, 2, 3 … in form order. A section whose title ends in its own number
("Criterion 17") numbers its questions under that number instead (17.1, 17.2 …), so criterion
17 of the L&D self-assessment is 17 everywhere, not the 85th question; questions outside such
sections keep counting 1, 2, 3 … past them. "See Q12" then means one question in every copy.
"""

from __future__ import annotations

import re

from .spec import FormSpec, NoteField

_OWN_NUMBER = re.compile(r"\s(\d{1,3})\s*$")


def section_number(title: str) -> str | None:
    """The number a section's title gives it ("Criterion 17" -> "17"), or None."""
    found = _OWN_NUMBER.search(title)
    return found.group(1) if found else None


def question_numbers(spec: FormSpec) -> dict[str, str]:
    """Field id -> its question number as printed ("4", "17.2"), for every answerable field."""
    out: dict[str, str] = {}
    running = 0
    for section in spec.sections:
        own = section_number(section.title)
        inner = 0
        for f in section.fields:
            if isinstance(f, NoteField):
                continue
            if own is None:
                running += 1
                out[f.id] = str(running)
            else:
                inner += 1
                out[f.id] = f"{own}.{inner}"
    return out
