"""Opening a returned PDF, bounded: size cap, truncation, encryption, damage, active content.

Why: a return arrives from anywhere. qpdf (through pikepdf) parses lazily and never runs
anything, but it repairs damaged files quietly, so a truncated file could read as a form with
half its answers; we refuse it instead. JavaScript, launch and other actions are never run
(nothing here can run them); they are reported so a person knows the return was altered.
"""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path

import pikepdf

from ...errors import ReturnError
from ._xref import classic_only

MAX_FILE_BYTES = 50 * 1024 * 1024
TAIL_BYTES = 64 * 1024
MAX_PAGES = 2000  # pages a return may have (the longest form prints on a few dozen)
MAX_STRUCTURE_INFLATED = 64 * 1024 * 1024  # one object or cross-reference stream, inflated
MAX_STRUCTURE_TOTAL = 256 * 1024 * 1024  # all of them together
MAX_STRUCTURE_STREAMS = 10_000
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")


def _escapable(word: str) -> bytes:
    """A regex for a PDF name whose characters may each be written as #xx."""
    return b"".join(b"(?:%s|#%s)" % (re.escape(c.encode()), "".join(
        f"[{h.upper()}{h.lower()}]" if h.isalpha() else h for h in f"{ord(c):02x}").encode())
        for c in word)


_STRUCTURE_NAME = re.compile(b"/(?:" + _escapable("ObjStm") + b"|" + _escapable("XRef")
                             + b")(?![A-Za-z0-9#])")
MAX_ANNOTS_SCANNED = 20000
RISKY_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "a launch action (runs a program)",
    "/SubmitForm": "a submit-form action",
    "/ImportData": "an import-data action",
    "/Rendition": "a media action",
    "/GoToE": "an embedded-file action",
}


def open_return(path: Path, data: bytes | None = None) -> pikepdf.Pdf:
    """The file opened with pikepdf, or a ReturnError saying plainly why it cannot be read.

    `data` is the file's content when the caller has read it already (the checks use it; qpdf
    still opens the path, which measured twice as fast as qpdf reading from a BytesIO)."""
    file = str(path)
    _, head, tail, _ = _peek(path, data, keep_open=False)
    _check_ends(file, head, tail)
    try:
        if data is None:
            data = path.read_bytes()
    except OSError as exc:
        raise ReturnError(file, f"cannot read the file ({exc.strerror})") from None
    check_structure_streams(data, file)
    try:
        pdf = pikepdf.open(path, inherit_page_attributes=False)  # pages: check_page_tree first
    except pikepdf.PasswordError:
        raise ReturnError(file, "the PDF is encrypted; remove the password and send it again") \
            from None
    except (pikepdf.PdfError, OSError, ValueError, RuntimeError) as exc:
        raise ReturnError(file, f"the PDF is damaged and cannot be read ({_short(exc)})") \
            from None
    try:
        check_page_tree(pdf, file)
    except BaseException:
        pdf.close()
        raise
    return pdf


def open_quick(path: Path, data: bytes | None = None) -> pikepdf.Pdf | None:
    """The file opened without scanning all its bytes, when its cross-reference is classic
    tables only (`_xref`), with qpdf's reconstruction of a damaged file off; None when it must
    be opened the careful way (`open_return`): another cross-reference, or anything qpdf does
    not like. A ReturnError only for what either way refuses alike (size, no %PDF, no %%EOF).

    The caller takes the careful way too when reading the opened file raises or qpdf warned.
    """
    file = str(path)
    size, head, tail, fd = _peek(path, data, keep_open=data is None)
    try:
        _check_ends(file, head, tail)
        if not classic_only(fd, data, size, tail):
            return None
    except OSError:
        return None
    finally:
        if fd is not None:
            os.close(fd)
    try:
        pdf = pikepdf.open(path, inherit_page_attributes=False, attempt_recovery=False)
    except (pikepdf.PasswordError, pikepdf.PdfError, OSError, ValueError, RuntimeError):
        return None  # the careful way says what is wrong
    try:
        check_page_tree(pdf, file)
        if repaired(pdf):
            pdf.close()
            return None
    except (ReturnError, pikepdf.PdfError, ValueError, RuntimeError):
        pdf.close()
        return None
    return pdf


