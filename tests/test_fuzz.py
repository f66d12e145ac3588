"""Hypothesis mutates valid returns of every format; every outcome is a read or a ReturnError.

Mutations work in memory on the bytes of a real filled return: raw bytes (flips, overwrites,
cuts, insertions), zip entries (dropped, doubled, renamed, garbled, recompressed), XML parts
(elements dropped or doubled, attributes and texts set to nasty values, markup injected) and,
for PDFs, objects (field values, types, names, kids, the identity and the page tree set to
odd objects) through pikepdf. Each example is written to one temporary file and read in this
process with `formats.read`, under a 10 s alarm.

Examples: 5,000 in the "ci" profile (docx 1,700, xlsx form 1,100, xlsx register 700, pdf
1,500: a PDF example costs ~50 ms, most of it pikepdf saving the mutated file), four times
that in "thorough", 400 in "dev"; a failure prints the mutation list, which replays it.
"""

from __future__ import annotations

import io
import os
import random
import signal
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from formcache import form as cached_form
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bluestone_forms import formats
from bluestone_forms.answers.records import ReadResult
from bluestone_forms.errors import ReturnError
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
CI_EXAMPLES = {"docx": 1700, "xlsx": 1100, "register": 700, "pdf": 1500}
SCALE = {"ci": 1.0, "thorough": 4.0}.get(PROFILE, 0.08)
ALARM_S = 10
CATALOG = Catalog.shipped()
NASTY_TEXT = ["", " ", "-1", "0", "1e309", "NaN", "99999999999999999999", "-0", "1.5",
              "A1", "XFD1048576", "$A$0", "Form!$C$11", "'", "=1+1", "_x0001_", "_xD800_",
              "\u202e", "\ufffd", "𝒳" * 3, "x" * 5000, "31/02/2026", "2026-13-01",
              "TRUE", "#REF!", "rp1", "1.0", "bluestone form", "s", "inlineStr", "e", "b", "str",
              "n", "d", "true", "on", "999999", "-5"]
NASTY_MARKUP = [b"<", b">", b"&", b"&amp;", b"&#0;", b"&#xFFFF;", b"]]>", b"<!--", b"<?x?>",
                b"<!DOCTYPE x>", b'<!ENTITY e "x">', b"\x00", b"\xff\xfe", b"</w:body>",
                b"<c/>", b'<row r="0"/>', b'<c r="C11" t="s"><v>99</v></c>', b"<w:sdt/>",
                b"<w:tag w:val=\"crime_ref\"/>", b"\xc3\x28", b"<x>" * 300]


KEY_PARTS = {"word/document.xml", "docProps/custom.xml", "[Content_Types].xml", "_rels/.rels",
             "docProps/core.xml", "word/footer1.xml", "xl/workbook.xml",
             "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml",
             "xl/worksheets/sheet3.xml", "xl/styles.xml"}
KEY_ELEMENTS = {"sdt", "sdtPr", "sdtContent", "tag", "alias", "showingPlcHdr", "date", "checkbox",
                "checked", "dropDownList", "listItem", "t", "r", "br", "bookmarkStart",
                "bookmarkEnd", "p", "c", "v", "f", "is", "row", "sheet", "sheetData",
                "definedName", "numFmt", "xf", "cellXfs", "workbookPr", "property", "lpwstr",
                "Relationship", "Override", "Default", "identifier", "subject", "keywords"}


@dataclass(frozen=True)
class Op:
    """One mutation; its fields are plain data, so a failing example prints replayably."""

    kind: str
    a: int = 0
    b: int = 0
    data: bytes = b""
    text: str = ""


def ops_for(fmt: str) -> Any:
    byte_op = st.builds(Op, st.sampled_from(["flip", "set", "cut", "insert", "truncate"]),
                        st.integers(0, 1 << 30), st.integers(1, 64), st.binary(max_size=32))
    if fmt == "pdf":
        obj_op = st.builds(Op, st.sampled_from(
            ["value", "ft", "name", "kids", "flags", "drop_acroform", "fields", "info",
             "pages", "opt", "parent", "ap"]), st.integers(0, 1 << 30), st.integers(0, 12),
            text=st.sampled_from(NASTY_TEXT))
        return st.lists(st.one_of(byte_op, obj_op), min_size=1, max_size=4)
    entry_op = st.builds(Op, st.sampled_from(["drop", "double", "rename", "garble", "stored",
                                              "empty"]),
                         st.integers(0, 1 << 30), st.integers(0, 1 << 30),
                         st.binary(max_size=64))
    xml_op = st.builds(Op, st.sampled_from(["del_el", "dup_el", "attr", "text", "inject",
                                            "unwrap"]),
                       st.integers(0, 1 << 30), st.integers(0, 1 << 30),
                       st.sampled_from(NASTY_MARKUP), st.sampled_from(NASTY_TEXT))
    return st.lists(st.one_of(xml_op, xml_op, xml_op, entry_op, byte_op), min_size=1,
                    max_size=4)


