"""What the Excel writer, filler and reader agree on: sheet names, markers, names, cell values.

Why one module: the writer (openpyxl), the filler (XML substitution) and the reader (lxml on the
parts) never share code paths otherwise, so every convention that must match lives here.

Finding an answer's cell. Each input cell is found by two hidden markers that move with it
whatever a person or a program does to the sheet: in the form layout, column A holds a *row
tag* on every row that has inputs (the slot key, or `table.N` for row N of a table) and the
hidden row whose column A reads `bluestone:tags` holds a *column tag* (`#1`, `#2`, ...) above
every input column. In the register layout the hidden row whose column A reads
`bluestone:keys` holds the slot key above each column. Inserting, deleting or moving rows and
columns moves the markers with the cells, so reading never depends on a stale address; the
defined names (which Excel and LibreOffice also move) are the fallback.

Defined names: every input (a form cell, or a register column's data range) is named
`bs_` + its slot key, dots kept, e.g. `bs_crime_ref`, `bs_actions.2.owner`. Excel and
LibreOffice allow letters, digits, `_` and `.` in names; the `bs_` prefix means no name can look
like a cell reference (`abc1`, `r1c1`) or a built-in name (`print_area`), and it groups the
form's names together in Excel's Name Manager. Slot keys are unique and lowercase, so the
names are too.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ...answers import values
from ...answers.slots import Slot
from ...spec.compiled import CompiledSpec
from ...spec.wording import Wording, show_date
from ..ooxml.serial import (  # re-exported for the xlsx modules
    EPOCH_1904 as EPOCH_1904,
)
from ..ooxml.serial import (
    EXCEL_EPOCH as EXCEL_EPOCH,
)
from ..ooxml.serial import (
    FIRST_SERIAL_DATE as FIRST_SERIAL_DATE,
)
from ..ooxml.serial import (
    MAX_CELL_TEXT as MAX_CELL_TEXT,
)
from ..ooxml.serial import (
    MAX_SERIAL as MAX_SERIAL,
)
from ..ooxml.serial import (
    MAX_WHOLE as MAX_WHOLE,
)
from ..ooxml.serial import (
    escape_xstring as escape_xstring,
)
from ..ooxml.serial import (
    from_serial as from_serial,
)
from ..ooxml.serial import (
    serial as serial,
)
from ..ooxml.serial import (
    unescape_xstring as unescape_xstring,
)

FORM_SHEET = "Form"
REGISTER_SHEET = "Register"
LISTS_SHEET = "Lists"
META_SHEET = "bluestone"
TAG_MARK = "bluestone:tags"
KEYS_MARK = "bluestone:keys"
LAYOUT = "bluestone:layout"
SHEET = "bluestone:sheet"
MAP_HEADING = "slot key"
NAME_PREFIX = "bs_"
LAYOUTS = ("form", "register")

# a date cell shows the date as it was understood, month in words ("5 Dec 2026"), so a
# typist whose Excel or Calc reads 05/12/2026 month-first (US order) sees "12 May 2026"
DATE_FORMAT = "d mmm yyyy"
TEXT_FORMAT = "@"
DATE_LOCALE = {"cy": "[$-452]"}  # Welsh (cy-GB, LCID 0x0452)


def defined_name(key: str) -> str:
    """The workbook name of a slot's input cell (or register column)."""
    return NAME_PREFIX + key


def row_tag(slot: Slot) -> str:
    """The column-A marker of the row holding a slot's input in the form layout."""
    if slot.row is not None:
        return f"{slot.field.id}.{slot.row}"
    return slot.key


def col_tag(index: int) -> str:
    """The tag-row marker above the form layout's input column `index` (1 = column C)."""
    return f"#{index}"


def column_index(slot: Slot) -> int:
    """Which input column of the form layout holds the slot (a table column's position)."""
    if slot.column is None:
        return 1
    columns = getattr(slot.field, "columns", [])
    for i, col in enumerate(columns, start=1):
        if col.id == slot.column.id:
            return i
    raise ValueError(f"{slot.key}: column not in its table")


CellValue = str | int | float | Decimal | dt.date | None


def cell_value(slot: Slot, value: Any, mark: str = "Yes") -> CellValue:
    """A canonical value as the native cell value Excel would store for it.

    Numbers stay numbers, dates become date cells, text, choices and ratings the text the
    drop-down offers, a ticked flag `mark` (the drop-down's "Yes"; "Ie" on a Welsh form). A
    date before 1 March 1900 is kept as typed text, as Excel does (no date cells before 1900).
    """
    if value is None:
        return None
    if slot.kind == "flag":  # the list's own tick word: "Ie" on a Welsh form (values reads it)
        return mark if value else None
    return WIDGETS[slot.kind].cell(slot, value)


