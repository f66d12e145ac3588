"""Reading a workbook at near the cost of parsing it, within bounds: the sheet parsed only as
far as its cells, a large sheet parsed in slices, parts inflated straight from the file's bytes,
the identity rows read in one parse. Each quick path is held against the plain way it stands
in for, on files made to trip it."""

from __future__ import annotations

import contextlib
import random
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from test_xlsx import (
    EXCEL_SPEC,
    SAMPLE,
    catalog_of,
    edit_zip,
    filled_form,
    filled_register,
    sheet_xml,
)

from bluestone_forms.errors import ReturnError
from bluestone_forms.formats import xlsx
from bluestone_forms.formats.ooxml.package import Package, parse_xml
from bluestone_forms.formats.ooxml.sheetml import Book
from bluestone_forms.formats.xlsx import _layout as L
from bluestone_forms.formats.xlsx import _sheet as _xlsx_sheet
from bluestone_forms.spec.catalog import Catalog

SHEET = "xl/worksheets/sheet1.xml"
META = "xl/worksheets/sheet3.xml"
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET_DATA = "{" + MAIN.decode() + "}sheetData"


def outcome(path: Path) -> Any:
    """What reading a file gives: its records and issues, or the error it is refused with."""
    try:
        result = xlsx.read(path, catalog=catalog_of(EXCEL_SPEC))
    except ReturnError as exc:
        return f"refused: {exc.message}"
    return ([(r.instance_id, r.row, r.values) for r in result.records],
            [str(i) for i in result.issues])


@contextlib.contextmanager
def whole_parse() -> Iterator[None]:
    """The plain way: every worksheet parsed whole, in one tree."""
    def whole(chunks: Any, file: str, part: str) -> etree._Element:
        return parse_xml(b"".join(chunks), file, part)

    with mock.patch.object(_xlsx_sheet, "parse_sheet", whole):
        yield


@contextlib.contextmanager
def sliced(prune_every: int = 700) -> Iterator[None]:
    """Every worksheet parsed the way a large one is: in slices, pruned as it goes."""
    with mock.patch.object(_xlsx_sheet, "BIG_SHEET_BYTES", 0), \
            mock.patch.object(_xlsx_sheet, "PRUNE_BYTES", prune_every), \
            mock.patch.object(_xlsx_sheet, "CHUNK_BYTES", 300):
        yield


def variant(folder: Path, name: str, change: Callable[[bytes], bytes], part: str = SHEET
            ) -> Path:
    path = filled_form(folder) if not (folder / "filled.xlsx").exists() else folder / "filled.xlsx"
    with zipfile.ZipFile(path) as z:
        body = z.read(part)
    return edit_zip(path, folder / name, {part: change(body)})


def prefixed(xml: bytes) -> bytes:
    """The same sheet with its elements in the main namespace under the prefix x:."""
    xml = xml.replace(b'xmlns="' + MAIN + b'"', b'xmlns:x="' + MAIN + b'"', 1)
    return re.sub(rb"<(/?)(?=[A-Za-z])", rb"<\1x:", xml)


def without_refs(xml: bytes) -> bytes:
    """Cells that follow the previous one lose their `r` (the standard allows it)."""
    previous = {"col": 0}

    def drop(m: re.Match[bytes]) -> bytes:
        if m[0].startswith(b"<row"):
            previous["col"] = 0
            return m[0]
        col = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(m[2].decode())))
        follows = col == previous["col"] + 1
        previous["col"] = col
        return m[1] if follows else m[0]

    return re.sub(rb'<row\b|(<c) r="([A-Z]+)\d+"', drop, xml)


def positional(xml: bytes) -> bytes:
    """No row numbers and no cell references at all: every place counted from the last."""
    return re.sub(rb'(<row|<c) r="[A-Z]*\d+"', rb"\1", xml)


def after_cells(extra: bytes) -> Callable[[bytes], bytes]:
    return lambda xml: xml.replace(b"</sheetData>", b"</sheetData>" + extra, 1)


