"""PDFs that are only a picture of a form: exported from the Word or Excel form, printed to
PDF, or flattened. They hold no answer boxes, so nothing in them can be read as an answer;
what they do keep is the printed identity line (`Identity.footer()`), so the supervisor can be
told which form it was and what to send instead, never "not a bluestone form".

Why pdftotext (poppler-utils, installed by set-up): the identity line of an exported PDF is
text drawn in a subset font, which only a text extractor (with the font's ToUnicode map) turns
back into characters; the package itself reads PDFs with pikepdf, which extracts no text.
Without pdftotext, the document information an export keeps (Subject "rp1 1.0" and Keywords
"bluestone form", copied from the Word form's core properties) still says which form it is.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf

from ..common import Identity

PAGES_LOOKED_AT = 2  # the identity line is on every page; the first pages suffice
_FOOTER = re.compile(r"Form\s+([a-z0-9_]+)\s+v(\S+?)\s*·\s*instance\s+([0-9A-Za-z-]{8,})")

FLATTENED = ("this PDF was flattened, so its answer boxes are gone: send the filled form "
             "itself")


TEXT_TIMEOUT = 10.0  # seconds pdftotext may take on the first pages


def printed_identity(path: Path, pdf: pikepdf.Pdf) -> Identity | None:
    """The identity printed in the footer of the first pages (else the one an export keeps
    in the document information), or None."""
    tool = shutil.which("pdftotext")
    if tool is not None:
        try:
            done = subprocess.run([tool, "-q", "-l", str(PAGES_LOOKED_AT), "-enc", "UTF-8",
                                   str(path), "-"], capture_output=True,
                                  timeout=TEXT_TIMEOUT, check=False)
            m = _FOOTER.search(" ".join(done.stdout.decode("utf-8", "replace").split()))
            if m:
                return Identity(m[1], m[2], m[3])
        except (OSError, subprocess.SubprocessError):
            pass
    return _info_identity(pdf)


def _info_identity(pdf: pikepdf.Pdf) -> Identity | None:
    """Subject "form version" with Keywords "bluestone form" (the Word form's core
    properties, which an export copies into the document information)."""
    try:
        info = pdf.trailer.get("/Info")
        if not isinstance(info, pikepdf.Dictionary):
            return None
        subject = str(info.get("/Subject", "")).split()
        keywords = str(info.get("/Keywords", ""))
    except (pikepdf.PdfError, ValueError, TypeError):
        return None
    if len(subject) == 2 and "bluestone form" in keywords:
        return Identity(subject[0], subject[1], None)
    return None


def _made_by(pdf: pikepdf.Pdf) -> str:
    """'docx', 'xlsx' or '' from the PDF's Creator/Producer (LibreOffice writes "Writer" or
    "Calc", Microsoft Office "Microsoft® Word" or "Microsoft® Excel")."""
    try:
        info = pdf.trailer.get("/Info")
        text = " ".join(str(info.get(k, "")) for k in ("/Creator", "/Producer")) \
            if isinstance(info, pikepdf.Dictionary) else ""
    except (pikepdf.PdfError, ValueError, TypeError):
        return ""
    if re.search(r"\bWriter\b|\bWord\b", text):
        return "docx"
    if re.search(r"\bCalc\b|\bExcel\b", text):
        return "xlsx"
    return ""


def picture_message(pdf: pikepdf.Pdf, identity: Identity) -> str:
    """What to tell the sender of a PDF that shows form `identity` but has no answer boxes."""
    form = f"form {identity.form_id} v{identity.version}" + (
        f" (instance {identity.instance_id})" if identity.instance_id else "")
    made = _made_by(pdf)
    if made == "docx":
        return (f"this PDF was exported from the Word version of {form}; a PDF made that way "
                "keeps only the printed page, not the answers: send the filled Word file "
                "(.docx) itself")
    if made == "xlsx":
        return (f"this PDF was exported from the Excel version of {form}; a PDF made that way "
                "keeps only the printed page, not the answers: send the filled Excel file "
                "(.xlsx) itself")
    return (f"this PDF is a printed or exported copy of {form} with no answer boxes; "
            f"{FLATTENED} (the .docx, .xlsx or fillable PDF as filled in)")
