"""Reading a returned workbook: who it is, where each answer is, and what each cell holds.

Identity comes from the document properties written alongside the hidden metadata sheet, or
from that sheet when the properties were stripped; a workbook whose metadata sheet was deleted
is still recognised by its properties, with an Issue saying so. Cells are found by the
hidden tags (`_xlsx_layout`), then by the defined names; an answer whose cell cannot be found
is reported missing, never read from a guessed address. A formula or an error value in an
input is reported and never evaluated; every other value goes through the one codec.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from lxml import etree

from ...answers.records import ReadResult, Record
from ...answers.slots import Slot
from ...errors import Issue, ReturnError
from ...spec.catalog import Catalog
from ...spec.compiled import CompiledSpec
from ..common import (
    FORM_ID,
    INSTANCE_ID,
    MAX_ID_CHARS,
    SLOTS,
    VERSION,
    Identity,
    finish,
)
from ..ooxml.cellrefs import col_letter, parse_name_ref
from ..ooxml.package import Package
from ..ooxml.sheetml import Book, Cell, SheetInfo
from . import _layout as L
from ._dates import swapped_date_issues
from ._sheet import Sheet, sheet_cells

FORMAT = "xlsx"


@dataclass
class Opened:
    """What a workbook says about itself before any answer is read."""

    book: Book
    identity: Identity
    layout: str
    sheet: SheetInfo
    issues: list[Issue] = field(default_factory=list)


def read(path: str | Path, catalog: Catalog | None = None, data: bytes | None = None
         ) -> ReadResult:
    p = Path(path)
    file = str(p)
    try:
        with Package(p, "xlsx", data) as pkg:
            opened = open_book(pkg)
            form = (catalog or Catalog.shipped()).form(
                opened.identity.form_id, opened.identity.version, file
            )
            cells = sheet_cells(opened.book, opened.sheet)
            if opened.layout == "register":
                recs, issues = _read_register(form, opened, cells)
            else:
                rec, issues = _read_form(form, opened, cells)
                recs = [rec]
            modified = pkg.modified()
            if modified:
                for rec in recs:
                    rec.meta["modified"] = modified
    except ReturnError:
        raise
    except (etree.LxmlError, zipfile.BadZipFile, zlib.error, ValueError, OverflowError,
            UnicodeDecodeError, OSError) as exc:  # a damaged file; anything else is a bug
        raise ReturnError(file, f"the workbook is damaged ({type(exc).__name__}: {exc})") from None
    return ReadResult(file=file, format=FORMAT, records=recs, issues=opened.issues + issues)


_IDENTITY_KEYS = (FORM_ID, VERSION, INSTANCE_ID, L.LAYOUT, L.SHEET)


def open_book(pkg: Package) -> Opened:
    """Identity, layout and input sheet of a workbook, or a ReturnError saying why not.

    The identity is read from the document's custom properties when they hold all of it and
    the metadata sheet is there (both are written together, and Excel and LibreOffice keep
    both); a workbook whose properties were stripped (as some converters do) is identified by
    the metadata sheet's first rows (inflating and parsing no further than those). Why the
    properties first: they are one small part, about a third of the cost of the sheet's rows,
    and they are where the Word and PDF forms keep their identity too."""
    book = Book(pkg)
    file = book.file
    issues: list[Issue] = []
    damaged: ReturnError | None = None
    try:
        props = book.custom_properties()
    except ReturnError as exc:  # damaged properties: the sheet says the same, if it is there
        props, damaged = {}, exc
    meta_info = book.sheet(L.META_SHEET)
    head: dict[str, str] = {}
    if meta_info is not None:
        head = props
        if not all(head.get(key) for key in _IDENTITY_KEYS):
            head = {a: (b or "").strip() for a, b in book.leading_rows(meta_info, L.MAP_HEADING)
                    if a and a != L.MAP_HEADING}
    if FORM_ID not in head:
        if damaged is not None:
            raise damaged
        if FORM_ID not in props:
            raise ReturnError(file, "not a bluestone form: the workbook carries no form id "
                              "(no hidden 'bluestone' sheet and no form document properties)")
        head = props
        issues.append(Issue(field="(form)", file=file, message=(
            f"the hidden sheet '{L.META_SHEET}' that identifies the form was deleted; the form "
            "was recognised from the workbook's document properties")))
    identity = Identity(head.get(FORM_ID), head.get(VERSION), head.get(INSTANCE_ID),
                        head.get(SLOTS))
    layout = head.get(L.LAYOUT, "form")
    if layout not in L.LAYOUTS:
        raise ReturnError(file, f"unknown workbook layout {layout!r}")
    wanted = head.get(L.SHEET) or (L.REGISTER_SHEET if layout == "register" else L.FORM_SHEET)
    sheet = book.sheet(wanted)
    if sheet is None:
        others = [s for s in book.sheets if s.name not in (L.META_SHEET, L.LISTS_SHEET)]
        if not others:
            raise ReturnError(file, f"the sheet '{wanted}' holding the answers is missing")
        sheet = others[0]
    return Opened(book, identity, layout, sheet, issues)


class Where(Mapping[str, str]):
    """Where each answer's cell is ("Form!C12"), put into words only when an issue needs it
    (a return without issues never formats a cell reference). `places` gives each answer's
    (row, column), or its column when `row` is given (a register row)."""

    def __init__(self, sheet: str, places: Mapping[str, Any], row: int | None = None) -> None:
        self._sheet, self._places, self._row = sheet, places, row

    def __getitem__(self, key: str) -> str:
        place = self._places[key]
        r, c = place if self._row is None else (self._row, place)
        return f"{self._sheet}!{col_letter(c)}{r}"

    def __iter__(self) -> Iterator[str]:
        return iter(self._places)

    def __len__(self) -> int:
        return len(self._places)


def _plain(cell: Cell | None) -> TypeGuard[Cell]:
    """A cell holding a value as such (no formula, no error value): the usual case."""
    return cell is not None and cell.formula is None and cell.error is None


def _raw(slot: Slot, cell: Cell | None, where: Mapping[str, str], file: str, row: int | None,
         own: list[Issue]) -> Any:
    """The raw content of an input cell for the codec; formulas and errors become Issues."""
    if cell is None:
        return None
    if cell.formula is not None:
        own.append(Issue(slot.key, f"{slot.label}: the cell holds a formula (={cell.formula}); "
                         "type the answer itself, formulas are never read", "=" + cell.formula,
                         where[slot.key], file, row))
        return None
    if cell.error is not None:
        own.append(Issue(slot.key, f"{slot.label}: the cell holds the error value {cell.error}",
                         cell.error, where[slot.key], file, row))
        return None
    return cell.value


def _finish(form: CompiledSpec, identity: Identity, raw: Mapping[str, Any],
            where: Mapping[str, str], file: str, row: int | None,
            own: list[Issue]) -> tuple[Record, list[Issue]]:
    """common.finish, without repeating a problem already reported for the same cell."""
    record, issues = finish(form, identity, raw, where, file, row)
    if not own:
        return record, issues
    mine = {i.field for i in own}
    kept = [i for i in issues if i.field not in mine]
    return record, own + kept


def locate_form(book: Book, sheet: Sheet, form: CompiledSpec
                ) -> tuple[dict[str, tuple[int, int]], list[Slot]]:
    """Each slot's input cell in the form layout (by tags, else by defined name), and the
    slots whose tags appear more than once (copied rows or columns: not safely readable)."""
    rows_of: dict[str, list[int]] = {}
    cols_of: dict[str, list[int]] = {}
    tag_rows = []
    for r, text in sheet.column_a().items():
        if text == L.TAG_MARK:
            tag_rows.append(r)
        else:
            rows_of.setdefault(text, []).append(r)
    if len(tag_rows) == 1:
        for c in sheet.columns(tag_rows[0]):
            tag = sheet.text(tag_rows[0], c) if c > 1 else None
            if tag:
                cols_of.setdefault(tag, []).append(c)
    found: dict[str, tuple[int, int]] = {}
    doubled: list[Slot] = []
    for slot, row_tag, col_tag in L.slot_tags(form):
        rows = rows_of.get(row_tag, [])
        cols = cols_of.get(col_tag, [])
        if len(rows) == 1 and len(cols) == 1:
            found[slot.key] = (rows[0], cols[0])
        elif len(rows) > 1 or len(cols) > 1:
            doubled.append(slot)
        else:
            pos = _named(book, slot, sheet.info.name)
            if pos is not None:
                found[slot.key] = pos
    if not found and not doubled:
        raise ReturnError(book.file, f"the sheet '{sheet.info.name}' has lost the hidden markers "
                          "and names that say which cell holds which answer; send the original "
                          "form")
    return found, doubled


def locate_register(book: Book, sheet: Sheet) -> tuple[int, dict[str, int], list[str]]:
    """The register's hidden key row, the column of each slot key, and keys seen twice."""
    key_rows = [r for r, text in sheet.column_a().items() if text == L.KEYS_MARK]
    if len(key_rows) != 1:
        raise ReturnError(book.file, f"the register sheet '{sheet.info.name}' has lost its hidden "
                          "row of answer keys, so its columns cannot be told apart; send the "
                          "original")
    col_of: dict[str, int] = {}
    doubled: list[str] = []
    for c in sheet.columns(key_rows[0]):
        text = sheet.text(key_rows[0], c) if c > 1 else None
        if text:
            if text in col_of:
                doubled.append(text)
            else:
                col_of[text] = c
    return key_rows[0], col_of, doubled


