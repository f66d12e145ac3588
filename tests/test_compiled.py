"""The compiled form: built once per spec, held by the catalog, passed to readers explicitly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import record_values, specs_under_test

import bluestone_forms
from bluestone_forms import formats
from bluestone_forms.answers.records import Record, assemble, flatten
from bluestone_forms.answers.slots import slots
from bluestone_forms.answers.validate import validate
from bluestone_forms.errors import ReturnError
from bluestone_forms.formats import docx
from bluestone_forms.formats.common import fingerprint
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.compiled import CompiledSpec, compile_spec
from bluestone_forms.spec.model import FormSpec

SPECS = specs_under_test()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_compile_spec_holds_what_the_spec_gives(spec: FormSpec) -> None:
    form = compile_spec(spec)
    assert form.spec is spec
    assert form.slots == slots(spec)
    assert list(form.slot_map) == [s.key for s in form.slots]
    assert form.fingerprint == fingerprint(spec)
    assert form.known == {f.id for f in spec.answerable()}
    assert set(form.rules) == {f.id for f in spec.answerable() if f.relevant}
    for f in spec.answerable():
        if f.relevant:
            assert form.rules[f.id] == spec.relevance(f)


def test_compile_spec_parses_a_shared_rule_once() -> None:
    spec = Catalog.shipped().get("pausepoint")
    form = compile_spec(spec)
    by_text: dict[str, set[int]] = {}
    for f in spec.answerable():
        if f.relevant:
            by_text.setdefault(f.relevant, set()).add(id(form.rules[f.id]))
    assert by_text
    assert all(len(ids) == 1 for ids in by_text.values())


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_compiled_and_plain_spec_agree(data: st.DataObject) -> None:
    spec = data.draw(st.sampled_from(SPECS))
    vals = data.draw(record_values(spec))
    form = compile_spec(spec)
    flat = flatten(spec, vals)
    assert flatten(form, vals) == flat
    assert assemble(form, flat) == assemble(spec, flat)
    record = Record(spec.id, spec.version, "i-1", vals)
    assert validate(record, form) == validate(record, spec) == []


def test_catalog_holds_each_form_compiled_once() -> None:
    cat = Catalog.shipped()
    spec = cat.get("rp1")
    form = cat.form("rp1", spec.version, "f.docx")
    assert isinstance(form, CompiledSpec)
    assert form.spec is spec
    assert cat.form("rp1", spec.version, "g.xlsx") is form
    assert cat.compiled(spec) is form
    assert Catalog(cat.forms()).form("rp1", spec.version, "f") is form  # copied, not compiled
    other = spec.model_copy()
    assert cat.compiled(other).spec is other  # not the catalog's spec: compiled afresh


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_a_reader_keeps_what_it_derives_with_the_compiled_form(tmp_path: Path,
                                                              fmt: str) -> None:
    spec = SPECS[0]
    cat = Catalog([spec])
    form = cat.compiled(spec)
    path = formats.module(fmt).write(spec, tmp_path / f"f{formats.EXTENSIONS[fmt]}")
    first = formats.read(path, catalog=cat)
    assert first.records[0].form_id == spec.id
    derived = dict(form._derived)
    assert formats.read(path, catalog=cat).records[0].values == first.records[0].values
    assert form._derived == derived  # nothing derived twice
    if fmt == "docx":
        assert docx._boxes in derived
    elif fmt == "xlsx":
        assert len(derived) == 1  # the cell tags, worked out on the first read


def test_no_cache_is_keyed_by_an_object_id() -> None:
    """Per-spec knowledge lives in the compiled form, never in a module cache keyed by
    `id(spec)` or `id(slot)`, nor in a private attribute of the frozen model."""
    root = Path(bluestone_forms.__file__).parent
    keyed = re.compile(r"\[id\((spec|slot|s|f|form)\)\]|\.get\(id\((spec|slot|s|f|form)\)\)")
    found = [f"{p.relative_to(root)}:{n}" for p in sorted(root.rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if keyed.search(line)]
    assert found == []
    assert FormSpec.__private_attributes__ == {}


def test_catalog_finds_a_form_version_or_says_what_is_known() -> None:
    cat = Catalog.shipped()
    rp1 = cat.get("rp1")
    assert cat.form("rp1", rp1.version, "f.docx").spec is rp1
    other = rp1.model_copy(update={"version": "9.0"})
    both = Catalog([rp1, other])
    assert both.get("rp1") is other  # the newest version
    assert both.form("rp1", "9.0", "f").spec is other
    with pytest.raises(ReturnError, match="no form id"):
        both.form(None, "1.0", "f")
    with pytest.raises(ReturnError, match="no form id"):
        both.form("", None, "f")
    with pytest.raises(ReturnError, match=r"unknown form 'rp7'; known forms: rp1$"):
        both.form("rp7", "1.0", "f")
    with pytest.raises(ReturnError, match=rf"no version '2.5'; known versions: "
                       rf"{re.escape(rp1.version)}, 9.0$"):
        both.form("rp1", "2.5", "f")
    with pytest.raises(ReturnError, match="no version 'None'"):
        both.form("rp1", None, "f")
    with pytest.raises(ReturnError, match="known forms: none"):
        Catalog().form("rp1", "1.0", "f")
    with pytest.raises(KeyError):
        both.get("rp7")
