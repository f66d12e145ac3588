"""Every figure of the Summary and Heatmaps sheets and of the HTML report, recomputed here
from the CSVs alone for a random collation, must match: totals, means, answers, not answered
and not asked, coverage, n, answer counts, withheld notes and welfare follow-ups.

The recomputation reads only the CSVs and the specs (choice labels back to codes, so the
relevance rules can say whether a blank was asked); it shares no code with the summariser.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from outputs_corpus import CATALOG, Corpus, corpus
from tinyhtml5 import parse

from bluestone_forms.outputs.workbook import WITHHELD
from bluestone_forms.spec import expr
from bluestone_forms.spec.model import (
    FormSpec,
    RatingField,
    SelectManyField,
    SignoffField,
    TableField,
    YesNoNAField,
)
from bluestone_forms.spec.numbering import question_numbers

H = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return corpus(tmp_path_factory.getbasetemp())


def read_csv(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / f"{name}.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def codes(spec: FormSpec, row: dict[str, str]) -> dict[str, Any]:
    """A CSV row back to the codes and numbers the relevance rules test."""
    out: dict[str, Any] = {}
    for f in spec.answerable():
        if isinstance(f, TableField | SignoffField):
            continue
        text = row.get(f.id, "")
        if text == "":
            out[f.id] = [] if isinstance(f, SelectManyField) else None
            continue
        try:
            by_label = {c.label: c.code for c in spec.options(f)}  # type: ignore[arg-type]
        except TypeError:
            out[f.id] = text
            continue
        if isinstance(f, SelectManyField):
            out[f.id] = [by_label[x] for x in text.split("; ")]
        elif isinstance(f, RatingField):
            out[f.id] = int(text)
        else:
            out[f.id] = by_label[text]
    return out


def asked(spec: FormSpec, fid: str, vals: dict[str, Any]) -> bool:
    rule = spec.field(fid).relevant
    return not rule or expr.evaluate(expr.parse(rule), vals)


def mean(xs: list[int]) -> float | None:
    return round(sum(xs) / len(xs), 2) if xs else None


class Expected:
    """The figures, recomputed from the CSVs."""

    def __init__(self, folder: Path) -> None:
        files = read_csv(folder, "Files")
        outcomes = Counter(f["outcome"] for f in files)
        self.rows: dict[str, list[dict[str, str]]] = {}
        for spec in CATALOG:
            rows = read_csv(folder, spec.id)
            self.rows[spec.id] = [r for r in rows if r["status"] == "current"]
            self.rows[spec.id + "+conflict"] = [r for r in rows if r["status"] == "conflict"]
        self.totals = [len(files), sum(len(v) for k, v in self.rows.items() if "+" not in k),
                       len(read_csv(folder, "Issues")), outcomes["rejected"],
                       outcomes["duplicate"], outcomes["superseded"], outcomes["conflict"]]
        self.ratings: dict[str, list[list[Any]]] = {}
        self.heat: dict[str, list[list[Any]]] = {}
        self.checklists: dict[str, list[list[Any]]] = {}
        self.answers: dict[str, dict[str, Counter[str]]] = {}
        self.special: dict[str, list[list[Any]]] = {}
        self.follow_ups: set[tuple[str, str, str]] = set()
        coverage: dict[str, dict[str, list[int]]] = defaultdict(dict)
        checklist_n: Counter[str] = Counter()
        for spec in sorted(CATALOG, key=lambda s: s.id):
            rows = self.rows[spec.id]
            if rows:
                self._form(spec, rows, coverage, checklist_n)
            for r in rows + self.rows[spec.id + "+conflict"]:
                if r.get("welfare_raised") == "Yes" and r.get("pausepoint_referral") != "Yes":
                    self.follow_ups.add((spec.title, r["force"], r["crime_ref"]))
        forms = sorted({t for by in coverage.values() for t in by})
        self.coverage = []
        for force in sorted(coverage):
            line: list[Any] = [force, checklist_n[force]]
            for t in forms:
                yes, no = coverage[force].get(t, [0, 0])
                line.append(round(100 * yes / (yes + no), 1) if yes + no else None)
            self.coverage.append(line)

    def _form(self, spec: FormSpec, rows: list[dict[str, str]],
              coverage: dict[str, dict[str, list[int]]], checklist_n: Counter[str]) -> None:
        vals = [codes(spec, r) for r in rows]
        ratings = [f for f in spec.answerable() if isinstance(f, RatingField)]
        if 0 < len(ratings) <= 12:
            self.ratings[spec.title] = [
                [named(spec, f.id), mean([v[f.id] for v in vals if v[f.id] is not None]),
                 sum(v[f.id] is not None for v in vals),
                 sum(v[f.id] is None and asked(spec, f.id, v) for v in vals),
                 sum(v[f.id] is None and not asked(spec, f.id, v) for v in vals)]
                for f in ratings]
        if len(ratings) >= 3 and spec.collation.force_field:
            by_force: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for r, v in zip(rows, vals, strict=True):
                by_force[r["force"] or "(not given)"].append(v)
            self.heat[spec.title] = [
                [force, len(vs), *[mean([v[f.id] for v in vs if v[f.id] is not None])
                                   for f in ratings]]
                for force, vs in sorted(by_force.items())]
        points = [f for f in spec.answerable() if isinstance(f, YesNoNAField)]
        if points:
            self.checklists[spec.title] = []
            for p in points:
                c = Counter("not asked" if v[p.id] is None and not asked(spec, p.id, v)
                            else v[p.id] for v in vals)
                self.checklists[spec.title].append(
                    [named(spec, p.id), c["yes"], c["no"], c["na"], c[None], c["not asked"]])
            for r, v in zip(rows, vals, strict=True):
                force = r.get("force") or "(not given)"
                done = coverage[force].setdefault(spec.title, [0, 0])
                done[0] += sum(v[p.id] == "yes" for p in points)
                done[1] += sum(v[p.id] == "no" for p in points)
                checklist_n[force] += 1
        for qid in spec.collation.counts:
            c = Counter[str]()
            for r, v in zip(rows, vals, strict=True):
                if r[qid] == "":
                    c["(not answered)" if asked(spec, qid, v) else "(not asked)"] += 1
                else:
                    c.update(r[qid].split("; ") if isinstance(spec.field(qid), SelectManyField)
                             else [r[qid]])
            self.answers.setdefault(spec.title, {})[named(spec, qid)] = c
        if spec.classification.special_category_text:
            table = self.special[spec.title] = []
            for path in spec.classification.special_category_text:
                head, _, col = path.partition(".")
                if col:
                    continue  # a repeat table's column: checked on the table's own sheet
                c = Counter("given" if r[head] == WITHHELD else
                            "not given" if asked(spec, head, v) else "not asked"
                            for r, v in zip(rows, vals, strict=True))
                table.append([named(spec, head), c["given"], c["not given"],
                              c["not asked"]])


def named(spec: FormSpec, fid: str) -> str:
    """A question as the outputs name it: its printed number, then its label."""
    return f"Q{question_numbers(spec)[fid]} {spec.field(fid).label}"


@pytest.fixture(scope="module")
def expected(made: Corpus) -> Expected:
    return Expected(made.hidden.csv_dir)


def sheet(book: Path, name: str) -> list[list[Any]]:
    wb = load_workbook(book, read_only=True)
    try:
        return [list(r) + [None] * (24 - len(r)) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()  # a read-only workbook keeps its file open until closed


def block(rows: list[list[Any]], title: str, headers: list[str]) -> list[list[Any]]:
    """The rows under the table titled `title`, after its header row, to the next gap."""
    start = next(i for i, r in enumerate(rows) if r and r[0] == title)
    head = next(i for i in range(start + 1, len(rows))
                if [str(x) for x in rows[i][:len(headers)]] == headers)
    out = []
    for r in rows[head + 1:]:
        if not any(x is not None for x in r):
            break
        out.append(list(r[:len(headers)]) + [None] * (len(headers) - len(r)))
    return out


def test_totals_match(made: Corpus, expected: Expected) -> None:
    rows = sheet(made.hidden.workbook, "Summary")
    i = next(i for i, r in enumerate(rows) if r[0] == "Files")
    assert rows[i + 1][:7] == expected.totals
    assert expected.totals[3] >= 1  # the damaged file
    assert expected.totals[4] >= 1  # the copy


def test_ratings_match(made: Corpus, expected: Expected) -> None:
    rows = sheet(made.hidden.workbook, "Summary")
    assert expected.ratings
    for title, want in expected.ratings.items():
        got = block(rows, f"{title}: ratings",
                    ["Question", "Mean", "Answers", "Not answered", "Not asked"])
        assert got == want, title


def test_heatmaps_match_with_n(made: Corpus, expected: Expected) -> None:
    rows = sheet(made.hidden.workbook, "Heatmaps")
    assert expected.heat
    for title, want in expected.heat.items():
        heads = ["Force", "n", *[str(i) for i in range(1, len(want[0]) - 1)]]
        assert block(rows, f"{title}: mean rating by force", heads) == want, title
    heads = ["Force", "n", *[str(i) for i in range(1, len(expected.coverage[0]) - 1)]]
    got = block(rows, "Checklist coverage by stage and force: points done (%)", heads)
    assert got == expected.coverage


def test_checklists_keep_not_asked_apart(made: Corpus, expected: Expected) -> None:
    rows = sheet(made.hidden.workbook, "Summary")
    for title, want in expected.checklists.items():
        got = block(rows, f"{title}: checklist coverage",
                    ["Point", "Yes", "No", "Not applicable", "Not answered", "Not asked"])
        assert got == want, title


def test_answer_counts_match(made: Corpus, expected: Expected) -> None:
    rows = sheet(made.hidden.workbook, "Summary")
    seen_not_asked = False
    for title, questions in expected.answers.items():
        got: dict[str, Counter[str]] = {}
        starts = [i for i, r in enumerate(rows) if r and r[0] == f"{title}: answers counted"]
        assert starts, title
        for s in starts:
            head = next(i for i in range(s + 1, len(rows)) if rows[i][0] == "Question")
            names = [h for h in rows[head][1:] if h is not None]
            for r in rows[head + 1:]:
                if r[0] is None:
                    break
                got[r[0]] = Counter({h: n for h, n in zip(names, r[1:], strict=False)
                                     if isinstance(n, int) and n})
        assert got == {q: +c for q, c in questions.items()}, title
        seen_not_asked |= any("(not asked)" in c for c in questions.values())
    assert seen_not_asked  # routing skipped some questions in this collation


def test_withheld_notes_counted(made: Corpus, expected: Expected) -> None:
    rows = sheet(made.hidden.workbook, "Summary")
    for title, want in expected.special.items():
        got = block(rows, f"{title}: special-category notes (withheld)",
                    ["Question", "Given", "Not given", "Not asked"])
        assert got[:len(want)] == want


def test_welfare_follow_ups_match(made: Corpus, expected: Expected) -> None:
    rows = sheet(made.hidden.workbook, "Summary")
    assert expected.follow_ups
    title = next(r[0] for r in rows if r[0] and str(r[0]).startswith("Welfare and other"))
    assert title == f"Welfare and other follow-ups ({len(expected.follow_ups)})"
    start = rows.index(next(r for r in rows if r[0] == title))
    got = set()
    assert rows[start + 1][0] == "Follow-up"
    for r in rows[start + 2:start + 2 + len(expected.follow_ups)]:
        ref = next(line.split(": ", 1)[1] for line in r[3].split("\n")
                   if re.match(r"Q[\d.]+ Crime reference: ", line))
        got.add((r[2], r[1], ref))
    assert got == expected.follow_ups


def html_tables(page: str) -> dict[str, list[list[str]]]:
    """Each captioned table of the HTML report: its body rows' cell texts."""
    out = {}
    for t in parse(page).iter(f"{H}table"):
        cap = t.find(f"{H}caption")
        if cap is None:
            continue
        rows = []
        for tr in t.iter(f"{H}tr"):
            if tr.find(f"{H}td") is not None:
                rows.append(["".join(c.itertext()).strip() for c in tr
                             if c.tag in (f"{H}td", f"{H}th")])
        out["".join(cap.itertext())] = rows
    return out


def shown(v: Any) -> str:
    return "" if v is None else str(v)


def test_html_report_figures_match(made: Corpus, expected: Expected) -> None:
    page = made.hidden.html_report.read_text(encoding="utf-8")
    tables = html_tables(page)
    for title, want in expected.ratings.items():
        got = tables[f"{title}: ratings"]
        assert [r[:5] for r in got] == [[shown(x) for x in w] for w in want]
    for title, want in expected.heat.items():
        got = tables[f"{title}: mean rating by force"]
        assert got == [[w[0], str(w[1]), *["" if x is None else f"{x:.1f}" for x in w[2:]]]
                       for w in want]
    for title, want in expected.checklists.items():
        got = tables[f"{title}: checklist coverage"]
        assert [r[:6] for r in got] == [[shown(x) for x in w] for w in want]
    assert f"Welfare and other follow-ups ({len(expected.follow_ups)})" in page
    for _, _, ref in expected.follow_ups:
        assert ref in page
