"""The PDF format: fillable form, paper form, reading back, filling, and sealed rendering.

Each spec's fillable form and paper form are rendered once per session (WeasyPrint takes
most of a second a form); Hypothesis then fills copies with pikepdf (milliseconds) or pdftk.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import warnings
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pikepdf
import pypdf
import pytest
from formcache import form as cached_form
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import record_values, specs_under_test

from bluestone_forms import render
from bluestone_forms.answers import values
from bluestone_forms.answers.records import new_instance_id, texts
from bluestone_forms.answers.slots import slot_map, slots
from bluestone_forms.errors import ReturnError
from bluestone_forms.formats import pdf as pdf_format
from bluestone_forms.formats.common import FORM_ID, INSTANCE_ID, VERSION, Identity, fingerprint
from bluestone_forms.formats.pdf import _choice as _pdf_choice
from bluestone_forms.formats.pdf import _fields as _pdf_fields
from bluestone_forms.formats.pdf import _layout as _pdf_layout
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.loader import load_spec_text
from bluestone_forms.spec.model import FormSpec, NoteField, TableField
from bluestone_forms.spec.wording import Wording

SPECS = specs_under_test()
IDS = [s.id for s in SPECS]
CATALOG = Catalog(SPECS)
SINK = next(s for s in SPECS if s.id == "kitchen_sink")


def _norm(text: str) -> str:
    return " ".join(text.split())


def pdftotext(path: Path, *, layout: bool = False) -> str:
    args = ["pdftotext", "-enc", "UTF-8", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="pdftotext (poppler-utils) is not installed")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Callable[[FormSpec], Path]:
    """Each spec's blank fillable form, rendered once for the whole module."""
    folder = tmp_path_factory.mktemp("pdf-templates")
    made: dict[str, Path] = {}

    def get(spec: FormSpec) -> Path:
        if spec.id not in made:
            made[spec.id] = cached_form(spec, "pdf", folder / f"{spec.id}.pdf",
                                        instance_id=f"inst-{spec.id}")
        return made[spec.id]

    return get


@pytest.fixture(scope="module")
def paper(tmp_path_factory: pytest.TempPathFactory) -> Callable[[FormSpec], tuple[Path, Any]]:
    """Each spec's paper form (the PDF and its laid-out document), rendered once."""
    folder = tmp_path_factory.mktemp("pdf-paper")
    made: dict[str, tuple[Path, Any]] = {}

    def get(spec: FormSpec) -> tuple[Path, Any]:
        if spec.id not in made:
            identity = Identity(spec.id, spec.version, f"paper-{spec.id}")
            document = pdf_format.paper_document(spec, identity)
            path = pdf_format.save_paper(document, spec, identity, folder / f"{spec.id}.pdf")
            made[spec.id] = (path, document)
        return made[spec.id]

    return get


