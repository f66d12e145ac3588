"""Where the paper form prints what a scan reader needs, in mm from the page's top-left.

The print side (`_paper_marks`) and the read side (`scan.register`) both use these, so a
change here moves both. The form's CSS (`@page paper` in templates/forms.css) keeps its
margins clear of them.
"""

from __future__ import annotations

from dataclasses import dataclass

PAGE_W = 210.0  # A4, mm
PAGE_H = 297.0
MARK = 6.0  # side of a corner mark (solid black square), mm
MARK_INSET = 10.0  # from the page edges to the mark's outer side, mm (the issue: >= 10)
QR_RIGHT = 186.0  # the QR code's right side, mm (8 mm clear of the top-right mark)
QR_TOP = 6.0
QR_MAX = 24.0  # the QR code's largest side, mm (it must stay in the top margin of 32 mm)
QR_MODULE = 0.6  # preferred module size, mm (3.5 px at 150 dpi)
PREFIX = "BSF1"


def mark_centres() -> tuple[tuple[float, float], ...]:
    """Centres of the four corner marks (top-left, top-right, bottom-left, bottom-right)."""
    near = MARK_INSET + MARK / 2
    return ((near, near), (PAGE_W - near, near), (near, PAGE_H - near),
            (PAGE_W - near, PAGE_H - near))


@dataclass(frozen=True)
class PageId:
    """What a page's QR code says: which form, version, instance, and which page of how many."""

    form_id: str
    version: str
    instance_id: str
    page: int
    pages: int

    def payload(self) -> str:
        return "|".join((PREFIX, self.form_id, self.version, self.instance_id,
                         str(self.page), str(self.pages)))


def parse_payload(text: str) -> PageId | None:
    """A QR payload of ours as a PageId, or None when it is some other code."""
    parts = text.split("|")
    if len(parts) != 6 or parts[0] != PREFIX:
        return None
    _, form_id, version, instance_id, page, pages = parts
    if not (page.isdigit() and pages.isdigit() and form_id and version and instance_id):
        return None
    n, total = int(page), int(pages)
    if not 1 <= n <= total:
        return None
    return PageId(form_id, version, instance_id, n, total)
