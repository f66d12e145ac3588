"""The AcroForm layer of the PDF format: field names, identity metadata, values (pikepdf).

Field names. WeasyPrint names a field by its HTML `name`, the slot key, as one flat partial
name (/T "actions.2.owner"). In PDF a period separates the levels of a field's fully
qualified name and a partial name "shall not contain a period" (ISO 32000-1, 12.7.3.2), so
Acrobat-style tools would look for a field "owner" under "2" under "actions". We therefore
rebuild the tree when a form is written: the fully qualified name of every field is exactly
its slot key, with one non-terminal node per prefix:

    actions            (no /FT, /Kids only)
      2
        owner          /FT /Tx, merged with its widget   -> "actions.2.owner"
    support_offered
      eap              /FT /Btn checkbox                   -> "support_offered.eap"

pikepdf (walking /T up the /Parent chain), pypdf `get_fields()` and `pdftk dump_data_fields`
all report the names as "actions.2.owner" (pypdf also lists the parents "actions",
"actions.2"). Reading joins /T along the tree, so a flat dotted /T from another writer reads
the same.

Kinds: text and numbers /Tx; long text /Tx multiline; flag /Btn checkbox whose on-state is
the name under its /AP /N (WeasyPrint's is /on, never assumed /Yes); choice and rating with
a few options a /Btn radio group whose on-states are the option texts (`_pdf_choice`), with
more a /Ch combo box whose options are `values.choice_texts(slot)` and whose /V is the
option text.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from lxml import etree

from ...answers.slots import Slot
from ...errors import ReturnError
from .. import common
from . import _choice as choice
from ._appearance import UNICODE_FONT, field_font, resources, text_appearance
from ._textfont import TEXT_FONT, text_font

XMP_NS = "urn:bluestone-forms:identity:1.0/"
XMP_PREFIX = "bluestone"
INFO_KEYS = {"form_id": common.FORM_ID, "version": common.VERSION,
             "instance_id": common.INSTANCE_ID, "slots": common.SLOTS}
HELV = "/Helv"
DEFAULT_SIZE = 10.0
MAX_FIELD_NODES = 5000
MAX_DEPTH = 10
MAX_XMP_BYTES = 1024 * 1024
FLAG_MULTILINE = 1 << 12
FLAG_RADIO = 1 << 15
FLAG_PUSHBUTTON = 1 << 16
_TF = re.compile(r"/([^\s/]+)\s+([\d.]+)\s+Tf")
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                              huge_tree=False)


# ---------------------------------------------------------------- writing a form


def save(pdf: pikepdf.Pdf, out: Path) -> None:
    """Save fast: streams copied as they are (the whole field font is never re-deflated),
    no object streams, the XMP left as written.

    Measured on rp1 (860 objects): without object streams a filled form opens in 0.8 ms
    instead of 7 ms and saves in 12 ms instead of 23 ms; the file grows from about 470 KB to
    620 KB (the structure tree and font widths are no longer deflated).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    pdf.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none,
             object_stream_mode=pikepdf.ObjectStreamMode.disable, fix_metadata_version=False)