EMPTY_ROWS = b"".join(b'<row r="%d"/>' % r for r in range(5000, 9000))
SHEETS: dict[str, Callable[[bytes], bytes]] = {
    "as written": lambda xml: xml,
    "a comment after the cells naming sheetData": after_cells(b"<!-- </sheetData> -->"),
    "a cut-off comment after the cells": lambda xml: xml.replace(
        b"</worksheet>", b"<!--sheetData>--></worksheet>"),
    "text after the cells naming sheetData": after_cells(
        b"<headerFooter><oddHeader>sheetData&gt;</oddHeader></headerFooter>"),
    "the end of the cells in a CDATA text": lambda xml: re.sub(
        rb"<t>([^<]*Crime reference)", rb"<t><![CDATA[</sheetData>]]>\1", xml, count=1),
    "prefixed elements": prefixed,
    "cells without references": without_refs,
    "empty rows after the form": lambda xml: xml.replace(b"</sheetData>",
                                                         EMPTY_ROWS + b"</sheetData>"),
    "empty rows without numbers between rows": lambda xml: xml.replace(
        b'<row r="9"', b"<row/>" * 50 + b'<row r="9"', 1),
    "comments between rows": lambda xml: xml.replace(b"</row>", b"</row><!-- r -->"),
    "an attribute holding '/>' in every cell": lambda xml: re.sub(
        rb'<c r="([A-Z]+\d+)"', rb'<c r="\1" x="a/>b"', xml),
    "empty cells in comments": lambda xml: xml.replace(b"</row>", b'</row><!-- <c r="A1"/> -->'),
    "empty rows and cells without references": lambda xml: without_refs(xml).replace(
        b'<row r="12"', b'<row/><row r="11"><c s="1"/></row><row r="12"', 1),
    "no numbers, empty rows between rows, a wrong answer": lambda xml: positional(
        re.sub(rb"(<row r=\"\d+\"[^>]*>)", rb"<row/><row><c/></row>\1", xml).replace(
            b"<v>12</v>", b"<v>4000</v>", 1)),
}


@pytest.mark.parametrize("change", list(SHEETS.values()), ids=list(SHEETS))
def test_a_sheet_read_quickly_reads_as_when_parsed_whole(tmp_path: Path,
                                                         change: Callable[[bytes], bytes]
                                                         ) -> None:
    path = variant(tmp_path, "variant.xlsx", change)
    assert (sheet_xml(path) == sheet_xml(tmp_path / "filled.xlsx")) == (
        change is SHEETS["as written"])
    with whole_parse():
        expected = outcome(path)
    assert outcome(path) == expected
    with strip_always():
        assert outcome(path) == expected
    with sliced():
        assert outcome(path) == expected
    if change is SHEETS["as written"]:
        assert expected == ([("i-3", None, SAMPLE)], [])


@pytest.mark.parametrize("change", [lambda xml: xml, positional, lambda xml: positional(
    re.sub(rb"(<row r=\"\d+\"[^>]*>)", rb"<row/>\1", xml))], ids=["as written", "positional",
                                                               "positional, empty rows"])
def test_a_register_read_quickly_reads_as_when_parsed_whole(tmp_path: Path,
                                                            change: Callable[[bytes], bytes]
                                                            ) -> None:
    second = {**SAMPLE, "count": 4000, "crime_ref": "AB/2"}  # count: at most 3650
    path = filled_register(tmp_path, [SAMPLE, {}, second])
    path = edit_zip(path, tmp_path / "changed.xlsx", {SHEET: change(sheet_xml(path))})
    with whole_parse():
        expected = outcome(path)
    assert [row for _, row, _ in expected[0]] != []  # rows numbered, an issue naming its cell
    assert any("count" in issue for issue in expected[1])
    assert outcome(path) == expected
    with sliced():
        assert outcome(path) == expected


def test_a_register_is_parsed_without_its_empty_cells_and_nothing_else(tmp_path: Path) -> None:
    spec = Catalog.shipped().get("rp1")
    template = xlsx.write(spec, tmp_path / "register.xlsx", layout="register", rows=200)
    xml = sheet_xml(xlsx.fill(template, [{}, {"unit": "A"}], tmp_path / "filled.xlsx"))
    assert b">A<" in xml
    assert xml.count(b"/>") > _xlsx_sheet.STRIP_FROM
    root = _xlsx_sheet.parse_sheet([xml], "f", SHEET)
    whole = etree.fromstring(xml)

    def filled(tree: Any) -> list[tuple[str | None, bytes]]:
        return [(c.get("r"), etree.tostring(c)) for c in tree.iter("{*}c") if len(c)]

    assert filled(root) == filled(whole)
    assert all(len(c) for c in root.iter("{*}c"))
    assert sum(1 for c in whole.iter("{*}c") if not len(c)) > 1000


