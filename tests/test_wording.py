"""The wording module and the one question numbering (what every format prints)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.loader import load_spec
from bluestone_forms.spec.model import Source
from bluestone_forms.spec.numbering import question_numbers
from bluestone_forms.spec.wording import PHRASES, Wording, attribution, show_date

LD = Catalog.shipped().get("ld_self_assessment")
TICKS = load_spec(Path(__file__).parent / "specs" / "ticks.yaml")


def test_wording_criteria_keep_their_own_numbers() -> None:
    numbers = question_numbers(LD)
    assert numbers["force"] == "1"
    assert numbers["assessment_date"] == "4"
    assert numbers["c01_rating"] == "1.1"
    assert numbers["c17_rating"] == "17.1"
    assert numbers["c17_target"] == "17.5"
    assert numbers["summary"] == "5"  # unnumbered sections count on past the criteria
    assert Wording(LD).number(LD.field("c17_rating")) == "Q17.1"


def test_wording_section_numbers_only_from_the_spec_never_from_a_title() -> None:
    own = {s.title: s.number for s in LD.sections}
    assert own["Criterion 17"] == 17
    titled = LD.model_copy(update={"sections": [
        s.model_copy(update={"number": None}) for s in LD.sections]})
    numbers = question_numbers(titled)  # "Criterion 17" without `number`: counted on
    assert numbers["c17_rating"] != "17.1"
    assert "." not in "".join(numbers.values())


def test_wording_every_shipped_spec_numbers_each_question_once() -> None:
    for spec in Catalog.shipped():
        numbers = question_numbers(spec)
        assert set(numbers) == {f.id for f in spec.answerable()}
        assert len(set(numbers.values())) == len(numbers), spec.id


def test_wording_tick_rules() -> None:
    words = Wording(TICKS)
    rules = {f.id: words.tick_rule(f) for f in TICKS.answerable()}
    assert rules == {"any": "Tick all that apply.", "two": "Tick at least 2.",
                     "upto": "Tick up to 2.", "some": "Tick between 1 and 2.",
                     "just": "Tick 2.", "one": "Tick one.", "why": ""}
    assert words.tick_one(TICKS.field("one")) == "Tick one."
    assert words.tick_one(TICKS.field("any")) == ""


def test_wording_attribution_is_one_text_with_the_licence_url() -> None:
    text = Wording(LD).attribution()
    assert "CC BY-NC-SA 4.0" in text
    assert text.endswith("http://creativecommons.org/licenses/by-nc-sa/4.0/deed.en_GB")
    plain = Source(seed="x", title="A guide", authors="A Author", date="2021",
                   licence="CC BY 4.0", url="https://example.org/l")
    assert attribution(plain) == ("Adapted from “A guide”, A Author, 2021. Licence: CC BY 4.0. "
                                  "https://example.org/l")
    assert attribution(Source(seed="x", title="No licence")) == ""


def test_wording_tables_have_the_same_phrases_in_every_language() -> None:
    assert set(PHRASES["cy"]) == set(PHRASES["en"])


def test_wording_page_and_dates() -> None:
    words = Wording(LD)
    assert words.page(2, 9) == "Page 2 of 9"
    assert words.page_parts() == ("Page ", " of ", "")
    assert show_date(dt.date(2026, 12, 5)) == "05/12/2026"
    assert words.form_version() == "Form ld_self_assessment, version 1.0"
