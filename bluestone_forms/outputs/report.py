"""The summary report as a PDF: live risks first, then the headline force x criterion picture,
coverage, ratings, welfare counts, returns and validation issues, with charts.

Rendered through the sealed renderer (autoescaped templates, a fetcher that serves only the
package's own files) because every label and answer in it comes from a return.

Why it is laid out as it is: WeasyPrint spends about a millisecond on every line and every
table cell it lays out, and lays out SVG text a letter at a time. So the live risks are one
paragraph each (not a table of narrow, many-line cells), grouped by force; the heatmaps and
the returns-by-force matrix are `charts.Grid`s (one text line per row over an SVG of
coloured cells); and each table's bars are an SVG of rectangles in a cell of its own row.
The report of 10,000 returns renders in seconds, and every figure is still printed as text.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import posixpath
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .. import render
from ..resources import templates_dir
from . import charts
from .figures import AlertRow, Heatmap, Summary
from .file_tables import Table

MAX_BARS = 40  # a table with more rows than this gets no bars
PDF_LISTED = 200
"""At most this many alerts, and as many follow-ups, are listed one by one in the PDF report.

Why: a PDF is read on paper, page by page. At 10,000 returns listing every alert and
follow-up took about 160 pages and 30 CPU-seconds of layout, far past what anyone reads
through in print. The HTML report and the workbook's Summary sheet are the full record and
list every one; the PDF keeps the whole counts in its headings, shares the 200 fairly among
forces (`fair_shares`: no force's entries crowd out another's, and each keeps at least
PDF_LISTED_EACH while it has them), ends a cut listing with "… and N more." and says where
the rest are. 200 entries is about four pages."""
PDF_LISTED_EACH = 3  # entries each force keeps in a cut PDF listing, if it has them


@dataclass
class AlertGroup:
    """The alerts of one kind (e.g. live risks found in a primary review), by force."""

    form: str
    title: str
    fields: list[str]
    count: int = 0
    forces: dict[str, list[AlertRow]] = field(default_factory=dict)
    shown: dict[str, int] = field(default_factory=dict)
    """Per force, how many of its entries are listed (all when the force is not here)."""

    def listed(self, force: str) -> list[AlertRow]:
        rows = self.forces[force]
        return rows[:self.shown.get(force, len(rows))]


def common_folder(files: list[str]) -> str:
    """The folder all these files are under ("" if none), so each can be shown without it."""
    folders = {posixpath.dirname(f) for f in files}
    try:
        common = posixpath.commonpath(sorted(folders)) if folders else ""
    except ValueError:  # absolute and relative paths mixed
        return ""
    if common in ("", "/") or not all(f.startswith(common + "/") for f in files):
        return ""  # (commonpath tidies "a//b" to "a/b": then it is no prefix of the text)
    return common


def alert_groups(alerts: list[AlertRow]) -> list[AlertGroup]:
    """Alerts grouped by form and kind, then by force, keeping the summary's order."""
    groups: dict[tuple[str, str, tuple[str, ...]], AlertGroup] = {}
    for a in alerts:
        fields = tuple(k for k, _ in a.details)
        key = (a.form, a.title, fields)
        if key not in groups:
            groups[key] = AlertGroup(a.form, a.title, list(fields))
        groups[key].count += 1
        groups[key].forces.setdefault(a.force, []).append(a)
    return [groups[k] for k in sorted(groups)]


