"""One scanned page read: identified by its QR code, straightened, its boxes decided.

Every page gives a `PageRead`; one that cannot be identified or straightened carries its
reason in `error` (an outcome of its own), never dropped.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from ..errors import ReturnError
from ..formats.pdf.paper_geometry import PageId
from ..spec.catalog import Catalog
from ..spec.compiled import CompiledSpec
from ..spec.model import FormSpec
from . import decide
from .images import Grey
from .layout_map import REF_K as REF_K
from .layout_map import Place, layout_map, reference
from .register import Registration, RegistrationError, paper_white, read_qr, register, upright

CROP_MARGIN_MM = 1.5
MARK_TEXT_MM = 45.0  # a review mark's crop shows this much of its option's text
CROP_MAX_PX = 900  # widest crop kept (a full-width writing line at 140 px/inch)


@dataclass
class Writing:
    """A writing place with ink on it, and its crop (PNG) for a person to key."""

    place: Place
    area_mm2: float
    crop: bytes


@dataclass
class PageRead:
    file: str
    index: int  # 1-based page of the scanned file
    pid: PageId | None = None
    form: CompiledSpec | None = None  # the form the page names (None across processes)
    marks: list[decide.Mark] = field(default_factory=list)
    writing: list[Writing] = field(default_factory=list)
    blank: list[Place] = field(default_factory=list)  # writing places left empty
    crops: dict[tuple[str, int | None], bytes] = field(default_factory=dict)  # review marks
    error: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}, scanned page {self.index}"

    @property
    def spec(self) -> FormSpec | None:
        return self.form.spec if self.form is not None else None


def crop(reg: Registration, place: Place, right_mm: float = 0.0) -> bytes:
    """The scan around a place (and `right_mm` beyond it: an option's text), as PNG."""
    m = CROP_MARGIN_MM
    r = place.x + place.w + m + right_mm
    xs = np.array([place.x - m, r, place.x - m, r])
    ys = np.array([place.y - m, place.y - m, place.y + place.h + m, place.y + place.h + m])
    px, py = reg.to_px(xs, ys)
    h, w = reg.image.shape
    x0, x1 = max(int(px.min()), 0), min(int(px.max()) + 1, w)
    y0, y1 = max(int(py.min()), 0), min(int(py.max()) + 1, h)
    img = Image.fromarray(reg.image[y0:y1, x0:x1])
    if img.width > CROP_MAX_PX:
        img = img.resize((CROP_MAX_PX, max(int(img.height * CROP_MAX_PX / img.width), 1)))
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=3)
    return buf.getvalue()


def read_page(image: Grey, file: str, index: int, catalog: Catalog,
              t: decide.Thresholds = decide.DEFAULT) -> PageRead:
    """Identify, straighten and read one scanned page."""
    out = PageRead(file, index)
    pid, centre = read_qr(image)
    if pid is None:
        out.error = ("no QR code of a bluestone paper form could be read on this page (not "
                     "our form, the code is covered or torn, or the scan is too faint or below "
                     "150 dpi); key it by hand or scan it again")
        return out
    out.pid = pid
    try:
        out.form = catalog.form(pid.form_id, pid.version, file)
    except ReturnError as exc:
        out.error = exc.message
        return out
    spec = out.form.spec
    lm = layout_map(spec)
    if pid.pages != lm.pages:
        out.error = (f"the page says it is one of {pid.pages} pages, but form {spec.id} "
                     f"v{spec.version} prints {lm.pages}; it was printed from another layout")
        return out
    image = upright(image, centre)
    white = paper_white(image)
    try:
        reg = register(image, white)
    except RegistrationError as exc:
        out.error = str(exc)
        return out
    places = lm.on_page(pid.page)
    out.marks = decide.decide_page(reg, places, white, t)
    for m in out.marks:
        if m.state == decide.REVIEW:
            out.crops[(m.place.slot, m.place.opt)] = crop(reg, m.place, MARK_TEXT_MM)
    ref = reference(spec, pid.page)
    for p in places:
        if p.is_tick:
            continue
        share = decide.written(reg, p, ref, REF_K, white, t)
        if share >= t.writing_min_mm2:
            out.writing.append(Writing(p, share, crop(reg, p)))
        else:
            out.blank.append(p)
    return out
