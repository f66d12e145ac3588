"""Filling a generated workbook the way Excel stores typed answers, without regenerating it.

Why XML substitution rather than openpyxl: a mail merge or a benchmark fills thousands of
returns, and an openpyxl load + save costs tens of milliseconds. A template is prepared once
(its input cells found exactly as the reader finds them, the sheet XML cut at each input cell)
and each fill only joins the pieces with the typed cells and writes the zip. Values are stored
as Excel stores what a person types: numbers as numbers, dates as serial numbers in the cell's
date style, text, choices and ratings as strings, a tick as "Yes". Everything else in the
package, identity included, is copied unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from lxml import etree

from ...answers import records
from ...errors import ReturnError
from ...spec.catalog import Catalog
from ...spec.compiled import CompiledSpec
from ...spec.model import FormSpec
from ...spec.wording import phrase_in
from ..ooxml.cellrefs import col_letter, split_ref
from ..ooxml.package import Package, parse_xml
from . import _layout as L
from ._read import locate_form, locate_register, open_book
from ._sheet import sheet_cells

_PLACEHOLDER = re.compile(rb"<\?bsfill (\d+)\?>")
# Prepared templates by (path, mtime, size), each with the spec it was asked for (None: the
# one its catalog names), which a hit must match.
_CACHE: dict[tuple[str, int, int], tuple[FormSpec | None, Template]] = {}
_CACHE_SIZE = 8


@dataclass
class Template:
    """A generated workbook cut ready for filling."""

    form: CompiledSpec
    layout: str
    infos: list[zipfile.ZipInfo]
    data: dict[str, bytes]
    sheet_part: str
    pieces: list[bytes]  # the sheet XML between input cells, in document order
    order: list[int]  # which input stands between pieces i and i + 1
    heads: list[tuple[bytes, bytes]]  # per input: (b'<c r="C12" s="5"', b"c") opening, tag
    index: list[dict[str, int]]  # per return (one for the form layout): slot key -> input
    instance_id: str | None = None  # the template's own, replaced when a fill gives a new one


def prepare(template: Path, spec: FormSpec | None, catalog: Catalog | None) -> Template:
    stat = template.stat()
    key = (str(template.resolve()), stat.st_mtime_ns, stat.st_size)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is spec:
        return hit[1]
    with Package(template, "xlsx") as pkg:
        opened = open_book(pkg)
        ident = opened.identity
        cat = catalog or Catalog.shipped()
        if spec is None:
            form = cat.form(ident.form_id, ident.version, str(template))
        elif (spec.id, spec.version) != (ident.form_id, ident.version):
            raise ReturnError(str(template), f"the template is form {ident.form_id} "
                              f"v{ident.version}, not {spec.id} v{spec.version}")
        else:
            form = cat.compiled(spec)
        book, sheet = opened.book, opened.sheet
        cells = sheet_cells(book, sheet)
        infos = pkg.zip.infolist()
        data = {i.filename: pkg.read(i.filename) for i in infos}
        root = parse_xml(data[sheet.part], str(template), sheet.part)
        ns = etree.QName(root).namespace
        elements: dict[tuple[int, int], etree._Element] = {}
        for c in root.iter(f"{{{ns}}}c"):
            pos = split_ref(c.get("r") or "")
            if pos is not None:
                elements[pos] = c
        slots_at: list[dict[str, tuple[int, int]]] = []
        if opened.layout == "register":
            key_row, col_of, _ = locate_register(book, cells)
            first = min(col_of.values(), default=2)
            n = 1
            while (key_row + n, first) in elements:
                slots_at.append({k: (key_row + n, c) for k, c in col_of.items()})
                n += 1
        else:
            found, _ = locate_form(book, cells, form)
            slots_at.append(found)
    prefix = next((p for p, u in root.nsmap.items() if u == ns and p), None)
    tag = (prefix + ":c" if prefix else "c").encode()
    heads: list[tuple[bytes, bytes]] = []
    index: list[dict[str, int]] = []
    for at in slots_at:
        mine: dict[str, int] = {}
        for k, pos in at.items():
            el = elements.get(pos)
            if el is None:
                raise ReturnError(str(template), f"the input cell {col_letter(pos[1])}{pos[0]} "
                                  "is missing: not a form made by this toolkit")
            mine[k] = len(heads)
            style = el.get("s")
            head = f'<{tag.decode()} r="{col_letter(pos[1])}{pos[0]}"'
            if style:
                head += f' s="{style}"'
            heads.append((head.encode(), tag))
            parent = el.getparent()
            assert parent is not None
            parent.replace(el, etree.ProcessingInstruction("bsfill", str(mine[k])))
        index.append(mine)
    xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    split = _PLACEHOLDER.split(xml)
    pieces = split[0::2]
    order = [int(i) for i in split[1::2]]
    result = Template(form, opened.layout, infos, data, sheet.part, pieces, order, heads, index,
                      ident.instance_id)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (spec, result)
    return result


def render(head: bytes, tag: bytes, value: Any) -> bytes:
    """One cell as Excel stores a typed value (None: the empty styled cell)."""
    if value is None:
        return head + b"/>"
    if isinstance(value, str):
        text = escape(L.escape_xstring(value)).encode()
        return (head + b' t="inlineStr"><is><t xml:space="preserve">' + text
                + b"</t></is></" + tag + b">")
    if isinstance(value, bool):
        number = "1" if value else "0"
        return head + b' t="b"><v>' + number.encode() + b"</v></" + tag + b">"
    if isinstance(value, dt.date):
        number = str(L.serial(value))
    elif isinstance(value, int):
        number = str(value)
    elif isinstance(value, Decimal | float):
        number = repr(float(value))
        if number.endswith(".0"):
            number = number[:-2]
    else:
        raise TypeError(f"cannot store {value!r} in a cell")
    return head + b"><v>" + number.encode() + b"</v></" + tag + b">"


def fill(
    template: str | Path,
    vals: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    out: str | Path,
    *,
    spec: FormSpec | None = None,
    catalog: Catalog | None = None,
    instance_id: str | None = None,
) -> Path:
    tpl = prepare(Path(template), spec, catalog)
    old = tpl.instance_id.encode() if tpl.instance_id else None
    new = instance_id.encode() if instance_id else None

    def ident(body: bytes) -> bytes:
        """The template's instance id (metadata sheet, properties, footer) made the new one."""
        return body.replace(old, new) if old and new else body

    if isinstance(vals, Mapping):
        returns: Sequence[Mapping[str, Any]] = [vals]
    else:
        returns = vals
    if tpl.layout == "form" and len(returns) != 1:
        raise ValueError("a form-layout workbook holds one return; give one dict of values")
    if len(returns) > len(tpl.index):
        raise ValueError(f"{len(returns)} returns do not fit the register's "
                         f"{len(tpl.index)} rows")
    by_key = tpl.form.slot_map
    mark = phrase_in("tick_mark", tpl.form.spec.language)  # as a person picks it from the list
    cells = [head + b"/>" for head, _ in tpl.heads]
    for n, one in enumerate(returns):
        at = tpl.index[n]
        for key, value in records.flatten(tpl.form, one).items():
            i = at.get(key)
            if i is not None:
                native = L.cell_value(by_key[key], value, mark)
                if native is not None:
                    head, tag = tpl.heads[i]
                    cells[i] = render(head, tag, native)
    parts = [tpl.pieces[0]]
    for i, piece in zip(tpl.order, tpl.pieces[1:], strict=True):
        parts.append(cells[i])
        parts.append(piece)
    sheet = ident(b"".join(parts))
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for info in tpl.infos:
            body = sheet if info.filename == tpl.sheet_part else ident(tpl.data[info.filename])
            z.writestr(info.filename, body)
    return target