def restructure(pdf: pikepdf.Pdf, labels: Mapping[str, str]) -> None:
    """Make WeasyPrint's flat fields a tree named by slot key; fonts for appearances.

    `labels` gives each slot key its accessible name (/TU). The AcroForm gets its own /DR:
    the Unicode field font under /BsUni for the appearances we generate ourselves, and for the
    /DA of every text and choice field the same DejaVu Sans as a simple font, WinAnsi plus
    Welsh (`_pdf_textfont`), so any other filler (pdftk, pypdf, a viewer honouring
    NeedAppearances, a person typing) draws Latin and Welsh text; Helvetica only for a form
    without an embedded font.
    """
    acro = pdf.Root.AcroForm
    old_fonts = acro.DR.get("/Font", pikepdf.Dictionary())
    uni_font = None
    roots = pikepdf.Array()
    nodes: dict[str, pikepdf.Object] = {}
    sized: list[tuple[pikepdf.Object, float]] = []
    for f in list(acro.Fields):
        key = str(f.get("/T", ""))
        da = str(f.get("/DA", ""))
        m = _TF.search(da)
        if m:
            if uni_font is None and "/" + m[1] in old_fonts:
                uni_font = old_fonts["/" + m[1]]
            sized.append((f, float(m[2])))
        if key in labels:
            f.TU = pikepdf.String(labels[key])
        parts = key.split(".")
        parent = None
        for depth in range(1, len(parts)):
            prefix = ".".join(parts[:depth])
            if prefix not in nodes:
                node = pdf.make_indirect(
                    pikepdf.Dictionary(T=pikepdf.String(parts[depth - 1]), Kids=pikepdf.Array())
                )
                if parent is None:
                    roots.append(node)
                else:
                    node.Parent = parent
                    parent.Kids.append(node)
                nodes[prefix] = node
            parent = nodes[prefix]
        f.T = pikepdf.String(parts[-1])
        if parent is None:
            roots.append(f)
        else:
            f.Parent = parent
            parent.Kids.append(f)
    fonts = pikepdf.Dictionary({
        HELV: pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica, Encoding=pikepdf.Name.WinAnsiEncoding,
        )),
    })
    typed = text_font(pdf, uni_font) if uni_font is not None else None
    if uni_font is not None:
        fonts[UNICODE_FONT] = uni_font
    if typed is not None:
        fonts[TEXT_FONT] = typed
    da_font = HELV if typed is None else TEXT_FONT
    for f, size in sized:
        f.DA = pikepdf.String(f"{da_font} {size:g} Tf 0 g")
    acro.Fields = roots
    acro.DR = pikepdf.Dictionary(Font=fonts)
    acro.DA = pikepdf.String(f"{da_font} {DEFAULT_SIZE:g} Tf 0 g")
    acro.NeedAppearances = True


def write_identity(pdf: pikepdf.Pdf, identity: common.Identity, title: str | None = None) -> None:
    """Form id, version and instance id into the document info and the XMP metadata
    (replacing any earlier ones)."""
    for attr, key in INFO_KEYS.items():
        pdf.docinfo[pikepdf.Name("/" + key)] = pikepdf.String(getattr(identity, attr) or "")
    if title is not None:
        pdf.docinfo[pikepdf.Name.Title] = pikepdf.String(title)
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    old = pdf.Root.get("/Metadata")
    root = None
    if isinstance(old, pikepdf.Stream):
        try:
            root = etree.fromstring(old.read_bytes(), parser=_XML_PARSER)
        except etree.XMLSyntaxError:
            root = None
    if root is None:
        root = etree.fromstring(b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="'
                                + rdf.encode() + b'"/></x:xmpmeta>', parser=_XML_PARSER)
    rdf_el = root.find(f".//{{{rdf}}}RDF")
    assert rdf_el is not None
    for old_desc in rdf_el.findall(f"{{{rdf}}}Description"):
        if any(el.tag.startswith(f"{{{XMP_NS}}}") for el in old_desc):
            rdf_el.remove(old_desc)
    desc = etree.SubElement(rdf_el, f"{{{rdf}}}Description", nsmap={XMP_PREFIX: XMP_NS})
    desc.set(f"{{{rdf}}}about", "")
    for attr, key in INFO_KEYS.items():
        etree.SubElement(desc, f"{{{XMP_NS}}}{key.split(':', 1)[1]}").text = (
            getattr(identity, attr) or ""
        )
    packet = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
              + etree.tostring(root, encoding="utf-8") + b'\n<?xpacket end="w"?>')
    pdf.Root.Metadata = pdf.make_stream(packet, Type=pikepdf.Name.Metadata,
                                        Subtype=pikepdf.Name.XML)


def read_identity(pdf: pikepdf.Pdf) -> common.Identity:
    """The identity from the document info, else from the XMP metadata; None where absent."""
    return read_info(pdf)[0]


def read_info(pdf: pikepdf.Pdf) -> tuple[common.Identity, str | None]:
    """The identity (`read_identity`) and the text of /ModDate, from one look at the trailer's
    document info (a key is read only after `in` says it is there: `walk`)."""
    found: dict[str, str | None] = {}
    info = pdf.trailer.get("/Info") if "/Info" in pdf.trailer else None
    if not isinstance(info, pikepdf.Dictionary):
        info = None
    for attr, key in INFO_KEYS.items():
        name = "/" + key
        value = info.get(name) if info is not None and name in info else None
        found[attr] = str(value) if isinstance(value, pikepdf.String) and str(value) else None
    modified = None
    if info is not None:
        try:
            modified = str(info.get("/ModDate")) if "/ModDate" in info else None
        except (pikepdf.PdfError, ValueError, TypeError):
            modified = None
    if not found["form_id"]:
        found = _xmp_identity(pdf) or found
    return common.Identity(found["form_id"], found["version"], found["instance_id"],
                           found.get("slots")), modified


