"""The review workbook: every uncertain mark and handwritten answer, for a person to key.

One row per item: form, case (the printed copy's instance id), page, question and its
number, what is asked, why it is here, the scan's crop embedded as a picture, and a yellow
input cell: "ticked" or "empty" for a mark (a drop-down), the answer as written for
handwriting. A hidden first column holds the item's key, so rows may be sorted or filtered.
`collate` reads the filled workbook back on its next run (see `read`) and writes it again
with what is still to do, keeping every value already keyed.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.drawing.image import Image as XLImage
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from ..errors import BluestoneError
from .returns import ReviewItem

FILE_NAME = "bluestone-review.xlsx"
SHEET = "Review"
HEAD_ROW = 4
HEADERS = ("Key", "Form", "Case (copy id)", "Page", "Q", "Question", "Option / expected",
           "Why", "Scan", "Your answer")
WIDTHS = (4, 14, 20, 6, 5, 36, 24, 30, 86, 26)
ANSWER_COL = 10
IMAGE_COL = "I"
IMAGE_MAX_W = 600  # px shown in the sheet
INPUT = PatternFill("solid", fgColor="FFF2CC")


def write(items: Sequence[ReviewItem], path: Path, keyed: Mapping[str, Any] | None = None
          ) -> Path:
    """Write the review workbook; cells already keyed (by item key) keep their values."""
    keyed = keyed or {}
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws["B1"] = "Scanned returns to review"
    ws["B1"].font = Font(bold=True, size=14)
    ws["B2"] = ("For each row look at the scan and fill the yellow cell: for a mark, "
                "'ticked' or 'empty'; for handwriting, the answer as written (a date as "
                "dd/mm/yyyy; 'blank' if nothing is written). Save, then run collate again. "
                "OFFICIAL-SENSITIVE.")
    ws["B2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=2, start_column=2, end_row=2, end_column=len(HEADERS))
    ws.row_dimensions[2].height = 32
    for col, (head, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = ws.cell(HEAD_ROW, col, head)
        cell.font = Font(bold=True)
        ws.column_dimensions[cell.column_letter].width = width
    ws.column_dimensions["A"].hidden = True
    marks = DataValidation(type="list", formula1='"ticked,empty"', allow_blank=True,
                           showErrorMessage=True, errorTitle="Mark",
                           error="Choose ticked or empty.")
    ws.add_data_validation(marks)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, item in enumerate(items, start=HEAD_ROW + 1):
        cells = (item.key, f"{item.form_id} v{item.version}", item.instance_id, item.page,
                 item.number, item.question, item.detail, f"{item.why} ({item.where})")
        for col, value in enumerate(cells, start=1):
            ws.cell(row, col, value).alignment = wrap
        answer = ws.cell(row, ANSWER_COL, keyed.get(item.key))
        answer.fill = INPUT
        answer.alignment = wrap
        answer.number_format = "@"  # a date or number typed stays as typed
        if item.kind == "mark":
            marks.add(answer)
        height = 30.0
        if item.crop:
            img = XLImage(io.BytesIO(item.crop))
            if img.width > IMAGE_MAX_W:
                img.height = int(img.height * IMAGE_MAX_W / img.width)
                img.width = IMAGE_MAX_W
            ws.add_image(img, f"{IMAGE_COL}{row}")
            height = max(height, img.height * 0.75 + 6)
        ws.row_dimensions[row].height = min(height, 400)
    ws.freeze_panes = ws.cell(HEAD_ROW + 1, 2)
    ws.print_title_rows = f"{HEAD_ROW}:{HEAD_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddHeader.center.text = "OFFICIAL-SENSITIVE"
    ws.oddFooter.center.text = "OFFICIAL-SENSITIVE"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
    return path


def read(path: Path) -> dict[str, Any]:
    """Every filled answer cell of a review workbook, by item key ({} if there is none)."""
    if not path.exists():
        return {}
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:
        raise BluestoneError(f"{path}: the review workbook cannot be read ({exc}); keep it "
                             "as .xlsx and run again") from None
    if SHEET not in wb.sheetnames:
        raise BluestoneError(f"{path}: the review workbook has no sheet '{SHEET}'")
    ws = wb[SHEET]
    out: dict[str, Any] = {}
    for row in ws.iter_rows(min_row=HEAD_ROW + 1, max_col=ANSWER_COL, values_only=True):
        key, value = row[0], row[ANSWER_COL - 1]
        if isinstance(key, str) and key and value is not None and str(value).strip():
            out[key] = value
    return out