def _read_form(form: CompiledSpec, opened: Opened, cells: Sheet) -> tuple[Record, list[Issue]]:
    file = opened.book.file
    found, doubled = locate_form(opened.book, cells, form)
    raw: dict[str, Any] = {}
    own: list[Issue] = []
    for slot in doubled:
        own.append(Issue(slot.key, f"{slot.label}: the row or column of this answer appears "
                         "twice (copied rows or columns?); it cannot be read safely",
                         None, None, file))
        raw[slot.key] = None
    where = Where(opened.sheet.name, found)
    for slot, _, _ in L.slot_tags(form):
        pos = found.get(slot.key)
        if pos is not None:
            cell = cells.cell(*pos)
            raw[slot.key] = cell.value if _plain(cell) else _raw(slot, cell, where, file, None,
                                                                  own)
    own.extend(swapped_date_issues(form.slots, raw, where, file, None))
    return _finish(form, opened.identity, raw, where, file, None, own)


def _named(book: Book, slot: Slot, sheet: str) -> tuple[int, int] | None:
    text = book.names.get(L.defined_name(slot.key).casefold())
    target = parse_name_ref(text) if text else None
    if target is None or target[0] != sheet:
        return None
    return target[1], target[2]


def _read_register(form: CompiledSpec, opened: Opened, cells: Sheet
                   ) -> tuple[list[Record], list[Issue]]:
    book, sheet = opened.book, opened.sheet
    file = book.file
    key_row, col_of, doubled = locate_register(book, cells)
    issues = [Issue(key, "the column of this answer appears twice; the first is read",
                    None, None, file) for key in doubled]
    placed = [(s, col_of[s.key]) for s in form.slots if s.key in col_of]
    wanted = {c for _, c in placed}
    instance = opened.identity.instance_id or ""
    recs: list[Record] = []
    seen: dict[str, int] = {}
    convert = book.convert
    for r in cells.row_numbers():
        if r <= key_row:
            continue
        entries = cells.grid[r]
        got = {c: convert(entries[c], r, c) for c in entries if c in wanted}
        if not any(_filled(cell) for cell in got.values()):
            continue
        raw: dict[str, Any] = {}
        where = Where(sheet.name, col_of, r)
        own: list[Issue] = []
        for slot, col in placed:
            cell = got.get(col)
            raw[slot.key] = cell.value if _plain(cell) else _raw(slot, cell, where, file, r, own)
        row_id = cells.text(r, 1)
        if not row_id or len(row_id) > MAX_ID_CHARS:
            own.append(Issue("(form)", "this row has answers but no return id in column A "
                             "(an inserted row?); an id was derived from its row number"
                             if not row_id else f"the return id in column A is {len(row_id):,} "
                             "characters long, not one this toolkit wrote; an id was derived "
                             "from its row number", None, f"{sheet.name}!A{r}", file, r))
            row_id = L.stray_row_id(instance, r)
        elif row_id in seen:
            own.append(Issue("(form)", f"this row repeats the return id of row {seen[row_id]}",
                             row_id, f"{sheet.name}!A{r}", file, r))
        seen.setdefault(row_id, r)
        rec, row_issues = _finish(form, Identity(opened.identity.form_id,
                                                 opened.identity.version, row_id),
                                  raw, where, file, r, own)
        recs.append(rec)
        issues.extend(row_issues)
    return recs, issues


def _filled(cell: Cell | None) -> bool:
    if cell is None:
        return False
    if cell.formula is not None or cell.error is not None:
        return True
    v = cell.value
    return not (v is None or (isinstance(v, str) and not v.strip()))
