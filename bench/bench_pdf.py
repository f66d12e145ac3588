"""Benchmark of the PDF format: reading a filled form against the pikepdf floor, pypdf for
comparison, and rendering a form against filling one.

    python bench/bench_pdf.py [spec_id ...] [--runs N]

For each spec (default: rp1, case_review, ld_self_assessment): render the fillable form
with WeasyPrint, fill it with a value in every answer box, then time (medians, interleaved):
  floor   pikepdf open + walk the AcroForm tree collecting /T and /V (what any reader must do)
  read    bluestone_forms.formats.pdf.read (identity, walk, codec, validation, active content)
  pypdf   pypdf.PdfReader(...).get_fields()
  fill    bluestone_forms.formats.pdf.fill (set /V, draw appearances, save)
  render  bluestone_forms.formats.pdf.write (WeasyPrint + field tree + metadata)
Exit status 1 when reading costs more than 3x the floor.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pikepdf
import pypdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bluestone_forms.answers.records import nest
from bluestone_forms.answers.slots import Slot, slots
from bluestone_forms.formats import pdf as pdf_format
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.model import DateField, DecimalField, FormSpec, IntegerField

LIMIT = 3.0


def sample_value(slot: Slot, n: int) -> Any:
    """A plausible answer for every box (long text two lines, Latin-1 accents)."""
    f = slot.spec_field
    if slot.kind == "text":
        return f"Sample answer {n} café"
    if slot.kind == "long_text":
        return f"First line of answer {n}, with some detail.\nSecond line: next steps agreed."
    if slot.kind == "integer":
        lo = f.min if isinstance(f, IntegerField) and f.min is not None else 0
        return lo + 1
    if slot.kind == "decimal":
        lo = f.min if isinstance(f, DecimalField) and f.min is not None else Decimal(0)
        return lo + Decimal("1.5")
    if slot.kind == "date":
        lo = f.min if isinstance(f, DateField) and f.min is not None else dt.date(2024, 1, 1)
        return max(lo, dt.date(2024, 3, 1))
    if slot.kind in ("choice", "rating"):
        code = slot.options[n % len(slot.options)].code
        return int(code) if slot.kind == "rating" else code
    return n % 2 == 0  # flag


def full_values(spec: FormSpec) -> dict[str, Any]:
    return nest(spec, {s.key: sample_value(s, i) for i, s in enumerate(slots(spec))})


def floor(path: Path) -> dict[str, Any]:
    """What reading a PDF form cannot avoid: open it and walk its fields' /T and /V."""
    out: dict[str, Any] = {}
    with pikepdf.open(path) as pdf:
        stack = [(f, "") for f in pdf.Root.AcroForm.Fields]
        while stack:
            node, prefix = stack.pop()
            name = f"{prefix}.{node.T}" if prefix else str(node.T)
            kids = node.get("/Kids")
            if kids is not None and "/T" in kids[0]:
                stack.extend((k, name) for k in kids)
            else:
                out[name] = node.get("/V")
    return out


def median_ms(fns: dict[str, Callable[[], object]], runs: int) -> dict[str, float]:
    """Medians in ms, the functions interleaved so machine load hits them alike."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t) * 1000)
    return {k: statistics.median(v) for k, v in times.items()}


def bench(spec: FormSpec, catalog: Catalog, folder: Path, runs: int) -> float:
    template = folder / f"{spec.id}.pdf"
    render = median_ms({"render": lambda: pdf_format.write(spec, template)}, 3)["render"]
    values = full_values(spec)
    filled = folder / f"{spec.id}-filled.pdf"
    out = folder / f"{spec.id}-out.pdf"
    pdf_format.fill(template, values, filled, catalog=catalog)
    result = pdf_format.read(filled, catalog=catalog)
    assert len(floor(filled)) == len(slots(spec))
    fill = median_ms({"fill": lambda: pdf_format.fill(template, values, out,
                                                      catalog=catalog)}, runs)["fill"]
    read = median_ms({
        "floor": lambda: floor(filled),
        "read": lambda: pdf_format.read(filled, catalog=catalog),
        "pypdf": lambda: pypdf.PdfReader(filled).get_fields(),
    }, runs)
    ratio = read["read"] / read["floor"]
    print(f"\n{spec.id} v{spec.version}: {len(slots(spec))} fields, "
          f"{filled.stat().st_size // 1024} KB filled, {len(result.issues)} issue(s) in the "
          f"sample values")
    print(f"  {'reading one filled PDF':<46}{'ms':>8}{'x floor':>9}")
    print(f"  {'floor: pikepdf open + walk /T and /V':<46}{read['floor']:>8.2f}{1:>9.2f}")
    print(f"  {'bluestone pdf.read':<46}{read['read']:>8.2f}{ratio:>9.2f}")
    print(f"  {'pypdf get_fields':<46}{read['pypdf']:>8.2f}"
          f"{read['pypdf'] / read['floor']:>9.2f}")
    print(f"  {'making one form':<46}{'ms':>8}{'x fill':>9}")
    print(f"  {'fill (pikepdf: /V, appearances, save)':<46}{fill:>8.2f}{1:>9.2f}")
    print(f"  {'render (WeasyPrint write)':<46}{render:>8.1f}{render / fill:>9.1f}")
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", default=["rp1", "case_review", "ld_self_assessment"])
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    catalog = Catalog.shipped()
    print(f"PDF benchmark: {args.runs} runs per figure, medians; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s); pikepdf {pikepdf.__version__}, "
          f"pypdf {pypdf.__version__}")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for spec_id in args.specs:
            worst = max(worst, bench(catalog.get(spec_id), catalog, Path(tmp), args.runs))
    verdict = "OK" if worst <= LIMIT else "OVER"
    print(f"\nworst read / floor = {worst:.2f} (limit {LIMIT:.0f}): {verdict}")
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
