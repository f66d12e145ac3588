"""Mail merge and the returns register: one form per CSV row, matched back after collation."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bluestone_forms import formats
from bluestone_forms.api import generate
from bluestone_forms.collate.run import collate
from bluestone_forms.merge import MergeError, read_prefill
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.store.core import Store

SPEC = Catalog.shipped().get("rp1")


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_merge_rejects_unclean_csv_naming_row_and_column(tmp_path: Path) -> None:
    p = _csv(tmp_path / "cases.csv", ["crime_ref", "forse", "review_date", "recipient_email"],
             [["AS-1", "durham", "31/02/2026", "a@example.org"], ["", "durham", "01/03/2026", ""]])
    with pytest.raises(MergeError) as info:
        read_prefill(SPEC, p)
    text = str(info.value)
    assert "column 'forse' is not a question of rp1; did you mean 'force'?" in text
    assert "cases.csv:2: column 'review_date': '31/02/2026' is not valid" in text
    assert "cases.csv:3: column 'crime_ref': a value is required" in text
    out = tmp_path / "out"
    with pytest.raises(MergeError):
        generate(["rp1"], ["docx"], out, prefill=p)
    assert not out.exists() or not any(out.glob("*.docx")), "nothing is generated"


def test_merge_prefills_each_format_and_register_matches_returns(tmp_path: Path) -> None:
    rows = [[f"AS-{i:03d}-26", "durham", "02/03/2026", f"officer{i}@example.org"]
            for i in range(200)]
    p = _csv(tmp_path / "cases.csv", ["crime_ref", "force", "review_date", "recipient_email"],
             rows)
    out = tmp_path / "sent"
    made = generate(["rp1"], list(formats.FORMATS), out, prefill=p)
    register = out / "register.csv"
    assert register in made
    sent = [m for m in made if m != register]
    assert len(sent) == 200 * len(formats.FORMATS)
    for f in sent[::50]:
        result = formats.read(f)
        rec = result.records[0]
        assert rec.values["crime_ref"].startswith("AS-")
        assert rec.values["force"] == "durham"
    # everything but ten returns comes back
    returned = tmp_path / "returned"
    returned.mkdir()
    for f in sent[10:]:
        (returned / f.name).write_bytes(f.read_bytes())
    store = tmp_path / "s.sqlite"
    collate([returned], store, workers=1, registers=[register])
    with Store(store) as s:
        status, unexpected = s.register_status()
    outstanding = sorted(r["file"] for r in status if not r["returned"])
    assert outstanding == sorted(f.name for f in sent[:10])
    assert sum(r["returned"] for r in status) == len(sent) - 10
    assert unexpected == []
    assert all(r["recipient_email"].endswith("@example.org") for r in status)
