"""The collated workbook and CSVs, rebuilt from the store alone.

A sheet per form (a column per answer in spec order, choice labels rather than codes, and
provenance: file, sha256, read at, version), repeat tables on their own sheets keyed to their
parent return, Issues, Files and Fields (a data dictionary) sheets, and a Summary sheet with
live risks first and native Excel charts. Every text a spreadsheet could run as a formula is
stored as plain text (see `cells.py`), and names in special-category forms are replaced by
stable pseudonyms unless the user asks for names.

The tables are filled a record at a time (`TableBuilder`, in the export's one pass over the
store), each field's conversion worked out once per form. openpyxl writes the Summary sheet
and every sheet's settings and headings; the data rows are streamed into the file by
`xlsx_rows`, which is several times faster for the hundreds of thousands of cells of a big
collation.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..answers.records import from_json
from ..formats.ooxml import cells
from ..formats.ooxml import rows as xlsx_rows
from ..spec.catalog import Catalog
from ..spec.kinds import TYPED_VALUES
from ..spec.labels import Labels
from ..spec.model import FormSpec, TableField
from ..spec.numbering import question_numbers
from ..spec.wording import question_name
from ..store.core import Store, StoredRecord
from .figures import Summary
from .summary_sheet import write_heatmaps, write_summary

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
        self.frozen = 1
        """How many columns stay in view when scrolling across."""


def key_fields(spec: FormSpec) -> list[str]:
    """The fields a reader finds a return by (force, crime reference): its sheet's first
    columns, kept in view when scrolling across."""
    c = spec.collation
    return list(c.key_fields) or ([c.force_field] if c.force_field else [])


def _columns(spec: FormSpec) -> tuple[list[str], list[str]]:
    """A form's columns: its key fields, its other answers in form order, then the return's
    identity and provenance (instance id, status, version, file, ...)."""
    keys = key_fields(spec)
    fields = [f for f in spec.answerable() if f.shape != "table"]  # tables: sheets of their own
    fields.sort(key=lambda f: keys.index(f.id) if f.id in keys else len(keys))  # stable
    numbers = question_numbers(spec)
    ids: list[str] = []
    labels: list[str] = []
    for f in fields:
        name = question_name(numbers[f.id], f.label)
        if f.shape == "signoff":
            ids += [f"{f.id}.name", f"{f.id}.date"]
            labels += [f"{name}: name", f"{name}: date"]
        else:
            ids.append(f.id)
            labels.append(name)
    return ([*ids, "instance_id", *PROVENANCE],
            [*labels, "Instance id", *[p.replace("_", " ").capitalize() for p in PROVENANCE]])


def _converter(labels: Labels, fid: str) -> Callable[[Any], Any]:
    """How a value of field `fid` goes into a cell: numbers and dates stay typed, choices
    become labels (as `Labels.display` shows them; text, the common case, directly)."""
    typed = labels.fields[fid].kind in ("integer", "rating")
    choices = labels.choices.get(fid)

    def cell(v: Any) -> Any:
        if v is None:
            return None
        if type(v) is str:
            return v if choices is None else choices.get(v, v)
        if isinstance(v, TYPED_VALUES) or (isinstance(v, int) and typed):
            return v
        return labels.display(fid, v)

    return cell


class _FormTables:
    """One form's sheet and its repeat tables' sheets, filled a record at a time."""

    def __init__(self, labels: Labels, hide: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
        spec = labels.spec
        ids, names = _columns(spec)
        self.hide = hide
        self.main = Table(spec.id, names, ids)
        self.main.frozen = len(key_fields(spec))
        self.cols = []
        for cid in ids[:-len(PROVENANCE) - 1]:
            head, _, part = cid.partition(".")
            self.cols.append((head, part, _converter(labels, head)))
        self.subs: list[tuple[str, Table, list[tuple[str, dict[str, str] | None]]]] = []
        for f in spec.answerable():
            if isinstance(f, TableField):
                sub = Table(f"{spec.id}.{f.id}",
                            ["Instance id", "Row", *[c.label for c in f.columns]],
                            ["instance_id", "row", *[c.id for c in f.columns]])
                self.subs.append((f.id, sub, [
                    (c.id, {o.code: o.label for o in spec.options(c)}
                     if c.kind == "choice" else None) for c in f.columns]))

    def add(self, rec: StoredRecord, values: dict[str, Any]) -> None:
        vals = self.hide(values)
        row: list[Any] = []
        for head, part, cell in self.cols:
            v = vals.get(head)
            row.append(cell((v or {}).get(part) if part else v))
        row += [rec.instance_id, rec.status, rec.version, rec.file, rec.sha256, rec.read_at,
                rec.modified]
        self.main.rows.append(row)
        for fid, sub, columns in self.subs:
            for n, r in enumerate(vals.get(fid) or [], start=1):
                sub.rows.append([rec.instance_id, n, *[
                    _choice(r.get(cid), labels) for cid, labels in columns]])


def _choice(v: Any, labels: dict[str, str] | None) -> Any:
    return v if v is None or labels is None else labels.get(v, v)


class TableBuilder:
    """Every form and repeat table as rows, a record at a time, newest spec's columns."""

    def __init__(self, store: Store, catalog: Catalog, include_names: bool,
                 include_special: bool = False) -> None:
        self.store = store
        self.catalog = catalog
        self.include_names = include_names
        self.include_special = include_special
        self.forms: dict[str, _FormTables] = {}
        self.names: dict[str, str] = {}  # pseudonyms already worked out

    def add(self, rec: StoredRecord, values: dict[str, Any]) -> None:
        """A current or conflicting record, its values decoded by the version it names."""
        form = self.forms.get(rec.form_id)
        if form is None:
            spec = self.catalog.get(rec.form_id)
            form = self.forms[rec.form_id] = _FormTables(Labels(spec), _hider(
                self._pseudonym, spec, self.include_names, self.include_special))
        form.add(rec, values)

    def _pseudonym(self, name: str) -> str:
        if name not in self.names:
            self.names[name] = self.store.pseudonym(name)
        return self.names[name]

    def finish(self) -> tuple[list[Table], dict[str, FormSpec]]:
        tables: list[Table] = []
        for form_id in sorted(self.forms):
            form = self.forms[form_id]
            tables.append(form.main)
            tables.extend(sub for _, sub, _ in form.subs)
        return tables, {fid: self.catalog.get(fid) for fid in sorted(self.forms)}


