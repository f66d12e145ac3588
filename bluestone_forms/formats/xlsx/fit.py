"""How tall a row must be for its wrapped text, estimated on the safe side.

Neither Excel nor LibreOffice re-measures a merged or wrapped cell when a file is opened, so
the writer sets each row's height itself. The estimate lays the text out word by word (a
word never splits unless it alone is wider than the cell) with the advance widths of DejaVu
Sans, the widest of the fonts the form's Calibri is shown in (Calibri in Excel, Carlito or
the DejaVu fallback in LibreOffice), and a column of width w characters is taken as w times
7 px (5.25 pt), Excel's own measure: narrower than LibreOffice draws it. So a row is never
shorter than its text, only at times a little taller.
"""

from __future__ import annotations

import math

LINE_PT = 15.0  # one line of 11 pt text: Excel's default row height
BASE_SIZE = 11.0
CHAR_PT = 5.25  # a column width unit: 7 px of Calibri 11's digit

# Advance widths (1/1000 em) of DejaVu Sans, regular and bold, for ASCII 32..126.
_REGULAR = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)  # fmt: skip
_BOLD = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365,
    696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580,
    1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850,
    733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500,
    500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687,
    716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
)  # fmt: skip
_OTHER = 1000  # any other character: as wide as an em dash


def text_width(text: str, size: float = BASE_SIZE, bold: bool = False) -> float:
    """The width of `text` in points, set in `size` pt."""
    table = _BOLD if bold else _REGULAR
    units = sum(table[o - 32] if 32 <= (o := ord(ch)) < 127 else _OTHER for ch in text)
    return units * size / 1000


def line_height(size: float = BASE_SIZE) -> float:
    """The height of one line of `size` pt text, in points (15 pt at 11 pt)."""
    return LINE_PT * size / BASE_SIZE


def wrapped_lines(text: str, width: float, size: float = BASE_SIZE, bold: bool = False) -> int:
    """How many lines `text` takes in a cell `width` characters wide (never fewer)."""
    room = max(1.0, width * CHAR_PT)
    space = text_width(" ", size, bold)
    total = 0
    for para in text.split("\n"):
        lines, used = 1, 0.0
        for word in para.split():
            w = text_width(word, size, bold)
            if used and used + space + w <= room:
                used += space + w
                continue
            if used:
                lines += 1
            if w > room:  # a word wider than the cell breaks between its letters
                lines += math.ceil(w / room) - 1
                w = w - (math.ceil(w / room) - 1) * room
            used = w
        total += lines
    return total


def row_height(text: str, width: float, size: float = BASE_SIZE, bold: bool = False) -> float:
    """The height a row needs to show `text` whole in a cell `width` characters wide."""
    return wrapped_lines(text, width, size, bold) * line_height(size)
