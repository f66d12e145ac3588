"""How SpreadsheetML stores what a cell holds: Excel serial dates and times, the largest
whole number a cell keeps exactly, and the `_xHHHH_` escapes of its strings.

The Excel writer, filler and reader and the register reader all encode and decode cells
through these, so a date or a string means the same thing on the way out and back."""

from __future__ import annotations

import datetime as dt
import re

EXCEL_EPOCH = dt.date(1899, 12, 30)
EPOCH_1904 = dt.datetime(1904, 1, 1)
FIRST_SERIAL_DATE = dt.date(1900, 3, 1)  # before this Excel's 1900 leap-year bug shifts serials
MAX_SERIAL = 2958465  # 31/12/9999
MAX_CELL_TEXT = 32767
# Excel keeps 15 significant digits; larger whole numbers are not stored exactly.
MAX_WHOLE = 999_999_999_999_999
_XSTRING_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def serial(day: dt.date) -> int:
    """Excel's serial number of a date on or after 1 March 1900 (1900 date system)."""
    return (day - EXCEL_EPOCH).days


def from_serial(number: float, date1904: bool) -> dt.datetime | None:
    """The date and time of an Excel serial number, or None when it is no real date."""
    try:
        whole = int(number // 1)
        micro = round((number - whole) * 86_400_000_000)
        if date1904:
            base = EPOCH_1904
        elif whole >= 61:
            base = dt.datetime(1899, 12, 30)
        elif 1 <= whole < 60:
            base = dt.datetime(1899, 12, 31)  # serial 1 is 1 January 1900
        else:
            return None  # 0 and 60 (Excel's phantom 29 February 1900) are no dates
        if whole < 0 or whole > MAX_SERIAL:
            return None
        return base + dt.timedelta(days=whole, microseconds=micro)
    except (OverflowError, ValueError):
        return None


def escape_xstring(text: str) -> str:
    """Text as OOXML stores it: characters XML cannot hold as `_xHHHH_`, a literal one escaped."""
    text = _XSTRING_ESCAPE.sub(lambda m: "_x005F" + m.group(0), text)
    return _XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def unescape_xstring(text: str) -> str:
    """The text of an OOXML string with its `_xHHHH_` escapes undone."""
    if "_x" not in text:
        return text
    return _XSTRING_ESCAPE.sub(lambda m: chr(int(m.group(0)[2:6], 16)), text)
