"""A true PDF/UA-1 claim: WeasyPrint's tagged PDF mended, checked, and the claim kept only if
every check passes (else removed: a false claim is worse than none).

WeasyPrint 70's `pdf/ua-1` variant tags the HTML (headings, paragraphs, tables with header
IDs, lists, a /Form element with an OBJR per widget, a /Link element with an OBJR per link)
and writes `pdfuaid:part="1"`. What it gets wrong, and `mend` puts right:

- running furniture (the marking, the identity footer, "Page x of y", the guide's running
  head) is laid out in page margin boxes, marked as tagged content whose structure
  elements hang nowhere in the tree: it is re-marked as a /Pagination artifact;
- table header cells (TH) carry no /Scope: Column in a THead or a row of headers only,
  else Row;
- empty structure elements (the paper form's tick boxes and writing lines, drawn as borders,
  which are artifacts already) are dropped from the tree;
- a list holds a nested list or a span directly, and list items content that is neither a
  label nor a body: each is wrapped in (or moved into) LI → LBody;
- link annotations have no flags: they get Print (/F 4).

`check` asserts the rules on any PDF (the tests run it on every generated PDF); `finish`
mends, checks and keeps or removes the claim. Used where the toolkit already opens
WeasyPrint's output with pikepdf: `formats.pdf` (forms and paper) and `render.write_pdf`
(the report and the guide).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pikepdf
from lxml import etree

from . import pdf_marks

PDFUA_NS = "http://www.aiim.org/pdfua/ns/id/"
PRINT = 4
LIST_KIDS = ("/LI", "/Caption")
ITEM_KIDS = ("/Lbl", "/LBody")
CELLS = ("/TD", "/TH")  # an empty cell stays: a row keeps its columns
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

Elem = pikepdf.Object  # a structure element (a dictionary)


def _kids(e: Elem) -> list[pikepdf.Object]:
    if "/K" not in e:  # asked first: through pikepdf a missing key costs several times more
        return []
    k = e.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, pikepdf.Array) else [k]


def _set_kids(e: Elem, kids: list[pikepdf.Object]) -> None:
    e.K = pikepdf.Array(kids)


def _is_elem(k: object) -> bool:
    return isinstance(k, pikepdf.Dictionary) and "/S" in k


Node = tuple[Elem, str, list[pikepdf.Object]]  # an element, its type and its kids
Tagged = pdf_marks.Tagged


def walk(pdf: pikepdf.Pdf) -> list[Node]:
    """Every structure element with its type and kids, each read once, parents before
    children (loops cut).

    Why read once: through pikepdf every look into a dictionary costs microseconds, and a
    report's tree has thousands of elements; mend and check each walk it once."""
    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary):
        return []
    out: list[Node] = []
    seen: set[tuple[int, int]] = set()
    stack = [k for k in reversed(_kids(root)) if _is_elem(k)]
    while stack:
        e = stack.pop()
        if e.objgen in seen and e.objgen != (0, 0):
            continue
        seen.add(e.objgen)
        kids = _kids(e)
        out.append((e, _s(e), kids))
        stack.extend(k for k in reversed(kids) if _is_elem(k))
    return out


def elements(pdf: pikepdf.Pdf) -> Iterator[Elem]:
    """Every structure element, parents before children (loops cut)."""
    for e, _, _ in walk(pdf):
        yield e


def _s(e: Elem) -> str:
    return str(e.get("/S", ""))


