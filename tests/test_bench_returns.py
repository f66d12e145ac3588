"""The bench's returns (bench/bench_returns.py, issue 19): copies of a filled master, each with
a fresh instance id, register row ids and crime references, must be valid returns that
collation takes as distinct: N copies give N files read and their records, no duplicate and
no conflict."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pikepdf

from bluestone_forms import formats
from bluestone_forms.collate.run import collate
from bluestone_forms.spec.wording import identity_line

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import bench_returns as br

COPIES = 3


def test_copies_of_a_master_collate_as_distinct_returns(tmp_path: Path) -> None:
    made = br.templates(tmp_path, forms=["rp1"])
    returns = tmp_path / "returns"
    returns.mkdir()
    masters = {}
    for n, kind in enumerate(br.KINDS):
        ext = ".xlsx" if kind == "register" else formats.EXTENSIONS[kind]
        master = br.fill_master(("rp1", kind, str(made[("rp1", kind)]), n,
                                 str(tmp_path / f"master-{kind}{ext}")))
        masters[kind] = master
        for i in range(COPIES):
            out = returns / f"rp1-{kind}-{i}{ext}"
            iid = br.copy_of(master, i, out, random.Random(f"{kind} {i}"))
            assert iid != master.instance_id
            assert out.read_bytes() != Path(master.path).read_bytes()

    # what a reader sees: fresh ids, references fresh within each kind, no issues
    ids, refs = set(), set()
    for path in sorted(returns.iterdir()):
        got = formats.module(path.suffix[1:]).read(path)
        assert got.issues == []
        for rec in got.records:
            ids.add(rec.instance_id)
            refs.add((path.suffix, rec.row is not None, rec.values["crime_ref"]))
    rows = COPIES * (3 + br.REGISTER_ROWS)
    assert len(ids) == rows
    assert len(refs) == rows
    assert not ids & {m.instance_id for m in masters.values()}

    # a PDF copy is whole, and its printed identity line shows its own id
    plan = masters["pdf"].pdf
    assert plan is not None
    with pikepdf.open(returns / "rp1-pdf-1.pdf") as pdf:
        assert pdf.check_pdf_syntax() == []  # every object where the xref table says
        iid = str(pdf.docinfo["/bluestone:instance-id"])
        line = plan.hex_of(identity_line("rp1", masters["pdf"].version, iid))
        for page in pdf.pages:
            assert line in page.obj["/BsIdentity"].read_bytes()

    summary = collate([returns], tmp_path / "store" / "bluestone.sqlite", workers=2)
    assert summary.outcomes["read"] == 4 * COPIES
    assert summary.totals["records"] == rows
    for outcome in ("duplicate", "conflict", "superseded", "rejected", "read_with_issues"):
        assert summary.totals[outcome] == 0, outcome
