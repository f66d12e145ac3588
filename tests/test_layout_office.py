"""Layout rules of the Word and Excel forms as printed (issue 15): every shipped form is
generated, printed to PDF by LibreOffice (the real client), and read back page by page: no page
ends with a section heading, and the live-risk group (the trigger and its direction) is on one
page, marked as a safeguarding item. The Excel form's page breaks are the writer's own
(`formats/xlsx/pages.py`), so the same rules are also checked on the workbook itself.
"""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lxml import etree
from test_layout_pdf import LabelLine, find, heading_at

from bluestone_forms.formats import docx, xlsx
from bluestone_forms.formats.keeping import groups, triggers
from bluestone_forms.formats.xlsx import pages
from bluestone_forms.spec import expr
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.model import Answerable, FormSpec, NoteField
from bluestone_forms.spec.wording import Wording

SHIPPED = sorted(s.id for s in Catalog.shipped())
PT_CM = 72 / 2.54
# the body of a printed page inside its margins (top, bottom), in points
MARGINS = {"docx": (2 * PT_CM, 2 * PT_CM), "xlsx": (0.7 * 72, 0.7 * 72)}
FURNITURE = re.compile(r"^(OFFICIAL(-SENSITIVE)?|Form \S+ v[\d.]+ · instance .*"
                       r"|.*Page \d+ of \d+|Form \S+, version \S+)$")


def office_pages(path: Path, kind: str, spec: FormSpec) -> list[list[str]]:
    """Each printed page's body lines, top to bottom, without the page furniture (marking,
    identity and page line, attribution) and, in Excel, the title rows repeated on every page."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], check=True,
                         capture_output=True).stdout
    root = etree.fromstring(out, etree.XMLParser(resolve_entities=False, no_network=True))
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    top, bottom = MARGINS[kind]
    words = Wording(spec)
    repeated = {" ".join(spec.title.split()), words.attribution()}
    result = []
    for n, page in enumerate(root.iterfind(".//x:page", ns)):
        height = float(page.get("height"))
        lines = []
        for line in page.iterfind(".//x:line", ns):
            y0, y1 = float(line.get("yMin")), float(line.get("yMax"))
            text = " ".join(w.text or "" for w in line.iterfind("x:word", ns))
            if y0 >= top - 2 and y1 <= height - bottom + 2 and not FURNITURE.match(text):
                lines.append((y0, float(line.get("xMin")), text))
        body = [text for _, _, text in sorted(lines)]
        if kind == "xlsx" and n:  # the print titles: the form's title and marking line
            while body and (body[0] in spec.title or body[0].startswith(words.marking())):
                body.pop(0)
        result.append([t for t in body if t not in repeated])
    return result


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every shipped form as Word and Excel, printed to PDF by LibreOffice (one run each)."""
    root = tmp_path_factory.mktemp("office")
    made: dict[str, list[Path]] = {"docx": [], "xlsx": []}
    for kind in made:
        (root / kind).mkdir()
    for form_id in SHIPPED:
        spec = Catalog.shipped().get(form_id)
        made["docx"].append(docx.write(spec, root / "docx" / f"{form_id}.docx"))
        made["xlsx"].append(xlsx.write(spec, root / "xlsx" / f"{form_id}.xlsx"))
    out: dict[tuple[str, str], Path] = {}
    for kind, files in made.items():
        profile = root / f"lo-{uuid.uuid4().hex}"
        subprocess.run(["soffice", "--headless", f"-env:UserInstallation={profile.as_uri()}",
                        "--convert-to", "pdf", "--outdir", str(root / f"{kind}-pdf"),
                        *map(str, files)], check=True, capture_output=True, timeout=600)
        shutil.rmtree(profile, ignore_errors=True)
        for form_id in SHIPPED:
            out[form_id, kind] = root / f"{kind}-pdf" / f"{form_id}.pdf"
            out[form_id, f"{kind}-file"] = root / kind / f"{form_id}.{kind}"
    return out


class QuestionLine(LabelLine):
    """A question's heading as printed ("Q12 label (required)"), wrapped over a few lines,
    perhaps after a hyphen ("decision-" / "making")."""

    def __init__(self, spec: FormSpec, f: Answerable) -> None:
        super().__init__(Wording(spec).heading(f, marker=False), bool(f.required))

    def match(self, lines: list[str], i: int) -> bool:
        joined = [re.sub(r"(\w)- (\w)", r"\1-\2", " ".join(lines[i:i + k])) for k in (1, 2, 3)]
        return any(self.pattern.fullmatch(text) for text in joined)