def _xmp_identity(pdf: pikepdf.Pdf) -> dict[str, str | None] | None:
    meta = pdf.Root.get("/Metadata")
    if not isinstance(meta, pikepdf.Stream):
        return None
    raw = meta.read_raw_bytes()
    filt = meta.get("/Filter")
    if len(raw) > MAX_XMP_BYTES:
        return None
    if filt == pikepdf.Name.FlateDecode:
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(raw, MAX_XMP_BYTES)
        except zlib.error:
            return None
    elif filt is None:
        data = raw
    else:
        return None
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        return None
    try:
        root = etree.fromstring(data, parser=_XML_PARSER)
    except etree.XMLSyntaxError:
        return None
    out: dict[str, str | None] = {}
    for attr, key in INFO_KEYS.items():
        el = root.find(f".//{{{XMP_NS}}}{key.split(':', 1)[1]}")
        out[attr] = (el.text or None) if el is not None else None
    return out


# ---------------------------------------------------------------- finding fields


@dataclass(slots=True)
class Found:
    """One terminal field: its qualified name, node and inherited type and flags."""

    name: str
    node: pikepdf.Dictionary
    ft: str
    flags: int
    value: object

    def widgets(self) -> list[pikepdf.Dictionary]:
        kids = self.node.get("/Kids") if "/Kids" in self.node else None
        if isinstance(kids, pikepdf.Array):
            return [k for k in kids if isinstance(k, pikepdf.Dictionary)]
        return [self.node]


def walk(pdf: pikepdf.Pdf, file: str) -> Iterator[Found]:
    """Every terminal field of the AcroForm, bounded in node count and depth.

    Inheritable /FT, /Ff and /V pass down from parents; loops are cut; a file with more
    than MAX_FIELD_NODES nodes or deeper than MAX_DEPTH is refused.

    A key is read only after `in` says the node has it: through pikepdf a missing key costs
    several times a present one, and `in` (under 1 µs) far less than listing a node's keys
    (bench/bench_collate.py).
    """
    acro = pdf.Root.get("/AcroForm")
    fields = acro.get("/Fields") if isinstance(acro, pikepdf.Dictionary) else None
    if not isinstance(fields, pikepdf.Array):
        return
    seen: set[tuple[int, int]] = set()
    count = 0
    stack: list[tuple[pikepdf.Object, str, int, str, int, object]] = [
        (f, "", 1, "", 0, None) for f in reversed(list(fields))
    ]
    while stack:
        node, prefix, depth, ft, flags, value = stack.pop()
        if not isinstance(node, pikepdf.Dictionary):
            continue
        og = node.objgen
        if og != (0, 0):
            if og in seen:
                continue
            seen.add(og)
        count += 1
        if count > MAX_FIELD_NODES:
            raise ReturnError(file, f"more than {MAX_FIELD_NODES} form fields; not a form of ours")
        if depth > MAX_DEPTH:
            raise ReturnError(file, f"form fields nested deeper than {MAX_DEPTH} levels")
        t = node.get("/T") if "/T" in node else None
        name = prefix if t is None else (f"{prefix}.{t}" if prefix else str(t))
        if "/FT" in node:
            ft = str(node.get("/FT"))
        if "/Ff" in node:
            ff = node.get("/Ff")
            if isinstance(ff, int) and not isinstance(ff, bool):
                flags = ff
        if "/V" in node:
            own_value = node.get("/V")
            if own_value is not None:
                value = own_value
        kids = node.get("/Kids") if "/Kids" in node else None
        named_kids: list[pikepdf.Dictionary] = []
        if isinstance(kids, pikepdf.Array) and len(kids):
            # a non-terminal field's kids are fields, a terminal one's are its widgets
            # (ISO 32000-1, 12.7.3.1), so the first kid says which: the widgets of a radio
            # group are not resolved just to find they have no /T
            first = kids[0]
            if isinstance(first, pikepdf.Dictionary) and "/T" in first:
                named_kids = [k for k in kids if isinstance(k, pikepdf.Dictionary) and "/T" in k]
        if named_kids:
            stack.extend((k, name, depth + 1, ft, flags, value) for k in reversed(named_kids))
        elif name:
            yield Found(name, node, ft, flags, value)


