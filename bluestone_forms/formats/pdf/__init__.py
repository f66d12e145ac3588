"""The PDF format: a fillable PDF form (AcroForm), the paper form, reading back and filling.

    write(spec, path, *, values=None, instance_id=None)  the fillable form (WeasyPrint)
    write_paper(spec, path, *, instance_id=None)         the paper form, tagged (PDF/UA-1)
    read(path, catalog=None) -> ReadResult               a filled form's answers (pikepdf)
    fill(template, values, out, *, instance_id=None, spec=None, catalog=None)
                                                         fill a generated form (pikepdf, ms)

Every answer box is an AcroForm field whose fully qualified name is its slot key (see
`_pdf_fields` for the name mapping and field kinds). The form id, version and instance id are
in the document info under `bluestone:form-id`, `bluestone:version`, `bluestone:instance-id`
and in the XMP metadata under the same names (namespace `urn:bluestone-forms:identity:1.0/`),
and printed small on every page with the protective marking and "Page x of y" (the identity
line of the fillable form is drawn by `_pdf_stamp`, so a filled copy can take a new id).

Why render once and fill with pikepdf: WeasyPrint takes most of a second per form, setting
/V on a rendered template takes milliseconds, so `write(values=...)` renders the blank form and
fills it the same way `fill` does, and tests and mail merges fill copies of one template.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pikepdf

from ... import pdf_ua, render
from ...answers.records import ReadResult, new_instance_id, texts
from ...answers.slots import slot_map, slots
from ...errors import Issue, ReturnError
from ...spec.catalog import Catalog
from ...spec.model import FormSpec
from ...spec.wording import phrase_in
from ..common import Identity, check_slots, fingerprint, finish
from ..ooxml.times import normalise_time
from . import _choice as choice
from . import _fields as fields
from . import _layout as layout
from . import _paper_marks as paper_marks
from . import _printed as printed
from . import _stamp as stamp
from ._open import active_content, open_quick, open_return, repaired

FORMAT = "pdf"
PAPER_VARIANT = "pdf/ua-1"
FORM_VARIANT = "pdf/ua-1"  # WeasyPrint 70 tags form fields too (a /Form element per widget)


def _identity(spec: FormSpec, instance_id: str | None) -> Identity:
    return Identity(spec.id, spec.version, instance_id or new_instance_id(), fingerprint(spec))


def form_html(spec: FormSpec, identity: Identity) -> str:
    """The HTML of the fillable form (autoescaped; one input per slot, named by its key)."""
    view = layout.build(spec, identity, "fillable", stamp_identity=True)
    return render.render_html("form.html.j2", page=view.page, sections=view.sections)


def paper_html(spec: FormSpec, identity: Identity) -> str:
    """The HTML of the paper form."""
    view = layout.build(spec, identity, "paper")
    return render.render_html("paper.html.j2", page=view.page, sections=view.sections)


def _labels(spec: FormSpec) -> dict[str, str]:
    # how a date or time is written, in the copy's language (dd/mm/yyyy, dd/mm/bbbb in Welsh)
    return {
        s.key: f"{s.label} ({phrase_in(layout.FORMAT_HINTS[s.kind], spec.language)})"
        if s.kind in layout.FORMAT_HINTS else s.label for s in slots(spec)
    }


def write(
    spec: FormSpec,
    path: str | Path,
    *,
    values: Mapping[str, Any] | None = None,
    instance_id: str | None = None,
    **opts: Any,
) -> Path:
    """The fillable PDF form (prefilled with nested `values` when given); returns the path.

    Tagged (PDF/UA-1, each field a /Form structure element with its label as /TU) unless
    `tagged=False`; `fetcher` may pass a `render.SealedFetcher` to inspect what was fetched.
    """
    identity = _identity(spec, instance_id)
    buf = io.BytesIO()
    variant = FORM_VARIANT if opts.get("tagged", True) else None
    document = render.layout(form_html(spec, identity), forms=True, variant=variant,
                             fetcher=opts.get("fetcher"))
    anchors = [page.anchors.get(stamp.ANCHOR) for page in document.pages]
    render.save(document, buf, forms=True, variant=variant)
    buf.seek(0)
    out = Path(path)
    with pikepdf.open(buf) as pdf:
        choice.prepare(pdf)
        fields.restructure(pdf, _labels(spec))
        pdf_ua.finish(pdf)  # before the identity stamp, which is an artifact already
        fields.write_identity(pdf, identity, spec.title)
        stamp.place(pdf, anchors, identity.footer())
        if values is not None:
            fields.fill_fields(pdf, slot_map(spec), texts(spec, values), str(out))
        fields.save(pdf, out)
    return out


def paper_document(spec: FormSpec, identity: Identity) -> Any:
    """The laid-out paper form (a weasyprint Document: its pages and boxes)."""
    return render.layout(paper_html(spec, identity), variant=PAPER_VARIANT)


def save_paper(document: Any, spec: FormSpec, identity: Identity, path: str | Path) -> Path:
    """Write a laid-out paper form as tagged PDF with its identity metadata."""
    buf = io.BytesIO()
    render.save(document, buf, variant=PAPER_VARIANT)
    buf.seek(0)
    out = Path(path)
    with pikepdf.open(buf) as pdf:
        pdf_ua.finish(pdf)
        fields.write_identity(pdf, identity, spec.title)
        paper_marks.draw(pdf, identity)  # corner marks and a QR code per page, for scans
        fields.save(pdf, out)
    return out


def write_paper(
    spec: FormSpec, path: str | Path, *, instance_id: str | None = None, **opts: Any
) -> Path:
    """The paper form for pen and print, tagged (PDF/UA-1); returns the path."""
    identity = _identity(spec, instance_id)
    return save_paper(paper_document(spec, identity), spec, identity, path)


def fill(
    template: str | Path,
    values: Mapping[str, Any],
    out: str | Path,
    *,
    instance_id: str | None = None,
    spec: FormSpec | None = None,
    catalog: Catalog | None = None,
    need_appearances: bool | None = None,
) -> Path:
    """Fill a generated form with nested values as a client stores them.

    Text fields get the codec's text, checkboxes their own on-state in /V and /AS, drop-downs
    the exact option text; appearance streams are drawn so printing shows the values. The
    form keeps its identity, or takes `instance_id` (a mail merge gives each copy its own):
    then the metadata and the identity line printed on every page change together. The spec
    is the one the form names, from `catalog` (default: the shipped forms) unless given.
    """
    template, out = Path(template), Path(out)
    try:
        pdf = pikepdf.open(template)
    except (pikepdf.PdfError, OSError) as exc:
        raise ReturnError(str(template), f"cannot open the form to fill ({exc})") from None
    with pdf:
        identity = fields.read_identity(pdf)
        if spec is None:
            form = (catalog or Catalog.shipped()).form(
                identity.form_id, identity.version, str(template)
            )
        elif (spec.id, spec.version) != (identity.form_id, identity.version):
            raise ReturnError(str(template), f"the form is {identity.form_id} "
                                             f"v{identity.version}, not {spec.id} v{spec.version}")
        else:
            form = (catalog or Catalog.shipped()).compiled(spec)
        fields.fill_fields(pdf, form.slot_map, texts(form, values), str(template),
                           need_appearances)
        if instance_id is not None and instance_id != identity.instance_id:
            identity = replace(identity, instance_id=instance_id)
            fields.write_identity(pdf, identity)
            stamp.restamp(pdf, identity.footer())
        fields.save(pdf, out)
    return out


# What pikepdf and the codecs under it raise for a damaged or malformed PDF. A KeyError,
# AttributeError, TypeError or IndexError is a fault in this reader and keeps its traceback.
DAMAGED = (pikepdf.PdfError, pikepdf.ForeignObjectError, ValueError, OverflowError,
           UnicodeError, zlib.error, RuntimeError)


def read(path: str | Path, catalog: Catalog | None = None, *,
         data: bytes | None = None) -> ReadResult:
    """A filled PDF form's answers, through the codec and validation.

    Raises ReturnError for a file that is not a readable form of a known version
    (encrypted, truncated, damaged, another PDF); problems with values are Issues. `data`:
    the file's bytes when the caller has read them already.
    """
    path = Path(path)
    file = str(path)
    catalog = catalog or Catalog.shipped()
    quick = open_quick(path, data)
    if quick is not None:  # a classic cross-reference: no byte scan, no repair (`_xref`)
        with quick:
            result: ReadResult | None = None
            try:
                result = _read(quick, file, catalog)
            except ReturnError:
                if not repaired(quick):
                    raise  # refused for what it holds, not for damage: the careful way agrees
            except DAMAGED:
                pass  # damage qpdf would have repaired: read it again the careful way
            if result is not None and not repaired(quick):
                return result
    pdf = open_return(path, data)
    try:
        with pdf:
            return _read(pdf, file, catalog)
    except DAMAGED as exc:  # what a damaged or malformed PDF raises; anything else is a bug
        raise ReturnError(file, f"the PDF cannot be read as a form ({type(exc).__name__}: "
                                f"{' '.join(str(exc).split())[:160]})") from None


def _modified(raw: str | None) -> str | None:
    """When a client last saved the PDF: the document info's /ModDate text (`read_info`), as
    UTC ISO 8601."""
    m = re.match(r"D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([Z+-])?(\d{2})?'?(\d{2})?",
                 raw or "")
    if not m:
        return None
    y, mo, d, h, mi, s = (m[1], m[2] or "01", m[3] or "01", m[4] or "00", m[5] or "00",
                          m[6] or "00")
    zone = "+00:00" if m[7] in (None, "Z") else f"{m[7]}{m[8] or '00'}:{m[9] or '00'}"
    return normalise_time(f"{y}-{mo}-{d}T{h}:{mi}:{s}{zone}")


class _Where(Mapping[str, str]):
    """Where each answer box is ("page 2, PDF field 'risk_rating'"), worked out only for the
    boxes an issue names (most returns have none; finding a field's page for every field
    cost about 5% of a read)."""

    def __init__(self, pdf: pikepdf.Pdf) -> None:
        self.pdf = pdf
        self.found: dict[str, fields.Found] = {}
        self._pages: dict[tuple[int, int], int] | None = None

    def __getitem__(self, key: str) -> str:
        found = self.found[key]
        if self._pages is None:
            self._pages = {p.obj.objgen: n for n, p in enumerate(self.pdf.pages, start=1)}
        widgets = found.widgets()
        page = widgets[0].get("/P") if widgets else None
        number = self._pages.get(page.objgen) if isinstance(page, pikepdf.Dictionary) else None
        return (f"page {number}, " if number else "") + f"PDF field '{key}'"

    def __iter__(self) -> Iterator[str]:
        return iter(self.found)

    def __len__(self) -> int:
        return len(self.found)


def _read(pdf: pikepdf.Pdf, file: str, catalog: Catalog) -> ReadResult:
    identity, moddate = fields.read_info(pdf)
    if not identity.form_id and not any(True for _ in fields.walk(pdf, file)):
        # no metadata and no answer boxes: a PDF exported or printed from a form?
        shown = printed.printed_identity(Path(file), pdf)
        if shown is not None:
            raise ReturnError(file, printed.picture_message(pdf, shown))
    form = catalog.form(identity.form_id, identity.version, file)
    known = form.slot_map
    raw: dict[str, Any] = {}
    where = _Where(pdf)
    names: list[str] = []
    for found in fields.walk(pdf, file):
        names.append(found.name)
        if found.name not in known or found.name in raw:
            continue
        raw[found.name] = fields.raw_value(found)
        where.found[found.name] = found
    if not names:  # the identity is there, every answer box is gone
        raise ReturnError(file, printed.FLATTENED + " (the PDF form as filled in, not a "
                          "printed or flattened copy)")
    check_slots(form, names, file, catalog)
    record, issues = finish(form, identity, raw, where, file, modified=_modified(moddate),
                            catalog=catalog)
    record.meta["format"] = FORMAT
    extra: list[Issue] = []
    active = active_content(pdf)
    if active:
        extra.append(Issue("(form)", "the PDF holds active content, ignored and never run: "
                                     + "; ".join(active[:10]), file=file))
    damage = repaired(pdf)
    if damage:
        extra.append(Issue("(form)", f"the PDF was damaged and repaired on reading "
                                     f"({len(damage)} problem(s), e.g. {damage[0][:120]}); "
                                     f"check the answers", file=file))
    return ReadResult(file=file, format=FORMAT, records=[record], issues=[*extra, *issues])