def _date_cell(slot: Slot, value: Any) -> str | dt.date:
    if isinstance(value, dt.date) and value >= FIRST_SERIAL_DATE:
        return value
    return values.encode(slot, value)


@dataclass(frozen=True)
class Rule:
    """An Excel data validation for one slot: what it allows and what it says."""

    type: str
    operator: str | None
    formula1: str | None
    formula2: str | None
    items: tuple[str, ...]
    prompt_title: str
    prompt: str
    error_title: str
    error: str


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split()) if limit <= 32 else text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


Phrase = Callable[..., str]  # one language's phrase function (`Wording.each`)


def _bounded(p: Phrase, what: str, lo: Any, hi: Any, show: Callable[[Any], str] = str) -> str:
    """What a cell expects within its limits, in one language: "a whole number from 0 to 9"."""
    if lo is not None and hi is not None:
        return p("bound_between", what=what, lo=show(lo), hi=show(hi))
    if lo is not None:
        return p("bound_at_least", what=what, lo=show(lo))
    if hi is not None:
        return p("bound_at_most", what=what, hi=show(hi))
    return what


def _sentence(p: Phrase, text: str) -> str:
    """An expectation as an input message: "A whole number from 0 to 9."."""
    return text[:1].upper() + text[1:] + "."


# What a slot kind's cells allow: (validation type, operator, formula1, formula2, list
# items, what is expected in one language (for the error alert: "a whole number from 0 to
# 9"), what to do (the default input message, None: the expectation as a sentence)); every
# text from `wording`, built per language of the copy (`Wording.each`).
Expect = Callable[[Phrase], str]
Allowed = tuple[str, str | None, str | None, str | None, tuple[str, ...], Expect, str | None]


def _text_allows(slot: Slot, words: Wording) -> Allowed:
    f = slot.spec_field
    lo, hi = getattr(f, "min_length", None), getattr(f, "max_length", None)
    default = words.phrase("xlsx_type_limit", hi=hi) if hi else words.phrase("xlsx_type")
    return ("textLength", "between", str(lo or 0), str(min(hi or MAX_CELL_TEXT, MAX_CELL_TEXT)),
            (), lambda p: _bounded(p, p("expect_text"), lo, hi, lambda n: p("characters", n=n)),
            default)


def _integer_allows(slot: Slot, words: Wording) -> Allowed:
    f = slot.spec_field
    lo, hi = getattr(f, "min", None), getattr(f, "max", None)
    return ("whole", "between", str(lo if lo is not None else -MAX_WHOLE),
            str(hi if hi is not None else MAX_WHOLE), (),
            lambda p: _bounded(p, p("whole_number"), lo, hi), None)


def _decimal_allows(slot: Slot, words: Wording) -> Allowed:
    f = slot.spec_field
    lo, hi, places = getattr(f, "min", None), getattr(f, "max", None), getattr(f, "places", None)

    def expect(p: Phrase) -> str:
        what = _bounded(p, p("number"), lo, hi)
        return what if places is None else p("expect_places", what=what, places=places)

    return ("decimal", "between", format(lo if lo is not None else Decimal(-MAX_WHOLE), "f"),
            format(hi if hi is not None else Decimal(MAX_WHOLE), "f"), (), expect, None)


def _date_allows(slot: Slot, words: Wording) -> Allowed:
    f = slot.spec_field
    lo, hi = getattr(f, "min", None), getattr(f, "max", None)
    lo_s = serial(max(lo, FIRST_SERIAL_DATE)) if lo else serial(FIRST_SERIAL_DATE)
    hi_s = serial(hi) if hi else MAX_SERIAL
    return ("date", "between", str(lo_s), str(hi_s), (),
            lambda p: _bounded(p, p("expect_date", date_format=p("date_format")), lo, hi,
                               show_date),
            words.phrase("xlsx_date", date_format=words.phrase("date_format")))


def _flag_allows(slot: Slot, words: Wording) -> Allowed:
    mark = words.phrase("tick_mark")  # "Ie" on a Welsh form: read as a tick (values)
    default = words.phrase("xlsx_flag", mark=mark)
    if slot.field.shape == "many":
        default += " " + words.tick_rule(slot.field)
    return ("list", None, None, None, (mark,), lambda p: p("expect_flag", mark=mark), default)


def _list_allows(slot: Slot, words: Wording) -> Allowed:
    items = tuple(values.choice_texts(slot))
    return ("list", None, None, None, items,
            lambda p: p("expect_list", items="; ".join(items)), words.phrase("xlsx_choose"))


