"""Collating many returns: wall time, files per second and peak memory.

    python bench/bench_collate.py            # 10,000 returns (the issue's floor: 120 s, 1 GB)
    python bench/bench_collate.py --n 1000   # a quicker look

Returns are made the way forces make them, by filling generated templates (mixed formats and
forms), in parallel. Then the same folder is collated twice into fresh stores: once with one
reader process and once with one per core, so the speed-up of the parallel reader is measured
in the same run, and each is exported (workbook, CSVs and report PDF; the report is written in
a second process while the workbook and CSVs are). Peak memory is the largest resident set of
the collating process and of any of its reader or report processes.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bluestone_forms import formats
from bluestone_forms.catalog import Catalog
from bluestone_forms.collate import collate
from bluestone_forms.export import export
from bluestone_forms.records import new_instance_id
from bluestone_forms.samples import sample_values


def _make(args: tuple[str, str, str, int, str]) -> None:
    form, fmt, template, seed, out = args
    spec = Catalog.shipped().get(form)
    vals = sample_values(spec, random.Random(seed))
    formats.module(fmt).fill(Path(template), vals, Path(out), instance_id=new_instance_id())


def make_returns(folder: Path, n: int) -> float:
    cat = Catalog.shipped()
    tdir = folder / "templates"
    tdir.mkdir(parents=True)
    templates = {}
    for spec in cat:
        for fmt in formats.FORMATS:
            p = tdir / f"{spec.id}{formats.EXTENSIONS[fmt]}"
            formats.module(fmt).write(spec, p)
            templates[(spec.id, fmt)] = p
    specs = sorted(s.id for s in cat)
    jobs = []
    for i in range(n):
        form = specs[i % len(specs)]
        fmt = formats.FORMATS[(i // len(specs)) % len(formats.FORMATS)]
        out = folder / "returns" / f"force{i % 7}" / f"{form}-{i:05d}{formats.EXTENSIONS[fmt]}"
        out.parent.mkdir(parents=True, exist_ok=True)
        jobs.append((form, fmt, str(templates[(form, fmt)]), i, str(out)))
    start = time.perf_counter()
    with cf.ProcessPoolExecutor() as pool:
        list(pool.map(_make, jobs, chunksize=50))
    return time.perf_counter() - start


def peak_mb() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(me, kids) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-collate-"))
    try:
        made = make_returns(work, args.n)
        print(f"made {args.n} returns by filling templates in {made:.1f} s "
              f"({args.n / made:.0f} files/s)")
        runs = {}
        for label, workers in (("1 reader process", 1), ("1 per core", None)):
            store = work / f"store-{workers}" / "bluestone.sqlite"
            start = time.perf_counter()
            summary = collate([work / "returns"], store, workers=workers)
            read_s = time.perf_counter() - start
            start = time.perf_counter()
            took = export(store, store.parent).seconds
            export_s = time.perf_counter() - start
            runs[label] = read_s + export_s
            print(f"{label:>17}: read+store {read_s:6.1f} s, export {export_s:5.1f} s, "
                  f"total {runs[label]:6.1f} s, {args.n / runs[label]:6.0f} files/s; "
                  f"{summary.line()}")
            print(f"{'':>17}  export: one pass over the store {took['gather']:.1f} s, "
                  f"workbook {took['workbook']:.1f} s, CSV {took['csv']:.1f} s, "
                  f"report PDF {took['report']:.1f} s (written meanwhile, in another process)")
        print(f"peak memory (largest process): {peak_mb():.0f} MB")
        one, par = runs["1 reader process"], runs["1 per core"]
        print(f"parallel speed-up: {one / par:.2f}x")
        floor = 120 * args.n / 10_000
        print(f"floor: {floor:.0f} s for {args.n} returns -> "
              f"{'met' if par <= floor else 'NOT met'} ({par:.1f} s); "
              f"memory floor 1024 MB -> {'met' if peak_mb() <= 1024 else 'NOT met'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
