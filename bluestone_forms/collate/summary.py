"""What a collation run did, in one line: the run's own figures, then the store's.

Why apart from the run: the CLI, the demo and the API print it, and the run module is about
reading and ingesting.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..store.access import FORCE_UNKNOWN, OTHER_FORCE

AWAITING = "awaiting_review"  # a scanned return read, its review workbook not yet filled


@dataclass
class Summary:
    """What a collation run did (`files` found, `unchanged` already in the store, and the
    outcome each new file got on arrival), and `totals`: the store's figures after the run,
    the very figures the Summary sheet, the report and the Files sheet give. `not_stored`
    has a line ("PATH: why") per file a force role may not store (access.NOT_STORED): it is
    counted in `outcomes` like every file, and is in no sheet (the store holds nothing of it).
    """

    files: int = 0
    unchanged: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    totals: dict[str, int] = field(default_factory=dict)
    not_stored: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Files of this run that were rejected (the run exits 1 when there are any)."""
        return self.outcomes["rejected"]

    @property
    def records(self) -> int:
        return self.totals.get("records", 0)

    @property
    def issues(self) -> int:
        return self.totals.get("issues", 0)

    def line(self) -> str:
        """One line: this run, then the store in the Summary sheet's order and words."""
        t = {k: self.totals.get(k, 0) for k in ("files", "records", "issues", "rejected",
                                                  "duplicate", "superseded", "conflict",
                                                  "message", "no_return", AWAITING)}
        messages = t["message"] + t["no_return"]  # a mail message's own line (issue 17)
        other, unknown = self.outcomes[OTHER_FORCE], self.outcomes[FORCE_UNKNOWN]
        kept_out = (f", {other} of another force and {unknown} of no known force not stored"
                    if other or unknown else "")
        return (
            f"{self.files} files found ({self.unchanged} already in the store, "
            f"{self.rejected} rejected{kept_out}); the store now holds {t['files']} files, "
            f"{t['records']} records, {t['issues']} issues, {t['rejected']} rejected, "
            f"{t['duplicate']} duplicates, {t['superseded']} superseded, "
            f"{t['conflict']} conflicts"
        ) + (f", {messages} mail messages ({t['no_return']} with no return attached)"
             if messages else "") + (f", {t[AWAITING]} scanned files awaiting review"
                                     if t[AWAITING] else "")
