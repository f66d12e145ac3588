"""Layout rules of the PDF and paper forms (issue 15), read from the generated PDFs: what
is kept on one page (widget pages, text per page), what the forms show (no internal file
references), and Welsh field text as a renderer draws it (pdftoppm, pixel counts).
"""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pytest
from lxml import etree
from PIL import Image

from bluestone_forms.answers.slots import field_slots
from bluestone_forms.formats import docx, pdf, xlsx
from bluestone_forms.spec import expr
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.model import Answerable, NoteField, Section

SHIPPED = sorted(s.id for s in Catalog.shipped())

# --------------------------------------------------------------------------- PDF and paper

MM = 72 / 25.4
# the body of a page, inside the margins of templates/forms.css (top, bottom), in points
MARGINS = {"pdf": (20 * MM, 24 * MM), "paper": (32 * MM, 30 * MM)}


def body_lines(path: Path, kind: str) -> list[list[str]]:
    """Each page's text lines inside the page margins (furniture left out), top to bottom."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], check=True,
                         capture_output=True).stdout
    root = etree.fromstring(out, etree.XMLParser(resolve_entities=False, no_network=True))
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    top, bottom = MARGINS[kind]
    pages = []
    for page in root.iterfind(".//x:page", ns):
        height = float(page.get("height"))
        lines = []
        for line in page.iterfind(".//x:line", ns):
            y0, y1 = float(line.get("yMin")), float(line.get("yMax"))
            if y0 >= top - 2 and y1 <= height - bottom + 2:
                words = [w.text or "" for w in line.iterfind("x:word", ns)]
                lines.append((y0, float(line.get("xMin")), " ".join(words)))
        pages.append([text for _, _, text in sorted(lines)])
    return pages


class LabelLine:
    """A question's label as printed: after at most a short number, the whole label (and a
    required question's marker), on one line or wrapped over the next few."""

    def __init__(self, label: str, required: bool) -> None:
        self.full = " ".join(label.split())
        marker = r"( ?(\(.*\)|\*))?" if required else ""
        self.pattern = re.compile(r"(\S{1,6} )?" + re.escape(self.full) + marker)

    def match(self, lines: list[str], i: int) -> bool:
        text = lines[i]
        for more in lines[i + 1:i + 4]:
            if self.pattern.fullmatch(text):
                return True
            text = f"{text} {more}"
        return bool(self.pattern.fullmatch(text))


def label_line(f: Answerable) -> LabelLine:
    return LabelLine(f.label, bool(f.required))


def find(pages: list[list[str]], start: tuple[int, int], match: Any) -> tuple[int, int]:
    """(page, line) of the first line from `start` on that `match(page, line)` accepts."""
    p, i = start
    while p < len(pages):
        while i < len(pages[p]):
            if match(pages[p], i):
                return p, i
            i += 1
        p, i = p + 1, 0
    raise AssertionError(f"not found after page {start[0] + 1}")


def heading_at(title: str) -> Any:
    want = " ".join(title.split())

    def match(lines: list[str], i: int) -> bool:
        return any(" ".join(lines[i:i + k]) == want for k in (1, 2, 3))
    return match


def first_answerable(section: Section) -> Answerable | None:
    return next((f for f in section.fields if not isinstance(f, NoteField)), None)


def widget_pages(path: Path) -> dict[str, int]:
    """Each widget's full field name -> its page (0-based), from /P or the page's /Annots."""
    found: dict[str, int] = {}
    with pikepdf.open(path) as pdf:
        for n, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", []):
                if annot.get("/Subtype") != "/Widget":
                    continue
                if "/P" in annot:
                    assert annot.P.objgen == page.obj.objgen, "a widget's /P is not its page"
                names, node = [], annot
                while node is not None:
                    if "/T" in node:
                        names.append(str(node.T))
                    node = node.get("/Parent")
                found[".".join(reversed(names))] = n
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Any:
    cache: dict[tuple[str, str], Path] = {}

    def get(form_id: str, kind: str) -> Path:
        if (form_id, kind) not in cache:
            spec = Catalog.shipped().get(form_id)
            folder = tmp_path_factory.mktemp(form_id)
            write = pdf.write if kind == "pdf" else pdf.write_paper
            cache[form_id, kind] = write(spec, folder / f"{form_id}-{kind}.pdf")
        return cache[form_id, kind]
    return get


