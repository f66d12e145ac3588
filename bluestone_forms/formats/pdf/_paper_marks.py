"""The paper form's scan furniture: four corner marks and a QR code on every page.

Why drawn after layout: the QR code differs per page (it names the page), and WeasyPrint
lays out one HTML for all pages. So each page gets a small content stream of our own, in
solid black rectangles (no image, nothing to resample), marked as a pagination artifact for
tagged PDF. Positions come from `paper_geometry`, which the scan reader uses too.
"""

from __future__ import annotations

import pikepdf
import segno

from ..common import Identity
from . import paper_geometry as geo

PT = 72 / 25.4  # points per mm


def _rect(x: float, y: float, w: float, h: float, page_h: float) -> str:
    """A PDF rectangle for a box given in mm from the top-left."""
    return f"{x * PT:.3f} {page_h - (y + h) * PT:.3f} {w * PT:.3f} {h * PT:.3f} re"


def qr_matrix(payload: str) -> list[list[bool]]:
    """The QR code's dark modules (error correction M), without the quiet zone."""
    code = segno.make_qr(payload, error="m", boost_error=False)
    return [[bool(v) for v in row] for row in code.matrix]


def content(payload: str, page_h: float) -> bytes:
    """The drawing operators of one page's marks and QR code."""
    ops = ["Q /Artifact <</Type /Pagination>> BDC q 0 g"]
    for cx, cy in geo.mark_centres():
        ops.append(_rect(cx - geo.MARK / 2, cy - geo.MARK / 2, geo.MARK, geo.MARK, page_h))
    matrix = qr_matrix(payload)
    n = len(matrix)
    module = min(geo.QR_MODULE, geo.QR_MAX / n)
    left = geo.QR_RIGHT - n * module
    for r, row in enumerate(matrix):
        c = 0
        while c < n:  # one rectangle per run of dark modules keeps the stream small
            if not row[c]:
                c += 1
                continue
            start = c
            while c < n and row[c]:
                c += 1
            ops.append(_rect(left + start * module, geo.QR_TOP + r * module,
                             (c - start) * module, module, page_h))
    ops.append("f Q EMC")
    return "\n".join(ops).encode()


def draw(pdf: pikepdf.Pdf, identity: Identity) -> None:
    """Put the corner marks and the page's own QR code on every page."""
    total = len(pdf.pages)
    for n, page in enumerate(pdf.pages, start=1):
        pid = geo.PageId(identity.form_id or "", identity.version or "",
                         identity.instance_id or "", n, total)
        page_h = float(page.mediabox[3])
        page.contents_add(pdf.make_stream(b"q"), prepend=True)
        page.contents_add(pdf.make_stream(content(pid.payload(), page_h)), prepend=False)
