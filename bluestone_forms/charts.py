"""Small SVG charts for the PDF report: horizontal bars and a heatmap.

Why hand-made SVG: WeasyPrint renders inline SVG natively, the charts stay vector and
selectable, and no plotting library (or its fonts and caches) is needed. Every label is
escaped, since labels come from specs and returns.
"""

from __future__ import annotations

from html import escape

FONT = "font-family:'DejaVu Sans',sans-serif"


def bars(items: list[tuple[str, float]], *, high: float | None = None, width: int = 640,
         unit: str = "") -> str:
    """A horizontal bar chart, one labelled bar per item."""
    if not items:
        return ""
    top = high or max((v for _, v in items), default=1) or 1
    label_w, bar_h, gap = 260, 16, 6
    height = len(items) * (bar_h + gap) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img">']
    for i, (label, value) in enumerate(items):
        y = 5 + i * (bar_h + gap)
        w = max(0.0, (width - label_w - 60) * (value / top))
        short = label if len(label) <= 45 else label[:44] + "…"
        out.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end" font-size="9" '
                   f'style="{FONT}">{escape(short)}</text>')
        out.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                   f'fill="#3c6e9f"><title>{escape(label)}: {value:g}{unit}</title></rect>')
        out.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 12}" font-size="9" '
                   f'style="{FONT}">{value:g}{unit}</text>')
    out.append("</svg>")
    return "".join(out)


def _colour(v: float | None, low: float, high: float) -> str:
    if v is None:
        return "#eeeeee"
    t = 0.0 if high == low else max(0.0, min(1.0, (v - low) / (high - low)))
    # red (low) -> amber -> green (high)
    if t < 0.5:
        a, b, u = (248, 105, 107), (255, 235, 132), t * 2
    else:
        a, b, u = (255, 235, 132), (99, 190, 123), (t - 0.5) * 2
    r, g, bl = (round(x + (y - x) * u) for x, y in zip(a, b, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


def heatmap(rows: list[str], columns: int, cells: list[list[float | None]], low: float,
            high: float) -> str:
    """A force x question heatmap of mean ratings; columns are numbered (legend below it)."""
    if not rows:
        return ""
    label_w, cw, ch = 200, 26, 20
    width = label_w + columns * cw + 10
    height = 24 + len(rows) * ch + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img">']
    for j in range(columns):
        out.append(f'<text x="{label_w + j * cw + cw / 2}" y="16" text-anchor="middle" '
                   f'font-size="9" style="{FONT}">{j + 1}</text>')
    for i, label in enumerate(rows):
        y = 22 + i * ch
        short = label if len(label) <= 34 else label[:33] + "…"
        out.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="9" '
                   f'style="{FONT}">{escape(short)}</text>')
        for j, v in enumerate(cells[i]):
            x = label_w + j * cw
            text = "" if v is None else f"{v:.1f}"
            out.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" '
                       f'fill="{_colour(v, low, high)}"/>')
            out.append(f'<text x="{x + (cw - 2) / 2}" y="{y + 13}" text-anchor="middle" '
                       f'font-size="8" style="{FONT}">{text}</text>')
    out.append("</svg>")
    return "".join(out)
