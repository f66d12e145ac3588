"""The Summary sheet of the collated workbook: live risks first, then the figures, with native
Excel charts (bar charts) and colour-scaled heatmaps (conditional formatting), not pictures."""

from __future__ import annotations

from typing import Any

from openpyxl.chart import BarChart, Reference
from openpyxl.chart.legend import Legend
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import cells
from .summary import Summary, Table

TITLE = Font(bold=True, size=14)
HEAD = Font(bold=True)
ALERT = PatternFill("solid", fgColor="F4CCCC")
WRAP = Alignment(wrap_text=True, vertical="top")


class _Writer:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.row = 0

    def line(self, values: list[Any], *, font: Font | None = None,
             fill: PatternFill | None = None, wrap: bool = True) -> int:
        align = WRAP if wrap else None
        self.ws.append([cells.text_cell(self.ws, v, font=font, fill=fill, align=align)
                        for v in values])
        self.row += 1
        return self.row

    def gap(self) -> None:
        self.line([])


def write_summary(ws: Any, s: Summary) -> None:
    w = _Writer(ws)
    for col, width in zip("ABCDEFGHIJ", (34, 28, 22, 40, 40, 12, 12, 12, 12, 12), strict=True):
        ws.column_dimensions[col].width = width
    cells.page_setup(ws, s.marking)
    ws.print_title_rows = None
    w.line([f"Bluestone collation summary — {s.marking}"], font=TITLE)
    w.line([f"Made {s.generated_at} from the store alone."])
    w.line(["Files", "Records", "Issues", "Rejected", "Duplicates", "Superseded", "Conflicts"],
           font=HEAD)
    t = s.totals
    w.line([t["files"], t["records"], t["issues"], t["rejected"], t["duplicate"],
            t["superseded"], t["conflict"]])
    w.gap()
    w.line([f"Live risks and other alerts ({len(s.alerts)})"], font=TITLE)
    if s.alerts:
        w.line(["Alert", "Force", "Form", "Details", "File", "Status"], font=HEAD)
        for a in s.alerts:
            details = "\n".join(f"{k}: {v}" for k, v in a.details)
            w.line([a.title, a.force, a.form, details, a.file, a.status], fill=ALERT)
    else:
        w.line(["None in the returns collated."])
    for hm in s.heatmaps:
        w.gap()
        w.line([hm.title], font=TITLE)
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
    w.line([table.title], font=TITLE)
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
    chart.title = table.title[:80]
    chart.y_axis.title = y_title
    chart.legend = None
    chart.height = max(6.0, 0.6 * len(table.rows) + 2)
    chart.width = 18
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
    while w.row < head + int(chart.height * 2) + 1:  # about two rows a centimetre
        w.gap()