# --------------------------------------------------------------------------- applying


def _bytes(data: bytes, op: Op) -> bytes:
    if not data:
        return op.data
    at = op.a % len(data)
    if op.kind == "flip":
        return data[:at] + bytes([data[at] ^ (1 << (op.b % 8))]) + data[at + 1:]
    if op.kind == "set":
        return data[:at] + op.data[:op.b] + data[at + len(op.data[:op.b]):]
    if op.kind == "cut":
        return data[:at] + data[at + op.b:]
    if op.kind == "insert":
        return data[:at] + op.data + data[at:]
    return data[:at]  # truncate


def _xml(data: bytes, op: Op) -> bytes:
    if op.kind == "inject":
        at = op.a % (len(data) + 1)
        return data[:at] + op.data + data[at:]
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return data
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    if op.a % 4:  # mostly the elements readers look at
        elements = [el for el in elements if etree.QName(el).localname in KEY_ELEMENTS] or elements
    el = elements[(op.a // 4) % len(elements)]
    parent = el.getparent()
    if op.kind == "del_el" and parent is not None:
        parent.remove(el)
    elif op.kind == "dup_el" and parent is not None:
        parent.insert(parent.index(el), etree.fromstring(etree.tostring(el)))
    elif op.kind == "unwrap" and parent is not None:
        at = parent.index(el)
        for n, child in enumerate(list(el)):
            parent.insert(at + n, child)
        parent.remove(el)
    elif op.kind == "attr" and el.attrib:
        names = sorted(el.attrib)
        el.set(names[op.b % len(names)], op.text)
    elif op.kind == "text":
        el.text = op.text
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _zip(data: bytes, ops: list[Op]) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        entries = [(i.filename, z.read(i), i.compress_type) for i in z.infolist()]
    tail: list[Op] = []
    for op in ops:
        if op.kind in ("flip", "set", "cut", "insert", "truncate"):
            tail.append(op)
            continue
        if not entries:
            continue
        n = op.a % len(entries)
        name, body, method = entries[n]
        if op.kind == "drop":
            del entries[n]
        elif op.kind == "double":
            entries.append((name, body, method))
        elif op.kind == "rename":
            other = entries[op.b % len(entries)][0]
            entries[n] = (other if other != name else name.upper(), body, method)
        elif op.kind == "garble":
            entries[n] = (name, _bytes(body, Op("set", op.b, len(op.data), op.data)), method)
        elif op.kind == "stored":
            entries[n] = (name, body, zipfile.ZIP_STORED)
        elif op.kind == "empty":
            entries[n] = (name, b"", method)
        else:
            xml = [i for i, e in enumerate(entries) if e[0].endswith((".xml", ".rels"))]
            if op.b % 4:  # mostly the parts readers parse
                xml = [i for i in xml if entries[i][0] in KEY_PARTS] or xml
            k = xml[(op.b // 4) % len(xml)] if xml else n
            name, body, method = entries[k]
            entries[k] = (name, _xml(body, op), method)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": doubling entries is the point
        for name, body, method in entries:
            info = zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0))
            info.compress_type = method
            z.writestr(info, body, compresslevel=1)
    raw = out.getvalue()
    for op in tail:
        raw = _bytes(raw, op)
    return raw


def _nasty(pdf: pikepdf.Pdf, op: Op) -> Any:
    choices: list[Any] = [
        pikepdf.String(op.text), pikepdf.Name("/" + (op.text.strip("/ ") or "X")[:20]),
        op.b, -op.b, 1.5e300, True, None, pikepdf.Array([op.text, op.b]),
        pikepdf.Dictionary(T=pikepdf.String(op.text)), pdf.make_stream(op.text.encode()),
        pikepdf.Array([pdf.Root]), pdf.Root, pikepdf.Array(),
    ]
    return choices[op.a % len(choices)]


def _pdf(data: bytes, ops: list[Op]) -> bytes:
    obj_ops = [op for op in ops if op.kind not in ("flip", "set", "cut", "insert", "truncate")]
    if obj_ops:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            fields = list(pdf.Root.AcroForm.Fields) if "/AcroForm" in pdf.Root else []
            for op in obj_ops:
                _pdf_op(pdf, fields, op)
            buf = io.BytesIO()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # orphaned widgets etc.: the point here
                pdf.save(buf)
            data = buf.getvalue()
    for op in ops:
        if op.kind in ("flip", "set", "cut", "insert", "truncate"):
            data = _bytes(data, op)
    return data


def _pdf_op(pdf: pikepdf.Pdf, fields: list[Any], op: Op) -> None:
    value = _nasty(pdf, op)
    f = fields[op.a % len(fields)] if fields else None
    key = {"value": "/V", "ft": "/FT", "name": "/T", "kids": "/Kids", "flags": "/Ff",
           "opt": "/Opt", "parent": "/Parent", "ap": "/AP"}.get(op.kind)
    if key is not None and f is not None:
        if value is None:
            if key in f:
                del f[key]
        else:
            f[key] = value
    elif op.kind == "drop_acroform" and "/AcroForm" in pdf.Root:
        del pdf.Root["/AcroForm"]
    elif op.kind == "fields" and "/AcroForm" in pdf.Root and value is not None:
        pdf.Root.AcroForm.Fields = value
    elif op.kind == "info" and value is not None:
        keys = ["/bluestone:form-id", "/bluestone:version", "/bluestone:instance-id"]
        pdf.docinfo[pikepdf.Name(keys[op.b % 3])] = value
    elif op.kind == "pages" and value is not None:
        pdf.Root.Pages.Kids.append(value)


# --------------------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Filled returns to mutate: rp1 in each format, and the register layout of rp4."""
    folder = tmp_path_factory.mktemp("fuzz-bases")
    spec = CATALOG.get("rp1")
    vals = sample_values(spec, random.Random(4))
    out: dict[str, bytes] = {}
    for fmt in formats.FORMATS:
        path = folder / f"rp1.{fmt}"
        if fmt == "pdf":
            template = cached_form(spec, fmt, folder / "t.pdf", instance_id="inst-rp1")
            formats.module(fmt).fill(template, vals, path, catalog=CATALOG)
        else:
            formats.module(fmt).write(spec, path, values=vals)
        out[fmt] = path.read_bytes()
    rp4 = CATALOG.get("rp4")
    reg = folder / "register.xlsx"
    formats.module("xlsx").write(rp4, reg, layout="register", rows=5, values=[
        sample_values(rp4, random.Random(n)) for n in range(2)])
    out["register"] = reg.read_bytes()
    return out


class _Slow(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Slow(f"reading took more than {ALARM_S} s")


def _read(path: Path) -> ReadResult | ReturnError:
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(ALARM_S)
    try:
        return formats.read(path, catalog=CATALOG)
    except ReturnError as exc:
        return exc
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _check(base: bytes, fmt: str, ops: list[Op], path: Path) -> None:
    mutated = _pdf(base, ops) if fmt == "pdf" else _zip(base, ops)
    path.write_bytes(mutated)
    got = _read(path)
    if isinstance(got, ReturnError):
        assert got.message, "a ReturnError must say why"
    else:
        assert got.records, "a read gives at least one record"
        for rec in got.records:
            assert rec.form_id
            assert rec.version


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _settings(fmt: str) -> Any:
    return settings(max_examples=max(20, int(CI_EXAMPLES[fmt] * SCALE)), deadline=None,
                    suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("fmt", ["docx", "xlsx", "pdf", "register"])
def test_fuzz_mutated_return_reads_or_is_a_clear_return_error(
    fmt: str, bases: dict[str, bytes], scratch: Path
) -> None:
    ext = "xlsx" if fmt == "register" else fmt
    path = scratch / f"mutated.{ext}"

    @_settings(fmt)
    @given(ops=ops_for(ext))
    def run(ops: list[Op]) -> None:
        _check(bases[fmt], ext, ops, path)

    run()
