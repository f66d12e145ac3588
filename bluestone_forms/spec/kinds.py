"""The kinds of answer a slot takes, each defined once: codec, checks, display and JSON.

Why one table: a field type's behaviour used to be worked out again wherever a value was
decoded, encoded, checked, shown or stored. A field class names its slot kind
(`spec_fields.TextField.kind == "text"`); everything that depends on the kind is an entry
here, so a new kind of answer is one entry, and a format adds only its widget for it.

Canonical values: text -> str (stripped, newlines as \\n); integer -> int; decimal -> Decimal;
date -> datetime.date; time -> datetime.time (hours and minutes); choice -> the choice's code
(str); rating -> the point's value (int); flag -> bool. An empty answer is None (a flag: False).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .fields import Choice
from .scalars import (
    CodecError,
    as_text,
    decode_date,
    decode_decimal,
    decode_flag,
    decode_int,
    decode_text,
    fold,
)
from .scalars import finite as finite
from .wording import EN, show_date

_RATING = re.compile(r"^([+-]?\d+)\s*(?:[-–—:.)]\s*.*)?$", re.S)

Decoder = Callable[[Any], Any]
Options = tuple[Choice, ...]
Check = Callable[[Any], list[str]]  # the problems of an answered value


@dataclass(frozen=True)
class Kind:
    """Everything about one kind of answer that is not a format's widget.

    decoder(options): raw content that is not empty -> the canonical value (CodecError when
    it is none); encode(options, value): a value (never None) -> the text a box shows;
    checker(field, options): an answered value's problems; show: a value as a person reads
    it in the collated workbook and the report; options: whether it offers choices (a
    drop-down, a list of ticks); examples: plausible answers (the demo's sample returns).

    A kind whose canonical value has a Python type of its own (`value_type`: a Decimal, a
    date, a time) also says how such a value is stored and put in a spreadsheet: to_json
    (plain JSON data, `values.iso`) and from_json back; cell_format, the number format a
    typed cell of the collated workbook shows it in (None: a plain number or truth value).
    The JSON and cell encoders find these by the value's type (`to_json`, `cell_format`
    below), so they know no kind by name."""

    name: str
    decoder: Callable[[Options], Decoder]
    encode: Callable[[Options, Any], str]
    checker: Callable[[Any, Options], Check]
    show: Callable[[Any], str] = str
    from_json: Callable[[Any], Any] = lambda v: v
    options: bool = False
    examples: tuple[Any, ...] = ()
    value_type: type | None = None
    to_json: Callable[[Any], Any] = lambda v: v
    cell_format: str | None = None


def shown(v: Any) -> str:
    """A value in a message: dates dd/mm/yyyy, long text clipped."""
    if isinstance(v, dt.date):
        return show_date(v)
    text = str(v)
    return text if len(text) <= 200 else text[:200] + "…"


def bounds(v: Any, lo: Any, hi: Any, custom: str | None) -> list[str]:
    out = []
    if lo is not None and v < lo:
        out.append(custom or f"at least {shown(lo)}")
    if hi is not None and v > hi:
        out.append(custom or f"at most {shown(hi)}")
    return out


# --- text -------------------------------------------------------------------------------


def _text_checker(f: Any, options: Options) -> Check:
    lo, hi, custom = f.min_length, f.max_length, f.message
    pattern = getattr(f, "pattern", None)
    try:
        matcher = re.compile(pattern).fullmatch if pattern else None
    except re.error:  # reported where the pattern is used, as before
        matcher = None

    def check(v: Any) -> list[str]:
        if not isinstance(v, str):
            return ["expected text"]
        out = []
        if lo is not None and len(v) < lo:
            out.append(custom or f"at least {lo} characters")
        if hi is not None and len(v) > hi:
            out.append(custom or f"at most {hi} characters")
        if pattern and not (matcher(v) if matcher else re.fullmatch(pattern, v)):
            out.append(custom or f"does not match the pattern {pattern}")
        return out

    return check


# --- numbers ----------------------------------------------------------------------------


def _integer_checker(f: Any, options: Options) -> Check:
    lo, hi, custom = f.min, f.max, f.message

    def check(v: Any) -> list[str]:
        if isinstance(v, bool) or not isinstance(v, int):
            return ["expected a whole number"]
        return bounds(v, lo, hi, custom)

    return check


def _decimal_checker(f: Any, options: Options) -> Check:
    lo, hi, places, custom = f.min, f.max, f.places, f.message

    def check(v: Any) -> list[str]:
        if isinstance(v, bool) or not isinstance(v, int | Decimal):
            return ["expected a number"]
        d = Decimal(v)
        if not d.is_finite():
            return ["expected a finite number"]
        out = bounds(d, lo, hi, custom)
        exponent = d.as_tuple().exponent
        if places is not None and isinstance(exponent, int) and -exponent > places:
            out.append(custom or f"at most {places} decimal places")
        return out

    return check


# --- dates ------------------------------------------------------------------------------

def is_date(v: Any) -> bool:
    return isinstance(v, dt.date) and not isinstance(v, dt.datetime)


def _date_checker(f: Any, options: Options) -> Check:
    lo, hi, custom = getattr(f, "min", None), getattr(f, "max", None), f.message

    def check(v: Any) -> list[str]:
        if not is_date(v):
            return ["expected a date"]
        return bounds(v, lo, hi, custom)

    return check


def encode_date(options: Options, value: Any) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


# --- times of day ----------------------------------------------------------------------

TIME_EXPECTED = EN["time_expected"]
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::00(?:\.0+)?)?$")
# the days a spreadsheet counts from: a time alone is a datetime on one of them
_SERIAL_ZERO = (dt.date(1899, 12, 30), dt.date(1899, 12, 31), dt.date(1904, 1, 1))


def decode_time(raw: Any) -> dt.time:
    """A time of day from "14:30" or "9:05" (as typed in Word or a PDF), a time cell (the
    fraction of a day Excel and Calc store, as a number or a datetime on day zero)."""
    if isinstance(raw, dt.datetime):
        if raw.date() not in _SERIAL_ZERO:
            raise CodecError(TIME_EXPECTED + " (without a date)", raw)
        raw = raw.time()
    if isinstance(raw, dt.time):
        if raw.second or raw.microsecond or raw.tzinfo is not None:
            raise CodecError(TIME_EXPECTED, raw)
        return raw
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        try:  # NaN and the too large are no fraction of a day: refused below
            day = float(raw)
        except (ValueError, OverflowError):  # a signalling NaN, an int beyond a float
            day = -1.0
        if 0 <= day < 1:
            minutes = round(day * 1440)
            if abs(day * 1440 - minutes) < 0.01 and minutes < 1440:
                return dt.time(minutes // 60, minutes % 60)
        raise CodecError(TIME_EXPECTED, raw)
    m = _TIME.match(as_text(raw) or "")
    if m and int(m[1]) < 24 and int(m[2]) < 60:
        return dt.time(int(m[1]), int(m[2]))
    raise CodecError(TIME_EXPECTED, raw)


def show_time(v: dt.time) -> str:
    return f"{v.hour:02d}:{v.minute:02d}"


def _time_checker(f: Any, options: Options) -> Check:
    def check(v: Any) -> list[str]:
        if not isinstance(v, dt.time) or v.second or v.microsecond or v.tzinfo is not None:
            return [f"expected {TIME_EXPECTED}"]
        return []

    return check


# --- choices, ratings and ticks ---------------------------------------------------------


def _choice_decoder(options: Options) -> Decoder:
    """A choice's code from its code, label or an alias: exactly first, then ignoring case
    and spacing; the first option that matches wins."""
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    for c in options:
        for name in (c.code, c.label, *c.aliases):
            exact.setdefault(name, c.code)
            folded.setdefault(fold(name), c.code)
    expected = "one of " + ", ".join(repr(c.label) for c in options)

    def run(raw: Any) -> str:
        text = as_text(raw) or ""
        code = exact.get(text)
        if code is None:
            code = folded.get(fold(text))
        if code is None:
            raise CodecError(expected, raw)
        return code

    return run


def _encode_choice(options: Options, value: Any) -> str:
    for c in options:
        if c.code == value:
            return c.label
    raise ValueError(f"{value!r} is not a choice code")


def _choice_checker(f: Any, options: Options) -> Check:
    codes = [c.code for c in options]
    wrong = [f"expected one of {', '.join(codes)}"]
    return lambda v: [] if isinstance(v, str) and v in codes else list(wrong)


def rating_text(options: Options, value: int) -> str:
    """How a rating is shown in a drop-down or cell: "3 – Good"."""
    for c in options:
        if c.code == str(value):
            return f"{value} – {c.label}"
    return str(value)


def _rating_decoder(options: Options) -> Decoder:
    """A rating's value from its number ("3"), number and label ("3 – Good") or label."""
    codes = {c.code: c for c in options}
    expected = "one of " + ", ".join(rating_text(options, int(c.code)) for c in options)
    names = {code: {fold(n) for n in (c.label, *c.aliases)} for code, c in codes.items()}
    by_name = [(int(c.code), {fold(n) for n in (c.label, *c.aliases)}) for c in options]

    def run(raw: Any) -> int:
        if isinstance(raw, bool):
            raise CodecError(expected, raw)
        if isinstance(raw, int | float) and float(raw).is_integer():
            if str(int(raw)) in codes:
                return int(raw)
            raise CodecError(expected, raw)
        text = as_text(raw) or ""
        m = _RATING.match(text)
        if m and m[1].lstrip("+") in codes:
            value = m[1].lstrip("+")
            rest = text[m.end(1) :].strip(" -–—:.)\t")
            if not rest or fold(rest) in names[value]:
                return int(value)
        folded = fold(text)
        for point, labels in by_name:
            if folded in labels:
                return point
        raise CodecError(expected, raw)

    # what a drop-down puts in a cell ("3 – Good") and the bare numbers, read once here by the
    # rule above, so the usual answer is a single lookup
    known: dict[str, int] = {}
    for c in options:
        for text in (rating_text(options, int(c.code)), c.code):
            with contextlib.suppress(CodecError):
                known.setdefault(text, run(text))

    def quick(raw: Any) -> int:
        if type(raw) is str:
            hit = known.get(raw)
            if hit is not None:
                return hit
        return run(raw)

    return quick


