"""Collating many returns against the floor of the same files, measured in the same run.

    python bench/bench_collate.py                   # 1,000 and 10,000 returns, reads, pack
    python bench/bench_collate.py --n 100000        # the national-scale size (about 5 GB)
    python bench/bench_collate.py --n 1000 --no-pack --sample 4    # a quick look

Returns are made the way forces make them, by filling generated templates (every shipped
spec; Word, Excel form, Excel register with 5 rows keyed, PDF, in turn), once, into
output/bench/returns-N of the worktree (kept for the next run; delete it to remake). Then, for
each size, in one run on the same machine:

  floor     open and parse every file as the least reader must (collate_floor.py), in
            parallel (one process per core)
  read      every file through collation's own reader pool (`_collate_read.read_all`: the
            worker processes, hashing, the typed results crossing the process boundary)
  collate   a fresh store: read + store (store = collate - read)
  export    workbook, CSVs and both reports from the store
  re-run    collate again over the unchanged folder into the same store

each with its wall time, its ratio to the floor and the peak resident memory of the whole
process tree (this process and every descendant, summed, sampled every 0.2 s).

Then per format and shipped spec, the reader alone (`formats.<fmt>.read`) against the floor of
the same file: CPU time of each, each timed as the second of two calls in a row (a parsed
tree's freeing is partly paid by the next allocation), the two interleaved, medians over
`--rounds`, on `--sample` files of each (kind, spec); target: every ratio <= 1.5.

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

from collate_floor import KINDS, TreePeak, floor, floor_many, kind_of, make_returns, spec_of

from bluestone_forms import api, formats
from bluestone_forms._collate_read import Source, read_all
from bluestone_forms.catalog import Catalog
from bluestone_forms.collate import collate, default_workers
from bluestone_forms.export import export

ROOT = Path(__file__).resolve().parents[1]
READ_TARGET = 1.5
PACK_TARGET = 10.0


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


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


def run_size(n: int, folder: Path, keep_stores: bool) -> None:
    paths, made = make_returns(folder, n)
    kinds = defaultdict(int)
    for p in paths:
        kinds[kind_of(p)] += 1
    size = sum(p.stat().st_size for p in paths)
    print(f"\n== {n:,} returns ({', '.join(f'{kinds[k]:,} {k}' for k in KINDS)}; "
          f"{size / 2**20:,.0f} MB) " + (f"made by filling templates in {made:.1f} s"
                                         if made else "(made earlier, reused)"))
    print(f"   before: {load()}")
    store = folder / "store" / "bluestone.sqlite"
    shutil.rmtree(store.parent, ignore_errors=True)
    rows: list[tuple[str, float, float, str]] = []
    _, floor_s, floor_mb = timed(floor_stage, paths)
    rows.append(("floor (parse, parallel)", floor_s, floor_mb, ""))
    (records, failed), read_s, read_mb = timed(read_stage, paths)
    rows.append(("read (reader pool)", read_s, read_mb, f"{records:,} records, {failed} failed"))
    summary, coll_s, coll_mb = timed(collate, [folder / "returns"], store)
    rows.append(("collate (read + store)", coll_s, coll_mb, summary.line()))
    rows.append(("  store (collate - read)", coll_s - read_s, float("nan"), ""))
    outputs, exp_s, exp_mb = timed(export, store, store.parent / "out")
    took = outputs.seconds
    rows.append(("export", exp_s, exp_mb,
                 ", ".join(f"{k} {v:.1f} s" for k, v in took.items())))
    rows.append(("collate + export", coll_s + exp_s, max(coll_mb, exp_mb), ""))
    again, re_s, re_mb = timed(collate, [folder / "returns"], store)
    rows.append(("re-run, unchanged", re_s, re_mb,
                 f"{re_s / coll_s:.1%} of the first collate; {again.unchanged:,} unchanged"))
    print(f"   {'stage':<26}{'s':>8}{'x floor':>9}{'files/s':>9}{'peak MB':>9}  notes")
    for label, secs, mb, note in rows:
        mb_text = "" if mb != mb else f"{mb:.0f}"
        print(f"   {label:<26}{secs:>8.1f}{secs / floor_s:>9.2f}{n / secs:>9.0f}"
              f"{mb_text:>9}  {note}")
    print(f"   after: {load()}")
    if not keep_stores:
        shutil.rmtree(store.parent, ignore_errors=True)


def _ratio_job(args: tuple[list[str], int]) -> list[tuple[str, str, float, float]]:
    """(kind, spec, floor CPU ms, read CPU ms) per file: medians over rounds, each timed call
    the second of two in a row, floor and read interleaved (their order alternating)."""
    paths, rounds = args
    catalog = Catalog.shipped()
    out = []
    for raw in paths:
        path = Path(raw)
        reader = formats.module(path.suffix[1:])

        def read(p: Path = path, r=reader) -> object:  # type: ignore[no-untyped-def]
            return r.read(p, catalog=catalog)

        def flo(p: Path = path) -> object:
            return floor(p)

        times: dict[str, list[int]] = {"floor": [], "read": []}
        for r in range(rounds):
            order = (("floor", flo), ("read", read))
            for name, fn in order if r % 2 == 0 else order[::-1]:
                fn()
                t = time.process_time_ns()
                fn()
                times[name].append(time.process_time_ns() - t)
        out.append((kind_of(path), spec_of(path), statistics.median(times["floor"]) / 1e6,
                    statistics.median(times["read"]) / 1e6))
    return out


def read_ratios(paths: list[Path], sample: int, rounds: int) -> float:
    by_group: dict[tuple[str, str], list[Path]] = defaultdict(list)
    for p in paths:
        group = by_group[(kind_of(p), spec_of(p))]
        if len(group) < sample:
            group.append(p)
    jobs = [([str(p) for p in group], rounds) for group in by_group.values()]
    print(f"\n== reader alone vs its floor, CPU time: {sample} files per (kind, spec), medians "
          f"over {rounds} rounds; {load()}")
    results = defaultdict(list)
    with cf.ProcessPoolExecutor(default_workers()) as pool:
        for rows in pool.map(_ratio_job, jobs):
            for kind, spec, fl, rd in rows:
                results[(kind, spec)].append((fl, rd))
    specs = sorted({s for _, s in results})
    print(f"   {'spec':<26}" + "".join(f"{k:>18}" for k in KINDS))
    worst = 0.0
    totals: dict[str, list[float]] = {k: [0.0, 0.0] for k in KINDS}
    for spec in specs:
        cells = []
        for kind in KINDS:
            got = results.get((kind, spec))
            if not got:
                cells.append(f"{'-':>18}")
                continue
            fl = sum(f for f, _ in got)
            rd = sum(r for _, r in got)
            totals[kind][0] += fl
            totals[kind][1] += rd
            worst = max(worst, rd / fl)
            cells.append(f"{rd / len(got):>7.2f}/{fl / len(got):<5.2f}{rd / fl:>5.2f}x")
        print(f"   {spec:<26}" + "".join(cells))
    print(f"   {'all specs':<26}" + "".join(
        f"{t[1] / t[0]:>17.2f}x" if t[0] else f"{'-':>18}" for t in totals.values()))
    print("   (cells: read ms / floor ms per file, and the ratio)")
    print(f"   worst read/floor {worst:.2f}x (target <= {READ_TARGET}x): "
          f"{'met' if worst <= READ_TARGET else 'NOT met'}; after: {load()}")
    return worst


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
    if not args.no_collate:
        for n in sizes:
            run_size(n, base / f"returns-{n}", args.keep_stores)
    if args.sample:
        paths, _ = make_returns(base / f"returns-{min(sizes)}", min(sizes))
        read_ratios(paths, args.sample, args.rounds)
    if not args.no_pack:
        pack(base)


if __name__ == "__main__":
    main()
