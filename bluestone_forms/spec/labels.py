"""A form's questions and answers as a person reads them: labels by field id, looked up once.

Shared by the summary (figures, alerts, follow-ups) and the workbook (cells).
"""

from __future__ import annotations

import datetime as dt
from contextlib import suppress
from typing import Any

from . import expr
from .kinds import KINDS
from .model import Answerable, FormSpec
from .numbering import question_numbers
from .wording import question_name, show_date

NOT_GIVEN = "(not given)"


class Labels:
    """A form's questions and choice labels by id, looked up once.

    Why: `FormSpec.field` scans the whole spec on every call; over every answer of 10,000
    returns that scan cost more than the rest of the export together.
    """

    def __init__(self, spec: FormSpec) -> None:
        self.spec = spec
        self.numbers = question_numbers(spec)
        self.fields: dict[str, Answerable] = {}
        self.choices: dict[str, dict[str, str]] = {}
        self.rules: dict[str, expr.Expr] = {}  # field id -> its parsed relevance rule
        for f in spec.answerable():
            if f.id in self.fields:
                continue
            self.fields[f.id] = f
            rule = spec.relevance(f)
            if rule is not None:
                self.rules[f.id] = rule
            with suppress(TypeError):  # a question without choices
                self.choices[f.id] = {c.code: c.label for c in spec.options(f)}

    def question(self, fid: str) -> str:
        """A question as outputs name it: its number as every format prints it, and its label
        ("Q12 Live risk identified"), so "see Q12" means the same question everywhere."""
        return question_name(self.numbers[fid], self.fields[fid].label)

    def display(self, fid: str, value: Any) -> str:
        """An answer as a person reads it (labels, dd/mm/yyyy, one line per list item)."""
        if value is None or value == []:
            return ""
        f = self.fields[fid]
        if isinstance(value, list) and f.shape == "many":
            labels = self.choices[fid]
            return "; ".join(labels.get(v, str(v)) for v in value)
        if isinstance(value, dict):
            return " ".join(display_scalar(v) for v in value.values() if v is not None)
        options = self.choices.get(fid)
        if options is not None:
            return options.get(str(value), str(value))
        return KINDS[f.kind].show(value) if f.kind else display_scalar(value)

    def force(self, values: dict[str, Any]) -> str:
        """The force a return names, by its label."""
        fid = self.spec.collation.force_field
        code = values.get(fid) if fid else None
        if code is None:
            return NOT_GIVEN
        return self.choices.get(fid or "", {}).get(code, str(code))


def display_scalar(v: Any) -> str:
    return show_date(v) if isinstance(v, dt.date) else str(v)
