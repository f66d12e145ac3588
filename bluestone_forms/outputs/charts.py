"""The charts of the PDF report: bars, and grids of coloured cells (heatmaps, counts).

Why this shape: WeasyPrint lays out SVG `<text>` a character at a time (a Pango layout per
letter), and every HTML line or table cell costs it about a millisecond. The old all-SVG
charts, with some 1,900 text elements, took most of the report's time. So here SVG draws
only shapes, and every word and number of a chart is HTML text: a bar is a small SVG of
rectangles in a table row that prints its label and value, and a grid is one monospace text
line per row laid over an SVG of its cells' colours. Labels come from specs and returns:
they go to autoescaping templates and are never written into markup here.
"""

from __future__ import annotations

from dataclasses import dataclass

BAR = "#3c6e9f"
BAR_WIDTH = 300  # SVG user units across a bar's full scale
BAR_HEIGHT = 11
NO_ANSWER = "#eeeeee"
LINE_MM = 4.0  # the height of a grid's row; report.css gives the grid's lines this height
LABEL_CHARS = 36  # a grid's row label longer than this is shortened with "…"
GRID_ROWS = 50  # rows per grid; a longer matrix is drawn as several, each fitting a page
VALUES_MM = 126.0  # the width a grid's cells may take (A4 text width less the labels)
CHAR_EM = 0.602  # the advance of a monospace character (DejaVu Sans Mono), in em
MAX_PT = 7.0


@dataclass(frozen=True)
class Series:
    label: str
    colour: str


# A checklist point's answers, stacked in this order: Okabe-Ito blue and orange, which people
# with any common colour-vision deficiency tell apart, then greys for the answers that are not.
CHECKLIST = (Series("Yes", "#0072b2"), Series("No", "#e69f00"),
             Series("Not applicable", "#9a9a9a"), Series("Not answered", "#d4d4d4"),
             Series("Not asked", "#f2f2f2"))


# The text alternative of a figure the HTML hides from screen readers (aria-hidden), for the
# tagged PDF, where every figure needs one (PDF/UA): the figures themselves are printed as text.
DECORATIVE_BAR = "Bar showing the figures printed beside it"
DECORATIVE_GRID = "Colour shading of the figures printed over it"


def bar_svg(values: list[float], colours: list[str], high: float, alt: str = "") -> str:
    """One bar, stacked when given several values, as SVG rectangles only; `high` spans the
    full width. `alt` is its text alternative (the figures the row prints beside it)."""
    role = f'role="img" aria-label="{_attr(alt)}"' if alt else 'aria-hidden="true"'
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{BAR_WIDTH}" height="{BAR_HEIGHT}" '
           f'viewBox="0 0 {BAR_WIDTH} {BAR_HEIGHT}" {role}>']
    # the tagged PDF's text alternative of the figure is its <title> (WeasyPrint)
    out.append(f"<title>{_attr(alt or DECORATIVE_BAR)}</title>")
    x = 0.0
    for v, colour in zip(values, colours, strict=True):
        w = BAR_WIDTH * max(0.0, v) / high if high > 0 else 0.0
        if w > 0:
            out.append(f'<rect x="{x:.1f}" width="{w:.1f}" height="{BAR_HEIGHT}" '
                       f'fill="{colour}"/>')
        x += w
    out.append("</svg>")
    return "".join(out)


def _attr(text: str) -> str:
    """Text made safe inside a double-quoted attribute (labels come from returns)."""
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


# A heatmap's scale: ColorBrewer's PuOr, orange (low) through near-white to purple (high), a
# diverging scale safe for colour-blind readers (red to green is not), light enough at both
# ends for the black figures printed on it.
LOW, MID, HIGH = (241, 163, 64), (247, 247, 247), (153, 142, 195)
HEX_LOW, HEX_MID, HEX_HIGH = "F1A340", "F7F7F7", "998EC3"


def colour(v: float | None, low: float, high: float) -> str:
    """A heatmap cell's colour on the PuOr scale (LOW, MID, HIGH); light grey for none.
    Twenty-one steps, so a grid needs few shapes."""
    if v is None:
        return NO_ANSWER
    t = 0.0 if high == low else max(0.0, min(1.0, (v - low) / (high - low)))
    t = round(t * 20) / 20
    a, b, u = (LOW, MID, t * 2) if t < 0.5 else (MID, HIGH, (t - 0.5) * 2)
    r, g, bl = (round(x + (y - x) * u) for x, y in zip(a, b, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


def shade(v: float | None, high: float) -> str | None:
    """A count's colour: from white (none) to blue (the most); None when there is none."""
    if not v or high <= 0:
        return None
    t = round(max(0.0, min(1.0, v / high)) * 20) / 20
    r, g, b = (round(255 + (y - 255) * t * 0.8) for y in (60, 110, 159))
    return f"#{r:02x}{g:02x}{b:02x}"


@dataclass(frozen=True)
class Grid:
    """A matrix of short values on coloured cells, for a heatmap or a table of counts.

    The values are HTML text, one monospace line per row (`head`, `lines`), each value
    centred in a cell `width` characters wide; `svg` draws the cells' colours as rectangles
    only, sized in `ch` (a character of that same font), so the colours sit under the values
    whichever monospace font is found. `labels` name the rows, one line each, under `corner`.
    `font_pt` is the text size that lets the cells fit the page.
    """

    corner: str
    labels: list[str]
    head: str
    lines: list[str]
    svg: str
    font_pt: float


def one_line(text: str) -> str:
    """A label on one line, shortened: a grid's rows must stay aligned with their labels."""
    text = " ".join(text.split())
    return text if len(text) <= LABEL_CHARS else text[:LABEL_CHARS - 1] + "…"


def grids(corner: str, labels: list[str], columns: list[str],
          cells: list[list[tuple[str, str | None]]]) -> list[Grid]:
    """Grids of `cells` (text, and colour or None) by row and column, GRID_ROWS rows each."""
    width = max([len(c) for c in columns] + [len(t) for row in cells for t, _ in row]) + 2
    head = "".join(c.center(width) for c in columns)
    font_pt = round(min(MAX_PT, VALUES_MM / (len(columns) * width * CHAR_EM) * 72 / 25.4), 2)
    out = []
    for start in range(0, len(labels), GRID_ROWS):
        rows = cells[start:start + GRID_ROWS]
        out.append(Grid(
            one_line(corner), [one_line(x) for x in labels[start:start + GRID_ROWS]], head,
            ["".join(t.center(width) for t, _ in row).rstrip() for row in rows],
            _cells_svg(rows, len(columns), width), font_pt,
        ))
    return out


def _cells_svg(rows: list[list[tuple[str, str | None]]], columns: int, width: int) -> str:
    """The cells' colours: one path per colour, a unit square (less a gap) per cell."""
    paths: dict[str, list[str]] = {}
    for i, row in enumerate(rows):
        for j, (_, fill) in enumerate(row):
            if fill:
                paths.setdefault(fill, []).append(f"M{j + 0.03:g} {i + 0.08:g}h.94v.84h-.94z")
    body = "".join(f'<path fill="{fill}" d="{"".join(d)}"/>' for fill, d in sorted(paths.items()))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {columns} {len(rows)}" '
            f'preserveAspectRatio="none" aria-hidden="true" '
            f'style="width: {columns * width}ch; height: {len(rows) * LINE_MM}mm">'
            f"<title>{DECORATIVE_GRID}</title>{body}</svg>")
