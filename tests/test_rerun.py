"""Re-running a collation: files already in are only hashed, rejected files get another chance."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from formcache import form as cached_form

from bluestone_forms import formats
from bluestone_forms.answers.records import new_instance_id
from bluestone_forms.cli import main
from bluestone_forms.collate.run import TEST_HOOK, collate, find_sources
from bluestone_forms.collate.workers import read_all
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.loader import load_spec
from bluestone_forms.spec.model import FormSpec
from bluestone_forms.store.core import Store

KITCHEN = Path(__file__).parent / "specs" / "kitchen_sink.yaml"


def _return(spec: FormSpec, fmt: str, out: Path, seed: int) -> Path:
    template = out.parent.parent / "templates" / f"{spec.id}{formats.EXTENSIONS[fmt]}"
    template.parent.mkdir(parents=True, exist_ok=True)
    if not template.exists():
        cached_form(spec, fmt, template, instance_id=f"inst-{spec.id}")
    vals = sample_values(spec, random.Random(seed))
    formats.module(fmt).fill(template, vals, out, spec=spec, instance_id=new_instance_id())
    return out


def _outcomes(store: Path) -> dict[str, list[str]]:
    with Store(store) as s:
        out: dict[str, list[str]] = {}
        for f in s.files():
            out.setdefault(Path(f["path"]).name, []).append(f["outcome"])
        return out


def test_rerun_does_not_read_files_already_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    rp1 = Catalog.shipped().get("rp1")
    inbox = tmp_path / "in"
    inbox.mkdir()
    for i, fmt in enumerate(formats.FORMATS):
        _return(rp1, fmt, inbox / f"r{i}{formats.EXTENSIONS[fmt]}", i)
    store = tmp_path / "s.sqlite"
    assert collate([inbox], store, workers=1).records == 3
    # reading r0..r2 now fails: a worker that read one again would report an error
    monkeypatch.setenv(TEST_HOOK, ",".join(f"raise:r{i}" for i in range(3)))
    _return(rp1, "docx", inbox / "new.docx", 9)
    with Store(store) as s:
        settled = s.settled()
    sources, _ = find_sources([inbox], tmp_path / "scratch")
    results = {Path(r.path).name: r for r in read_all(sources, 2, (), 20, settled)}
    assert sorted(results) == ["new.docx", "r0.docx", "r1.xlsx", "r2.pdf"]
    for name in ("r0.docx", "r1.xlsx", "r2.pdf"):
        assert results[name].unchanged is True, results[name]
        assert results[name].error is None
        assert results[name].records == []
        assert results[name].reader is None  # only hashed, not read
        assert len(results[name].sha256) == 64
    assert len(results["new.docx"].records) == 1
    again = collate([inbox], store, workers=2)
    assert again.unchanged == 3
    assert again.outcomes == {"read": 1}  # only the new file was read
    assert again.records == 4  # the store's figure, as the Summary sheet gives it
    assert again.rejected == 0
    # a file whose content changed under the same name is read again (and here, rejected)
    _return(rp1, "xlsx", inbox / "r1.xlsx", 10)
    third = collate([inbox], store, workers=1)
    assert (third.unchanged, third.rejected) == (3, 1)
    assert _outcomes(store)["r1.xlsx"] == ["read", "rejected"]


def test_rerun_reads_a_rejected_file_once_its_spec_is_given(tmp_path: Path) -> None:
    kitchen = load_spec(KITCHEN)
    inbox = tmp_path / "in"
    inbox.mkdir()
    _return(kitchen, "pdf", inbox / "custom.pdf", 1)
    _return(Catalog.shipped().get("rp2"), "xlsx", inbox / "rp2.xlsx", 2)
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(main, ["collate", str(inbox), "-o", str(out), "--workers", "1"])
    assert first.exit_code == 1, first.output
    assert "1 rejected" in first.output
    assert _outcomes(out / "bluestone.sqlite")["custom.pdf"] == ["rejected"]
    # the same run again without the spec: still rejected, said again, not recorded twice
    same = runner.invoke(main, ["collate", str(inbox), "-o", str(out), "--workers", "1"])
    assert same.exit_code == 1, same.output
    assert "(2 already in the store, 1 rejected)" in same.output
    assert "1 rejected" in same.output
    assert _outcomes(out / "bluestone.sqlite")["custom.pdf"] == ["rejected"]
    fixed = runner.invoke(main, ["collate", str(inbox), "-o", str(out), "--spec", str(KITCHEN),
                                 "--workers", "1", "--read-timeout", "20"])
    assert fixed.exit_code == 0, fixed.output
    assert "0 rejected); the store now holds 2 files, 2 records" in fixed.output
    assert "0 rejected, 0 duplicates" in fixed.output
    outcomes = _outcomes(out / "bluestone.sqlite")
    assert outcomes["custom.pdf"] == ["read"]
    assert outcomes["rp2.xlsx"] == ["read"]
    with Store(out / "bluestone.sqlite") as s:
        assert [r.form_id for r in s.records()].count(kitchen.id) == 1
