"""Exporting a collation, stage by stage, and generating the pack, format by format.

    python bench/bench_export.py                    # 2,000 returns, every stage, the pack
    python bench/bench_export.py --n 10000 --uncapped    # also the PDF listing every alert
    python bench/bench_export.py --no-pack          # the export only

The returns are bench_collate's (collate_floor.make_returns: every shipped spec filled as
Word, Excel form, Excel register and PDF in turn, over seven forces), made once into
output/bench/returns-N and collated into a fresh store. Then, in this one process and in
turn, each stage of an export from that store:

  gather     one pass over the store: the report's figures and the workbook's tables
  workbook   bluestone-collated.xlsx
  csv        the csv/ folder
  pdf        bluestone-report.pdf (WeasyPrint layout + PDF/UA finishing), with its pages
             and the CPU seconds of `pdf_ua.finish` in it; with --uncapped also the PDF
             listing every alert and follow-up, for comparison
  html       bluestone-report.html

each with its CPU seconds (this process and any children), wall seconds and the peak resident
memory of the process tree (collate_floor.TreePeak). Then the export as a user runs it
(`export`: the PDF written in a forked process meanwhile), for its wall time.

Last, the pack: every shipped spec generated in each format (`api.generate`), timed per
format; target: all formats together in one generate < 10 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# BENCH_CODE=DIR measures the toolkit in DIR (e.g. an older commit unpacked there) instead
sys.path.insert(0, os.environ.get("BENCH_CODE") or str(Path(__file__).resolve().parents[1]))

import pikepdf
from collate_floor import TreePeak, make_returns

from bluestone_forms import api, pdf_ua
from bluestone_forms.collate.run import collate
from bluestone_forms.outputs.export import export, gather
from bluestone_forms.outputs.report import write_html_report, write_report
from bluestone_forms.outputs.workbook import write_csvs, write_workbook
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.store.core import Store

ROOT = Path(__file__).resolve().parents[1]
PACK_TARGET = 10.0


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (5 min {five:.1f}) on {os.cpu_count()} cores"


def cpu() -> float:
    """CPU seconds of this process and its reaped children, user and system."""
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measure(fn: Callable[..., Any], *args: Any, **kw: Any) -> tuple[Any, float, float, float]:
    """fn's result, CPU s, wall s and peak MB of the process tree."""
    with TreePeak() as peak:
        c, w = cpu(), time.perf_counter()
        out = fn(*args, **kw)
        wall, used = time.perf_counter() - w, cpu() - c
    return out, used, wall, peak.mb


class Finishing:
    """CPU seconds spent in `pdf_ua.finish` (mend, check) while in use, in this process."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._finish = pdf_ua.finish

    def _timed(self, pdf: pikepdf.Pdf) -> list[str]:
        start = time.process_time()
        try:
            return self._finish(pdf)
        finally:
            self.seconds += time.process_time() - start

    def __enter__(self) -> Finishing:
        pdf_ua.finish = self._timed
        return self

    def __exit__(self, *exc: object) -> None:
        pdf_ua.finish = self._finish


def pages(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def row(label: str, used: float, wall: float, mb: float, note: str = "") -> None:
    print(f"   {label:<22}{used:>8.2f}{wall:>8.2f}{mb:>9.0f}  {note}")


def stages(n: int, folder: Path, uncapped: bool) -> None:
    _, made = make_returns(folder, n)
    print(f"\n== export of {n:,} returns " + (f"(made by filling templates in {made:.1f} s)"
                                             if made else "(made earlier, reused)"))
    work = folder / "export-bench"
    shutil.rmtree(work, ignore_errors=True)
    store_path = work / "bluestone.sqlite"
    summary_line, used, wall, mb = measure(collate, [folder / "returns"], store_path)
    print(f"   collated into a fresh store in {wall:.1f} s: {summary_line.line()}")
    print(f"   before: {load()}")
    print(f"   {'stage':<22}{'CPU s':>8}{'wall s':>8}{'peak MB':>9}  notes")
    out = work / "out"
    out.mkdir()
    cat = Catalog.shipped()
    with Store(store_path) as store:
        (summary, tables, specs, meta), used, wall, mb = measure(gather, store, cat, False)
        row("gather", used, wall, mb, f"{len(summary.alerts):,} alerts, "
            f"{len(summary.follow_ups):,} follow-ups")
        _, used, wall, mb = measure(write_workbook, out / "book.xlsx", summary, tables, specs,
                                    store, meta=meta)
        row("workbook", used, wall, mb)
        _, used, wall, mb = measure(write_csvs, out / "csv", tables, store, meta=meta)
        row("csv", used, wall, mb)
    with Finishing() as ua:
        _, used, wall, mb = measure(write_report, summary, out / "report.pdf")
    row("pdf report", used, wall, mb, f"{pages(out / 'report.pdf')} pages; PDF/UA finishing "
        f"{ua.seconds:.2f} CPU s of it")
    if uncapped:
        with Finishing() as ua:
            _, used, wall, mb = measure(write_report, summary, out / "all.pdf", listed=None)
        row("pdf report, uncapped", used, wall, mb,
            f"{pages(out / 'all.pdf')} pages (every alert and follow-up listed); PDF/UA "
            f"finishing {ua.seconds:.2f} CPU s")
    _, used, wall, mb = measure(write_html_report, summary, out / "report.html")
    row("html report", used, wall, mb,
        f"{(out / 'report.html').stat().st_size / 2**20:.1f} MB")
    outputs, used, wall, mb = measure(export, store_path, work / "export")
    row("export (as run)", used, wall, mb,
        ", ".join(f"{k} {v:.1f} s" for k, v in outputs.seconds.items()))
    print(f"   after: {load()}")
    shutil.rmtree(work, ignore_errors=True)


def pack(folder: Path) -> None:
    ids = sorted({s.id for s in Catalog.shipped()})
    out = folder / "pack"
    shutil.rmtree(out, ignore_errors=True)
    print(f"\n== pack: the {len(ids)} shipped specs in every format; {load()}")
    print(f"   {'format':<22}{'CPU s':>8}{'wall s':>8}{'peak MB':>9}  notes")
    for label, fmts, layout in (("docx", ["docx"], "form"), ("xlsx form", ["xlsx"], "form"),
                                ("xlsx register", ["xlsx"], "register"),
                                ("pdf", ["pdf"], "form"), ("paper", ["paper"], "form")):
        _, used, wall, mb = measure(api.generate, ids, fmts, out, layout=layout)
        row(label, used, wall, mb, f"{wall / len(ids) * 1000:.0f} ms a spec (wall)")
    _, used, wall, mb = measure(api.generate, ids, ["docx", "xlsx", "pdf", "paper"], out)
    row("all, one generate", used, wall, mb,
        f"target < {PACK_TARGET:.0f} s wall: {'met' if wall < PACK_TARGET else 'NOT met'}")
    print(f"   after: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="returns to export (default 2000)")
    parser.add_argument("--uncapped", action="store_true",
                        help="also time the PDF report listing every alert and follow-up")
    parser.add_argument("--no-export", action="store_true", help="only the pack")
    parser.add_argument("--no-pack", action="store_true", help="only the export")
    args = parser.parse_args()
    import bluestone_forms

    base = ROOT / "output" / "bench"
    print(f"bench_export: {load()}; code from {Path(bluestone_forms.__file__).parent.parent}")
    if not args.no_export:
        stages(args.n, base / f"returns-{args.n}", args.uncapped)
    if not args.no_pack:
        pack(base)


if __name__ == "__main__":
    main()
