"""Writing with openpyxl: what both layouts share.

Input cells (unlocked, bordered, shaded when required, number format of their kind, values
stored as Excel stores typed answers), drop-down lists, data validations, and the finishing of
a workbook: the veryHidden metadata sheet with the identity and the slot-to-cell map, the
defined names, document properties, protection and print set-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ...answers.slots import Slot
from ...spec.model import (
    FormSpec,
)
from ...spec.wording import Wording
from ..common import FORM_ID, INSTANCE_ID, SLOTS, VERSION, Identity, fingerprint
from . import _layout as L
from .fit import LINE_PT as LINE_PT
from .fit import wrapped_lines

THIN = Side(style="thin", color="7F7F7F")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
HEAD_FILL = PatternFill("solid", fgColor="1F3864")
TABLE_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
LOCKED = Protection(locked=True)
UNLOCKED = Protection(locked=False)
GREY = "595959"
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
LABEL_WIDTH = 46.0
INPUT_WIDTH = 44.0
TABLE_WIDTH = 22.0


def font(*, size: float = 11, **kw: Any) -> Font:
    """A font of the form's one family (a cell without a named font falls back to a serif)."""
    return Font(name="Calibri", size=size, **kw)


def put(ws: Worksheet, row: int, col: int, text: str | None, **style: Any) -> Any:
    """Write text into a cell as a string (never a formula, whatever it starts with)."""
    cell = ws.cell(row=row, column=col)
    if text is not None:
        cell.value = text
        cell.data_type = "s"
    for key, value in style.items():
        setattr(cell, key, value)
    return cell


def text_lines(text: str, width: float, size: float = 11, bold: bool = False) -> int:
    """How many lines `text` wraps to in a column `width` characters wide (never fewer)."""
    return wrapped_lines(text, width, size, bold)


def set_input(ws: Worksheet, row: int, col: int, slot: Slot, required: bool, value: Any,
              words: Wording | None = None) -> str:
    """Style (and prefill) one input cell, in the language of `words`; returns its address."""
    cell = ws.cell(row=row, column=col)
    cell.protection = UNLOCKED
    cell.border = BOX
    cell.fill = REQUIRED_FILL if required else INPUT_FILL
    cell.number_format = L.number_format(slot, words.spec.language if words else "en")
    if slot.kind == "long_text":
        cell.alignment = WRAP_TOP
    elif slot.kind in ("text", "choice", "rating"):
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    store(cell, slot, value, words.phrase("tick_mark") if words else "Yes")
    return str(cell.coordinate)


def store(cell: Any, slot: Slot, value: Any, mark: str = "Yes") -> None:
    """Put a canonical value into a cell as Excel stores it (text stays text, even "=...")."""
    native = L.cell_value(slot, value, mark)
    if native is not None:
        cell.value = native
        if isinstance(native, str):
            cell.data_type = "s"


def slot_required(slot: Slot) -> bool:
    return bool(slot.spec_field.required) and slot.kind != "flag"


class Lists:
    """Drop-down entries: inline when short and safe, else a range on the hidden lists sheet."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        self.ws: Worksheet | None = None
        self.ranges: dict[tuple[str, ...], str] = {}

    def formula(self, items: tuple[str, ...]) -> str:
        inline = ",".join(items)
        if len(inline) <= 250 and not any("," in i or '"' in i for i in items):
            return f'"{inline}"'
        if items not in self.ranges:
            if self.ws is None:
                self.ws = self.wb.create_sheet(L.LISTS_SHEET)
                self.ws.sheet_state = "hidden"
                self.ws.protection.sheet = True
            col = len(self.ranges) + 1
            for r, text in enumerate(items, start=1):
                put(self.ws, r, col, text)
            letter = get_column_letter(col)
            self.ranges[items] = f"{L.LISTS_SHEET}!${letter}$1:${letter}${len(items)}"
        return self.ranges[items]


def add_validation(ws: Worksheet, lists: Lists, slot: Slot, sqref: str, words: Wording) -> None:
    r = L.rule(slot, words)
    dv = DataValidation(
        type=r.type,
        operator=r.operator,
        formula1=lists.formula(r.items) if r.type == "list" else r.formula1,
        formula2=r.formula2,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        promptTitle=r.prompt_title,
        prompt=r.prompt,
        errorTitle=r.error_title,
        error=r.error,
        errorStyle="stop",
    )
    dv.add(sqref)
    ws.add_data_validation(dv)


def _hf(text: str) -> str:
    return text.replace("&", "&&")


def finish_workbook(
    wb: Workbook,
    ws: Worksheet,
    spec: FormSpec,
    identity: Identity,
    layout: str,
    cells: Mapping[str, str],
    password: str | None,
) -> None:
    """Metadata sheet, names, document properties, protection and print set-up."""
    meta = wb.create_sheet(L.META_SHEET)
    head = [
        (FORM_ID, spec.id),
        (VERSION, spec.version),
        (INSTANCE_ID, identity.instance_id or ""),
        (L.LAYOUT, layout),
        (L.SHEET, ws.title),
        (SLOTS, fingerprint(spec)),
    ]
    for r, (key, value) in enumerate(head, start=1):
        put(meta, r, 1, key)
        put(meta, r, 2, value)
    first = len(head) + 2
    for c, text in enumerate((L.MAP_HEADING, "cell", "defined name"), start=1):
        put(meta, first, c, text)
    for r, (key, ref) in enumerate(cells.items(), start=first + 1):
        name = L.defined_name(key)
        put(meta, r, 1, key)
        put(meta, r, 2, f"{ws.title}!{ref}")
        put(meta, r, 3, name)
        wb.defined_names[name] = DefinedName(name, attr_text=f"{ws.title}!{_absolute(ref)}")
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    for key, value in head:
        wb.custom_doc_props.append(StringProperty(name=key, value=value))
    wb.properties.title = spec.title
    wb.properties.creator = "bluestone-forms"
    wb.properties.subject = f"{spec.id} v{spec.version}"
    ws.protection.sheet = True
    ws.protection.formatRows = False
    if password:
        ws.protection.password = password
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 0
    _print_setup(ws, spec, identity)


def _absolute(ref: str) -> str:
    """C12 -> $C$12; C5:C9 -> $C$5:$C$9."""
    out = []
    for part in ref.split(":"):
        letters = part.rstrip("0123456789")
        out.append(f"${letters}${part[len(letters):]}")
    return ":".join(out)


def _print_setup(ws: Worksheet, spec: FormSpec, identity: Identity) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    words = Wording(spec)
    marking = _hf(words.marking())
    ws.oddHeader.center.text = marking
    ws.oddHeader.center.font = "Calibri,Bold"
    short = words.licence_short()
    if short:
        ws.oddHeader.left.text = _hf(short if len(short) <= 110 else short[:109] + "…")
        ws.oddHeader.left.size = 7
    # identity on the left, marking and page on the right: apart on any page width
    ws.oddFooter.left.text = _hf(identity.footer())
    ws.oddFooter.left.size = 7
    page = words.page("&P", "&N")
    ws.oddFooter.right.text = f'&"Calibri,Bold"&10{marking}&"Calibri,Regular"&7   {page}'

