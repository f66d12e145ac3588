"""Where the printed Excel form breaks its pages: never after a heading, never inside a group.

Why the writer places the breaks: Excel and LibreOffice break a printed sheet wherever a page is
full, so a section heading can end a page with its questions on the next, and a live risk can
be split from its direction. The form sheet sets every row's height itself (`fit.row_height`),
so the writer knows how tall each row prints, and lays the rows out in *blocks* that must
share a page: a section's heading with its intro and first question, a question with its hints
and answer boxes, a question with its follow-ups (`formats.keeping`), a table whole. A block
that does not fit on what is left of a page starts the next one (a manual row break); a block
taller than a page is left to the application to break.

Why a fixed scale, not "fit to one page wide": Excel ignores manual page breaks on a sheet set
to fit to pages. The scale is worked out from the column widths instead, so the columns still
fit the page width.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break, RowBreak
from openpyxl.worksheet.worksheet import Worksheet

from .fit import LINE_PT

A4_PT = (595.3, 841.9)  # portrait width, height
PX_PT = 0.75
SAFETY = 0.96  # of the page's height: the applications' own rounding of row heights


def column_pt(width: float) -> float:
    """A column `width` characters wide as printed, in points, as the wider of the two
    applications prints it: LibreOffice 7.4 gives a character 7 pt (measured: a column 46
    wide prints 322 pt), Excel 7 px + 5 (5.25 pt). At that scale the columns fit the page in
    both, and both print the same rows on a page (row heights are the same in both)."""
    return max(width * 7.0, (width * 7 + 5) * PX_PT)


def scale(ws: Worksheet, first_col: int, last_col: int) -> int:
    """The print scale (per cent, at most 100) at which columns first..last fit the page."""
    portrait = ws.page_setup.orientation != "landscape"
    page_w = A4_PT[0] if portrait else A4_PT[1]
    room = page_w - 72 * float(ws.page_margins.left + ws.page_margins.right)
    width = sum(column_pt(ws.column_dimensions[get_column_letter(c)].width or 8.43)
                for c in range(first_col, last_col + 1))
    return max(10, min(100, math.floor(100 * room / float(width) * 0.98)))


def row_pt(ws: Worksheet, row: int) -> float:
    dim = ws.row_dimensions.get(row)
    if dim is not None and dim.hidden:
        return 0.0
    return float(dim.height) if dim is not None and dim.height else LINE_PT


def page_room(ws: Worksheet, percent: int, title_rows: Sequence[int]) -> float:
    """The height, in the sheet's own points, that one printed page holds below the print
    titles repeated on it."""
    portrait = ws.page_setup.orientation != "landscape"
    page_h = A4_PT[1] if portrait else A4_PT[0]
    body = page_h - 72 * float(ws.page_margins.top + ws.page_margins.bottom)
    return body * SAFETY * 100 / percent - sum(row_pt(ws, r) for r in title_rows)


def breaks(heights: dict[int, float], blocks: Sequence[tuple[int, int]], room: float) -> list[int]:
    """The rows after which a page ends: each block that does not fit on what is left of the
    page starts a new one. `blocks` are (first row, last row), in order, covering the rows."""
    out: list[int] = []
    used = 0.0
    for first, last in blocks:
        tall = sum(heights.get(r, 0.0) for r in range(first, last + 1))
        if used and used + tall > room:
            out.append(first - 1)
            used = 0.0
        used += tall
        while used > room:  # a block taller than a page: the application breaks it
            used -= room
    return out


def paginate(ws: Worksheet, blocks: Sequence[tuple[int, int]], first_col: int, last_col: int,
             title_rows: Sequence[int]) -> list[int]:
    """Set the form sheet's print scale and its manual page breaks; returns the break rows."""
    percent = scale(ws, first_col, last_col)
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_setup.fitToWidth = ws.page_setup.fitToHeight = None
    ws.page_setup.scale = percent
    rows = range(blocks[0][0], blocks[-1][1] + 1) if blocks else range(0)
    heights = {r: row_pt(ws, r) for r in rows}
    found = breaks(heights, blocks, page_room(ws, percent, title_rows))
    ws.row_breaks = RowBreak()
    for row in found:
        ws.row_breaks.append(Break(id=row))
    return found
