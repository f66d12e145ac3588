"""Streaming the data rows of big sheets straight into the saved .xlsx, around openpyxl.

Why: openpyxl writes some 50,000 cells a second even in write-only mode (a Cell object, a
type check and an XML element per value), and the collation of 10,000 returns has about
700,000 of them: that alone took longer than the rest of the export. So openpyxl still
writes everything that needs it (the Summary sheet with its native charts, styles, column
widths, frozen panes, filters, page set-up, headers and footers, and the heading rows of
every sheet); then the workbook is copied once into its file, and each big sheet's data rows
are written into its `<sheetData>` as plain SpreadsheetML: the same cell forms openpyxl
writes (inline strings, numbers, booleans, dates as serial numbers with a date style), at
about ten times the speed.

The rules of `cells.py` hold for these cells too: text a spreadsheet could run as a formula
is a string cell with the quote-prefix style, never a formula; characters XML cannot carry
are shown as control pictures; dates carry the dd/mm/yyyy style.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import xml.etree.ElementTree as ET  # our own just-written parts, not a return
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from ...spec.kinds import CELL_FORMATS, cell_format
from . import cells

_CHUNK = 500  # rows encoded and written at a time
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


@dataclass(frozen=True)
class Styles:
    """The workbook's style numbers for a quote-prefixed text cell and for each number format
    a typed value is shown in (a date's, a time's: `kinds.CELL_FORMATS`)."""

    quoted: int
    formats: Mapping[str, int]

    @classmethod
    def register(cls, ws: Any) -> Styles:
        """Add the styles to the workbook of `ws` (before it is saved) and return their ids."""
        quoted = WriteOnlyCell(ws, value="=")
        quoted.data_type = "s"
        quoted.quotePrefix = True
        formats = {}
        for number_format in CELL_FORMATS:
            cell = WriteOnlyCell(ws, value=0)
            cell.number_format = number_format
            formats[number_format] = cell.style_id
        return cls(quoted=quoted.style_id, formats=formats)


def _text(v: str, styles: Styles) -> str:
    """A text cell's XML after its `<c r="A1"`: plain text, never a formula."""
    text = cells.storable(v)
    if not text:
        return ""
    style = f' s="{styles.quoted}"' if cells.dangerous(text) else ""
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    if "&" in text or "<" in text or ">" in text:
        text = escape(text)
    return f'{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _other(v: Any, styles: Styles) -> str:
    """A number, truth value, date or other value's XML after its `<c r="A1"`."""
    if isinstance(v, Decimal):
        v = int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, bool):
        return f' t="b"><v>{int(v)}</v></c>'
    if isinstance(v, int):
        return f"><v>{v}</v></c>"
    if isinstance(v, float) and math.isfinite(v):
        return f"><v>{v:.16g}</v></c>"
    number_format = cell_format(v)  # a date or a time: a serial number in its format
    if number_format is not None:
        if isinstance(v, dt.datetime) and v.tzinfo is not None:
            v = v.replace(tzinfo=None)
        return f' s="{styles.formats[number_format]}"><v>{to_excel(v)}</v></c>'
    return _text(v if isinstance(v, str) else str(v), styles)


_SHORT = 80  # texts up to this long are remembered: the same labels recur on every row


def rows_xml(rows: Iterable[Sequence[Any]], first: int, styles: Styles) -> Iterator[bytes]:
    """`<row>` elements for `rows`, numbered from `first`, in encoded chunks."""
    letters: list[str] = []
    out: list[str] = []
    seen: dict[str, str] = {}
    for r, row in enumerate(rows, start=first):
        while len(letters) < len(row):
            letters.append(get_column_letter(len(letters) + 1))
        out.append(f'<row r="{r}">')
        for letter, v in zip(letters, row, strict=False):
            if v is None:
                continue
            if type(v) is str:
                tail = seen.get(v)
                if tail is None:
                    tail = _text(v, styles)
                    if len(v) <= _SHORT:
                        seen[v] = tail
            elif type(v) is int:
                tail = f"><v>{v}</v></c>"
            else:
                tail = _other(v, styles)
            if tail:
                out.append(f'<c r="{letter}{r}"{tail}')
        out.append("</row>")
        if (r - first) % _CHUNK == _CHUNK - 1:
            yield "".join(out).encode("utf-8")
            out.clear()
    if out:
        yield "".join(out).encode("utf-8")


def save(wb: Any, path: Path, rows: Mapping[str, tuple[Iterable[Sequence[Any]], int]],
         styles: Styles) -> None:
    """Save `wb` to `path` with extra rows streamed into sheets.

    `rows` maps a sheet's title to its rows and the row number the first of them gets.
    """
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as zin, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        parts = _sheet_parts(zin)
        wanted = {parts[title]: v for title, v in rows.items()}
        for info in zin.infolist():
            data = zin.read(info.filename)
            extra = wanted.pop(info.filename, None)
            if extra is None:
                zout.writestr(info, data)
                continue
            head, tail = _split(data, info.filename)
            part = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            part.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(part, "w") as out:
                out.write(head)
                for chunk in rows_xml(extra[0], extra[1], styles):
                    out.write(chunk)
                out.write(tail)
    if wanted:
        raise ValueError(f"no such sheet part in the workbook: {', '.join(sorted(wanted))}")


def _sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Each sheet's title -> its part in the package, from the workbook and its relations."""
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{{{_PKG}}}Relationship")}
    book = ET.fromstring(z.read("xl/workbook.xml"))
    out = {}
    for sheet in book.iter(f"{{{_MAIN}}}sheet"):
        t = target[sheet.get(f"{{{_REL}}}id")]
        out[sheet.get("name", "")] = t.lstrip("/") if t.startswith("/") else f"xl/{t}"
    return out


def _split(xml: bytes, name: str) -> tuple[bytes, bytes]:
    """A sheet's XML cut where more rows go: before `</sheetData>` (or into `<sheetData/>`)."""
    head, sep, tail = xml.partition(b"</sheetData>")
    if sep:
        return head, sep + tail
    head, sep, tail = xml.partition(b"<sheetData/>")
    if sep:
        return head + b"<sheetData>", b"</sheetData>" + tail
    raise ValueError(f"{name}: no sheetData element")
