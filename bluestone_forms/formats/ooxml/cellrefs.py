"""Cell references and stored cell content: what a sheet's XML says, turned into values.

`split_ref` and `col_letter` convert between "C12" and (12, 3); `entry_of`, `xml_string` and
`stored_number` read a cell's children, a shared or inline string and a stored number.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from lxml import etree

from ...errors import ReturnError
from .serial import MAX_WHOLE, from_serial, unescape_xstring

_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
MAX_ROW = 1_048_576
MAX_COL = 16_384


def split_ref(ref: str) -> tuple[int, int] | None:
    """"C12" -> (12, 3); None when it is not a cell reference on the sheet."""
    pos = SEEN_REFS.get(ref)
    if pos is None:
        pos = _split_ref(ref)
        if pos is not None:
            if len(SEEN_REFS) >= 100_000:
                SEEN_REFS.clear()
            SEEN_REFS[ref] = pos
    return pos


SEEN_REFS: dict[str, tuple[int, int]] = {}  # references met lately (the same in every return)


def _split_ref(ref: str) -> tuple[int, int] | None:
    letters = ref.rstrip("0123456789")
    col = _COLUMN_OF.get(letters)
    digits = ref[len(letters):]
    if col is not None and digits.isascii() and digits.isdigit() and digits[0] != "0" \
            and len(digits) <= 7:
        row = int(digits)
        return (row, col) if row <= MAX_ROW else None
    m = _REF.match(ref)
    if not m:
        return None
    col = 0
    for ch in m[1].upper():
        col = col * 26 + ord(ch) - 64
    row = int(m[2])
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        return None
    return row, col


def _letters(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


_LETTERS = [_letters(i) for i in range(703)]
_COLUMN_OF = {letters: i for i, letters in enumerate(_LETTERS) if i}


def col_letter(col: int) -> str:
    return _LETTERS[col] if col < len(_LETTERS) else _letters(col)

Entry = tuple[etree._Element, etree._Element | None, etree._Element | None]


def entry_of(c: etree._Element, ns: str) -> Entry:
    """A cell element with its value (<v> or <is>) and formula (<f>) children."""
    tags = _CELL_TAGS.get(ns)
    if tags is None:
        tags = _CELL_TAGS[ns] = (ns + "v", ns + "is", ns + "f")
    val = f = None
    for child in c:
        tag = child.tag
        if tag == tags[0] or tag == tags[1]:
            val = child
        elif tag == tags[2]:
            f = child
    return c, val, f


_CELL_TAGS: dict[str, tuple[str, str, str]] = {}


def xml_string(node: etree._Element, t_tag: str, r_tag: str) -> str:
    """The text of a shared or inline string: its <t>, or its runs' <t> (phonetics skipped).

    A <t> holding an element (only a damaged or hostile part has one) gives all its text, the
    tails after that element included, so the text does not depend on whether the quick read
    left empty cells out first (`_xlsx_sheet.without_empty_cells`)."""
    parts: list[str] = []
    for child in node:
        if child.tag == t_tag:
            parts.append(all_text(child))
        elif child.tag == r_tag:
            for t in child:
                if t.tag == t_tag:
                    parts.append(all_text(t))
    return unescape_xstring("".join(parts))


def all_text(t: etree._Element) -> str:
    """An element's text and the tails of its children (their own text is markup)."""
    if not len(t):  # the usual <t>, text only: no generator to join
        return t.text or ""
    return (t.text or "") + "".join(inner.tail or "" for inner in t)


def stored_number(raw: str, is_date: bool, date1904: bool, file: str, at: tuple[int, int]
                  ) -> Any:
    """A stored number as the value a person typed: Excel keeps 15 significant digits.

    Why round: Excel (and openpyxl, and LibreOffice) may write the double nearest to a typed
    71.82 as "71.819999999999993" or "71.81999999999999"; what the person typed, and what every
    spreadsheet shows, is 71.82. Whole numbers come back as int, others as Decimal. `at` is
    the cell's (row, column), named only if the number is damaged.
    """
    text = raw.strip()
    if text.isascii() and text.isdigit() and len(text) <= 15:  # the common case, quickly
        whole = int(text)
        if is_date:
            when = from_serial(float(whole), date1904)
            return when if when is not None else float(whole)
        return whole
    try:
        exact = Decimal(text)
    except InvalidOperation:
        exact = Decimal("NaN")
    if not exact.is_finite():
        raise ReturnError(file, f"cell {col_letter(at[1])}{at[0]} holds a damaged number {raw!r}")
    if is_date:
        when = from_serial(float(exact), date1904)
        return when if when is not None else float(exact)
    if exact == exact.to_integral_value() and abs(exact) <= MAX_WHOLE:
        return int(exact)
    if exact.is_zero():
        return 0
    shown = exact.quantize(Decimal(1).scaleb(exact.adjusted() - 14), rounding=ROUND_HALF_EVEN)
    text = format(shown, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return int(text) if "." not in text else Decimal(text)


def parse_name_ref(text: str) -> tuple[str, int, int] | None:
    """"Form!$C$12" or "'My sheet'!$C$12" -> (sheet, row, col); None for anything else."""
    if "!" not in text:
        return None
    sheet, _, ref = text.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'") and len(sheet) >= 2:
        sheet = sheet[1:-1].replace("''", "'")
    pos = split_ref(ref)
    if pos is None:
        return None
    return sheet, pos[0], pos[1]