TIME_FORMAT = "hh:mm"


def _time_allows(slot: Slot, words: Wording) -> Allowed:
    return ("time", "between", "0", repr(1439 / 1440), (), lambda p: p("time_expected"), "")


def _time_cell(slot: Slot, value: dt.time) -> float:
    """A time as Excel and Calc store it: the fraction of a day."""
    return (value.hour * 60 + value.minute) / 1440


def _text_cell(slot: Slot, value: Any) -> str | None:
    return str(value) or None


@dataclass(frozen=True)
class Widget:
    """The Excel widget of a slot kind (`kinds.KINDS`): the cell's number format, the native
    value Excel stores for an answer, what the cell's validation allows and the phrase
    (`wording`) of a note that goes first in its input message."""

    number_format: str
    cell: Callable[[Slot, Any], CellValue]
    allows: Callable[[Slot, Wording], Allowed]
    note: str = ""


WIDGETS: dict[str, Widget] = {
    "text": Widget(TEXT_FORMAT, _text_cell, _text_allows),
    "long_text": Widget(TEXT_FORMAT, _text_cell, _text_allows),
    "integer": Widget("General", lambda s, v: int(v), _integer_allows),
    "decimal": Widget("General", lambda s, v: Decimal(v), _decimal_allows),
    "date": Widget(DATE_FORMAT, _date_cell, _date_allows, "xlsx_date_note"),
    "time": Widget(TIME_FORMAT, _time_cell, _time_allows, "time_hint"),
    "choice": Widget(TEXT_FORMAT, values.encode, _list_allows),
    "rating": Widget(TEXT_FORMAT, values.encode, _list_allows),
    "flag": Widget(TEXT_FORMAT, lambda s, v: "Yes" if v else None, _flag_allows),
}


def rule(slot: Slot, words: Wording) -> Rule:
    """The data validation, input message and error alert of a slot's input cells.

    The input message says first when the question applies ("Answer if …", from `wording`),
    so a person sees the routing on the cell itself, then the hint or what to type."""
    f = slot.spec_field
    widget = WIDGETS[slot.kind]
    hint = (getattr(f, "hint", None) or "").strip()
    answer_if = words.answer_if(slot.field)
    custom = getattr(f, "message", None)
    title = slot.column.label if slot.column is not None else slot.label
    vtype, operator, f1, f2, items, expect, default = widget.allows(slot, words)
    if default is None:
        default = words.each(lambda p: _sentence(p, expect(p)))
    prompt = " ".join(p for p in (answer_if, hint or default) if p)
    if widget.note:  # the note first, so that clipping a long hint cannot drop it
        prompt = f"{words.phrase(widget.note)} {prompt}"
    error = (custom + " " if custom else "") + words.each(
        lambda p: p("xlsx_error", what=expect(p)))
    return Rule(
        type=vtype,
        operator=operator,
        formula1=f1,
        formula2=f2,
        items=items,
        prompt_title=_clip(title, 32),
        prompt=_clip(prompt, 255),
        error_title=_clip(words.phrase("xlsx_error_title", title=title), 32),
        error=_clip(error, 255),
    )


def number_format(slot: Slot, language: str = "en") -> str:
    if slot.kind == "date":  # months in the copy's first language ("5 Rhag 2026" in Welsh)
        return DATE_LOCALE.get(language.split("+")[0], "") + DATE_FORMAT
    return WIDGETS[slot.kind].number_format


def row_id(instance_id: str, n: int) -> str:
    """The return id of register row `n` (1-based): a UUID derived from the workbook's id.

    Written into column A of every register row when the workbook is made, so a row keeps its
    id however rows are later moved; derived (not random) so the same workbook always yields
    the same ids.
    """
    try:
        space = uuid.UUID(instance_id)
    except ValueError:
        space = uuid.uuid5(uuid.NAMESPACE_URL, f"bluestone:{instance_id}")
    return str(uuid.uuid5(space, str(n)))


def stray_row_id(instance_id: str, sheet_row: int) -> str:
    """The id of a register row that has answers but lost its written id (an inserted row)."""
    return row_id(instance_id, -sheet_row)


def slot_tags(form: CompiledSpec) -> tuple[tuple[Slot, str, str], ...]:
    """Every slot of a form with its row tag and column tag (worked out once per compiled
    form and kept with it)."""
    return form.derived(_slot_tags)


def _slot_tags(form: CompiledSpec) -> tuple[tuple[Slot, str, str], ...]:
    return tuple((s, row_tag(s), col_tag(column_index(s))) for s in form.slots)
