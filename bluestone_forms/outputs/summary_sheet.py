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
from openpyxl.chart.data_source import AxDataSource, StrRef
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
from openpyxl.worksheet.pagebreak import Break

from ..formats.ooxml import cells
from . import charts
from .figures import NOT_ANSWERED, NOT_ASKED, AlertRow, Summary
from .file_tables import Table

FONT = "Arial"  # named, so LibreOffice does not fall back to a serif (it maps Arial to
# Liberation Sans, which setup.sh installs; Excel has Arial everywhere)
TITLE = Font(name=FONT, bold=True, size=14)
HEAD = Font(name=FONT, bold=True, size=10)
BODY = Font(name=FONT, size=10)
ALERT = PatternFill("solid", fgColor="F4CCCC")
FOLLOW = PatternFill("solid", fgColor="FCE8C8")
WRAP = Alignment(wrap_text=True, vertical="top")
LEFT = Alignment(horizontal="left")
WIDTHS = (34, 28, 22, 40, 40, 12, 12, 12, 12, 12)  # columns A to J, in Excel's width units
LINE_PT = 15.0  # one line of the default 11 pt font
CHARS_PER_UNIT = 1.05  # characters a unit of column width holds (LibreOffice: 1.06 to 1.2)
CM_PT = 28.35
PAGE_PT = 760.0
"""The rows' height a printed page holds: landscape A4 less margins (about 490 pt) at the
scale that fits columns A to J (224 units, about 1,180 pt) to its width (0.6), with room:
a one-line row is counted as 15 pt, more than LibreOffice's 12.8 pt.
A table or chart that would cross this line starts a new page instead."""
CHART_CM = 24.0  # a chart's width: columns A to E, so it sits under its table and prints


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
    def __init__(self, ws: Any, widths: tuple[float, ...] = WIDTHS) -> None:
        self.ws = ws
        self.widths = widths
        self.row = 0
        self.heights: dict[int, float] = {}
        self.on_page = 0.0  # the height of the rows printed on the current page so far

    def line(self, values: list[Any], *, font: Font | None = None,
             fill: PatternFill | None = None, wrap: bool = True,
             align: Alignment | None = None) -> int:
        align = align or (WRAP if wrap else None)
        font = font or BODY
        row = self.row + 1
        height = LINE_PT * (14 / 11 if font is TITLE else 1)
        if wrap:
            tallest = max((lines_needed(v, self.widths[i]) for i, v in
                           enumerate(values[:len(self.widths)]) if isinstance(v, str)),
                          default=1)
            if tallest > 1:
                height = LINE_PT * tallest
                self.ws.row_dimensions[row] = RowDimension(self.ws, index=row, ht=height,
                                                           customHeight=True)
        self.ws.append([cells.text_cell(self.ws, v, font=font, fill=fill, align=align)
                        for v in values])
        self.row = row
        self.heights[row] = height
        self.on_page += height
        return row

    def gap(self) -> None:
        self.line([])

    def keep(self, height: float) -> None:
        """Start a new page before the next row unless `height` more points fit on this one
        (a block taller than a page starts one of its own)."""
        if self.row and self.on_page + height > PAGE_PT:
            self.ws.row_breaks.append(Break(id=self.row))
            self.on_page = 0.0

    def height_since(self, row: int) -> float:
        """The height in points of the rows from `row` to the last written."""
        return sum(self.heights.get(r, LINE_PT) for r in range(row, self.row + 1))