def on_states(found: Found) -> set[str]:
    """A checkbox's on-state names: every /AP /N key of its widgets except /Off."""
    states: set[str] = set()
    for w in found.widgets():
        ap = w.get("/AP")
        normal = ap.get("/N") if isinstance(ap, pikepdf.Dictionary) else None
        if isinstance(normal, pikepdf.Dictionary):
            states.update(str(k)[1:] for k in normal if str(k) != "/Off")
    return states


def raw_value(found: Found) -> object:
    """The content of one field as the codec takes it: text, or True/False for a checkbox."""
    v = found.value
    if found.ft == "/Btn" and not found.flags & (FLAG_RADIO | FLAG_PUSHBUTTON):
        if v is None or (isinstance(v, pikepdf.Name) and str(v) == "/Off"):
            return False
        state = str(v)[1:] if isinstance(v, pikepdf.Name) else str(v)
        return True if state in on_states(found) else f"/{state}"
    if choice.is_radio(found.ft, found.flags):
        return choice.value(found.node, v)
    if found.ft == "/Btn" and isinstance(v, pikepdf.Name):
        state = str(v)[1:]
        opts = found.node.get("/Opt") if "/Opt" in found.node else None
        if state.isdigit() and isinstance(opts, pikepdf.Array) and int(state) < len(opts):
            return str(opts[int(state)])
        return "" if state == "Off" else state
    if isinstance(v, pikepdf.String):
        return str(v)
    if isinstance(v, pikepdf.Name):
        return str(v)[1:]
    if isinstance(v, pikepdf.Array):
        return "; ".join(str(x) for x in v if isinstance(x, pikepdf.String))
    if isinstance(v, pikepdf.Stream):
        return "(a value stored as a stream, which this reader does not accept)"
    return ""


# ---------------------------------------------------------------- filling


def fill_fields(pdf: pikepdf.Pdf, slots: Mapping[str, Slot], texts: Mapping[str, str],
                file: str, need_appearances: bool | None = None) -> None:
    """Set each field's value as a client stores it, and draw it where we can.

    NeedAppearances: poppler (pdftoppm, pdftotext) honours it and then redraws every field
    from its /DA font (WinAnsi plus Welsh), losing any other character (Greek, Cyrillic);
    our appearances draw them all. So by default it is set only when some
    filled field could not be drawn (no Unicode font in the form).
    """
    fonts = field_font(pdf)
    undrawn = fonts is None
    res = resources(pdf, fonts[0]) if fonts is not None else None
    for found in walk(pdf, file):
        slot = slots.get(found.name)
        if slot is None or found.name not in texts:
            continue
        text = texts[found.name]
        node = found.node
        if slot.kind == "flag":
            states = sorted(on_states(found))
            on = pikepdf.Name("/" + states[0]) if text and states else pikepdf.Name.Off
            node.V = on
            for w in found.widgets():
                w.AS = on if str(on)[1:] in _normal_keys(w) else pikepdf.Name.Off
            continue
        if choice.is_radio(found.ft, found.flags):
            choice.choose(node, choice.state_names(slot).get(text, text) if text else "")
            continue
        node.V = _choice_value(found, text) if slot.kind in ("choice", "rating") \
            else pikepdf.String(text)
        m = _TF.search(str(node.get("/DA", "")))
        size = float(m[2]) if m else DEFAULT_SIZE
        multiline = bool(found.flags & FLAG_MULTILINE)
        for w in found.widgets():
            if not text or fonts is None or res is None:
                if "/AP" in w:
                    del w["/AP"]
                continue
            stream = text_appearance(pdf, res, fonts[1], w.Rect, text, size, multiline)
            w.AP = pikepdf.Dictionary(N=stream)
    if need_appearances is None:
        need_appearances = undrawn
    pdf.Root.AcroForm.NeedAppearances = need_appearances


def _choice_value(found: Found, text: str) -> pikepdf.Object:
    """The drop-down's own option string (same bytes as in /Opt, so viewers match it)."""
    if not text:
        return pikepdf.String("")
    for opt in found.node.get("/Opt", pikepdf.Array()):
        export = opt[0] if isinstance(opt, pikepdf.Array) and len(opt) else opt
        if isinstance(export, pikepdf.String) and str(export) == text:
            return export
    raise ValueError(f"{found.name}: {text!r} is not one of the field's options")


def _normal_keys(widget: pikepdf.Dictionary) -> set[str]:
    ap = widget.get("/AP")
    normal = ap.get("/N") if isinstance(ap, pikepdf.Dictionary) else None
    return {str(k)[1:] for k in normal} if isinstance(normal, pikepdf.Dictionary) else set()