def build_tables(
    store: Store, catalog: Catalog, include_names: bool, include_special: bool = False
) -> tuple[list[Table], dict[str, FormSpec]]:
    """Every form and repeat table as rows, newest spec version's columns first."""
    builder = TableBuilder(store, catalog, include_names, include_special)
    specs: dict[tuple[str, str], FormSpec] = {}
    for rec in store.records(("current", "conflict")):
        key = (rec.form_id, rec.version)
        if key not in specs:
            specs[key] = catalog.resolve(rec.form_id, rec.version, rec.file)
        builder.add(rec, from_json(specs[key], rec.values))
    return builder.finish()


WITHHELD = "(given, withheld)"
"""What a cell of special-category free text shows unless that text is asked for."""


def _hider(pseudonym: Callable[[str], str], spec: FormSpec, include_names: bool,
           include_special: bool) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Replace the names a spec marks (`classification.names`) by stable pseudonyms and
    withhold its special-category free text (`classification.special_category_text`),
    each unless asked for. Why from the spec: which answers name a person or hold health
    notes is a fact about the form, so a force's own spec gets the same protection."""
    cls = spec.classification
    marked = [(p, pseudonym_of(pseudonym)) for p in (() if include_names else cls.names)]
    marked += [(p, _withhold) for p in (() if include_special else cls.special_category_text)]
    if not marked:
        return lambda v: v

    def hide(vals: dict[str, Any]) -> dict[str, Any]:
        out = dict(vals)
        for p, change in marked:
            head, _, col = p.partition(".")
            v = out.get(head)
            if col and isinstance(v, list):
                out[head] = [{**r, col: change(r.get(col))} if isinstance(r, dict) else r
                             for r in v]
            elif isinstance(v, dict):  # a sign-off: its name, not its date
                out[head] = {**v, "name": change(v.get("name"))}
            elif not col:
                out[head] = change(v)
        return out

    return hide


def pseudonym_of(pseudonym: Callable[[str], str]) -> Callable[[Any], Any]:
    """A value's pseudonym when it is a non-blank text; anything else unchanged."""
    return lambda x: pseudonym(x) if isinstance(x, str) and x.strip() else x


def _withhold(x: Any) -> Any:
    return WITHHELD if isinstance(x, str) and x.strip() else None


FILE_COLUMNS = [
    ("path", "File"), ("outcome", "Outcome"), ("message", "Why"), ("form_id", "Form"),
    ("version", "Version"), ("instance_id", "Instance id"), ("reader", "Reader"),
    ("size", "Size"), ("sha256", "sha256"), ("read_at", "Read at"), ("modified", "Modified"),
]
"""The Files sheet's and CSV's columns: (column of the store's files table, heading). The
CSV's header is the column name, except that "path" is written as "file"."""


