"""Collating many returns against the floor of the same files, measured in the same run.

    python bench/bench_collate.py                   # 1,000 and 10,000 returns, reads, pack
    python bench/bench_collate.py --n 10000 --n 100000 --lean --sample 0 --no-pack
        # the scale run of issue 19 (100,000 returns are about 20 GB on disk)
    python bench/bench_collate.py --n 1000 --no-pack --sample 4    # a quick look
    python bench/bench_collate.py --n 1000 --postgresql postgresql:///postgres?host=/var/run/postgresql
        # also the same returns into SQLite and into PostgreSQL, side by side (issue 21)

Returns are made as bench_returns.py says: for each shipped spec, kind (Word, Excel form,
Excel register with 5 rows keyed, PDF) and force folder one master filled the real way, and
every return a copy of its master's bytes with its own instance id, register row ids and
crime references rewritten wherever the file holds them (valid returns that collation takes
as distinct), into output/bench/returns-N of the worktree (kept for the next run; delete it
to remake). Then, for each size, in one run on the same machine:

  floor     open and parse every file as the least reader must (collate_floor.py), in
            parallel (one process per core); with --lean above 10,000 returns 1 file in 10,
            its time scaled to all
  read      every file through collation's own reader pool (`collate.workers.read_all`: the
            worker processes, hashing, the typed results crossing the process boundary);
            left out with --lean
  collate   a fresh store: read + store (store = collate - read, when read was run)
  export    workbook, CSVs and both reports from the store
  re-run    collate again over the unchanged folder into the same store

as a table (scale_table.py): wall seconds, the ratio to the floor, milliseconds per file and
the peak resident memory of the whole process tree (this process and every descendant,
summed, sampled every 0.2 s), with the targets of issue 19; each size above 10,000 is then
set against 10,000 (of this run, else the last saved) per file, and its per-file cost
extrapolated to 500,000 returns.

Then per format and shipped spec, the reader alone (`formats.<fmt>.read`) against the floor of
the same files: CPU time of each on `--sample` files of each (kind, spec), medians over
`--rounds`, floor and read interleaved, timed two ways: the files read in turn, once each (as
collation reads them), and warm (each file's second of two reads in a row, as bench_xlsx
times); target: every ratio <= 1.5.

Last, the pack: every shipped spec generated in each format (`api.generate`), timed per
format; target: all formats together < 10 s.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import shutil
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

# BENCH_CODE=DIR measures the toolkit in DIR (e.g. an older commit unpacked there) instead
sys.path.insert(0, os.environ.get("BENCH_CODE") or str(Path(__file__).resolve().parents[1]))

from bench_returns import KINDS, kind_of, make_returns, spec_of
from collate_floor import TreePeak, floor, floor_many
from scale_table import (
    SizeResult,
    Stage,
    load,
    print_header,
    print_row,
    print_scale,
    print_targets,
)

from bluestone_forms import api, formats
from bluestone_forms.collate.run import collate, default_workers
from bluestone_forms.collate.workers import Source, read_all
from bluestone_forms.outputs.export import export
from bluestone_forms.spec.catalog import Catalog

ROOT = Path(__file__).resolve().parents[1]
READ_TARGET = 1.5
LEAN_SAMPLE = 10  # --lean: the floor of 1 file in this many, above 10,000 returns
PACK_TARGET = 10.0


def timed(fn, *args, **kw):  # type: ignore[no-untyped-def]
    with TreePeak() as peak:
        start = time.perf_counter()
        out = fn(*args, **kw)
        took = time.perf_counter() - start
    return out, took, peak.mb


def floor_stage(paths: list[Path]) -> int:
    chunks = [[str(p) for p in paths[i:i + 64]] for i in range(0, len(paths), 64)]
    with cf.ProcessPoolExecutor(default_workers()) as pool:
        return sum(pool.map(floor_many, chunks))


def read_stage(paths: list[Path]) -> tuple[int, int]:
    sources = [Source(str(p), p) for p in paths]
    records = failed = 0
    for res in read_all(sources, default_workers(), ()):
        records += len(res.records)
        failed += res.failed
    return records, failed


def run_size(n: int, folder: Path, keep_stores: bool, lean: bool) -> SizeResult:
    paths, made = make_returns(folder, n)
    kinds: dict[str, int] = defaultdict(int)
    for p in paths:
        kinds[kind_of(p)] += 1
    size = sum(p.stat().st_size for p in paths)
    print(f"\n== {n:,} returns ({', '.join(f'{kinds[k]:,} {k}' for k in KINDS)}; "
          f"{size / 2**20:,.0f} MB) " + (f"made in {made:.1f} s ({made / n * 1000:.1f} ms a "
                                         "return: masters filled, the rest copied)"
                                         if made else "(made earlier, reused)"))
    res = SizeResult(n, load_before=load(), lean=lean)

    def add(stage: Stage) -> None:
        res.stages.append(stage)
        print_row(res, stage)

    print(f"   before: {res.load_before}", flush=True)
    store = folder / "store" / "bluestone.sqlite"
    shutil.rmtree(store.parent, ignore_errors=True)
    sample = paths[::LEAN_SAMPLE] if lean and n > 10_000 else paths
    _, floor_s, floor_mb = timed(floor_stage, sample)
    res.stages.append(Stage("floor", floor_s * n / len(sample), floor_mb,
                            "parse, parallel" + (f"; 1 file in {LEAN_SAMPLE}, time scaled"
                                                 if len(sample) < n else "")))
    print_header()
    print_row(res, res.stages[0])
    read_s = None
    if not lean:
        (records, failed), read_s, read_mb = timed(read_stage, paths)
        add(Stage("read", read_s, read_mb,
                  f"reader pool alone: {records:,} records, {failed} failed"))
    summary, coll_s, coll_mb = timed(collate, [folder / "returns"], store)
    add(Stage("collate", coll_s, coll_mb, summary.line()))
    if read_s is not None:
        add(Stage("store (collate - read)", coll_s - read_s, None,
                  "derived: two runs apart, so within the machine's noise"))
    outputs, exp_s, exp_mb = timed(export, store, store.parent / "out")
    add(Stage("export", exp_s, exp_mb, ", ".join(
        f"{k} {v:.1f} s" for k, v in outputs.seconds.items())))
    add(Stage("collate + export", coll_s + exp_s, max(coll_mb, exp_mb)))
    again, re_s, re_mb = timed(collate, [folder / "returns"], store)
    add(Stage("re-run", re_s, re_mb,
              f"unchanged folder: {again.unchanged:,} files found unchanged"))
    print_targets(res)
    res.load_after = load()
    print(f"   after: {res.load_after}")
    res.save(folder.parent)
    if not keep_stores:
        shutil.rmtree(store.parent, ignore_errors=True)
    return res


def _ratio_job(args: tuple[list[str], int]) -> list[tuple[str, str, float, float, float, float]]:
    """Per (kind, spec) group: CPU ms per file of floor and read, two ways, medians over rounds
    (floor and read interleaved, their order alternating):
      in turn  each file once, one after another, as collation reads them
      warm     each file's time as the second of two calls in a row (what bench_xlsx times:
               a parsed tree's freeing is partly paid by the next allocation)."""
    paths, rounds = args
    catalog = Catalog.shipped()
    files = [Path(p) for p in paths]
    readers = [formats.module(p.suffix[1:]) for p in files]

    def read_one(i: int) -> object:
        return readers[i].read(files[i], catalog=catalog)

    def floor_one(i: int) -> object:
        return floor(files[i])

    turn: dict[str, list[float]] = {"floor": [], "read": []}
    warm: dict[str, list[float]] = {"floor": [], "read": []}
    order = (("floor", floor_one), ("read", read_one))
    for r in range(rounds + 1):
        for name, fn in order if r % 2 == 0 else order[::-1]:
            t = time.process_time_ns()
            for i in range(len(files)):
                fn(i)
            took = time.process_time_ns() - t
            paired = 0
            for i in range(len(files)):
                fn(i)
                t = time.process_time_ns()
                fn(i)
                paired += time.process_time_ns() - t
            if r:  # the first round warms the caches (imports, compiled forms)
                turn[name].append(took / len(files) / 1e6)
                warm[name].append(paired / len(files) / 1e6)
    kind, spec = kind_of(files[0]), spec_of(files[0])
    return [(kind, spec, statistics.median(turn["floor"]), statistics.median(turn["read"]),
             statistics.median(warm["floor"]), statistics.median(warm["read"]))]


