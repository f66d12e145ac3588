"""Real clients typing into the Excel form: LibreOffice Calc under a person's locale.

One soffice per locale (tests/realclient/calc_driver.py, run by Debian's python3-uno), with
a private profile and a locale compiled by localedef, enters every answer box of the
generated Excel form through Calc's own input path (`.uno:EnterString`, what typing into a
cell and pressing Enter goes through: it applies the locale's date acceptance patterns,
unlike the API's setFormula; text on two lines as a cell line break, Ctrl+Enter), or pastes
it (clipboard, Edit > Paste: some text and dates), records what each cell then shows, and
saves as .xlsx. (The UI test's key events need a visible Calc window, which aborts soffice
7.4 here: docs/VERIFIED.md.)

en-GB: every answer reads back exactly. en-US: a date typed day-first (05/12/2026) is taken
month-first (12 May), and the date cell *shows* that in words, so the typist sees it; a
date with no month-first reading (31/01/2027) stays text and is read right, and the reader
flags every date of that return that reads both ways ("may be swapped: check it").
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from realclient import harness
from realclient.plans import Typed, plan

from bluestone_forms.answers.records import flatten
from bluestone_forms.answers.slots import slots
from bluestone_forms.formats import xlsx
from bluestone_forms.formats.xlsx import _layout as L
from bluestone_forms.formats.xlsx._dates import swapped_date_issues
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.wording import Wording

pytestmark = pytest.mark.slow  # LibreOffice typing: left out of the quick lane

CATALOG = Catalog.shipped()
TYPED = ("rp1", "case_review", "statutory_review_quality")


def _cell_text(t: Typed) -> str | None:
    """What a person enters into the answer's cell."""
    kind = t.slot.kind
    if kind == "flag":
        return "Yes" if t.expected else None
    if kind == "date":
        d = t.expected
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if kind in ("text", "long_text"):
        return str(t.expected)  # a line break in a cell: Ctrl+Enter in Calc, Alt+Enter in Excel
    return str(t.steps[-1][1])  # numbers, choices and ratings: the text typed in Word


def _route(t: Typed) -> str:
    """How it goes in: pasted where the Word plan pastes, and every third date pasted;
    "line_break" for text on two lines; else typed."""
    if t.route in ("paste", "type_paste") or (
            t.slot.kind == "date" and t.expected == dt.date(2027, 3, 2)):
        return "paste"
    if "\n" in str(t.expected):
        return "line_break"
    return "type"


def _expected(t: Typed) -> Any:
    return t.expected


def _shows(d: dt.date) -> str:
    return f"{d.day} {d:%b} {d.year}"