def _reach(tree: list[Node]) -> tuple[Tagged, dict[tuple[int, int], str]]:
    """(page, MCID) of all marked content the structure tree reaches, and each annotation an
    OBJR names -> the structure type of the element holding it."""
    tagged: Tagged = set()
    holders: dict[tuple[int, int], str] = {}
    for e, s, kids in tree:
        pg: Any = False  # not looked up yet
        for k in kids:
            if isinstance(k, int):
                pg = e.get("/Pg") if pg is False else pg
                if pg is not None:
                    tagged.add((pg.objgen, int(k)))
            elif isinstance(k, pikepdf.Dictionary) and "/S" not in k:
                kind = k.get("/Type")
                if kind == pikepdf.Name.MCR:
                    pg = e.get("/Pg") if pg is False else pg
                    page = k.get("/Pg", pg)
                    if page is not None:
                        tagged.add((page.objgen, int(k.MCID)))
                elif kind == pikepdf.Name.OBJR:
                    holders[k.Obj.objgen] = s
    return tagged, holders


def _artifact_furniture(pdf: pikepdf.Pdf, tagged: Tagged) -> None:
    """Marked content the tree does not reach (margin boxes) -> pagination artifacts."""
    tree = pdf.Root.StructTreeRoot.get("/ParentTree")
    nums = tree.get("/Nums") if isinstance(tree, pikepdf.Dictionary) else None
    parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums) - 1, 2)} \
        if isinstance(nums, pikepdf.Array) else {}
    for page in pdf.pages:
        for stream in pdf_marks.streams(page):
            loose = [m for m in pdf_marks.loose(page, stream, tagged, mend=True)
                     if m is not None]
            if not loose:
                continue
            key = page.obj.get("/StructParents")
            array = parents.get(int(key)) if key is not None else None
            if isinstance(array, pikepdf.Array):
                for m in loose:
                    if m < len(array):
                        array[m] = pikepdf.Object.parse(b"null")


def _drop_empty(pdf: pikepdf.Pdf) -> None:
    """Structure elements with no content at all leave the tree (an element left empty by
    that leaves too), in one walk, children before parents."""
    seen: set[tuple[int, int]] = set()

    def empty(e: Elem) -> bool:  # after its empty kids have left
        kids = _kids(e)
        keep = []
        for k in kids:
            if _is_elem(k) and (k.objgen not in seen or k.objgen == (0, 0)):
                seen.add(k.objgen)
                if empty(k) and _s(k) not in CELLS:
                    continue
            keep.append(k)
        if len(keep) != len(kids):
            _set_kids(e, keep)
        return not keep

    for top in _kids(pdf.Root.StructTreeRoot):
        if _is_elem(top):
            seen.add(top.objgen)
            empty(top)


def _new(pdf: pikepdf.Pdf, tag: str, parent: Elem, kids: list[pikepdf.Object]) -> Elem:
    e = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name(tag),
                                             P=parent, K=pikepdf.Array()))
    if "/Pg" in parent:
        e.Pg = parent.Pg
    _adopt(e, kids)
    return e


def _adopt(e: Elem, kids: list[pikepdf.Object]) -> None:
    """Move `kids` (elements, MCIDs, MCRs) under `e`, with page and ParentTree kept true."""
    for k in kids:
        if _is_elem(k):
            k.P = e
        elif isinstance(k, int) and "/Pg" not in e:
            raise ValueError("marked content without a page")
    _set_kids(e, [*_kids(e), *kids])


def _fix_lists(pdf: pikepdf.Pdf, tree: list[Node]) -> None:
    for e, s, _ in tree:
        if s == "/L":
            kept: list[pikepdf.Object] = []
            for k in _kids(e):
                if _is_elem(k) and _s(k) in LIST_KIDS:
                    kept.append(k)
                elif _is_elem(k) and _s(k) == "/L" and kept and _s(kept[-1]) == "/LI":
                    bodies = [b for b in _kids(kept[-1]) if _is_elem(b) and _s(b) == "/LBody"]
                    body = bodies[-1] if bodies else None
                    if body is None:
                        body = _new(pdf, "/LBody", kept[-1], [])
                        _set_kids(kept[-1], [*_kids(kept[-1]), body])
                    _adopt(body, [k])
                elif _is_elem(k):
                    item = _new(pdf, "/LI", e, [])
                    _set_kids(item, [_new(pdf, "/LBody", item, [k])])
                    kept.append(item)
                else:
                    kept.append(k)  # marked content directly in a list: left to `check`
            _set_kids(e, kept)
    for e, s, _ in tree:  # (an LI made above holds an LBody only)
        if s == "/LI":
            kids = _kids(e)
            stray = [k for k in kids if _is_elem(k) and _s(k) not in ITEM_KIDS]
            if stray:
                body = _new(pdf, "/LBody", e, stray)
                _set_kids(e, [k for k in kids if k not in stray] + [body])


