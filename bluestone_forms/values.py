"""The one value codec: a Python value <-> the text that stands in a cell, control or PDF field.

Every format writes answers with `encode` and reads them with `decode`; no format module parses
a date, a number or a choice label itself. `decode` also accepts the native values a
spreadsheet library hands back (int, float, datetime, bool), so a number Excel stored as a float
or a date it stored as a serial becomes the same value as the text would.

Canonical values: text -> str (stripped, newlines as \\n); integer -> int; decimal -> Decimal;
date -> datetime.date; choice -> the choice's code (str); rating -> the point's value (int);
flag -> bool. An empty answer is None (a flag: False).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from .slots import Slot
from .spec import Choice
from .wording import EN

DATE_FORMAT_HINT = EN["date_format"]  # how a date is written, as every form shows it
# a tick in any language a form is printed in (Welsh "Ie", bilingual "Ie / Yes": wording)
_TRUE = {"yes", "y", "true", "1", "x", "✓", "✔", "☒", "☑", "ticked", "ie", "ie / yes",
         "yes / ie"}
_FALSE = {"no", "n", "false", "0", "☐", "unticked", "na", "na / no", "no / na"}
_INT = re.compile(r"^[+-]?\d{1,18}$")
_DEC = re.compile(r"^[+-]?(\d{1,18}(\.\d{0,12})?|\.\d{1,12})$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?)?$")
_RATING = re.compile(r"^([+-]?\d+)\s*(?:[-–—:.)]\s*.*)?$", re.S)
MAX_TEXT = 100_000


class CodecError(ValueError):
    """Text that is not a value of the slot's kind; the message says what was expected."""

    def __init__(self, expected: str, got: Any) -> None:
        self.expected = expected
        self.got = got
        super().__init__(f"expected {expected}")


def _clean_text(raw: str) -> str:
    if "\r" not in raw and "\u000b" not in raw:
        return raw.strip()
    return raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u000b", "\n").strip()


def _number_text(raw: int | float | Decimal) -> str:
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    return str(raw)


def _as_text(raw: Any) -> str | None:
    """Any raw content as stripped text, or None when it is empty."""
    if type(raw) is str:  # the usual case first
        return _clean_text(raw) or None
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, int | float | Decimal):
        return _number_text(raw)
    if isinstance(raw, dt.datetime):
        return raw.isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    text = _clean_text(str(raw))
    return text or None


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def decode(slot: Slot, raw: Any) -> Any:
    """Raw content of a slot -> its canonical value; raise CodecError when it is not one.

    The slot's decoder is made on each call: a reader decodes through the decoders its
    `CompiledSpec` made once (`CompiledSpec.decode`)."""
    return decoder(slot)(raw)


Decoder = Callable[[Any], Any]


def decoder(slot: Slot) -> Decoder:
    """`decode(slot, ·)` as one function, with what depends on the slot alone (its choice
    lookups, a rating's expected text) worked out once.

    Why: a reader decodes every slot of every return; a caller that keeps the decoders (see
    `compiled.CompiledSpec`) pays for the lookups once per form, not once per answer.
    """
    kind = slot.kind
    if kind == "flag":
        return _decode_flag
    inner: Decoder
    if kind in ("text", "long_text"):
        return _text_decoder
    if kind == "integer":
        inner = _decode_int
    elif kind == "decimal":
        inner = _decode_decimal
    elif kind == "date":
        inner = _decode_date
    elif kind == "choice":
        inner = _choice_decoder(slot.options)
    elif kind == "rating":
        inner = _rating_decoder(slot)
    else:
        raise TypeError(f"unknown slot kind {kind!r}")

    def run(raw: Any) -> Any:
        if type(raw) is str:  # the usual case first
            return inner(raw) if raw.strip() else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, float | Decimal) and not _finite(raw):
            raise CodecError("a finite number", raw)
        return inner(raw)

    return run


def _text_decoder(raw: Any) -> str | None:
    """`decode` of a text slot (what `decoder` runs, with a str, the usual case, first)."""
    if type(raw) is str:
        return _decode_text(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, float | Decimal) and not _finite(raw):
        raise CodecError("a finite number", raw)
    return _decode_text(raw)


def _decode_text(raw: Any) -> str | None:
    text = _as_text(raw)
    if text is not None and len(text) > MAX_TEXT:
        raise CodecError(f"at most {MAX_TEXT} characters", f"{len(text)} characters")
    return text


def _finite(raw: float | Decimal) -> bool:
    return raw.is_finite() if isinstance(raw, Decimal) else raw == raw and abs(raw) != float("inf")


def _decode_flag(raw: Any) -> bool:
    if raw is None:
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    text = _fold(str(raw))
    if text == "" or text in _FALSE:
        return False
    if text in _TRUE:
        return True
    raise CodecError("a tick (Yes / x) or nothing", raw)


