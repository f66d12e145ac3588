"""The figures of a collation, computed once from the store for both the workbook and the PDF.

Live risks (and any other alert a spec declares) come first and are taken from current *and*
conflicting returns: an alert must never vanish because two copies of a return disagree.
Counts never carry names.

The figures are gathered in one pass over the records (`Summariser.add` per record), the same
pass that builds the workbook's tables (see `export.py`), so a record's JSON is decoded once
and nothing holds every record's values at the same time.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from . import expr
from .catalog import Catalog
from .records import from_json
from .spec import Answerable, FormSpec, RatingField, SelectManyField, YesNoNAField
from .store import Store, StoredRecord

MARKING_ORDER = ("OFFICIAL", "OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE PERSONAL")
NOT_GIVEN = "(not given)"


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    chart: str = "bars"
    """How the figures are drawn: "bars" (the last column, labelled by the others),
    "stacked" (every column after the first, as shares of one bar), or "pivot" (in the PDF a
    matrix: the third column down, the first two across, the last as counts)."""
    high: float | None = None
    """The top of the bars' scale (e.g. a rating scale's highest point); else the largest."""


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
    caption: str = ""
    decimals: int = 1


@dataclass
class Summary:
    marking: str
    generated_at: str
    totals: dict[str, int]
    alerts: list[AlertRow] = field(default_factory=list)
    heatmaps: list[Heatmap] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    ratings: list[Table] = field(default_factory=list)


class Labels:
    """A form's questions and choice labels by id, looked up once.

    Why: `FormSpec.field` scans the whole spec on every call; over every answer of 10,000
    returns that scan cost more than the rest of the export together.
    """

    def __init__(self, spec: FormSpec) -> None:
        self.spec = spec
        self.fields: dict[str, Answerable] = {}
        self.choices: dict[str, dict[str, str]] = {}
        for f in spec.answerable():
            if f.id in self.fields:
                continue
            self.fields[f.id] = f
            with suppress(TypeError):  # a question without choices
                self.choices[f.id] = {c.code: c.label for c in spec.options(f)}  # type: ignore[arg-type]

    def display(self, fid: str, value: Any) -> str:
        """An answer as a person reads it (labels, dd/mm/yyyy, one line per list item)."""
        if value is None or value == []:
            return ""
        f = self.fields[fid]
        if isinstance(value, dt.date):
            return value.strftime("%d/%m/%Y")
        if isinstance(value, list) and isinstance(f, SelectManyField):
            labels = self.choices[fid]
            return "; ".join(labels.get(v, str(v)) for v in value)
        if isinstance(value, dict):
            return " ".join(display_scalar(v) for v in value.values() if v is not None)
        options = self.choices.get(fid)
        if options is None:
            return display_scalar(value)
        return options.get(str(value), str(value))

    def force(self, values: dict[str, Any]) -> str:
        """The force a return names, by its label."""
        fid = self.spec.collation.force_field
        code = values.get(fid) if fid else None
        if code is None:
            return NOT_GIVEN
        return self.choices.get(fid or "", {}).get(code, str(code))


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
    s = Summariser(catalog)
    for rec in store.records(("current", "conflict")):
        spec = s.spec_of(rec)
        s.add(spec, rec, from_json(spec, rec.values))
    sent, unexpected = store.register_status()
    return s.finish(store.files(), store.issues(), sent, unexpected)


class _Form:
    """The running figures of one form's current returns, by its newest spec's questions."""

    def __init__(self, labels: Labels) -> None:
        spec = labels.spec
        self.labels = labels
        self.n = 0
        self.ratings = [f for f in spec.answerable() if isinstance(f, RatingField)]
        self.points = [f for f in spec.answerable() if isinstance(f, YesNoNAField)]
        self.heat = len(self.ratings) >= 3 and bool(spec.collation.force_field)
        self.mean = [[0, 0] for _ in self.ratings]  # sum and count of each rating
        self.by_force: dict[str, list[list[int]]] = {}
        self.checks = [Counter[Any]() for _ in self.points]
        self.done: dict[str, list[int]] = {}  # force -> checklist points answered yes, no
        self.counts = {q: Counter[str]() for q in spec.collation.counts}

    def add(self, vals: dict[str, Any]) -> None:
        self.n += 1
        force = self.labels.force(vals)
        cells = self.by_force.setdefault(force, [[0, 0] for _ in self.ratings]) \
            if self.heat else None
        for i, f in enumerate(self.ratings):
            v = vals.get(f.id)
            if isinstance(v, int):
                self.mean[i][0] += v
                self.mean[i][1] += 1
                if cells is not None:
                    cells[i][0] += v
                    cells[i][1] += 1
        if self.points:
            done = self.done.setdefault(force, [0, 0]) \
                if self.labels.spec.collation.force_field else [0, 0]
            for i, point in enumerate(self.points):
                v = vals.get(point.id)
                self.checks[i][v] += 1
                done[0] += v == "yes"
                done[1] += v == "no"
        for qid, c in self.counts.items():
            v = vals.get(qid)
            for item in (v if isinstance(v, list) else [v]) or [None]:
                c[self.labels.display(qid, item) if item is not None else "(not answered)"] += 1


def _mean(total: int, n: int) -> float | None:
    return round(total / n, 2) if n else None


class Summariser:
    """Gathers the figures record by record; `finish` turns them into a Summary."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.forms: dict[str, _Form] = {}
        self.alerts: list[AlertRow] = []
        self.returns: Counter[tuple[str, str, str]] = Counter()
        self._labels: dict[tuple[str, str], Labels] = {}
        self._specs: dict[tuple[str, str], FormSpec] = {}
        self._rules: dict[tuple[str, str], list[tuple[Any, expr.Expr]]] = {}

    def spec_of(self, rec: StoredRecord) -> FormSpec:
        """The spec version a stored return names (resolved once per version)."""
        key = (rec.form_id, rec.version)
        if key not in self._specs:
            self._specs[key] = self.catalog.resolve(rec.form_id, rec.version, rec.file)
        return self._specs[key]

    def labels(self, spec: FormSpec) -> Labels:
        key = (spec.id, spec.version)
        if key not in self._labels:
            self._labels[key] = Labels(spec)
        return self._labels[key]

    def add(self, spec: FormSpec, rec: StoredRecord, vals: dict[str, Any]) -> None:
        """One current or conflicting record, its values decoded with `spec`."""
        labels = self.labels(spec)
        if rec.status == "current":
            form = self.forms.get(rec.form_id)
            if form is None:
                form = self.forms[rec.form_id] = _Form(self.labels(self.catalog.get(rec.form_id)))
            form.add(vals)
            self.returns[(spec.id, rec.version, labels.force(vals))] += 1
        key = (spec.id, spec.version)
        if key not in self._rules:
            self._rules[key] = [(a, expr.parse(a.when)) for a in spec.collation.alerts]
        for alert, rule in self._rules[key]:
            if expr.evaluate(rule, vals):
                details = [(labels.fields[fid].label, labels.display(fid, vals.get(fid)))
                           for fid in alert.show]
                self.alerts.append(AlertRow(spec.title, alert.title, labels.force(vals), details,
                                            rec.file, rec.instance_id, rec.status))

    def finish(self, files: Sequence[Any], issues: Sequence[Any],
               sent: list[dict[str, Any]], unexpected: list[StoredRecord]) -> Summary:
        outcomes = Counter(f["outcome"] for f in files)
        forms = [self.forms[fid] for fid in sorted(self.forms)]
        totals = {"files": len(files), "records": sum(f.n for f in forms),
                  **{k: outcomes[k] for k in ("read", "read_with_issues", "duplicate",
                                              "superseded", "conflict", "rejected",
                                              "awaiting_review")},
                  "issues": len(issues)}
        out = Summary(
            marking=marking_of([f.labels.spec for f in forms]) if forms else "OFFICIAL-SENSITIVE",
            generated_at=dt.datetime.now(dt.UTC).strftime("%d/%m/%Y %H:%M UTC"),
            totals=totals,
            alerts=sorted(self.alerts, key=lambda a: (a.form, a.force, a.file)),
        )
        for form in sorted(forms, key=lambda f: -len(f.ratings)):
            if form.heat and form.by_force:
                out.heatmaps.append(_heatmap(form))
            if 0 < len(form.ratings) <= 12:
                out.ratings.append(_ratings(form))
        coverage = _coverage(forms)
        if coverage:
            out.heatmaps.append(coverage)
        out.tables.extend(_register(sent, unexpected))
        out.tables.append(Table("Returns by form, version and force",
                                ["Form", "Version", "Force", "Returns"],
                                [[f, v, force, n] for (f, v, force), n
                                 in sorted(self.returns.items())], chart="pivot"))
        out.tables.extend(_checklist(f) for f in forms if f.points)
        out.tables.extend(_counts(f) for f in forms if f.counts)
        out.tables.append(_issues_by_field(issues))
        return out


