"""Writing a collation's outputs from the store alone: the workbook, CSVs and the report.

Every output is written under a temporary name beside its final one and then renamed over it,
so a crash, SIGKILL or Ctrl-C part-way leaves the previous outputs whole and readable. The CSV
folder is swapped with two renames; if a run dies between them, the next export puts the
previous folder back first (`recover`), and it removes what dead runs left behind.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ..answers.records import from_json
from ..collate.run import process_alive
from ..errors import BluestoneError
from ..spec.catalog import Catalog
from ..spec.model import FormSpec
from ..store.core import Store, sqlite_file, store_failure
from ..store.engine import Where, shown, store_url
from .figures import Summariser, Summary
from .report import ReportWriter, write_html_report
from .workbook import Table, TableBuilder, meta_tables, write_csvs, write_workbook

WORKBOOK = "bluestone-collated.xlsx"
REPORT = "bluestone-report.pdf"
HTML_REPORT = "bluestone-report.html"
CSV_DIR = "csv"
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)$")


@dataclass(frozen=True)
class Outputs:
    workbook: Path
    report: Path
    csv_dir: Path
    html_report: Path
    seconds: dict[str, float] = field(default_factory=dict, compare=False)
    """How long each step took: gather (one pass over the store), workbook, csv, report
    (written meanwhile, in another process where possible) and the total."""

    def paths(self) -> tuple[Path, Path, Path, Path]:
        return self.workbook, self.report, self.csv_dir, self.html_report


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def export(store_path: Where, out_dir: Path, catalog: Catalog | None = None, *,
           include_names: bool = False, include_special: bool = False) -> Outputs:
    """Rebuild the workbook, CSVs and reports (PDF and HTML) in `out_dir` from the store at
    `store_path` (an SQLite file or a postgresql:// URL). Names a spec marks are pseudonymised
    unless `include_names`; its special-category free text is withheld unless
    `include_special`."""
    file = sqlite_file(store_path)
    if file is not None and not file.is_file():
        raise BluestoneError(f"{file}: no store here; run `bluestone-forms collate` first")
    cat = catalog or Catalog.shipped()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BluestoneError(f"{out_dir}: cannot make the output folder ({exc.strerror})") from None
    outputs = Outputs(out_dir / WORKBOOK, out_dir / REPORT, out_dir / CSV_DIR,
                      out_dir / HTML_REPORT)
    failure: BaseException | None = None
    with _quiet_unraisable():
        try:
            _write(store_path, out_dir, outputs, cat, include_names, include_special)
        except (OSError, SQLAlchemyError) as exc:
            failure = exc.with_traceback(None)  # keep the error, not the frames it ran in
            failure.__context__ = failure.__cause__ = None
            _clean(outputs)
        except BaseException:
            _clean(outputs)
            raise
        # the failed writers are freed here, with the traceback that held them
        gc.collect()
    if isinstance(failure, SQLAlchemyError):
        raise store_failure(shown(store_url(store_path)), failure) from None
    if isinstance(failure, OSError):
        raise BluestoneError(
            f"{out_dir}: could not write the outputs ({failure.strerror or failure}); "
            "the previous outputs are unchanged"
        ) from None
    return outputs


def gather(store: Store, cat: Catalog, include_names: bool, include_special: bool = False
           ) -> tuple[Summary, list[Table], dict[str, FormSpec], list[Table]]:
    """The report's figures, the form tables and the Issues/Files/Register tables, from one
    pass over the records (each record's JSON decoded once)."""
    figures = Summariser(cat)
    builder = TableBuilder(store, cat, include_names, include_special)
    for rec in store.records(("current", "conflict")):
        spec = figures.spec_of(rec)
        vals = from_json(spec, rec.values)
        figures.add(spec, rec, vals)
        builder.add(rec, vals)
    files, issues = store.files(), store.issues()
    sent, unexpected = store.register_status()
    tables, specs = builder.finish()
    return (figures.finish(files, issues, sent, unexpected), tables, specs,
            meta_tables(files, issues, sent))


def _write(store_path: Where, out_dir: Path, outputs: Outputs, cat: Catalog,
           include_names: bool, include_special: bool) -> None:
    recover(out_dir)
    took = outputs.seconds
    with Store(store_path) as store:
        start = time.perf_counter()
        summary, tables, specs, meta = gather(store, cat, include_names, include_special)
        took["gather"] = _lap(start)
        tmp_book, tmp_report, tmp_csv, tmp_html = (_tmp(p) for p in outputs.paths())
        with ReportWriter(summary, tmp_report) as report:
            write_workbook(tmp_book, summary, tables, specs, store, meta=meta)
            took["workbook"] = _lap(start, took)
            write_csvs(tmp_csv, tables, store, meta=meta)
            took["csv"] = _lap(start, took)
            write_html_report(summary, tmp_html)
            took["html"] = _lap(start, took)
            took["report"] = report.wait()
        took["total"] = time.perf_counter() - start
        tmp_book.replace(outputs.workbook)
        tmp_report.replace(outputs.report)
        tmp_html.replace(outputs.html_report)
        _swap_folder(tmp_csv, outputs.csv_dir)
        store.audit(dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "export",
                    f"{out_dir} names={'included' if include_names else 'pseudonymised'} "
                    f"special={'included' if include_special else 'withheld'}")


def _lap(start: float, before: dict[str, float] | None = None) -> float:
    """Seconds since `start`, less the steps already timed."""
    return time.perf_counter() - start - sum((before or {}).values())


@contextmanager
def _quiet_unraisable() -> Iterator[None]:
    """Silence what a failed write leaves to the garbage collector.

    Why: when saving fails part-way (a full disk, a read-only folder), openpyxl's write-only
    sheets are left with open generators that raise from their finalisers when collected;
    the failure itself is reported as a clear BluestoneError instead.
    """
    old = sys.unraisablehook
    sys.unraisablehook = lambda _: None
    try:
        yield
    finally:
        sys.unraisablehook = old


def _clean(outputs: Outputs) -> None:
    for p in outputs.paths():
        t = _tmp(p)
        if t.is_dir():
            shutil.rmtree(t, ignore_errors=True)
        elif t.exists():
            t.unlink(missing_ok=True)


def recover(out_dir: Path) -> None:
    """Undo what an export killed part-way left behind: put back a CSV folder that was moved
    aside and not replaced, and remove temporary files of runs that are no longer alive."""
    if not out_dir.is_dir():
        return
    for p in sorted(out_dir.iterdir()):
        m = _LEFTOVER.match(p.name)
        if not m or m["name"] not in (WORKBOOK, REPORT, CSV_DIR, HTML_REPORT) \
                or process_alive(int(m["pid"])):
            continue
        final = out_dir / m["name"]
        if m["kind"] == "old" and not final.exists():
            p.replace(final)
        elif p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _swap_folder(new: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    if final.exists():
        final.replace(old)
    try:
        new.replace(final)
    except OSError:
        if old.exists() and not final.exists():
            old.replace(final)
        raise
    shutil.rmtree(old, ignore_errors=True)