def _rating_checker(f: Any, options: Options) -> Check:
    points = [int(c.code) for c in options]
    wrong = [f"expected a rating of {', '.join(str(p) for p in points)}"]
    return lambda v: [] if not isinstance(v, bool) and isinstance(v, int) and v in points \
        else list(wrong)


def _no_check(f: Any, options: Options) -> Check:
    return lambda v: []


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("text", lambda o: decode_text, lambda o, v: str(v), _text_checker),
    Kind("long_text", lambda o: decode_text, lambda o, v: str(v), _text_checker),
    Kind("integer", lambda o: decode_int, lambda o, v: str(int(v)), _integer_checker),
    Kind("decimal", lambda o: decode_decimal, lambda o, v: format(Decimal(v), "f"),
         _decimal_checker, from_json=Decimal, value_type=Decimal,
         to_json=lambda v: format(v, "f")),
    Kind("date", lambda o: decode_date, encode_date, _date_checker, show=show_date,
         from_json=dt.date.fromisoformat, value_type=dt.date, to_json=lambda v: v.isoformat(),
         cell_format="dd/mm/yyyy"),
    Kind("time", lambda o: decode_time, lambda o, v: show_time(v), _time_checker,
         show=show_time, from_json=dt.time.fromisoformat, value_type=dt.time,
         to_json=lambda v: v.isoformat("minutes"), cell_format="hh:mm",
         examples=(dt.time(9, 5), dt.time(14, 30), dt.time(0, 45), dt.time(23, 10))),
    Kind("choice", _choice_decoder, _encode_choice, _choice_checker, options=True),
    Kind("rating", _rating_decoder, lambda o, v: rating_text(o, int(v)), _rating_checker,
         options=True),
    Kind("flag", lambda o: decode_flag, lambda o, v: "Yes" if v else "", _no_check,
         value_type=bool),
)}

# the kinds whose values have a type of their own, most derived type first (a datetime, as
# provenance holds, is stored and shown as its date kind says)
_TYPED = tuple(sorted((k for k in KINDS.values() if k.value_type is not None),
                      key=lambda k: -len(k.value_type.__mro__)))  # type: ignore[union-attr]
TYPED_VALUES: tuple[type, ...] = tuple(k.value_type for k in _TYPED)  # type: ignore[misc]


def _kind_of_value(value: Any) -> Kind | None:
    for k in _TYPED:
        if isinstance(value, k.value_type):  # type: ignore[arg-type]
            return k
    return None


def to_json(value: Any) -> Any:
    """A scalar canonical value as plain JSON data: dates and times ISO, decimals as text."""
    k = _kind_of_value(value)
    return value if k is None else k.to_json(value)


def cell_format(value: Any) -> str | None:
    """The number format a typed spreadsheet cell shows `value` in (dates, times), if any."""
    k = _kind_of_value(value)
    return None if k is None else k.cell_format


CELL_FORMATS: tuple[str, ...] = tuple(dict.fromkeys(
    k.cell_format for k in _TYPED if k.cell_format))  # each typed cell's number format