def _peek(path: Path, data: bytes | None,
          keep_open: bool) -> tuple[int, bytes, bytes, int | None]:
    """(size, first KB, last 2 KB, an open descriptor when `keep_open`) without reading the
    rest; a ReturnError for a file too large or unreadable."""
    file = str(path)
    fd = None
    try:
        if data is not None:
            size = len(data)
        else:
            fd = os.open(path, os.O_RDONLY)
            size = os.fstat(fd).st_size
        if size > MAX_FILE_BYTES:
            raise ReturnError(file, f"the file is {size // (1024 * 1024)} MB; a form return is "
                                    f"at most {MAX_FILE_BYTES // (1024 * 1024)} MB")
        if fd is None:
            assert data is not None
            head, tail = data[:1024], data[-2048:]
        else:
            # the last 64 KB: the cross-reference of a form is usually all there (`_xref`)
            head, tail = os.pread(fd, 1024, 0), os.pread(fd, TAIL_BYTES, max(0, size - TAIL_BYTES))
    except OSError as exc:
        if fd is not None:
            os.close(fd)
        raise ReturnError(file, f"cannot read the file ({exc.strerror})") from None
    except BaseException:
        if fd is not None:
            os.close(fd)
        raise
    if fd is not None and not keep_open:
        os.close(fd)
        fd = None
    return size, head, tail, fd


def _check_ends(file: str, head: bytes, tail: bytes) -> None:
    tail = tail[-2048:]
    if b"%PDF-" not in head:
        raise ReturnError(file, "not a PDF file (it does not start with %PDF)")
    if b"%%EOF" not in tail:
        raise ReturnError(file, "the PDF is truncated or damaged (it has no end-of-file "
                                "marker); send the complete file again")


def check_structure_streams(data: bytes, file: str) -> None:
    """Refuse object and cross-reference streams that would inflate beyond their budget.

    Why: qpdf inflates an object stream whole, with no limit, as soon as one object in it is
    needed (the document info, a field), and cross-reference streams when it opens the file;
    a few MB of Flate can hold gigabytes. Each such stream is inflated here first, bounded,
    and thrown away. Names are matched with or without #xx escapes (/Obj#53tm is /ObjStm).
    Other streams (page content, fonts, appearances) are never inflated by reading a form.
    """
    total = 0
    checked: set[int] = set()
    for m in _STRUCTURE_NAME.finditer(data):
        kw = _stream_after(data, m.end())
        if kw is None or kw[0] in checked:
            continue
        checked.add(kw[0])
        if len(checked) > MAX_STRUCTURE_STREAMS:
            raise ReturnError(file, f"the PDF has more than {MAX_STRUCTURE_STREAMS} object "
                                    "streams; not a form return")
        start = max(data.rfind(b"obj", max(0, m.start() - 8192), m.start()), m.start() - 8192, 0)
        head = data[start:kw[0]]
        if b"#" in head:
            head = _unescape(head)
        name = _unescape(m[0])
        what = "an object stream" if name == b"/ObjStm" else "a cross-reference stream"
        filters = _FILTER.search(head)
        names = re.findall(rb"/([A-Za-z0-9]+)", filters[1]) if filters else []
        if not names:
            continue  # stored as it is: no bigger than the file
        if names not in ([b"FlateDecode"], [b"Fl"]):
            raise ReturnError(file, f"{what} in the PDF uses compression a form return never "
                                    f"uses ({' '.join(n.decode('latin-1') for n in names)[:80]});"
                                    " save it again from a PDF reader")
        size = _inflated_size(data, kw[1], MAX_STRUCTURE_INFLATED + 1)
        if size > MAX_STRUCTURE_INFLATED:
            raise ReturnError(file, f"{what} in the PDF inflates to more than "
                                    f"{MAX_STRUCTURE_INFLATED // (1024 * 1024)} MB; "
                                    "not a form return")
        total += size
        if total > MAX_STRUCTURE_TOTAL:
            raise ReturnError(file, f"the PDF's object streams inflate to more than "
                                    f"{MAX_STRUCTURE_TOTAL // (1024 * 1024)} MB; "
                                    "not a form return")