def fair_shares(counts: list[int], cap: int, each: int = 0) -> list[int]:
    """How many of each bucket to take so that together they take at most `cap` (max-min
    fair: no bucket takes more than another unless that one has no more), every bucket
    taking at least min(its count, `each`) even if that passes the cap."""
    shares = [0] * len(counts)
    left, todo = cap, len(counts)
    for i in sorted(range(len(counts)), key=lambda i: counts[i]):
        shares[i] = min(counts[i], max(left // todo, each))
        left, todo = max(left - shares[i], 0), todo - 1
    return shares


def cut(groups: list[AlertGroup], cap: int | None) -> int:
    """Mark in `groups` which entries are listed, at most `cap` of them (None: all), shared
    fairly among forces and within a force among the groups; returns how many are listed."""
    whole = sum(g.count for g in groups)
    if cap is None or whole <= cap:
        return whole
    by_force: dict[str, list[AlertGroup]] = defaultdict(list)
    for g in groups:
        for force in g.forces:
            by_force[force].append(g)
    forces = sorted(by_force)
    quotas = fair_shares([sum(len(g.forces[f]) for g in by_force[f]) for f in forces], cap,
                         PDF_LISTED_EACH)
    for force, quota in zip(forces, quotas, strict=True):
        held = by_force[force]
        for g, n in zip(held, fair_shares([len(g.forces[force]) for g in held], quota),
                        strict=True):
            g.shown[force] = n
    return sum(quotas)


def heatmap_grids(hm: Heatmap) -> list[charts.Grid]:
    """A heatmap as grids, its figures printed on their colours, and n (uncoloured) last."""
    ns = hm.n or [0] * len(hm.forces)
    cells: list[list[tuple[str, str | None]]] = [
        [*[("" if v is None else f"{v:.{hm.decimals}f}", charts.colour(v, hm.low, hm.high))
           for v in line], (str(n), None)] for line, n in zip(hm.cells, ns, strict=True)]
    return charts.grids("Force", hm.forces,
                        [*[str(i) for i in range(1, len(hm.columns) + 1)], "n"], cells)


@dataclass
class HeatRow:
    """A heatmap's row as an HTML table row: force, n, then (figure, colour) per column."""

    force: str
    n: int
    cells: list[tuple[str, str]]


def heat_rows(hm: Heatmap) -> list[HeatRow]:
    ns = hm.n or [0] * len(hm.forces)
    return [HeatRow(force, n, [("" if v is None else f"{v:.{hm.decimals}f}",
                                charts.colour(v, hm.low, hm.high)) for v in line])
            for force, n, line in zip(hm.forces, ns, hm.cells, strict=True)]


@dataclass
class Pivot:
    """Returns by force (rows) and form (columns, by title), with totals and shading."""

    corner: str
    columns: list[str]
    rows: list[tuple[str, list[tuple[str, str | None]]]]


def pivot(table: Table) -> Pivot:
    """A (form, version, force, count) table as force rows by form columns ("title vN" when
    a form has returns of several versions), with a total row and column.

    A column is headed by the title's part before its colon ("Reflective Practice Point 1")
    when that still tells the forms apart: whole titles make the heads a dozen lines tall."""
    counts: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
    versions: dict[str, set[str]] = defaultdict(set)
    for form, version, _, _ in table.rows:
        versions[form].add(version)
    for form, version, force, n in table.rows:
        col = (form, version if len(versions[form]) > 1 else "")
        counts[force][col] = counts[force].get(col, 0) + n
    cols = sorted({c for by_col in counts.values() for c in by_col})
    high = max((n for by_col in counts.values() for n in by_col.values()), default=0)
    heads = [f"{form.partition(':')[0]}{f' v{v}' if v else ''}" for form, v in cols]
    if len(set(heads)) < len(heads):
        heads = [f"{form}{f' v{v}' if v else ''}" for form, v in cols]
    rows: list[tuple[str, list[tuple[str, str | None]]]] = []
    for force in sorted(counts):
        by_col = counts[force]
        rows.append((force, [*[("" if c not in by_col else str(by_col[c]),
                                charts.shade(by_col.get(c), high)) for c in cols],
                             (str(sum(by_col.values())), None)]))
    totals = [sum(counts[f].get(c, 0) for f in counts) for c in cols]
    rows.append(("All forces", [(str(n), None) for n in [*totals, sum(totals)]]))
    return Pivot(table.headers[2], [*heads, "All forms"], rows)


@dataclass
class ChartTable:
    """A table as printed: its rows, which columns hold numbers, and a bar per row."""

    t: Table
    numeric: list[bool]
    bars: list[str]
    legend: tuple[charts.Series, ...] = ()
    spans: list[int] = field(default_factory=list)
    """Per row, how many rows its first cell spans (0: covered by the one above), so a
    question answered several ways is printed once."""


def _spans(rows: list[list[Any]]) -> list[int]:
    spans = [1] * len(rows)
    start = 0
    for i in range(1, len(rows)):
        if rows[i][0] == rows[start][0] and isinstance(rows[i][0], str):
            spans[start] += 1
            spans[i] = 0
        else:
            start = i
    return spans


def chart_table(t: Table, value: int = -1) -> ChartTable:
    """A table with a bar per row of column `value` ("bars"), or of every column after the
    first, stacked ("stacked"); each bar's text alternative repeats the row's figures."""
    numeric = [any(isinstance(r[j], int | float) for r in t.rows)
               and all(r[j] is None or isinstance(r[j], int | float) for r in t.rows)
               for j in range(len(t.headers))]
    spans = _spans(t.rows) if len(t.headers) > 2 else [1] * len(t.rows)
    if not t.rows or len(t.rows) > MAX_BARS or t.chart not in ("bars", "stacked"):
        return ChartTable(t, numeric, [], spans=spans)
    if t.chart == "stacked":
        series = charts.CHECKLIST[:len(t.headers) - 1]
        colours = [s.colour for s in series]
        bars = []
        for r in t.rows:
            v = [float(x or 0) for x in r[1:]]
            alt = ", ".join(f"{h} {x}" for h, x in zip(t.headers[1:], r[1:], strict=True))
            bars.append(charts.bar_svg(v, colours, sum(v), alt=f"{r[0]}: {alt}"))
        return ChartTable(t, numeric, bars, series, spans)
    values = [r[value] if isinstance(r[value], int | float) else 0.0 for r in t.rows]
    top = t.high or max(values, default=0) or 1
    if t.low is not None and t.high is not None:  # a rating: the bar spans its scale only
        values = [max(0.0, v - t.low) if v else 0.0 for v in values]
        top = (t.high - t.low) or 1
    return ChartTable(t, numeric, [
        charts.bar_svg([float(v)], [charts.BAR], top,
                       alt=f"{' '.join(str(x) for x in r[:value] if x is not None)}: "
                           f"{t.headers[value]} {r[value] if r[value] is not None else 'none'}")
        for v, r in zip(values, t.rows, strict=True)], spans=spans)


def html(summary: Summary, *, web: bool = False, listed: int | None = PDF_LISTED) -> str:
    """The report as HTML: for WeasyPrint (the PDF), or with `web` a self-contained page
    (inline CSS, the heatmaps as real tables, the marking as a fixed banner).

    The PDF lists at most `listed` alerts and as many follow-ups (PDF_LISTED; None: all);
    the web page lists every one."""
    tables: list[dict[str, Any]] = []
    for t in summary.tables:
        if t.chart == "pivot" and t.rows:
            tables.append({"t": t, "pivot": pivot(t), "table": None})
        else:
            tables.append({"t": t, "pivot": None, "table": chart_table(t)})
    folder = common_folder([a.file for a in [*summary.alerts, *summary.follow_ups]])
    css = (templates_dir() / "report.css").read_text(encoding="utf-8") if web else ""
    alerts, follow_ups = alert_groups(summary.alerts), alert_groups(summary.follow_ups)
    cap = None if web else listed
    return render.render_html(
        "report.html.j2", s=summary, alerts=alerts, follow_ups=follow_ups,
        shown={"alerts": cut(alerts, cap), "follow_ups": cut(follow_ups, cap)},
        each=PDF_LISTED_EACH, folder=folder,
        cut=len(folder) + 1 if folder else 0, web=web, css=css,
        heatmaps=[{"hm": hm, "grids": [] if web else heatmap_grids(hm), "rows": heat_rows(hm)}
                  for hm in summary.heatmaps],
        ratings=[chart_table(t, value=1) for t in summary.ratings], tables=tables,
        files=[chart_table(_first_rows(t)) for t in summary.files])


MAX_FILES = 200  # files listed per outcome in a report; the workbook's Files sheet has all


def _first_rows(t: Table) -> Table:
    """A file table cut to MAX_FILES rows, saying so (laying out each row costs time)."""
    if len(t.rows) <= MAX_FILES:
        return t
    return replace(t, rows=t.rows[:MAX_FILES],
                   note=f"The first {MAX_FILES}; the Files sheet of the workbook lists all "
                        f"{len(t.rows)}.")


def write_html_report(summary: Summary, path: Path) -> None:
    """Write the report as one self-contained HTML file: no script, nothing fetched."""
    path.write_text(html(summary, web=True), encoding="utf-8")


def write_report(summary: Summary, path: Path, *, listed: int | None = PDF_LISTED) -> None:
    """Write the report PDF (tagged, PDF/UA) to `path`, listing at most `listed` alerts and
    as many follow-ups (None: every one)."""
    render.write_pdf(html(summary, listed=listed), path, variant="pdf/ua-1")


class ReportWriter:
    """Writes the report in another process, so the workbook and CSVs are written meanwhile.

    Why: laying out the PDF is the longest step of an export and runs in pure Python on one
    core; the machines this runs on have two or more. Use as a context manager: `wait()`
    returns the seconds the report took, or raises what went wrong in the other process
    (an OSError stays an OSError). Leaving the block early stops that process.

    The other process is forked: it starts at once and inherits the figures. It is used only
    when this process runs no other thread (a fork copies locks that other threads, such as
    a progress bar's, may hold) and the system can fork; otherwise the report is written
    here, at `wait()`. The other process writes to `path`, which the caller names after its
    own process id, so if both are killed the next export's clean-up removes what they left.
    """

    def __init__(self, summary: Summary, path: Path) -> None:
        self.summary = summary
        self.path = path
        self.proc: Any = None
        self.conn: Any = None

    def __enter__(self) -> ReportWriter:
        if threading.active_count() > 1 or "fork" not in mp.get_all_start_methods():
            return self
        ctx = mp.get_context("fork")
        self.conn, send = ctx.Pipe(duplex=False)
        gc.freeze()  # so the child's garbage collector does not copy every page it shares
        try:
            self.proc = ctx.Process(target=_write_and_tell, args=(self.summary, self.path, send),
                                    daemon=True, name="bluestone-report")
            self.proc.start()
        finally:
            gc.unfreeze()
            send.close()
        return self

    def wait(self) -> float:
        if self.proc is None:  # no other process could be started: write it here
            start = time.perf_counter()
            write_report(self.summary, self.path)
            return time.perf_counter() - start
        try:
            outcome = self.conn.recv()
        except EOFError:
            self.proc.join()
            raise OSError(f"the report writer stopped (exit code {self.proc.exitcode})") from None
        self.proc.join()
        self.proc = None
        if isinstance(outcome, BaseException):
            raise outcome
        return float(outcome)

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.join()
            self.proc = None
        if self.conn is not None:
            self.conn.close()


def _write_and_tell(summary: Summary, path: Path, send: Any) -> None:
    """In the other process: write the report, then send back its seconds or its error."""
    start = time.perf_counter()
    try:
        write_report(summary, path)
        outcome: Any = time.perf_counter() - start
    except BaseException as exc:  # every failure goes back to the exporter
        outcome = exc
    try:
        send.send(outcome)
    except Exception:  # an error that cannot be pickled goes back as its text
        send.send(RuntimeError(f"{type(outcome).__name__}: {outcome}"))
    finally:
        send.close()
