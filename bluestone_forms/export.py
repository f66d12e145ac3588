"""Writing a collation's outputs from the store alone: the workbook, CSVs and the report.

Every output is written under a temporary name beside its final one and then renamed over it,
so a crash or Ctrl-C part-way leaves the previous outputs whole and readable.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .catalog import Catalog
from .errors import BluestoneError
from .report import write_report
from .store import Store
from .summary import summarise
from .workbook import build_tables, write_csvs, write_workbook

WORKBOOK = "bluestone-collated.xlsx"
REPORT = "bluestone-report.pdf"
CSV_DIR = "csv"


@dataclass(frozen=True)
class Outputs:
    workbook: Path
    report: Path
    csv_dir: Path


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def export(store_path: Path, out_dir: Path, catalog: Catalog | None = None, *,
           include_names: bool = False) -> Outputs:
    """Rebuild the workbook, CSVs and report in `out_dir` from the store at `store_path`."""
    if not store_path.is_file():
        raise BluestoneError(f"{store_path}: no store here; run `bluestone-forms collate` first")
    cat = catalog or Catalog.shipped()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BluestoneError(f"{out_dir}: cannot make the output folder ({exc.strerror})") from None
    outputs = Outputs(out_dir / WORKBOOK, out_dir / REPORT, out_dir / CSV_DIR)
    try:
        with Store(store_path) as store:
            summary = summarise(store, cat)
            tables, specs = build_tables(store, cat, include_names)
            tmp_book, tmp_report, tmp_csv = (_tmp(p) for p in outputs.__dict__.values())
            write_workbook(tmp_book, summary, tables, specs, store)
            write_report(summary, tmp_report)
            write_csvs(tmp_csv, tables, store)
            os.replace(tmp_book, outputs.workbook)
            os.replace(tmp_report, outputs.report)
            _swap_folder(tmp_csv, outputs.csv_dir)
            store.audit(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "export",
                        f"{out_dir} names={'included' if include_names else 'pseudonymised'}")
    except OSError as exc:
        for p in outputs.__dict__.values():
            t = _tmp(p)
            if t.is_dir():
                shutil.rmtree(t, ignore_errors=True)
            elif t.exists():
                t.unlink()
        raise BluestoneError(
            f"{out_dir}: could not write the outputs ({exc.strerror or exc}); "
            "the previous outputs are unchanged"
        ) from None
    return outputs


def _swap_folder(new: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)