def meta_tables(files: Sequence[Any], issues: Sequence[Any],
                sent: list[dict[str, Any]]) -> list[Table]:
    """The Issues, Files and (after a mail merge) Register tables."""
    table = Table("Issues", ["File", "Form", "Version", "Row", "Field", "Cell or control",
                             "Value", "Message"],
                  ["file", "form_id", "version", "row", "field", "where", "value", "message"])
    table.rows = [[i["path"], i["form_id"], i["version"], i["row"], i["field"], i["place"],
                   i["value"], i["message"]] for i in issues]
    listing = Table("Files", [label for _, label in FILE_COLUMNS],
                    ["file" if key == "path" else key for key, _ in FILE_COLUMNS])
    listing.rows = [[f[key] for key, _ in FILE_COLUMNS] for f in files]
    _mail_columns(listing, files)
    if not sent:
        return [table, listing]
    cols = list(dict.fromkeys(k for r in sent for k in r))
    register = Table("Register", cols, cols)
    register.rows = [[r.get(c) if c != "returned" else ("yes" if r[c] else "no") for c in cols]
                     for r in sent]
    return [table, listing, register]


def _mail_columns(listing: Table, files: Sequence[Any]) -> None:
    """Where returns came by mail: who sent each, when, the subject, Message-ID, forwarding
    chain and attachment name (columns added only then, so other collations look the same)."""
    keys = ["mail_from", "mail_sent", "mail_subject", "mail_message_id", "mail_forwarded",
            "mail_attachment"]
    try:
        if all(f["mail_from"] is None for f in files):
            return
    except (KeyError, IndexError):  # rows made without the mail columns
        return
    listing.labels += ["From", "Sent", "Subject", "Message-ID", "Forwarded via", "Attachment"]
    listing.ids += keys
    listing.rows = [[*row, *(f[k] for k in keys)] for row, f in zip(listing.rows, files,
                                                                   strict=True)]


def _meta_tables(store: Store) -> list[Table]:
    return meta_tables(store.files(), store.issues(), store.register_status()[0])


def _fields_table(specs: Iterable[FormSpec]) -> Table:
    t = Table("Fields", ["Form", "Column", "Q", "Question", "Type", "Answers"],
              ["form_id", "column", "number", "label", "type", "choices"])
    for spec in specs:
        numbers = question_numbers(spec)
        for f in spec.answerable():
            choices = ""
            if f.type in ("select_one", "select_many", "rating", "yes_no", "yes_no_na"):
                opts = spec.options(f)
                choices = "; ".join(f"{c.code} = {c.label}" for c in opts)
            t.rows.append([spec.id, f.id, numbers[f.id], f.label, f.type, choices])
    return t


def write_workbook(path: Path, summary: Summary, tables: list[Table], specs: dict[str, FormSpec],
                   store: Store, *, meta: list[Table] | None = None) -> None:
    """The collated workbook: Summary first, a sheet per table, then Issues, Files, (Register)
    and Fields. `meta` are the Issues/Files/Register tables if already made from `store`."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    write_summary(wb.create_sheet(sheet_title("Summary", used)), summary)
    write_heatmaps(wb.create_sheet(sheet_title("Heatmaps", used)), summary)
    rows: dict[str, tuple[list[list[Any]], int]] = {}
    styles: xlsx_rows.Styles | None = None
    for t in [*tables, *(_meta_tables(store) if meta is None else meta),
              _fields_table(specs.values())]:
        ws = wb.create_sheet(sheet_title(t.name, used))
        styles = styles or xlsx_rows.Styles.register(ws)
        _write_head(ws, t, summary.marking)
        rows[ws.title] = (t.rows, 3)
    assert styles is not None  # the Fields sheet is always there
    xlsx_rows.save(wb, path, rows, styles)


def _write_head(ws: Any, t: Table, marking: str) -> None:
    """A table's sheet settings and its two heading rows (labels, then column ids)."""
    n = len(t.ids)
    for i, width in enumerate(_widths(t), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"{get_column_letter(t.frozen + 1)}3"
    ws.auto_filter.ref = f"A2:{get_column_letter(n)}{len(t.rows) + 2}"
    cells.page_setup(ws, marking)
    ws.append([cells.text_cell(ws, x, font=BOLD, fill=HEAD_FILL,
                               align=Alignment(wrap_text=True, vertical="top"))
               for x in t.labels])
    ws.append([cells.text_cell(ws, x, font=BOLD) for x in t.ids])


def _widths(t: Table) -> list[float]:
    out = []
    for i in range(len(t.ids)):
        longest = max([len(str(t.ids[i]))] + [len(str(r[i])) for r in t.rows[:200]
                                                if r[i] is not None])
        out.append(float(min(max(longest + 2, 10), 50)))
    return out


def write_csvs(folder: Path, tables: list[Table], store: Store, *,
               meta: list[Table] | None = None) -> list[Path]:
    """One UTF-8 CSV per table, header = column ids, for R and SPSS."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for t in [*tables, *(_meta_tables(store) if meta is None else meta)]:
        p = folder / f"{t.name.replace('.', '__')}.csv"
        with p.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(t.ids)
            w.writerows(cells.csv_row(row) for row in t.rows)
        written.append(p)
    return written
