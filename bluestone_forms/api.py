"""The Python API behind every CLI command: one function per command."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import formats, mail
from .errors import BluestoneError, SpecError, SpecProblem
from .spec.catalog import Catalog
from .spec.loader import load_spec
from .spec.model import FormSpec, NoteField, TableField

if TYPE_CHECKING:
    from .collate.run import Summary as CollateSummary
    from .outputs.export import Outputs
    from .store.engine import Where


def list_specs(catalog: Catalog | None = None) -> list[dict[str, Any]]:
    """Id, version, title and question count of every shipped spec."""
    cat = catalog or Catalog.shipped()
    out = []
    for s in sorted(cat, key=lambda s: s.id):
        n = sum(
            len(f.columns) if isinstance(f, TableField) else 1
            for f in s.fields()
            if not isinstance(f, NoteField)
        )
        out.append({"id": s.id, "version": s.version, "title": s.title, "fields": n})
    return out


def check_specs(paths: Iterable[str | Path]) -> list[FormSpec]:
    """Load every spec; raise one SpecError with the problems of all files together."""
    specs: list[FormSpec] = []
    problems: list[SpecProblem] = []
    for p in paths:
        try:
            specs.append(load_spec(p))
        except SpecError as exc:
            problems.extend(exc.problems)
    if problems:
        raise SpecError(problems)
    return specs


def spec_schema() -> dict[str, Any]:
    """The JSON Schema of a spec file, generated from the models."""
    schema = FormSpec.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Bluestone form spec"
    return schema


def spec_schema_text() -> str:
    return json.dumps(spec_schema(), indent=2, sort_keys=True) + "\n"


def resolve_specs(names: Iterable[str], catalog: Catalog | None = None,
                  lang: str | None = None) -> list[FormSpec]:
    """Shipped spec ids or spec file paths -> specs (printed in `lang` when given)."""
    from .resources import specs_dir

    cat = catalog or Catalog.shipped()
    out: list[FormSpec] = []
    for name in names:
        p = Path(name)
        if p.suffix in (".yaml", ".yml") or p.exists():
            out.append(load_spec(p, lang))
            continue
        if lang is not None and (specs_dir() / f"{name}.yaml").is_file():
            out.append(load_spec(specs_dir() / f"{name}.yaml", lang))
            continue
        try:
            out.append(cat.get(name))
        except KeyError:
            known = ", ".join(sorted({s.id for s in cat}))
            raise BluestoneError(
                f"no shipped spec '{name}' and no such file; known: {known}"
            ) from None
    return out


def generate(names: Sequence[str], fmts: Sequence[str], out: Path,
             prefill: Path | None = None, lang: str | None = None,
             layout: str = "form", word_protection: str = "enforce") -> list[Path]:
    """Make each spec's form in each format into `out`; returns the files written.

    With `prefill`, a mail merge: one form per CSV row in each format, and a register.
    `word_protection`: "enforce" (Word's "filling in forms" restriction, on), "ready" (recorded,
    not switched on: for forms filled in LibreOffice 7.4, which aborts when a key replaces a
    selected placeholder in an enforced form) or "off".
    """
    specs = resolve_specs(names, lang=lang)
    if prefill is not None:
        from .merge import REGISTER, merge

        if len(specs) != 1:
            raise BluestoneError("a mail merge takes exactly one spec")
        rows = merge(specs[0], prefill, list(fmts), out, word_protection)
        return [out / r["file"] for r in rows] + [out / REGISTER]
    from .pack import Write, run

    out.mkdir(parents=True, exist_ok=True)
    jobs: list[Write] = []
    for spec in specs:
        for fmt in fmts:
            suffix = ("-paper" if fmt == "paper" else "") + (
                f"-{spec.language}" if spec.language != spec.default_language else "")
            path = out / f"{spec.id}-v{spec.version}{suffix}{formats.EXTENSIONS[fmt]}"
            mod = formats.module(fmt)
            if fmt == "paper":
                jobs.append(Write(fmt, mod.write_paper, spec, path))
            elif fmt == "xlsx" and layout != "form":
                jobs.append(Write(fmt, mod.write, spec, path.with_stem(f"{path.stem}-{layout}"),
                                  layout=layout))
            elif fmt == "docx":
                jobs.append(Write(fmt, mod.write, spec, path, protect=word_protection))
            else:
                jobs.append(Write(fmt, mod.write, spec, path))
    return run(jobs)  # the WeasyPrint forms in worker processes, one per core


def catalog_with(spec_paths: Iterable[str | Path]) -> Catalog:
    cat = Catalog(Catalog.shipped().forms())
    for s in Catalog.from_paths(spec_paths):
        cat.add(s)
    return cat


def read_files(
    files: Iterable[Path], spec_paths: Iterable[Path] = (), timeout: float | None = None,
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Read returns: every record as JSON data, every problem as a line of text, and notes
    (a file read by its content though its name says otherwise).

    Each file is read the way collation reads it: in a worker process under the same memory
    ceiling and time budget (default: BLUESTONE_READ_TIMEOUT, else 30 s), so a hostile file
    costs its own line and never the machine's memory."""
    from .collate.run import default_workers, env_timeout, not_readable
    from .collate.workers import Source, read_all
    from .scan import dispatch as scan_dispatch

    extra = tuple(str(p) for p in spec_paths)
    catalog_with(spec_paths)  # a broken extra spec fails here, plainly
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    notes: list[str] = []
    sources = []
    scans: list[Path] = []
    came: dict[str, dict[str, Any]] = {}  # attachment -> its message's provenance
    with tempfile.TemporaryDirectory(prefix="bluestone-read-") as scratch:
        for f in files:
            why = not_readable(Path(f), [], top=True) if os.path.lexists(f) else \
                "no such file or folder"
            if why is not None:  # never opened: a FIFO would block the read
                problems.append(f"{f}: {why}")
            elif mail.kind(f):  # a mail file: its attachments, each with where it came from
                box = mail.Found()
                mail.expand(Path(f), Path(scratch), box)
                problems.extend(f"{m.name}: {m.message}" for m in box.lines
                                if m.outcome != "message")
                for c in box.candidates:
                    if c.disk.suffix == ".zip":
                        problems.append(f"{c.name}: an attached zip archive; `collate` unpacks it")
                        continue
                    sources.append(Source(c.name, c.disk))
                    came[c.name] = c.provenance.as_json()
            elif scan_dispatch.is_scan(Path(f)):  # paper: read together, pages grouped by QR
                scans.append(Path(f))
            else:
                sources.append(Source(str(f), Path(f)))
        budget = timeout if timeout is not None else env_timeout()
        for res in read_all(sources, default_workers(), extra, budget):  # results in order
            if res.error is not None:  # a reader fault keeps its traceback
                problems.append(f"{res.path}: {res.error}"
                                + (f"\n{res.fault}" if res.fault else ""))
                continue
            if res.note:
                notes.append(f"{res.path}: note: {res.note}")
            records.extend({**r.as_json(),
                            **({"mail": came[res.path]} if res.path in came else {})}
                           for r in res.records)
            problems.extend(str(i) for i in res.issues)
    if scans:
        got, bad = scan_dispatch.read_scans(scans, catalog_with(spec_paths),
                                            default_workers(), budget)
        records.extend(got)
        problems.extend(bad)
    return records, problems, notes


