"""Raw WordprocessingML for writing the Word form: the content controls themselves (an inline
`w:sdt` in a paragraph, wrapped in its slot's hidden bookmark), the placeholder style, table
rows, page fields, the editing restriction, the document language and the trimmed styles.

`_docx_xml` has the names, and reads and fills controls; this module only builds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree

from .wordml import (
    BM_END,
    BM_START,
    DATE_FORMAT,
    PLACEHOLDER_STYLE,
    SDT,
    SDT_CONTENT,
    SDT_PR,
    UNCHECKED,
    VAL,
    W14,
    W14_VAL,
    R,
    W,
    _glyph_rpr,
    _number,
    _placeholder_run,
    _sub,
    _text,
    bookmark_name,
    w,
    w14,
)


@dataclass(frozen=True)
class Control:
    """One content control to draw: its slot key, Word kind, title and what it offers.

    kind: "text" (plain, one line), "richtext", "date", "dropdown" or "checkbox".
    """

    key: str
    kind: str
    title: str
    placeholder: str
    items: tuple[str, ...] = ()


def control_element(c: Control) -> Any:
    """A blank inline content control showing its placeholder (or an unticked box)."""
    sdt = etree.Element(SDT, nsmap={"w": W, "w14": W14})
    pr = _sub(sdt, SDT_PR)
    if c.kind == "checkbox":
        _glyph_rpr(pr)
    _sub(pr, w("alias"), {VAL: c.title if len(c.title) <= 64 else c.title[:63] + "…"})
    _sub(pr, w("tag"), {VAL: c.key})
    _sub(pr, w("id"), {VAL: str(_number(c.key, b"sdt"))})
    _sub(pr, w("lock"), {VAL: "sdtLocked"})
    if c.kind != "checkbox":
        _sub(pr, w("showingPlcHdr"))
    content = etree.Element(SDT_CONTENT)
    if c.kind == "text":
        _sub(pr, w("text"))
    elif c.kind == "richtext":
        pass  # no type element: a rich-text control (see docx.py for why long text uses it)
    elif c.kind == "date":
        date = _sub(pr, w("date"))
        _sub(date, w("dateFormat"), {VAL: DATE_FORMAT})
        _sub(date, w("lid"), {VAL: "en-GB"})
        _sub(date, w("storeMappedDataAs"), {VAL: "dateTime"})
        _sub(date, w("calendar"), {VAL: "gregorian"})
    elif c.kind == "dropdown":
        dd = _sub(pr, w("dropDownList"))
        # an item with no value lets a person take a choice back in Word and LibreOffice
        _sub(dd, w("listItem"), {w("displayText"): c.placeholder, VAL: ""})
        for item in c.items:
            _sub(dd, w("listItem"), {w("displayText"): item, VAL: item})
    elif c.kind == "checkbox":
        box = _sub(pr, w14("checkbox"))
        _sub(box, w14("checked"), {W14_VAL: "0"})
        _sub(box, w14("checkedState"), {W14_VAL: "2612", w14("font"): "MS Gothic"})
        _sub(box, w14("uncheckedState"), {W14_VAL: "2610", w14("font"): "MS Gothic"})
        run = _sub(content, R)
        _glyph_rpr(run)
        _text(run, UNCHECKED)
    else:
        raise ValueError(f"unknown control kind {c.kind!r}")
    if c.kind != "checkbox":
        _placeholder_run(content, c.placeholder)
    sdt.append(content)
    return sdt


def append_control(paragraph: Any, c: Control) -> None:
    """Add the control to a python-docx paragraph, wrapped in its slot's bookmark."""
    p = paragraph._p
    number = str(_number(c.key, b"bookmark"))
    _sub(p, BM_START, {w("id"): number, w("name"): bookmark_name(c.key)})
    p.append(control_element(c))
    _sub(p, BM_END, {w("id"): number})


def style_placeholder(style: Any) -> None:
    """Make a python-docx character style Word's grey "Placeholder Text"."""
    el = style.element
    el.set(w("styleId"), PLACEHOLDER_STYLE)
    _sub(el, w("semiHidden"))


