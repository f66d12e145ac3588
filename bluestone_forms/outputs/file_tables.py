"""The report's tables about files rather than answers: which files need someone's attention
(rejected, duplicates, superseded, conflicting, read with issues), what a mail merge sent and
has not had back, and validation issues by field.

Why files are named: a count of rejected files tells a supervisor something is wrong but not
what to chase; each table names the file and says why, in the words the collation recorded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..store.core import StoredRecord

# Outcome -> (the title of its table, what the "Why" column says when the store has no message)
FILE_OUTCOMES = {
    "rejected": ("Files rejected", "rejected"),
    "conflict": ("Conflicting returns", "differs from another return of the same instance"),
    "duplicate": ("Duplicate files", "same content as another file"),
    "superseded": ("Superseded returns", "replaced by a corrected return"),
    "read_with_issues": ("Files read with issues", ""),
    "awaiting_review": ("Scans awaiting review", "marks or handwriting to key in the review "
                                                 "workbook (bluestone-review.xlsx)"),
    "no_return": ("Mail messages with no return attached", "no return attached"),
}


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    chart: str = "bars"
    """How the figures are drawn: "bars" (the last column, labelled by the others),
    "stacked" (every column after the first, as shares of one bar), "pivot" (a matrix: the
    third column down, the first two across, the last as counts), or "none"."""
    high: float | None = None
    """The top of the bars' scale (e.g. a rating scale's highest point); else the largest."""
    low: float | None = None
    """The bottom of a rating scale, so a chart's axis starts there (None: at 0)."""
    series: list[str] = field(default_factory=list)
    """For "stacked": the colour key's names, one per column after the first."""


def file_tables(files: Sequence[Any], issues: Sequence[Any],
                titles: dict[str, str]) -> list[Table]:
    """One table per outcome that needs attention, naming each file and why; tables with no
    files are left out. Files read with issues list how many and the first few messages."""
    by_file: dict[str, list[str]] = defaultdict(list)
    for i in issues:
        by_file[i["path"]].append(f"{i['field'] or '(form)'}: {i['message']}")
    out = []
    for outcome, (title, why) in FILE_OUTCOMES.items():
        rows = []
        for f in files:
            if f["outcome"] != outcome:
                continue
            fid = f["form_id"]
            form = titles.get(fid, fid) if fid else ("(not recognised)"
                                                    if outcome == "rejected" else "")
            if outcome == "read_with_issues":
                found = by_file.get(f["path"], [])
                shown = "; ".join(found[:3]) + (f"; and {len(found) - 3} more"
                                                if len(found) > 3 else "")
                rows.append([f["path"], form, len(found), shown])
            else:
                rows.append([f["path"], form, f["message"] or why])
        if rows:
            heads = (["File", "Form", "Issues", "First issues"] if outcome == "read_with_issues"
                     else ["File", "Form", "Why"])
            out.append(Table(f"{title} ({len(rows)})", heads, rows, chart="none"))
    return out


def register_tables(sent: list[dict[str, Any]], unexpected: list[StoredRecord]) -> list[Table]:
    """What a mail merge sent and has not come back, and what came back never sent."""
    if not sent:
        return []
    who = [k for k in sent[0] if k.startswith(("recipient", "_"))]
    out = Table(f"Returns still outstanding ({sum(not r['returned'] for r in sent)} of "
                f"{len(sent)} sent)", ["Form", "File sent", *who, "Instance id"],
                [[r["form_id"], r["file"], *[r.get(k, "") for k in who], r["instance_id"]]
                 for r in sent if not r["returned"]], chart="none")
    out.note = "From the returns register written by the mail merge."
    never = Table(f"Returns that were never sent ({len(unexpected)})",
                  ["Form", "File", "Instance id"],
                  [[r.form_id, r.file, r.instance_id] for r in unexpected], chart="none")
    return [out, never]


def issues_by_field(issues: Sequence[Any], titles: dict[str, str]) -> Table:
    c: Counter[tuple[str, str]] = Counter()
    for i in issues:
        fid = i["form_id"]
        c[(titles.get(fid, fid) if fid else "(unknown form)", i["field"])] += 1
    return Table("Validation issues by field", ["Form", "Field", "Issues"],
                 [[f, fld, n] for (f, fld), n in c.most_common(30)])