ROW = b'<row r="1"><c r="A1" s="1"/><c r="B1" t="s"><v>0</v></c><c r="C1" s="2" t="n"/></row>'


@contextlib.contextmanager
def strip_always() -> Iterator[None]:
    """Empty cells left out of every sheet, however few."""
    with mock.patch.object(_xlsx_sheet, "STRIP_FROM", 0):
        yield


@pytest.mark.parametrize("xml", [
    ROW.replace(b"<v>0</v>", b"<is><t><![CDATA[x]]></t></is>"),  # such a tag could be text
    ROW.replace(b'<c r="B1"', b"<c"),  # B1 is placed after A1, which must stay
    ROW.replace(b'<c r="B1"', b'<c t="s" r="B1"'),  # r not first: it could be r-less
    ROW.replace(b'<c r="B1"', b'<c\tr="B1"'),
    ROW.replace(b"<c r=", b"<x:c r=").replace(b"</c>", b"</x:c>"),
], ids=["CDATA", "no reference", "reference not first", "tab", "prefixed"])
def test_empty_cells_stay_where_leaving_them_out_could_change_a_value(xml: bytes) -> None:
    with strip_always():
        assert _xlsx_sheet.without_empty_cells(xml) == xml


def test_empty_cells_are_left_out_and_cells_with_content_stay() -> None:
    with strip_always():
        assert _xlsx_sheet.without_empty_cells(ROW) == \
            b'<row r="1"><c r="B1" t="s"><v>0</v></c></row>'
        odd = ROW.replace(b'<c r="B1"', b'<c r="B1" x="/>"')  # the cut ends in a value
        with pytest.raises(etree.XMLSyntaxError):
            etree.fromstring(_xlsx_sheet.without_empty_cells(odd))
        etree.fromstring(odd)
    assert _xlsx_sheet.without_empty_cells(ROW) == ROW  # two: not worth the scans


def test_a_sheet_is_parsed_only_as_far_as_its_cells(tmp_path: Path) -> None:
    xml = sheet_xml(filled_form(tmp_path))
    assert b"<dataValidations" in xml
    root = _xlsx_sheet.parse_sheet([xml], "f", SHEET)
    assert [etree.QName(el).localname for el in root][-1] == "sheetData"


def test_a_large_sheet_keeps_in_its_tree_only_the_rows_with_answers(tmp_path: Path) -> None:
    xml = sheet_xml(filled_form(tmp_path)).replace(b"</sheetData>", EMPTY_ROWS * 40
                                                   + b"</sheetData>")
    assert len(xml) > _xlsx_sheet.BIG_SHEET_BYTES  # 160,000 empty rows: the sliced path
    root = _xlsx_sheet.parse_sheet(iter([xml[i:i + 4096] for i in range(0, len(xml), 4096)]),
                                   "f", SHEET)
    data = root.find(SHEET_DATA)
    assert data is not None
    whole = etree.fromstring(xml).find(SHEET_DATA)
    assert whole is not None
    filled = [r.get("r") for r in whole if r.find(".//{*}v") is not None
              or r.find(".//{*}is") is not None]
    assert len(whole) > 160_000
    assert [r.get("r") for r in data] == filled


