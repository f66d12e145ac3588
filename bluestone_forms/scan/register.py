"""Who a scanned page is (its QR code) and where the form's mm are in its pixels (corner marks).

The four corner marks are solid 6 mm squares 10 mm in from the edges with clear space round
them: in a window around where each should be, the darkest mark-sized square is found with a
summed-area table, checked (mostly ink inside, mostly paper in a ring round it) and its
centroid taken. An affine map (rotation, shift, scale, shear) is fitted to the marks found
(three suffice) by least squares; a page upside down is turned first (its QR code says so).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import zxingcpp

from ..formats.pdf import paper_geometry as geo
from .images import Grey

SEARCH_MM = 16.0  # how far from its place a mark may be (±3° turns a corner ~9 mm, ±3 mm shift)
MIN_FILL = 0.7  # share of the mark's square that must be ink
MAX_RING = 0.12  # share of the clear ring round it that may be ink
MAX_RESIDUAL_MM = 1.0


class RegistrationError(Exception):
    """The page's corner marks could not be found well enough to read its boxes."""


@dataclass(frozen=True)
class Registration:
    """The page turned upright, and its affine map from form mm to image pixels."""

    image: Grey
    matrix: npt.NDArray[np.float64]  # 2x3: [x_px, y_px] = M @ [x_mm, y_mm, 1]
    marks_found: int
    residual_mm: float

    def to_px(self, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]
              ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        m = self.matrix
        return m[0, 0] * xs + m[0, 1] * ys + m[0, 2], m[1, 0] * xs + m[1, 1] * ys + m[1, 2]

    @property
    def px_per_mm(self) -> float:
        return float(np.sqrt(abs(np.linalg.det(self.matrix[:, :2]))))


def read_qr(image: Grey) -> tuple[geo.PageId | None, tuple[float, float] | None]:
    """Our QR code on the page (its payload and centre in px), or (None, None)."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(
        zxingcpp.BarcodeFormat.QRCode))
    for code in found:
        pid = geo.parse_payload(code.text)
        if pid is None:
            continue
        p = code.position
        corners = (p.top_left, p.top_right, p.bottom_left, p.bottom_right)
        cx = sum(c.x for c in corners) / 4
        cy = sum(c.y for c in corners) / 4
        return pid, (cx, cy)
    return None, None


def upright(image: Grey, qr_centre: tuple[float, float] | None) -> Grey:
    """The page turned the right way up: the QR code is printed in the top half."""
    if qr_centre is not None and qr_centre[1] > image.shape[0] / 2:
        return np.ascontiguousarray(image[::-1, ::-1])
    return image


def paper_white(image: Grey) -> float:
    """The paper's grey level (most of a form page is paper)."""
    return float(max(np.percentile(image[:: 4, :: 4], 90), 64))


def _find_mark(image: Grey, cx: float, cy: float, k: float, white: float
               ) -> tuple[float, float] | None:
    h, w = image.shape
    r = SEARCH_MM * k
    x0, x1 = max(int(cx - r), 0), min(int(cx + r), w)
    y0, y1 = max(int(cy - r), 0), min(int(cy + r), h)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    ink = (image[y0:y1, x0:x1] < white * 0.55).astype(np.int32)
    s = max(int(geo.MARK * k * 0.85), 3)
    table = np.zeros((ink.shape[0] + 1, ink.shape[1] + 1), dtype=np.int64)
    table[1:, 1:] = ink.cumsum(0).cumsum(1)
    if table.shape[0] <= s or table.shape[1] <= s:
        return None
    sums = table[s:, s:] - table[:-s, s:] - table[s:, :-s] + table[:-s, :-s]
    iy, ix = (int(v) for v in np.unravel_index(int(np.argmax(sums)), sums.shape))
    if sums[iy, ix] < MIN_FILL * s * s:
        return None
    # clear space: a ring 1.5 mm wide, starting 1 mm beyond the square
    pad_in, pad_out = int(k * 1.0), int(k * 2.5)
    ry0, ry1 = max(iy - pad_out, 0), min(iy + s + pad_out, ink.shape[0])
    rx0, rx1 = max(ix - pad_out, 0), min(ix + s + pad_out, ink.shape[1])
    outer = ink[ry0:ry1, rx0:rx1].sum()
    iy0, iy1 = max(iy - pad_in, 0), min(iy + s + pad_in, ink.shape[0])
    ix0, ix1 = max(ix - pad_in, 0), min(ix + s + pad_in, ink.shape[1])
    inner = ink[iy0:iy1, ix0:ix1].sum()
    ring_area = (ry1 - ry0) * (rx1 - rx0) - (iy1 - iy0) * (ix1 - ix0)
    if ring_area <= 0 or (outer - inner) / ring_area > MAX_RING:
        return None
    sub = ink[iy0:iy1, ix0:ix1]
    ys, xs = np.nonzero(sub)
    return x0 + ix0 + float(xs.mean()) + 0.5, y0 + iy0 + float(ys.mean()) + 0.5


def register(image: Grey, white: float | None = None) -> Registration:
    """The affine map of an upright page from its corner marks (RegistrationError if < 3)."""
    w = image.shape[1]
    k = w / geo.PAGE_W  # px per mm if the page fills the image (a scan of A4)
    white = paper_white(image) if white is None else white
    src: list[tuple[float, float]] = []
    dst: list[tuple[float, float]] = []
    for mx, my in geo.mark_centres():
        found = _find_mark(image, mx * k, my * k, k, white)
        if found is not None:
            src.append((mx, my))
            dst.append(found)
    if len(src) < 3:
        raise RegistrationError(f"only {len(src)} of the 4 corner marks were found; the page "
                                "may be cut off, folded or not one of our paper forms")
    a = np.array([[x, y, 1.0] for x, y in src])
    b = np.array(dst)
    sol, *_ = np.linalg.lstsq(a, b, rcond=None)
    matrix = sol.T
    fitted = a @ sol
    scale = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    residual = float(np.max(np.hypot(*(fitted - b).T))) / scale
    if len(src) == 4 and residual > MAX_RESIDUAL_MM:
        raise RegistrationError(f"the corner marks are {residual:.1f} mm out of square; the "
                                "page may be folded, curled or badly skewed")
    return Registration(image, matrix, len(src), residual)
