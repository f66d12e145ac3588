"""The Excel format: what the workbook offers a person, round trips (also through LibreOffice),
and every kind of damaged, tampered or foreign file becoming a clear error or issue."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import subprocess
import tempfile
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import record_values, specs_under_test

from bluestone_forms.answers import records, values
from bluestone_forms.answers.slots import Slot, slot_map, slots
from bluestone_forms.errors import ReturnError
from bluestone_forms.formats import xlsx
from bluestone_forms.formats.ooxml.sheetml import Book
from bluestone_forms.formats.xlsx import _layout as L
from bluestone_forms.formats.xlsx import _sheet as _xlsx_sheet
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.loader import load_spec_text
from bluestone_forms.spec.model import FormSpec

EXCEL_SPEC = load_spec_text(
    """
id: xlsx_edge
title: "Excel edge cases: long lists, commas, quotes & a licence"
version: "1.2"
protective_marking: OFFICIAL-SENSITIVE
source:
  seed: "002_b338d24a54f88198.txt"
  title: "L&D guidance"
  authors: "Operation Soteria Bluestone"
  date: "2023"
  licence: "CC BY-NC-SA 4.0"
choice_lists:
  outcome:
    - {code: declined, label: "Victim declines to prosecute"}
    - {code: nfa_police, label: "No further action, police decision"}
    - {code: other, label: "Other, with a \\"quoted\\" note"}
  long:
    - {code: a1, label: "A very long choice label number one that goes on and on for a while"}
    - {code: a2, label: "A very long choice label number two that goes on and on for a while"}
    - {code: a3, label: "A very long choice label number three that goes on and on for a while"}
    - {code: a4, label: "A very long choice label number four that goes on and on for a while"}
  support:
    - {code: eap, label: "Employee Assistance Programme"}
    - {code: "1", label: "Peer support"}
scales:
  quality:
    title: Quality
    points: [{value: 1, label: Poor}, {value: 2, label: Fair}, {value: 3, label: Good}]
sections:
  - id: case
    title: Case
    fields:
      - {id: crime_ref, type: text, label: "Crime reference", required: true, max_length: 40,
         hint: "e.g. 12/34567/23"}
      - {id: summary, type: long_text, label: "Summary", lines: 3}
      - {id: count, type: integer, label: "Count", min: -5, max: 3650}
      - {id: hours, type: decimal, label: "Hours", places: 3}
      - {id: when, type: date, label: "Date of the review", required: true}
      - {id: risk, type: yes_no, label: "Live risk", required: true}
      - {id: direction, type: text, label: "Direction given", relevant: "risk == 'yes'"}
      - {id: outcome, type: select_one, choices: outcome, label: "Outcome"}
      - {id: longpick, type: select_one, choices: long, label: "A long list"}
      - {type: note, id: n1, text: "A printed note."}
  - id: review
    title: Review
    fields:
      - {id: focus, type: rating, scale: quality, label: "Focus"}
      - {id: support, type: select_many, choices: support, label: "Support offered"}
      - id: actions
        type: table
        label: "Agreed actions"
        max_rows: 2
        columns:
          - {id: action, type: text, label: "Action", required: true}
          - {id: due, type: date, label: "Due"}
          - {id: cost, type: decimal, label: "Cost"}
          - {id: grade, type: rating, scale: quality, label: "Grade"}
      - {id: signoff, type: signoff, label: "Supervisor sign-off"}
""",
    "xlsx_edge.yaml",
)
SPECS = [*specs_under_test(), EXCEL_SPEC]
LAYOUTS = ("form", "register")
SAMPLE: dict[str, Any] = {
    "crime_ref": "12/34567/23",
    "summary": "first line\nsecond line",
    "count": 12,
    "hours": Decimal("2.125"),
    "when": dt.date(2024, 3, 5),
    "risk": "yes",
    "direction": "=HYPERLINK(\"x\")",
    "outcome": "other",
    "longpick": "a3",
    "focus": 3,
    "support": ["eap", "1"],
    "actions": [{"action": "Do it", "due": dt.date(2024, 4, 1), "cost": Decimal("10.25"),
                 "grade": 2}],
    "signoff": {"name": "DI Jones", "date": dt.date(2024, 3, 6)},
}


def catalog_of(spec: FormSpec) -> Catalog:
    return Catalog([spec])


def expected_rows(spec: FormSpec, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """What a register read returns: rows with at least one answer, in order."""
    blank = records.empty_values(spec)
    return [dict(r) for r in rows if records.nest(spec, records.flatten(spec, r)) != blank]


def meta_map(path: Path) -> dict[str, str]:
    wb = openpyxl.load_workbook(path)
    ws = wb[L.META_SHEET]
    out: dict[str, str] = {}
    seen = False
    for a, b, *_ in ws.iter_rows(values_only=True):
        if a == L.MAP_HEADING:
            seen = True
        elif seen and a:
            out[str(a)] = str(b)
    return out


def excel_like(slot: Slot, value: Any) -> Any:
    """How Excel stores what a person types (written independently of the filler)."""
    if value is None or value is False:
        return None
    if slot.kind in ("integer",):
        return int(value)
    if slot.kind == "decimal":
        return float(value)
    if slot.kind == "date" and value >= dt.date(1900, 3, 1):
        return value
    if slot.kind == "time":  # a time cell: openpyxl stores the fraction of a day
        return value
    return values.encode(slot, value) or None


def openpyxl_fill(template: Path, spec: FormSpec, rows: Sequence[Mapping[str, Any]],
                  out: Path) -> Path:
    """Fill with openpyxl at the cells the metadata sheet names, as a user's Excel would."""
    wb = openpyxl.load_workbook(template)
    where = meta_map(template)
    by_key = slot_map(spec)
    for n, vals in enumerate(rows):
        for key, value in records.flatten(spec, vals).items():
            sheet, ref = where[key].split("!")
            first = ref.split(":")[0]
            letters = first.rstrip("0123456789")
            cell = wb[sheet][f"{letters}{int(first[len(letters):]) + n}"]
            native = excel_like(by_key[key], value)
            cell.value = native
            if isinstance(native, str):
                cell.data_type = "s"
    wb.save(out)
    return out


