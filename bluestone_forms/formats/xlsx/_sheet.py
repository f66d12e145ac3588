"""One worksheet of a returned workbook, read lazily (see `Sheet`), and parsed only as far as
its cells go (see `parse_sheet`)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from lxml import etree

from ...errors import ReturnError
from ..ooxml.cellrefs import SEEN_REFS, Entry, col_letter, entry_of, split_ref
from ..ooxml.package import HEAD_BYTES, parse_xml, refuse_dtd, xml_failure
from ..ooxml.sheetml import Book, Cell, SheetInfo

BIG_SHEET_BYTES = 2 * 1024 * 1024  # a part larger than this is parsed in slices
PRUNE_BYTES = 256 * 1024  # parsed between two prunings of a large sheet
CHUNK_BYTES = 64 * 1024  # inflated at a time


def sheet_cells(book: Book, info: SheetInfo) -> Sheet:
    """A sheet whose cells are converted only when asked for (a small part inflated in one
    call, `Package.whole`; a larger one as it inflates)."""
    pkg = book.pkg
    chunks = [pkg.read(info.part)] if pkg.whole(info.part) else pkg.chunks(info.part, CHUNK_BYTES)
    return Sheet(book, info, parse_sheet(chunks, book.file, info.part))


def parse_sheet(chunks: Iterable[bytes], file: str, part: str) -> etree._Element:
    """A worksheet part, as it inflates, parsed as far as the end of its cells (`sheetData`).

    Why: what follows the cells (merged ranges, data validations with their texts, print
    settings) is half of a form sheet's XML and none of its answers. The part is cut after the
    last "sheetData" and closed with the part's own last end tag; only when that parses is it
    used, so a cut in the wrong place (a comment, a text) means the whole part is parsed
    instead. The empty cells are left out of the tree where that cannot change a value (see
    `without_empty_cells`). A part too large for one tree (a million empty rows, say) is parsed
    a slice at a time, dropping the rows with nothing in them as it goes (see `_parse_pruned`).
    """
    pieces = iter(chunks)
    head: list[bytes] = []
    size = 0
    for chunk in pieces:
        head.append(chunk)
        size += len(chunk)
        if size > BIG_SHEET_BYTES:
            return _parse_pruned(head, pieces, file, part)
    data = b"".join(head)
    at = data.rfind(b"sheetData")
    end = data.find(b">", at) if at >= 0 else -1
    close = data.rfind(b"</")
    if 0 <= end < close:
        try:
            return parse_xml(without_empty_cells(data[:end + 1] + data[close:]), file, part)
        except ReturnError:
            pass  # not a real end of the cells: the whole part says what is wrong, if anything
    return parse_xml(data, file, part)


STRIP_FROM = 500  # empty-element tags in a part, below which the cut is not worth its scans
_EMPTY_CELL = re.compile(rb'<c r="[^<>]*/>')
_UNREFERENCED_CELL = re.compile(rb'<c(?! r=")[\s/>]')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")


def without_empty_cells(data: bytes) -> bytes:
    """The cells part of a sheet without its empty cells (`<c r="B5" s="3"/>`: a style and no
    content), when there are many and leaving them out cannot change anything a reader sees.

    Why: a register is mostly empty input cells, styled and unlocked for typing in (4,900 of
    a 200-row register's 5,500 cells); building tree nodes for them is most of the cost of
    parsing it, and a reader never looks at them. Removing them takes a fifth of that. A
    form has a few dozen: there the scans would cost more than they save.

    Why it is safe: the pattern runs from `<c r="` to the first `<` or `>` (never further:
    it stays linear on a hostile part), and matches only when that is the `>` closing an
    empty-element tag, so a cell with content (whose start tag ends in a bare `>`) never
    matches; a match that ends inside an attribute value holding "/>" leaves the rest of that
    tag as stray text, which no longer parses, and the caller then parses the part as it was.
    The cut is not made where it could move or change a value that still parses: where any
    cell's start tag does not name its reference first (a cell without one is placed after
    the cell before it, which must then stay), where a cell may be written with a namespace
    prefix, and where there is a CDATA section (the one place where such a tag could be
    text)."""
    if data.count(b"/>") < STRIP_FROM or b"<![CDATA[" in data:
        return data
    if _UNREFERENCED_CELL.search(data) or _PREFIXED_CELL.search(data):
        return data
    return _EMPTY_CELL.sub(b"", data)


def _parse_pruned(head: list[bytes], rest: Iterator[bytes], file: str, part: str
                  ) -> etree._Element:
    """A large worksheet parsed as it inflates. After each slice the finished rows of
    sheetData are taken out of the tree, and those that hold no value are dropped, so memory
    follows the filled rows, not the part; the kept rows are put back in order at the end."""
    refuse_dtd(b"".join(head)[:HEAD_BYTES], file, part)
    parser = etree.XMLPullParser(events=("start",), tag="{*}sheetData", resolve_entities=False,
                                 no_network=True, load_dtd=False, huge_tree=False)
    rows: etree._Element | None = None
    held: list[etree._Element] = []
    fed = 0
    try:
        for chunk in itertools.chain(head, rest):
            parser.feed(chunk)
            fed += len(chunk)
            if fed >= PRUNE_BYTES:
                fed = 0
                for _, el in parser.read_events():
                    rows = el if rows is None else rows
                if rows is not None:
                    _prune(rows, held)
        root = parser.close()
    except etree.XMLSyntaxError as exc:
        raise xml_failure(exc, file, part) from None
    if rows is not None:
        _prune(rows, held, finished=True)
        rows[0:0] = held
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise ReturnError(file, f"{part} declares a DTD, which Office files never do")
    return root


def _prune(rows: etree._Element, held: list[etree._Element], finished: bool = False) -> None:
    """Take the children of sheetData out of the tree (but the last, which may still be being
    parsed, unless the parse is `finished`), keeping in `held` those a reader needs: rows with
    a value, a formula or an inline string, and a run of empty rows when the row after it has
    no number of its own (its number is counted on from them). lxml finds the values in C, so
    an empty row costs no Python."""
    last = len(rows) - (0 if finished else 1)
    if last <= 0:
        return
    full = set()
    for el in rows.iter("{*}v", "{*}f", "{*}is"):
        up = el.getparent()
        while up is not None and up is not rows:
            el, up = up, up.getparent()
        full.add(el)
    start = 0
    for mark in [*sorted(i for i in map(rows.index, full) if i < last), last]:
        after = rows[mark] if mark < len(rows) else None  # none after the last, once finished
        if mark > start and after is not None and after.get("r") is None:
            held.extend(rows[start:mark])
        if mark < last:
            held.append(rows[mark])
        start = mark + 1
    del rows[0:last]


class Sheet:
    """One parsed worksheet; a cell becomes a `Cell` only when it is asked for.

    Why this shape: a form sheet is mostly labels and empty styled input cells, and converting
    every cell costs more than parsing the XML. One pass, in which lxml walks the tree in C and
    hands back only values, inline strings and formulas, indexes the cells that hold anything
    by row and column; only the cells a reader asks for are converted. Cells without an `r`
    attribute (allowed, written by a few tools) are placed after the previous cell by a
    slower walk.
    """

    def __init__(self, book: Book, info: SheetInfo, root: etree._Element) -> None:
        self.book = book
        self.info = info
        self._bad: str | None = None  # a filled cell's reference that is not one
        # row -> column -> (cell element, value or inline string element, formula element)
        self.grid: dict[int, dict[int, Entry]] = {}
        ns = book.ns
        c_tag = ns + "c"
        grid: dict[int, dict[int, Any]] = {}
        seen = SEEN_REFS  # split_ref's memory of references, asked first (saves a call each)
        # values and inline strings, then formulas (rare): lxml finds them in C
        for index, found in ((1, root.iter(ns + "v", ns + "is")), (2, root.iter(ns + "f"))):
            for el in found:
                c = el.getparent()
                if c is None or c.tag != c_tag:
                    continue
                ref = c.get("r")
                if ref is None:  # placed by position: walk the whole sheet instead
                    self.grid = self._walk(root)
                    return
                pos = seen.get(ref) or split_ref(ref)
                if pos is None:
                    self._bad = ref
                    continue
                r, col = pos
                row = grid.get(r)
                if row is None:
                    row = grid[r] = {}
                entry = row.get(col)
                if entry is None:
                    row[col] = (c, el, None) if index == 1 else (c, None, el)
                elif entry[0] is not c:
                    raise ReturnError(book.file, f"{info.part} has the cell {ref} twice")
                else:
                    row[col] = (c, el, entry[2]) if index == 1 else (c, entry[1], el)
        self.grid = grid

    def _walk(self, root: etree._Element) -> dict[int, dict[int, Any]]:
        """Every filled cell by row and column, placing cells and rows that carry no
        reference."""
        ns = self.book.ns
        out: dict[int, dict[int, Any]] = {}
        data = root.find(ns + "sheetData")
        r = 0
        for row in data.iterchildren(ns + "row") if data is not None else ():
            r_attr = row.get("r")
            r = int(r_attr) if r_attr and r_attr.isdigit() else r + 1
            col = 0
            for el in row.iterchildren(ns + "c"):
                ref = el.get("r")
                pos = split_ref(ref) if ref else (r, col + 1)
                if pos is None:
                    raise ReturnError(self.book.file,
                                      f"{self.info.part} has a bad cell reference {ref!r}")
                r, col = pos
                entry = entry_of(el, ns)
                if entry[1] is not None or entry[2] is not None:
                    cells = out.setdefault(r, {})
                    if col in cells:
                        raise ReturnError(self.book.file, f"{self.info.part} has the cell "
                                          f"{col_letter(col)}{r} twice")
                    cells[col] = entry
        return out

    @property
    def rows(self) -> dict[int, list[int]]:
        """Row number -> the columns of its filled cells, in order (every filled cell's
        reference checked)."""
        return {r: sorted(self.grid[r]) for r in self.row_numbers()}

    def row_numbers(self) -> list[int]:
        """The numbers of the rows with filled cells, in order (every filled cell's reference
        checked)."""
        self.check()
        return sorted(self.grid)

    def check(self) -> None:
        """A ReturnError if a filled cell's reference is not one (such a cell cannot be
        placed, and its value must not be lost without a word)."""
        if self._bad is not None:
            raise ReturnError(self.book.file,
                              f"{self.info.part} has a bad cell reference {self._bad!r}")

    def columns(self, r: int) -> list[int]:
        """The columns of row r's filled cells."""
        return sorted(self.grid.get(r, ()))

    def column_a(self) -> dict[int, str]:
        """The text in column A of every row that has some (where the tags are); in no
        particular order (readers look tags up and count them)."""
        self.check()
        out: dict[int, str] = {}
        text_of = self.book.entry_text
        for r, cells in self.grid.items():
            entry = cells.get(1)
            if entry is not None:
                text = text_of(entry, r, 1)
                if text:
                    out[r] = text
        return out

    def cell(self, r: int, c: int) -> Cell | None:
        row = self.grid.get(r)
        entry = None if row is None else row.get(c)
        return None if entry is None else self.book.convert(entry, r, c)

    def text(self, r: int, c: int) -> str | None:
        row = self.grid.get(r)
        entry = None if row is None else row.get(c)
        return None if entry is None else self.book.entry_text(entry, r, c)