@pytest.mark.parametrize("kind", ["pdf", "paper"])
def test_live_risk_group_is_one_marked_panel_on_one_page(kind: str, rendered: Any) -> None:
    spec = Catalog.shipped().get("case_review")
    path = rendered("case_review", kind)
    pages = body_lines(path, kind)
    widgets = widget_pages(path) if kind == "pdf" else {}
    assert spec.collation.alerts
    for alert in spec.collation.alerts:
        (trigger,) = expr.names(expr.parse(alert.when))
        group = [f for f in spec.answerable() if f.id == trigger or (
            (rule := spec.relevance(f)) is not None and trigger in expr.names(rule))]
        assert len(group) >= 3
        where = {}
        for f in group:
            pattern = label_line(f)
            where[f.id] = {n for n, lines in enumerate(pages)
                           if any(pattern.match(lines, i) for i in range(len(lines)))}
            assert len(where[f.id]) == 1, (f.id, where[f.id])
            if kind == "pdf":
                boxes = {widgets[k] for k in widgets
                         if k == f.id or k.startswith(f.id + ".")}
                assert boxes == where[f.id], (f.id, boxes, where[f.id])
        (page,) = set.union(*where.values())  # one page holds the whole group
        assert "safeguarding" in [line.lower() for line in pages[page]], "the panel is not marked"


@pytest.mark.parametrize("form_id", SHIPPED)
@pytest.mark.parametrize("kind", ["pdf", "paper"])
def test_headings_stay_with_their_first_question(form_id: str, kind: str,
                                                 rendered: Any) -> None:
    spec = Catalog.shipped().get(form_id)
    path = rendered(form_id, kind)
    pages = body_lines(path, kind)
    widgets = widget_pages(path) if kind == "pdf" else {}
    titles = {" ".join(s.title.split()) for s in spec.sections}
    for n, lines in enumerate(pages[:-1]):
        for k in (1, 2, 3):
            assert " ".join(lines[-k:]) not in titles, f"page {n + 1} ends with a heading"
    at = (0, 0)
    for section in spec.sections:
        at = find(pages, at, heading_at(section.title))
        first = first_answerable(section)
        if first is None:
            continue
        pattern = label_line(first)
        q = find(pages, at, pattern.match)
        assert q[0] == at[0], (f"{section.title!r} on page {at[0] + 1}, its first question "
                               f"{first.label!r} on page {q[0] + 1}")
        if kind == "pdf":
            key = field_slots(spec, first)[0].key
            assert widgets[key] == at[0], f"{first.label!r}: box on page {widgets[key] + 1}"


@pytest.mark.parametrize("form_id", SHIPPED)
def test_every_pdf_question_is_on_the_page_of_its_first_box(form_id: str,
                                                            rendered: Any) -> None:
    """A question's label (a table's title) and its first answer box share a page."""
    spec = Catalog.shipped().get(form_id)
    path = rendered(form_id, "pdf")
    pages = body_lines(path, "pdf")
    widgets = widget_pages(path)
    at = (0, 0)
    for f in spec.answerable():
        at = find(pages, at, label_line(f).match)
        key = field_slots(spec, f)[0].key
        assert widgets[key] == at[0], (f"{f.label!r} on page {at[0] + 1}, its first box on "
                                       f"page {widgets[key] + 1}")


# --------------------------------------------------------------------------- user-facing text

FILE_REF = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b|\(seed\b|\bseed \d{3}", re.I)
NARRATIVE = re.compile(
    r"\bIt was found that\b|\bThe CR process required\b|\banalysis of WS\d", re.I)


def shown_texts(path: Path) -> str:
    """Everything a generated file shows or declares: its text and its metadata."""
    if path.suffix == ".pdf":
        text = subprocess.run(["pdftotext", str(path), "-"], check=True,
                              capture_output=True, text=True).stdout
        with pikepdf.open(path) as doc:
            info = [str(v) for v in doc.docinfo.values()]
            xmp = bytes(doc.Root.Metadata.read_bytes()).decode() if "/Metadata" in doc.Root else ""
        return "\n".join([text, *info, xmp])
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                         if n.endswith(".xml"))


