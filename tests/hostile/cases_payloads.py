"""Formula payloads: valid answers whose every text is a formula or DDE payload (they must come
out as that text), and payloads typed into every answer box of every format."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pikepdf
from lxml import etree

from bluestone_forms import formats
from bluestone_forms.answers.slots import slots
from bluestone_forms.spec.catalog import Catalog

from . import forge as F
from .corpus import ISSUES, READ, Ctx, case

# --------------------------------------------------------------------------- formula payloads

PAYLOADS = [
    "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1+1)", "＝1+1", "＋1", "－1", "＠SUM(1)",
    "{=1+1}", '=HYPERLINK("http://bluestone-canary.invalid/x","click")', "=1+1,=2+2",
    'a","=1+1', '=DDE("cmd";"/C calc";"!A0")', "-@SUM(1)", "=1+1\n=2+2",
    '<img src="file:///etc/passwd">',
]


def payload_values(ctx: Ctx) -> dict[str, Any]:
    """Valid kitchen_sink answers whose every text is a formula payload (read back exactly);
    the crime reference, which the report shows in its alerts, is an HTML payload."""
    return {
        "crime_ref": PAYLOADS[15], "officer": PAYLOADS[0], "force": "durham",
        "review_date": dt.date(2026, 3, 4), "days_to_arrest": 3,
        "hours": Decimal("1.5"), "point_1": "yes",
        "point_1_notes": "\n".join(PAYLOADS[1:5]), "quality": 3, "welfare_raised": "yes",
        "support_offered": ["eap", "other"], "support_other": PAYLOADS[11],
        "referral_date": dt.date(2026, 3, 5),
        "actions": [{"action": PAYLOADS[5 + 2 * i], "owner": PAYLOADS[6 + 2 * i],
                     "due": None, "done": "no", "priority": 2} for i in range(3)],
        "supervisor_signoff": {"name": PAYLOADS[12], "date": dt.date(2026, 3, 6)},
    }


def sink_return(ctx: Ctx, fmt: str, out: Path, values: dict[str, Any], iid: str) -> Path:
    mod = formats.module(fmt)
    cat = Catalog([ctx.sink])
    if fmt == "xlsx":
        return Path(mod.write(ctx.sink, out, values=values, instance_id=iid))
    if fmt not in ctx.sink_templates:
        ctx.sink_templates[fmt] = mod.write(ctx.sink, ctx.work / f"sink.{fmt}")
    return Path(mod.fill(ctx.sink_templates[fmt], values, out, instance_id=iid, catalog=cat))


for _fmt in ("docx", "xlsx", "pdf"):
    case(f"payload_text.{_fmt}", "formula and DDE payloads as every text answer (valid)", READ,
         "")(lambda ctx, path: sink_return(ctx, path.suffix[1:], path, payload_values(ctx),
                                           ctx.iid(path.name)))
    case(f"payload_every_field.{_fmt}", "formula payloads typed into every answer box, numbers, "
         "dates and choices too", ISSUES, "expected|not one of|choose|date|number|whole")(
        lambda ctx, path: _payload_everywhere(ctx, path))


def _payload_everywhere(ctx: Ctx, path: Path) -> None:
    fmt = path.suffix[1:]
    tmp = sink_return(ctx, fmt, ctx.folder / f".pe.{fmt}", payload_values(ctx),
                      ctx.iid(path.name))
    keys = [s.key for s in slots(ctx.sink) if s.kind != "flag"]
    text = {k: PAYLOADS[i % len(PAYLOADS)] for i, k in enumerate(keys)}
    if fmt == "pdf":
        with pikepdf.open(tmp) as pdf:
            _pdf_set(pdf, text)
            pdf.save(path)
        return
    members = F.parts(tmp)
    if fmt == "docx":
        members["word/document.xml"] = _docx_set(members["word/document.xml"], text)
    else:
        _xlsx_set(members, text)
    F.write_zip(path, members)


def _pdf_set(pdf: pikepdf.Pdf, text: dict[str, str]) -> None:
    stack = [(f, "") for f in pdf.Root.AcroForm.Fields]
    while stack:
        node, prefix = stack.pop()
        t = node.get("/T")
        name = f"{prefix}.{t}" if prefix and t is not None else str(t) if t is not None else prefix
        kids = [k for k in node.get("/Kids", []) if "/T" in k]
        if kids:
            stack.extend((k, name) for k in kids)
        elif name in text:
            node.V = pikepdf.String(text[name])


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx_set(xml: bytes, text: dict[str, str]) -> bytes:
    root = etree.fromstring(xml)
    for tag in root.iter(W + "tag"):
        key = tag.get(W + "val")
        if key not in text:
            continue
        pr = tag.getparent()
        for el in list(pr):
            if el.tag in (W + "showingPlcHdr", W + "date"):
                pr.remove(el)
        content = pr.getnext()
        ts = list(content.iter(W + "t"))
        for t in ts:
            t.text = ""
        if ts:
            ts[0].text = text[key]
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _xlsx_set(members: dict[str, bytes], text: dict[str, str]) -> None:
    meta_part = next(k for k, v in members.items()
                     if k.startswith("xl/worksheets/") and b"bluestone:form-id" in v)
    meta = etree.fromstring(members[meta_part])
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    where = {}
    for row in meta.iter(ns + "row"):
        cells = ["".join(c.itertext()) for c in row.iter(ns + "c")]
        if len(cells) >= 2 and cells[0] in text and "!" in cells[1]:
            where[cells[1].split("!")[1]] = cells[0]
    sheet = etree.fromstring(members["xl/worksheets/sheet1.xml"])
    for c in sheet.iter(ns + "c"):
        key = where.get(c.get("r") or "")
        if key is None:
            continue
        for child in list(c):
            c.remove(child)
        c.set("t", "inlineStr")
        is_ = etree.SubElement(c, ns + "is")
        etree.SubElement(is_, ns + "t").text = text[key]
    members["xl/worksheets/sheet1.xml"] = etree.tostring(sheet)
