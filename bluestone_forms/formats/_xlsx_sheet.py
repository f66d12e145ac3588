"""One worksheet of a returned workbook, read lazily (see `Sheet`)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from ..errors import ReturnError
from ._xlsx_parts import Book, Cell, SheetInfo
from ._xlsx_refs import Entry, col_letter, entry_of, split_ref


def sheet_cells(book: Book, info: SheetInfo) -> Sheet:
    """A sheet whose cells are converted only when asked for."""
    return Sheet(book, info, book.pkg.xml(info.part))


class Sheet:
    """One parsed worksheet; a cell becomes a `Cell` only when it is asked for.

    Why this shape: a form sheet is mostly labels and empty styled input cells, and converting
    every cell costs more than parsing the XML. One pass, in which lxml walks the tree in C and
    hands back only values, inline strings and formulas, indexes the cells that hold anything
    by reference; only the cells a reader asks for are converted. Cells without an `r`
    attribute (allowed, written by a few tools) are placed after the previous cell by a
    slower walk.
    """

    def __init__(self, book: Book, info: SheetInfo, root: etree._Element) -> None:
        self.book = book
        self.info = info
        self._done: dict[str, Cell | None] = {}
        self._rows: dict[int, list[int]] | None = None
        self.filled: dict[str, Entry] = {}
        ns = book.ns
        c_tag, f_tag = ns + "c", ns + "f"
        filled: dict[str, list[Any]] = {}
        for el in root.iter(ns + "v", ns + "f", ns + "is"):
            c = el.getparent()
            if c is None or c.tag != c_tag:
                continue
            ref = c.get("r")
            if ref is None:  # placed by position: walk the whole sheet instead
                self.filled = self._walk(root)
                return
            entry = filled.get(ref)
            if entry is None:
                entry = filled[ref] = [c, None, None]
            elif entry[0] is not c:
                raise ReturnError(book.file, f"{info.part} has the cell {ref} twice")
            entry[2 if el.tag == f_tag else 1] = el
        self.filled = {k: (v[0], v[1], v[2]) for k, v in filled.items()}

    def _walk(self, root: etree._Element) -> dict[str, Entry]:
        """Every filled cell by reference, placing cells and rows that carry no reference."""
        ns = self.book.ns
        out: dict[str, Entry] = {}
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
                    key = f"{col_letter(col)}{r}"
                    if key in out:
                        raise ReturnError(self.book.file, f"{self.info.part} has the cell "
                                          f"{key} twice")
                    out[key] = entry
        return out

    @property
    def rows(self) -> dict[int, list[int]]:
        """Row number -> the columns of its filled cells (references checked here)."""
        if self._rows is None:
            rows: dict[int, list[int]] = {}
            for ref in self.filled:
                pos = split_ref(ref)
                if pos is None:
                    raise ReturnError(self.book.file,
                                      f"{self.info.part} has a bad cell reference {ref!r}")
                rows.setdefault(pos[0], []).append(pos[1])
            self._rows = {r: sorted(cols) for r, cols in sorted(rows.items())}
        return self._rows

    def columns(self, r: int) -> list[int]:
        """The columns of row r's filled cells."""
        if self._rows is not None:
            return self._rows.get(r, [])
        digits = str(r)
        cols = []
        for ref in self.filled:
            if ref.endswith(digits) and ref[: -len(digits)].isalpha():
                pos = split_ref(ref)
                if pos is not None and pos[0] == r:
                    cols.append(pos[1])
        return sorted(cols)

    def column_a(self) -> dict[int, str]:
        """The text in column A of every row that has some (where the tags are)."""
        out: dict[int, str] = {}
        text_of = self.book.entry_text
        for ref, entry in self.filled.items():
            if ref[0] == "A" and ref[1:].isdigit():
                r = int(ref[1:])
                text = text_of(entry, r, 1)
                if text:
                    out[r] = text
        return dict(sorted(out.items()))

    def cell(self, r: int, c: int) -> Cell | None:
        ref = f"{col_letter(c)}{r}"
        if ref in self._done:
            return self._done[ref]
        entry = self.filled.get(ref)
        cell = None if entry is None else self.book.convert(entry, r, c)
        self._done[ref] = cell
        return cell

    def text(self, r: int, c: int) -> str | None:
        entry = self.filled.get(f"{col_letter(c)}{r}")
        return None if entry is None else self.book.entry_text(entry, r, c)
