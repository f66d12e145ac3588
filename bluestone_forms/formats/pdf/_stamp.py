"""The identity line of the fillable form's footer, drawn by us so `fill` can change it.

Why: the instance id is printed on every page so a loose page can be matched to its form.
A mail merge fills one rendered template many times, each copy with its own instance id, so
the printed id must change with the metadata, without rendering again. WeasyPrint lays the
line out (its text hidden, so its place and width are kept) and reports where it is on each
page (the `bs-identity` anchor); we draw the text there in a small content stream of our own,
marked as a pagination artifact for tagged PDF, in the form's Unicode field font. `fill`
rewrites those streams when it is given a new instance id.
"""

from __future__ import annotations

from collections.abc import Sequence

import pikepdf

from ._appearance import UNICODE_FONT, FieldFont, field_font

ANCHOR = "bs-identity"  # the id of the hidden identity text in the footer
SIZE = 6.5  # pt; the footer's font size in forms.css (.page-foot)
PX = 0.75  # pt per CSS px
STAMP_KEY = "/BsIdentity"  # page key holding our content stream
_GREY = "0.133 g"  # #222, the footer's colour in forms.css


def _content(font: FieldFont, text: str, x: float, baseline: float) -> bytes:
    # "Q" closes the "q" put before the page's own content, whose matrix it leaves changed
    return (
        b"Q /Artifact <</Type /Pagination /Subtype /Footer>> BDC q BT "
        + f"{UNICODE_FONT} {SIZE:g} Tf {_GREY} {x:.2f} {baseline:.2f} Td ".encode()
        + font.hex(text)
        + b" Tj ET Q EMC"
    )


def place(pdf: pikepdf.Pdf, anchors: Sequence[tuple[float, ...] | None], text: str) -> None:
    """Draw `text` at the identity anchor of each page (positions in CSS px from top-left)."""
    found = field_font(pdf)
    if found is None:
        return
    font_ref, font = found
    for page, anchor in zip(pdf.pages, anchors, strict=False):
        if anchor is None:
            continue
        height = float(page.mediabox[3])
        x1, y1, _, y2 = (float(v) for v in anchor[:4]) if len(anchor) >= 4 else (
            anchor[0], anchor[1], 0.0, anchor[1] + SIZE * 1.25 / PX)
        top, bottom = height - y1 * PX, height - y2 * PX
        glyph_h = (font.ascent - font.descent) * SIZE
        baseline = bottom + ((top - bottom) - glyph_h) / 2 - font.descent * SIZE
        stream = pdf.make_stream(_content(font, text, x1 * PX, baseline))
        stream[pikepdf.Name("/BsAt")] = pikepdf.Array([x1 * PX, baseline])
        resources = page.obj.get("/Resources")
        if not isinstance(resources, pikepdf.Dictionary):
            resources = page.obj.Resources = pikepdf.Dictionary()
        if "/Font" not in resources:
            resources.Font = pikepdf.Dictionary()
        resources.Font[UNICODE_FONT] = font_ref
        page.contents_add(pdf.make_stream(b"q"), prepend=True)
        page.contents_add(stream, prepend=False)
        page.obj[STAMP_KEY] = stream


def restamp(pdf: pikepdf.Pdf, text: str) -> None:
    """Redraw the identity line of every page (after the instance id changed)."""
    found = field_font(pdf)
    if found is None:
        return
    font = found[1]
    for page in pdf.pages:
        stream = page.obj.get(STAMP_KEY)
        if not isinstance(stream, pikepdf.Stream) or "/BsAt" not in stream:
            continue
        x, baseline = (float(v) for v in stream.BsAt)
        stream.write(_content(font, text, x, baseline))
