"""Writing the form layout: one protected sheet that reads like the paper form.

A hidden tag row and tag column (see `_xlsx_layout`), labels in column B, inputs from column C
(a table's columns run C, D, E, ...). Every input is unlocked and carries the data validation
of its slot, an input message with the hint and an error alert saying what is expected;
labels, help and notes are locked. Row heights are estimated from the text, because merged or
filled-in cells are not re-measured when the file is opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ...answers import records, values
from ...answers.slots import Slot, field_slots, slots
from ...spec import model
from ...spec.kinds import KINDS
from ...spec.model import Answerable, FormSpec, NoteField, TableField
from ...spec.wording import Wording
from ..common import Identity
from ..keeping import groups
from . import _layout as L
from ._write import (
    BOX,
    GREY,
    HEAD_FILL,
    INPUT_WIDTH,
    LABEL_WIDTH,
    LINE_PT,
    TABLE_HEAD_FILL,
    TABLE_WIDTH,
    WRAP_TOP,
    Lists,
    add_validation,
    finish_workbook,
    font,
    put,
    set_input,
    slot_required,
    text_lines,
)
from .fit import row_height
from .pages import paginate

SAFEGUARDING_RED = "A00020"
TITLE_ROWS = (2, 3)  # the title and the marking, printed at the top of every page


class FormBuilder:
    """Lays one spec out as the form sheet, row by row."""

    def __init__(self, spec: FormSpec, identity: Identity, vals: Mapping[str, Any] | None) -> None:
        self.spec = spec
        self.words = Wording(spec)
        self.identity = identity
        self.flat = records.flatten(spec, vals) if vals else {}
        self.wb = Workbook()
        ws = self.wb.active
        assert ws is not None
        ws.title = L.FORM_SHEET
        self.ws: Worksheet = ws
        self.lists = Lists(self.wb)
        self.cells: dict[str, str] = {}
        self.blocks: list[tuple[int, int]] = []  # rows printed on one page (`pages`)
        widths = [len(f.columns) for f in spec.answerable() if isinstance(f, TableField)]
        self.ncols = max([1, *widths])
        self.last = 2 + self.ncols
        self.row = 1

    def build(self) -> Workbook:
        ws, spec = self.ws, self.spec
        put(ws, 1, 1, L.TAG_MARK)
        for k in range(1, self.ncols + 1):
            put(ws, 1, 2 + k, L.col_tag(k))
        ws.row_dimensions[1].hidden = True
        ws.column_dimensions["A"].hidden = True
        ws.column_dimensions["A"].width = 4
        ws.column_dimensions["B"].width = LABEL_WIDTH
        ws.column_dimensions["C"].width = INPUT_WIDTH
        for k in range(2, self.ncols + 1):
            ws.column_dimensions[get_column_letter(2 + k)].width = TABLE_WIDTH
        put(ws, 2, 2, spec.title, font=font(bold=True, size=14), alignment=WRAP_TOP)
        self._merge(2, LABEL_WIDTH + INPUT_WIDTH, spec.title, 14, bold=True)
        put(ws, 3, 2, self.words.marking(), font=font(bold=True, color="C00000"))
        put(ws, 3, 3, self.words.form_version(), font=font(color=GREY, size=9),
            alignment=Alignment(horizontal="right"))
        legend = self.words.instructions("instructions_xlsx")
        put(ws, 4, 2, legend, font=font(italic=True, size=9, color=GREY), alignment=WRAP_TOP)
        self._merge(4, LABEL_WIDTH + INPUT_WIDTH, legend, 9)
        ws.freeze_panes = "A5"
        wide = LABEL_WIDTH + INPUT_WIDTH + TABLE_WIDTH * (self.ncols - 1) > 110
        ws.page_setup.orientation = "landscape" if wide else "portrait"
        ws.print_title_rows = f"{TITLE_ROWS[0]}:{TITLE_ROWS[-1]}"
        self.row = 5
        if spec.description:
            self._text_row(spec.description, italic=True)
        self.blocks.append((4, self.row - 1))  # the instructions print on page 1 only
        for section in spec.sections:
            self._section(section)
        self._footer_rows()
        self.cells = {s.key: self.cells[s.key] for s in slots(spec)}
        return self.wb

    def _section(self, section: model.Section) -> None:
        """A section's rows, and the blocks of rows that print on one page (`pages`): the
        heading, intro and leading notes with the first question (or group), each question
        whole, a question with its follow-ups (`formats.keeping`)."""
        ws, spec = self.ws, self.spec
        start: int | None = self.row  # the blank row above the heading goes with it
        ends = {g.first: g.last for g in groups(spec, section)}
        marked = {g.first for g in groups(spec, section) if g.safeguarding}
        group_end = -1
        self.row += 1
        put(ws, self.row, 2, section.title, font=font(bold=True, color="FFFFFF", size=12),
            fill=HEAD_FILL, alignment=Alignment(vertical="center", wrap_text=True))
        for c in range(3, self.last + 1):
            ws.cell(row=self.row, column=c).fill = HEAD_FILL
        self._merge(self.row, LABEL_WIDTH + INPUT_WIDTH, section.title, 12, bold=True)
        ws.row_dimensions[self.row].height = max(20.0, ws.row_dimensions[self.row].height)
        self.row += 1
        if section.intro:
            self._text_row(section.intro, italic=True)
        for i, f in enumerate(section.fields):
            if start is None:
                start = self.row  # a block opens: a note, a question or a group
            group_end = max(group_end, ends.get(i, i))
            if isinstance(f, NoteField):
                if f.label:
                    self._text_row(f.label, bold=True)
                self._text_row(f.text)
                continue  # a note goes with what follows it
            if i in marked:  # a live risk and its follow-ups: marked as in every format
                put(ws, self.row, 2, self.words.phrase("safeguarding").upper(),
                    font=font(bold=True, size=9, color=SAFEGUARDING_RED))
                self.row += 1
            if isinstance(f, TableField):
                self._table(f)
            elif f.shape in ("many", "signoff"):
                self._group(f)
            else:
                (slot,) = field_slots(spec, f)
                self._scalar(slot)
            if i >= group_end:
                self.blocks.append((start, self.row - 1))
                start = None
        if start is not None:
            self.blocks.append((start, self.row - 1))

    def _merge(self, row: int, width: float, text: str, size: float = 11, *,
               bold: bool = False) -> None:
        """Merge B:C of `row` and make the row tall enough for `text` wrapped in it."""
        self.ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=3)
        self.ws.row_dimensions[row].height = row_height(text, width, size, bold)

    def _text_row(self, text: str, *, italic: bool = False, bold: bool = False) -> None:
        put(self.ws, self.row, 2, text, font=font(italic=italic, bold=bold,
                                                 color=GREY if italic else None),
            alignment=WRAP_TOP)
        self._merge(self.row, LABEL_WIDTH + INPUT_WIDTH, text, bold=bold)
        self.row += 1

    def _marked(self, text: str, required: bool) -> str:
        return f"{text} {self.words.required()}" if required else text

    def _label(self, text: str, required: bool, *, bold: bool = False, indent: int = 0) -> None:
        shown = self._marked(text, required)
        put(self.ws, self.row, 2, shown, font=font(bold=bold),
            alignment=Alignment(wrap_text=True, vertical="top", indent=indent))

    def _input(self, slot: Slot, col_index: int) -> str:
        put(self.ws, self.row, 1, L.row_tag(slot))
        ref = set_input(self.ws, self.row, 2 + col_index, slot, slot_required(slot),
                        self.flat.get(slot.key), self.words)
        self.cells[slot.key] = ref
        if slot.row is None or slot.row == 1:
            sqref = ref
            if slot.row == 1:
                assert isinstance(slot.field, TableField)
                end = self.row + slot.field.max_rows - 1
                sqref = f"{ref}:{ref.rstrip('0123456789')}{end}"
            add_validation(self.ws, self.lists, slot, sqref, self.words)
        return ref

    def _height(self, texts: Iterable[tuple[str, float]], minimum: float = LINE_PT, *,
                bold: bool = False) -> None:
        lines = max([1, *(text_lines(t, w, bold=bold) for t, w in texts)])
        self.ws.row_dimensions[self.row].height = max(minimum, lines * LINE_PT)

    def _about(self, f: model.Answerable) -> None:
        """A question's hints ("Answer if …" among them) and guidance, a row each."""
        for text in (*self.words.hints(f), *self.words.guidance(f)):
            self._text_row(text, italic=True)

    def _scalar(self, slot: Slot) -> None:
        f = slot.spec_field
        label = self.words.heading(slot.field, marker=False)
        self._label(label, slot_required(slot))
        self._input(slot, 1)
        minimum = LINE_PT
        if slot.kind == "long_text":
            minimum = min(400.0, getattr(f, "lines", 1) * LINE_PT)
        texts = [(self._marked(label, True), LABEL_WIDTH)]
        if KINDS[slot.kind].options:
            texts.append((max(values.choice_texts(slot), key=len), INPUT_WIDTH))
        self._height(texts, minimum)
        self.row += 1
        self._about(slot.field)

    def _group(self, f: Answerable) -> None:
        label = self.words.heading(f, marker=False)
        self._label(label, f.required, bold=True)
        self._height([(self._marked(label, True), LABEL_WIDTH)], bold=True)
        self.row += 1
        self._about(f)
        for slot in field_slots(self.spec, f):
            if f.shape == "many":
                text = slot.options[0].label
            else:
                text = self.words.phrase("name" if slot.part == "name" else "date")
            self._label(text, slot_required(slot), indent=2)
            self._input(slot, 1)
            self._height([(text, LABEL_WIDTH - 4)])
            self.row += 1

    def _table(self, f: TableField) -> None:
        ws = self.ws
        label = self.words.heading(f, marker=False)
        self._label(label, f.required, bold=True)
        self._height([(self._marked(label, True), LABEL_WIDTH)], bold=True)
        self.row += 1
        self._about(f)
        self._text_row(self.words.table_rows(f.max_rows, f.min_rows), italic=True)
        heads = []
        for i, col in enumerate(f.columns, start=1):
            text = self._marked(col.label, col.required)
            put(ws, self.row, 2 + i, text, font=font(bold=True), fill=TABLE_HEAD_FILL,
                border=BOX, alignment=Alignment(wrap_text=True, vertical="top"))
            heads.append((text, INPUT_WIDTH if i == 1 else TABLE_WIDTH))
        self._height(heads, bold=True)
        self.row += 1
        tall = any(c.kind == "long_text" for c in f.columns)
        by_row: dict[int, list[Slot]] = {}
        for slot in field_slots(self.spec, f):
            assert slot.row is not None
            by_row.setdefault(slot.row, []).append(slot)
        for r in range(1, f.max_rows + 1):
            put(ws, self.row, 2, self.words.phrase("table_row", n=r), font=font(color=GREY),
                alignment=Alignment(horizontal="right", vertical="top"))
            for slot in by_row[r]:
                self._input(slot, L.column_index(slot))
            ws.row_dimensions[self.row].height = 2 * LINE_PT if tall else LINE_PT + 3
            self.row += 1

    def _footer_rows(self) -> None:
        start = self.row
        self.row += 1
        self._text_row(self.words.source(), italic=True)
        credit = self.words.attribution()
        if credit:
            self._text_row(credit, italic=True)
        self._text_row(self.identity.footer(), italic=True)
        self.blocks.append((start, self.row - 1))


def build_form(
    spec: FormSpec, identity: Identity, vals: Mapping[str, Any] | None, password: str | None
) -> Workbook:
    builder = FormBuilder(spec, identity, vals)
    wb = builder.build()
    finish_workbook(wb, builder.ws, spec, identity, "form", builder.cells, password)
    paginate(builder.ws, builder.blocks, 2, builder.last, TITLE_ROWS)
    return wb