def write_and_fill(spec: FormSpec, layout: str, rows: list[dict[str, Any]], folder: Path,
                   how: str, name: str = "filled") -> Path:
    template = folder / f"template-{spec.id}-{layout}.xlsx"
    if not template.exists():
        xlsx.write(spec, template, layout=layout, rows=4)
    out = folder / f"{name}.xlsx"
    if how == "openpyxl":
        return openpyxl_fill(template, spec, rows, out)
    return xlsx.fill(template, rows if layout == "register" else rows[0], out, spec=spec)


def read_values(path: Path, spec: FormSpec) -> tuple[list[dict[str, Any]], list[str]]:
    """What a read gives; the same whether or not the sheet's empty cells are left out of
    the tree (only a part with many is cut by default: here every part is, too)."""
    result = xlsx.read(path, catalog=catalog_of(spec))
    with mock.patch.object(_xlsx_sheet, "STRIP_FROM", 0):
        stripped = xlsx.read(path, catalog=catalog_of(spec))
    assert (stripped.records, stripped.issues) == (result.records, result.issues)
    return [r.values for r in result.records], [str(i) for i in result.issues]


# -- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_xlsx_roundtrip_gives_back_exactly_the_values_put_in(spec: FormSpec, layout: str,
                                                           tmp_path: Path) -> None:
    n = (1, 4) if layout == "register" else (1, 1)

    @given(st.lists(record_values(spec), min_size=n[0], max_size=n[1]),
           st.sampled_from(["fill", "openpyxl"]))
    def check(rows: list[dict[str, Any]], how: str) -> None:
        path = write_and_fill(spec, layout, rows, tmp_path, how)
        got, issues = read_values(path, spec)
        assert issues == []
        assert got == (expected_rows(spec, rows) if layout == "register" else rows)

    check()


def test_xlsx_prefilled_write_reads_back(tmp_path: Path) -> None:
    form = xlsx.write(EXCEL_SPEC, tmp_path / "f.xlsx", values=SAMPLE, instance_id="abc")
    reg = xlsx.write(EXCEL_SPEC, tmp_path / "r.xlsx", values=[SAMPLE, SAMPLE], layout="register",
                     rows=3, instance_id="abc")
    result = xlsx.read(form, catalog=catalog_of(EXCEL_SPEC))
    assert [r.values for r in result.records] == [SAMPLE]
    assert result.records[0].instance_id == "abc"
    assert result.issues == []
    got, issues = read_values(reg, EXCEL_SPEC)
    assert got == [SAMPLE, SAMPLE]
    assert issues == []


def test_xlsx_fill_keeps_identity_and_register_takes_a_list(tmp_path: Path) -> None:
    tpl = xlsx.write(EXCEL_SPEC, tmp_path / "r.xlsx", layout="register", rows=3,
                     instance_id="11111111-2222-3333-4444-555555555555")
    out = xlsx.fill(tpl, [SAMPLE, {}, SAMPLE], tmp_path / "o.xlsx", spec=EXCEL_SPEC)
    result = xlsx.read(out, catalog=catalog_of(EXCEL_SPEC))
    assert [r.row for r in result.records] == [5, 7]
    ids = [r.instance_id for r in result.records]
    assert ids == [L.row_id("11111111-2222-3333-4444-555555555555", n) for n in (1, 3)]
    assert all(str(uuid.UUID(i)) == i for i in ids)
    single = xlsx.fill(tpl, SAMPLE, tmp_path / "s.xlsx", spec=EXCEL_SPEC)
    assert len(xlsx.read(single, catalog=catalog_of(EXCEL_SPEC)).records) == 1
    with pytest.raises(ValueError, match="do not fit"):
        xlsx.fill(tpl, [SAMPLE] * 4, tmp_path / "x.xlsx", spec=EXCEL_SPEC)
    form = xlsx.write(EXCEL_SPEC, tmp_path / "f.xlsx", instance_id="keep-me")
    filled = xlsx.fill(form, SAMPLE, tmp_path / "g.xlsx", spec=EXCEL_SPEC)
    assert xlsx.read(filled, catalog=catalog_of(EXCEL_SPEC)).records[0].instance_id == "keep-me"
    with pytest.raises(ValueError, match="one return"):
        xlsx.fill(form, [SAMPLE, SAMPLE], tmp_path / "h.xlsx", spec=EXCEL_SPEC)


# -- what the workbook offers a person -------------------------------------------------------


