"""The formats a form is made in (Word, Excel, PDF, paper), one package each. Each has the same
functions:

    write(spec, path, *, values=None, instance_id=None, **opts) -> Path
    read(path, catalog=None) -> ReadResult
    fill(template, values, out) -> Path      (fill a generated form as a user's client would)

Tests and collation loop over `FORMATS`, so every property holds for every format.
"""

from __future__ import annotations

import importlib
import io
from pathlib import Path
from types import ModuleType

from ..answers.records import ReadResult
from ..errors import ReturnError
from ..spec.catalog import Catalog
from .ooxml import prepare_thread as prepare_thread  # libxml2 ready in a reader process
from .ooxml.package import zip_directory as zip_directory  # the archive check collation uses
from .xlsx.fit import row_height as row_height  # fitted rows of other workbooks (translate)

# fillable formats that can be read back; "paper" is written only
FORMATS: tuple[str, ...] = ("docx", "xlsx", "pdf")
WRITERS: tuple[str, ...] = ("docx", "xlsx", "pdf", "paper")
EXTENSIONS = {"docx": ".docx", "xlsx": ".xlsx", "pdf": ".pdf", "paper": ".pdf"}


def module(name: str) -> ModuleType:
    """The module of a format by name (paper is the PDF module's paper writer)."""
    if name not in WRITERS:
        raise ValueError(f"unknown format {name!r}; expected one of {', '.join(WRITERS)}")
    return importlib.import_module(f".{'pdf' if name == 'paper' else name}", __name__)


_REFUSED = {
    ".doc": "a legacy Word 97-2003 .doc file; save it as .docx and send it again",
    ".docm": "a macro-enabled Word file (.docm); save it as .docx without macros",
    ".dotx": "a Word template; fill in the form itself (.docx)",
    ".xls": "a legacy Excel 97-2003 .xls file; save it as .xlsx and send it again",
    ".xlsm": "a macro-enabled Excel file (.xlsm); save it as .xlsx without macros",
    ".xlsb": "a binary Excel file (.xlsb); save it as .xlsx",
    ".odt": "an OpenDocument text file; save it as .docx",
    ".ods": "an OpenDocument spreadsheet; save it as .xlsx",
}


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# names refused whatever the content: a macro-enabled or template name is what the sender's
# Office saved it as, and it would open it so again
_BY_NAME = (".docm", ".dotx", ".xlsm")


def sniff(path: Path, data: bytes | None = None) -> str:
    """Which reader a file needs, by its content first and its extension second (`data`:
    the file's content when the caller has read it already).

    Why content first: a return renamed by hand or by a mail system (a .docx saved as
    "form.doc") is still the form; a real legacy or macro-enabled file is refused by what it
    holds. `misnamed` gives the note for when the name and the content disagree."""
    ext = path.suffix.lower()
    file = str(path)
    if ext in _BY_NAME:
        raise ReturnError(file, f"cannot read {_REFUSED[ext]}")
    try:
        if data is not None:
            head = data[:1024]
        else:
            with path.open("rb") as fh:
                head = fh.read(1024)
    except OSError as exc:
        raise ReturnError(file, f"cannot read the file ({exc.strerror})") from None
    if not head:
        raise ReturnError(file, "not a form return: the file is empty (0 bytes); send it again")
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK"):
        from .ooxml.package import open_zip

        with open_zip(io.BytesIO(data) if data is not None else path, file) as z:
            names = set(z.namelist())
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if ext in _REFUSED:
            raise ReturnError(file, f"cannot read {_REFUSED[ext]}")
        if ext == ".zip":
            raise ReturnError(file, "an archive inside an archive, which is not unpacked; "
                              "unpack it and collate its files")
        raise ReturnError(file, "a zip file that is neither a Word nor an Excel document")
    if ext in _REFUSED:
        raise ReturnError(file, f"cannot read {_REFUSED[ext]}")
    if head.startswith(_OLE_MAGIC):
        raise ReturnError(file, "a legacy binary (97-2003) or password-protected Office file; "
                          "remove any password and save it as .docx or .xlsx")
    lead = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lead.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        raise ReturnError(file, "a web page (HTML), not a form return; it may be an error page "
                          "saved in place of the attachment")
    if lead.startswith(b"{\\rtf"):
        raise ReturnError(file, "a Rich Text (.rtf) file; save the form as .docx")
    if ext in (".docx", ".xlsx"):
        # let the reader explain (legacy binary, encrypted, truncated)
        return ext[1:]
    if ext == ".pdf":
        raise ReturnError(file, "not a PDF file (it does not start with %PDF)")
    raise ReturnError(file, "not a form return: expected a .docx, .xlsx or .pdf file")


_KIND_NAMES = {"docx": "a Word document (.docx)", "xlsx": "an Excel workbook (.xlsx)",
               "pdf": "a PDF"}


def misnamed(path: Path, reader: str) -> str | None:
    """A note when a file's name does not say what its content is, or None."""
    ext = path.suffix.lower()
    if ext == EXTENSIONS[reader]:
        return None
    named = f"named {ext}" if ext else "named without an extension"
    return f"read as {_KIND_NAMES[reader]}, which it is, though it is {named}"


def read(path: str | Path, catalog: Catalog | None = None) -> ReadResult:
    """Read any return with the reader its content needs."""
    p = Path(path)
    result: ReadResult = module(sniff(p)).read(p, catalog=catalog)
    return result
