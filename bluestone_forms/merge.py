"""Mail merge: one prefilled form per CSV row, in each chosen format, and a returns register.

CSV columns are matched to field ids (a sign-off's parts as `id.name` / `id.date`). Columns
whose names start with `recipient` or `_` are about the recipient (name, email, unit): they go
into the register, not into the form. Every value is read through the one codec and checked
against its field; an unknown column, a bad value or an empty required column is an error
naming the row and column, and nothing is generated until the whole CSV is clean.

Each form is made by filling one rendered template per format (a PDF render takes ~0.8 s, a
fill ~10 ms), with its own instance id. The register (CSV, and rows in a store when one is
given) lists what was sent, so collation can say what is outstanding.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import formats
from .answers import values
from .answers.records import Record, empty_values, nest, new_instance_id
from .answers.validate import validate
from .errors import BluestoneError
from .spec.compiled import compile_spec
from .spec.model import FormSpec

MAX_ROWS = 20_000
REGISTER = "register.csv"
REGISTER_COLUMNS = ["instance_id", "form_id", "version", "format", "file", "csv_row"]


class MergeError(BluestoneError):
    """The CSV is not clean; every problem is listed."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class MergeRow:
    number: int
    values: dict[str, Any]
    recipient: dict[str, str]
    prefilled: dict[str, str]


def is_recipient(column: str) -> bool:
    return column.startswith(("recipient", "_"))


def read_prefill(spec: FormSpec, csv_path: Path) -> list[MergeRow]:
    """Every row of the CSV as prefilled values; raise MergeError listing every problem."""
    name = str(csv_path)
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MergeError([f"{name}: cannot read as UTF-8 text ({exc})"]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = reader.fieldnames or []
    form = compile_spec(spec)
    by_key = form.slot_map
    simple = {f.id for f in spec.answerable() if f.shape in ("one", "signoff")}
    allowed = {k for k in by_key if k in simple or k.split(".")[0] in simple}
    problems: list[str] = []
    for col in columns:
        if not is_recipient(col) and col not in allowed:
            hint = ""
            import difflib

            close = difflib.get_close_matches(col, sorted(allowed), n=1)
            if close:
                hint = f"; did you mean '{close[0]}'?"
            problems.append(f"{name}: column '{col}' is not a question of {spec.id}{hint} "
                            "(recipient columns start with 'recipient' or '_')")
    if len(set(columns)) != len(columns):
        problems.append(f"{name}: a column name appears twice")
    rows: list[MergeRow] = []
    for number, raw in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            problems.append(f"{name}: more than {MAX_ROWS} rows")
            break
        if None in raw:
            problems.append(f"{name}:{number}: more values than columns")
            continue
        decoded: dict[str, Any] = {}
        for col, cell in raw.items():
            if is_recipient(col) or col not in allowed:
                continue
            s = by_key[col]
            if s.spec_field.required and not (cell or "").strip():
                problems.append(f"{name}:{number}: column '{col}': a value is required "
                                f"({s.label})")
                continue
            try:
                decoded[col] = form.decode(col, cell)
            except values.CodecError as exc:
                problems.append(f"{name}:{number}: column '{col}': {cell!r} is not valid; "
                                f"{exc}")
        vals = nest(form, decoded)
        given = {k.split(".")[0] for k in decoded}
        record = Record(spec.id, spec.version, "merge", vals)
        for issue in validate(record, form):
            head = issue.field.split(".")[0]
            if head in given and "required" not in issue.message:
                problems.append(f"{name}:{number}: column '{issue.field}': {issue.message}")
        prefilled = {k: raw[k] or "" for k in raw if not is_recipient(k)}
        recipient = {k: raw[k] or "" for k in raw if is_recipient(k)}
        only = {k: v for k, v in vals.items() if k in given}
        rows.append(MergeRow(number, {**empty_values(spec), **only}, recipient, prefilled))
    if not rows and not problems:
        problems.append(f"{name}: the CSV has no rows")
    if problems:
        raise MergeError(problems)
    return rows


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:40]


def merge(spec: FormSpec, csv_path: Path, fmts: list[str], out: Path,
          word_protection: str = "enforce") -> list[dict[str, str]]:
    """Make one form per CSV row in each format; write and return the register rows
    (`word_protection`: the Word form's editing restriction, as `docx.write`'s `protect`)."""
    rows = read_prefill(spec, csv_path)
    out.mkdir(parents=True, exist_ok=True)
    templates = out / ".templates"
    templates.mkdir(exist_ok=True)
    register: list[dict[str, str]] = []
    for fmt in fmts:
        if fmt == "paper":
            raise BluestoneError("paper forms are printed blank; mail merge makes fillable forms")
        mod = formats.module(fmt)
        opts = {"protect": word_protection} if fmt == "docx" else {}
        template = mod.write(spec, templates / f"{spec.id}{formats.EXTENSIONS[fmt]}", **opts)
        for row in rows:
            iid = new_instance_id()
            ref = _slug(str(row.prefilled.get("crime_ref") or ""))
            stem = f"{spec.id}-{row.number - 1:04d}" + (f"-{ref}" if ref else "")
            target = out / f"{stem}{formats.EXTENSIONS[fmt]}"
            mod.fill(template, row.values, target, instance_id=iid, spec=spec)
            register.append({
                "instance_id": iid, "form_id": spec.id, "version": spec.version,
                "format": fmt, "file": target.name, "csv_row": str(row.number),
                "sent_on": dt.date.today().isoformat(),  # for the chase list (mail/chase.py)
                **row.recipient, **row.prefilled,
            })
    write_register(out / REGISTER, register)
    return register


def write_register(path: Path, rows: list[dict[str, str]]) -> None:
    columns = list(REGISTER_COLUMNS)
    for r in rows:
        columns += [k for k in r if k not in columns]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)


def read_register(path: Path) -> list[dict[str, str]]:
    """A register CSV written by `merge`."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BluestoneError(f"{path}: cannot read the register ({exc})") from None
    if rows and not set(REGISTER_COLUMNS) <= set(rows[0]):
        raise BluestoneError(f"{path}: not a register; expected columns "
                             f"{', '.join(REGISTER_COLUMNS)}")
    return rows