# ----------------------------------------------------------------- round trips


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@settings(max_examples=min(20, settings.default.max_examples))
@given(data=st.data())
def test_pdf_fill_read_roundtrip(
    spec: FormSpec, data: st.DataObject, template: Callable[[FormSpec], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    values = data.draw(record_values(spec))
    new_id = data.draw(st.sampled_from([None, new_instance_id()]))
    out = tmp_path_factory.mktemp("filled") / "filled.pdf"
    pdf_format.fill(template(spec), values, out, catalog=CATALOG, instance_id=new_id)
    result = pdf_format.read(out, catalog=CATALOG)
    assert [str(i) for i in result.issues] == []
    record = result.records[0]
    assert record.values == values
    assert (record.form_id, record.version, record.instance_id) == (
        spec.id, spec.version, new_id or f"inst-{spec.id}")


def _xfdf(spec: FormSpec, values: dict[str, Any], template: Path) -> str:
    """An XFDF file as a person's tool would write it: the on-state name for a tick or a
    radio button (as `pdftk dump_data_fields` lists them), the option text for a drop-down,
    the codec's text otherwise; XML-escaped."""
    with pikepdf.open(template) as pdf:
        on = {f.name: sorted(_pdf_fields.on_states(f)) for f in _pdf_fields.walk(pdf, "t")}
        radios = {f.name for f in _pdf_fields.walk(pdf, "t") if _pdf_choice.is_radio(f.ft, f.flags)}
    by_key = slot_map(spec)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<xfdf xmlns="http://ns.adobe.com/xfdf/" xml:space="preserve"><fields>']
    for key, text in texts(spec, values).items():
        if by_key[key].kind == "flag":
            text = on[key][0] if text else "Off"
        elif key in radios:
            text = _pdf_choice.state_names(by_key[key])[text] if text else "Off"
        lines.append(f"<field name={quoteattr(key)}><value>{escape(text)}</value></field>")
    lines.append("</fields></xfdf>")
    return "\n".join(lines)


@pytest.mark.pdftk
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@settings(max_examples=min(3, settings.default.max_examples))
@given(data=st.data())
def test_pdf_pdftk_fill_read_roundtrip(
    spec: FormSpec, data: st.DataObject, template: Callable[[FormSpec], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A form filled by a client we do not write (pdftk fill_form) reads back exactly."""
    values = data.draw(record_values(spec))
    folder = tmp_path_factory.mktemp("pdftk")
    xfdf = folder / "data.xfdf"
    xfdf.write_text(_xfdf(spec, values, template(spec)), encoding="utf-8")
    out = folder / "filled.pdf"
    subprocess.run(["pdftk", str(template(spec)), "fill_form", str(xfdf), "output", str(out)],
                   check=True, capture_output=True)
    result = pdf_format.read(out, catalog=CATALOG)
    assert [str(i) for i in result.issues] == []
    assert result.records[0].values == values


@pytest.mark.pdftk
def test_pdf_pdftk_keeps_astral_characters_up_to_max_length(
    template: Callable[[FormSpec], Path], tmp_path: Path
) -> None:
    """Found by Hypothesis: with /MaxLen 40 pdftk cut 29 digits + 6 astral characters (35
    characters, 41 UTF-16 units) to 40 units, silently. Fields carry no /MaxLen now."""
    values = {**_sample_values(), "crime_ref": "0" * 29 + "\U00010000" * 6}
    with pikepdf.open(template(SINK)) as pdf:
        assert all("/MaxLen" not in f.node for f in _pdf_fields.walk(pdf, "t"))
    xfdf = tmp_path / "d.xfdf"
    xfdf.write_text(_xfdf(SINK, values, template(SINK)), encoding="utf-8")
    out = tmp_path / "f.pdf"
    subprocess.run(["pdftk", str(template(SINK)), "fill_form", str(xfdf), "output", str(out)],
                   check=True, capture_output=True)
    assert pdf_format.read(out, catalog=CATALOG).records[0].values == values


def test_pdf_write_prefilled_reads_back(tmp_path: Path) -> None:
    values = _sample_values()
    path = pdf_format.write(SINK, tmp_path / "pre.pdf", values=values, instance_id="pre-1")
    result = pdf_format.read(path, catalog=CATALOG)
    assert result.issues == []
    assert result.records[0].values == values
    assert result.records[0].instance_id == "pre-1"


def _sample_values() -> dict[str, Any]:
    return {
        "crime_ref": "AB/123 Zoë Łukasz", "officer": "Ωμέγα Привет", "force": "durham",
        "review_date": dt.date(2024, 2, 29), "first_contact": dt.time(9, 5),
        "days_to_arrest": 12, "hours": Decimal("3.25"),
        "point_1": "na", "point_1_notes": "Line one café\nLine two",
        "quality": 3, "welfare_raised": "yes", "support_offered": ["eap", "other"],
        "support_other": "Peer support", "referral_date": dt.date(2024, 3, 1),
        "actions": [{"action": "Do the thing", "owner": "DS Smith", "due": dt.date(2024, 4, 1),
                     "done": "no", "priority": 4}],
        "supervisor_signoff": {"name": "DI Jones", "date": dt.date(2024, 3, 2)},
    }


# ----------------------------------------------------------------- names, kinds, identity


def test_pdf_field_names_are_slot_keys_in_every_tool(
    template: Callable[[FormSpec], Path],
) -> None:
    path = template(SINK)
    keys = {s.key for s in slots(SINK)}
    with pikepdf.open(path) as pdf:
        assert {f.name for f in _pdf_fields.walk(pdf, str(path))} == keys
        for f in _pdf_fields.walk(pdf, str(path)):
            assert "." not in str(f.node.T)  # a partial name never holds a period
    reader = pypdf.PdfReader(path)
    terminal = {k for k, v in (reader.get_fields() or {}).items() if "/FT" in v}
    assert terminal == keys
    if shutil.which("pdftk"):
        dump = subprocess.run(["pdftk", str(path), "dump_data_fields_utf8"], check=True,
                              capture_output=True, text=True).stdout
        assert set(re.findall(r"^FieldName: (.*)$", dump, re.M)) == keys


@pytest.mark.parametrize("spec_id", ["kitchen_sink", "case_review"])
def test_pdf_field_kinds_and_options(template: Callable[[FormSpec], Path], spec_id: str) -> None:
    """Few choices are radio buttons, a long list (45 forces) a drop-down, ticks checkboxes."""
    spec = next(s for s in SPECS if s.id == spec_id)
    path = template(spec)
    by_key = slot_map(spec)
    words = Wording(spec)
    radios = drops = 0
    with pikepdf.open(path) as pdf:
        for f in _pdf_fields.walk(pdf, str(path)):
            slot = by_key[f.name]
            if slot.kind == "flag":
                assert f.ft == "/Btn"
                assert _pdf_fields.on_states(f)
            elif _pdf_layout.control(slot, words).radio:
                # a radio group: a button per option, its on-state the option text (ASCII)
                assert _pdf_choice.is_radio(f.ft, f.flags), f.name
                states = _pdf_choice.states(f.node)
                assert states == list(_pdf_choice.state_names(slot).values())
                assert all(s.isascii() for s in states)
                assert "/Opt" not in f.node
                assert all("/T" not in k for k in f.node.Kids)
                radios += 1
            elif slot.kind in ("choice", "rating"):
                assert f.ft == "/Ch"
                opts = [str(o[1]) for o in f.node.Opt][1:]
                assert opts == values.choice_texts(slot)
                drops += 1
            else:
                assert f.ft == "/Tx"
                assert bool(f.flags & _pdf_fields.FLAG_MULTILINE) == (slot.kind == "long_text")
            assert str(f.node.TU).startswith(slot.label)
        # no button of a radio group is listed as a field of its own
        assert all("/Parent" not in f for f in pdf.Root.AcroForm.Fields)
    assert radios
    assert drops  # the forces list (45), a rating in a table cell: drop-downs


@needs_poppler
def test_pdf_identity_marking_and_page_numbers_on_every_page(
    template: Callable[[FormSpec], Path],
) -> None:
    path = template(SINK)
    with pikepdf.open(path) as pdf:
        info = pdf.docinfo
        assert str(info[f"/{FORM_ID}"]) == "kitchen_sink"
        assert str(info[f"/{VERSION}"]) == "2.1"
        assert str(info[f"/{INSTANCE_ID}"]) == "inst-kitchen_sink"
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert "inst-kitchen_sink" in xmp
        assert _pdf_fields.XMP_NS in xmp
        del pdf.docinfo[f"/{FORM_ID}"]  # the XMP alone still identifies the form
        assert _pdf_fields.read_identity(pdf) == Identity("kitchen_sink", "2.1",
                                                          "inst-kitchen_sink", fingerprint(SINK))
    pages = pdftotext(path).split("\f")[:-1]
    footer = Identity("kitchen_sink", "2.1", "inst-kitchen_sink").footer()
    for n, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") == 2
        assert footer in page
        assert f"Page {n} of {len(pages)}" in page


@needs_poppler
def test_pdf_fill_with_new_instance_id_changes_metadata_and_every_footer(
    template: Callable[[FormSpec], Path], tmp_path: Path
) -> None:
    """A mail merge gives each copy its own instance id: printed and stored alike."""
    new_id = new_instance_id()
    out = pdf_format.fill(template(SINK), _sample_values(), tmp_path / "m.pdf",
                          catalog=CATALOG, instance_id=new_id)
    with pikepdf.open(out) as pdf:
        assert str(pdf.docinfo[f"/{INSTANCE_ID}"]) == new_id
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert xmp.count(_pdf_fields.XMP_NS) == 1
        assert new_id in xmp
        assert "inst-kitchen_sink" not in xmp
    pages = pdftotext(out).split("\f")[:-1]
    footer = Identity("kitchen_sink", "2.1", new_id).footer()
    assert all(footer in page for page in pages)
    assert all("inst-kitchen_sink" not in page for page in pages)
    assert pdf_format.read(out, catalog=CATALOG).records[0].instance_id == new_id


@needs_poppler
def test_pdf_licence_attribution_in_every_footer(template: Callable[[FormSpec], Path]) -> None:
    licensed = [s for s in SPECS if s.source.licence]
    assert licensed, "ld_self_assessment states CC BY-NC-SA 4.0"
    for spec in licensed:
        pages = pdftotext(template(spec)).split("\f")[:-1]
        # pdftotext breaks the long line anywhere (even inside the URL): compare without spaces
        squeezed = re.sub(r"\s+", "", Wording(spec).attribution())
        assert all(squeezed in re.sub(r"\s+", "", p) for p in pages)
    assert "CC BY" not in pdftotext(template(SINK))  # no licence stated, none printed


def test_pdf_forms_are_tagged(template: Callable[[FormSpec], Path],
                              paper: Callable[[FormSpec], tuple[Path, Any]]) -> None:
    for path in (template(SINK), paper(SINK)[0]):
        with pikepdf.open(path) as pdf:
            assert pdf.Root.MarkInfo.Marked is True
            assert "/StructTreeRoot" in pdf.Root
            assert str(pdf.Root.Lang) == "en-GB"
            assert b"pdfuaid:part" in pdf.Root.Metadata.read_bytes()


# ----------------------------------------------------------------- what printing shows


@needs_poppler
def test_pdf_filled_values_visible_to_pdftotext(
    template: Callable[[FormSpec], Path], tmp_path: Path
) -> None:
    values = _sample_values()
    out = pdf_format.fill(template(SINK), values, tmp_path / "f.pdf", catalog=CATALOG)
    shown = _norm(pdftotext(out))
    for text in texts(SINK, values).values():
        if text and text != "Yes":
            assert _norm(text) in shown, text
    with pikepdf.open(out) as pdf:
        # every filled field has its own appearance, so NeedAppearances can stay off
        assert pdf.Root.AcroForm.NeedAppearances is False


def test_pdf_checkbox_on_state_is_read_from_its_appearances(
    template: Callable[[FormSpec], Path], tmp_path: Path
) -> None:
    values = _sample_values()
    filled = pdf_format.fill(template(SINK), values, tmp_path / "f.pdf", catalog=CATALOG)
    with pikepdf.open(filled) as pdf:
        for f in _pdf_fields.walk(pdf, "t"):
            if f.name == "support_offered.eap":
                normal = f.node.AP.N
                normal.Ja = normal.on
                del normal["/on"]
                f.node.V = f.node.AS = pikepdf.Name.Ja
            if f.name == "support_offered.other":
                f.node.V = pikepdf.Name.Yes  # not this box's on-state
        pdf.save(tmp_path / "g.pdf")
    result = pdf_format.read(tmp_path / "g.pdf", catalog=CATALOG)
    assert result.records[0].values["support_offered"] == ["eap"]
    # the wrong tick is reported; "Other support" then answers a question that does not apply
    assert [i.field for i in result.issues] == ["support_offered.other", "support_other"]
    issue = result.issues[0]
    assert issue.value == "/Yes"
    assert issue.where == "page 2, PDF field 'support_offered.other'"
    assert issue.file == str(tmp_path / "g.pdf")


# ----------------------------------------------------------------- the paper form


def _question_texts(spec: FormSpec) -> list[str]:
    out: list[str] = []
    for f in spec.fields():
        if isinstance(f, NoteField):
            continue
        out.append(f.label)
        if isinstance(f, TableField):
            out.extend(c.label for c in f.columns)
        answer_if = Wording(spec).answer_if(f)
        if answer_if:
            out.append(answer_if)
    return out


@needs_poppler
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_pdf_paper_prints_every_label_and_answer_if(
    spec: FormSpec, paper: Callable[[FormSpec], tuple[Path, Any]]
) -> None:
    path, _ = paper(spec)
    shown = _norm(pdftotext(path))
    missing = [t for t in _question_texts(spec) if _norm(t) not in shown]
    assert missing == []
    if any(spec.relevance(f) for f in spec.answerable()):
        assert "Answer if" in shown


def _question_pages(document: Any) -> dict[str, set[int]]:
    """Which pages each question block (an element with data-q) has boxes on."""
    pages: dict[str, set[int]] = {}
    for number, page in enumerate(document.pages, start=1):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            key = element.get("data-q") if element is not None else None
            if key:
                pages.setdefault(key, set()).add(number)
    return pages


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_pdf_paper_never_splits_a_question(
    spec: FormSpec, paper: Callable[[FormSpec], tuple[Path, Any]]
) -> None:
    _, document = paper(spec)
    pages = _question_pages(document)
    assert set(pages) == {f.id for f in spec.fields()}
    assert {k: v for k, v in pages.items() if len(v) > 1} == {}


@needs_poppler
def test_pdf_paper_identity_on_every_page(paper: Callable[[FormSpec], tuple[Path, Any]]) -> None:
    path, _ = paper(SINK)
    pages = pdftotext(path).split("\f")[:-1]
    assert len(pages) > 1
    for n, page in enumerate(pages, start=1):
        assert "Form kitchen_sink v2.1 · instance paper-kitchen_sink" in page
        assert f"Page {n} of {len(pages)}" in page
    with pikepdf.open(path) as pdf:
        assert "/AcroForm" not in pdf.Root
        assert _pdf_fields.read_identity(pdf).instance_id == "paper-kitchen_sink"


# ----------------------------------------------------------------- hostile and wrong files


def _filled(template: Callable[[FormSpec], Path], tmp_path: Path) -> Path:
    return pdf_format.fill(template(SINK), _sample_values(), tmp_path / "ok.pdf",
                           catalog=CATALOG)


def test_pdf_read_encrypted_is_refused(template: Callable[[FormSpec], Path],
                                       tmp_path: Path) -> None:
    src = _filled(template, tmp_path)
    with pikepdf.open(src) as pdf:
        pdf.save(tmp_path / "enc.pdf", encryption=pikepdf.Encryption(user="secret",
                                                                      owner="secret"))
    with pytest.raises(ReturnError, match="encrypted; remove the password") as err:
        pdf_format.read(tmp_path / "enc.pdf", catalog=CATALOG)
    assert err.value.file == str(tmp_path / "enc.pdf")


def test_pdf_read_ignores_and_reports_javascript_and_launch(
    template: Callable[[FormSpec], Path], tmp_path: Path
) -> None:
    src = _filled(template, tmp_path)
    marker = tmp_path / "ran"
    with pikepdf.open(src) as pdf:
        js = pikepdf.Dictionary(S=pikepdf.Name.JavaScript,
                                JS=pikepdf.String(f"app.launchURL('file://{marker}')"))
        pdf.Root.OpenAction = pdf.make_indirect(js)
        launch = pikepdf.Dictionary(S=pikepdf.Name.Launch,
                                    F=pikepdf.String(f"/usr/bin/touch {marker}"))
        first = pdf.pages[0].obj.Annots[0]
        first.AA = pikepdf.Dictionary(D=launch)
        pdf.save(tmp_path / "js.pdf")
    result = pdf_format.read(tmp_path / "js.pdf", catalog=CATALOG)
    assert result.records[0].values == _sample_values()
    [issue] = result.issues
    assert issue.field == "(form)"
    assert "never run" in issue.message
    assert "JavaScript" in issue.message
    assert "event actions" in issue.message
    assert not marker.exists()


def test_pdf_read_plain_pdf_is_not_a_form(tmp_path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(tmp_path / "plain.pdf")
    with pytest.raises(ReturnError, match="no form id"):
        pdf_format.read(tmp_path / "plain.pdf", catalog=CATALOG)


def test_pdf_read_another_form_is_refused(template: Callable[[FormSpec], Path],
                                          tmp_path: Path) -> None:
    with pikepdf.open(template(SINK)) as pdf:
        pdf.docinfo[f"/{FORM_ID}"] = pikepdf.String("someone_elses_form")
        pdf.save(tmp_path / "other.pdf")
    with pytest.raises(ReturnError, match="unknown form 'someone_elses_form'"):
        pdf_format.read(tmp_path / "other.pdf", catalog=CATALOG)
    with pikepdf.open(template(SINK)) as pdf:
        pdf.docinfo[f"/{VERSION}"] = pikepdf.String("9.9")
        pdf.save(tmp_path / "ver.pdf")
    with pytest.raises(ReturnError, match=r"has no version '9\.9'"):
        pdf_format.read(tmp_path / "ver.pdf", catalog=CATALOG)


def test_pdf_read_truncated_and_damaged_files(template: Callable[[FormSpec], Path],
                                              tmp_path: Path) -> None:
    data = _filled(template, tmp_path).read_bytes()
    cases = {
        "truncated.pdf": data[: len(data) // 2],
        "tail-cut.pdf": data[:-40],
        "garbage.pdf": b"%PDF-1.7\n" + b"\x00garbage" * 100 + b"\n%%EOF\n",
        "empty.pdf": b"",
        "not-pdf.pdf": b"PK\x03\x04 not a pdf at all",
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ReturnError) as err:
            pdf_format.read(tmp_path / name, catalog=CATALOG)
        assert err.value.file == str(tmp_path / name)
        assert any(w in err.value.message for w in ("truncated", "damaged", "not a PDF")), \
            err.value.message


def test_pdf_read_repaired_file_reads_with_an_issue(
    template: Callable[[FormSpec], Path], tmp_path: Path
) -> None:
    data = _filled(template, tmp_path).read_bytes()
    head, _, tail = data.rpartition(b"startxref")
    offset = int(tail.split()[0])
    (tmp_path / "bad-xref.pdf").write_bytes(head + b"startxref\n" + str(offset + 7).encode()
                                            + b"\n%%EOF\n")
    result = pdf_format.read(tmp_path / "bad-xref.pdf", catalog=CATALOG)
    assert result.records[0].values == _sample_values()
    [issue] = result.issues
    assert issue.field == "(form)"
    assert "damaged and repaired" in issue.message


def test_pdf_read_size_cap(monkeypatch: pytest.MonkeyPatch,
                           template: Callable[[FormSpec], Path]) -> None:
    from bluestone_forms.formats.pdf import _open as _pdf_open

    monkeypatch.setattr(_pdf_open, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ReturnError, match="at most"):
        pdf_format.read(template(SINK), catalog=CATALOG)


def test_pdf_read_field_tree_bounded(template: Callable[[FormSpec], Path],
                                     tmp_path: Path) -> None:
    with pikepdf.open(template(SINK)) as pdf:
        loop = pdf.make_indirect(pikepdf.Dictionary(T=pikepdf.String("loop")))
        loop.Kids = pikepdf.Array([loop])  # a cycle must not hang the reader
        pdf.Root.AcroForm.Fields.append(loop)
        deep = node = pdf.make_indirect(pikepdf.Dictionary(T=pikepdf.String("d")))
        for _ in range(_pdf_fields.MAX_DEPTH + 2):
            kid = pdf.make_indirect(pikepdf.Dictionary(T=pikepdf.String("d")))
            node.Kids = pikepdf.Array([kid])
            node = kid
        pdf.save(tmp_path / "loop.pdf")
        pdf.Root.AcroForm.Fields.append(deep)
        pdf.save(tmp_path / "deep.pdf")
    assert pdf_format.read(tmp_path / "loop.pdf", catalog=CATALOG).records
    with pytest.raises(ReturnError, match="nested deeper"):
        pdf_format.read(tmp_path / "deep.pdf", catalog=CATALOG)


def test_pdf_read_reports_a_deleted_field(template: Callable[[FormSpec], Path],
                                          tmp_path: Path) -> None:
    with pikepdf.open(template(SINK)) as pdf:
        fields = pdf.Root.AcroForm.Fields
        idx = next(i for i, f in enumerate(fields) if str(f.T) == "officer")
        annots = pdf.pages[0].obj.Annots
        del annots[next(i for i, a in enumerate(annots) if a.objgen == fields[idx].objgen)]
        del fields[idx]
        pdf.save(tmp_path / "deleted.pdf")
    result = pdf_format.read(tmp_path / "deleted.pdf", catalog=CATALOG)
    assert [(i.field, i.file) for i in result.issues if "missing" in i.message] == [
        ("officer", str(tmp_path / "deleted.pdf"))]


# ----------------------------------------------------------------- sealed rendering

HOSTILE = """
id: hostile
title: "Hostile <img src='file:///etc/passwd'>"
version: "1.0"
source: {seed: test, title: "<link rel=stylesheet href='http://example.invalid/x.css'>"}
sections:
  - id: s
    title: "<style>@import url('file:///etc/passwd');</style>"
    fields:
      - id: a
        type: text
        label: "<img src=\\"file:///etc/passwd\\"> and <img src='http://example.invalid/t.png'>"
        hint: "<div style=\\"background: url('file:///etc/hostname')\\">x</div>"
"""


@needs_poppler
def test_render_escapes_spec_html_and_fetches_nothing_outside(tmp_path: Path) -> None:
    spec = load_spec_text(HOSTILE, "hostile.yaml")
    fetcher = render.SealedFetcher()
    out = pdf_format.write(spec, tmp_path / "h.pdf", fetcher=fetcher)
    assert fetcher.refused == []
    assert [Path(u).name for u in fetcher.served] == ["forms.css"]
    shown = pdftotext(out)
    assert '<img src="file:///etc/passwd">' in shown  # printed as text, never loaded
    assert "root:" not in shown
    html = pdf_format.form_html(spec, Identity("hostile", "1.0", "x"))
    assert "<img" not in html
    assert "&lt;img src=" in html


def test_render_fetcher_refuses_files_urls_and_css_urls(tmp_path: Path) -> None:
    secret = Path("/etc/passwd").read_bytes().splitlines()[0]
    raw = """<html><head><link rel="stylesheet" href="forms.css">
    <link rel="stylesheet" href="http://127.0.0.1:9/evil.css">
    <style>@import url("file:///etc/hostname"); p { background: url("file:///etc/passwd") }
    </style></head><body><p>x</p><img src="file:///etc/passwd"><img src="../pyproject.toml">
    <img src="http://127.0.0.1:9/t.png"><img src="data:image/png;base64,iVBORw0KGgo=">
    <object data="file:///etc/passwd"></object><embed src="file:///etc/passwd">
    <link rel="attachment" href="file:///etc/passwd"></body></html>"""
    fetcher = render.SealedFetcher()
    render.write_pdf(raw, tmp_path / "raw.pdf", fetcher=fetcher)
    assert [Path(u).name for u in fetcher.served] == ["forms.css"]
    refused = " ".join(fetcher.refused)
    for url in ("file:///etc/passwd", "file:///etc/hostname", "http://127.0.0.1:9/evil.css",
                "http://127.0.0.1:9/t.png", "pyproject.toml", "data:image/png"):
        assert url in refused
    with pikepdf.open(tmp_path / "raw.pdf") as pdf:
        assert "/EmbeddedFiles" not in pdf.Root.get("/Names", {})
        streams = b"".join(o.read_bytes() for o in pdf.objects if isinstance(o, pikepdf.Stream))
    assert secret not in streams
    assert fetcher.local_path((render.templates_dir() / "forms.css").as_uri()) is not None
    assert fetcher.local_path("file:///etc/passwd") is None
    assert fetcher.local_path((render.templates_dir() / "form.html.j2").as_uri()) is None


def test_render_templates_autoescape() -> None:
    env = render.environment()
    assert env.autoescape is True
    html = render.render_html("_page.html.j2", page=_pdf_layout.PageView(
        title="<script>x</script>", subtitle="", description="", marking="OFFICIAL",
        identity="", attribution="", body_class="paper"))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_pdf_radio_rule_and_rating_label() -> None:
    """Radio buttons for up to 6 options (in a table cell only if they fit on one line), a
    drop-down beyond; a rating's buttons have a visible label from the wording module."""
    spec = next(s for s in SPECS if s.id == "ld_self_assessment")
    words = Wording(spec)
    shown = {s.key: _pdf_layout.control(s, words) for s in slots(spec)}
    assert shown["c01_rating"].radio
    assert not shown["force"].radio
    assert shown["c01_rating"].answer_label == "Your rating (1–4)"
    html = pdf_format.form_html(spec, Identity(spec.id, spec.version, "x"))
    assert html.count('type="radio" id="f-c01_rating-') == 4
    assert '<p class="answer-label" id="f-c01_rating-label">Your rating (1–4)</p>' in html
    sink = {s.key: _pdf_layout.control(s, Wording(SINK)) for s in slots(SINK)}
    assert sink["actions.1.done"].radio  # Yes / No fit a table cell
    assert not sink["actions.1.priority"].radio  # four long rating texts do not


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@settings(max_examples=min(3, settings.default.max_examples), deadline=None)
@given(data=st.data())
def test_pdf_pypdf_fill_read_roundtrip(
    spec: FormSpec, data: st.DataObject, template: Callable[[FormSpec], Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A form filled as pypdf users fill one (update_page_form_field_values, appearances
    regenerated) reads back exactly: "/on" for a tick, "/Yes" (the on-state pypdf and
    `get_fields()` list) for a radio button, the text otherwise."""
    values = data.draw(record_values(spec))
    path = template(spec)
    with pikepdf.open(path) as pdf:
        found = {f.name: f for f in _pdf_fields.walk(pdf, "t")}
        on = {n: sorted(_pdf_fields.on_states(f)) for n, f in found.items()}
        radios = {n for n, f in found.items() if _pdf_choice.is_radio(f.ft, f.flags)}
    by_key = slot_map(spec)
    fill: dict[str, str] = {}
    for key, text in texts(spec, values).items():
        if by_key[key].kind == "flag":
            text = "/" + on[key][0] if text else "/Off"
        elif key in radios:
            text = "/" + _pdf_choice.state_names(by_key[key])[text] if text else "/Off"
        fill[key] = text
    writer = pypdf.PdfWriter(clone_from=str(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pypdf: characters its font encoding lacks
        writer.update_page_form_field_values(None, fill, auto_regenerate=True)
    out = tmp_path_factory.mktemp("pypdf") / "filled.pdf"
    writer.write(out)
    result = pdf_format.read(out, catalog=CATALOG)
    assert [str(i) for i in result.issues] == []
    assert result.records[0].values == values