@pytest.mark.parametrize("form_id", SHIPPED)
def test_forms_show_no_internal_file_reference(form_id: str, rendered: Any,
                                               tmp_path: Path) -> None:
    spec = Catalog.shipped().get(form_id)
    files = [rendered(form_id, "pdf"), rendered(form_id, "paper"),
             docx.write(spec, tmp_path / "f.docx"), xlsx.write(spec, tmp_path / "f.xlsx")]
    for path in files:
        text = shown_texts(path)
        assert spec.source.title.split()[0] in text or path.suffix == ".pdf"
        for pattern in (FILE_REF, NARRATIVE):
            found = pattern.search(text)
            assert found is None, f"{path.name}: {text[found.start() - 60:found.end() + 20]!r}"


# --------------------------------------------------------------------------- Welsh field text

WELSH_TEXT, PLAIN_TEXT = "Dŵr, Tŷ", "Dwr, Ty"
DPI = 200


def field_ink(path: Path, name: str) -> int:
    """Dark pixels inside a field's box (its border left out), rendered by pdftoppm."""
    with pikepdf.open(path) as doc:
        found = [(n, [float(v) for v in annot.Rect], float(page.mediabox[3]))
                 for n, page in enumerate(doc.pages) for annot in page.obj.get("/Annots", [])
                 if str(annot.get("/T", "")) == name]
    assert found, f"no field {name}"
    n, (ax, ay, bx, by), height = found[0]
    x0, x1, y0, y1 = min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)
    prefix = path.with_suffix("")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-f", str(n + 1), "-l", str(n + 1), "-gray",
                    "-singlefile", "-png", str(path), str(prefix)], check=True,
                   capture_output=True)
    k = DPI / 72
    box = (round(x0 * k) + 3, round((height - y1) * k) + 3,
           round(x1 * k) - 3, round((height - y0) * k) - 3)
    with Image.open(prefix.with_suffix(".png")) as image:
        crop = image.convert("L").crop(box)
        return int((np.asarray(crop) < 128).sum())


def filled(tmp_path: Path, text: str, how: str) -> Path:
    """The rp1 PDF form with `text` as its crime reference, filled by us or by pdftk."""
    spec = Catalog.shipped().get("rp1")
    blank = pdf.write(spec, tmp_path / f"blank-{how}.pdf")
    out = tmp_path / f"{how}-{len(text.encode())}.pdf"
    if how == "pdftk":
        xfdf = tmp_path / "v.xfdf"
        xfdf.write_text('<?xml version="1.0" encoding="UTF-8"?><xfdf xmlns="http://ns.adobe.com/'
                        f'xfdf/"><fields><field name="crime_ref"><value>{text}</value></field>'
                        "</fields></xfdf>", encoding="utf-8")
        subprocess.run(["pdftk", str(blank), "fill_form", str(xfdf), "output", str(out)],
                       check=True, capture_output=True)
        return out
    # "viewer": NeedAppearances set, so poppler redraws the field from its /DA font, as a
    # viewer honouring the field font does
    return pdf.fill(blank, {"crime_ref": text}, out, need_appearances=how == "viewer")


@pytest.mark.parametrize("how", ["toolkit", "viewer",
                                 pytest.param("pdftk", marks=pytest.mark.pdftk)])
def test_welsh_field_text_shows_when_rendered(how: str, tmp_path: Path) -> None:
    welsh = filled(tmp_path, WELSH_TEXT, how)
    plain = filled(tmp_path, PLAIN_TEXT, how)
    ink_welsh, ink_plain = field_ink(welsh, "crime_ref"), field_ink(plain, "crime_ref")
    assert ink_plain > 150, "the plain text is not drawn at all"
    # the circumflexes add ink; a font without ŵ ŷ draws less than the plain letters
    assert ink_welsh > 1.03 * ink_plain, (ink_welsh, ink_plain)
    if how == "toolkit":
        text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(welsh), "-"],
                              check=True, capture_output=True, text=True).stdout
        assert WELSH_TEXT in text
