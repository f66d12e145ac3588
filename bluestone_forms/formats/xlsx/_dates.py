"""What an Excel form's reader can honestly say about dates a spreadsheet may have swapped.

A date typed as 05/12/2026 becomes a real date cell in any spreadsheet; whether it is 5
December or 12 May depends on the typist's locale, and the file does not record which (Excel
and Calc write no locale into an .xlsx). The form's date cells therefore *show* the date as
understood, month in words, so the typist sees a swap at once (`_xlsx_layout.DATE_FORMAT`).

What the file can still tell: a spreadsheet that reads dates month-first leaves a day-first
date that has no month-first reading (31/01/2027: there is no month 31) as *text*. Such text
in a date cell is read day-first, as the form asks, so it is right; but it is evidence that
the other dates of the same return went through a month-first reader. Each of those that
reads both ways (day and month both 12 or less, and different) gets an Issue asking for a
check. Nothing is changed: the reader cannot know which date was meant, and says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ...answers.slots import Slot
from ...errors import Issue

_DAY_FIRST_ONLY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def _month_first_impossible(text: str) -> bool:
    m = _DAY_FIRST_ONLY.match(text)
    return m is not None and 12 < int(m[1]) <= 31 and 1 <= int(m[2]) <= 12


def _shown(day: dt.date) -> str:
    return f"{day.day} {day:%b} {day.year}"


def swapped_date_issues(slots: Iterable[Slot], raw: Mapping[str, Any],
                        where: Mapping[str, str], file: str, row: int | None) -> list[Issue]:
    """Issues for the date cells of one return whose day and month may have been swapped."""
    dates = [s for s in slots if s.kind == "date"]
    evidence = next(((s, raw[s.key]) for s in dates if isinstance(raw.get(s.key), str)
                     and _month_first_impossible(raw[s.key])), None)
    if evidence is None:
        return []
    witness, text = evidence
    issues = []
    for s in dates:
        value = raw.get(s.key)
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date) and value.day <= 12 and value.day != value.month:
            issues.append(Issue(
                s.key,
                f"{s.label}: read as {_shown(value)}, but “{witness.label}” holds "
                f"{text.strip()} as text, which a spreadsheet that reads dates month-first "
                "(US order) leaves unconverted; day and month of this date may be swapped: "
                "check it", value.isoformat(), where.get(s.key), file, row))
    return issues
