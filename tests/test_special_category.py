"""Special-category handling declared in the spec: names pseudonymised, health notes withheld
(counted as given or not), the officer's role kept; and a spec cannot list a name with a
follow-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from outputs_corpus import HEALTH_NOTE, OFFICERS, Corpus, corpus
from pypdf import PdfReader

from bluestone_forms.errors import SpecError
from bluestone_forms.outputs.workbook import WITHHELD
from bluestone_forms.spec.loader import load_spec_text


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return corpus(tmp_path_factory.getbasetemp())


def sheet_texts(book: Path, sheet: str | None = None) -> list[str]:
    """Every cell's text of one sheet, or of every sheet."""
    wb = load_workbook(book, read_only=True)
    try:
        sheets = [wb[sheet]] if sheet else wb.worksheets
        return [str(c) for ws in sheets for row in ws.iter_rows(values_only=True)
                for c in row if c is not None]
    finally:
        wb.close()  # a read-only workbook keeps its file open until closed


def all_csv_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.csv")))


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_pausepoint_names_are_pseudonyms_role_kept_notes_withheld(made: Corpus) -> None:
    out = made.hidden
    texts = sheet_texts(out.workbook, "pausepoint")
    every_sheet = sheet_texts(out.workbook)
    csvs = all_csv_text(out.csv_dir)
    reports = pdf_text(out.report) + out.html_report.read_text(encoding="utf-8")
    for officer in OFFICERS:
        assert not any(officer in t for t in every_sheet)
        assert officer not in csvs
        assert officer not in reports
    assert any(t.startswith("Person-") for t in texts)
    assert "Investigating officer" in texts  # the role is useful and names no one
    assert "Investigating officer" in csvs
    assert not any(HEALTH_NOTE in t for t in every_sheet)
    assert HEALTH_NOTE not in csvs
    assert HEALTH_NOTE not in reports
    assert WITHHELD in texts
    assert WITHHELD in csvs


def test_pausepoint_notes_and_names_are_there_when_asked_for(made: Corpus) -> None:
    out = made.named
    texts = sheet_texts(out.workbook, "pausepoint")
    csvs = all_csv_text(out.csv_dir)
    assert HEALTH_NOTE in texts
    assert HEALTH_NOTE in csvs
    assert any(o in texts for o in OFFICERS)
    assert any(o in csvs for o in OFFICERS)
    assert WITHHELD not in texts
    # the reports count, never quote: the notes stay out even when asked for
    assert HEALTH_NOTE not in pdf_text(out.report)
    assert HEALTH_NOTE not in out.html_report.read_text(encoding="utf-8")


def test_withheld_notes_are_counted_as_given(made: Corpus) -> None:
    texts = sheet_texts(made.hidden.workbook, "Summary")
    assert "PausePoint record: special-category notes (withheld)" in texts
    assert "Q10 Supervisor's assessment of wellbeing" in texts


SPEC = """\
id: tiny
title: Tiny
version: "1.0"
source: {seed: x, title: X}
classification:
  names: [officer]
  special_category_text: [notes]
sections:
  - id: s
    title: S
    fields:
      - {id: officer, type: text, label: Officer}
      - {id: notes, type: long_text, label: Notes}
      - {id: raised, type: yes_no, label: "Raised?"}
collation:
  follow_ups:
    - title: Raised
      when: "raised == 'yes'"
      show: [raised, officer, notes]
"""


def test_a_follow_up_may_not_show_a_name_or_special_category_text() -> None:
    with pytest.raises(SpecError) as err:
        load_spec_text(SPEC, "tiny.yaml")
    text = str(err.value)
    assert "tiny.yaml" in text
    assert "'officer' is a name or special-category text" in text
    assert "'notes' is a name or special-category text" in text


def test_a_marking_must_name_a_field() -> None:
    bad = SPEC.replace("names: [officer]", "names: [oficer]").replace(
        "show: [raised, officer, notes]", "show: [raised]")
    with pytest.raises(SpecError, match="no field or column 'oficer'"):
        load_spec_text(bad, "tiny.yaml")