def live_risk_groups(spec: FormSpec) -> list[list[Answerable]]:
    """Each alert's trigger with its follow-ups."""
    out = []
    for alert in spec.collation.alerts:
        (trigger,) = expr.names(expr.parse(alert.when))
        out.append([f for f in spec.answerable() if f.id == trigger or (
            (rule := spec.relevance(f)) is not None and trigger in expr.names(rule))])
    return out


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_office_live_risk_group_is_marked_and_on_one_page(kind: str, printed: Any) -> None:
    spec = Catalog.shipped().get("case_review")
    body = office_pages(printed["case_review", kind], kind, spec)
    assert spec.collation.alerts
    for group in live_risk_groups(spec):
        assert len(group) >= 3
        where: dict[str, set[int]] = {}
        for f in group:
            pattern = QuestionLine(spec, f)
            where[f.id] = {n for n, lines in enumerate(body)
                           if any(pattern.match(lines, i) for i in range(len(lines)))}
            assert len(where[f.id]) == 1, (f.id, where[f.id])
        (page,) = set.union(*where.values())
        assert "SAFEGUARDING" in body[page], f"page {page + 1}: the group is not marked"


@pytest.mark.slow
@pytest.mark.libreoffice
@pytest.mark.parametrize("form_id", SHIPPED)
@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_office_no_page_ends_with_a_heading(form_id: str, kind: str, printed: Any) -> None:
    spec = Catalog.shipped().get(form_id)
    body = office_pages(printed[form_id, kind], kind, spec)
    titles = {" ".join(s.title.split()) for s in spec.sections}
    if kind == "xlsx":  # LibreOffice broke the pages where the writer did, and nowhere else
        ws = openpyxl.load_workbook(printed[form_id, "xlsx-file"])["Form"]
        assert len(body) == len(ws.row_breaks.brk) + 1
    for n, lines in enumerate(body[:-1]):
        for k in (1, 2, 3):
            assert " ".join(lines[-k:]) not in titles, f"page {n + 1} ends with a heading"
    at = (0, 0)
    for section in spec.sections:  # and each heading is on the page of its first question
        at = find(body, at, heading_at(section.title))
        first = next((f for f in section.fields if not isinstance(f, NoteField)), None)
        if first is None:
            continue
        q = find(body, at, QuestionLine(spec, first).match)
        assert q[0] == at[0], (f"{section.title!r} on page {at[0] + 1}, its first question "
                               f"on page {q[0] + 1}")


# --------------------------------------------------------------------------- the workbook itself


def heading_rows(ws: Any) -> set[int]:
    """Rows of the form sheet that hold a section heading (the dark band)."""
    return {c.row for row in ws.iter_rows(min_col=2, max_col=2) for c in row
            if c.fill is not None and c.fill.fgColor.rgb in ("001F3864", "FF1F3864")}


@pytest.mark.parametrize("form_id", SHIPPED)
def test_excel_page_breaks_keep_headings_and_groups(form_id: str, tmp_path: Path) -> None:
    """The workbook's own page breaks: no page ends with a heading; no break falls inside a
    question with its follow-ups; every page, as the rows' heights add up at the sheet's
    print scale, fits the page, so the application adds no break of its own before ours."""
    spec = Catalog.shipped().get(form_id)
    ws = openpyxl.load_workbook(xlsx.write(spec, tmp_path / "f.xlsx"))["Form"]
    assert not ws.sheet_properties.pageSetUpPr.fitToPage  # Excel ignores breaks then
    assert 10 <= ws.page_setup.scale <= 100
    cuts = sorted(b.id for b in ws.row_breaks.brk)
    heads = heading_rows(ws)
    assert heads
    inputs = sorted(c.row for row in ws.iter_rows(min_row=2, max_col=1) for c in row
                    if c.value)  # rows with answer boxes carry a tag in column A
    for head in heads:  # a heading, its intro and notes on the page of its first answer box
        first = next((r for r in inputs if r > head), ws.max_row)
        assert not [c for c in cuts if head <= c < first], f"row {head}: a heading ends a page"
    labels = {str(c.value): c.row for row in ws.iter_rows(min_col=2, max_col=2) for c in row
              if isinstance(c.value, str)}
    words = Wording(spec)
    for section in spec.sections:
        for g in groups(spec, section):
            rows = [r for f in section.fields[g.first:g.last + 1]
                    if not isinstance(f, NoteField)
                    for t, r in labels.items() if t.startswith(words.heading(f, marker=False))]
            assert not [c for c in cuts if min(rows) <= c < max(rows)], (form_id, g)
    room = pages.page_room(ws, ws.page_setup.scale, (2, 3))
    edges = [3, *cuts, ws.max_row]  # below the print titles (rows 2 and 3)
    for a, b in itertools.pairwise(edges):
        tall = sum(pages.row_pt(ws, r) for r in range(a + 1, b + 1))
        assert tall <= room, f"rows {a + 1}-{b}: {tall:.0f} pt > {room:.0f}"


def test_excel_breaks_start_a_block_that_does_not_fit() -> None:
    heights = dict.fromkeys(range(1, 21), 10.0)
    blocks = [(1, 3), (4, 9), (10, 12), (13, 20)]
    assert pages.breaks(heights, blocks, room=100.0) == [9, 12]  # 90 pt, 30 pt, 80 pt
    assert pages.breaks(heights, blocks, room=50.0) == [3, 12]  # 4-9 is left to the app
    assert pages.breaks(heights, [(1, 20)], room=50.0) == []  # too tall: left to the app
    assert triggers(Catalog.shipped().get("case_review")) == {"live_risk", "secondary_live_risk"}
