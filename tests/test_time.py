"""The `time` field type (HH:MM, 24-hour clock) end to end: spec, codec, checks, every
format's widget, read-back as each client writes it, collation, the workbook and the report.

The tests here use tests/specs/times.yaml (a time on its own, one asked only sometimes, a
table column of times). The kitchen-sink spec asks a time too (`first_contact`), so every
round trip over the specs under test covers times as well.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pikepdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from realclient import harness
from strategies import ASCII_TYPABLE, record_values
from test_docx import NS, control_of, edit_document
from test_pdf import _xfdf
from test_xlsx import openpyxl_fill

from bluestone_forms.answers import values
from bluestone_forms.answers.records import Record, flatten
from bluestone_forms.answers.slots import slot_map
from bluestone_forms.answers.validate import validate
from bluestone_forms.collate.run import collate
from bluestone_forms.formats import docx as docx_format
from bluestone_forms.formats import pdf as pdf_format
from bluestone_forms.formats import xlsx as xlsx_format
from bluestone_forms.formats.xlsx import _layout as L
from bluestone_forms.outputs.export import export
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.loader import load_spec
from bluestone_forms.spec.model import FIELD_TYPES
from bluestone_forms.spec.scalars import CodecError

SPEC_FILE = Path(__file__).parent / "specs" / "times.yaml"
SPEC = load_spec(SPEC_FILE)
CATALOG = Catalog([SPEC])
TIME = slot_map(SPEC)["first_contact"]
TIMES = st.builds(dt.time, st.integers(0, 23), st.integers(0, 59))


def test_time_is_a_field_type_in_the_spec_its_json_schema_and_the_readme() -> None:
    """The type names come from the field classes (`spec_fields.FIELD_TYPES`); the README
    lists each of them, the shipped JSON Schema is the one `bluestone-forms schema` prints."""
    assert "time" in FIELD_TYPES
    root = Path(__file__).parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    listed = readme[readme.index("Field types:"):].split("Relevance rules")[0]
    assert [t for t in FIELD_TYPES if f"`{t}`" not in listed] == []
    schema = (root / "form_specs" / "spec.schema.json").read_text()
    assert '"TimeField"' in schema
    assert '"const": "time"' in schema


@pytest.mark.parametrize("raw", ["9:05", "09:05", " 09:05 ", "09:05:00", dt.time(9, 5),
                                 545 / 1440, 0.378472222222222, dt.datetime(1899, 12, 30, 9, 5)])
def test_time_reads_as_each_client_writes_it(raw: Any) -> None:
    """Word and PDF text, an Excel or Calc time cell (a fraction of a day, or what openpyxl
    makes of it), all give 09:05."""
    assert values.decode(TIME, raw) == dt.time(9, 5)
    assert values.encode(TIME, dt.time(9, 5)) == "09:05"


@pytest.mark.parametrize("raw", ["24:00", "9:5", "14:30:15", "noon", "14.30", "1430", 1.25,
                                 -0.5, dt.time(9, 5, 30), dt.datetime(2026, 1, 5, 9, 5),
                                 # numbers no time cell holds: once an OverflowError
                                 1.2483980103210528e+305, 10**400, Decimal("1e400")])
def test_time_that_is_no_hh_mm_time_is_a_clear_issue(raw: Any) -> None:
    with pytest.raises(CodecError, match=r"^expected a time as HH:MM, e\.g\. 14:30"):
        values.decode(TIME, raw)


@pytest.mark.parametrize("raw", [float("inf"), float("nan"), Decimal("NaN"), Decimal("sNaN")])
def test_time_decoder_refuses_what_is_no_number_as_a_codec_error(raw: Any) -> None:
    """The time kind's own decoder, below `values.decode`'s check for finite numbers: a NaN
    (even a signalling one) or an infinity is refused as no time, never an OverflowError or
    ValueError out of the reader."""
    from bluestone_forms.spec.kinds import decode_time

    with pytest.raises(CodecError, match=r"^expected a time as HH:MM"):
        decode_time(raw)
    with pytest.raises(CodecError):
        values.decode(TIME, raw)


def test_time_validation_names_the_field_and_what_was_expected() -> None:
    vals = {**sample_values(SPEC, random.Random(1)), "first_contact": "14:30"}
    record = Record(SPEC.id, SPEC.version, "i", vals)
    issues = [i for i in validate(record, SPEC) if i.field == "first_contact"]
    assert [i.message for i in issues] == [
        "Time of first contact with the victim: expected a time as HH:MM, e.g. 14:30"]


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("time-templates")
    return {fmt: mod.write(SPEC, folder / f"times.{fmt}")
            for fmt, mod in (("docx", docx_format), ("xlsx", xlsx_format), ("pdf", pdf_format))}


def _docx_like_word(template: Path, vals: dict[str, Any], out: Path, padded: bool) -> None:
    """Word's way: the control holds the text typed, "09:05" or "9:05"."""
    filled = out.with_name("padded.docx")
    docx_format.fill(template, vals, filled if not padded else out, spec=SPEC)
    if padded:
        return
    times = {k: v for k, v in flatten(SPEC, vals).items() if isinstance(v, dt.time)}

    def unpad(root: Any) -> None:
        for key, v in times.items():
            runs = control_of(root, key).xpath(".//w:sdtContent//w:t", namespaces=NS)
            assert "".join(t.text or "" for t in runs) == f"{v:%H:%M}"
            runs[0].text = f"{v.hour}:{v.minute:02d}"
            for t in runs[1:]:
                t.text = ""

    edit_document(filled, out, unpad)


