"""Reading an .xlsx from its parts with lxml: sheets, shared strings, styles, defined names.

Why not openpyxl or calamine: an openpyxl load costs 16-18x parsing the parts, and calamine
allocates a dense grid from a sheet's declared extent and panics with a BaseException. The
parts are read through `_package.Package` (bounded inflation, no DTDs, no entities) and only
what a form needs is looked at. A cell is handed back as its native value: text (shared or
inline, `_xHHHH_` escapes undone), int / Decimal / float from the stored number text,
datetime when the cell's number format is a date format, bool; a formula or an error value is
reported, never evaluated.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ...errors import ReturnError
from .cellrefs import (
    Entry,
    all_text,
    col_letter,
    entry_of,
    split_ref,
    stored_number,
    xml_string,
)
from .package import Package, parse_xml, refuse_dtd
from .serial import unescape_xstring

MAIN_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
REL_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
MACRO_TYPES = ("macroEnabled", "ms-excel.sheet.binary", "ms-excel.addin")
_FMT_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
_DATE_TOKEN = re.compile(r"[dmyhs]", re.I)
DATE_BUILTINS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
HEAD_BYTES = 64 * 1024


@dataclass(slots=True)
class Cell:
    """One cell: its native value, and a formula or error value when it holds one."""

    row: int
    col: int
    value: Any
    formula: str | None = None
    error: str | None = None

    @property
    def ref(self) -> str:
        return f"{col_letter(self.col)}{self.row}"

    def text(self) -> str | None:
        """The cell as plain text (markers and metadata are always text)."""
        v = self.value
        if v is None or self.formula is not None or self.error is not None:
            return None
        if isinstance(v, str):
            return v
        if isinstance(v, bool):
            return str(v).upper()
        if isinstance(v, dt.datetime):
            return v.isoformat()
        return str(v)


@dataclass(frozen=True)
class SheetInfo:
    name: str
    part: str
    state: str


@dataclass(frozen=True)
class Facts:
    """What workbook.xml and its relationships say: sheets, names, where the parts are."""

    ns: str
    sheets: tuple[SheetInfo, ...]
    names: dict[str, str]
    date1904: bool
    sst_part: str | None
    styles_part: str | None


_FACTS: dict[tuple[Any, ...], Facts] = {}
_DATES: dict[Any, list[bool]] = {}
_PLAIN_TYPES: dict[Any, bool] = {}  # [Content_Types].xml seen to declare no macro content
_CACHE_SIZE = 64


def _stamp(pkg: Package, name: str) -> tuple[str, int, int, int] | None:
    """A part's name, CRC-32 and sizes from the zip directory: what the workbook facts, the
    date styles and the content types' verdict are kept by, so the parts every return of one
    form shares are not inflated again. (zipfile checks the CRC whenever a part is read, and
    the values themselves are always read. A part forged to match another's stamp gets that
    part's meaning: no more than sending that part itself.)"""
    try:
        info = pkg.getinfo(name)
    except KeyError:
        return None
    return name, info.CRC, info.file_size, info.compress_size


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    """Keep a parse result by the stamp of the part it came from."""
    if len(cache) >= _CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = value


class Book:
    """An opened workbook: its sheets, names and the parts cells need to be read.

    What the small parts that every return of one form shares byte for byte say (the
    content types, the relationships and workbook.xml, the date styles of styles.xml) is
    worked out once for many returns, kept by their zip directory entries (`_stamp`).
    """

    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg
        self.file = pkg.file
        types_key = _stamp(pkg, "[Content_Types].xml")
        if types_key is None or types_key not in _PLAIN_TYPES:
            types = pkg.content_types()
            if any(t in types for t in MACRO_TYPES):
                raise ReturnError(self.file, "the workbook is macro-enabled or binary (.xlsm, "
                                  ".xlsb); save it as an Excel Workbook (.xlsx) and send it "
                                  "again")
            if types_key is not None:
                _remember(_PLAIN_TYPES, types_key, True)
        key = tuple(_stamp(pkg, n) for n in ("_rels/.rels", "xl/workbook.xml",
                                              "xl/_rels/workbook.xml.rels"))
        facts = _FACTS.get(key) if all(key) else None
        if facts is None:
            root_rels = pkg.read("_rels/.rels")
            wb_part = self._main_part(root_rels)
            folder, name = wb_part.rsplit("/", 1) if "/" in wb_part else ("", wb_part)
            rels_part = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
            facts = self._facts(wb_part, pkg.read(wb_part), rels_part, pkg.read(rels_part))
            if all(key) and wb_part == "xl/workbook.xml":
                _remember(_FACTS, key, facts)
        self.ns = facts.ns
        self.sheets = facts.sheets
        self.names = facts.names
        self.date1904 = facts.date1904
        self._sst_part = facts.sst_part
        self._styles_part = facts.styles_part
        self._v, self._f, self._is = self.ns + "v", self.ns + "f", self.ns + "is"
        self._t, self._r, self._c = self.ns + "t", self.ns + "r", self.ns + "c"
        self._sst: list[etree._Element] | None = None
        self._sst_text: dict[int, str] = {}
        self._dates: list[bool] | None = None

    def _main_part(self, data: bytes) -> str:
        root = parse_xml(data, self.file, "_rels/.rels")
        for rel in root.iter(PKG_REL):
            if (rel.get("Type") or "").endswith("/officeDocument"):
                return (rel.get("Target") or "").lstrip("/")
        raise ReturnError(self.file, "the package names no main workbook part")

    def _facts(self, wb_part: str, wb_xml: bytes, rels_part: str, wb_rels: bytes) -> Facts:
        root = parse_xml(wb_xml, self.file, wb_part)
        ns = etree.QName(root).namespace
        if ns not in MAIN_NS:
            raise ReturnError(self.file, f"{wb_part} is not a SpreadsheetML workbook")
        m = "{" + ns + "}"
        rel_ns = "{" + REL_NS[MAIN_NS.index(ns)] + "}"
        base = wb_part.rsplit("/", 1)[0] + "/" if "/" in wb_part else ""
        rels: dict[str, tuple[str, str]] = {}
        for rel in parse_xml(wb_rels, self.file, rels_part).iter(PKG_REL):
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External":
                continue
            path = target.lstrip("/") if target.startswith("/") else _join(base, target)
            rels[rel.get("Id") or ""] = (path, rel.get("Type") or "")
        sheets = []
        for el in root.iter(m + "sheet"):
            target = rels.get(el.get(rel_ns + "id") or "")
            if target is not None:
                sheets.append(SheetInfo(el.get("name") or "", target[0],
                                        el.get("state") or "visible"))
        pr = root.find(m + "workbookPr")
        names: dict[str, str] = {}
        for el in root.iter(m + "definedName"):
            if el.get("localSheetId") is None and el.get("name"):
                names[(el.get("name") or "").casefold()] = (el.text or "").strip()
        by_type = {kind.rsplit("/", 1)[-1]: part for part, kind in rels.values()}
        return Facts(
            ns=m,
            sheets=tuple(sheets),
            names=names,
            date1904=pr is not None and (pr.get("date1904") or "").lower() in ("1", "true"),
            sst_part=by_type.get("sharedStrings"),
            styles_part=by_type.get("styles"),
        )

    def sheet(self, name: str) -> SheetInfo | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None

    def sharedxml_string(self, index: str | None, r: int, col: int) -> str:
        """Shared string number `index` (the text of the <v> of the cell at row r, column
        col); only those asked for are turned into text."""
        if self._sst is None:
            self._sst = []
            if self._sst_part and self.pkg.has(self._sst_part):
                root = self.pkg.xml(self._sst_part)
                self._sst = list(root.iterchildren(self.ns + "si"))
        text = (index or "").strip()
        if not (text.isascii() and text.isdigit()) or int(text) >= len(self._sst):
            raise ReturnError(self.file, f"cell {col_letter(col)}{r} refers to a shared string "
                              "that does not exist")
        n = int(text)
        hit = self._sst_text.get(n)
        if hit is None:
            node = self._sst[n]
            run = node[0] if len(node) == 1 else None
            hit = self._sst_text[n] = (
                unescape_xstring(all_text(run)) if run is not None and run.tag == self._t
                else xml_string(node, self._t, self._r))  # one plain run, as ever, or runs
        return hit

    def date_styles(self) -> list[bool]:
        """Per cell style (xf) index: does its number format show a date or time?"""
        if self._dates is None:
            self._dates = []
            stamp = _stamp(self.pkg, self._styles_part) if self._styles_part else None
            if stamp is not None:
                key = (self.ns, stamp)
                hit = _DATES.get(key)
                if hit is None:
                    hit = self._parse_dates(self.pkg.xml(stamp[0]))
                    _remember(_DATES, key, hit)
                self._dates = hit
        return self._dates

    def _parse_dates(self, root: etree._Element) -> list[bool]:
        custom: dict[str, bool] = {}
        for fmt in root.iter(self.ns + "numFmt"):
            code = _FMT_NOISE.sub("", fmt.get("formatCode") or "")
            custom[fmt.get("numFmtId") or ""] = bool(_DATE_TOKEN.search(code))
        out: list[bool] = []
        xfs = root.find(self.ns + "cellXfs")
        for xf in xfs if xfs is not None else ():
            fid = xf.get("numFmtId") or "0"
            if fid in custom:
                out.append(custom[fid])
            else:
                out.append(fid.isdigit() and int(fid) in DATE_BUILTINS)
        return out

    def entry_text(self, entry: Entry, r: int, col: int) -> str | None:
        """A cell's text, fast for a plain shared or inline string."""
        c, val, f = entry
        if f is None and val is not None:
            if val.tag == self._is:
                run = val[0] if len(val) == 1 else None
                if run is not None and run.tag == self._t:
                    return unescape_xstring(all_text(run))
            elif c.get("t") == "s":
                return self.sharedxml_string(val.text, r, col)
        cell = self.convert(entry, r, col)
        return cell.text() if cell is not None else None

    def convert(self, entry: Entry, r: int, col: int) -> Cell | None:
        """One cell (element, value or inline-string element, formula) as a Cell, or None
        when it holds nothing."""
        c, val, f = entry
        t = c.get("t") or "n"
        if val is None:
            node = raw = None
        elif val.tag == self._is:
            node, raw = val, None
        else:
            node, raw = None, val.text
        if f is None:
            if node is None and raw is None:
                return None
            cell = Cell(r, col, None)
        else:
            cell = Cell(r, col, None, f.text or "")
        if t == "inlineStr":
            if node is not None:
                run = node[0] if len(node) == 1 else None
                if run is not None and run.tag == self._t:  # one plain run, the usual case
                    cell.value = unescape_xstring(all_text(run))
                else:
                    cell.value = xml_string(node, self._t, self._r)
        elif t == "n":
            if raw is not None:
                cell.value = self._number(c, raw, r, col)
        elif t == "s":
            cell.value = self.sharedxml_string(raw, r, col)
        elif t == "str":
            cell.value = unescape_xstring(raw) if raw is not None else None
        elif t == "b":
            cell.value = (raw or "").strip() in ("1", "true")
        elif t == "e":
            cell.error = raw or "#VALUE!"
        elif t == "d":
            cell.value = raw
        elif raw is not None:  # any other type: the text read as a number
            cell.value = self._number(c, raw, r, col)
        return cell

    def _number(self, c: etree._Element, raw: str, r: int, col: int) -> Any:
        """A stored number, a date when the cell's style shows one."""
        s = c.get("s")
        style = int(s) if s and s.isdigit() else 0
        dates = self._dates if self._dates is not None else self.date_styles()
        return stored_number(raw, style < len(dates) and dates[style], self.date1904,
                             self.file, (r, col))

    def leading_rows(self, info: SheetInfo, until: str, limit: int = 40
                     ) -> list[tuple[str | None, str | None]]:
        """The texts of columns A and B of a sheet's first rows, up to the row whose A is
        `until`, inflating and parsing no further than that (the metadata sheet's slot map is
        never read). The part is read from the package's checked zip in small chunks and at
        most HEAD_BYTES of it, so no inflation limit can be reached."""
        parser = etree.XMLPullParser(events=("end",), tag=self.ns + "row", resolve_entities=False,
                                     no_network=True, load_dtd=False, huge_tree=False)
        out: list[tuple[str | None, str | None]] = []
        seen = b""
        try:
            for chunk in self.pkg.chunks(info.part, 2048):
                seen += chunk
                refuse_dtd(seen, self.file, info.part)
                parser.feed(chunk)
                for _, row in parser.read_events():
                    out.append(self.two_texts(row, len(out) + 1))
                    if out[-1][0] == until or len(out) >= limit:
                        return out
                if len(seen) >= HEAD_BYTES:
                    break
        except etree.XMLSyntaxError as exc:
            raise ReturnError(self.file, f"{info.part} is damaged ({exc})") from None
        return out

    def two_texts(self, row: etree._Element, default: int) -> tuple[str | None, str | None]:
        """The texts of columns A and B of a row (numbered `default` if it says no number)."""
        r_attr = row.get("r")
        r = int(r_attr) if r_attr and r_attr.isdigit() else default
        texts: list[str | None] = [None, None, None]
        for i, el in enumerate(row.iterchildren(self._c), start=1):
            ref = el.get("r")
            col = i if not ref else (split_ref(ref) or (0, 0))[1]
            if 0 < col <= 2:
                texts[col] = self.entry_text(entry_of(el, self.ns), r, col)
        return texts[1], texts[2]

    def custom_properties(self) -> dict[str, str]:
        part = "docProps/custom.xml"
        if not self.pkg.has(part):
            return {}
        out: dict[str, str] = {}
        for prop in self.pkg.xml(part).iter("{" + CUSTOM_NS + "}property"):
            name = prop.get("name")
            if name and len(prop):
                out[name] = (prop[0].text or "").strip()
        return out


def _join(base: str, target: str) -> str:
    parts = (base + target).split("/")
    out: list[str] = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        elif p not in ("", "."):
            out.append(p)
    return "/".join(out)