def _scope_headers(tree: list[Node]) -> None:
    """Every TH gets /Scope: Column in a header row (a THead, or a row of THs only), else Row."""
    for row, s, kids in tree:
        if s != "/TR":
            continue
        cells = [k for k in kids if _is_elem(k)]
        in_head = _s(row.get("/P", pikepdf.Dictionary())) == "/THead"
        all_heads = all(_s(c) == "/TH" for c in cells)
        for cell in cells:
            if _s(cell) != "/TH":
                continue
            attrs = cell.get("/A")
            table = attrs if isinstance(attrs, pikepdf.Dictionary) else None
            if table is None:
                table = pikepdf.Dictionary(O=pikepdf.Name.Table)
                cell.A = table if attrs is None else pikepdf.Array([*attrs, table])
            table.Scope = pikepdf.Name.Column if in_head or all_heads else pikepdf.Name.Row


def _flag_links(pdf: pikepdf.Pdf) -> None:
    for page in pdf.pages:
        for annot in page.obj.get("/Annots", pikepdf.Array()):
            if isinstance(annot, pikepdf.Dictionary) and annot.get("/Subtype") == pikepdf.Name.Link:
                annot.F = int(annot.get("/F", 0)) | PRINT


def mend(pdf: pikepdf.Pdf) -> None:
    """Put right what WeasyPrint's tagging gets wrong (see the module docstring)."""
    if "/StructTreeRoot" not in pdf.Root:
        return
    tree = walk(pdf)
    _artifact_furniture(pdf, _reach(tree)[0])
    _fix_lists(pdf, tree)
    _scope_headers(tree)  # (the rows and cells stay as they are in what follows)
    _drop_empty(pdf)
    _flag_links(pdf)


def _field_name(widget: pikepdf.Object) -> str:
    """The accessible name (/TU) of a widget's field: its own, or its parent's."""
    for node in (widget, widget.get("/Parent")):
        if isinstance(node, pikepdf.Dictionary) and "/T" in node:
            return str(node.get("/TU", "")).strip()
    return ""


