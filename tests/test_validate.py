"""Validation: required, type, constraint and relevance; never raises on bad values."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import record_values, specs_under_test

from bluestone_forms.answers.records import Record, empty_values
from bluestone_forms.answers.validate import validate
from bluestone_forms.spec.model import FormSpec

SPECS = specs_under_test()
SINK = SPECS[-1]


def _record(spec: FormSpec, **vals: Any) -> Record:
    values = empty_values(spec)
    values.update(vals)
    return Record(spec.id, spec.version, "i-1", values, file="f.docx")


def _good(**overrides: Any) -> Record:
    vals: dict[str, Any] = {
        "crime_ref": "AS/123",
        "force": "durham",
        "review_date": dt.date(2024, 1, 2),
        "welfare_raised": "no",
        "supervisor_signoff": {"name": "DS Smith", "date": dt.date(2024, 1, 3)},
    }
    vals.update(overrides)
    return _record(SINK, **vals)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_validate_random_valid_values_have_no_issues(spec: FormSpec) -> None:
    @given(record_values(spec))
    def check(vals: dict[str, Any]) -> None:
        assert validate(Record(spec.id, spec.version, "i", vals), spec) == []

    check()


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    | st.dates() | st.datetimes() | st.decimals(allow_nan=True),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=6,
)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_validate_random_invalid_values_yield_issues_never_exceptions(spec: FormSpec) -> None:
    ids = [f.id for f in spec.answerable()]

    @given(st.dictionaries(st.sampled_from([*ids, "not_a_field"]), JUNK, min_size=1))
    def check(junk: dict[str, Any]) -> None:
        issues = validate(Record(spec.id, spec.version, "i", junk), spec)
        for issue in issues:
            assert issue.field
            assert issue.message

    check()


def test_validate_clean_record() -> None:
    assert validate(_good(), SINK) == []


def test_validate_required_missing() -> None:
    issues = validate(_good(crime_ref=None), SINK)
    assert [(i.field, i.message) for i in issues] == [
        ("crime_ref", "Crime reference: an answer is required")
    ]


def test_validate_constraints_name_field_value_and_expectation() -> None:
    issues = validate(_good(days_to_arrest=-1, hours=Decimal("1.234"), crime_ref="x" * 41), SINK)
    got = {i.field: (i.message, i.value) for i in issues}
    assert got["days_to_arrest"] == ("Days from suspect known to arrest: at least 0", "-1")
    assert got["hours"][0] == "Hours spent on the review: at most 2 decimal places"
    assert got["crime_ref"][0] == "Crime reference: at most 40 characters"


def test_validate_answer_to_question_that_does_not_apply() -> None:
    issues = validate(_good(support_offered=["eap"]), SINK)
    assert len(issues) == 1
    assert issues[0].field == "support_offered"
    assert "applies only if “Was a welfare issue raised?” is “Yes”" in issues[0].message


def test_validate_relevant_questions_are_checked_when_they_apply() -> None:
    rec = _good(welfare_raised="yes", support_offered=["eap", "bogus"])
    issues = validate(rec, SINK)
    assert [i.field for i in issues] == ["support_offered"]
    assert "'bogus' is not one of" in issues[0].message


def test_validate_table_rows() -> None:
    rows = [{"action": None, "owner": "DC Jones"}, {"action": "Call", "due": "tomorrow"}]
    issues = validate(_good(actions=rows), SINK)
    msgs = {i.field: i.message for i in issues}
    assert msgs["actions.1.action"] == "Agreed actions: row 1: Action is required"
    assert msgs["actions.2.due"] == "Agreed actions: row 2: Due date: expected a date"


def test_validate_unknown_field_is_reported() -> None:
    rec = _good()
    rec.values["mystery"] = 1
    issues = validate(rec, SINK)
    assert [i.field for i in issues] == ["mystery"]


def test_validate_signoff_needs_name_and_date() -> None:
    issues = validate(_good(supervisor_signoff={"name": "DS Smith", "date": None}), SINK)
    assert [i.field for i in issues] == ["supervisor_signoff.date"]


@pytest.mark.parametrize(("vals", "message"), [
    ({"officr": "A"}, "no place for 'officr'"),
    ({"actions": [{"action": "x"}] * 4}, "no place for 'actions.4.action'"),
    ({"actions": [{"action": "x", "cost": 1}]}, "no place for 'actions.1.cost'"),
    ({"supervisor_signoff": {"name": "A", "rank": "DS"}}, "no place for 'supervisor_signoff.rank'"),
    ({"support_offered": ["eap", "spa_day"]}, "no place for 'support_offered.spa_day'"),
])
@pytest.mark.parametrize("fmt", ["docx", "xlsx", "pdf"])
def test_prefilling_a_value_the_form_has_no_place_for_is_an_error(
        tmp_path: Path, fmt: str, vals: dict[str, Any], message: str) -> None:
    """A form made with values, or filled, never drops one silently."""
    from bluestone_forms import formats

    with pytest.raises(ValueError, match=re.escape(message)):
        formats.module(fmt).write(SINK, tmp_path / f"f{formats.EXTENSIONS[fmt]}", values=vals)
