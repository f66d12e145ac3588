"""The layout map: where every tick box and writing place is on each page of a paper form.

Why derived again rather than stored: WeasyPrint lays a spec's paper form out the same way
every time, and the instance id (the only thing that differs between copies) is printed at a
fixed width in the footer, so the map of a form version is the map of every copy of it. The
reader lays out the paper form of the spec the QR code names and reads the boxes' places from
WeasyPrint's layout (`data-slot` / `data-opt` in templates/paper.html.j2); a test checks two
copies give one map. Positions are mm from the page's top-left.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..formats import pdf
from ..formats.common import Identity
from ..spec.model import FormSpec

MM_PER_PX = 25.4 / 96  # WeasyPrint lays out in CSS px
FIXED_ID = "00000000-0000-4000-8000-000000000000"  # same width as every uuid4


@dataclass(frozen=True)
class Place:
    """One answer place on a page: a tick box (opt >= 0 an option, -1 a flag) or a writing
    place (opt None: a line, a box, date boxes, a table cell), in mm."""

    page: int
    slot: str
    opt: int | None
    x: float
    y: float
    w: float
    h: float

    @property
    def is_tick(self) -> bool:
        return self.opt is not None


@dataclass(frozen=True)
class LayoutMap:
    pages: int
    places: tuple[Place, ...]

    def on_page(self, page: int) -> list[Place]:
        return [p for p in self.places if p.page == page]


def _walk(box: Any) -> Any:
    yield box
    for child in getattr(box, "children", ()) or ():
        yield from _walk(child)


def from_document(document: Any) -> LayoutMap:
    """The places of every element with data-slot in a laid-out paper form."""
    places: dict[tuple[int, str, int | None], Place] = {}
    for number, page in enumerate(document.pages, start=1):
        for box in _walk(page._page_box):
            element = getattr(box, "element", None)
            if element is None or getattr(box, "element_tag", None) is None:
                continue
            slot = element.get("data-slot")
            if not slot or not hasattr(box, "border_box_x"):
                continue
            raw_opt = element.get("data-opt")
            opt = int(raw_opt) if raw_opt is not None else None
            key = (number, slot, opt)
            if key in places:  # an element split in several boxes: keep the first
                continue
            places[key] = Place(number, slot, opt, box.border_box_x() * MM_PER_PX,
                                box.border_box_y() * MM_PER_PX,
                                box.border_width() * MM_PER_PX,
                                box.border_height() * MM_PER_PX)
    return LayoutMap(len(document.pages), tuple(places.values()))


# the spec of each (form id, version) seen, so the caches below key on plain strings
_SPECS: dict[tuple[str, str], FormSpec] = {}


@lru_cache(maxsize=32)
def _cached(key: tuple[str, str]) -> LayoutMap:
    spec = _SPECS[key]
    return from_document(pdf.paper_document(spec, Identity(spec.id, spec.version, FIXED_ID)))


def _key(spec: FormSpec) -> tuple[str, str]:
    _SPECS[(spec.id, spec.version)] = spec
    return (spec.id, spec.version)


def layout_map(spec: FormSpec) -> LayoutMap:
    """The layout map of a spec's paper form (laid out once per process and spec)."""
    return _cached(_key(spec))


REF_K = 8.0  # px per mm of the blank reference pages (203 dpi)
REF_SPREAD_MM = 0.8  # print counts as print this far from where it is (misplacement, blur)


@lru_cache(maxsize=8)
def _reference(key: tuple[str, str]) -> tuple[npt.NDArray[np.uint8], ...]:
    import tempfile

    import pypdfium2 as pdfium

    spec = _SPECS[key]
    with tempfile.TemporaryDirectory(prefix="bluestone-ref-") as tmp:
        path = pdf.write_paper(spec, Path(tmp) / "blank.pdf", instance_id=FIXED_ID)
        doc = pdfium.PdfDocument(str(path))
        try:
            pages = [np.array(p.render(scale=REF_K * 25.4 / 72, grayscale=True).to_pil()
                              .convert("L"), dtype=np.uint8) for p in doc]
        finally:
            doc.close()
    return tuple(_spread(p, int(REF_SPREAD_MM * REF_K)) for p in pages)


def _spread(image: npt.NDArray[np.uint8], r: int) -> npt.NDArray[np.uint8]:
    """Each pixel the darkest within r pixels (a square min-filter, separable)."""
    out = image.copy()
    for axis in (0, 1):
        base = out.copy()
        for d in range(1, r + 1):
            np.minimum(out, np.roll(base, d, axis=axis), out=out)
            np.minimum(out, np.roll(base, -d, axis=axis), out=out)
    return out


def reference(spec: FormSpec, page: int) -> npt.NDArray[np.uint8]:
    """The blank paper page (1-based) at REF_K px/mm, print spread by REF_SPREAD_MM."""
    return _reference(_key(spec))[page - 1]
