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
from dataclasses import dataclass, field
from typing import Any

from ..answers.records import from_json
from ..spec import expr
from ..spec.catalog import Catalog
from ..spec.labels import NOT_GIVEN as NOT_GIVEN
from ..spec.labels import Labels as Labels
from ..spec.model import (
    FormSpec,
    RatingField,
    TableField,
    YesNoNAField,
)
from ..spec.wording import show_date
from ..store.core import Store, StoredRecord
from .file_tables import Table as Table
from .file_tables import file_tables, issues_by_field, register_tables

MARKING_ORDER = ("OFFICIAL", "OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE PERSONAL")
NOT_ANSWERED = "(not answered)"
NOT_ASKED = "(not asked)"
"""A question the return's own answers routed past (its relevance rule is false): kept apart
from one that was asked and left blank, in every count."""


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
    n: list[int] = field(default_factory=list)
    """Per force (row), the returns its figures come from."""


@dataclass
class Summary:
    marking: str
    generated_at: str
    totals: dict[str, int]
    alerts: list[AlertRow] = field(default_factory=list)
    follow_ups: list[AlertRow] = field(default_factory=list)
    """Returns a spec says to follow up (e.g. a welfare issue with no referral), by form."""
    files: list[Table] = field(default_factory=list)
    """The files that need attention, named: rejected, conflicting, duplicate, superseded,
    read with issues."""
    heatmaps: list[Heatmap] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    ratings: list[Table] = field(default_factory=list)


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
        self.mean = [[0, 0, 0, 0] for _ in self.ratings]  # sum, answers, not answered, not asked
        self.by_force: dict[str, list[list[int]]] = {}
        self.force_n: Counter[str] = Counter()
        self.checks = [Counter[Any]() for _ in self.points]
        self.done: dict[str, list[int]] = {}  # force -> checklist points answered yes, no
        self.done_n: Counter[str] = Counter()
        self.counts = {q: Counter[str]() for q in spec.collation.counts}
        self.special = {p: Counter[str]() for p in spec.classification.special_category_text}

    def asked(self, fid: str, vals: dict[str, Any]) -> bool:
        """Whether the return's routing asked this question (its relevance rule holds)."""
        rule = self.labels.rules.get(fid)
        return rule is None or expr.evaluate(rule, vals)

    def add(self, vals: dict[str, Any]) -> None:
        self.n += 1
        force = self.labels.force(vals)
        cells = None
        if self.heat:
            cells = self.by_force.setdefault(force, [[0, 0] for _ in self.ratings])
            self.force_n[force] += 1
        for i, f in enumerate(self.ratings):
            v = vals.get(f.id)
            if isinstance(v, int):
                self.mean[i][0] += v
                self.mean[i][1] += 1
                if cells is not None:
                    cells[i][0] += v
                    cells[i][1] += 1
            else:
                self.mean[i][2 if self.asked(f.id, vals) else 3] += 1
        if self.points:
            has_force = bool(self.labels.spec.collation.force_field)
            done = self.done.setdefault(force, [0, 0]) if has_force else [0, 0]
            self.done_n[force] += 1
            for i, point in enumerate(self.points):
                v = vals.get(point.id)
                self.checks[i][v if v is not None or self.asked(point.id, vals)
                               else NOT_ASKED] += 1
                done[0] += v == "yes"
                done[1] += v == "no"
        for qid, c in self.counts.items():
            v = vals.get(qid)
            if v is None or v == []:
                c[NOT_ANSWERED if self.asked(qid, vals) else NOT_ASKED] += 1
                continue
            for item in v if isinstance(v, list) else [v]:
                c[self.labels.display(qid, item)] += 1
        for path, c in self.special.items():
            head, _, col = path.partition(".")
            v = vals.get(head)
            given = (any(isinstance(r, dict) and _text(r.get(col)) for r in v)
                     if col and isinstance(v, list) else _text(v))
            c["given" if given else "not given" if self.asked(head, vals) else "not asked"] += 1


def _text(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip())


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
        self._rules: dict[tuple[str, str], list[tuple[Any, expr.Expr, bool]]] = {}
        self.follow_ups: list[AlertRow] = []

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
            c = spec.collation
            self._rules[key] = [(a, expr.parse(a.when), True) for a in c.alerts] + [
                (f, expr.parse(f.when), False) for f in c.follow_ups]
        for alert, rule, is_alert in self._rules[key]:
            if expr.evaluate(rule, vals):
                details = [(labels.question(fid), labels.display(fid, vals.get(fid)))
                           for fid in alert.show]
                (self.alerts if is_alert else self.follow_ups).append(AlertRow(
                    spec.title, alert.title, labels.force(vals), details, rec.file,
                    rec.instance_id, rec.status))

    def finish(self, files: Sequence[Any], issues: Sequence[Any],
               sent: list[dict[str, Any]], unexpected: list[StoredRecord]) -> Summary:
        outcomes = Counter(f["outcome"] for f in files)
        forms = [self.forms[fid] for fid in sorted(self.forms)]
        totals = {"files": len(files), "records": sum(f.n for f in forms),
                  **{k: outcomes[k] for k in ("read", "read_with_issues", "duplicate",
                                              "superseded", "conflict", "rejected",
                                              "awaiting_review", "message", "no_return")},
                  "issues": len(issues)}
        out = Summary(
            marking=marking_of([f.labels.spec for f in forms]) if forms else "OFFICIAL-SENSITIVE",
            generated_at=_now(),
            totals=totals,
            alerts=sorted(self.alerts, key=lambda a: (a.form, a.force, a.file)),
            follow_ups=sorted(self.follow_ups, key=lambda a: (a.form, a.force, a.file)),
        )
        titles = {spec.id: spec.title for spec in self.catalog}
        titles.update({f.labels.spec.id: f.labels.spec.title for f in forms})
        out.files = file_tables(files, issues, titles)
        for form in sorted(forms, key=lambda f: -len(f.ratings)):
            if form.heat and form.by_force:
                out.heatmaps.append(_heatmap(form))
            if 0 < len(form.ratings) <= 12:
                out.ratings.append(_ratings(form))
        coverage = _coverage(forms)
        if coverage:
            out.heatmaps.append(coverage)
        out.tables.extend(register_tables(sent, unexpected))
        out.tables.append(Table("Returns by form, version and force",
                                ["Form", "Version", "Force", "Returns"],
                                [[titles.get(f, f), v, force, n] for (f, v, force), n
                                 in sorted(self.returns.items())], chart="pivot"))
        out.tables.extend(_checklist(f) for f in forms if f.points)
        out.tables.extend(t for f in forms if f.counts for t in _counts(f))
        out.tables.extend(_special(f) for f in forms if f.special)
        out.tables.append(issues_by_field(issues, titles))
        return out


