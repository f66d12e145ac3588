"""The synthetic-scan harness: the paper form printed to images, filled in code, distorted.

Used by tests/test_scan*.py and bench/bench_scan.py. Marks are drawn as a pen or pencil
would (ticks, crosses, fills, light pencil, a corrected "tick one" answer, stray marks
beside boxes, handwriting scribbles on lines), then the page is distorted as a scanner and a
"fit to page" print would (turn up to ±3°, shift up to ±3 mm, scale 97–100 %, blur, noise,
JPEG). Each drawn box keeps its truth, so a reading can be scored: wrong outside the review
band, sent to review, right.
"""

from __future__ import annotations

import io
import math
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from ..spec.model import FormSpec
from .images import Grey
from .layout_map import Place, layout_map
from .pages import PageRead

STYLES = ("tick", "cross", "fill", "pencil", "erased", "stray")
WEIGHTS = (0.54, 0.32, 0.04, 0.03, 0.02, 0.05)  # of marked boxes; corrections come on top
CORRECTED_SHARE = 0.03  # of "tick one" questions answered, a wrong box filled then another


@dataclass
class Truth:
    """What was drawn on a page: per tick box (slot, opt) "ticked"/"empty" and the style;
    per writing place whether it was written on."""

    boxes: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)
    writing: dict[str, bool] = field(default_factory=dict)


def render(pdf_path: Path, dpi: int) -> Iterator[Grey]:
    """The pages of a PDF printed to grey images at `dpi`."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        for page in doc:
            yield np.array(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"),
                           dtype=np.uint8)
    finally:
        doc.close()


class Pen:
    def __init__(self, draw: ImageDraw.ImageDraw, k: float, rng: random.Random) -> None:
        self.d, self.k, self.rng = draw, k, rng

    def j(self, mm: float = 0.25) -> float:
        return self.rng.uniform(-mm, mm)

    def line(self, pts: list[tuple[float, float]], width_mm: float, grey: int) -> None:
        px = [(x * self.k, y * self.k) for x, y in pts]
        self.d.line(px, fill=grey, width=max(int(width_mm * self.k), 1), joint="curve")

    def tick(self, p: Place, grey: int, width: float = 0.45) -> None:
        x, y, w, h = p.x, p.y, p.w, p.h
        self.line([(x + 0.15 * w + self.j(), y + 0.5 * h + self.j()),
                   (x + 0.42 * w + self.j(), y + 0.88 * h + self.j()),
                   (x + 1.05 * w + self.j(), y - 0.05 * h + self.j())], width, grey)

    def cross(self, p: Place, grey: int) -> None:
        x, y, w, h = p.x, p.y, p.w, p.h
        self.line([(x + 0.1 * w + self.j(), y + 0.1 * h + self.j()),
                   (x + 0.9 * w + self.j(), y + 0.9 * h + self.j())], 0.45, grey)
        self.line([(x + 0.9 * w + self.j(), y + 0.1 * h + self.j()),
                   (x + 0.1 * w + self.j(), y + 0.9 * h + self.j())], 0.45, grey)

    def fill(self, p: Place, grey: int) -> None:
        m = 0.1
        box = [(p.x + m + self.j(0.1)) * self.k, (p.y + m + self.j(0.1)) * self.k,
               (p.x + p.w - m + self.j(0.1)) * self.k, (p.y + p.h - m + self.j(0.1)) * self.k]
        self.d.rectangle(box, fill=grey)

    def stray(self, p: Place, grey: int) -> None:
        """A mark beside the box, not in it: a line under the option text, or a dot."""
        if self.rng.random() < 0.5:
            y = p.y + p.h + 0.9 + self.j(0.2)
            self.line([(p.x + p.w + 2.5, y), (p.x + p.w + 18 + self.j(3), y + self.j(0.6))],
                      0.4, grey)
        else:
            cx, cy = p.x + p.w + 1.6 + self.rng.uniform(0, 1), p.y + self.rng.uniform(0, p.h)
            r = 0.35 * self.k
            self.d.ellipse([cx * self.k - r, cy * self.k - r, cx * self.k + r, cy * self.k + r],
                           fill=grey)

    def scribble(self, p: Place, grey: int) -> None:
        """Handwriting: a few words of loops along the place's bottom half."""
        x = p.x + 2 + self.rng.uniform(0, 4)
        end = p.x + min(p.w - 2, self.rng.uniform(25, 70))
        base = p.y + min(p.h, 8.0) * 0.72
        pts = []
        while x < end:
            pts.append((x, base + self.j(0.3)))
            pts.append((x + 0.7, base - 2.2 + self.j(0.6)))
            x += 1.5 + self.rng.uniform(0, 0.8)
            if self.rng.random() < 0.15:
                self.line(pts, 0.4, grey)
                pts = []
                x += 2.5
        if len(pts) > 1:
            self.line(pts, 0.4, grey)


