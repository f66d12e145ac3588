"""The collated workbook and CSVs, rebuilt from the store alone.

A sheet per form (a column per answer in spec order, choice labels rather than codes, and
provenance: file, sha256, read at, version), repeat tables on their own sheets keyed to their
parent return, Issues, Files and Fields (a data dictionary) sheets, and a Summary sheet with
live risks first and native Excel charts. Every text a spreadsheet could run as a formula is
stored as plain text (see `cells.py`), and names in special-category forms are replaced by
stable pseudonyms unless the user asks for names.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import cells
from .catalog import Catalog
from .records import from_json
from .spec import FormSpec, SelectManyField, SignoffField, TableField
from .store import Store, StoredRecord
from .summary import Summary, display
from .summary_sheet import write_summary

PROVENANCE = ["status", "version", "file", "sha256", "read_at", "modified"]
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE6F0")


def sheet_title(name: str, used: set[str]) -> str:
    """A unique sheet title within Excel's 31 characters and character rules."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]
    title, n = clean, 2
    while title.casefold() in used:
        suffix = f"~{n}"
        title = clean[: 31 - len(suffix)] + suffix
        n += 1
    used.add(title.casefold())
    return title


class Table:
    """One output table: written to a sheet and to a CSV with the same columns."""

    def __init__(self, name: str, labels: list[str], ids: list[str]) -> None:
        self.name = name
        self.labels = labels
        self.ids = ids
        self.rows: list[list[Any]] = []


def _columns(spec: FormSpec) -> tuple[list[str], list[str]]:
    ids, labels = ["instance_id"], ["Instance id"]
    for f in spec.answerable():
        if isinstance(f, TableField):
            continue
        if isinstance(f, SignoffField):
            ids += [f"{f.id}.name", f"{f.id}.date"]
            labels += [f"{f.label}: name", f"{f.label}: date"]
        else:
            ids.append(f.id)
            labels.append(f.label)
    return ids + PROVENANCE, labels + [p.replace("_", " ").capitalize() for p in PROVENANCE]


def _cell(spec: FormSpec, fid: str, v: Any) -> Any:
    """A value as it goes into a cell: numbers and dates stay typed, choices become labels."""
    if v is None:
        return None
    if isinstance(v, bool | int | Decimal | dt.date):
        f = spec.field(fid)
        if isinstance(v, int) and not isinstance(v, bool) and f.type not in ("integer", "rating"):
            return display(spec, fid, v)
        return v
    if isinstance(v, list) and isinstance(spec.field(fid), SelectManyField):
        return display(spec, fid, v)
    return display(spec, fid, v)


def build_tables(
    store: Store, catalog: Catalog, include_names: bool
) -> tuple[list[Table], dict[str, FormSpec]]:
    """Every form and repeat table as rows, newest spec version's columns first."""
    by_form: dict[str, list[StoredRecord]] = defaultdict(list)
    for rec in store.records(("current", "conflict")):
        by_form[rec.form_id].append(rec)
    tables: list[Table] = []
    specs: dict[str, FormSpec] = {}
    for form_id in sorted(by_form):
        spec = catalog.get(form_id)
        specs[form_id] = spec
        ids, labels = _columns(spec)
        main = Table(form_id, labels, ids)
        subs = {f.id: Table(f"{form_id}.{f.id}",
                            ["Instance id", "Row", *[c.label for c in f.columns]],
                            ["instance_id", "row", *[c.id for c in f.columns]])
                for f in spec.answerable() if isinstance(f, TableField)}
        hide = _hider(store, spec, include_names)
        for rec in by_form[form_id]:
            vspec = catalog.resolve(rec.form_id, rec.version, rec.file)
            vals = hide(from_json(vspec, rec.values))
            row: list[Any] = [rec.instance_id]
            for cid in ids[1:-len(PROVENANCE)]:
                head, _, part = cid.partition(".")
                v = vals.get(head)
                row.append(_cell(spec, head, (v or {}).get(part) if part else v))
            row += [rec.status, rec.version, rec.file, rec.sha256, rec.read_at, rec.modified]
            main.rows.append(row)
            for fid, sub in subs.items():
                for n, r in enumerate(vals.get(fid) or [], start=1):
                    tf = spec.field(fid)
                    assert isinstance(tf, TableField)
                    sub.rows.append([rec.instance_id, n, *[
                        _column_cell(spec, tf, c.id, r.get(c.id)) for c in tf.columns]])
        tables.append(main)
        tables.extend(subs.values())
    return tables, specs


def _column_cell(spec: FormSpec, table: TableField, cid: str, v: Any) -> Any:
    col = next(c for c in table.columns if c.id == cid)
    if v is None or col.type in ("text", "long_text", "integer", "decimal", "date", "rating"):
        return v
    return {c.code: c.label for c in spec.options(col)}.get(v, v)


