"""Mail merge of fillable PDFs: filling one rendered template per row against rendering each.

    python bench/bench_merge.py           # 200 rows (the issue's figure)

Prints both times, per form and in all, and the ratio (the issue's floor: fill >= 10x faster).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bluestone_forms.answers.records import new_instance_id
from bluestone_forms.formats import pdf
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--form", default="rp2")
    parser.add_argument("--render-sample", type=int, default=20,
                        help="rows rendered each time (the rest extrapolated: it is linear)")
    args = parser.parse_args()
    spec = Catalog.shipped().get(args.form)
    rng = random.Random(7)
    rows = [sample_values(spec, rng) for _ in range(args.n)]
    work = Path(tempfile.mkdtemp(prefix="bench-merge-"))
    try:
        start = time.perf_counter()
        template = pdf.write(spec, work / "template.pdf")
        render_one = time.perf_counter() - start
        start = time.perf_counter()
        for i, vals in enumerate(rows):
            pdf.fill(template, vals, work / f"fill-{i}.pdf", instance_id=new_instance_id())
        fill_all = time.perf_counter() - start + render_one
        k = min(args.render_sample, args.n)
        start = time.perf_counter()
        for i, vals in enumerate(rows[:k]):
            pdf.write(spec, work / f"render-{i}.pdf", values=vals)
        render_each = (time.perf_counter() - start) / k
        render_all = render_each * args.n
        print(f"{args.n} fillable PDFs of {spec.id}:")
        print(f"  fill one template: {fill_all:7.2f} s in all "
              f"({(fill_all - render_one) / args.n * 1000:6.1f} ms a form + one render of "
              f"{render_one:.2f} s)")
        print(f"  render each:       {render_all:7.2f} s in all ({render_each * 1000:6.1f} ms a "
              f"form, measured on {k} rows)")
        print(f"  fill path is {render_all / fill_all:.1f}x faster (floor: 10x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
