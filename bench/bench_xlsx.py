"""Reading an Excel return: the toolkit's reader against the parse floor and openpyxl.

    python bench/bench_xlsx.py [--reads 300] [--spec rp1 ...] [--no-libreoffice]

For each spec and workbook (a filled form, the same form re-saved by LibreOffice, a register
with 25 filled rows of 200) it times, interleaved, over the same file:
  floor     zip open + lxml parse of the input sheet and sharedStrings (the least any reader
            of the values must do)
  read      `xlsx.read` (identity, cells, codec, validation: finished records)
  finish    `common.finish` alone on the same return's raw values (shared by all formats)
  openpyxl  `openpyxl.load_workbook` alone (no values picked out yet)
and prints the medians and the ratios. It also times `xlsx.fill` and `xlsx.write`.
The goal: one return read within 2x the floor.
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

from bluestone_forms.catalog import Catalog  # noqa: E402
from bluestone_forms.formats import _xlsx_read as R  # noqa: E402
from bluestone_forms.formats import xlsx  # noqa: E402
from bluestone_forms.formats._package import Package  # noqa: E402
from bluestone_forms.formats._xlsx_sheet import sheet_cells  # noqa: E402
from bluestone_forms.formats.common import finish  # noqa: E402
from bluestone_forms.spec import FormSpec  # noqa: E402

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


def race(named: dict[str, Callable[[], Any]], reads: int) -> dict[str, float]:
    """Interleaved timing (one of each per round), so drift hits every contestant alike."""
    times: dict[str, list[int]] = {k: [] for k in named}
    for fn in named.values():
        fn()
    for _ in range(reads):
        for name, fn in named.items():
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
        spec = catalog.resolve(opened.identity.form_id, opened.identity.version, str(path))
        cells = sheet_cells(opened.book, opened.sheet)
        if opened.layout == "register":
            key_row, col_of, _ = R.locate_register(opened.book, cells)
            row = min(r for r in cells.rows if r > key_row and len(cells.columns(r)) > 1)
            found = {k: (row, c) for k, c in col_of.items()}
        else:
            found, _ = R.locate_form(opened.book, cells, spec)
        raw = {k: (c.value if (c := cells.cell(*p)) else None) for k, p in found.items()}
    return spec, opened.identity, raw, {}, str(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reads", type=int, default=300)
    ap.add_argument("--spec", action="append", help="shipped spec id (repeatable); default: "
                    "rp1 and ld_self_assessment, the smallest and largest common forms")
    ap.add_argument("--no-libreoffice", action="store_true")
    args = ap.parse_args()
    catalog = Catalog.shipped()
    work = Path(tempfile.mkdtemp(prefix="bench-xlsx-"))
    print(f"medians over {args.reads} interleaved reads; 'finish' is common.finish (codec and "
          "validation, shared by every format), 'own' is the rest of the read\n")
    print(f"{'file':<40}{'KB':>5}{'floor':>8}{'read':>8}{'finish':>8}{'own':>7}"
          f"{'openpyxl':>10}{'read/floor':>12}{'own/floor':>11}{'openpyxl/read':>15}")
    ratios: list[float] = []
    owns: list[float] = []
    for spec_id in args.spec or ["rp1", "ld_self_assessment"]:
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
            }, args.reads)
            rows = len(xlsx.read(path, catalog=catalog).records)
            own = m["read"] - m["finish"] * rows
            ratio = m["read"] / m["floor"]
            if rows == 1:
                ratios.append(ratio)
                owns.append(own / m["floor"])
            print(f"{spec.id + ' ' + label:<40}{path.stat().st_size / 1024:>5.0f}"
                  f"{m['floor']:>8.2f}{m['read']:>8.2f}{m['finish'] * rows:>8.2f}{own:>7.2f}"
                  f"{m['openpyxl']:>10.2f}{ratio:>11.2f}x{own / m['floor']:>10.2f}x"
                  f"{m['openpyxl'] / m['read']:>14.1f}x")
        print("   " + notes)
    print(f"\none return per file: read/floor worst {max(ratios):.2f}x, best {min(ratios):.2f}x; "
          f"without common.finish worst {max(owns):.2f}x (goal: at most 2x)")
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