def _now() -> str:
    now = dt.datetime.now(dt.UTC)
    return f"{show_date(now.date())} {now:%H:%M} UTC"


def _heatmap(form: _Form) -> Heatmap:
    spec = form.labels.spec
    forces = sorted(form.by_force)
    points = [p.value for p in spec.scales[form.ratings[0].scale].points]
    return Heatmap(spec.title, f"{spec.title}: mean rating by force", forces,
                   [form.labels.question(f.id) for f in form.ratings],
                   [[_mean(*c) for c in form.by_force[force]] for force in forces],
                   min(points), max(points),
                   f"Mean rating by force ({min(points)} lowest, {max(points)} highest); "
                   "n: the force's returns; blank: no answer.", n=[form.force_n[f] for f in forces])


def _ratings(form: _Form) -> Table:
    spec = form.labels.spec
    scale = spec.scales[form.ratings[0].scale]
    return Table(f"{spec.title}: ratings",
                 ["Question", "Mean", "Answers", "Not answered", "Not asked"],
                 [[form.labels.question(f.id), _mean(m[0], m[1]), m[1], m[2], m[3]]
                  for f, m in zip(form.ratings, form.mean, strict=True)],
                 "Scale: " + "; ".join(f"{p.value} {p.label}" for p in scale.points),
                 high=max(p.value for p in scale.points), low=min(p.value for p in scale.points))


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
                   "(not applicable, unanswered and not asked points left out); n: the force's "
                   "checklist returns; blank: no answer.", 0,
                   n=[sum(f.done_n[force] for f in lists) for force in forces])


CHECKLIST_HEADERS = ["Point", "Yes", "No", "Not applicable", "Not answered", "Not asked"]


def _checklist(form: _Form) -> Table:
    return Table(f"{form.labels.spec.title}: checklist coverage", CHECKLIST_HEADERS,
                 [[form.labels.question(f.id), c["yes"], c["no"], c["na"], c[None], c[NOT_ASKED]]
                  for f, c in zip(form.points, form.checks, strict=True)], chart="stacked",
                 series=CHECKLIST_HEADERS[1:])


def _counts(form: _Form) -> list[Table]:
    """The counted questions as question-by-answer tables, one per set of answers (the yes/no
    questions together, each choice list apart): so a chart can put the questions as its
    categories and the answers as its series, every bar named by its answer."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for qid in form.counts:
        f = form.labels.fields[qid]
        try:
            answers = tuple(c.label for c in form.labels.spec.options(f))
        except TypeError:  # a question without choices: the answers given
            answers = tuple(sorted(k for k in form.counts[qid] if k not in _UNANSWERED))
        groups.setdefault(answers, []).append(qid)
    out = []
    for answers, qids in groups.items():
        heads = [*answers, *[k for k in sorted({k for q in qids for k in form.counts[q]})
                             if k not in answers and k not in _UNANSWERED], *_UNANSWERED]
        out.append(Table(
            f"{form.labels.spec.title}: answers counted", ["Question", *heads],
            [[form.labels.question(q), *[form.counts[q][h] for h in heads]] for q in qids],
            "Returns giving each answer (a return may tick several choices). Not asked: the "
            "return's earlier answers routed past the question. Counts only; no names.",
            chart="answers"))
    return out


_UNANSWERED = (NOT_ANSWERED, NOT_ASKED)


def _special(form: _Form) -> Table:
    """Special-category free text counted as given or not, never shown."""
    table = Table(f"{form.labels.spec.title}: special-category notes (withheld)",
                  ["Question", "Given", "Not given", "Not asked"], [],
                  "The text itself is withheld from every output unless asked for; "
                  "only whether it was given is counted.", chart="none")
    for path, c in form.special.items():
        head, _, col = path.partition(".")
        f = form.labels.fields[head]
        label = form.labels.question(head)
        if col and isinstance(f, TableField):
            label += ": " + next((x.label for x in f.columns if x.id == col), col)
        table.rows.append([label, c["given"], c["not given"], c["not asked"]])
    return table
