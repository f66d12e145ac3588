"""The collated workbook's Summary sheet: rows as tall as their wrapped text, titles whole,
a native chart for each short table with every label shown and room of its own."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from outputs_corpus import CATALOG, Corpus, corpus

from bluestone_forms.outputs.figures import (
    NOT_ANSWERED,
    NOT_ASKED,
    AlertRow,
    Heatmap,
    Summary,
    Table,
)
from bluestone_forms.outputs.summary_sheet import LINE_PT, WIDTHS, lines_needed, write_summary
from bluestone_forms.spec.numbering import question_numbers

TOTALS = dict.fromkeys(("files", "records", "read", "read_with_issues", "duplicate",
                        "superseded", "conflict", "rejected", "issues"), 0)
POINTS = [
    "Consider key learning points from first engagement with victim. What worked well and "
    "what could be improved.",
    "Note key handover issues from first response to main office.",
    "Check on officer involved to identify any issues of trauma and wellbeing - referral "
    "where required",
    "Case and victim needs",
]
TITLE = ("Reflective Practice Point 1: Reporting Stage—First Response Officer (FRO) Support: "
         "checklist coverage")


def test_lines_needed_breaks_between_words() -> None:
    assert lines_needed("short", 10) == 1
    assert lines_needed("", 10) == 1
    per_line = int(10 * 1.05)
    assert lines_needed("a" * per_line, 10) == 1
    assert lines_needed("a" * per_line + " b", 10) == 2
    assert lines_needed("a" * (3 * per_line), 10) == 3  # a word longer than a line breaks
    assert lines_needed("one\ntwo\nthree", 40) == 3


@given(st.lists(st.text(alphabet="abc ", min_size=0, max_size=12), max_size=30),
       st.integers(4, 60))
def test_lines_needed_holds_every_character(words: list[str], width: int) -> None:
    """No line holds more than a line's worth of letters, and a text of one word takes just
    the lines its length needs."""
    text = " ".join(words)
    per_line = int(width * 1.05)
    assert lines_needed(text, width) >= -(-len(text.replace(" ", "")) // per_line)
    word = text.replace(" ", "")
    assert lines_needed(word, width) == max(1, -(-len(word) // per_line))


def summary() -> Summary:
    table = Table(TITLE, ["Point", "Yes", "No", "Not applicable", "Not answered"],
                  [[p, 1, 2, 3, 0] for p in POINTS], chart="stacked")
    ratings = Table("Mean rating by question", ["Question", "Mean"],
                    [[f"Question {i}", i / 2] for i in range(1, 6)])
    long = Table("Every return", ["Form", "Count"], [[f"form {i}", i] for i in range(45)])
    alert = AlertRow("Case review", "Live risk identified", "Avon and Somerset Constabulary",
                     [("Crime reference", "AB/1"), ("Direction", "x " * 60)], "/r/a.docx",
                     "i1", "current")
    heat = Heatmap("ld", "Mean rating by force", ["A", "B"], ["one", "two"],
                   [[1.0, 2.0], [3.0, None]], 1, 4, "caption")
    return Summary("OFFICIAL-SENSITIVE", "now", TOTALS, alerts=[alert], heatmaps=[heat],
                   tables=[table, long], ratings=[ratings])


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> Any:
    wb = Workbook(write_only=True)
    write_summary(wb.create_sheet("Summary"), summary())
    path: Path = tmp_path_factory.mktemp("summary") / "s.xlsx"
    wb.save(path)
    return load_workbook(path)["Summary"]


def row_of(ws: Any, text: str) -> int:
    return next(c.row for c in ws["A"] if c.value == text)


def height(ws: Any, row: int) -> float:
    return ws.row_dimensions[row].height or LINE_PT


def test_wrapped_rows_are_as_tall_as_their_lines(sheet: Any) -> None:
    for point in POINTS:
        row = row_of(sheet, point)
        assert sheet.cell(row=row, column=1).alignment.wrap_text
        assert height(sheet, row) >= LINE_PT * lines_needed(point, WIDTHS[0])
    assert height(sheet, row_of(sheet, POINTS[0])) >= 3 * LINE_PT
    assert sheet.row_dimensions[row_of(sheet, POINTS[3])].height is None  # one line: as is
    details = next(c for c in sheet["D"] if isinstance(c.value, str) and "x x" in c.value)
    assert height(sheet, details.row) >= LINE_PT * lines_needed(details.value, WIDTHS[3])


def test_titles_are_whole_and_not_wrapped(sheet: Any) -> None:
    cell = sheet.cell(row=row_of(sheet, TITLE), column=1)
    assert not cell.alignment.wrap_text  # spills across the empty cells to its right
    assert cell.font.b


def test_each_short_table_has_a_chart_with_every_label_and_room_of_its_own(sheet: Any) -> None:
    charts = sheet._charts
    assert len(charts) == 2  # the checklist and the ratings; 45 rows is too long for one
    titles = [c.title.tx.rich.p[0].r[0].t for c in charts]
    assert TITLE in titles  # whole, never cut at a length
    for chart in charts:
        assert chart.x_axis.tickLblSkip == 1
        top = chart.anchor._from.row + 1  # 0-based in the drawing
        room = sum(height(sheet, r) for r in range(top, next_title_row(sheet, top)))
        assert room >= cm_high(chart) * 28.35
    stacked = next(c for c in charts if c.grouping == "percentStacked")
    assert cm_high(stacked) >= len(POINTS) * 1.0 + 4  # long labels: a centimetre a bar


def cm_high(chart: Any) -> float:
    return float(chart.anchor.ext.height) / 360_000  # EMU


def next_title_row(sheet: Any, after: int) -> int:
    for r in range(after + 1, sheet.max_row + 1):
        cell = sheet.cell(row=r, column=1)
        if cell.font.sz == 14:
            return r
    return sheet.max_row + 1


# --------------------------------------------------------------------------- on a real collation

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    return corpus(tmp_path_factory.getbasetemp())


def cell_texts(ws: Any, ref: str) -> list[Any]:
    """The values of the cells a chart formula such as 'Summary'!$A$3:$A$5 points at."""
    sheet, _, area = ref.rpartition("!")
    assert sheet.strip("'") == ws.title
    rows = ws[area.replace("$", "")]
    if not isinstance(rows, tuple):
        return [rows.value]
    return [c.value for row in (rows if isinstance(rows[0], tuple) else (rows,)) for c in row]


def chart_parts(book: Path) -> list[ET.Element]:
    with zipfile.ZipFile(book) as z:
        return [ET.fromstring(z.read(n)) for n in sorted(z.namelist())
                if n.startswith("xl/charts/chart")]


def test_chart_xml_points_at_questions_and_answers(made: Corpus) -> None:
    """Every chart's categories are question (or point) labels of its table and its series
    are named by the table's answer headings; rating axes are fixed to the scale and count
    axes step in whole numbers."""
    ws = load_workbook(made.hidden.workbook)["Summary"]
    kinds: Counter[str] = Counter()
    questions = {f"Q{question_numbers(s)[f.id]} {f.label}" for s in CATALOG
                 for f in s.answerable()}
    answers = {c.label for s in CATALOG for f in s.answerable() if f.type in (
        "yes_no", "yes_no_na", "select_one", "select_many") for c in s.options(f)}  # type: ignore[arg-type]
    answers |= {NOT_ANSWERED, NOT_ASKED, "Not answered", "Not asked", "Not applicable"}
    for chart in chart_parts(made.hidden.workbook):
        head = chart.find(f"{C}chart/{C}title")
        assert head is not None  # every chart says what it shows
        title = "".join(t.text or "" for t in head.iter(
            "{http://schemas.openxmlformats.org/drawingml/2006/main}t"))
        sers = list(chart.iter(f"{C}ser"))
        assert sers, title
        for ser in sers:
            cat = ser.find(f"{C}cat/{C}strRef/{C}f")
            assert cat is not None, title  # text categories, by a string reference
            labels = cell_texts(ws, cat.text or "")
            assert labels
            assert all(isinstance(x, str) and x for x in labels), (title, labels)
            name = cell_texts(ws, ser.find(f"{C}tx/{C}strRef/{C}f").text or "")[0]  # type: ignore[union-attr]
            if title.endswith(("answers counted", "checklist coverage")):
                assert set(labels) <= questions, title
                assert name in answers, (title, name)
        scaling = chart.find(f".//{C}valAx/{C}scaling")
        assert scaling is not None
        if title.endswith(": ratings"):
            kinds["ratings"] += 1
            spec = next(s for s in CATALOG if title == f"{s.title}: ratings")
            points = [p.value for sc in spec.scales.values() for p in sc.points]
            assert float(scaling.find(f"{C}min").get("val")) == min(points)  # type: ignore[union-attr]
            assert float(scaling.find(f"{C}max").get("val")) == max(points)  # type: ignore[union-attr]
        elif title.endswith("answers counted"):
            kinds["answers"] += 1
            assert len(sers) >= 3  # the answers as series, not one bar per row
            unit = chart.find(f".//{C}valAx/{C}majorUnit")
            assert unit is not None
            assert float(unit.get("val", "0")).is_integer()
            assert float(scaling.find(f"{C}min").get("val")) == 0  # type: ignore[union-attr]
        elif title.endswith("checklist coverage"):
            kinds["checklists"] += 1
            assert len(sers) == 5
    assert kinds["ratings"] >= 2
    assert kinds["answers"] >= 4
    assert kinds["checklists"] == 6


def test_summary_fonts_are_named_and_heatmaps_have_their_own_sheet(made: Corpus) -> None:
    book = load_workbook(made.hidden.workbook)
    assert book.sheetnames[:2] == ["Summary", "Heatmaps"]
    ws = book["Summary"]
    for row in ws.iter_rows(max_row=30):
        for c in row:
            if c.value is not None:
                assert c.font.name == "Arial", c.coordinate
    hm = book["Heatmaps"]
    assert hm.column_dimensions["C"].width < 10  # narrow columns for the figures
    assert ws.column_dimensions["D"].width == WIDTHS[3]
    assert hm.conditional_formatting
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.fitToWidth == 1, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.print_title_rows, sheet.title


def test_data_sheets_are_frozen_after_force_and_crime_reference(made: Corpus) -> None:
    book = load_workbook(made.hidden.workbook, read_only=False)
    ws = book["rp1"]
    heads = [c.value for c in ws[2]]
    assert heads[:2] == ["force", "crime_ref"]
    assert ws.freeze_panes == "C3"
    answers_end = heads.index("instance_id")
    assert heads[answers_end:] == ["instance_id", "status", "version", "file", "sha256",
                                   "read_at", "modified"]
    assert book["pausepoint"].freeze_panes == "A3"  # no force, nothing to keep in view
