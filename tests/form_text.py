"""Every text a person sees on a generated form, per format (for the language tests)."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

from openpyxl import load_workbook


def docx_text(path: Path) -> str:
    """The text of the body, headers and footers, placeholders included, one run after another
    (a space between paragraphs)."""
    out = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if re.fullmatch(r"word/(document|header\d*|footer\d*)\.xml", name):
                xml = z.read(name).decode()
                for para in re.findall(r"<w:p[ >].*?</w:p>", xml, re.S):
                    out.append("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", para)))
    return " ".join(out)


def xlsx_text(path: Path) -> str:
    """Every shown cell's text of every visible sheet, the header and footer, and the input
    messages and error alerts of the data validations."""
    wb = load_workbook(path)
    out = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        hidden_cols = {k for k, d in ws.column_dimensions.items() if d.hidden}
        hidden_rows = {k for k, d in ws.row_dimensions.items() if d.hidden}
        for row in ws.iter_rows():  # what a person sees: not the hidden tag row and column
            out += [str(c.value) for c in row if isinstance(c.value, str)
                    and c.column_letter not in hidden_cols and c.row not in hidden_rows]
        for hf in (ws.oddHeader, ws.oddFooter):
            out += [p.text for p in (hf.left, hf.center, hf.right) if p.text]
        for dv in ws.data_validations.dataValidation:
            out += [t for t in (dv.promptTitle, dv.prompt, dv.errorTitle, dv.error) if t]
    return " ".join(out)


def pdf_text(path: Path) -> str:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return " ".join(text.split())


def form_text(path: Path, fmt: str) -> str:
    if fmt == "docx":
        return docx_text(path)
    if fmt == "xlsx":
        return xlsx_text(path)
    return pdf_text(path)
