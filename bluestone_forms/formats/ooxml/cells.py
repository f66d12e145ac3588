"""Writing values into spreadsheet cells and CSV fields so that nothing in them can run.

Why: a collated workbook holds text typed by many people. Excel runs a cell as a formula when
its text starts with = + - @ (or their full-width forms), and CSV importers do the same, also
after a leading tab, carriage return or line feed (OWASP CSV injection; WSTG-INPV-21). In the
workbook such text is stored as a plain string cell with Excel's quote-prefix flag, so it is
shown, never run, and reads back as exactly the text the person typed. In CSV it gets a
leading apostrophe, the OWASP recommendation (a reader of the CSV sees that apostrophe). A
trigger behind leading spaces or an opening brace (`{=...}`, Excel's array-formula notation)
counts too, and so does NUL (ASVS 1.2.10). The csv module quotes any field holding a
separator or quote and doubles embedded quotes, so a value cannot open a new cell.

Control characters other than tab, CR and LF cannot be stored in an .xlsx at all (XML 1.0
forbids them; openpyxl raises), yet a PDF field or an `_x0001_` escape in a returned workbook
can carry them: in the workbook each is shown as its visible Unicode "control picture"
(U+2400 + code, e.g. ␁), and a lone surrogate or the non-characters U+FFFE/U+FFFF (which
neither XML nor UTF-8 can carry) as U+FFFD, so exporting never fails on a hostile value. The
CSV keeps control characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

from ...spec.kinds import cell_format, to_json

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠", "\0")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DANGER = re.compile("[ \u00a0\u3000{]*[" + re.escape("".join(TRIGGERS)) + "]")


def dangerous(text: str) -> bool:
    """Whether a spreadsheet could treat this text as a formula or command: it starts with a
    trigger, perhaps after spaces and opening braces."""
    return _DANGER.match(text) is not None


def storable(text: str) -> str:
    """Text an .xlsx can hold: control characters become their visible control pictures,
    lone surrogates and U+FFFE/U+FFFF the replacement character."""
    return _ILLEGAL.sub(_picture, text) if _ILLEGAL.search(text) else text


def _picture(m: re.Match[str]) -> str:
    code = ord(m.group(0))
    return chr(0x2400 + code) if code < 0x20 else "\ufffd"


def text_cell(ws: Any, value: Any, *, font: Font | None = None, fill: PatternFill | None = None,
              align: Alignment | None = None) -> WriteOnlyCell:
    cell = value_cell(ws, value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if align is not None:
        cell.alignment = align
    return cell


def value_cell(ws: Any, value: Any) -> WriteOnlyCell:
    """A write-only cell holding `value`: typed numbers and dates, text that never runs."""
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str):
        value = storable(value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if dangerous(value):
            cell.quotePrefix = True
    else:
        number_format = cell_format(value)  # a date's or a time's, as its kind says
        if number_format is not None:
            cell.number_format = number_format
    return cell


def csv_text(value: Any) -> str:
    """A value as a CSV field: ISO dates, plain numbers, neutralised text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = to_json(value)  # dates and times ISO, decimals as text, as each kind stores them
    text = str(value)
    return "'" + text if isinstance(value, str) and dangerous(text) else text


_PLAIN = (int, float, bool)


def csv_row(row: Sequence[Any]) -> list[Any]:
    """A row as CSV fields, as `csv_text` makes them; numbers and blanks pass through to the
    csv module, which writes them the same way."""
    return [x if x is None or type(x) in _PLAIN
            else ("'" + x if dangerous(x) else x) if type(x) is str
            else csv_text(x) for x in row]


def page_setup(ws: Any, marking: str) -> None:
    """Landscape, fit to width, headings repeated, the protective marking on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:2"
    ws.oddHeader.center.text = marking
    ws.oddHeader.center.font = "Arial,Bold"
    ws.oddFooter.center.text = marking
    ws.oddFooter.right.text = "Page &P of &N"