def _decode_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise CodecError("a whole number", raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 2**53:
        return int(raw)
    if isinstance(raw, Decimal) and raw == raw.to_integral_value():
        return int(raw)
    text = _as_text(raw) or ""
    if _INT.match(text):
        return int(text)
    raise CodecError("a whole number", raw)


def _decode_decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise CodecError("a number", raw)
    if isinstance(raw, int | Decimal):
        return Decimal(raw)
    if isinstance(raw, float):
        # repr gives the shortest text that round-trips: 0.1 stays 0.1, not 0.1000000000000000055
        return Decimal(repr(raw))
    text = _as_text(raw) or ""
    if _DEC.match(text):
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern guards it
            pass
    raise CodecError("a number such as 12 or 3.5", raw)


_MIDNIGHT = dt.time(0, 0)


def _decode_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        if raw.time() != _MIDNIGHT:
            raise CodecError(f"a date ({DATE_FORMAT_HINT}) without a time", raw)
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = _as_text(raw) or ""
    try:
        m = _UK_DATE.match(text)
        if m:
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        m = _ISO_DATE.match(text)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise CodecError(f"a real date ({DATE_FORMAT_HINT})", raw) from None
    raise CodecError(f"a date ({DATE_FORMAT_HINT})", raw)


def _choice_decoder(options: tuple[Choice, ...]) -> Decoder:
    """A choice's code from its code, label or an alias: exactly first, then ignoring case
    and spacing; the first option that matches wins."""
    exact: dict[str, str] = {}
    folded: dict[str, str] = {}
    for c in options:
        for name in (c.code, c.label, *c.aliases):
            exact.setdefault(name, c.code)
            folded.setdefault(_fold(name), c.code)
    expected = "one of " + ", ".join(repr(c.label) for c in options)

    def run(raw: Any) -> str:
        text = _as_text(raw) or ""
        code = exact.get(text)
        if code is None:
            code = folded.get(_fold(text))
        if code is None:
            raise CodecError(expected, raw)
        return code

    return run


def _rating_decoder(slot: Slot) -> Decoder:
    """A rating's value from its number ("3"), number and label ("3 – Good") or label."""
    codes = {c.code: c for c in slot.options}
    expected = "one of " + ", ".join(rating_text(slot, int(c.code)) for c in slot.options)
    names = {code: {_fold(n) for n in (c.label, *c.aliases)} for code, c in codes.items()}
    by_name = [(int(c.code), {_fold(n) for n in (c.label, *c.aliases)}) for c in slot.options]

    def run(raw: Any) -> int:
        if isinstance(raw, bool):
            raise CodecError(expected, raw)
        if isinstance(raw, int | float) and float(raw).is_integer():
            if str(int(raw)) in codes:
                return int(raw)
            raise CodecError(expected, raw)
        text = _as_text(raw) or ""
        m = _RATING.match(text)
        if m and m[1].lstrip("+") in codes:
            value = m[1].lstrip("+")
            rest = text[m.end(1) :].strip(" -–—:.)\t")
            if not rest or _fold(rest) in names[value]:
                return int(value)
        folded = _fold(text)
        for point, labels in by_name:
            if folded in labels:
                return point
        raise CodecError(expected, raw)

    # what a drop-down puts in a cell ("3 – Good") and the bare numbers, read once here by the
    # rule above, so the usual answer is a single lookup
    known: dict[str, int] = {}
    for c in slot.options:
        for shown in (rating_text(slot, int(c.code)), c.code):
            with contextlib.suppress(CodecError):
                known.setdefault(shown, run(shown))

    def quick(raw: Any) -> int:
        if type(raw) is str:
            hit = known.get(raw)
            if hit is not None:
                return hit
        return run(raw)

    return quick


def rating_text(slot: Slot, value: int) -> str:
    """How a rating is shown in a drop-down or cell: "3 – Good"."""
    for c in slot.options:
        if c.code == str(value):
            return f"{value} – {c.label}"
    return str(value)


def encode(slot: Slot, value: Any) -> str:
    """A canonical value -> the text to put in the slot's control, cell or field."""
    if value is None:
        return ""
    kind = slot.kind
    if kind == "flag":
        return "Yes" if value else ""
    if kind in ("text", "long_text"):
        return str(value)
    if kind == "integer":
        return str(int(value))
    if kind == "decimal":
        return format(Decimal(value), "f")
    if kind == "date":
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    if kind == "choice":
        for c in slot.options:
            if c.code == value:
                return c.label
        raise ValueError(f"{slot.key}: {value!r} is not a choice code")
    if kind == "rating":
        return rating_text(slot, int(value))
    raise TypeError(f"unknown slot kind {kind!r}")


def choice_texts(slot: Slot) -> list[str]:
    """The texts a drop-down or list offers for a choice or rating slot, in order."""
    if slot.kind == "rating":
        return [rating_text(slot, int(c.code)) for c in slot.options]
    return [c.label for c in slot.options]


def iso(value: Any) -> Any:
    """A canonical value as plain JSON data (dates ISO, decimals as text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return {k: iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [iso(v) for v in value]
    return value