def read_ratios(paths: list[Path], sample: int, rounds: int) -> float:
    by_group: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for p in paths:
        group = by_group[(kind_of(p), spec_of(p))]
        if len(group) < sample:
            group.append(p)
    jobs = [([str(p) for p in group], rounds) for group in by_group.values()]
    print(f"\n== reader alone vs its floor, CPU time: {sample} files per (kind, spec), medians "
          f"over {rounds} rounds; {load()}")
    results: dict[tuple[str, str], tuple[float, float, float, float]] = {}
    with cf.ProcessPoolExecutor(default_workers()) as pool:
        for rows in pool.map(_ratio_job, jobs):
            for kind, spec, *times in rows:
                results[(kind, spec)] = (times[0], times[1], times[2], times[3])
    specs = sorted({s for _, s in results})
    print(f"   {'spec':<26}" + "".join(f"{k:>26}" for k in KINDS))
    worst = {"in turn": 0.0, "warm": 0.0}
    totals = {k: [0.0, 0.0, 0.0, 0.0] for k in KINDS}
    for spec in specs:
        cells = []
        for kind in KINDS:
            got = results.get((kind, spec))
            if not got:
                cells.append(f"{'-':>26}")
                continue
            for n in range(4):
                totals[kind][n] += got[n]
            worst["in turn"] = max(worst["in turn"], got[1] / got[0])
            worst["warm"] = max(worst["warm"], got[3] / got[2])
            cells.append(f" {got[1]:>6.2f}/{got[0]:<6.2f}{got[1] / got[0]:>5.2f}x "
                         f"{got[3] / got[2]:>5.2f}x")
        print(f"   {spec:<26}" + "".join(cells))
    print(f"   {'all specs':<26}" + "".join(
        f" {t[1]:>6.2f}/{t[0]:<6.2f}{t[1] / t[0]:>5.2f}x {t[3] / t[2]:>5.2f}x" if t[0]
        else f"{'-':>26}" for t in totals.values()))
    print("   (cells: read ms / floor ms per file read in turn, that ratio, and the ratio when "
          "warm; the 'all specs' ms are sums over the specs)")
    for how, ratio in worst.items():
        print(f"   worst read/floor, {how}: {ratio:.2f}x (target <= {READ_TARGET}x): "
              f"{'met' if ratio <= READ_TARGET else 'NOT met'}")
    print(f"   after: {load()}")
    return worst["in turn"]


