"""Move bluestone_forms modules into packages and rewrite every import (issue 14).

A one-off migration, prepared and tried on the tree of 2026-12-05 (the quick lane passed on
the moved tree, bar the fixes apply.sh makes), not yet applied: run `bash
scripts/restructure/apply.sh` at the repo root on a clean tree, then copy
test_architecture.py.txt to tests/test_architecture.py, add the code map (docs_map.py.txt) to
_docs.py and README.md, run the whole suite, and delete this folder. Deterministic: the same
tree always gives the same moves. Modules added since need a line in MAP.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path.cwd()
PKG = "bluestone_forms"

# old module (relative to the package) -> new module
MAP: dict[str, str] = {
    # spec/
    "spec": "spec.model",
    "spec_fields": "spec.fields",
    "spec_checks": "spec.checks",
    "loader": "spec.loader",
    "expr": "spec.expr",
    "catalog": "spec.catalog",
    "wording": "spec.wording",
    "numbering": "spec.numbering",
    "compiled": "spec.compiled",
    "labels": "spec.labels",
    "kinds": "spec.kinds",
    "translate": "spec.translate",
    "wording_cy": "spec.wording_cy",
    "spec_texts": "spec.texts",
    # answers/
    "slots": "answers.slots",
    "values": "answers.values",
    "records": "answers.records",
    "validate": "answers.validate",
    "checks": "answers.checks",
    # collate/
    "collate": "collate.run",
    "_collate_read": "collate.workers",
    "sources": "collate.sources",
    "settle": "collate.settle",
    "file_result": "collate.file_result",
    # store/
    "store": "store.core",
    "store_schema": "store.schema",
    "store_engine": "store.engine",
    "store_access": "store.access",
    "store_faults": "store.faults",
    "store_url": "store.url",
    "store_read": "store.read",
    "store_migrations": "store.migrations",
    # outputs/
    "export": "outputs.export",
    "workbook": "outputs.workbook",
    "summary": "outputs.figures",
    "summary_sheet": "outputs.summary_sheet",
    "summary_tables": "outputs.file_tables",
    "report": "outputs.report",
    "charts": "outputs.charts",
    # guide/
    "guide": "guide",
    "_guide_docx": "guide._docx",
    # formats/ooxml: raw Office package XML, once
    "formats._package": "formats.ooxml.package",
    "formats._docx_package": "formats.ooxml.opc",
    "formats._docx_xml": "formats.ooxml.wordml",
    "formats._docx_build_xml": "formats.ooxml.wordml_build",
    "formats._xlsx_parts": "formats.ooxml.sheetml",
    "formats._xlsx_refs": "formats.ooxml.cellrefs",
    "xlsx_rows": "formats.ooxml.rows",
    "cells": "formats.ooxml.cells",
    # formats/docx
    "formats.docx": "formats.docx",
    "formats._docx_fill": "formats.docx._fill",
    "formats._docx_layout": "formats.docx._layout",
    # formats/xlsx
    "formats.xlsx": "formats.xlsx",
    "formats._xlsx_dates": "formats.xlsx._dates",
    "formats._xlsx_fill": "formats.xlsx._fill",
    "formats._xlsx_fit": "formats.xlsx.fit",
    "formats._xlsx_form": "formats.xlsx._form",
    "formats._xlsx_layout": "formats.xlsx._layout",
    "formats._xlsx_read": "formats.xlsx._read",
    "formats._xlsx_register": "formats.xlsx._register",
    "formats._xlsx_sheet": "formats.xlsx._sheet",
    "formats._xlsx_write": "formats.xlsx._write",
    # formats/pdf
    "formats.pdf": "formats.pdf",
    "formats._pdf_appearance": "formats.pdf._appearance",
    "formats._pdf_fields": "formats.pdf._fields",
    "formats._pdf_keep": "formats.pdf._keep",
    "formats._pdf_layout": "formats.pdf._layout",
    "formats._pdf_open": "formats.pdf._open",
    "formats._pdf_printed": "formats.pdf._printed",
    "formats._pdf_stamp": "formats.pdf._stamp",
    "formats._pdf_textfont": "formats.pdf._textfont",
    "formats._pdf_ua": "formats.pdf._ua",
    "formats._pdf_choice": "formats.pdf._choice",
    "formats._paper_marks": "formats.pdf._paper_marks",
    "formats.paper_geometry": "formats.pdf.paper_geometry",
}
# packages whose __init__ is the old module of the same name
SELF_PACKAGES = {"guide", "formats.docx", "formats.xlsx", "formats.pdf"}
PACKAGE_DOCS = {
    "spec": "The form model: a spec's classes, loading, checks, relevance, wording and numbering.",
    "answers": "Answers: a form's answer slots, the value codec, records and their validation.",
    "collate": "Collation: finding returns, reading them in worker processes, settling which stands.",
    "store": "The store of a collation: its schema, engines and the rules that keep it whole.",
    "outputs": "What a collation gives back: figures, the workbook, the summary sheet and reports.",
    "formats.ooxml": "Office Open XML, raw, in one place: packages, relationships, WordprocessingML,\n"
                     "SpreadsheetML parts, cell references and safe cell values.",
}


def old_path(mod: str) -> Path:
    p = ROOT / PKG / Path(*mod.split("."))
    return p / "__init__.py" if p.is_dir() else p.with_suffix(".py")


def new_path(mod: str, new: str) -> Path:
    base = ROOT / PKG / Path(*new.split("."))
    if mod in SELF_PACKAGES:
        return base / "__init__.py"
    return base.with_suffix(".py")


def existing_modules() -> set[str]:
    mods = set()
    for f in (ROOT / PKG).rglob("*.py"):
        rel = f.relative_to(ROOT / PKG).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        mods.add(".".join(parts))
    return mods


def map_abs(name: str) -> str:
    """Map an absolute dotted name under the package (without the package prefix)."""
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        head = ".".join(parts[:k])
        if head in MAP:
            return ".".join([MAP[head], *parts[k:]])
    return name


def package_of(path: Path) -> list[str]:
    rel = path.relative_to(ROOT / PKG)
    return list(rel.parts[:-1])


FROM_RE = re.compile(r"^(\s*)from\s+(\.*)([\w.]*)\s+import\s+(.*)$")
DOTTED_RE = re.compile(r"\bbluestone_forms((?:\.\w+)+)")


def rel_from(cur_pkg: list[str], target: list[str]) -> str:
    k = 0
    while k < len(cur_pkg) and k < len(target) and cur_pkg[k] == target[k]:
        k += 1
    level = len(cur_pkg) - k + 1
    return "." * level + ".".join(target[k:])


def rewrite_file(path: Path, old_pkg: list[str] | None, new_pkg: list[str] | None,
                 old_mods: set[str]) -> None:
    text = path.read_text()
    out = []
    changed = False
    for line in text.split("\n"):
        m = FROM_RE.match(line)
        if m and ((m.group(2) and old_pkg is not None) or m.group(3).split(".")[0] == PKG):
            indent, dots, mod, names = m.groups()
            if dots:
                assert old_pkg is not None, path
                base = old_pkg[: len(old_pkg) - (len(dots) - 1)]
                absname = ".".join([*base, *([mod] if mod else [])])
            else:
                absname = mod[len(PKG) + 1:] if mod != PKG else ""
            # module imports: from X import mod1, mod2 (single line only)
            name_list = [n.strip() for n in names.split(",")]
            is_mod = [bool(n) and not n.startswith("(") and
                      (MAP.get(f"{absname}.{n.split(' as ')[0].strip()}".lstrip("."), None)
                       not in (None, f"{absname}.{n.split(' as ')[0].strip()}".lstrip(".")))
                      for n in name_list]
            if any(is_mod):
                new_lines = []
                plain = [n for n, im in zip(name_list, is_mod, strict=True) if not im]
                if plain:
                    target = map_abs(absname) if absname else ""
                    new_lines.append(f"{indent}from {emit(target, new_pkg, relative=bool(dots))}"
                                     f" import {', '.join(plain)}")
                for n in [n for n, im in zip(name_list, is_mod, strict=True) if im]:
                    nm, _, alias = n.partition(" as ")
                    nm = nm.strip()
                    alias = alias.strip() or nm
                    full = map_abs(f"{absname}.{nm}".lstrip("."))
                    parent, _, leaf = full.rpartition(".")
                    src = emit(parent, new_pkg, relative=bool(dots))
                    new_lines.append(f"{indent}from {src} import {leaf}"
                                     + (f" as {alias}" if alias != leaf else ""))
                new = "\n".join(new_lines)
            else:
                target = map_abs(absname) if absname else ""
                new = f"{indent}from {emit(target, new_pkg, relative=bool(dots))} import {names}"
            if new != line:
                changed = True
            out.append(new)
            continue
        new = DOTTED_RE.sub(lambda mm: PKG + "." + map_abs(mm.group(1)[1:]), line)
        if new != line:
            changed = True
        out.append(new)
    if changed:
        path.write_text("\n".join(out))


def emit(target: str, new_pkg: list[str] | None, relative: bool) -> str:
    if not relative or new_pkg is None:
        return PKG + ("." + target if target else "")
    return rel_from(new_pkg, target.split(".") if target else [])


def main() -> None:
    old_mods = existing_modules()
    moves: dict[Path, Path] = {}
    for mod, new in MAP.items():
        src = old_path(mod)
        if src.exists():
            dst = new_path(mod, new)
            if src != dst:
                moves[src] = dst
    # every python file, with its old and new package
    files: list[tuple[Path, list[str] | None, list[str] | None]] = []
    for f in sorted([*ROOT.joinpath(PKG).rglob("*.py"), *ROOT.joinpath("tests").rglob("*.py"),
                     *ROOT.joinpath("bench").rglob("*.py"), *ROOT.joinpath("scripts").rglob("*.py")]):
        if f.is_relative_to(ROOT / PKG):
            dst = moves.get(f, f)
            files.append((f, package_of(f), package_of(dst)))
        else:
            files.append((f, None, None))
    for f, op, np_ in files:
        rewrite_file(f, op, np_, old_mods)
    for other in [*ROOT.glob("*.md"), *ROOT.joinpath("docs").rglob("*.md"), ROOT / "pyproject.toml",
                  *ROOT.joinpath("scripts").glob("*.sh"), *ROOT.joinpath(".ci").glob("*")]:
        if other.is_file():
            t = other.read_text()
            n = DOTTED_RE.sub(lambda mm: PKG + "." + map_abs(mm.group(1)[1:]), t)
            if n != t:
                other.write_text(n)
    for src, dst in moves.items():
        dst.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "mv", str(src), str(dst)], check=True)
    for pkg, doc in PACKAGE_DOCS.items():
        init = ROOT / PKG / Path(*pkg.split(".")) / "__init__.py"
        if init.parent.is_dir() and not init.exists():
            init.write_text(f'"""{doc}"""\n')
            subprocess.run(["git", "add", str(init)], check=True)


if __name__ == "__main__":
    main()