def repeat_header(row: Any) -> None:
    """Repeat a table's first row on every page and never split a row across pages."""
    tr_pr = row._tr.get_or_add_trPr()
    _sub(tr_pr, w("cantSplit"))
    _sub(tr_pr, w("tblHeader"))


def keep_row_whole(row: Any) -> None:
    _sub(row._tr.get_or_add_trPr(), w("cantSplit"))


def add_page_field(paragraph: Any, instruction: str, half_points: int) -> None:
    """A simple field (PAGE, NUMPAGES) in a python-docx paragraph, in small grey type."""
    fld = _sub(paragraph._p, w("fldSimple"), {w("instr"): f" {instruction} "})
    run = _sub(fld, R)
    rpr = _sub(run, w("rPr"))
    _sub(rpr, w("color"), {VAL: "404040"})
    _sub(rpr, w("sz"), {VAL: str(half_points)})
    _text(run, "1")


def protect(document: Any, enforce: bool) -> None:
    """Restrict editing to filling in the form, with no password (see docx.py for why).

    `enforce=False` records the restriction without switching it on, so Word's "Restrict
    Editing" pane is ready with "Filling in forms" selected.
    """
    settings = document.settings.element
    for old in settings.findall(w("documentProtection")):
        settings.remove(old)
    prot = etree.Element(w("documentProtection"))
    prot.set(w("edit"), "forms")
    prot.set(w("enforcement"), "1" if enforce else "0")
    # CT_Settings order: documentProtection follows these
    index = 0
    for i, child in enumerate(settings):
        if etree.QName(child).localname in _BEFORE_PROTECTION:
            index = i + 1
    settings.insert(index, prot)


_BEFORE_PROTECTION = frozenset((
    "writeProtection", "view", "zoom", "removePersonalInformation", "removeDateAndTime",
    "doNotDisplayPageBoundaries", "displayBackgroundShape", "printPostScriptOverText",
    "printFractionalCharacterWidth", "printFormsData", "embedTrueTypeFonts",
    "embedSystemFonts", "saveSubsetFonts", "saveFormsData", "mirrorMargins",
    "alignBordersAndEdges", "bordersDoNotSurroundHeader", "bordersDoNotSurroundFooter",
    "gutterAtTop", "hideSpellingErrors", "hideGrammaticalErrors", "activeWritingStyle",
    "proofState", "formsDesign", "attachedTemplate", "linkStyles", "stylePaneFormatFilter",
    "stylePaneSortMethod", "documentType", "mailMerge", "revisionView", "trackRevisions",
    "doNotTrackMoves", "doNotTrackFormatting",
))


def set_language(document: Any, lang: str) -> None:
    """The document's default language (spelling, date order) in the style defaults."""
    defaults = document.styles.element.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
    if defaults is not None:
        for el in defaults.findall(w("lang")):
            el.set(VAL, lang)


def prune_styles(document: Any) -> None:
    """Keep only the styles the form uses (python-docx's template carries ~350 kB of them)."""
    used: set[str] = set()
    parts = [document.part, *(r.target_part for r in document.part.rels.values()
                               if r.reltype.endswith(("/header", "/footer")))]
    for part in parts:
        for el in part.element.iter(w("pStyle"), w("rStyle"), w("tblStyle")):
            used.add(el.get(VAL, ""))
    _prune_styles(document.styles.element, used)


def _prune_styles(styles: Any, used: set[str]) -> None:
    by_id = {s.get(w("styleId")): s for s in styles.iter(w("style"))}
    keep = set(used) | {i for i, s in by_id.items() if s.get(w("default")) in ("1", "true")}
    todo = list(keep)
    while todo:
        style = by_id.get(todo.pop())
        if style is None:
            continue
        for ref in ("basedOn", "link", "next"):
            el = style.find(w(ref))
            if el is not None and el.get(VAL) not in keep:
                keep.add(el.get(VAL))
                todo.append(el.get(VAL))
    for sid, style in by_id.items():
        if sid not in keep:
            styles.remove(style)
    latent = styles.find(w("latentStyles"))
    if latent is not None:
        styles.remove(latent)


