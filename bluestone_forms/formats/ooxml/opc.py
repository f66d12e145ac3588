"""The package level of the Word format (OPC, not WordprocessingML): relationships, core and
custom document properties, trimming python-docx's template, and rewriting a zip with one part
replaced (how `fill` stores answers without loading python-docx).
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lxml import etree

from .package import Package

CUSTOM = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
DC = "http://purl.org/dc/elements/1.1/"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # user-defined properties
CUSTOM_PART = "/docProps/custom.xml"
CUSTOM_CT = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
REL_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
REL_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
REL_CUSTOM = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
              "custom-properties")
REL_THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
REL_CUSTOM_XML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"
REL_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def custom_properties(props: Mapping[str, str]) -> bytes:
    """docProps/custom.xml holding text properties."""
    root = etree.Element(f"{{{CUSTOM}}}Properties", nsmap={None: CUSTOM, "vt": VT})
    for pid, (name, value) in enumerate(props.items(), start=2):
        prop = etree.SubElement(root, f"{{{CUSTOM}}}property",
                                {"fmtid": FMTID, "pid": str(pid), "name": name})
        etree.SubElement(prop, f"{{{VT}}}lpwstr").text = value
    return serialise(root)


def finalise(document: Any, props: Mapping[str, str]) -> None:
    """Before saving a python-docx document: add the custom properties and drop the parts of
    python-docx's template a form does not need (a thumbnail of another document, an empty
    bibliography and Word 2010's duplicate styles part)."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    package = document.part.package
    for rels, types in ((package.rels, (REL_THUMBNAIL,)),
                        (document.part.rels, (REL_CUSTOM_XML, REL_STYLES_WITH_EFFECTS))):
        for rid in [rid for rid, rel in rels.items() if rel.reltype in types]:
            rels.pop(rid)
    part = Part(PackURI(CUSTOM_PART), CUSTOM_CT, custom_properties(props), package)
    package.relate_to(part, RT.CUSTOM_PROPERTIES)


def package_target(rels: Any, reltype: str) -> str | None:
    """The zip name of the part a package relationship of this type points to."""
    for rel in rels.iter(_REL):
        if rel.get("Type") == reltype and rel.get("TargetMode") != "External":
            return str(rel.get("Target", "")).lstrip("/")
    return None


def read_custom_properties(root: Any) -> dict[str, str]:
    """Each property's text by name. A property holding one value element with nothing else
    inside (what Word, LibreOffice and this toolkit write) is read from that element
    directly, the same text `itertext` gives at several times the cost."""
    out: dict[str, str] = {}
    for prop in root.iter(_PROPERTY):
        name = prop.get("name")
        if name:
            value = prop[0] if len(prop) == 1 else None
            if value is not None and not len(value) and isinstance(value.tag, str):
                out[name] = f"{prop.text or ''}{value.text or ''}{value.tail or ''}".strip()
            else:
                out[name] = "".join(prop.itertext()).strip()
    return out


_PROPERTY = f"{{{CUSTOM}}}property"


def set_custom_property(root: Any, name: str, value: str) -> None:
    for prop in root.iter(f"{{{CUSTOM}}}property"):
        if prop.get("name") == name:
            for child in list(prop):
                prop.remove(child)
            etree.SubElement(prop, f"{{{VT}}}lpwstr").text = value
            return
    pid = 2 + sum(1 for _ in root.iter(f"{{{CUSTOM}}}property"))
    prop = etree.SubElement(root, f"{{{CUSTOM}}}property",
                            {"fmtid": FMTID, "pid": str(pid), "name": name})
    etree.SubElement(prop, f"{{{VT}}}lpwstr").text = value


def set_core_property(root: Any, name: str, value: str) -> None:
    """Set a Dublin Core property (title, subject, identifier, ...) of core.xml."""
    for el in root:
        if isinstance(el.tag, str) and etree.QName(el).localname == name:
            el.text = value
            return
    etree.SubElement(root, f"{{{DC}}}{name}").text = value


def read_core_properties(root: Any) -> dict[str, str]:
    """Core properties by local name (title, subject, identifier, keywords, ...)."""
    return {etree.QName(el).localname: (el.text or "").strip()
            for el in root if isinstance(el.tag, str)}


def serialise(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def rewrite(pkg: Package, out: Path, replace: Mapping[str, bytes]) -> None:
    """Copy a package's zip with some parts' bytes replaced, keeping the order of entries.

    Parts are read through the package's bounded reader; unchanged ones are recompressed at
    the fastest level, since filling many returns should cost little more than the edit.
    """
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in pkg.infolist():
            data = replace.get(info.filename)
            changed = data is not None
            if data is None:
                data = pkg.read(info.filename)
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(copy, data, compresslevel=6 if changed else 1)