def _xlsx_like_excel(template: Path, vals: dict[str, Any], out: Path) -> None:
    """Excel's and Calc's way: a time typed into a time cell is stored as a fraction of a day
    with the cell's time format (openpyxl writes a datetime.time so)."""
    openpyxl_fill(template, SPEC, [vals], out)
    wb = openpyxl.load_workbook(out)
    got = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, dt.time)]
    times = [v for v in flatten(SPEC, vals).values() if isinstance(v, dt.time)]
    assert len(got) == len(times)
    assert all(c.number_format == "hh:mm" for c in got)


def _pdf_like_pdftk(template: Path, vals: dict[str, Any], out: Path) -> None:
    """A PDF reader's way (pdftk fill_form from XFDF): the text typed, "9:05" or "09:05"."""
    xfdf = out.with_suffix(".xfdf")
    text = _xfdf(SPEC, vals, template)
    for key, v in flatten(SPEC, vals).items():
        if isinstance(v, dt.time):
            typed = f"<value>{v.hour}:{v.minute:02d}</value>"
            text = text.replace(f'"{key}"><value>{v:%H:%M}</value>', f'"{key}">{typed}')
            assert f'"{key}">{typed}' in text
    xfdf.write_text(text, encoding="utf-8")
    subprocess.run(["pdftk", str(template), "fill_form", str(xfdf), "output", str(out)],
                   check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("pdftk") is None, reason="pdftk is installed by setup.sh")
@settings(max_examples=12, deadline=None)
@given(data=st.data())
def test_time_round_trips_through_every_format(
    data: st.DataObject, templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory,
) -> None:
    vals = data.draw(record_values(SPEC, alphabet=ASCII_TYPABLE))
    vals["first_contact"] = data.draw(TIMES)
    fmt = data.draw(st.sampled_from(["docx", "docx-padded", "xlsx", "xlsx-filler", "pdf",
                                     "pdftk"]))
    folder = tmp_path_factory.mktemp("time")
    out = folder / f"filled.{fmt[:4].rstrip('-')}"
    if fmt.startswith("docx"):
        _docx_like_word(templates["docx"], vals, out, padded=fmt == "docx-padded")
        result = docx_format.read(out, catalog=CATALOG)
    elif fmt == "xlsx":
        _xlsx_like_excel(templates["xlsx"], vals, out)
        result = xlsx_format.read(out, catalog=CATALOG)
    elif fmt == "xlsx-filler":
        xlsx_format.fill(templates["xlsx"], vals, out, spec=SPEC)
        result = xlsx_format.read(out, catalog=CATALOG)
    elif fmt == "pdf":
        pdf_format.fill(templates["pdf"], vals, out, catalog=CATALOG)
        result = pdf_format.read(out, catalog=CATALOG)
    else:
        _pdf_like_pdftk(templates["pdf"], vals, out)
        result = pdf_format.read(out, catalog=CATALOG)
    assert [str(i) for i in result.issues] == []
    assert result.records[0].values == vals


