"""The Python API behind every CLI command: one function per command."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import formats
from .catalog import Catalog
from .errors import BluestoneError, ReturnError, SpecError, SpecProblem
from .loader import load_spec
from .spec import FormSpec, NoteField, TableField

if TYPE_CHECKING:
    from .collate import Summary as CollateSummary
    from .export import Outputs


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
             layout: str = "form") -> list[Path]:
    """Make each spec's form in each format into `out`; returns the files written.

    With `prefill`, a mail merge: one form per CSV row in each format, and a register.
    """
    specs = resolve_specs(names, lang=lang)
    if prefill is not None:
        from .merge import REGISTER, merge

        if len(specs) != 1:
            raise BluestoneError("a mail merge takes exactly one spec")
        rows = merge(specs[0], prefill, list(fmts), out)
        return [out / r["file"] for r in rows] + [out / REGISTER]
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for spec in specs:
        for fmt in fmts:
            suffix = ("-paper" if fmt == "paper" else "") + (
                f"-{spec.language}" if spec.language != spec.default_language else "")
            path = out / f"{spec.id}-v{spec.version}{suffix}{formats.EXTENSIONS[fmt]}"
            mod = formats.module(fmt)
            if fmt == "paper":
                written.append(mod.write_paper(spec, path))
            elif fmt == "xlsx" and layout != "form":
                written.append(mod.write(spec, path.with_stem(f"{path.stem}-{layout}"),
                                         layout=layout))
            else:
                written.append(mod.write(spec, path))
    return written


def catalog_with(spec_paths: Iterable[str | Path]) -> Catalog:
    cat = Catalog(Catalog.shipped())
    for s in Catalog.from_paths(spec_paths):
        cat.add(s)
    return cat


def read_files(
    files: Iterable[Path], spec_paths: Iterable[Path] = ()
) -> tuple[list[dict[str, Any]], list[str]]:
    """Read returns: every record as JSON data, and every problem as a line of text."""
    cat = catalog_with(spec_paths)
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    files = list(files)
    from .scan import dispatch as scan_dispatch

    # scanned paper returns (issue 18): read together, their pages grouped by QR code
    scans = [f for f in files if f.is_file() and scan_dispatch.is_scan(f)]
    if scans:
        records, problems = scan_dispatch.read_scans(scans, cat)
        files = [f for f in files if f not in scans]
    for f in files:
        try:
            result = formats.read(f, catalog=cat)
        except ReturnError as exc:
            problems.append(f"{exc.file}: {exc.message}")
            continue
        records.extend(r.as_json() for r in result.records)
        problems.extend(str(i) for i in result.issues)
    return records, problems


def collate(
    paths: Sequence[Path],
    out: Path,
    store_path: Path | None = None,
    spec_paths: Sequence[Path] = (),
    include_names: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    registers: Sequence[Path] = (),
    read_timeout: float | None = None,
) -> tuple[CollateSummary, Outputs]:
    """Collate returns into the store, then export the workbook, CSVs and report."""
    store = store_path or out / "bluestone.sqlite"
    summary = collate_returns(paths, store, spec_paths, workers, progress, registers,
                              read_timeout)
    return summary, export(store, out, spec_paths, include_names)


def collate_returns(
    paths: Sequence[Path],
    store_path: Path,
    spec_paths: Sequence[Path] = (),
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    registers: Sequence[Path] = (),
    read_timeout: float | None = None,
) -> CollateSummary:
    """Read returns into the store only (`export` makes the outputs from it)."""
    from .collate import collate as run

    return run(paths, store_path, workers=workers, extra_specs=spec_paths, registers=registers,
               progress=progress, read_timeout=read_timeout)


def export(store_path: Path, out: Path, spec_paths: Sequence[Path] = (),
           include_names: bool = False) -> Outputs:
    """Rebuild the outputs from the store alone."""
    from .export import export as write

    return write(store_path, out, catalog_with(spec_paths), include_names=include_names)
