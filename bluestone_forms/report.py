"""The summary report as a PDF: live risks first, then the headline force x criterion picture,
coverage, ratings, welfare counts, returns and validation issues, with SVG charts.

Rendered through the sealed renderer (autoescaped templates, a fetcher that serves only the
package's own files) because every label and answer in it comes from a return.
"""

from __future__ import annotations

from pathlib import Path

from . import charts, render
from .summary import Summary, Table


def _table_chart(table: Table) -> str:
    if not table.rows or len(table.rows) > 30:
        return ""
    value_col = len(table.headers) - 1
    items = []
    for row in table.rows:
        v = row[value_col]
        if isinstance(v, int | float):
            label = " · ".join(str(x) for x in row[:value_col] if x is not None)
            items.append((label, float(v)))
    return charts.bars(items) if items else ""


def html(summary: Summary) -> str:
    heatmaps = [
        {"hm": hm, "svg": charts.heatmap(hm.forces, len(hm.columns), hm.cells, hm.low, hm.high)}
        for hm in summary.heatmaps
    ]
    ratings = [
        {"t": t, "svg": charts.bars([(str(r[0]), float(r[1])) for r in t.rows
                                     if isinstance(r[1], int | float)])}
        for t in summary.ratings
    ]
    tables = [{"t": t, "svg": _table_chart(t)} for t in summary.tables]
    return render.render_html("report.html.j2", s=summary, heatmaps=heatmaps, ratings=ratings,
                              tables=tables)


def write_report(summary: Summary, path: Path) -> None:
    """Write the report PDF (tagged, PDF/UA) to `path`."""
    render.write_pdf(html(summary), path, variant="pdf/ua-1")