def test_time_widgets_in_every_format(templates: dict[str, Path], tmp_path: Path) -> None:
    """Word: a text box saying HH:MM; Excel: an hh:mm cell validated as a time of day; PDF: a
    text field whose tooltip and printed hint say HH:MM; paper: boxes __:__."""
    from bluestone_forms.formats.docx import _layout as _docx_layout

    assert _docx_layout.placeholder(TIME) == "Type a time (HH:MM, 24-hour clock)"
    wb = openpyxl.load_workbook(templates["xlsx"])
    ws = wb["Form"]
    name = wb.defined_names["bs_first_contact"]
    (sheet, ref), = name.destinations
    cell = wb[sheet][ref.replace("$", "")]
    assert cell.number_format == "hh:mm"
    rules = [dv for dv in ws.data_validations.dataValidation if ref.replace("$", "") in
             str(dv.sqref)]
    assert [(r.type, r.operator, r.formula1) for r in rules] == [("time", "between", "0")]
    assert "HH:MM on the 24-hour clock" in (rules[0].prompt or "")
    assert "Expected a time as HH:MM, e.g. 14:30." in (rules[0].error or "")
    with pikepdf.open(templates["pdf"]) as pdf:
        field = next(f for f in pdf.Root.AcroForm.Fields if str(f.get("/T")) == "first_contact")
        assert str(field.FT) == "/Tx"
        assert "(HH:MM)" in str(field.TU)
    html = pdf_format.paper_html(SPEC, pdf_format.Identity(SPEC.id, SPEC.version, "i"))
    assert 'class="date-boxes time-boxes" data-slot="first_contact"' in html
    assert '<span class="date-sep">:</span>' in html


def test_time_collates_into_a_time_cell_csv_and_the_report(
    templates: dict[str, Path], tmp_path: Path,
) -> None:
    vals = sample_values(SPEC, random.Random(2), fill=1.0, first_contact=dt.time(9, 5),
                         isva_contacted="no",
                         contacts=[{"day": dt.date(2026, 11, 2), "at": dt.time(17, 45)}])
    inbox = tmp_path / "in"
    inbox.mkdir()
    for fmt, mod in (("docx", docx_format), ("xlsx", xlsx_format), ("pdf", pdf_format)):
        mod.fill(templates[fmt], vals, inbox / f"r.{fmt}", instance_id=f"i-{fmt}", spec=SPEC)
    store = tmp_path / "out" / "bluestone.sqlite"
    summary = collate([inbox], store, workers=1, extra_specs=[SPEC_FILE])
    assert summary.rejected == 0
    assert summary.records == 3
    outputs = export(store, tmp_path / "out", CATALOG, include_names=True,
                     include_special=True)
    wb = openpyxl.load_workbook(outputs.workbook)
    ws = wb["times"]
    ids = [c.value for c in ws[2]]
    column = ids.index("first_contact") + 1
    cells = [ws.cell(row=r, column=column) for r in range(3, ws.max_row + 1)]
    assert [c.value for c in cells] == [dt.time(9, 5)] * 3
    assert {c.number_format for c in cells} == {"hh:mm"}
    sub = wb["times.contacts"]
    heads = [c.value for c in sub[2]]
    at = [r[heads.index("at")] for r in sub.iter_rows(min_row=3, values_only=True)]
    assert at == [dt.time(17, 45)] * 3
    csv = (tmp_path / "out" / "csv" / "times.csv").read_text(encoding="utf-8")
    assert ",09:05," in csv
    html = outputs.html_report.read_text(encoding="utf-8")
    assert "09:05" in html


@pytest.mark.libreoffice
def test_time_typed_in_calc_is_a_time_cell_and_reads_back(tmp_path: Path) -> None:
    """LibreOffice Calc, through its own input path (what typing and Enter go through): "9:05"
    typed into the time cell becomes a time (shown 09:05) and reads back as 09:05; "14:30" too
    in a table row."""
    harness.require_office()
    env = harness.locale_profile(tmp_path, "en-GB")
    form = xlsx_format.write(SPEC, tmp_path / "times-form.xlsx")
    typed = {"first_contact": "9:05", "contacts.1.at": "14:30", "contacts.1.by": "DC Khan"}
    job = {"in": str(form), "out": str(tmp_path / "times-typed.xlsx"),
           "cells": {L.defined_name(k): ["type", v] for k, v in typed.items()}}
    done = harness.run_driver("calc_driver.py", [job], tmp_path / "calc", env=env)[0]
    assert done["shown"][L.defined_name("first_contact")] == "09:05"
    assert done["shown"][L.defined_name("contacts.1.at")] == "14:30"
    result = xlsx_format.read(job["out"], catalog=CATALOG)
    got = result.records[0].values
    assert got["first_contact"] == dt.time(9, 5)
    assert got["contacts"] == [{"day": None, "at": dt.time(14, 30), "by": "DC Khan"}]
    wb = openpyxl.load_workbook(job["out"])
    (sheet, ref), = wb.defined_names[L.defined_name("first_contact")].destinations
    cell = wb[sheet][ref.replace("$", "")]
    assert cell.value == dt.time(9, 5)
    assert cell.number_format.lower() == "hh:mm"
