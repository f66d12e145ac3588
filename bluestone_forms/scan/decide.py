"""Each tick box decided from its ink, and each writing place checked for writing.

A tick box's inside (0.9 mm in from its outer edge, clear of its printed border) is sampled
through the page's affine map, one sample per scanned pixel. Ink is measured against the
paper's own white: `dark` is the share of samples a pen makes (darker than 45 % ink), `faint`
the share a pencil or a failing pen makes (15–45 %). Ticks and crosses cover 10–70 % of the
inside; a box filled in solid means "I changed my mind" on our form (its printed rule): beside
another ticked box of a "tick one" question it is cancelled, otherwise a person decides. Too
little dark ink but some faint ink is the review band too (a pencil mark, a rubbed-out tick).
Numbers are in `Thresholds`; the harness (bench/bench_scan.py) measures them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .layout_map import Place
from .register import Registration

EMPTY, TICKED, REVIEW = "empty", "ticked", "review"


@dataclass(frozen=True)
class Thresholds:
    dark_ink: float = 0.45  # a sample is pen ink above this share of black
    faint_ink: float = 0.15  # ... and faint ink above this
    tick_min: float = 0.08  # dark share from which a box is ticked
    empty_max: float = 0.02  # dark share up to which a box may be empty
    faint_max: float = 0.05  # faint share up to which an empty box is still empty
    fill_min: float = 0.80  # dark share from which a box is "filled in": review
    inset_mm: float = 0.9
    writing_min_mm2: float = 1.5  # new ink (mm²) in a writing place that counts as writing


DEFAULT = Thresholds()


@dataclass(frozen=True)
class Mark:
    """One tick box as read: its state, why when for review, and the measures."""

    place: Place
    state: str
    dark: float
    faint: float
    why: str = ""


def grid(place: Place, inset: float, k: float) -> tuple[npt.NDArray[np.float64],
                                                        npt.NDArray[np.float64]]:
    """Sample points (mm) over a place's inside, about one per scanned pixel."""
    w, h = place.w - 2 * inset, place.h - 2 * inset
    nx, ny = max(int(w * k) + 1, 3), max(int(h * k) + 1, 3)
    xs, ys = np.meshgrid(np.linspace(place.x + inset, place.x + place.w - inset, nx),
                         np.linspace(place.y + inset, place.y + place.h - inset, ny))
    return xs.ravel(), ys.ravel()


def sample(reg: Registration, xs: npt.NDArray[np.float64], ys: npt.NDArray[np.float64]
           ) -> npt.NDArray[np.float64]:
    """The scan's grey at form points (nearest pixel; outside the image counts as paper)."""
    px, py = reg.to_px(xs, ys)
    ix, iy = np.rint(px).astype(int), np.rint(py).astype(int)
    h, w = reg.image.shape
    inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    out = np.full(xs.shape, 255.0)
    out[inside] = reg.image[iy[inside], ix[inside]]
    return out


def measure(reg: Registration, place: Place, white: float,
            t: Thresholds = DEFAULT) -> tuple[float, float]:
    """(dark share, faint share) inside a tick box."""
    xs, ys = grid(place, t.inset_mm, reg.px_per_mm)
    ink = 1.0 - sample(reg, xs, ys) / white
    dark = float(np.mean(ink > t.dark_ink))
    faint = float(np.mean((ink > t.faint_ink) & (ink <= t.dark_ink)))
    return dark, faint


def decide_box(reg: Registration, place: Place, white: float, t: Thresholds = DEFAULT) -> Mark:
    dark, faint = measure(reg, place, white, t)
    if dark >= t.fill_min:
        return Mark(place, REVIEW, dark, faint, "the box is filled in: a changed answer or a "
                                                "firm tick")
    if dark >= t.tick_min:
        return Mark(place, TICKED, dark, faint)
    if dark <= t.empty_max and faint <= t.faint_max:
        return Mark(place, EMPTY, dark, faint)
    return Mark(place, REVIEW, dark, faint, "a faint or small mark (pencil, rubbed out, a dot)")


def decide_page(reg: Registration, places: list[Place], white: float,
                t: Thresholds = DEFAULT) -> list[Mark]:
    """Every tick box of a page, then each "tick one" question as a whole.

    The form's printed rule: to change an answer, fill the wrong box in and mark the right
    one. So in a "tick one" question with one box ticked, a filled box beside it is cancelled
    (empty); with two or more boxes ticked, every marked box goes to review (the reader cannot
    tell which stands). A filled box with nothing else marked is the answer (a firm tick: a
    cancel with no new answer is rarer, and the person checking the record sees it); in "tick
    all that apply" a filled box stays for review (a firm tick, or a cancel)."""
    marks = [decide_box(reg, p, white, t) for p in places if p.is_tick]
    by_slot: dict[str, list[int]] = {}
    for i, m in enumerate(marks):
        if m.place.opt is not None and m.place.opt >= 0:
            by_slot.setdefault(m.place.slot, []).append(i)
    for indices in by_slot.values():
        ticked = [i for i in indices if marks[i].state == TICKED]
        filled = [i for i in indices if marks[i].dark >= t.fill_min]
        if len(ticked) == 1 and filled:
            for i in filled:
                m = marks[i]
                marks[i] = Mark(m.place, EMPTY, m.dark, m.faint, "filled in: cancelled")
        elif not ticked and len(filled) == 1 and all(
                marks[i].state == EMPTY for i in indices if i not in filled):
            m = marks[filled[0]]  # nothing else marked: the filled box is the answer
            marks[filled[0]] = Mark(m.place, TICKED, m.dark, m.faint, "filled in, alone")
        elif len(ticked) >= 2:
            for i in indices:
                m = marks[i]
                if m.state != EMPTY:
                    marks[i] = Mark(m.place, REVIEW, m.dark, m.faint,
                                    "more than one box is marked in a 'tick one' question")
    return marks


def written(reg: Registration, place: Place, reference: npt.NDArray[np.uint8], ref_k: float,
            white: float, t: Thresholds = DEFAULT) -> float:
    """Area (mm²) of a writing place inked on the scan where the blank form has no print.

    `reference` is the blank page rendered at `ref_k` px/mm and darkened by its neighbours
    (so printed lines, boxes and hints, even slightly misplaced, do not count as writing)."""
    xs, ys = grid(place, 0.4, reg.px_per_mm)
    ink = 1.0 - sample(reg, xs, ys) / white
    rx = np.clip(np.rint(xs * ref_k).astype(int), 0, reference.shape[1] - 1)
    ry = np.clip(np.rint(ys * ref_k).astype(int), 0, reference.shape[0] - 1)
    blank = reference[ry, rx] > 200
    inside = (place.w - 0.8) * (place.h - 0.8)
    return float(np.mean((ink > t.dark_ink) & blank)) * inside