def test_xlsx_form_protects_labels_and_validates_every_input(tmp_path: Path) -> None:
    path = xlsx.write(EXCEL_SPEC, tmp_path / "f.xlsx", instance_id="i-1")
    wb = openpyxl.load_workbook(path)
    ws = wb[L.FORM_SHEET]
    assert ws.protection.sheet
    assert not ws.protection.password
    assert wb.security is not None
    assert wb.security.lockStructure
    where = meta_map(path)
    by_key = slot_map(EXCEL_SPEC)
    assert set(where) == set(by_key)
    dvs = ws.data_validations.dataValidation
    for key, ref in where.items():
        slot = by_key[key]
        sheet, cell_ref = ref.split("!")
        cell = ws[cell_ref]
        assert sheet == L.FORM_SHEET
        assert not cell.protection.locked
        assert cell.number_format == L.number_format(slot)
        if slot.kind in ("text", "long_text"):
            assert cell.number_format == "@"
        # its defined name points at it
        name = wb.defined_names[L.defined_name(key)]
        assert name.attr_text.replace("$", "") == ref
        dv = [d for d in dvs if cell_ref in d.sqref]
        assert len(dv) == 1, key
        d = dv[0]
        assert d.showInputMessage
        assert d.showErrorMessage
        assert d.error
        assert d.prompt
        assert len(d.promptTitle) <= 32
        assert len(d.errorTitle) <= 32
        assert len(d.prompt) <= 255
        assert len(d.error) <= 255
        expected_type = {"text": "textLength", "long_text": "textLength", "integer": "whole",
                         "decimal": "decimal", "date": "date"}.get(slot.kind, "list")
        assert d.type == expected_type
        if slot.kind == "flag":
            assert d.formula1 == '"Yes"'
        # the label to its left is locked
        assert ws.cell(row=cell.row, column=2).protection.locked
    crime = next(d for d in dvs if where["crime_ref"].split("!")[1] in d.sqref)
    assert crime.prompt == "e.g. 12/34567/23"
    assert "40 characters" in crime.error
    count = next(d for d in dvs if where["count"].split("!")[1] in d.sqref)
    assert (count.formula1, count.formula2) == ("-5", "3650")
    # long list and labels with commas or quotes go to the hidden lists sheet
    longpick = next(d for d in dvs if where["longpick"].split("!")[1] in d.sqref)
    outcome = next(d for d in dvs if where["outcome"].split("!")[1] in d.sqref)
    assert longpick.formula1.startswith(f"{L.LISTS_SHEET}!$")
    assert outcome.formula1.startswith(f"{L.LISTS_SHEET}!$")
    assert wb[L.LISTS_SHEET].sheet_state == "hidden"
    rating = next(d for d in dvs if where["focus"].split("!")[1] in d.sqref)
    assert rating.formula1 == '"1 – Poor,2 – Fair,3 – Good"'
    # table validations run down every row of the table
    due = next(d for d in dvs if where["actions.1.due"].split("!")[1] in d.sqref)
    assert where["actions.2.due"].split("!")[1] in due.sqref
    # required inputs are marked
    label = ws.cell(row=ws[where["crime_ref"].split("!")[1]].row, column=2).value
    assert label.endswith(" Crime reference (required)")


def test_xlsx_form_identifies_itself_and_prints_well(tmp_path: Path) -> None:
    path = xlsx.write(EXCEL_SPEC, tmp_path / "f.xlsx", instance_id="i-1", password="s3cret")
    wb = openpyxl.load_workbook(path)
    meta = wb[L.META_SHEET]
    assert meta.sheet_state == "veryHidden"
    head = {r[0]: r[1] for r in meta.iter_rows(max_row=5, values_only=True)}
    assert head == {"bluestone:form-id": "xlsx_edge", "bluestone:version": "1.2",
                    "bluestone:instance-id": "i-1", L.LAYOUT: "form", L.SHEET: L.FORM_SHEET}
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert props["bluestone:form-id"] == "xlsx_edge"
    assert props["bluestone:instance-id"] == "i-1"
    ws = wb[L.FORM_SHEET]
    assert ws.protection.password  # hashed, never the password itself
    assert ws.freeze_panes == "A5"
    assert ws.print_title_rows == "$2:$3"
    # a fixed print scale at which the columns fit the page width (not "fit to page":
    # Excel ignores manual page breaks then; the breaks: tests/test_layout_office.py)
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert 10 <= ws.page_setup.scale <= 100
    assert ws.oddFooter.left.text == "Form xlsx_edge v1.2 · instance i-1"
    assert ws.oddHeader.center.text == "OFFICIAL-SENSITIVE"
    with zipfile.ZipFile(path) as z:  # openpyxl parses only a section's last font run
        footer = re.search(rb"<oddFooter>(.*?)</oddFooter>", z.read("xl/worksheets/sheet1.xml"))
    assert footer is not None
    assert b"&amp;ROFFICIAL-SENSITIVE" in footer[1].replace(b'&amp;"Calibri,Bold"&amp;10', b"")
    assert "CC BY-NC-SA 4.0" in ws.oddHeader.left.text
    assert "L&&D guidance" in ws.oddHeader.left.text  # & escaped for Excel's header codes
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("CC BY-NC-SA 4.0" in t and "Operation Soteria Bluestone" in t for t in texts)
    assert ws.column_dimensions["A"].hidden
    assert ws.row_dimensions[1].hidden
    assert 30 <= ws.column_dimensions["B"].width <= 60


def test_xlsx_no_attribution_without_licence(tmp_path: Path) -> None:
    spec = next((s for s in SPECS if not s.source.licence), None)
    if spec is None:
        pytest.skip("every spec under test states a licence")
    ws = openpyxl.load_workbook(xlsx.write(spec, tmp_path / "f.xlsx"))[L.FORM_SHEET]
    assert not ws.oddHeader.left.text
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any("licensed under" in t for t in texts)


def test_xlsx_register_has_a_row_per_return_and_a_column_per_slot(tmp_path: Path) -> None:
    path = xlsx.write(EXCEL_SPEC, tmp_path / "r.xlsx", layout="register", rows=10,
                      instance_id="i-2")
    wb = openpyxl.load_workbook(path)
    ws = wb[L.REGISTER_SHEET]
    keys = [c.value for c in ws[4]]
    assert keys[0] == L.KEYS_MARK
    assert keys[1:] == [s.key for s in slots(EXCEL_SPEC)]
    assert ws.row_dimensions[4].hidden
    assert ws.freeze_panes == "B5"
    dvs = ws.data_validations.dataValidation
    assert len(dvs) == len(slots(EXCEL_SPEC))
    for col, slot in enumerate(slots(EXCEL_SPEC), start=2):
        letter = openpyxl.utils.get_column_letter(col)
        assert any(f"{letter}5:{letter}14" in str(d.sqref) for d in dvs), slot.key
        assert not ws.cell(row=14, column=col).protection.locked
        assert ws.cell(row=15, column=col).protection.locked
        name = wb.defined_names[L.defined_name(slot.key)]
        assert name.attr_text == f"{L.REGISTER_SHEET}!${letter}$5:${letter}$14"
    ids = [ws.cell(row=r, column=1).value for r in range(5, 15)]
    assert ids == [L.row_id("i-2", n) for n in range(1, 11)]
    assert ws.cell(row=5, column=1).protection.locked
    assert ws.page_setup.orientation == "landscape"