def fill_page(image: Grey, places: list[Place], dpi: int, rng: random.Random,
              written_share: float = 0.6) -> tuple[Grey, Truth]:
    """Draw answers on one printed page; returns the page and what was drawn."""
    img = Image.fromarray(image)
    pen = Pen(ImageDraw.Draw(img), dpi / 25.4, rng)
    truth = Truth()
    ticks = [p for p in places if p.is_tick]
    singles: dict[str, list[Place]] = {}
    for p in ticks:
        truth.boxes[(p.slot, p.opt or 0)] = ("empty", "")
        if p.opt is not None and p.opt >= 0:
            singles.setdefault(p.slot, []).append(p)
    chosen: list[Place] = []
    for options in singles.values():
        if rng.random() < 0.85:
            chosen.append(rng.choice(options))
            if len(options) > 1 and rng.random() < CORRECTED_SHARE:
                wrong = rng.choice([o for o in options if o is not chosen[-1]])
                pen.tick(wrong, rng.randint(20, 70))
                pen.fill(wrong, rng.randint(20, 70))
                truth.boxes[(wrong.slot, wrong.opt or 0)] = ("empty", "corrected")
    chosen += [p for p in ticks if p.opt == -1 and rng.random() < 0.35]
    for p in chosen:
        style = rng.choices(STYLES, WEIGHTS)[0]
        ink = rng.randint(15, 80)
        key = (p.slot, p.opt or 0)
        if style == "tick":
            pen.tick(p, ink)
        elif style == "cross":
            pen.cross(p, ink)
        elif style == "fill":
            pen.fill(p, ink)
        elif style == "pencil":
            pen.tick(p, rng.randint(150, 185), width=0.3)
        if style == "erased":  # a tick rubbed out: its trace is left, the box is empty
            pen.tick(p, rng.randint(175, 205), width=0.45)
            truth.boxes[key] = ("empty", "erased")
        elif style == "stray":  # a stray mark beside a box that is left empty
            pen.stray(p, ink)
            truth.boxes[key] = ("empty", "stray")
        else:
            truth.boxes[key] = ("ticked", style)
    for p in places:
        if p.is_tick:
            continue
        wrote = rng.random() < written_share
        truth.writing[p.slot] = wrote
        if wrote:
            pen.scribble(p, rng.randint(15, 80))
    return np.array(img, dtype=np.uint8), truth


def distort(image: Grey, dpi: int, rng: random.Random, *, jpeg: bool = True) -> Grey:
    """A scan of a print: turned, shifted, scaled ("fit to page"), blurred, noisy, JPEG."""
    k = dpi / 25.4
    img = Image.fromarray(image)
    w, h = img.size
    angle = math.radians(rng.uniform(-3, 3))
    scale = rng.uniform(0.97, 1.0)
    dx, dy = rng.uniform(-3, 3) * k, rng.uniform(-3, 3) * k
    cos, sin = math.cos(angle), math.sin(angle)
    cx, cy = w / 2, h / 2
    # inverse map for PIL: output (x, y) -> input
    a, b = cos / scale, sin / scale
    c = cx - a * (cx + dx) - b * (cy + dy)
    d, e = -sin / scale, cos / scale
    f = cy - d * (cx + dx) - e * (cy + dy)
    img = img.transform((w, h), Image.Transform.AFFINE, (a, b, c, d, e, f),
                        resample=Image.Resampling.BILINEAR, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0) * dpi / 200))
    arr = np.asarray(img, dtype=np.float64)
    nrng = np.random.default_rng(rng.randrange(2**32))
    arr = arr * rng.uniform(0.9, 1.0) + nrng.normal(0, 6, arr.shape)  # paper not white; noise
    out = np.clip(arr, 0, 255).astype(np.uint8)
    if jpeg:
        buf = io.BytesIO()
        Image.fromarray(out).save(buf, format="JPEG", quality=rng.randint(55, 85))
        buf.seek(0)
        out = np.array(Image.open(buf).convert("L"), dtype=np.uint8)
    return out


def _g4(image: Grey) -> tuple[bytes, int, int]:
    """A page as bi-level CCITT G4 (T.6) data, bit 1 = black, one strip (via Pillow's libtiff).

    The same bytes are a JBIG2 generic region coded with MMR (T.88 §6.2.6 uses T.6)."""
    h, w = image.shape
    black = Image.fromarray(((image < 128) * 255).astype(np.uint8)).convert("1")
    buf = io.BytesIO()
    black.save(buf, format="TIFF", compression="group4", tiffinfo={278: h})
    buf.seek(0)
    with Image.open(buf) as tif:
        tags = tif.tag_v2  # type: ignore[attr-defined]
        offsets, counts = tags[273], tags[279]
    data = buf.getvalue()
    return b"".join(data[o:o + c] for o, c in zip(offsets, counts, strict=True)), w, h


def _jbig2(g4: bytes, w: int, h: int) -> bytes:
    """An embedded JBIG2 stream (PDF: no file header): page information, then one immediate
    lossless generic region coded with MMR."""
    import struct

    def segment(number: int, kind: int, data: bytes) -> bytes:
        return struct.pack(">IBBBI", number, kind, 0, 1, len(data)) + data

    page = struct.pack(">IIIIBH", w, h, 0, 0, 0, 0)
    region = struct.pack(">IIIIB", w, h, 0, 0, 0) + b"\x01" + g4
    return segment(0, 48, page) + segment(1, 39, region)


