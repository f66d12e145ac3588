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

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .slots import Slot

DATE_FORMAT_HINT = "dd/mm/yyyy"
_TRUE = {"yes", "y", "true", "1", "x", "✓", "✔", "☒", "☑", "ticked"}
_FALSE = {"no", "n", "false", "0", "☐", "unticked"}
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
    return raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u000b", "\n").strip()


def _number_text(raw: int | float | Decimal) -> str:
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    return str(raw)


def _as_text(raw: Any) -> str | None:
    """Any raw content as stripped text, or None when it is empty."""
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
    """Raw content of a slot -> its canonical value; raise CodecError when it is not one."""
    kind = slot.kind
    if kind == "flag":
        return _decode_flag(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, float | Decimal) and not _finite(raw):
        raise CodecError("a finite number", raw)
    if kind in ("text", "long_text"):
        text = _as_text(raw)
        if text is not None and len(text) > MAX_TEXT:
            raise CodecError(f"at most {MAX_TEXT} characters", f"{len(text)} characters")
        return text
    if kind == "integer":
        return _decode_int(raw)
    if kind == "decimal":
        return _decode_decimal(raw)
    if kind == "date":
        return _decode_date(raw)
    if kind == "choice":
        return _decode_choice(slot, raw)
    if kind == "rating":
        return _decode_rating(slot, raw)
    raise TypeError(f"unknown slot kind {kind!r}")


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


def _decode_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        if raw.time() != dt.time(0, 0):
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


def _decode_choice(slot: Slot, raw: Any) -> str:
    text = _as_text(raw) or ""
    for c in slot.options:
        if text in (c.code, c.label, *c.aliases):
            return c.code
    folded = _fold(text)
    for c in slot.options:
        if folded in (_fold(c.code), _fold(c.label), *(_fold(a) for a in c.aliases)):
            return c.code
    raise CodecError("one of " + ", ".join(repr(c.label) for c in slot.options), raw)


def _decode_rating(slot: Slot, raw: Any) -> int:
    codes = {c.code: c for c in slot.options}
    expected = "one of " + ", ".join(rating_text(slot, int(c.code)) for c in slot.options)
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
        names = (codes[value].label, *codes[value].aliases)
        if not rest or _fold(rest) in {_fold(n) for n in names}:
            return int(value)
    folded = _fold(text)
    for c in slot.options:
        if folded in {_fold(n) for n in (c.label, *c.aliases)}:
            return int(c.code)
    raise CodecError(expected, raw)


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
