"""Opening a returned PDF, bounded: size cap, truncation, encryption, damage, active content.

Why: a return arrives from anywhere. qpdf (through pikepdf) parses lazily and never runs
anything, but it repairs damaged files quietly, so a truncated file could read as a form with
half its answers; we refuse it instead. JavaScript, launch and other actions are never run
(nothing here can run them); they are reported so a person knows the return was altered.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf

from ..errors import ReturnError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PAGES_SCANNED = 2000
MAX_ANNOTS_SCANNED = 20000
RISKY_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "a launch action (runs a program)",
    "/SubmitForm": "a submit-form action",
    "/ImportData": "an import-data action",
    "/Rendition": "a media action",
    "/GoToE": "an embedded-file action",
}


def open_return(path: Path) -> pikepdf.Pdf:
    """The file opened with pikepdf, or a ReturnError saying plainly why it cannot be read."""
    file = str(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1024)
            fh.seek(max(0, size - 2048))
            tail = fh.read()
    except OSError as exc:
        raise ReturnError(file, f"cannot read the file ({exc.strerror})") from None
    if size > MAX_FILE_BYTES:
        raise ReturnError(file, f"the file is {size // (1024 * 1024)} MB; a form return is at "
                                f"most {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if b"%PDF-" not in head:
        raise ReturnError(file, "not a PDF file (it does not start with %PDF)")
    if b"%%EOF" not in tail:
        raise ReturnError(file, "the PDF is truncated or damaged (it has no end-of-file "
                                "marker); send the complete file again")
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        raise ReturnError(file, "the PDF is encrypted; remove the password and send it again") \
            from None
    except (pikepdf.PdfError, OSError, ValueError, RuntimeError) as exc:
        raise ReturnError(file, f"the PDF is damaged and cannot be read ({_short(exc)})") \
            from None
    return pdf


def repaired(pdf: pikepdf.Pdf) -> list[str]:
    """qpdf's warnings about damage it repaired while the file was read."""
    try:
        return [str(w) for w in pdf.get_warnings()]
    except AttributeError:  # pragma: no cover - every supported pikepdf has it
        return []


def active_content(pdf: pikepdf.Pdf) -> list[str]:
    """Where the file holds JavaScript or actions (never run; listed for the report)."""
    found: list[str] = []
    root = pdf.Root
    if "/OpenAction" in root:
        found.append(f"an action when the document opens ({_action_kinds(root.OpenAction)})")
    if "/AA" in root:
        found.append("document event actions")
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names:
        found.append("document-level JavaScript")
    if isinstance(names, pikepdf.Dictionary) and "/EmbeddedFiles" in names:
        found.append("embedded files")
    acro = root.get("/AcroForm")
    if isinstance(acro, pikepdf.Dictionary) and "/XFA" in acro:
        found.append("an XFA form (its scripts and data are ignored)")
    annots_seen = 0
    for number, page in enumerate(pdf.pages, start=1):
        if number > MAX_PAGES_SCANNED:
            break
        if "/AA" in page.obj:
            found.append(f"page {number}: page event actions")
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            continue
        for annot in annots:
            annots_seen += 1
            if annots_seen > MAX_ANNOTS_SCANNED:
                return found
            if not isinstance(annot, pikepdf.Dictionary):
                continue
            what = []
            if "/A" in annot:
                kinds = _action_kinds(annot.A)
                if kinds != "a link":
                    what.append(kinds)
            if "/AA" in annot:
                what.append("event actions")
            if what:
                name = annot.get("/T")
                label = f"field '{name}'" if name is not None else "an annotation"
                found.append(f"page {number}, {label}: {', '.join(what)}")
    return found


def _action_kinds(action: object) -> str:
    if isinstance(action, pikepdf.Dictionary):
        kind = str(action.get("/S", ""))
        return RISKY_ACTIONS.get(kind, "a link" if kind in ("/URI", "/GoTo") else "an action")
    return "a link"  # an explicit destination array


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 160 else text[:160] + "…"