def _unescape(text: bytes) -> bytes:
    """PDF name escapes undone: b"/Obj#53tm" -> b"/ObjStm"."""
    return _NAME_ESCAPE.sub(lambda e: bytes([int(e[1], 16)]), text)


def _stream_after(data: bytes, at: int) -> tuple[int, int] | None:
    """(where the keyword `stream` is, where its data starts) of the first stream within 8 KB
    after `at` (a stream's dictionary is short), or None."""
    kw = data.find(b"stream", at, at + 8192)
    while kw != -1 and data[max(0, kw - 3):kw] == b"end":
        kw = data.find(b"stream", kw + 6, at + 8192)
    if kw == -1:
        return None
    body = kw + 6
    if data[body:body + 2] == b"\r\n":
        body += 2
    elif data[body:body + 1] in (b"\n", b"\r"):
        body += 1
    return kw, body


def _inflated_size(data: bytes, at: int, limit: int) -> int:
    """How many bytes the Flate data at `at` inflates to, counting no further than `limit`.

    Damaged data counts what inflated before the damage (qpdf decides what to do with it)."""
    d = zlib.decompressobj()
    size = 0
    pos = at
    chunk = 64 * 1024
    while pos < len(data) and size < limit and not d.eof:
        try:
            size += len(d.decompress(data[pos:pos + chunk], limit - size))
            while d.unconsumed_tail and size < limit:
                size += len(d.decompress(d.unconsumed_tail, limit - size))
        except zlib.error:
            return size
        pos += chunk
    return size


def check_page_tree(pdf: pikepdf.Pdf, file: str) -> None:
    """Refuse a page tree with more than MAX_PAGES pages, a page listed twice, or a loop.

    Why before anything touches `pdf.pages`: qpdf then copies a page listed n times n times
    (200,000 entries of one page cost gigabytes), and a loop must not be followed."""
    root = pdf.Root.get("/Pages") if "/Pages" in pdf.Root else None
    if not isinstance(root, pikepdf.Dictionary):
        return  # no pages: qpdf reports it, the reader says it is not a form
    seen: set[tuple[int, int]] = set()
    stack: list[pikepdf.Object] = [root]
    pages = 0
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary):
            continue
        og = node.objgen
        if og != (0, 0):
            if og in seen:
                raise ReturnError(file, "the PDF's page tree lists a page or a part of itself "
                                        "twice; it is damaged or forged, not a form return")
            seen.add(og)
        kids = node.get("/Kids") if "/Kids" in node else None  # a missing key costs more
        if isinstance(kids, pikepdf.Array):
            if len(kids) > MAX_PAGES or len(seen) + len(stack) + len(kids) > 2 * MAX_PAGES:
                raise ReturnError(file, f"the PDF has more than {MAX_PAGES} pages; "
                                        "not a form return")
            stack.extend(kids)
        else:
            pages += 1
            if pages > MAX_PAGES:
                raise ReturnError(file, f"the PDF has more than {MAX_PAGES} pages; "
                                        "not a form return")


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
    names = root.get("/Names") if "/Names" in root else None  # `in` first: see `_fields.walk`
    if isinstance(names, pikepdf.Dictionary) and "/JavaScript" in names:
        found.append("document-level JavaScript")
    if isinstance(names, pikepdf.Dictionary) and "/EmbeddedFiles" in names:
        found.append("embedded files")
    acro = root.get("/AcroForm") if "/AcroForm" in root else None
    if isinstance(acro, pikepdf.Dictionary) and "/XFA" in acro:
        found.append("an XFA form (its scripts and data are ignored)")
    annots_seen = 0
    for number, page in enumerate(pdf.pages, start=1):
        if number > MAX_PAGES:
            break
        obj = page.obj
        if "/AA" in obj:
            found.append(f"page {number}: page event actions")
        annots = obj.get("/Annots") if "/Annots" in obj else None
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
