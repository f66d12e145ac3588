"""The Word format: a fillable .docx with one content control per answer box, read back from
the controls' contents.

Layout (`_docx_layout`, python-docx). The title uses Word's Title style and every section a
real Heading 1, so the navigation pane and screen readers move section by section. Each
question has its number and label (style "Question", "(required)" in words, not a star), its
hints (style "Hint": the spec's hint, the rating scale, "Answer if ...", tick limits, who
signs), its guidance (style "Guidance"), all worded by `wording`, and one inline content
control per slot: rich text for text, numbers and long text (see below), a date picker
(w:date, dd/MM/yyyy, en-GB), a drop-down list (w:dropDownList, items =
`values.choice_texts`) for choices and ratings and a w14:checkbox per option of a
select-many question. Tables are Word tables (header row repeated on each page) with a
control in every cell of max_rows blank rows; sign-offs are a name and a date control. Every
control has a placeholder saying what to enter, a title (w:alias, the slot's label, which
Word shows and reads out) and the lock "content control cannot be deleted". The protective
marking is in the header and footer of every page, with the licence attribution where the
spec has a licence, and the identity line `Identity.footer()` with page x of y.

Identity. Form id, version and instance id are stored three times: as custom document
properties (`bluestone:form-id`, ...), in the core properties (dc:subject "form-id version",
dc:identifier the instance id, cp:keywords "bluestone form") and as the visible footer line.
LibreOffice 7.4.7 keeps all three when it re-saves; the reader tries them in that order.

Matching controls to slots. Each control carries its slot key as `w:tag` and sits inside a
hidden bookmark `_bs_<40-bit hash of the key>` (a leading underscore hides it in Word's list;
names stay within Word's 40 characters for any key). Word keeps both. LibreOffice 7.4.7,
re-saving, drops every w:tag (and w:alias except on plain-text controls) but keeps the
bookmarks, moving their start inside the control; so the reader takes the tag when there is
one, else the bookmark the control sits in, else the control that starts inside the bookmark.
It never relies on the order of controls: a deleted control costs only its own answer ("the
answer box ... is missing"), and text typed outside a control is not an answer.

What LibreOffice 7.4.7 does to each control (verified by re-saving filled forms): dates keep
w:fullDate and the text, drop-downs keep the shown text but blank every list item's value,
tick boxes keep w14:checked and the glyph, plain-text controls keep their text but lose
w:showingPlcHdr (so an unfilled one comes back showing its placeholder text, which the reader
therefore treats as empty), and plain-text controls with line breaks are mangled: the w:br
are moved out in front of the control and the lines run together. Rich-text controls keep
their w:br inside. That is why text boxes are rich-text controls holding runs with w:br: the
same markup Word writes for Shift+Enter, and the only multi-line markup both clients keep.
(Word itself stores line breaks in a w:multiLine plain-text control as w:br too.) LibreOffice
7.4 also shows a plain-text control as an input field, which a person fills through a dialog,
so short text and numbers are rich-text controls as well; a name typed on two lines reads
back with its line break.

"No answer". A control holds no answer when its text is empty or is the control's own
placeholder text (`_docx_layout.placeholder`), whatever `w:showingPlcHdr` says. Word removes
that flag and the placeholder run once a person types (ECMA-376 §17.5.2.39: the flag says the
content is the placeholder); LibreOffice 7.4 keeps both the flag and the PlaceholderText
style on what a person types over the placeholder, so neither can be trusted to mean "empty".
An empty control right after text in that style, outside it, gets that text: LibreOffice 7.4
pastes there when a person pastes over the selected placeholder (`_docx_xml.pasted_beside`).

Editing restriction. `write` sets `w:documentProtection w:edit="forms" w:enforcement="1"`
with no password: Word's "Filling in forms" restriction. It dates from legacy form fields,
but Word (2010 and later) leaves content controls fillable under it while the questions and
layout cannot be changed, and it is the restriction Microsoft's own guidance on forms built
from content controls uses. LibreOffice 7.4 imports it as "protect form": its content
controls and input fields stay fillable and typing anywhere else is refused (checked through
LibreOffice's own API in the tests). The alternative, w:edit="readOnly" plus a
w:permStart/w:permEnd range for everyone around every control, adds two elements per control
and was not needed (not tried in LibreOffice). No password: it gives no security in Word
(the hash is in the file) and would stop a person fixing an honest layout problem.
`protect="ready"` records the restriction without enforcing it; `protect="off"` leaves it out.

Reading parses the parts itself with the hardened package reader (python-docx's Document()
costs more than the whole read: see bench/bench_docx.py); `fill` edits word/document.xml in
the zip directly. Raw WordprocessingML lives in `_docx_xml` (names, reading), `_docx_fill`
(filling) and `_docx_build_xml` (building); package-level parts in `_docx_package`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import docx

from ...answers import values as codec
from ...answers.records import ReadResult, flatten, new_instance_id
from ...answers.slots import slot_map
from ...errors import ReturnError
from ...spec.catalog import Catalog
from ...spec.compiled import CompiledSpec
from ...spec.model import FormSpec
from ..common import FORM_ID, INSTANCE_ID, SLOTS, VERSION, Identity, fingerprint, finish
from ..ooxml import opc as package
from ..ooxml import wordml as X
from ..ooxml import wordml_build as B
from ..ooxml.package import Package, parse_xml
from . import _fill as F
from . import _layout as layout

FORMAT = "docx"
PROTECT_MODES = ("enforce", "ready", "off")
_FOOTER_ID = re.compile(r"Form (\S+) v(\S+) · instance (\S+)")
_MAIN, _CUSTOM, _CORE = "word/document.xml", "docProps/custom.xml", "docProps/core.xml"


# --------------------------------------------------------------------------- writing


def write(
    spec: FormSpec,
    path: str | Path,
    *,
    values: Mapping[str, Any] | None = None,
    instance_id: str | None = None,
    protect: str = "enforce",
    **opts: Any,
) -> Path:
    """The fillable Word form (prefilled with nested `values` if given); returns its path.

    protect: "enforce" (default) restricts editing to filling in the controls, without a
    password; "ready" records that restriction without switching it on; "off" leaves it out.
    """
    if protect not in PROTECT_MODES:
        raise ValueError(f"protect must be one of {', '.join(PROTECT_MODES)}")
    out = Path(path)
    ident = Identity(spec.id, spec.version, instance_id or new_instance_id())
    document = docx.Document()
    layout.build(document, spec, ident)
    if protect != "off":
        B.protect(document, enforce=protect == "enforce")
    if values:
        F.fill_tree(document.element.body, _entries(spec, values))
    B.prune_styles(document)
    package.finalise(document, {FORM_ID: spec.id, VERSION: spec.version,
                                INSTANCE_ID: ident.instance_id or "", SLOTS: fingerprint(spec)})
    document.save(str(out))
    return out


def _entries(form: FormSpec | CompiledSpec, vals: Mapping[str, Any]) -> dict[str, F.Entry]:
    """Nested values -> what each control shows, through the codec."""
    by_key = form.slot_map if isinstance(form, CompiledSpec) else slot_map(form)
    lang = form.language if isinstance(form, FormSpec) else "en"
    out: dict[str, F.Entry] = {}
    for key, v in flatten(form, vals).items():
        s = by_key[key]
        text = codec.encode(s, v)
        full_date = f"{v.isoformat()}T00:00:00Z" if s.kind == "date" and v is not None else None
        out[key] = F.Entry(text, checked=s.kind == "flag" and bool(v), full_date=full_date,
                           placeholder=layout.placeholder(s, lang))
    return out


# --------------------------------------------------------------------------- filling


def fill(
    template: str | Path,
    values: Mapping[str, Any],
    out: str | Path,
    *,
    spec: FormSpec | None = None,
    catalog: Catalog | None = None,
    instance_id: str | None = None,
) -> Path:
    """Fill a generated form's controls with nested `values`, as Word stores a filled form.

    The values belong to `spec`, or else to the spec the form's own identity names in
    `catalog` (default the shipped forms). The instance id is kept, unless `instance_id`
    gives the copy its own (a mail merge: one form per person), in the properties and the
    footer line alike.
    """
    src, dst = Path(template), Path(out)
    with Package(src, FORMAT) as pkg:
        ident, main = _open(pkg)
        form: FormSpec | CompiledSpec
        if spec is None:
            form = _form_for(ident, str(src), catalog)
        elif (spec.id, spec.version) != (ident.form_id, ident.version):
            raise ReturnError(str(src), f"the form is {ident.form_id} v{ident.version}, "
                              f"not {spec.id} v{spec.version}")
        else:
            form = spec
        root = pkg.xml(main)
        missing = F.fill_tree(root, _entries(form, values))
        if missing:
            raise ReturnError(str(src), f"the form has no control for {', '.join(missing)}")
        replace = {main: package.serialise(root)}
        if instance_id and instance_id != ident.instance_id:
            replace.update(_new_instance(pkg, ident, instance_id))
        package.rewrite(pkg, dst, replace)
    return dst


def _new_instance(pkg: Package, ident: Identity, instance_id: str) -> dict[str, bytes]:
    """The parts that carry the instance id, rewritten with a new one."""
    new = Identity(ident.form_id, ident.version, instance_id)
    parts: dict[str, bytes] = {}
    if pkg.has(_CUSTOM):
        custom = pkg.xml(_CUSTOM)
        package.set_custom_property(custom, INSTANCE_ID, instance_id)
        parts[_CUSTOM] = package.serialise(custom)
    if pkg.has(_CORE):
        core = pkg.xml(_CORE)
        package.set_core_property(core, "identifier", instance_id)
        parts[_CORE] = package.serialise(core)
    for name in pkg.names():
        if re.fullmatch(r"word/footer\d*\.xml", name):
            footer = pkg.xml(name)
            if X.replace_text(footer, ident.footer(), new.footer()):
                parts[name] = package.serialise(footer)
    return parts


# --------------------------------------------------------------------------- reading


def read(path: str | Path, catalog: Catalog | None = None, *,
         data: bytes | None = None) -> ReadResult:
    """Read a returned Word form: identity from its properties, answers from its controls
    (`data`: the file's bytes when the caller has read them already)."""
    p = Path(path)
    file = str(p)
    with Package(p, FORMAT, data) as pkg:
        ident, main = _open(pkg)
        form = _form_for(ident, file, catalog)
        root = pkg.xml(main)
        modified = pkg.modified()
    keys, boxes, where = form.derived(_boxes)
    raw: dict[str, Any] = X.answers(root, keys)  # a parsed tree: a failure here is a bug
    unanswered: dict[str, str] = {}
    for key, empty, caption in boxes:
        # "no answer" is the control's own placeholder text (or nothing), whatever
        # w:showingPlcHdr says: LibreOffice keeps that flag on typed text (module docstring)
        got = raw.get(key)
        if isinstance(got, str) and got.strip() in empty:
            raw[key] = None
            unanswered[key] = caption
    if unanswered:
        raw.update(X.pasted_beside(root, unanswered))
    record, issues = finish(form, ident, raw, where, file, modified=modified)
    return ReadResult(file=file, format=FORMAT, records=[record], issues=issues)


Boxes = tuple[tuple[str, ...], tuple[tuple[str, frozenset[str], str], ...], dict[str, str]]


def _boxes(form: CompiledSpec) -> Boxes:
    """The slot keys, each with the texts that mean "no answer" (nothing, or its placeholder
    text in any language) and its caption, and where each box is (kept with the compiled
    form, `form.derived(_boxes)`: reading thousands of returns should not redo it)."""
    boxes = tuple((s.key, frozenset(("", *layout.placeholders(s))), layout.caption(s))
                  for s in form.slots)
    where = {s.key: f"the box “{s.label}”" for s in form.slots}
    return tuple(b[0] for b in boxes), boxes, where


def _form_for(ident: Identity, file: str, catalog: Catalog | None) -> CompiledSpec:
    return (catalog or Catalog.shipped()).form(ident.form_id, ident.version, file)


def _open(pkg: Package) -> tuple[Identity, str]:
    """The return's identity and the name of its main document part.

    The usual part names are tried first, the package relationships only when they are
    missing (a reader in a 10,000-return batch should not parse what it does not need).
    """
    types = pkg.content_types()
    if "macroEnabled" in types:
        raise ReturnError(pkg.file, "the file is a macro-enabled Word document; save it as "
                          ".docx without macros and send it again")
    if "wordprocessingml.template" in types:
        raise ReturnError(pkg.file, "the file is a Word template; fill in the form itself")
    if pkg.has(_CUSTOM) and pkg.has(_MAIN) and "wordprocessingml.document.main" in types:
        props = package.read_custom_properties(pkg.xml(_CUSTOM))
        if props.get(FORM_ID):
            ident = Identity(props.get(FORM_ID), props.get(VERSION), props.get(INSTANCE_ID),
                            props.get(SLOTS))
            return ident, _MAIN
    rels = pkg.xml("_rels/.rels") if pkg.has("_rels/.rels") else None
    target = package.package_target(rels, package.REL_DOCUMENT) if rels is not None else None
    if target is None or not pkg.has(target):
        if pkg.has("xl/workbook.xml"):
            raise ReturnError(pkg.file, "an Excel workbook, not a Word form")
        raise ReturnError(pkg.file, "not a Word document (it has no main document part)")
    return _identity(pkg, rels), target


def _identity(pkg: Package, rels: Any) -> Identity:
    """Form id, version and instance id from the custom or core properties or the footer."""
    props: dict[str, str] = {}
    custom = package.package_target(rels, package.REL_CUSTOM) if rels is not None else None
    if custom and pkg.has(custom):
        props = package.read_custom_properties(pkg.xml(custom))
    if props.get(FORM_ID):
        return Identity(props.get(FORM_ID), props.get(VERSION), props.get(INSTANCE_ID),
                            props.get(SLOTS))
    core_part = package.package_target(rels, package.REL_CORE) if rels is not None else None
    if core_part and pkg.has(core_part):
        core = package.read_core_properties(pkg.xml(core_part))
        parts = core.get("subject", "").split()
        if len(parts) == 2 and core.get("keywords") == "bluestone form":
            return Identity(parts[0], parts[1], core.get("identifier") or None)
    for name in pkg.names():
        if re.fullmatch(r"word/footer\d*\.xml", name):
            m = _FOOTER_ID.search(X.part_text(parse_xml(pkg.read(name), pkg.file, name)))
            if m:
                return Identity(m[1], m[2], m[3])
    return Identity(None, None, None)