def check(pdf: pikepdf.Pdf) -> list[str]:
    """What breaks the PDF/UA rules this toolkit asserts; [] for a PDF that keeps them."""
    problems: list[str] = []
    mark = pdf.Root.get("/MarkInfo", pikepdf.Dictionary())
    if "/StructTreeRoot" not in pdf.Root or not mark.get("/Marked"):
        return ["not a tagged PDF (no structure tree or not marked)"]
    if not str(pdf.Root.get("/Lang", "")):
        problems.append("no document language (/Lang)")
    tree = walk(pdf)
    for e, s, kids in tree:
        if not kids and s not in CELLS:
            problems.append(f"an empty {s} element")
        if s == "/TH":
            attrs = e.get("/A")
            found = [a for a in (attrs if isinstance(attrs, pikepdf.Array) else [attrs])
                     if isinstance(a, pikepdf.Dictionary) and "/Scope" in a]
            if not found or found[0].Scope not in (pikepdf.Name.Column, pikepdf.Name.Row,
                                                    pikepdf.Name.Both):
                problems.append("a table header cell (TH) without /Scope")
        if s == "/L" and any(not _is_elem(k) or _s(k) not in LIST_KIDS for k in kids):
            problems.append("a list (L) with a child that is not a list item (LI)")
        if s == "/LI" and any(not _is_elem(k) or _s(k) not in ITEM_KIDS for k in kids):
            problems.append("a list item (LI) with a child that is not Lbl or LBody")
        if s in ITEM_KIDS and _s(e.get("/P", pikepdf.Dictionary())) != "/LI":
            problems.append(f"{s} outside a list item")
        if s == "/Figure" and not str(e.get("/Alt", "")).strip():
            problems.append("a figure without alternative text")
    tagged, holders = _reach(tree)
    loose = sum(len(pdf_marks.loose(page, stream, tagged)) for page in pdf.pages
                for stream in pdf_marks.streams(page))
    if loose:
        problems.append(f"{loose} marked content sequence(s) tagged but not in the structure "
                        "tree (furniture not marked as artifact)")
    for n, page in enumerate(pdf.pages, start=1):
        for annot in page.obj.get("/Annots", pikepdf.Array()):
            if not isinstance(annot, pikepdf.Dictionary):
                continue
            kind = annot.get("/Subtype")
            if kind == pikepdf.Name.Widget:
                if holders.get(annot.objgen) != "/Form":
                    problems.append(f"page {n}: a form field not in a Form element (OBJR)")
                if not _field_name(annot):
                    problems.append(f"page {n}: a form field without a tooltip (/TU)")
            elif kind == pikepdf.Name.Link:
                if not int(annot.get("/F", 0)) & PRINT:
                    problems.append(f"page {n}: a link without the Print flag")
                if holders.get(annot.objgen) != "/Link":
                    problems.append(f"page {n}: a link not in a Link element (OBJR)")
            if "/StructParent" not in annot and kind in (pikepdf.Name.Widget, pikepdf.Name.Link):
                problems.append(f"page {n}: an annotation without /StructParent")
    return list(dict.fromkeys(problems))


def _xmp(pdf: pikepdf.Pdf) -> tuple[bytes, int, int, etree._Element] | None:
    """The XMP packet, where its x:xmpmeta element starts and ends, and that element parsed."""
    meta = pdf.Root.get("/Metadata")
    if not isinstance(meta, pikepdf.Stream):
        return None
    raw = meta.read_bytes()
    start, end = raw.find(b"<x:xmpmeta"), raw.rfind(b"</x:xmpmeta>") + len(b"</x:xmpmeta>")
    if start < 0 or end < start:
        return None
    try:
        return raw, start, end, etree.fromstring(raw[start:end], parser=_PARSER)
    except etree.XMLSyntaxError:
        return None


def _claim_nodes(root: etree._Element) -> Iterator[tuple[etree._Element, str | None]]:
    """(element, attribute name) of each pdfuaid:part; attribute None for an element."""
    part = f"{{{PDFUA_NS}}}part"
    for el in root.iter():
        if el.tag == part:
            yield el, None
        elif part in el.attrib:
            yield el, part


def claims(pdf: pikepdf.Pdf) -> bool:
    """Whether the XMP metadata claims PDF/UA (pdfuaid:part)."""
    found = _xmp(pdf)
    return found is not None and any(True for _ in _claim_nodes(found[3]))


def drop_claim(pdf: pikepdf.Pdf) -> None:
    """Remove pdfuaid:part (attribute or element) from the XMP metadata."""
    found = _xmp(pdf)
    if found is None:
        return
    raw, start, end, root = found
    for el, attr in list(_claim_nodes(root)):
        if attr is not None:
            del el.attrib[attr]
        elif el.getparent() is not None:
            el.getparent().remove(el)
    packet = raw[:start] + etree.tostring(root, encoding="utf-8") + raw[end:]
    pdf.Root.Metadata = pdf.make_stream(packet, Type=pikepdf.Name.Metadata,
                                        Subtype=pikepdf.Name.XML)


def finish(pdf: pikepdf.Pdf) -> list[str]:
    """Mend, check, and keep the PDF/UA claim only if nothing is wrong; the problems found."""
    mend(pdf)
    problems = check(pdf)
    if problems:
        drop_claim(pdf)
    return problems
