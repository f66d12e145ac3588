"""Reading an Excel return: the toolkit's reader against the parse floor and openpyxl.

    python bench/bench_xlsx.py [--reads 200] [--spec rp1 ...] [--no-libreoffice]

For each spec (default: every shipped form) and workbook (a filled form, the same form
re-saved by LibreOffice, a register with 25 filled rows of 200) it times, over the same file:
  floor     zip open + lxml parse of the input sheet and sharedStrings (the least any reader
            of the values must do)
  read      `xlsx.read` (identity, cells, codec, validation: finished records)
  finish    `common.finish` alone on the same return's raw values (shared by all formats)
  openpyxl  `openpyxl.load_workbook` alone (no values picked out yet)
and prints the medians and the ratios. It also times `xlsx.fill` and `xlsx.write`.
The goal: every file read within 2x its floor.

How it times: in rounds, each contestant in turn (the order rotating from round to round, so
drift hits every contestant alike), and each timed call is the second of two calls in a row.
Why the pair: freeing a parsed tree is partly paid later, by whichever code next asks the
allocator for memory (glibc sorts the freed chunks then). Timed right after another
contestant, a call pays for that one's tree: with a register, about 5 ms of the floor's own
cost moved onto the reader. After a call of its own, each pays for itself. openpyxl, 20-50
times slower than the rest, is timed in every tenth round only.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import openpyxl  # noqa: E402
from strategies import record_values  # noqa: E402

from bluestone_forms.formats import xlsx  # noqa: E402
from bluestone_forms.formats.common import finish  # noqa: E402
from bluestone_forms.formats.ooxml.package import Package  # noqa: E402
from bluestone_forms.formats.xlsx import _read as R  # noqa: E402
from bluestone_forms.formats.xlsx._sheet import sheet_cells  # noqa: E402
from bluestone_forms.spec.catalog import Catalog  # noqa: E402
from bluestone_forms.spec.model import FormSpec  # noqa: E402

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def floor(path: Path, sheet: str) -> None:
    with zipfile.ZipFile(path) as z:
        etree.fromstring(z.read(sheet), PARSER)
        if "xl/sharedStrings.xml" in z.namelist():
            etree.fromstring(z.read("xl/sharedStrings.xml"), PARSER)


def samples(spec: FormSpec, n: int) -> list[dict[str, Any]]:
    """n valid returns drawn by the tests' Hypothesis strategy."""
    out: list[dict[str, Any]] = []

    @settings(max_examples=n, database=None, suppress_health_check=list(HealthCheck),
              deadline=None)
    @given(record_values(spec), st.just(0))
    def draw(vals: dict[str, Any], _: int) -> None:
        out.append(vals)

    draw()
    return out[:n]


def median_ms(times: list[int]) -> float:
    return statistics.median(times) / 1e6


def race(named: dict[str, Callable[[], Any]], reads: int, every: dict[str, int] | None = None
         ) -> dict[str, float]:
    """Median ms per contestant: `reads` rounds, the order rotating each round, each timed
    call the second of two in a row (see the module's docstring); a contestant in `every`
    runs only in every n-th round."""
    every = every or {}
    names = list(named)
    times: dict[str, list[int]] = {k: [] for k in named}
    for n in range(reads):
        for name in names[n % len(names):] + names[:n % len(names)]:
            if n % every.get(name, 1):
                continue
            fn = named[name]
            fn()
            t = time.perf_counter_ns()
            fn()
            times[name].append(time.perf_counter_ns() - t)
    return {k: median_ms(v) for k, v in times.items()}