def scanner_pdf(pages: list[Grey], path: Path, dpi: int, codec: str) -> Path:
    """A multi-page PDF of page images as office scanners write them: codec "jpeg" (grey
    DCT), "ccitt" (bi-level CCITT G4) or "jbig2" (bi-level JBIG2, MMR coded)."""
    import pikepdf

    pdf = pikepdf.new()
    for image in pages:
        h, w = image.shape
        if codec == "jpeg":
            buf = io.BytesIO()
            Image.fromarray(image).save(buf, format="JPEG", quality=75)
            stream = pdf.make_stream(buf.getvalue(), Filter=pikepdf.Name.DCTDecode,
                                     BitsPerComponent=8, ColorSpace=pikepdf.Name.DeviceGray)
        else:
            g4, w, h = _g4(image)
            if codec == "ccitt":
                stream = pdf.make_stream(
                    g4, Filter=pikepdf.Name.CCITTFaxDecode,
                    DecodeParms=pikepdf.Dictionary(K=-1, Columns=w, Rows=h, BlackIs1=False),
                    BitsPerComponent=1, ColorSpace=pikepdf.Name.DeviceGray)
            else:
                stream = pdf.make_stream(_jbig2(g4, w, h), Filter=pikepdf.Name.JBIG2Decode,
                                         BitsPerComponent=1,
                                         ColorSpace=pikepdf.Name.DeviceGray)
        stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        stream.Width, stream.Height = w, h
        pw, ph = w * 72 / dpi, h * 72 / dpi
        page = pdf.add_blank_page(page_size=(pw, ph))
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=stream))
        page.Contents = pdf.make_stream(f"q {pw:.2f} 0 0 {ph:.2f} 0 0 cm /Im0 Do Q".encode())
    pdf.save(path)
    return path


@dataclass
class Score:
    """Marks read against what was drawn: right, wrong outside the review band, to review;
    writing places found or missed; pages identified."""

    right: int = 0
    wrong: int = 0
    review: int = 0
    inked: int = 0  # boxes with any ink drawn in them
    writing_right: int = 0
    writing_wrong: int = 0
    pages: int = 0
    identified: int = 0
    wrong_cases: list[str] = field(default_factory=list)
    reviewed: Counter[str] = field(default_factory=Counter)  # what was drawn in boxes to review

    @property
    def marks(self) -> int:
        return self.right + self.wrong + self.review

    def add(self, page: PageRead, truth: Truth) -> None:
        self.pages += 1
        if page.error or page.pid is None:
            return
        self.identified += 1
        for m in page.marks:
            want, style = truth.boxes[(m.place.slot, m.place.opt or 0)]
            if style and style != "stray":  # ink in the box (a stray mark is beside it)
                self.inked += 1
            if m.state == "review":
                self.review += 1
                self.reviewed[style or "nothing"] += 1
            elif m.state == want:
                self.right += 1
            else:
                self.wrong += 1
                self.wrong_cases.append(f"page {m.place.page} {m.place.slot}/{m.place.opt}: "
                                        f"drawn {style or 'nothing'}, read {m.state} "
                                        f"(dark {m.dark:.2f}, faint {m.faint:.2f})")
        found = {w.place.slot for w in page.writing}
        for slot, wrote in truth.writing.items():
            if wrote == (slot in found):
                self.writing_right += 1
            else:
                self.writing_wrong += 1
                self.wrong_cases.append(f"page {page.pid.page} {slot}: writing "
                                        f"{'missed' if wrote else 'seen where none was'}")

    def line(self) -> str:
        n = max(self.marks, 1)
        return (f"{self.pages} pages, {self.identified} identified; {self.marks} tick boxes: "
                f"{self.wrong} wrong outside the review band ({self.wrong / n:.2%}), "
                f"{self.review} to review ({self.review / n:.2%} of boxes, "
                f"{self.review / max(self.inked, 1):.2%} of {self.inked} inked); writing "
                f"places {self.writing_right} right, {self.writing_wrong} wrong; sent to "
                f"review: {dict(sorted(self.reviewed.items()))}")


def filled_scans(spec: FormSpec, dpi: int, rng: random.Random, folder: Path, *,
                 instance_id: str | None = None, jpeg: bool = True
                 ) -> list[tuple[Grey, Truth]]:
    """The paper form of a spec printed at `dpi`, every page filled in and scanned."""
    from ..formats import pdf

    path = pdf.write_paper(spec, folder / f"{spec.id}-{rng.randrange(10**9)}.pdf",
                           instance_id=instance_id)
    lm = layout_map(spec)
    out = []
    for n, image in enumerate(render(path, dpi), start=1):
        filled, truth = fill_page(image, lm.on_page(n), dpi, rng)
        out.append((distort(filled, dpi, rng, jpeg=jpeg), truth))
    path.unlink()
    return out
