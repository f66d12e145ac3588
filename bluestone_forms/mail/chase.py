"""The chase list: returns sent by a mail merge and not back yet, as a CSV a mail merge (Word,
Outlook, Thunderbird) can use to send the reminders.

Columns: recipient, email (where the register has one), form, case reference, date sent,
the file sent and its instance id. Cells are neutralised against formula injection as every
CSV of the toolkit is.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from ..formats.ooxml import cells
from ..store.core import Store

CHASE_LIST = "chase-list.csv"
COLUMNS = ["recipient", "email", "form", "case_reference", "date_sent", "file", "instance_id"]


def _pick(row: dict[str, Any], exact: tuple[str, ...], contains: str,
          avoid: str = "\0") -> str:
    for key in exact:
        if row.get(key):
            return str(row[key])
    for key, value in row.items():
        low = key.lower()
        if contains in low and avoid not in low and value:
            return str(value)
    return ""


def chase_rows(sent: list[dict[str, Any]]) -> list[list[str]]:
    """One row per register entry that has not come back."""
    rows = []
    for r in sent:
        if r.get("returned"):
            continue
        rows.append([
            _pick(r, ("recipient", "recipient_name", "_name", "_recipient"), "recipient",
                  "email"),
            _pick(r, ("recipient_email", "_email", "email"), "email"),
            str(r.get("form_id", "")),
            _pick(r, ("crime_ref", "case_ref", "case_reference"), "ref"),
            _pick(r, ("sent_on", "date_sent", "_sent", "recipient_sent"), "sent"),
            str(r.get("file", "")),
            str(r.get("instance_id", "")),
        ])
    return rows


def write_chase_list(store_path: Path | str, out_dir: Path) -> tuple[Path, int] | None:
    """Write out_dir/chase-list.csv from the store's register; None when there is no register.
    Returns the path and how many returns are outstanding."""
    with Store(store_path) as store:
        sent, _unexpected = store.register_status()
    if not sent:
        return None
    rows = chase_rows(sent)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / CHASE_LIST
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerows(cells.csv_row(row) for row in rows)
    return path, len(rows)