def collate(
    paths: Sequence[Path],
    out: Path,
    store_path: Where | None = None,
    spec_paths: Sequence[Path] = (),
    include_names: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    registers: Sequence[Path] = (),
    read_timeout: float | None = None,
    include_special: bool = False,
) -> tuple[CollateSummary, Outputs]:
    """Collate returns into the store, then export the workbook, CSVs and report."""
    store = store_path or out / "bluestone.sqlite"
    summary = collate_returns(paths, store, spec_paths, workers, progress, registers,
                              read_timeout, review_dir=out)
    return summary, export(store, out, spec_paths, include_names, include_special)


def collate_returns(
    paths: Sequence[Path],
    store_path: Where,
    spec_paths: Sequence[Path] = (),
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    registers: Sequence[Path] = (),
    read_timeout: float | None = None,
    review_dir: Path | None = None,
) -> CollateSummary:
    """Read returns into the store only (`export` makes the outputs from it). The store is
    an SQLite file or a postgresql:// URL; `review_dir` gets the scans' review workbook."""
    from .collate.run import collate as run

    return run(paths, store_path, workers=workers, extra_specs=spec_paths, registers=registers,
               progress=progress, read_timeout=read_timeout, review_dir=review_dir)


def chase_list(store_path: Where, out: Path) -> tuple[Path, int] | None:
    """Write OUT/chase-list.csv: returns in the store's register not back yet (None when
    nothing was mail-merged into the store)."""
    from .mail.chase import write_chase_list

    return write_chase_list(store_path, out)


def export(store_path: Where, out: Path, spec_paths: Sequence[Path] = (),
           include_names: bool = False, include_special: bool = False) -> Outputs:
    """Rebuild the outputs from the store alone (names a spec marks pseudonymised unless
    `include_names`, its special-category free text withheld unless `include_special`)."""
    from .outputs.export import export as write

    return write(store_path, out, catalog_with(spec_paths), include_names=include_names,
                 include_special=include_special)