def test_xlsx_defined_names_are_safe_for_every_slot() -> None:
    names = [L.defined_name(s.key) for spec in SPECS for s in slots(spec)]
    for name in names:
        assert name.startswith("bs_")
        assert all(ch.isalnum() or ch in "._" for ch in name)
        assert len(name) <= 255
    per_spec = [[L.defined_name(s.key).casefold() for s in slots(spec)] for spec in SPECS]
    assert all(len(set(n)) == len(n) for n in per_spec)


# -- LibreOffice ---------------------------------------------------------------------------


def soffice(files: Sequence[Path], outdir: Path, target: str) -> None:
    """Convert many files in one soffice run, with a profile of its own."""
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="lo-xlsx-"))
    try:
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation={profile.as_uri()}",
             "--convert-to", target, "--outdir", str(outdir), *map(str, files)],
            check=True, capture_output=True, timeout=900,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def resaved(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[FormSpec, str, list[Any],
                                                                     Path, Path]]:
    """Random valid returns of every spec and layout, filled, then re-saved by LibreOffice."""
    folder = tmp_path_factory.mktemp("lo-in")
    cases: list[tuple[FormSpec, str, list[Any], Path]] = []

    def collect(spec: FormSpec, layout: str) -> None:
        n = (1, 4) if layout == "register" else (1, 1)

        @settings(max_examples=3 if layout == "form" else 2)
        @given(st.lists(record_values(spec), min_size=n[0], max_size=n[1]),
               st.sampled_from(["fill", "openpyxl"]))
        def one(rows: list[dict[str, Any]], how: str) -> None:
            name = f"{spec.id}-{layout}-{len(cases)}"
            cases.append((spec, layout, rows, write_and_fill(spec, layout, rows, folder, how,
                                                             name)))

        one()

    for spec in SPECS:
        for layout in LAYOUTS:
            collect(spec, layout)
    out = tmp_path_factory.mktemp("lo-out")
    soffice([c[3] for c in cases], out, 'xlsx:Calc MS Excel 2007 XML')
    return [(spec, layout, rows, path, out / path.name) for spec, layout, rows, path in cases]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_xlsx_roundtrip_survives_a_libreoffice_resave(resaved: list[Any]) -> None:
    assert len(resaved) >= len(SPECS) * 3
    for spec, layout, rows, _, after in resaved:
        got, issues = read_values(after, spec)
        assert issues == [], (spec.id, layout, issues)
        assert got == (expected_rows(spec, rows) if layout == "register" else rows), spec.id


def dvs(ws: Any) -> list[tuple[Any, ...]]:
    return sorted((str(d.sqref), d.type, d.prompt, d.error, d.formula1)
                  for d in ws.data_validations.dataValidation)


@pytest.mark.libreoffice
@pytest.mark.slow
def test_xlsx_libreoffice_keeps_metadata_names_validations_and_protection(
        resaved: list[Any]) -> None:
    for spec, layout, _, before, after in resaved:
        if spec is not EXCEL_SPEC:
            continue
        old, new = openpyxl.load_workbook(before), openpyxl.load_workbook(after)
        sheet = L.REGISTER_SHEET if layout == "register" else L.FORM_SHEET
        # identity: the metadata sheet (merely hidden now) and the document properties
        assert new[L.META_SHEET].sheet_state == "hidden"
        assert meta_map(after) == meta_map(before)
        assert list(new[L.META_SHEET].iter_rows(max_row=5, values_only=True)) == \
            list(old[L.META_SHEET].iter_rows(max_row=5, values_only=True))
        props = {p.name: p.value for p in new.custom_doc_props.props}
        assert props == {p.name: p.value for p in old.custom_doc_props.props}
        # every defined name, pointing where it did
        for key in meta_map(before):
            name = L.defined_name(key)
            assert new.defined_names[name].attr_text == old.defined_names[name].attr_text
        # validations with their texts
        assert dvs(new[sheet]) == dvs(old[sheet])
        # protection and unlocked inputs
        ws = new[sheet]
        assert ws.protection.sheet
        for ref in meta_map(before).values():
            first = ref.split("!")[1].split(":")[0]
            assert not ws[first].protection.locked
        if layout == "form":
            assert ws.column_dimensions["A"].hidden
            assert ws.row_dimensions[1].hidden
        else:
            assert ws.row_dimensions[4].hidden


