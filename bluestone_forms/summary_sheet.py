"""The Summary sheet of the collated workbook: live risks first, then the figures, with native
Excel charts (bar charts) and colour-scaled heatmaps (conditional formatting), not pictures.

Why the row heights: neither Excel nor LibreOffice sizes a row to its wrapped text when it
opens a workbook written by a program, so a long checklist point printed over the rows below
it. Each row is given the height its wrapped cells need, worked out from the column widths.
"""

from __future__ import annotations

import math
from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.legend import Legend
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import (
    CharacterProperties,
    Paragraph,
    ParagraphProperties,
    RegularTextRun,
)
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.dimensions import RowDimension

from . import cells
from .summary import Summary, Table

TITLE = Font(bold=True, size=14)
HEAD = Font(bold=True)
ALERT = PatternFill("solid", fgColor="F4CCCC")
WRAP = Alignment(wrap_text=True, vertical="top")
WIDTHS = (34, 28, 22, 40, 40, 12, 12, 12, 12, 12)  # columns A to J, in Excel's width units
LINE_PT = 15.0  # one line of the default 11 pt font
CHARS_PER_UNIT = 1.05  # characters a unit of column width holds (LibreOffice: 1.06 to 1.2)
CM_PT = 28.35


def lines_needed(text: str, width: float) -> int:
    """How many lines a wrapped cell of this column width shows `text` in, breaking between
    words as Excel and LibreOffice do (a word longer than a line is broken)."""
    per_line = max(1, int(width * CHARS_PER_UNIT))
    total = 0
    for part in text.split("\n"):
        words = part.split(" ")
        used, count = 0, 1
        for word in words:
            need = len(word) if used == 0 else used + 1 + len(word)
            if need <= per_line:
                used = need
            else:  # the word starts a new line, and a word too long for one line breaks
                count += 1 if used else 0
                count += max(0, math.ceil(len(word) / per_line) - 1)
                used = len(word) % per_line or per_line
        total += count
    return max(1, total)


class _Writer:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.row = 0
        self.heights: dict[int, float] = {}

    def line(self, values: list[Any], *, font: Font | None = None,
             fill: PatternFill | None = None, wrap: bool = True) -> int:
        align = WRAP if wrap else None
        row = self.row + 1
        height = LINE_PT * (font.size / 11 if font is not None and font.size else 1)
        if wrap:
            tallest = max((lines_needed(v, WIDTHS[i]) for i, v in enumerate(values[:len(WIDTHS)])
                           if isinstance(v, str)), default=1)
            if tallest > 1:
                height *= tallest
                self.ws.row_dimensions[row] = RowDimension(self.ws, index=row, ht=height,
                                                           customHeight=True)
        self.ws.append([cells.text_cell(self.ws, v, font=font, fill=fill, align=align)
                        for v in values])
        self.row = row
        self.heights[row] = height
        return row

    def gap(self) -> None:
        self.line([])

    def height_since(self, row: int) -> float:
        """The height in points of the rows from `row` to the last written."""
        return sum(self.heights.get(r, LINE_PT) for r in range(row, self.row + 1))


