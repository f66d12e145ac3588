"""Layout rules a person sees in the Office forms (issue 15): Excel rows fit their wrapped
text, Word keeps the line breaks of note text.

Text is measured with the real DejaVu Sans faces (PIL), the widest font the form's Calibri is
shown in, word by word as a spreadsheet wraps it; a column w characters wide holds w x 7 px.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from lxml import etree
from openpyxl.utils import get_column_letter
from PIL import ImageFont

from bluestone_forms.formats import docx, xlsx
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.model import NoteField

SHIPPED = sorted(s.id for s in Catalog.shipped())
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
FACES = {
    (False, False): "DejaVuSans.ttf",
    (True, False): "DejaVuSans-Bold.ttf",
    (False, True): "DejaVuSans-Oblique.ttf",
    (True, True): "DejaVuSans-BoldOblique.ttf",
}


def measured_lines(text: str, room_pt: float, size: float, bold: bool, italic: bool) -> int:
    """Lines `text` wraps to in `room_pt` points, greedy by words, measured with the font."""
    face = ImageFont.truetype(str(DEJAVU / FACES[bold, italic]), size=100)
    width = lambda s: face.getlength(s) * size / 100  # noqa: E731
    total = 0
    for para in text.split("\n"):
        lines, line = 1, ""
        for word in para.split():
            trial = f"{line} {word}" if line else word
            if width(trial) <= room_pt or not line:
                line = trial
            else:
                lines, line = lines + 1, word
            while width(line) > room_pt and len(line) > 1:  # a word wider than the cell
                fits = [k for k in range(2, len(line) + 1) if width(line[:k]) <= room_pt]
                cut = max([1, *fits])
                lines, line = lines + 1, line[cut:]
        total += lines
    return total


def cell_widths(ws: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, float]:
    """Each top-left cell's width in characters, merged ranges summed."""
    def col_width(c: int) -> float:
        dim = ws.column_dimensions.get(get_column_letter(c))
        return float(dim.width) if dim is not None and dim.width else 8.43

    widths: dict[str, float] = {}
    for rng in ws.merged_cells.ranges:
        widths[f"{get_column_letter(rng.min_col)}{rng.min_row}"] = sum(
            col_width(c) for c in range(rng.min_col, rng.max_col + 1))
    for row in ws.iter_rows():
        for cell in row:
            widths.setdefault(cell.coordinate, col_width(cell.column))
    return widths


@pytest.mark.parametrize("form_id", SHIPPED)
@pytest.mark.parametrize("layout", ["form", "register"])
def test_excel_rows_fit_their_wrapped_text(form_id: str, layout: str, tmp_path: Path) -> None:
    assert (DEJAVU / "DejaVuSans.ttf").exists(), "fonts-dejavu-core is needed (scripts/setup.sh)"
    path = xlsx.write(Catalog.shipped().get(form_id), tmp_path / f"{form_id}.xlsx",
                      layout=layout)
    ws = openpyxl.load_workbook(path).worksheets[0]
    widths = cell_widths(ws)
    short = []
    checked = 0
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            if cell.column == 1 or not cell.protection.locked:
                continue  # the hidden tag column; answers are the filler's own
            size = float(cell.font.sz or 11)
            lines = measured_lines(cell.value, widths[cell.coordinate] * 5.25, size,
                                   bool(cell.font.b), bool(cell.font.i))
            need = lines * 15.0 * size / 11
            height = ws.row_dimensions[cell.row].height or 15.0
            checked += 1
            if height < need:
                short.append(f"{cell.coordinate} {height:.0f} pt < {lines} lines "
                             f"({need:.0f} pt): {cell.value[:60]!r}")
    assert checked > 20
    assert not short, "\n".join(short)


# --------------------------------------------------------------------------- Word


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_paragraphs(path: Path) -> list[str]:
    """Each paragraph of the document body as a reader sees it, a line break as a newline."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    out = []
    for p in root.iter(f"{W}p"):
        parts = []
        for el in p.iter(f"{W}t", f"{W}br", f"{W}cr", f"{W}tab"):
            marks = {f"{W}tab": "\t", f"{W}br": "\n", f"{W}cr": "\n"}
            parts.append(el.text or "" if el.tag == f"{W}t" else marks[el.tag])
        out.append("".join(parts))
    return out


@pytest.mark.parametrize("form_id", SHIPPED)
def test_word_note_text_keeps_its_line_breaks(form_id: str, tmp_path: Path) -> None:
    spec = Catalog.shipped().get(form_id)
    paragraphs = docx_paragraphs(docx.write(spec, tmp_path / f"{form_id}.docx"))
    texts = [f.text for s in spec.sections for f in s.fields if isinstance(f, NoteField)]
    texts += [s.intro for s in spec.sections if s.intro]
    blocks = [b for t in texts for b in re.split(r"\n\s*\n", t.strip())]
    assert blocks or form_id not in ("rp2", "pausepoint")
    for block in blocks:
        want = "\n".join(line.strip() for line in block.split("\n"))
        assert want in paragraphs, f"no paragraph reads {want!r}"


def test_word_rating_box_has_a_visible_label(tmp_path: Path) -> None:
    """A rating's drop-down follows up to a dozen lines of guidance: it is labelled "Your
    rating (1–4): " in its own paragraph, as the PDF labels its buttons."""
    spec = Catalog.shipped().get("ld_self_assessment")
    paragraphs = docx_paragraphs(docx.write(spec, tmp_path / "ld.docx"))
    ratings = [f for f in spec.answerable() if f.type == "rating"]
    assert len(ratings) == 17
    labelled = [p for p in paragraphs if p.startswith("Your rating (1–4): ")]
    assert len(labelled) == len(ratings)