@pytest.mark.libreoffice
@pytest.mark.slow
def test_xlsx_prints_marking_identity_and_attribution(tmp_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    path = xlsx.write(EXCEL_SPEC, tmp_path / "form.xlsx", values=SAMPLE, instance_id="i-9")
    soffice([path], tmp_path / "pdf", "pdf")
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "pdf" / "form.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    assert text.count("OFFICIAL-SENSITIVE") >= 3  # header, footer and the sheet itself
    assert "Form xlsx_edge v1.2 · instance i-9" in text
    assert "CC BY-NC-SA 4.0" in text
    assert "Crime reference (required)" in text
    assert "12/34567/23" in text
    assert "bluestone:tags" not in text  # the hidden markers do not print


# -- damaged, tampered and foreign files -----------------------------------------------------


def filled_form(folder: Path, name: str = "filled.xlsx") -> Path:
    template = xlsx.write(EXCEL_SPEC, folder / "template.xlsx", instance_id="i-3")
    return xlsx.fill(template, SAMPLE, folder / name, spec=EXCEL_SPEC)


def ref_of(path: Path, key: str) -> str:
    return meta_map(path)[key].split("!")[1]


def edit_zip(src: Path, dst: Path, changes: Mapping[str, bytes | None]) -> Path:
    """Copy a package, replacing (bytes), dropping (None) or adding parts."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in changes:
                body = changes[info.filename]
                if body is not None:
                    zout.writestr(info.filename, body)
            else:
                zout.writestr(info.filename, zin.read(info.filename))
        for name, body in changes.items():
            if name not in zin.namelist() and body is not None:
                zout.writestr(name, body)
    return dst


def sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_xlsx_values_pasted_over_validation_are_issues_naming_the_cell(tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.FORM_SHEET]
    pasted = {"outcome": "Banana", "count": "twelve", "when": "31/02/2024", "focus": 7,
              "support.eap": "maybe", "hours": "2,5", "actions.1.due": "soon"}
    for key, value in pasted.items():
        ws[ref_of(path, key)].value = value
    wb.save(path)
    result = xlsx.read(path, catalog=catalog_of(EXCEL_SPEC))
    by_field = {i.field: i for i in result.issues}
    for key in pasted:
        issue = by_field[key]
        assert issue.where == f"Form!{ref_of(path, key)}"
        assert issue.file == str(path)
        assert "expected" in issue.message
    vals = result.records[0].values
    assert vals["outcome"] is None
    assert vals["count"] is None
    assert vals["when"] is None
    assert vals["focus"] is None
    assert vals["support"] == ["1"]
    assert vals["crime_ref"] == SAMPLE["crime_ref"]  # the rest is read as usual
    assert "Choose an answer" not in by_field["outcome"].message
    assert "'Victim declines to prosecute'" in by_field["outcome"].message


def test_xlsx_native_cell_values_read_correctly(tmp_path: Path) -> None:
    """Text typed into number cells, floats, datetimes at midnight, numbers in text cells."""
    path = filled_form(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.FORM_SHEET]
    ws[ref_of(path, "count")].value = "12"
    ws[ref_of(path, "hours")].value = 2.125
    ws[ref_of(path, "when")].value = dt.datetime(2024, 3, 5)
    ws[ref_of(path, "crime_ref")].value = 1234
    ws[ref_of(path, "focus")].value = 3
    wb.save(path)
    got, issues = read_values(path, EXCEL_SPEC)
    assert issues == []
    assert got == [{**SAMPLE, "crime_ref": "1234"}]


def test_xlsx_date_with_a_time_is_an_issue_not_a_date(tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb[L.FORM_SHEET][ref_of(path, "when")].value = dt.datetime(2024, 3, 5, 14, 30)
    wb.save(path)
    result = xlsx.read(path, catalog=catalog_of(EXCEL_SPEC))
    (issue,) = [i for i in result.issues if i.field == "when"]
    assert "without a time" in issue.message
    assert issue.where == f"Form!{ref_of(path, 'when')}"
    assert result.records[0].values["when"] is None


def test_xlsx_formula_in_an_input_is_reported_never_evaluated(tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    count, crime = ref_of(path, "count"), ref_of(path, "crime_ref")
    xml = sheet_xml(path)
    # a formula with a cached result, as Excel saves one
    old = xml[xml.index(f'<c r="{count}"'.encode()):]
    old = old[: old.index(b"</c>") + 4]
    new = f'<c r="{count}" s="1"><f>SUM(1,2)</f><v>3</v></c>'.encode()
    path2 = edit_zip(path, tmp_path / "f2.xlsx", {"xl/worksheets/sheet1.xml":
                                                   xml.replace(old, new)})
    wb = openpyxl.load_workbook(path2)
    wb[L.FORM_SHEET][crime].value = "=A1"
    wb.save(path2)
    result = xlsx.read(path2, catalog=catalog_of(EXCEL_SPEC))
    issues = {i.field: i for i in result.issues}
    assert set(issues) == {"count", "crime_ref"}
    assert issues["count"].value == "=SUM(1,2)"
    assert "formula" in issues["count"].message
    assert issues["count"].where == f"Form!{count}"
    assert issues["crime_ref"].where == f"Form!{crime}"
    assert result.records[0].values["count"] is None


def test_xlsx_error_value_in_an_input_is_an_issue(tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    ref = ref_of(path, "hours")
    xml = sheet_xml(path)
    old = xml[xml.index(f'<c r="{ref}"'.encode()):]
    old = old[: old.index(b"</c>") + 4]
    new = f'<c r="{ref}" t="e"><v>#N/A</v></c>'.encode()
    path2 = edit_zip(path, tmp_path / "e.xlsx", {"xl/worksheets/sheet1.xml":
                                                  xml.replace(old, new)})
    result = xlsx.read(path2, catalog=catalog_of(EXCEL_SPEC))
    (issue,) = result.issues
    assert issue.field == "hours"
    assert "#N/A" in issue.message
    assert issue.where == f"Form!{ref}"


def test_xlsx_deleted_metadata_sheet_is_recognised_with_an_issue(tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    wb = openpyxl.load_workbook(path)
    del wb[L.META_SHEET]
    wb.save(path)
    result = xlsx.read(path, catalog=catalog_of(EXCEL_SPEC))
    assert [r.values for r in result.records] == [SAMPLE]
    assert result.records[0].instance_id == "i-3"
    (issue,) = result.issues
    assert issue.field == "(form)"
    assert "deleted" in issue.message


@pytest.mark.parametrize("custom", [None, b"<Properties", b"<Properties xmlns='x'/>"],
                         ids=["stripped", "damaged", "foreign"])
def test_xlsx_without_usable_properties_is_identified_by_its_metadata_sheet(
        tmp_path: Path, custom: bytes | None) -> None:
    """Some converters drop a workbook's custom properties; the hidden sheet still says who
    the return is, and nothing is reported."""
    path = filled_form(tmp_path)
    bare = edit_zip(path, tmp_path / "bare.xlsx", {"docProps/custom.xml": custom})
    result = xlsx.read(bare, catalog=catalog_of(EXCEL_SPEC))
    assert result.issues == []
    assert [(r.instance_id, r.values) for r in result.records] == [("i-3", SAMPLE)]


def test_xlsx_identity_as_written_is_read_from_the_properties_alone(tmp_path: Path) -> None:
    """The metadata sheet's rows cost about three times the properties part; with both there,
    the sheet is not parsed."""
    path = filled_form(tmp_path)
    with mock.patch.object(Book, "leading_rows", side_effect=AssertionError("parsed")):
        result = xlsx.read(path, catalog=catalog_of(EXCEL_SPEC))
    assert [(r.instance_id, r.values) for r in result.records] == [("i-3", SAMPLE)]


def test_xlsx_no_identity_at_all_is_a_return_error(tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    wb = openpyxl.load_workbook(path)
    del wb[L.META_SHEET]
    wb.save(path)
    bare = edit_zip(path, tmp_path / "bare.xlsx", {"docProps/custom.xml": None})
    with pytest.raises(ReturnError, match="not a bluestone form"):
        xlsx.read(bare, catalog=catalog_of(EXCEL_SPEC))


def test_xlsx_rows_and_columns_inserted_above_the_inputs_still_read_right(
        tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    before = ref_of(path, "crime_ref")
    wb = openpyxl.load_workbook(path)
    ws = wb[L.FORM_SHEET]
    ws.insert_rows(3, 2)  # openpyxl moves the cells but not the names: they are now stale
    ws.insert_cols(2)
    wb.save(path)
    result = xlsx.read(path, catalog=catalog_of(EXCEL_SPEC))
    assert result.issues == []
    assert [r.values for r in result.records] == [SAMPLE]
    # an issue would name the cell where the answer is now
    wb = openpyxl.load_workbook(path)
    letters = before.rstrip("0123456789")
    moved = f"{chr(ord(letters) + 1)}{int(before[len(letters):]) + 2}"
    wb[L.FORM_SHEET][moved].value = "x" * 41
    wb.save(path)
    (issue,) = xlsx.read(path, catalog=catalog_of(EXCEL_SPEC)).issues
    assert issue.field == "crime_ref"
    assert issue.where == f"Form!{moved}"


def test_xlsx_lost_tags_fall_back_to_the_defined_names(tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.FORM_SHEET]
    for row in range(1, ws.max_row + 1):
        ws.cell(row=row, column=1).value = None
    wb.save(path)
    got, issues = read_values(path, EXCEL_SPEC)
    assert got == [SAMPLE]
    assert issues == []
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    wb.save(path)
    with pytest.raises(ReturnError, match="which cell holds which answer"):
        xlsx.read(path, catalog=catalog_of(EXCEL_SPEC))


def test_xlsx_copied_row_is_reported_not_guessed(tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb[L.FORM_SHEET]
    ws.cell(row=ws.max_row + 1, column=1).value = "count"
    ws.cell(row=ws.max_row, column=3).value = 99
    wb.save(path)
    result = xlsx.read(path, catalog=catalog_of(EXCEL_SPEC))
    (issue,) = result.issues
    assert issue.field == "count"
    assert "twice" in issue.message
    assert result.records[0].values["count"] is None


def test_xlsx_another_forms_workbook_is_a_return_error(tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    other = SPECS[0]
    with pytest.raises(ReturnError, match="unknown form 'xlsx_edge'"):
        xlsx.read(path, catalog=catalog_of(other))
    newer = load_spec_text(
        "id: xlsx_edge\ntitle: t\nversion: '9.0'\nsource: {seed: s, title: t}\n"
        "sections: [{id: s, title: S, fields: [{id: a, type: text, label: A}]}]\n", "v9.yaml")
    with pytest.raises(ReturnError, match=r"no version '1\.2'"):
        xlsx.read(path, catalog=catalog_of(newer))
    plain = tmp_path / "plain.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "just a spreadsheet"  # type: ignore[index]
    wb.save(plain)
    with pytest.raises(ReturnError, match="not a bluestone form"):
        xlsx.read(plain, catalog=catalog_of(EXCEL_SPEC))


def test_xlsx_fill_refuses_another_forms_template(tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    with pytest.raises(ReturnError, match="not"):
        xlsx.fill(path, {}, tmp_path / "x.xlsx", spec=SPECS[0])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "legacy binary"),
        (lambda p: p.read_bytes()[: len(p.read_bytes()) // 2], "damaged or truncated"),
        (lambda p: b"PK\x03\x04" + b"garbage" * 50, "damaged or truncated"),
        (lambda p: b"hello, world", "not a .xlsx file"),
    ],
    ids=["xls-ole", "truncated", "zip-garbage", "text"],
)
def test_xlsx_unreadable_files_are_return_errors(tmp_path: Path, make: Any,
                                                 message: str) -> None:
    good = filled_form(tmp_path)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(make(good))
    with pytest.raises(ReturnError, match=message):
        xlsx.read(bad, catalog=catalog_of(EXCEL_SPEC))


def test_xlsx_macro_enabled_workbooks_are_refused(tmp_path: Path) -> None:
    good = filled_form(tmp_path)
    with_vba = edit_zip(good, tmp_path / "m.xlsm", {"xl/vbaProject.bin": b"\0" * 100})
    with pytest.raises(ReturnError, match="macro"):
        xlsx.read(with_vba, catalog=catalog_of(EXCEL_SPEC))
    with zipfile.ZipFile(good) as z:
        types = z.read("[Content_Types].xml").replace(
            b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
    typed = edit_zip(good, tmp_path / "t.xlsx", {"[Content_Types].xml": types})
    with pytest.raises(ReturnError, match="macro-enabled"):
        xlsx.read(typed, catalog=catalog_of(EXCEL_SPEC))


@pytest.mark.parametrize(
    ("part", "body", "message"),
    [
        ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>", "not well-formed"),
        ("xl/worksheets/sheet1.xml", None, "missing"),
        ("xl/workbook.xml", None, "missing"),
        ("xl/worksheets/sheet1.xml",
         b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DTD"),
        ("xl/workbook.xml", b"<notaworkbook/>", "not a SpreadsheetML workbook"),
    ],
    ids=["broken-xml", "no-sheet", "no-workbook", "dtd", "wrong-root"],
)
def test_xlsx_damaged_parts_are_return_errors(tmp_path: Path, part: str, body: bytes | None,
                                              message: str) -> None:
    bad = edit_zip(filled_form(tmp_path), tmp_path / "bad.xlsx", {part: body})
    with pytest.raises(ReturnError, match=message):
        xlsx.read(bad, catalog=catalog_of(EXCEL_SPEC))


def test_xlsx_dtds_in_the_metadata_sheet_or_content_types_are_refused(tmp_path: Path) -> None:
    good = filled_form(tmp_path)
    dtd = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/hostname">]>'
    with zipfile.ZipFile(good) as z:
        meta = z.read("xl/worksheets/sheet3.xml")
        types = z.read("[Content_Types].xml")
    wide = (dtd + meta.split(b"?>", 1)[-1]).replace(b'"1.0"?>', b'"1.0" encoding="UTF-16"?>')
    # the metadata sheet is parsed when the properties do not say who the return is
    cases: list[dict[str, bytes | None]] = [
        {"xl/worksheets/sheet3.xml": wide.decode().encode("utf-16"), "docProps/custom.xml": None},
        {"[Content_Types].xml": dtd + types.split(b"?>", 1)[-1]}]
    for changes in cases:
        bad = edit_zip(good, tmp_path / "dtd.xlsx", changes)
        with pytest.raises(ReturnError, match="DTD"):
            xlsx.read(bad, catalog=catalog_of(EXCEL_SPEC))


def test_xlsx_bad_shared_string_index_is_a_return_error(tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    ref = ref_of(path, "crime_ref")
    xml = sheet_xml(path)
    old = xml[xml.index(f'<c r="{ref}"'.encode()):]
    old = old[: old.index(b"</c>") + 4]
    new = f'<c r="{ref}" t="s"><v>99999</v></c>'.encode()
    bad = edit_zip(path, tmp_path / "bad.xlsx", {"xl/worksheets/sheet1.xml":
                                                  xml.replace(old, new)})
    with pytest.raises(ReturnError, match="shared string"):
        xlsx.read(bad, catalog=catalog_of(EXCEL_SPEC))


def test_xlsx_a_far_away_cell_costs_nothing(tmp_path: Path) -> None:
    """calamine would allocate a dense grid up to XFD1048576; the part reader does not."""
    path = filled_form(tmp_path)
    xml = sheet_xml(path).replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    far = edit_zip(path, tmp_path / "far.xlsx", {"xl/worksheets/sheet1.xml": xml})
    got, issues = read_values(far, EXCEL_SPEC)
    assert got == [SAMPLE]
    assert issues == []


@settings(max_examples=40)
@given(st.data())
def test_xlsx_mangled_sheet_xml_never_raises_anything_else(data: st.DataObject) -> None:
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        path = filled_form(folder)
        xml = bytearray(sheet_xml(path))
        for _ in range(data.draw(st.integers(1, 8))):
            at = data.draw(st.integers(0, len(xml) - 1))
            xml[at] = data.draw(st.sampled_from(b'<>/"=0123456789ABCtsvfr '))
        bad = edit_zip(path, folder / "bad.xlsx", {"xl/worksheets/sheet1.xml": bytes(xml)})
        with contextlib.suppress(ReturnError):
            xlsx.read(bad, catalog=catalog_of(EXCEL_SPEC))


# -- register --------------------------------------------------------------------------------


def filled_register(folder: Path, rows: Sequence[Mapping[str, Any]]) -> Path:
    template = xlsx.write(EXCEL_SPEC, folder / "reg.xlsx", layout="register", rows=6,
                          instance_id="i-4")
    return xlsx.fill(template, rows, folder / "reg-filled.xlsx", spec=EXCEL_SPEC)


def test_xlsx_register_issues_name_their_row_and_cell(tmp_path: Path) -> None:
    path = filled_register(tmp_path, [SAMPLE, SAMPLE])
    col = [s.key for s in slots(EXCEL_SPEC)].index("count") + 2
    letter = openpyxl.utils.get_column_letter(col)
    wb = openpyxl.load_workbook(path)
    wb[L.REGISTER_SHEET][f"{letter}6"].value = "lots"
    wb[L.REGISTER_SHEET][f"{letter}9"].value = "=1+1"  # a formula in an otherwise blank row
    wb.save(path)
    result = xlsx.read(path, catalog=catalog_of(EXCEL_SPEC))
    assert [r.row for r in result.records] == [5, 6, 9]
    bad = [i for i in result.issues if i.field == "count"]
    assert [(i.row, i.where) for i in bad] == [(6, f"Register!{letter}6"),
                                              (9, f"Register!{letter}9")]
    assert "formula" in bad[1].message
    assert all(i.row == 9 for i in result.issues if i.row not in (6,))


def test_xlsx_register_rows_inserted_above_and_between_are_handled(tmp_path: Path) -> None:
    path = filled_register(tmp_path, [SAMPLE, SAMPLE])
    wb = openpyxl.load_workbook(path)
    ws = wb[L.REGISTER_SHEET]
    ws.insert_rows(2, 2)  # above the headings
    ws.insert_rows(8, 1)  # between the two returns: a new row without a return id
    col = [s.key for s in slots(EXCEL_SPEC)].index("crime_ref") + 2
    ws.cell(row=8, column=col).value = "AB/1"
    wb.save(path)
    result = xlsx.read(path, catalog=catalog_of(EXCEL_SPEC))
    assert [r.row for r in result.records] == [7, 8, 9]
    assert result.records[0].values == SAMPLE
    assert result.records[2].values == SAMPLE
    assert result.records[1].values["crime_ref"] == "AB/1"
    ids = [r.instance_id for r in result.records]
    assert ids[0] == L.row_id("i-4", 1)
    assert ids[2] == L.row_id("i-4", 2)
    assert ids[1] == L.stray_row_id("i-4", 8)
    assert len(set(ids)) == 3
    stray = [i for i in result.issues if i.field == "(form)"]
    assert [(i.row, i.where) for i in stray] == [(8, "Register!A8")]


def test_xlsx_register_row_with_an_overlong_return_id_gets_a_derived_one(tmp_path: Path) -> None:
    path = filled_register(tmp_path, [SAMPLE, SAMPLE])
    wb = openpyxl.load_workbook(path)
    ws = wb[L.REGISTER_SHEET]
    first = next(r for r in range(1, 20) if ws.cell(row=r, column=1).value == L.row_id("i-4", 1))
    ws.protection.sheet = False
    ws.cell(row=first, column=1).value = "x" * 5000
    wb.save(path)
    result = xlsx.read(path, catalog=catalog_of(EXCEL_SPEC))
    assert [r.values for r in result.records] == [SAMPLE, SAMPLE]
    assert [r.instance_id for r in result.records] == [L.stray_row_id("i-4", first),
                                                      L.row_id("i-4", 2)]
    (issue,) = result.issues
    assert (issue.row, issue.where) == (first, f"Register!A{first}")
    assert "5,000 characters" in issue.message


@pytest.mark.parametrize("bad", ["C0", "XFE11", "11C", "C99999999"])
def test_xlsx_an_answer_in_a_cell_with_a_bad_reference_is_a_return_error(
        tmp_path: Path, bad: str) -> None:
    """Such a cell cannot be placed; its answer is never dropped without a word."""
    path = filled_form(tmp_path)
    ref = ref_of(path, "crime_ref")
    xml = sheet_xml(path)
    assert f'<c r="{ref}"'.encode() in xml
    broken = edit_zip(path, tmp_path / "bad.xlsx", {"xl/worksheets/sheet1.xml": xml.replace(
        f'<c r="{ref}"'.encode(), f'<c r="{bad}"'.encode())})
    with pytest.raises(ReturnError, match=f"bad cell reference '{bad}'"):
        xlsx.read(broken, catalog=catalog_of(EXCEL_SPEC))


def test_xlsx_overlong_instance_id_is_a_return_error(tmp_path: Path) -> None:
    path = filled_form(tmp_path)
    long_id = edit_zip(path, tmp_path / "long.xlsx", {"docProps/custom.xml": zipfile.ZipFile(
        path).read("docProps/custom.xml").replace(b">i-3<", b">" + b"7" * 201 + b"<")})
    with pytest.raises(ReturnError, match="instance id is 201 characters long"):
        xlsx.read(long_id, catalog=catalog_of(EXCEL_SPEC))


def test_xlsx_register_without_its_key_row_is_a_return_error(tmp_path: Path) -> None:
    path = filled_register(tmp_path, [SAMPLE])
    wb = openpyxl.load_workbook(path)
    wb[L.REGISTER_SHEET]["A4"].value = None
    wb.save(path)
    with pytest.raises(ReturnError, match="hidden row of answer keys"):
        xlsx.read(path, catalog=catalog_of(EXCEL_SPEC))


def test_xlsx_numbers_read_to_the_15_digits_excel_keeps(tmp_path: Path) -> None:
    """Excel writes a typed 71.82 as "71.819999999999993"; the person typed 71.82."""
    path = filled_form(tmp_path)
    ref = ref_of(path, "hours")
    xml = sheet_xml(path)
    old = xml[xml.index(f'<c r="{ref}"'.encode()):]
    old = old[: old.index(b"</c>") + 4]
    cases = {"71.819999999999993": Decimal("71.82"), "0.30000000000000004": Decimal("0.3"),
             "1.0000000000000001E-3": Decimal("0.001"), "12": Decimal(12)}
    for stored, typed in cases.items():
        new = f'<c r="{ref}"><v>{stored}</v></c>'.encode()
        path2 = edit_zip(path, tmp_path / "n.xlsx", {"xl/worksheets/sheet1.xml":
                                                      xml.replace(old, new)})
        got, issues = read_values(path2, EXCEL_SPEC)
        assert issues == []
        assert got[0]["hours"] == typed


def test_xlsx_cells_without_references_are_placed_by_position(tmp_path: Path) -> None:
    """The standard lets a writer leave out a cell's `r`; such cells follow the previous."""
    path = filled_form(tmp_path)
    previous = {"col": 0}

    def drop_redundant(m: re.Match[bytes]) -> bytes:
        if m[0].startswith(b"<row"):
            previous["col"] = 0
            return m[0]
        col = openpyxl.utils.column_index_from_string(m[2].decode())
        follows = col == previous["col"] + 1
        previous["col"] = col
        return m[1] if follows else m[0]

    xml = re.sub(rb'<row\b|(<c) r="([A-Z]+)\d+"', drop_redundant, sheet_xml(path))
    assert xml.count(b"<c>") + xml.count(b"<c ") > xml.count(b'<c r="')  # most lost their r
    bare = edit_zip(path, tmp_path / "bare.xlsx", {"xl/worksheets/sheet1.xml": xml})
    got, issues = read_values(bare, EXCEL_SPEC)
    assert got == [SAMPLE]
    assert issues == []