@pytest.fixture(scope="module", params=["en-GB", "en-US"])
def typed(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    harness.require_office()
    tag: str = request.param
    work = tmp_path_factory.mktemp(f"calc-{tag}")
    env = harness.locale_profile(work, tag)
    jobs, plans = [], {}
    for sid in TYPED:
        spec = CATALOG.resolve(sid, "1.0", sid)
        form = xlsx.write(spec, work / f"{sid}-form.xlsx")
        plans[sid] = [t for t in plan(spec) if _cell_text(t) is not None]
        jobs.append({"in": str(form), "out": str(work / f"{sid}-typed.xlsx"),
                     "cells": {L.defined_name(t.slot.key): [
                         "paste" if _route(t) == "paste" else "type", _cell_text(t)]
                               for t in plans[sid]}})
    # one soffice per workbook: Calc 7.4 aborts here when a second hidden document is opened
    # in the same session (or the first is closed)
    report = [harness.run_driver("calc_driver.py", [job], work / Path(job["in"]).stem,
                                 env=env)[0] for job in jobs]
    out = {sid: (plans[sid], done["shown"], xlsx.read(job["out"], catalog=CATALOG))
           for sid, job, done in zip(TYPED, jobs, report, strict=True)}
    return tag, out


@pytest.mark.libreoffice
def test_calc_typing_reads_back_or_shows_the_swap(
    typed: tuple[str, dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    tag, out = typed
    sent: Counter[str] = Counter()
    back: Counter[str] = Counter()
    for sid, (steps, shown, result) in out.items():
        spec = CATALOG.resolve(sid, "1.0", sid)
        got = flatten(spec, result.records[0].values)
        assert {t.slot.kind for t in steps} >= {"text", "date", "choice"}
        for t in steps:
            kind = f"{'date' if t.slot.kind == 'date' else 'other'} {_route(t)}"
            sent[kind] += 1
            ok = got.get(t.slot.key) == _expected(t)
            back[kind] += ok
            if t.slot.kind == "date":
                cell = shown[L.defined_name(t.slot.key)]
                if tag == "en-GB":
                    assert cell == _shows(t.expected), t.slot.key
                else:
                    # the date as understood, in words: not the date the typist meant
                    assert cell != _shows(t.expected), t.slot.key
                    if t.expected.day <= 12:
                        swapped = dt.date(t.expected.year, t.expected.day, t.expected.month)
                        assert cell == _shows(swapped), t.slot.key
                        assert not ok
                    else:
                        # no month 31: Calc keeps the typed text, left as typed (no date
                        # format applies), and the reader reads it day-first, as the form asks
                        assert cell == _cell_text(t), t.slot.key
                        assert ok
            elif tag == "en-GB" or t.slot.kind != "date":
                assert ok, (sid, t.slot.key, t.expected, got.get(t.slot.key))
        assert len(slots(spec)) >= len(steps)
        flagged = {i.field for i in result.issues if "month-first" in i.message}
        if tag == "en-GB":
            assert [i.message for i in result.issues if "applies only if" not in i.message] == []
        else:  # a date left as text shows the typist's spreadsheet reads month-first
            dates = [t.expected for t in steps if t.slot.kind == "date"]
            ambiguous = {t.slot.key for t in steps if t.slot.kind == "date"
                         and t.expected.day <= 12 and t.expected.day != t.expected.month}
            # only a return with a date left as text (no month 31) gives the evidence
            assert flagged == (ambiguous if any(d.day > 12 for d in dates) else set())
            assert ambiguous
    with capsys.disabled():
        print(f"\nExcel form typed in LibreOffice Calc 7.4 ({tag}), answers read back as meant:")
        for kind in sorted(sent):
            print(f"  {kind:16} {back[kind]:4} of {sent[kind]:4}")
    if tag == "en-GB":
        assert back == sent


def test_date_cells_show_the_month_in_words_and_say_so(tmp_path: Path) -> None:
    """No LibreOffice needed: the format and the input message of every date cell."""
    spec = CATALOG.resolve("rp1", "1.0", "rp1")
    date_slots = [s for s in slots(spec) if s.kind == "date"]
    words = Wording(spec)
    assert date_slots
    for s in date_slots:
        assert L.number_format(s) == "d mmm yyyy"
        assert L.rule(s, words).prompt.startswith(words.phrase("xlsx_date_note"))
        assert len(L.rule(s, words).prompt) <= 255


def test_a_date_left_as_text_flags_the_dates_that_read_both_ways() -> None:
    """No LibreOffice needed: the evidence rule of `_xlsx_dates` on raw cell values."""
    spec = CATALOG.resolve("rp1", "1.0", "rp1")
    d1, d2, d3 = [s for s in slots(spec) if s.kind == "date"][:3]
    where = {s.key: f"Form!C{n}" for n, s in enumerate(slots(spec))}
    raw = {d1.key: dt.datetime(2026, 5, 12), d2.key: "31/01/2027", d3.key: dt.date(2026, 3, 3)}
    issues = swapped_date_issues(slots(spec), raw, where, "f.xlsx", None)
    assert [i.field for i in issues] == [d1.key]  # 3 March reads the same both ways
    assert "12 May 2026" in issues[0].message
    assert "31/01/2027" in issues[0].message
    assert issues[0].where == where[d1.key]
    # without a date left as text there is no evidence, and nothing is said
    raw[d2.key] = dt.datetime(2027, 1, 31)
    assert swapped_date_issues(slots(spec), raw, where, "f.xlsx", None) == []
