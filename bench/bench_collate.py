"""Collating many returns: wall time, files per second and peak memory.

    python bench/bench_collate.py            # 10,000 returns (the issue's floor: 120 s, 1 GB)
    python bench/bench_collate.py --n 1000   # a quicker look
    python bench/bench_collate.py --postgresql postgresql:///postgres?host=/var/run/postgresql
        # also: the same returns into SQLite and into PostgreSQL, side by side (issue 21)

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
import os
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


def store_engines(work: Path, n: int, server: str) -> None:
    """The same returns collated into SQLite and into PostgreSQL in this one run: collate,
    an unchanged re-run and export on each, and PostgreSQL's time against SQLite's.
    `server` is a URL of a database on which the bench may create (and then drop) its own."""
    import psycopg

    name = f"bluestone_bench_{os.getpid()}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    params = psycopg.conninfo.conninfo_to_dict(server)
    params["dbname"] = name
    pg = "postgresql://?" + "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
    rows = {}
    try:
        for label, where in (("SQLite", work / "engines" / "bluestone.sqlite"),
                             ("PostgreSQL", pg)):
            times = []
            for _ in range(2):  # the first run, then an unchanged re-run
                start = time.perf_counter()
                collate([work / "returns"], where)
                times.append(time.perf_counter() - start)
            start = time.perf_counter()
            export(where, work / "engines" / label)
            times.append(time.perf_counter() - start)
            rows[label] = times
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(f"{n} returns, same run        collate  re-run  export   total")
    for label, (first, again, out) in rows.items():
        print(f"{label:>27} {first:7.1f} s {again:5.1f} s {out:5.1f} s {first + out:6.1f} s")
    lite, pgt = (sum(rows[k][::2]) for k in ("SQLite", "PostgreSQL"))
    print(f"PostgreSQL / SQLite (collate + export): {pgt / lite:.2f}x "
          f"({'within' if pgt <= 1.5 * lite else 'NOT within'} 1.5x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--postgresql", metavar="URL",
                        help="also run the returns into a PostgreSQL database made on this "
                             "server, beside SQLite (issue 21)")
    parser.add_argument("--engines-only", action="store_true",
                        help="with --postgresql: only the SQLite/PostgreSQL comparison")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-collate-"))
    try:
        made = make_returns(work, args.n)
        print(f"made {args.n} returns by filling templates in {made:.1f} s "
              f"({args.n / made:.0f} files/s)")
        if args.postgresql:
            store_engines(work, args.n, args.postgresql)
            if args.engines_only:
                return
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
