"""The figures of a collation, computed once from the store for both the workbook and the PDF.

Live risks (and any other alert a spec declares) come first and are taken from current *and*
conflicting returns: an alert must never vanish because two copies of a return disagree.
Counts never carry names.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from . import expr
from .catalog import Catalog
from .records import from_json
from .spec import FormSpec, RatingField, SelectManyField, YesNoNAField
from .store import Store, StoredRecord

MARKING_ORDER = ("OFFICIAL", "OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE PERSONAL")
NOT_GIVEN = "(not given)"


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""


@dataclass
class AlertRow:
    form: str
    title: str
    force: str
    details: list[tuple[str, str]]
    file: str
    instance_id: str
    status: str


@dataclass
class Heatmap:
    form: str
    title: str
    forces: list[str]
    columns: list[str]
    cells: list[list[float | None]]
    low: int
    high: int


@dataclass
class Summary:
    marking: str
    generated_at: str
    totals: dict[str, int]
    alerts: list[AlertRow] = field(default_factory=list)
    heatmaps: list[Heatmap] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    ratings: list[Table] = field(default_factory=list)


def force_of(spec: FormSpec, values: dict[str, Any]) -> str:
    fid = spec.collation.force_field
    if not fid:
        return NOT_GIVEN
    code = values.get(fid)
    if code is None:
        return NOT_GIVEN
    for c in spec.options(spec.field(fid)):  # type: ignore[arg-type]
        if c.code == code:
            return c.label
    return str(code)


def display(spec: FormSpec, fid: str, value: Any) -> str:
    """An answer as a person reads it (labels, dd/mm/yyyy, one line per list item)."""
    if value is None or value == []:
        return ""
    f = spec.field(fid)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, list) and isinstance(f, SelectManyField):
        labels = {c.code: c.label for c in spec.options(f)}
        return "; ".join(labels.get(v, str(v)) for v in value)
    if isinstance(value, dict):
        return " ".join(display_scalar(v) for v in value.values() if v is not None)
    try:
        options = {c.code: c.label for c in spec.options(f)}  # type: ignore[arg-type]
    except TypeError:
        return display_scalar(value)
    return options.get(str(value), str(value))


def display_scalar(v: Any) -> str:
    return v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else str(v)


def marking_of(specs: list[FormSpec]) -> str:
    worst = 0
    for s in specs:
        level = MARKING_ORDER.index(s.protective_marking)
        if s.classification.special_category:
            level = max(level, 1)
        worst = max(worst, level)
    return MARKING_ORDER[worst]


def summarise(store: Store, catalog: Catalog) -> Summary:
    """Every figure of the report, from the store alone."""
    current: dict[str, list[tuple[FormSpec, StoredRecord, dict[str, Any]]]] = defaultdict(list)
    alerts: list[AlertRow] = []
    for rec in store.records(("current", "conflict")):
        spec = catalog.resolve(rec.form_id, rec.version, rec.file)
        vals = from_json(spec, rec.values)
        if rec.status == "current":
            current[rec.form_id].append((spec, rec, vals))
        alerts.extend(_alerts(spec, rec, vals))
    specs = [catalog.get(fid) for fid in sorted(current)]
    files = store.files()
    outcomes = Counter(f["outcome"] for f in files)
    totals = {"files": len(files), "records": sum(len(v) for v in current.values()),
              **{k: outcomes[k] for k in ("read", "read_with_issues", "duplicate", "superseded",
                                          "conflict", "rejected")},
              "issues": len(store.issues())}
    out = Summary(
        marking=marking_of(specs) if specs else "OFFICIAL-SENSITIVE",
        generated_at=dt.datetime.now(dt.UTC).strftime("%d/%m/%Y %H:%M UTC"),
        totals=totals,
        alerts=sorted(alerts, key=lambda a: (a.form, a.force, a.file)),
    )
    groups = sorted(current.items(), key=lambda kv: -_rating_count(kv[1][0][0]))
    for _, rows in groups:
        spec = rows[0][0]
        hm = _heatmap(spec, rows)
        if hm:
            out.heatmaps.append(hm)
        out.ratings.extend(_ratings(spec, rows))
    out.tables.extend(_register(store))
    out.tables.append(_by_form_and_force(current))
    out.tables.extend(_checklists(current))
    out.tables.extend(_counts(current))
    out.tables.append(_issues_by_field(store))
    return out


def _rating_count(spec: FormSpec) -> int:
    return sum(isinstance(f, RatingField) for f in spec.answerable())


def _alerts(spec: FormSpec, rec: StoredRecord, vals: dict[str, Any]) -> list[AlertRow]:
    out = []
    for alert in spec.collation.alerts:
        if expr.evaluate(expr.parse(alert.when), vals):
            details = [(spec.field(fid).label, display(spec, fid, vals.get(fid)))
                       for fid in alert.show]
            out.append(AlertRow(spec.title, alert.title, force_of(spec, vals), details, rec.file,
                                rec.instance_id, rec.status))
    return out


def _heatmap(spec: FormSpec, rows: list[tuple[FormSpec, StoredRecord, dict[str, Any]]]
             ) -> Heatmap | None:
    ratings = [f for f in spec.answerable() if isinstance(f, RatingField)]
    if len(ratings) < 3 or not spec.collation.force_field:
        return None
    by_force: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for _, _, vals in rows:
        by_force[force_of(spec, vals)].append(vals)
    forces = sorted(by_force)
    cells: list[list[float | None]] = []
    for force in forces:
        line: list[float | None] = []
        for f in ratings:
            got = [v[f.id] for v in by_force[force] if isinstance(v.get(f.id), int)]
            line.append(round(sum(got) / len(got), 2) if got else None)
        cells.append(line)
    points = [p.value for p in spec.scales[ratings[0].scale].points]
    return Heatmap(spec.title, f"{spec.title}: mean rating by force", forces,
                   [f.label for f in ratings], cells, min(points), max(points))


def _ratings(spec: FormSpec, rows: list[tuple[FormSpec, StoredRecord, dict[str, Any]]]
             ) -> list[Table]:
    ratings = [f for f in spec.answerable() if isinstance(f, RatingField)]
    if not ratings or len(ratings) > 12:
        return []
    table = Table(f"{spec.title}: ratings", ["Question", "Mean", "Answers"], [])
    for f in ratings:
        got = [vals[f.id] for _, _, vals in rows if isinstance(vals.get(f.id), int)]
        table.rows.append([f.label, round(sum(got) / len(got), 2) if got else None, len(got)])
    scale = spec.scales[ratings[0].scale]
    table.note = "Scale: " + "; ".join(f"{p.value} {p.label}" for p in scale.points)
    return [table]


def _by_form_and_force(current: dict[str, list[Any]]) -> Table:
    counts: Counter[tuple[str, str, str]] = Counter()
    for rows in current.values():
        for spec, rec, vals in rows:
            counts[(spec.id, rec.version, force_of(spec, vals))] += 1
    table = Table("Returns by form, version and force", ["Form", "Version", "Force", "Returns"],
                  [[f, v, force, n] for (f, v, force), n in sorted(counts.items())])
    return table


def _checklists(current: dict[str, list[Any]]) -> list[Table]:
    out = []
    for fid in sorted(current):
        rows = current[fid]
        spec = rows[0][0]
        points = [f for f in spec.answerable() if isinstance(f, YesNoNAField)]
        if not points:
            continue
        table = Table(f"{spec.title}: checklist coverage",
                      ["Point", "Yes", "No", "Not applicable", "Not answered"], [])
        for f in points:
            c = Counter(vals.get(f.id) for _, _, vals in rows)
            table.rows.append([f.label, c["yes"], c["no"], c["na"], c[None]])
        out.append(table)
    return out


def _counts(current: dict[str, list[Any]]) -> list[Table]:
    out = []
    for fid in sorted(current):
        rows = current[fid]
        spec = rows[0][0]
        if not spec.collation.counts:
            continue
        table = Table(f"{spec.title}: answers counted", ["Question", "Answer", "Returns"], [])
        for qid in spec.collation.counts:
            f = spec.field(qid)
            c: Counter[str] = Counter()
            for _, _, vals in rows:
                v = vals.get(qid)
                items = v if isinstance(v, list) else [v]
                for item in items or [None]:
                    c[display(spec, qid, item) if item is not None else "(not answered)"] += 1
            table.rows.extend([f.label, answer, n] for answer, n in sorted(c.items()))
        table.note = "Counts only; no names are reported."
        out.append(table)
    return out


def _register(store: Store) -> list[Table]:
    """What a mail merge sent and has not come back, and what came back never sent."""
    sent, unexpected = store.register_status()
    if not sent:
        return []
    who = [k for k in sent[0] if k.startswith(("recipient", "_"))]
    out = Table(f"Returns still outstanding ({sum(not r['returned'] for r in sent)} of "
                f"{len(sent)} sent)", ["Form", "File sent", *who, "Instance id"],
                [[r["form_id"], r["file"], *[r.get(k, "") for k in who], r["instance_id"]]
                 for r in sent if not r["returned"]])
    out.note = "From the returns register written by the mail merge."
    never = Table(f"Returns that were never sent ({len(unexpected)})",
                  ["Form", "File", "Instance id"],
                  [[r.form_id, r.file, r.instance_id] for r in unexpected])
    return [out, never]


def _issues_by_field(store: Store) -> Table:
    c: Counter[tuple[str, str]] = Counter()
    for i in store.issues():
        c[(i["form_id"] or "(unknown form)", i["field"])] += 1
    return Table("Validation issues by field", ["Form", "Field", "Issues"],
                 [[f, fld, n] for (f, fld), n in c.most_common(30)])