def _heatmap(form: _Form) -> Heatmap:
    spec = form.labels.spec
    forces = sorted(form.by_force)
    points = [p.value for p in spec.scales[form.ratings[0].scale].points]
    return Heatmap(spec.title, f"{spec.title}: mean rating by force", forces,
                   [f.label for f in form.ratings],
                   [[_mean(*c) for c in form.by_force[force]] for force in forces],
                   min(points), max(points),
                   f"Mean rating by force ({min(points)} lowest, {max(points)} highest); "
                   "grey: no answer.")


def _ratings(form: _Form) -> Table:
    spec = form.labels.spec
    scale = spec.scales[form.ratings[0].scale]
    return Table(f"{spec.title}: ratings", ["Question", "Mean", "Answers"],
                 [[f.label, _mean(*m), m[1]] for f, m in zip(form.ratings, form.mean,
                                                             strict=True)],
                 "Scale: " + "; ".join(f"{p.value} {p.label}" for p in scale.points),
                 high=max(p.value for p in scale.points))


def _coverage(forms: list[_Form]) -> Heatmap | None:
    """Checklist coverage by stage (one column per checklist form) and by force."""
    lists = [f for f in forms if f.done]
    if not lists:
        return None
    forces = sorted({force for f in lists for force in f.done})
    cells: list[list[float | None]] = []
    for force in forces:
        line: list[float | None] = []
        for f in lists:
            yes, no = f.done.get(force, (0, 0))
            line.append(round(100 * yes / (yes + no), 1) if yes + no else None)
        cells.append(line)
    return Heatmap("Checklists", "Checklist coverage by stage and force: points done (%)",
                   forces, [f.labels.spec.title for f in lists], cells, 0, 100,
                   "Share of checklist points answered Yes, of those answered Yes or No "
                   "(not applicable and unanswered points left out); grey: no answer.", 0)


def _checklist(form: _Form) -> Table:
    return Table(f"{form.labels.spec.title}: checklist coverage",
                 ["Point", "Yes", "No", "Not applicable", "Not answered"],
                 [[f.label, c["yes"], c["no"], c["na"], c[None]]
                  for f, c in zip(form.points, form.checks, strict=True)], chart="stacked")


def _counts(form: _Form) -> Table:
    table = Table(f"{form.labels.spec.title}: answers counted", ["Question", "Answer", "Returns"],
                  [], "Counts only; no names are reported.")
    for qid, c in form.counts.items():
        label = form.labels.fields[qid].label
        table.rows.extend([label, answer, n] for answer, n in sorted(c.items()))
    return table


def _register(sent: list[dict[str, Any]], unexpected: list[StoredRecord]) -> list[Table]:
    """What a mail merge sent and has not come back, and what came back never sent."""
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


def _issues_by_field(issues: Sequence[Any]) -> Table:
    c: Counter[tuple[str, str]] = Counter()
    for i in issues:
        c[(i["form_id"] or "(unknown form)", i["field"])] += 1
    return Table("Validation issues by field", ["Form", "Field", "Issues"],
                 [[f, fld, n] for (f, fld), n in c.most_common(30)])
