"""The one question numbering every format, the collated workbook and the report use.

Questions are numbered 1, 2, 3 … in form order. A section the spec gives its own `number`
(criterion 17: `number: 17`) numbers its questions under it instead (17.1, 17.2 …), so criterion
17 of the L&D self-assessment is 17 everywhere, not the 85th question; questions outside such
sections keep counting 1, 2, 3 … past them. "See Q12" then means one question in every copy.
"""

from __future__ import annotations

from .model import FormSpec, NoteField


def question_numbers(spec: FormSpec) -> dict[str, str]:
    """Field id -> its question number as printed ("4", "17.2"), for every answerable field."""
    out: dict[str, str] = {}
    running = 0
    for section in spec.sections:
        own = section.number
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
