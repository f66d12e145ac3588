"""Raw content as found in a returned file, decoded to canonical values: text, numbers,
dates and ticks. A decoder takes whatever a reader found (text, a number, a date cell) and
gives the value, or raises CodecError saying what was expected. The kinds of answer
(`kinds.KINDS`) are built on these; a kind added later may keep its decoder beside its entry
there, as the time of day does."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .wording import EN

DATE_FORMAT_HINT = EN["date_format"]  # how a date is written, as every form shows it
MAX_TEXT = 100_000
# a tick in any language a form is printed in (Welsh "Ie", bilingual "Ie / Yes": wording)
_TRUE = {"yes", "y", "true", "1", "x", "✓", "✔", "☒", "☑", "ticked", "ie", "ie / yes",
         "yes / ie"}
_FALSE = {"no", "n", "false", "0", "☐", "unticked", "na", "na / no", "no / na"}
_INT = re.compile(r"^[+-]?\d{1,18}$")
_DEC = re.compile(r"^[+-]?(\d{1,18}(\.\d{0,12})?|\.\d{1,12})$")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]00:?00)?)?$")


class CodecError(ValueError):
    """Text that is not a value of the slot's kind; the message says what was expected."""

    def __init__(self, expected: str, got: Any) -> None:
        self.expected = expected
        self.got = got
        super().__init__(f"expected {expected}")


# --- text as found ----------------------------------------------------------------------


def _clean_text(raw: str) -> str:
    if "\r" not in raw and "\u000b" not in raw:
        return raw.strip()
    return raw.replace("\r\n", "\n").replace("\r", "\n").replace("\u000b", "\n").strip()


def _number_text(raw: int | float | Decimal) -> str:
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    return str(raw)


def as_text(raw: Any) -> str | None:
    """Any raw content as stripped text, or None when it is empty."""
    if type(raw) is str:  # the usual case first
        return _clean_text(raw) or None
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, int | float | Decimal):
        return _number_text(raw)
    if isinstance(raw, dt.date | dt.time):
        return raw.isoformat()
    text = _clean_text(str(raw))
    return text or None


def fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def finite(raw: float | Decimal) -> bool:
    return raw.is_finite() if isinstance(raw, Decimal) else raw == raw and abs(raw) != float("inf")


# --- text, numbers, dates and times ---------------------------------------------------


def decode_text(raw: Any) -> str | None:
    text = as_text(raw)
    if text is not None and len(text) > MAX_TEXT:
        raise CodecError(f"at most {MAX_TEXT} characters", f"{len(text)} characters")
    return text



def decode_int(raw: Any) -> int:
    if isinstance(raw, bool):
        raise CodecError("a whole number", raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer() and abs(raw) < 2**53:
        return int(raw)
    if isinstance(raw, Decimal) and raw == raw.to_integral_value():
        return int(raw)
    text = as_text(raw) or ""
    if _INT.match(text):
        return int(text)
    raise CodecError("a whole number", raw)


def decode_decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise CodecError("a number", raw)
    if isinstance(raw, int | Decimal):
        return Decimal(raw)
    if isinstance(raw, float):
        # repr gives the shortest text that round-trips: 0.1 stays 0.1, not 0.1000000000000000055
        return Decimal(repr(raw))
    text = as_text(raw) or ""
    if _DEC.match(text):
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern guards it
            pass
    raise CodecError("a number such as 12 or 3.5", raw)


_MIDNIGHT = dt.time(0, 0)


def decode_date(raw: Any) -> dt.date:
    if isinstance(raw, dt.datetime):
        if raw.time() != _MIDNIGHT:
            raise CodecError(f"a date ({DATE_FORMAT_HINT}) without a time", raw)
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    text = as_text(raw) or ""
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


# --- ticks -----------------------------------------------------------------------------


def decode_flag(raw: Any) -> bool:
    if raw is None:
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    text = fold(str(raw))
    if text == "" or text in _FALSE:
        return False
    if text in _TRUE:
        return True
    raise CodecError("a tick (Yes / x) or nothing", raw)