def pack(folder: Path) -> float:
    ids = sorted({s.id for s in Catalog.shipped()})
    out = folder / "pack"
    shutil.rmtree(out, ignore_errors=True)
    print(f"\n== pack: the {len(ids)} shipped specs in every format; {load()}")
    total = 0.0
    for label, fmts, layout in (("docx", ["docx"], "form"), ("xlsx form", ["xlsx"], "form"),
                                ("xlsx register", ["xlsx"], "register"),
                                ("pdf", ["pdf"], "form"), ("paper", ["paper"], "form")):
        _, secs, mb = timed(api.generate, ids, fmts, out, layout=layout)
        total += secs
        print(f"   {label:<16}{secs:>7.2f} s  ({secs / len(ids) * 1000:.0f} ms a spec; "
              f"peak {mb:.0f} MB)")
    _, whole, mb = timed(api.generate, ids, ["docx", "xlsx", "pdf", "paper"], out)
    print(f"   {'one generate, docx+xlsx+pdf+paper':<36}{whole:>7.2f} s (peak {mb:.0f} MB; "
          f"target < {PACK_TARGET:.0f} s: {'met' if whole < PACK_TARGET else 'NOT met'}); "
          f"{load()}")
    return whole


def store_engines(work: Path, n: int, server: str) -> None:
    """The same returns collated into SQLite and into PostgreSQL in this one run: collate,
    an unchanged re-run and export on each, and PostgreSQL's time against SQLite's.
    `server` is a URL of a database on which the bench may create (and then drop) its own."""
    import psycopg

    shutil.rmtree(work / "engines", ignore_errors=True)  # a fresh SQLite store every run
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append",
                        help="returns to collate (repeatable; default 1000 and 10000)")
    parser.add_argument("--sample", type=int, default=12,
                        help="files per (kind, spec) for the reader ratios (0: skip)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-collate", action="store_true", help="only reads and the pack")
    parser.add_argument("--no-pack", action="store_true")
    parser.add_argument("--keep-stores", action="store_true")
    parser.add_argument("--make-only", action="store_true", help="only make the returns")
    parser.add_argument("--lean", action="store_true",
                        help="no separate read stage, and above 10,000 returns the floor of 1 "
                             f"file in {LEAN_SAMPLE} (so 100,000 is affordable)")
    parser.add_argument("--postgresql", metavar="URL",
                        help="also run the returns into a PostgreSQL database made on this "
                             "server, beside SQLite (issue 21)")
    parser.add_argument("--engines-only", action="store_true",
                        help="with --postgresql: only the SQLite/PostgreSQL comparison")
    args = parser.parse_args()
    sizes = args.n or [1000, 10_000]
    base = ROOT / "output" / "bench"
    import bluestone_forms

    print(f"bench_collate: {load()}, {default_workers()} reader processes; code from "
          f"{Path(bluestone_forms.__file__).parent.parent}")
    if args.make_only:
        for n in sizes:
            print(n, "returns made in", make_returns(base / f"returns-{n}", n)[1], "s")
        return
    if args.postgresql:
        for n in sizes:
            make_returns(base / f"returns-{n}", n)
            store_engines(base / f"returns-{n}", n, args.postgresql)
        if args.engines_only:
            return
    if not args.no_collate:
        done = {n: run_size(n, base / f"returns-{n}", args.keep_stores, args.lean)
                for n in sizes}
        for n in sizes:
            if n > 10_000:
                small = done.get(10_000) or SizeResult.saved(base, 10_000)
                print_scale(done[n], small, 10_000 in done)
    if args.sample:
        paths, _ = make_returns(base / f"returns-{min(sizes)}", min(sizes))
        read_ratios(paths, args.sample, args.rounds)
    if not args.no_pack:
        pack(base)


if __name__ == "__main__":
    main()