def write_summary(ws: Any, s: Summary) -> None:
    """The Summary sheet: totals, live risks, follow-ups, then the figures and their charts,
    each block kept to one printed page, and the files that need attention."""
    w = _Writer(ws)
    for col, width in zip("ABCDEFGHIJ", WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    cells.page_setup(ws, s.marking)
    ws.print_title_rows = None
    w.line([f"Bluestone collation summary — {s.marking}"], font=TITLE, wrap=False)
    w.line([f"Made {s.generated_at} from the store alone. Heatmaps: the Heatmaps sheet."])
    w.line(["Files", "Records", "Issues", "Rejected", "Duplicates", "Superseded", "Conflicts"],
           font=HEAD)
    t = s.totals
    w.line([t["files"], t["records"], t["issues"], t["rejected"], t["duplicate"],
            t["superseded"], t["conflict"]], align=LEFT)  # under their headings
    mails = t.get("message", 0) + t.get("no_return", 0)
    if mails:
        w.line([f"Mail messages among the files: {mails} ({t.get('no_return', 0)} with no "
                "return attached); each attachment taken out of them is a file of its own."])
    if t.get("awaiting_review"):
        w.line([f"{t['awaiting_review']} scanned file(s) read, awaiting review: fill the yellow "
                "cells of bluestone-review.xlsx and run collate again."])
    _listing(w, f"Live risks and other alerts ({len(s.alerts)})", s.alerts, ALERT,
             "None in the returns collated.", "Alert")
    _listing(w, f"Welfare and other follow-ups ({len(s.follow_ups)})", s.follow_ups, FOLLOW,
             "No return to follow up in the returns collated.", "Follow-up")
    for table in s.ratings:
        _table(w, table, y_title="Mean rating")
    for table in s.tables:
        _table(w, table, y_title="Returns")
    for table in s.files:
        _table(w, table, y_title="")


def _listing(w: _Writer, title: str, rows: list[AlertRow], fill: PatternFill,
             nothing: str, kind: str) -> None:
    """Alerts or follow-ups: one row each, with the fields the spec shows and the file."""
    w.gap()
    w.keep(4 * LINE_PT)
    w.line([title], font=TITLE, wrap=False)
    if not rows:
        w.line([nothing])
        return
    w.line([kind, "Force", "Form", "Details", "File", "Status"], font=HEAD)
    for a in rows:
        details = "\n".join(f"{k}: {v or '(not given)'}" for k, v in a.details)
        w.line([a.title, a.force, a.form, details, a.file, a.status], fill=fill)


def write_heatmaps(ws: Any, s: Summary) -> None:
    """The heatmaps on a sheet of their own, with narrow columns for the figures: force, n,
    then a column per question, coloured on a colour-blind-safe scale with the figure printed,
    and the questions' names under each."""
    widest = max((len(hm.columns) for hm in s.heatmaps), default=1)
    widths = (40.0, 6.0, *[7.0] * widest)
    w = _Writer(ws, widths)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    cells.page_setup(ws, s.marking)
    ws.print_title_rows = None
    w.line([f"Heatmaps — {s.marking}"], font=TITLE, wrap=False)
    if not s.heatmaps:
        w.line(["No form has enough ratings by force for a heatmap."])
    for hm in s.heatmaps:
        w.gap()
        w.keep((len(hm.forces) + len(hm.columns) + 4) * LINE_PT)
        w.line([hm.title], font=TITLE, wrap=False)
        if hm.caption:
            w.line([hm.caption], wrap=False)
        w.line(["Force", "n", *[str(i) for i in range(1, len(hm.columns) + 1)]], font=HEAD)
        first = w.row + 1
        ns: list[int | None] = list(hm.n) if hm.n else [None] * len(hm.forces)
        for force, n, line in zip(hm.forces, ns, hm.cells, strict=True):
            w.line([force, n, *line])
        if hm.forces:
            end = get_column_letter(len(hm.columns) + 2)
            ws.conditional_formatting.add(
                f"C{first}:{end}{w.row}",
                ColorScaleRule(start_type="num", start_value=hm.low,
                               start_color=charts.HEX_LOW, mid_type="num",
                               mid_value=(hm.low + hm.high) / 2, mid_color=charts.HEX_MID,
                               end_type="num", end_value=hm.high, end_color=charts.HEX_HIGH),
            )
        w.gap()
        w.line(["Columns:"], font=HEAD)
        for i, label in enumerate(hm.columns, start=1):
            w.line([f"{i}. {label}"], wrap=False)


def _table(w: _Writer, table: Table, y_title: str) -> None:
    """A table, and under it (unless it is long) a native bar chart: for "bars" of its last
    column, for "stacked" of every column after the first stacked to 100%, for "answers"
    the questions as categories and each answer a series; ratings on their scale."""
    w.gap()
    w.keep((3 + min(len(table.rows), 20)) * LINE_PT)
    w.line([table.title], font=TITLE, wrap=False)
    if table.note:  # on one line, spilling over the empty cells to its right
        w.line([table.note], wrap=False)
    head = w.line(table.headers, font=HEAD)
    for row in table.rows:
        w.line(row)
    if not table.rows:
        w.line(["(none)"])
        return
    if table.chart not in ("bars", "stacked", "answers") or len(table.rows) > 40:
        return
    chart = _chart(w, table, head, y_title)
    w.gap()
    w.keep(chart.height * CM_PT + LINE_PT)
    w.ws.add_chart(chart, f"A{w.row + 1}")
    start = w.row + 1
    while w.height_since(start) < chart.height * CM_PT + LINE_PT:
        w.gap()


def _chart(w: _Writer, table: Table, head: int, y_title: str) -> BarChart:
    chart = BarChart()
    chart.type = "bar"
    chart.title = _title(table.title)
    chart.y_axis.title = y_title
    chart.legend = None
    longest = max(len(str(row[0])) for row in table.rows)
    per_bar = 0.6 if longest <= 40 else 1.0  # a long label wraps onto two or three lines
    series = len(table.headers) - 1 if table.chart == "answers" else 1
    chart.height = min(16.0, max(6.0, per_bar * len(table.rows) * max(1, series / 3) + 4))
    chart.width = CHART_CM
    chart.x_axis.tickLblSkip = 1  # every label, never every second one
    chart.x_axis.txPr = _font(800)
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    first_col = last_col = len(table.headers)
    if table.chart == "stacked":
        first_col, chart.grouping, chart.overlap, chart.gapWidth = 2, "percentStacked", 100, 50
        chart.y_axis.title = "Share of returns"
        chart.y_axis.number_format = "0%"
    elif table.chart == "answers":
        first_col, chart.gapWidth = 2, 60
    elif table.low is not None and table.high is not None:  # a rating: its scale, no more
        first_col = last_col = 2
        chart.y_axis.scaling.min = table.low
        chart.y_axis.scaling.max = table.high
        chart.y_axis.majorUnit = 1
    if table.chart != "stacked" and table.low is None:  # counts: whole numbers only
        top = max((v for r in table.rows for v in r[first_col - 1:last_col]
                   if isinstance(v, int | float)), default=0)
        chart.y_axis.scaling.min = 0
        chart.y_axis.majorUnit = max(1, math.ceil(top / 8))
        chart.y_axis.number_format = "0"
    if last_col > first_col:
        chart.legend = Legend()
        chart.legend.position = "b"
    data = Reference(w.ws, min_col=first_col, max_col=last_col, min_row=head, max_row=head +
                     len(table.rows))
    cat = 1 if first_col == 2 else len(table.headers) - 1  # the label beside the figure
    labels = Reference(w.ws, min_col=cat, max_col=cat, min_row=head + 1,
                       max_row=head + len(table.rows))
    chart.add_data(data, titles_from_data=True)
    colours = ([c.colour for c in charts.CHECKLIST] if table.chart == "stacked" else
               _answer_colours(table.headers[1:]) if table.chart == "answers"
               else [charts.BAR])
    for i, ser in enumerate(chart.series):
        ser.cat = AxDataSource(strRef=StrRef(f=labels))  # text labels: a string reference
        ser.graphicalProperties.solidFill = colours[i % len(colours)].lstrip("#").upper()
        ser.graphicalProperties.line.solidFill = "FFFFFF"
    return chart


# Okabe-Ito's colour-blind-safe colours for the answers of a question, then greys for "not
# answered" and "not asked" (always the last two series when present).
ANSWER_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00",
                  "#f0e442", "#000000")
UNANSWERED_COLOURS = {NOT_ANSWERED: "#b0b0b0", NOT_ASKED: "#e0e0e0"}


def _answer_colours(answers: list[str]) -> list[str]:
    given = [a for a in answers if a not in UNANSWERED_COLOURS]
    return [UNANSWERED_COLOURS.get(a) or ANSWER_COLOURS[given.index(a) % len(ANSWER_COLOURS)]
            for a in answers]


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