def sheet_part(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        names = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    return names[0]


def finish_inputs(path: Path, catalog: Catalog) -> tuple[Any, ...]:
    """What `common.finish` is handed for the first return of a file, to time it alone."""
    with Package(path, "xlsx") as pkg:
        opened = R.open_book(pkg)
        form = catalog.form(opened.identity.form_id, opened.identity.version, str(path))
        cells = sheet_cells(opened.book, opened.sheet)
        if opened.layout == "register":
            key_row, col_of, _ = R.locate_register(opened.book, cells)
            row = min(r for r in cells.rows if r > key_row and len(cells.columns(r)) > 1)
            found = {k: (row, c) for k, c in col_of.items()}
        else:
            found, _ = R.locate_form(opened.book, cells, form)
        raw = {k: (c.value if (c := cells.cell(*p)) else None) for k, p in found.items()}
    return form, opened.identity, raw, {}, str(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reads", type=int, default=200)
    ap.add_argument("--spec", action="append", help="shipped spec id (repeatable); default: "
                    "every shipped form")
    ap.add_argument("--no-libreoffice", action="store_true")
    args = ap.parse_args()
    catalog = Catalog.shipped()
    work = Path(tempfile.mkdtemp(prefix="bench-xlsx-"))
    print(f"medians over {args.reads} rounds (openpyxl: every tenth); 'finish' is common.finish "
          "(codec and validation, shared by every format), 'own' is the rest of the read\n")
    print(f"{'file':<44}{'KB':>5}{'floor':>8}{'read':>8}{'finish':>8}{'own':>7}"
          f"{'openpyxl':>10}{'read/floor':>12}{'own/floor':>11}{'openpyxl/read':>15}")
    ratios: dict[str, float] = {}
    ids = args.spec or sorted({s.id for s in catalog})
    for spec_id in ids:
        spec = catalog.get(spec_id)
        files, notes = make_files(spec, work / spec.id, not args.no_libreoffice)
        for label, path in files.items():
            part = sheet_part(path)
            finishing = finish_inputs(path, catalog)
            assert xlsx.read(path, catalog=catalog).records, label
            m = race({
                "floor": lambda p=path, s=part: floor(p, s),
                "read": lambda p=path: xlsx.read(p, catalog=catalog),
                "finish": lambda a=finishing: finish(*a),
                "openpyxl": lambda p=path: openpyxl.load_workbook(p),
            }, args.reads, every={"openpyxl": 10})
            rows = len(xlsx.read(path, catalog=catalog).records)
            own = m["read"] - m["finish"] * rows
            ratio = m["read"] / m["floor"]
            ratios[f"{spec.id} {label}"] = ratio
            print(f"{spec.id + ' ' + label:<44}{path.stat().st_size / 1024:>5.0f}"
                  f"{m['floor']:>8.2f}{m['read']:>8.2f}{m['finish'] * rows:>8.2f}{own:>7.2f}"
                  f"{m['openpyxl']:>10.2f}{ratio:>11.2f}x{own / m['floor']:>10.2f}x"
                  f"{m['openpyxl'] / m['read']:>14.1f}x", flush=True)
        print("   " + notes)
    worst = max(ratios, key=ratios.__getitem__)
    print(f"\nread/floor over {len(ratios)} files: worst {ratios[worst]:.2f}x ({worst}), "
          f"best {min(ratios.values()):.2f}x, median {statistics.median(ratios.values()):.2f}x "
          "(goal: at most 2x)")
    shutil.rmtree(work, ignore_errors=True)


def make_files(spec: FormSpec, folder: Path, libreoffice: bool) -> tuple[dict[str, Path], str]:
    folder.mkdir(parents=True)
    vals = samples(spec, 25)
    t = time.perf_counter()
    form_tpl = xlsx.write(spec, folder / "form-template.xlsx")
    write_form = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    reg_tpl = xlsx.write(spec, folder / "register-template.xlsx", layout="register", rows=200)
    write_reg = (time.perf_counter() - t) * 1000
    xlsx.fill(form_tpl, vals[0], folder / "warm.xlsx")
    fills = []
    for i, v in enumerate(vals * 8):
        t0 = time.perf_counter_ns()
        xlsx.fill(form_tpl, v, folder / f"f{i % 25}.xlsx")
        fills.append(time.perf_counter_ns() - t0)
    form = folder / "f24.xlsx"
    files = {"form": form}
    if libreoffice and shutil.which("soffice"):
        out = folder / "lo"
        subprocess.run(["soffice", "--headless",
                        f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out),
                        str(form)], check=True, capture_output=True, timeout=300)
        files["form, LibreOffice re-save"] = out / form.name
    files["register, 25 of 200 rows"] = xlsx.fill(reg_tpl, vals, folder / "register.xlsx")
    notes = (f"write: form {write_form:.0f} ms, register of 200 rows {write_reg:.0f} ms; "
             f"fill one return {median_ms(fills):.2f} ms (median of {len(fills)})")
    return files, notes


if __name__ == "__main__":
    main()
