"""Reading a Word return against the floor of opening its zip and parsing its XML.

    python3 bench/bench_docx.py [--reads N]

For the largest shipped form (most answer boxes), filled with an answer in every box, prints
the median time of: the floor (zipfile open + read word/document.xml + lxml parse), our
`docx.read` (identity, spec, every control, codec and validation), and python-docx's
`Document()` load for comparison; then the ratios. The target is read <= 3 x floor. Also
prints the median `fill` and `write` times.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docx as python_docx

from bluestone_forms.answers.slots import slots
from bluestone_forms.formats import docx
from bluestone_forms.formats.common import Identity, finish
from bluestone_forms.formats.ooxml import wordml as X
from bluestone_forms.formats.ooxml.package import Package
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.model import (
    Column,
    DateField,
    DecimalField,
    FormSpec,
    IntegerField,
    LongTextField,
    RatingField,
    SelectManyField,
    SignoffField,
    TableField,
    TextField,
)


def sample(spec: FormSpec, f: Any) -> Any:
    """A valid answer for a field or column, every table row used."""
    if isinstance(f, TableField):
        return [{c.id: sample(spec, c) for c in f.columns} for _ in range(f.max_rows)]
    if isinstance(f, SignoffField):
        return {"name": "DS Jane Example", "date": dt.date(2024, 3, 1)}
    if isinstance(f, SelectManyField):
        return [c.code for c in spec.options(f)][: f.max_selected or 2]
    if isinstance(f, TextField):
        return "Sample answer"[: f.max_length or 100]
    if isinstance(f, LongTextField):
        return "First line of the answer\nSecond line, with more detail"
    if isinstance(f, IntegerField):
        return max(f.min or 0, min(f.max if f.max is not None else 3, 3))
    if isinstance(f, DecimalField):
        return max(f.min or Decimal(0), min(f.max if f.max is not None else Decimal("2.5"),
                                            Decimal("2.5")))
    if isinstance(f, DateField):
        return f.min or dt.date(2024, 1, 15)
    if isinstance(f, RatingField):
        return int(spec.options(f)[-1].code)
    column: Column = f
    return spec.options(column)[0].code


def medians_ms(fns: dict[str, Callable[[], object]], n: int) -> dict[str, float]:
    """Median time of each function, run interleaved so that load on the machine falls on
    all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(n):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) * 1000 for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=300)
    args = parser.parse_args()
    catalog = Catalog.shipped()
    spec = max(catalog, key=lambda s: len(slots(s)))
    vals = {f.id: sample(spec, f) for f in spec.answerable()}
    with tempfile.TemporaryDirectory() as tmp:
        blank = docx.write(spec, Path(tmp) / "blank.docx")
        path = docx.fill(blank, vals, Path(tmp) / "filled.docx", catalog=catalog)

        def floor() -> None:
            with zipfile.ZipFile(path) as z:
                etree.fromstring(z.read("word/document.xml"))

        n = args.reads
        ident = Identity(spec.id, spec.version, "bench")
        with Package(path, "docx") as pkg:
            root = pkg.xml("word/document.xml")
        form = catalog.compiled(spec)
        keys, _, where = form.derived(docx._boxes)
        raw = X.answers(root, keys)
        got = medians_ms({
            "floor": floor,
            "read": lambda: docx.read(path, catalog=catalog),
            "controls": lambda: X.answers(root, keys),
            "finish": lambda: finish(form, ident, raw, where, str(path)),
        }, n)
        slow = medians_ms({
            "floor": floor,
            "python-docx": lambda: python_docx.Document(str(path)),
            "fill": lambda: docx.fill(blank, vals, Path(tmp) / "f2.docx", catalog=catalog),
        }, max(n // 5, 20))
        write_ms = medians_ms({"write": lambda: docx.write(spec, Path(tmp) / "w.docx")}, 10)
        size = path.stat().st_size
    floor_ms, read_ms = got["floor"], got["read"]
    print(f"form: {spec.id} v{spec.version}, {len(slots(spec))} answer boxes, "
          f"filled file {size / 1024:.1f} KiB, medians over {n} reads")
    print(f"floor (zip open + document.xml parse): {floor_ms:7.3f} ms")
    print(f"docx.read:                             {read_ms:7.3f} ms  = {read_ms / floor_ms:.2f}x "
          "floor (target <= 3x)")
    print(f"  of which finding the controls:       {got['controls']:7.3f} ms")
    print(f"  of which common.finish (codec, validation): {got['finish']:7.3f} ms")
    load = slow["python-docx"]
    print(f"python-docx Document() load:           {load:7.3f} ms  = "
          f"{load / slow['floor']:.2f}x floor")
    print(f"docx.fill: {slow['fill']:.3f} ms; docx.write: {write_ms['write']:.1f} ms")


if __name__ == "__main__":
    main()
