"""File cases: wrong, refused and misnamed file types, huge values, odd but valid workbooks,
control characters, and External relationships and links (never followed)."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

from . import forge as F
from .corpus import ISSUES, READ, READS, REJECTED, Ctx, case

# --------------------------------------------------------------------------- file types


def _bytes_case(name: str, kind: str, expect: tuple[str, ...], fragment: str,
                make: Callable[[Ctx], bytes], reader: str | None = None) -> None:
    case(name, kind, expect, fragment, reader=reader)(
        lambda ctx, path: path.write_bytes(make(ctx)))


def _docx_bytes(ctx: Ctx, name: str) -> bytes:
    return F.write_zip(ctx.folder / f".{name}", ctx.parts("docx", name)).read_bytes()


def _xlsx_bytes(ctx: Ctx, name: str) -> bytes:
    return F.write_zip(ctx.folder / f".{name}", ctx.parts("xlsx", name)).read_bytes()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_bytes_case("docx_named.xlsx", "a .docx renamed .xlsx (read by its content)", READ, "",
            lambda c: _docx_bytes(c, "docx_named.xlsx"), reader="docx")
_bytes_case("xlsx_named.pdf", "an .xlsx renamed .pdf (read by its content)", READ, "",
            lambda c: _xlsx_bytes(c, "xlsx_named.pdf"), reader="xlsx")
_bytes_case("pdf_named.docx", "a PDF renamed .docx (read by its content)", READS, "",
            lambda c: c.pdf("pdf_named.docx", c.folder / ".p.pdf").read_bytes(), reader="pdf")
_bytes_case("html_page.docx", "an HTML page named .docx", REJECTED, "web page",
            lambda c: b"<!DOCTYPE html><html><body>Sign in to download</body></html>")
_bytes_case("html_page.pdf", "an HTML page named .pdf", REJECTED, "web page|not a PDF",
            lambda c: b"<html><body>404</body></html>")
_bytes_case("empty.docx", "an empty file", REJECTED, "empty", lambda c: b"")
_bytes_case("empty.pdf", "an empty PDF", REJECTED, "empty", lambda c: b"")
_bytes_case("random.xlsx", "random bytes named .xlsx", REJECTED, "not a|zip",
            lambda c: random.Random(9).randbytes(5000).replace(b"PK", b"pk"))
_bytes_case("ole_renamed.docx", "an OLE compound file (legacy .doc) renamed .docx", REJECTED,
            "legacy binary|password", lambda c: OLE + bytes(4000))
_bytes_case("encrypted_office.xlsx", "a password-protected workbook (OLE EncryptedPackage)",
            REJECTED, "password", lambda c: OLE + b"\x00" * 500 + "EncryptedPackage"
            .encode("utf-16-le") + bytes(3000))
_bytes_case("legacy.doc", "a legacy Word 97-2003 file", REJECTED, "legacy Word",
            lambda c: OLE + bytes(4000))
_bytes_case("legacy.xls", "a legacy Excel 97-2003 file", REJECTED, "legacy Excel",
            lambda c: OLE + bytes(4000))
_bytes_case("macro.docm", "a macro-enabled Word file", REJECTED, "macro",
            lambda c: _docx_bytes(c, "macro.docm"))
_bytes_case("macro.xlsm", "a macro-enabled workbook", REJECTED, "macro",
            lambda c: _xlsx_bytes(c, "macro.xlsm"))
_bytes_case("rich_text.docx", "an RTF file named .docx", REJECTED, "Rich Text",
            lambda c: b"{\\rtf1\\ansi Hello}")
_bytes_case("notes.txt", "a text file", REJECTED, "not a form return", lambda c: b"hello\n")
_bytes_case("~$lock.docx", "an Office lock file", REJECTED, "lock file", lambda c: b"x" * 162)


@case("macro_vba.docx", "a .docx holding word/vbaProject.bin", REJECTED, "macro")
def _vba(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("docx", path.name)
    m["word/vbaProject.bin"] = OLE + bytes(2000)
    F.write_zip(path, m)


@case("macro_content_type.xlsx", "an .xlsx whose content type is macroEnabled", REJECTED,
      "macro")
def _xlsm_type(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", path.name)
    m["[Content_Types].xml"] = m["[Content_Types].xml"].replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
    F.write_zip(path, m)


# --------------------------------------------------------------------------- huge values

def _letters(n: int) -> bytes:
    table = bytes(65 + i % 26 for i in range(256))
    return random.Random(11).randbytes(n).translate(table)


@case("huge_text.docx", "a 50 MB answer (random letters)", REJECTED + ISSUES,
      "huge|at most|too large|not well-formed")
def _huge_docx(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("docx", path.name)
    m["word/document.xml"] = m["word/document.xml"].replace(
        b">" + ctx.needle + b"<", b">" + _letters(50 * 1024 * 1024) + b"<", 1)
    F.write_zip(path, m, level=1)


@case("huge_text.xlsx", "a 50 MB answer (random letters)", REJECTED + ISSUES,
      "huge|at most|too large|not well-formed")
def _huge_xlsx(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", path.name)
    sheet = "xl/worksheets/sheet1.xml"
    m[sheet] = m[sheet].replace(b">" + ctx.needle + b"<",
                                b">" + _letters(50 * 1024 * 1024) + b"<", 1)
    F.write_zip(path, m, level=1)


@case("xfd_cell.xlsx", "a cell in XFD1048576 and dimension A1:XFD1048576 (calamine: 52 GB)",
      READ)
def _xfd(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", path.name)
    sheet = "xl/worksheets/sheet1.xml"
    data = m[sheet]
    start = data.index(b'<dimension ref="')
    end = data.index(b"/>", start)
    data = data[:start] + b'<dimension ref="A1:XFD1048576"' + data[end:]
    m[sheet] = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" '
                            b't="inlineStr"><is><t>far away</t></is></c></row></sheetData>')
    F.write_zip(path, m)


@case("rows_1m.xlsx", "one million empty rows after the form", READ)
def _rows(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", path.name)
    sheet = "xl/worksheets/sheet1.xml"
    rows = b"".join(b'<row r="%d"/>' % r for r in range(48_576, 1_048_576))
    m[sheet] = m[sheet].replace(b"</sheetData>", rows + b"</sheetData>")
    F.write_zip(path, m, level=9)


@case("utf16_sheet.xlsx", "the form sheet in UTF-16 (allowed by ECMA-376, no DTD)", READ)
def _utf16(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", path.name)
    sheet = "xl/worksheets/sheet1.xml"
    m[sheet] = F.declared(m[sheet], "UTF-16").decode().encode("utf-16")
    F.write_zip(path, m)


@case("control_chars.xlsx", "_x0001_ and _x001F_ escapes (control characters) in an answer",
      READS)
def _control_xlsx(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", path.name)
    sheet = "xl/worksheets/sheet1.xml"
    m[sheet] = m[sheet].replace(b">" + ctx.needle + b"<", b">WM_x0001_-40917_x001F_-26_x0000_<")
    F.write_zip(path, m)


# --------------------------------------------------------------------------- external links

_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


@case("external_rels.docx", "External relationships to http:// and file:// (hyperlink, image, "
      "attached template, subdocument)", READ)
def _ext_docx(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("docx", path.name)
    uri = ctx.canary_uri.encode()
    rels = b"".join(
        b'<Relationship Id="rIdX%d" Type="%s" Target="%s" TargetMode="External"/>'
        % (i, _REL + kind, target) for i, (kind, target) in enumerate([
            (b"hyperlink", ctx.net.encode()), (b"hyperlink", uri), (b"image", uri),
            (b"subDocument", uri), (b"oleObject", ctx.net.encode())]))
    name = "word/_rels/document.xml.rels"
    m[name] = m[name].replace(b"</Relationships>", rels + b"</Relationships>")
    m["word/_rels/settings.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rIdT" Type="'
        + _REL + b'attachedTemplate" Target="' + uri + b'" TargetMode="External"/>'
        b"</Relationships>")
    m["word/settings.xml"] = m["word/settings.xml"].replace(
        b"</w:settings>", b'<w:attachedTemplate r:id="rIdT" xmlns:r="' + _REL[:-1] + b'"/>'
        b"</w:settings>")
    F.write_zip(path, m)


@case("external_main_part.docx", "custom.xml removed and the main part an External http:// "
      "relationship", REJECTED, "not a Word document|main document")
def _ext_main(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("docx", path.name)
    del m["docProps/custom.xml"]
    rels = m["_rels/.rels"]
    m["_rels/.rels"] = rels.replace(b'Target="word/document.xml"',
                                    b'Target="' + ctx.net.encode() + b'" TargetMode="External"')
    F.write_zip(path, m)


@case("external_link.xlsx", "an external workbook link (file://) and an http:// hyperlink",
      READ)
def _ext_xlsx(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", path.name)
    uri = ctx.canary_uri.encode()
    m["xl/externalLinks/externalLink1.xml"] = (
        b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'xmlns:r="' + _REL[:-1] + b'"><externalBook r:id="rId1"/></externalLink>')
    m["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="' + _REL + b'externalLinkPath" Target="' + uri
        + b'" TargetMode="External"/></Relationships>')
    name = "xl/_rels/workbook.xml.rels"
    m[name] = m[name].replace(b"</Relationships>", b'<Relationship Id="rIdE" Type="' + _REL
                              + b'externalLink" Target="externalLinks/externalLink1.xml"/>'
                              b'<Relationship Id="rIdU" Type="' + _REL + b'hyperlink" Target="'
                              + ctx.net.encode() + b'" TargetMode="External"/></Relationships>')
    m["xl/workbook.xml"] = m["xl/workbook.xml"].replace(
        b"</workbook>", b'<externalReferences><externalReference xmlns:r="' + _REL[:-1]
        + b'" r:id="rIdE"/></externalReferences></workbook>')
    F.write_zip(path, m)


@case("sheet_path_traversal.xlsx", "the form sheet's relationship points outside the package "
      "(../../ to the canary, and file://)", REJECTED, "missing|not|sheet")
def _traversal(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", path.name)
    name = "xl/_rels/workbook.xml.rels"
    up = b"../" * 12 + str(ctx.canary.resolve()).lstrip("/").encode()
    m[name] = m[name].replace(b'Target="/xl/worksheets/sheet1.xml"', b'Target="' + up + b'"')
    m[name] = m[name].replace(b'Target="/xl/worksheets/sheet3.xml"',
                              b'Target="' + ctx.canary_uri.encode() + b'" TargetMode="External"')
    F.write_zip(path, m)
