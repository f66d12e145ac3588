"""Writing the register layout: one row per return, one column per slot.

For a force that keys many case reviews or RP checklists into one sheet. Row 1 holds the title,
row 2 the section bands, row 3 the headings (frozen and repeated on every printed page), the
hidden row 4 the slot keys (`bluestone:keys` in column A), and every row below it one return.
Column A holds each row's return id (`_xlsx_layout.row_id`), locked; every input column
carries its slot's data validation on every row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from ...answers import records, values
from ...answers.slots import Slot, slots
from ...spec.model import FormSpec
from ...spec.wording import Wording
from ..common import Identity
from . import _layout as L
from ._write import (
    BOX,
    GREY,
    HEAD_FILL,
    LINE_PT,
    TABLE_HEAD_FILL,
    Lists,
    add_validation,
    finish_workbook,
    font,
    put,
    set_input,
    slot_required,
    store,
    text_lines,
)

TITLE_ROW, BAND_ROW, HEAD_ROW, KEY_ROW = 1, 2, 3, 4
FIRST_ROW = KEY_ROW + 1
DEFAULT_ROWS = 200
MAX_ROWS = 5000


def _width(slot: Slot) -> float:
    if slot.kind == "long_text":
        return 40.0
    if slot.kind == "text":
        return 24.0
    if slot.kind in ("integer", "decimal", "date"):
        return 12.0
    if slot.kind == "flag":
        return 10.0
    longest = max((len(t) for t in values.choice_texts(slot)), default=10)
    return float(min(32, max(12, longest + 3)))


def build_register(
    spec: FormSpec,
    identity: Identity,
    rows_values: Sequence[Mapping[str, Any]],
    password: str | None,
    rows: int = DEFAULT_ROWS,
) -> Workbook:
    if not 1 <= rows <= MAX_ROWS:
        raise ValueError(f"a register has 1 to {MAX_ROWS} rows, not {rows}")
    if len(rows_values) > rows:
        raise ValueError(f"{len(rows_values)} returns do not fit a register of {rows} rows")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = L.REGISTER_SHEET
    lists = Lists(wb)
    words = Wording(spec)
    all_slots = slots(spec)
    last = FIRST_ROW + rows - 1
    put(ws, TITLE_ROW, 1, words.phrase("register_title", title=spec.title),
        font=font(bold=True, size=13))
    ws.row_dimensions[TITLE_ROW].height = 22
    put(ws, BAND_ROW, 1, words.marking(), font=font(bold=True, color="C00000"))
    put(ws, HEAD_ROW, 1, words.phrase("return_id"), font=font(bold=True), fill=TABLE_HEAD_FILL,
        border=BOX, alignment=Alignment(vertical="top"))
    put(ws, KEY_ROW, 1, L.KEYS_MARK)
    ws.row_dimensions[KEY_ROW].hidden = True
    ws.column_dimensions["A"].width = 38
    flats = [records.flatten(spec, v) for v in rows_values]
    cells: dict[str, str] = {}
    head_lines = 1
    col_of_section: dict[str, tuple[int, int]] = {}
    for col, slot in enumerate(all_slots, start=2):
        letter = get_column_letter(col)
        width = _width(slot)
        ws.column_dimensions[letter].width = width
        label = f"{words.number(slot.field)} {slot.label}" + (
            f" {words.required()}" if slot_required(slot) else "")
        put(ws, HEAD_ROW, col, label, font=font(bold=True), fill=TABLE_HEAD_FILL, border=BOX,
            alignment=Alignment(wrap_text=True, vertical="top"))
        head_lines = max(head_lines, text_lines(label, width, bold=True))
        put(ws, KEY_ROW, col, slot.key)
        proto = ws.cell(row=FIRST_ROW, column=col)
        set_input(ws, FIRST_ROW, col, slot, slot_required(slot), None, words)
        for n in range(1, rows + 1):
            cell = ws.cell(row=FIRST_ROW + n - 1, column=col)
            if n > 1:
                cell._style = copy(proto._style)
            if n <= len(flats):
                store(cell, slot, flats[n - 1].get(slot.key), words.phrase("tick_mark"))
        cells[slot.key] = f"{letter}{FIRST_ROW}:{letter}{last}"
        add_validation(ws, lists, slot, cells[slot.key], words)
        section = _section_of(spec, slot)
        lo, _ = col_of_section.get(section, (col, col))
        col_of_section[section] = (lo, col)
    ws.row_dimensions[HEAD_ROW].height = min(409.0, head_lines * LINE_PT)  # Excel's highest row
    titles = {s.id: s.title for s in spec.sections}
    for section, (lo, hi) in col_of_section.items():
        put(ws, BAND_ROW, lo, titles[section], font=font(bold=True, color="FFFFFF"),
            fill=HEAD_FILL, alignment=Alignment(vertical="center"))
        if hi > lo:
            ws.merge_cells(start_row=BAND_ROW, start_column=lo, end_row=BAND_ROW, end_column=hi)
    id_cell = put(ws, FIRST_ROW, 1, None, font=font(size=8, color=GREY))
    for n in range(1, rows + 1):
        cell = put(ws, FIRST_ROW + n - 1, 1, L.row_id(identity.instance_id or "", n))
        cell._style = copy(id_cell._style)
    notes = [words.source(), words.attribution(), identity.footer()]
    r = last + 2
    for text in notes:
        if text:
            put(ws, r, 1, text, font=font(italic=True, size=9, color=GREY))
            r += 1
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=2).coordinate
    ws.print_title_rows = f"{BAND_ROW}:{HEAD_ROW}"
    ws.page_setup.orientation = "landscape"
    finish_workbook(wb, ws, spec, identity, "register", cells, password)
    return wb


def _section_of(spec: FormSpec, slot: Slot) -> str:
    for section in spec.sections:
        if any(f.id == slot.field.id for f in section.fields):
            return section.id
    raise KeyError(slot.key)