def write_summary(ws: Any, s: Summary) -> None:
    w = _Writer(ws)
    for col, width in zip("ABCDEFGHIJ", WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    cells.page_setup(ws, s.marking)
    ws.print_title_rows = None
    w.line([f"Bluestone collation summary — {s.marking}"], font=TITLE, wrap=False)
    w.line([f"Made {s.generated_at} from the store alone."])
    w.line(["Files", "Records", "Issues", "Rejected", "Duplicates", "Superseded", "Conflicts"],
           font=HEAD)
    t = s.totals
    w.line([t["files"], t["records"], t["issues"], t["rejected"], t["duplicate"],
            t["superseded"], t["conflict"]])
    w.gap()
    w.line([f"Live risks and other alerts ({len(s.alerts)})"], font=TITLE, wrap=False)
    if s.alerts:
        w.line(["Alert", "Force", "Form", "Details", "File", "Status"], font=HEAD)
        for a in s.alerts:
            details = "\n".join(f"{k}: {v}" for k, v in a.details)
            w.line([a.title, a.force, a.form, details, a.file, a.status], fill=ALERT)
    else:
        w.line(["None in the returns collated."])
    for hm in s.heatmaps:
        w.gap()
        w.line([hm.title], font=TITLE, wrap=False)
        if hm.caption:
            w.line([hm.caption], wrap=False)
        w.line(["Force", *[str(i) for i in range(1, len(hm.columns) + 1)]], font=HEAD)
        first = w.row + 1
        for force, line in zip(hm.forces, hm.cells, strict=True):
            w.line([force, *line])
        if hm.forces:
            end = get_column_letter(len(hm.columns) + 1)
            ws.conditional_formatting.add(
                f"B{first}:{end}{w.row}",
                ColorScaleRule(start_type="num", start_value=hm.low, start_color="F8696B",
                               mid_type="percentile", mid_value=50, mid_color="FFEB84",
                               end_type="num", end_value=hm.high, end_color="63BE7B"),
            )
        w.line(["Columns:"], font=HEAD)
        for i, label in enumerate(hm.columns, start=1):
            w.line([i, label], wrap=False)
    for table in s.ratings:
        _table(w, table, chart_col=2, y_title="Mean rating")
    for table in s.tables:
        numeric = len(table.headers) - 1
        _table(w, table, chart_col=numeric + 1 if table.rows else None, y_title="Count",
               stacked=table.chart == "stacked")


def _table(w: _Writer, table: Table, chart_col: int | None, y_title: str,
           stacked: bool = False) -> None:
    """A table and, unless it is long, a native bar chart of column `chart_col`, or when
    `stacked` of every column from the second to it, stacked to 100% (e.g. a checklist
    point's Yes / No / Not applicable / Not answered)."""
    w.gap()
    w.line([table.title], font=TITLE, wrap=False)
    if table.note:
        w.line([table.note])
    head = w.line(table.headers, font=HEAD)
    for row in table.rows:
        w.line(row)
    if not table.rows:
        w.line(["(none)"])
        return
    if chart_col is None or len(table.rows) > 40:
        return
    chart = BarChart()
    chart.type = "bar"
    chart.title = _title(table.title)
    chart.y_axis.title = y_title
    chart.legend = None
    longest = max(len(str(row[0])) for row in table.rows)
    per_bar = 0.6 if longest <= 40 else 1.0  # a long label wraps onto two or three lines
    chart.height = max(6.0, per_bar * len(table.rows) + 4)
    chart.width = 24
    chart.x_axis.tickLblSkip = 1  # every label, never every second one
    chart.x_axis.txPr = _font(800)
    first_col = chart_col
    if stacked:
        first_col, chart.grouping, chart.overlap, chart.gapWidth = 2, "percentStacked", 100, 50
        chart.y_axis.title = "Share of returns"
        chart.legend = Legend()
        chart.legend.position = "b"
    data = Reference(w.ws, min_col=first_col, max_col=chart_col, min_row=head, max_row=w.row)
    labels = Reference(w.ws, min_col=1, max_col=1, min_row=head + 1, max_row=w.row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(labels)
    w.ws.add_chart(chart, f"G{head}")
    while w.height_since(head) < chart.height * CM_PT + LINE_PT:
        w.gap()


def _font(size: int, bold: bool = False) -> RichText:
    """Text properties of a chart part: `size` in hundredths of a point."""
    props = CharacterProperties(sz=size, b=bold)
    return RichText(p=[Paragraph(pPr=ParagraphProperties(defRPr=props), endParaRPr=props)])


def _title(text: str) -> Title:
    """A chart title in 11 pt bold, whole (a long title wraps; it is never cut short)."""
    props = CharacterProperties(sz=1100, b=True)
    para = Paragraph(pPr=ParagraphProperties(defRPr=props),
                     r=[RegularTextRun(rPr=props, t=text)])
    return Title(tx=Text(rich=RichText(p=[para])), overlay=False)