@settings(max_examples=40)
@given(st.data())
def test_a_mangled_sheet_read_quickly_reads_as_when_parsed_whole(data: st.DataObject) -> None:
    """Whatever the bytes, the quick read gives what the whole parse gives; it may read a
    sheet whose damage lies only after the cells, which the whole parse refuses."""
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        xml = bytearray(sheet_xml(filled_form(folder)))
        for _ in range(data.draw(st.integers(1, 4))):
            at = data.draw(st.integers(0, len(xml) - 1))
            piece = data.draw(st.sampled_from([b"<", b">", b"/", b'"', b"sheetData", b"</",
                                               b"<!--", b"-->", b"</sheetData>", b"x",
                                               b'<c r="B9"/>', b"/>", b"<![CDATA[", b"<c ",
                                               b'<c r="']))
            xml[at:at + data.draw(st.integers(0, 2))] = piece
        path = edit_zip(folder / "filled.xlsx", folder / "bad.xlsx", {SHEET: bytes(xml)})
        with whole_parse():
            expected = outcome(path)
        got = outcome(path)
        with strip_always():
            got_stripped = outcome(path)
        with sliced(prune_every=data.draw(st.integers(200, 5000))):
            got_sliced = outcome(path)
        if not str(expected).startswith("refused"):
            assert got == expected
            assert got_stripped == expected
            assert got_sliced == expected


def test_parts_are_inflated_as_zipfile_inflates_them(tmp_path: Path) -> None:
    """Parts are inflated straight from the file's bytes: what zipfile gives, or refused."""
    good = filled_form(tmp_path)
    stored = tmp_path / "stored.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
    rng = random.Random(7)
    accepted = 0
    for n in range(600):  # few damaged copies are ones zipfile reads too: 1 in 100 or so
        body = bytearray((good if n % 2 else stored).read_bytes())
        if n in (2, 3):  # damage zipfile ignores: the first entry's modification time
            body[10] ^= 0x01
        for _ in range(rng.randint(1, 3) if n >= 4 else 0):  # the first two as written
            body[rng.randrange(len(body))] = rng.randrange(256)
        path = tmp_path / f"z{n}.xlsx"
        path.write_bytes(bytes(body))
        try:
            with Package(path, "xlsx") as pkg:
                ours = {name: pkg.read(name) for name in pkg.names()}
                small = {name: b"".join(pkg.chunks(name, 7)) for name in pkg.names()}
        except ReturnError:
            continue
        accepted += 1
        with zipfile.ZipFile(path) as z:
            assert ours == {name: z.read(name) for name in z.namelist()}
        assert small == ours
    assert accepted > 3  # the two as written, and those whose damage zipfile ignores too


def meta_rows(path: Path) -> Any:
    """The identity rows of the metadata sheet, as a workbook without properties is read."""
    with Package(path, "xlsx") as pkg:
        book = Book(pkg)
        info = book.sheet(L.META_SHEET)
        assert info is not None
        return book.leading_rows(info, L.MAP_HEADING)


def as_formula_strings(xml: bytes) -> bytes:
    """Inline strings stored as formula results (t="str") instead, as some tools write."""
    return re.sub(rb't="inlineStr"><is><t>([^<]*)</t></is>', rb't="str"><v>\1</v>', xml)


METAS: dict[str, Callable[[bytes], bytes]] = {
    "as written": lambda xml: xml,
    "strings as formula results": as_formula_strings,
    "prefixed elements": prefixed,
    "rows before the heading beyond 2 KB": lambda xml: xml.replace(
        b'<row r="7">', b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x%d</t></is>'
                                 b'</c></row>' % (6, 6, n) for n in range(60)) + b'<row r="7">'),
    "a comment holding a row end": lambda xml: xml.replace(b'<row r="3">',
                                                          b'<!-- </row> --><row r="3">'),
    "the heading text in a B cell first": lambda xml: xml.replace(
        b"<t>1.2</t>", b"<t>slot key</t>", 1),
    "no heading": lambda xml: xml.replace(b"<t>slot key</t>", b"<t>slot keys</t>"),
    "a DTD": lambda xml: b'<!DOCTYPE x [<!ENTITY a "b">]>' + xml,
}


@pytest.mark.parametrize("change", list(METAS.values()), ids=list(METAS))
def test_the_identity_rows_are_read_whatever_the_sheet_was_saved_by(
    tmp_path: Path, change: Callable[[bytes], bytes]
) -> None:
    path = variant(tmp_path, "meta.xlsx", change, part=META)
    if change is METAS["a DTD"]:
        with pytest.raises(ReturnError, match="DTD"):
            meta_rows(path)
        return
    assert meta_rows(path)[0] == ("bluestone:form-id", "xlsx_edge")
