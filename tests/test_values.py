"""The one codec: values survive value -> text -> value exactly, for every slot of every spec."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import record_values, specs_under_test

from bluestone_forms.answers import values
from bluestone_forms.answers.records import assemble, flatten, texts
from bluestone_forms.answers.slots import slot_map, slots
from bluestone_forms.spec.model import FormSpec

SPECS = specs_under_test()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_values_roundtrip_through_text_for_every_spec(spec: FormSpec) -> None:
    @given(record_values(spec))
    def check(vals: dict[str, Any]) -> None:
        shown = texts(spec, vals)
        back, issues = assemble(spec, shown)
        assert issues == []
        assert back == vals

    check()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_values_roundtrip_through_native_cell_values(spec: FormSpec) -> None:
    """What a spreadsheet hands back: numbers as floats, dates as datetimes, flags as bools."""

    def native(kind: str, v: Any) -> Any:
        if v is None:
            return None
        if kind in ("integer", "rating"):
            return float(v)
        if kind == "decimal":
            return float(v)
        if kind == "date":
            return dt.datetime(v.year, v.month, v.day)
        return v

    by_key = slot_map(spec)

    @given(record_values(spec))
    def check(vals: dict[str, Any]) -> None:
        raw = {k: native(by_key[k].kind, v) for k, v in flatten(spec, vals).items()}
        back, issues = assemble(spec, raw)
        assert issues == []
        assert back == vals

    check()


def _slot(spec: FormSpec, kind: str) -> Any:
    return next(s for s in slots(spec) if s.kind == kind)


SINK = SPECS[-1]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-01", dt.date(2024, 3, 1)),
        ("01/03/2024", dt.date(2024, 3, 1)),
        ("1/3/2024", dt.date(2024, 3, 1)),
        ("2024-03-01T00:00:00Z", dt.date(2024, 3, 1)),
        (dt.datetime(2024, 3, 1), dt.date(2024, 3, 1)),
        ("  ", None),
    ],
)
def test_values_date_accepts_iso_and_uk(raw: Any, expected: Any) -> None:
    assert values.decode(_slot(SINK, "date"), raw) == expected


def test_values_date_written_one_way() -> None:
    assert values.encode(_slot(SINK, "date"), dt.date(2024, 3, 1)) == "01/03/2024"


@pytest.mark.parametrize("raw", ["31/02/2024", "2024-3-1x", "tomorrow", dt.datetime(2024, 1, 1, 9)])
def test_values_date_rejects_non_dates(raw: Any) -> None:
    with pytest.raises(values.CodecError, match="date"):
        values.decode(_slot(SINK, "date"), raw)


def test_values_decimal_has_no_float_noise() -> None:
    s = _slot(SINK, "decimal")
    assert values.decode(s, 0.1) == Decimal("0.1")
    assert values.decode(s, 1234.55) == Decimal("1234.55")
    assert values.encode(s, Decimal("1E+3")) == "1000"


def test_values_choice_by_code_or_label() -> None:
    s = slot_map(SINK)["force"]
    assert values.decode(s, "south_wales") == "south_wales"
    assert values.decode(s, "South Wales") == "south_wales"
    assert values.decode(s, "  south  WALES ") == "south_wales"
    with pytest.raises(values.CodecError, match="one of 'Avon and Somerset'"):
        values.decode(s, "Gwent")


def test_values_rating_by_number_label_or_display_text() -> None:
    s = slot_map(SINK)["quality"]
    assert values.encode(s, 3) == "3 – Good"
    for raw in (3, 3.0, "3", "3 – Good", "3 - Good", "Good", "good"):
        assert values.decode(s, raw) == 3
    for bad in ("5", "3 – Outstanding", True, "x"):
        with pytest.raises(values.CodecError):
            values.decode(s, bad)


def test_values_yes_no_and_flags() -> None:
    yn = slot_map(SINK)["welfare_raised"]
    assert values.decode(yn, "Yes") == "yes"
    flag = slot_map(SINK)["support_offered.eap"]
    assert values.decode(flag, None) is False
    assert values.decode(flag, "Yes") is True
    assert values.decode(flag, "x") is True
    assert values.decode(flag, True) is True
    with pytest.raises(values.CodecError):
        values.decode(flag, "maybe")


def test_values_integer_rejects_fractions_and_words() -> None:
    s = slot_map(SINK)["days_to_arrest"]
    assert values.decode(s, 12.0) == 12
    for bad in (12.5, "twelve", "1,234", True):
        with pytest.raises(values.CodecError, match="whole number"):
            values.decode(s, bad)


def test_values_text_normalises_line_endings() -> None:
    s = slot_map(SINK)["point_1_notes"]
    assert values.decode(s, "a\r\nb\rc\n") == "a\nb\nc"


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.dates(),
                 st.datetimes(), st.decimals(allow_nan=True)))
def test_values_decode_never_raises_anything_but_codec_errors(raw: Any) -> None:
    for s in slots(SINK):
        with contextlib.suppress(values.CodecError):
            values.decode(s, raw)


@given(st.text(alphabet=st.sampled_from(["a", " ", "\r", "\n", "\u000b", "\t", "é"]),
               max_size=12))
def test_text_decoder_is_decode_text(raw: str) -> None:
    """The text slots' decoder takes a shortcut for the usual text; it gives what
    `scalars.decode_text` gives for any text."""
    from bluestone_forms.spec.scalars import decode_text

    assert values._text_decoder(raw) == decode_text(raw)


def test_text_decoder_refuses_text_over_the_limit_as_decode_text_does() -> None:
    long = "x" * (values.MAX_TEXT + 1)
    with pytest.raises(values.CodecError, match="at most"):
        values._text_decoder("  " + long + " ")
    assert values._text_decoder(" " * (values.MAX_TEXT + 5)) is None


def test_json_default_encodes_values_as_iso_makes_them() -> None:
    """The store encodes a record's values with `default=json_default` instead of walking
    them with `iso` first: the JSON must be the same, and a value no record holds refused."""
    import json

    vals = {"when": dt.date(2026, 1, 2), "at": dt.time(9, 30),
            "stamp": dt.datetime(2026, 1, 2, 3, 4), "score": Decimal("1.50"), "none": None,
            "ticks": ["a", "b"], "n": 3, "ok": True,
            "rows": [{"due": dt.date(2026, 3, 4), "cost": Decimal("2"), "who": "Mair"}]}
    enc = {"ensure_ascii": False, "sort_keys": True}
    assert (json.dumps(vals, default=values.json_default, **enc)  # type: ignore[arg-type]
            == json.dumps(values.iso(vals), **enc))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not a value a record holds"):
        json.dumps({"odd": {1, 2}}, default=values.json_default)