def _hider(store: Store, spec: FormSpec,
           include_names: bool) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Replace names in a special-category form by stable pseudonyms."""
    paths = spec.classification.identifying_fields
    if include_names or not spec.classification.special_category or not paths:
        return lambda v: v

    def pseudo(x: Any) -> Any:
        return store.pseudonym(x) if isinstance(x, str) and x.strip() else x

    def hide(vals: dict[str, Any]) -> dict[str, Any]:
        out = dict(vals)
        for p in paths:
            head, _, col = p.partition(".")
            v = out.get(head)
            if col and isinstance(v, list):
                out[head] = [{**r, col: pseudo(r.get(col))} for r in v]
            elif isinstance(v, dict):
                out[head] = {**v, "name": pseudo(v.get("name"))}
            elif isinstance(v, list):
                out[head] = [{k: pseudo(x) for k, x in r.items()} if isinstance(r, dict) else r
                             for r in v]
            else:
                out[head] = pseudo(v)
        return out

    return hide


def _meta_tables(store: Store) -> list[Table]:
    issues = Table("Issues", ["File", "Form", "Version", "Row", "Field", "Cell or control",
                              "Value", "Message"],
                   ["file", "form_id", "version", "row", "field", "where", "value", "message"])
    for i in store.issues():
        issues.rows.append([i["path"], i["form_id"], i["version"], i["row"], i["field"],
                            i["place"], i["value"], i["message"]])
    files = Table("Files", ["File", "Outcome", "Why", "Form", "Version", "Instance id", "Reader",
                            "Size", "sha256", "Read at", "Modified"],
                  ["file", "outcome", "message", "form_id", "version", "instance_id", "reader",
                   "size", "sha256", "read_at", "modified"])
    for f in store.files():
        files.rows.append([f["path"], f["outcome"], f["message"], f["form_id"], f["version"],
                           f["instance_id"], f["reader"], f["size"], f["sha256"], f["read_at"],
                           f["modified"]])
    sent, _ = store.register_status()
    if not sent:
        return [issues, files]
    cols = list(dict.fromkeys(k for r in sent for k in r))
    register = Table("Register", cols, cols)
    register.rows = [[r.get(c) if c != "returned" else ("yes" if r[c] else "no") for c in cols]
                     for r in sent]
    return [issues, files, register]


def _fields_table(specs: Iterable[FormSpec]) -> Table:
    t = Table("Fields", ["Form", "Column", "Question", "Type", "Answers"],
              ["form_id", "column", "label", "type", "choices"])
    for spec in specs:
        for f in spec.answerable():
            choices = ""
            if f.type in ("select_one", "select_many", "rating", "yes_no", "yes_no_na"):
                opts = spec.options(f)
                choices = "; ".join(f"{c.code} = {c.label}" for c in opts)
            t.rows.append([spec.id, f.id, f.label, f.type, choices])
    return t


def write_workbook(path: Path, summary: Summary, tables: list[Table], specs: dict[str, FormSpec],
                   store: Store) -> None:
    wb = Workbook(write_only=True)
    used: set[str] = set()
    write_summary(wb.create_sheet(sheet_title("Summary", used)), summary)
    for t in [*tables, *_meta_tables(store), _fields_table(specs.values())]:
        _write_sheet(wb.create_sheet(sheet_title(t.name, used)), t, summary.marking)
    wb.save(path)


def _write_sheet(ws: Any, t: Table, marking: str) -> None:
    n = len(t.ids)
    for i, width in enumerate(_widths(t), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "B3"
    ws.auto_filter.ref = f"A2:{get_column_letter(n)}{len(t.rows) + 2}"
    cells.page_setup(ws, marking)
    ws.append([cells.text_cell(ws, x, font=BOLD, fill=HEAD_FILL,
                               align=Alignment(wrap_text=True, vertical="top"))
               for x in t.labels])
    ws.append([cells.text_cell(ws, x, font=BOLD) for x in t.ids])
    for row in t.rows:
        ws.append([cells.value_cell(ws, x) for x in row])


def _widths(t: Table) -> list[float]:
    out = []
    for i in range(len(t.ids)):
        longest = max([len(str(t.ids[i]))] + [len(str(r[i])) for r in t.rows[:200]
                                                if r[i] is not None])
        out.append(float(min(max(longest + 2, 10), 50)))
    return out


def write_csvs(folder: Path, tables: list[Table], store: Store) -> list[Path]:
    """One UTF-8 CSV per table, header = column ids, for R and SPSS."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for t in [*tables, *_meta_tables(store)]:
        p = folder / f"{t.name.replace('.', '__')}.csv"
        with p.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(t.ids)
            for row in t.rows:
                w.writerow([cells.csv_text(x) for x in row])
        written.append(p)
    return written
