"""XML cases: XXE (local file, network, parameter entities, UTF-16/UTF-7, past a pre-scan),
billion laughs, quadratic blowup and deep nesting in every part a reader parses; and the
identity a return claims (unknown form, tampered version and instance id)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import forge as F
from .corpus import ANY, ISSUES, READ, READS, REJECTED, Ctx, case


def _xml_case(name: str, kind: str, fmt: str, part: str, make: Callable[[Ctx, bytes], bytes],
              expect: tuple[str, ...] = REJECTED, fragment: str = "DTD|entit",
              xfail: str | None = None, stored: bool = False, drop: str | None = None) -> None:
    """A case that rewrites one XML part of the base return (`stored`: uncompressed), and
    leaves out the part `drop`."""
    def build(ctx: Ctx, path: Path) -> None:
        members = ctx.parts(fmt, name)
        members[part] = make(ctx, members[part])
        if drop:
            del members[drop]
        F.write_zip(path, members, stored=frozenset([part] if stored else []))
    case(name, kind, expect, fragment, xfail=xfail, reader=fmt)(build)


# --------------------------------------------------------------------------- XML: docx

def _x(ctx: Ctx, xml: bytes) -> bytes:
    return F.with_dtd(xml, F.xxe(ctx.canary_uri), ctx.needle)


_xml_case("xxe_document.docx", "XXE (local file) in word/document.xml", "docx",
          "word/document.xml", _x)
_xml_case("xxe_custom.docx", "XXE in docProps/custom.xml, replacing the form id", "docx",
          "docProps/custom.xml",
          lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri), b"rp1"))
_xml_case("xxe_core.docx", "XXE in docProps/core.xml (not parsed: inert)", "docx",
          "docProps/core.xml", lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri), b"bluestone form"),
          expect=ANY)
_xml_case("xxe_content_types.docx", "XXE in [Content_Types].xml", "docx", "[Content_Types].xml",
          lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri)))
_xml_case("xxe_package_rels.docx", "XXE in _rels/.rels (not parsed when custom.xml names the "
          "form: inert)", "docx", "_rels/.rels", lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri)),
          expect=ANY)
_xml_case("xxe_footer.docx", "XXE in word/footer1.xml (inert)", "docx", "word/footer1.xml",
          lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri)), expect=ANY)
_xml_case("laughs_document.docx", "billion laughs in word/document.xml", "docx",
          "word/document.xml", lambda c, x: F.with_dtd(x, F.laughs(), c.needle))
_xml_case("laughs_custom.docx", "billion laughs in docProps/custom.xml", "docx",
          "docProps/custom.xml", lambda c, x: F.with_dtd(x, F.laughs(), b"rp1"))
_xml_case("quadratic_document.docx", "quadratic blowup in word/document.xml", "docx",
          "word/document.xml", lambda c, x: F.with_dtd(x, F.quadratic(), c.needle))
_xml_case("xxe_utf16_document.docx", "XXE in a UTF-16LE (BOM) word/document.xml", "docx",
          "word/document.xml",
          lambda c, x: F.declared(_x(c, x), "UTF-16").decode().encode("utf-16"))
_xml_case("xxe_utf16be_custom.docx", "XXE in a UTF-16BE custom.xml without a BOM", "docx",
          "docProps/custom.xml", lambda c, x: F.declared(F.with_dtd(
              x, F.xxe(c.canary_uri), b"rp1"), "UTF-16").decode().encode("utf-16-be"))
_xml_case("xxe_utf7_custom.docx", "XXE in a UTF-7 custom.xml (PhpSpreadsheet CVE-2018-19277)",
          "docx", "docProps/custom.xml", lambda c, x: F.declared(b"", "UTF-7") + F.utf7_hidden(
              F.with_dtd(x.split(b"?>", 1)[1], F.xxe(c.canary_uri), b"rp1").decode()),
          fragment="UTF-7|DTD|not well-formed")
_xml_case("xxe_padded_document.docx", "a DTD after 70 KB of comment (past any pre-scan)",
          "docx", "word/document.xml", lambda c, x: F.with_dtd(
              x, b"<!--" + b"p" * 70_000 + b"-->" + F.xxe(c.canary_uri), c.needle))
_xml_case("xxe_parameter_document.docx", "external parameter entity in document.xml", "docx",
          "word/document.xml", lambda c, x: F.with_dtd(
              x, b'<!DOCTYPE x [<!ENTITY % p SYSTEM "' + c.canary_uri.encode() + b'"> %p;]>'))
_xml_case("dtd_network_document.docx", "an external DTD on an http:// host", "docx",
          "word/document.xml",
          lambda c, x: F.with_dtd(x, b'<!DOCTYPE x SYSTEM "' + c.net.encode() + b'">'))
_xml_case("xinclude_document.docx", "an XInclude of the canary in document.xml (never "
          "processed)", "docx", "word/document.xml", lambda c, x: x.replace(
              b"</w:body>", b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="'
              + c.canary_uri.encode() + b'" parse="text"/></w:body>'), expect=READ)
_xml_case("deep_document.docx", "100,000 nested elements in document.xml", "docx",
          "word/document.xml", lambda c, x: F.nested(x, b"</w:body>", 100_000),
          fragment="not well-formed|depth|nested", stored=True)

# --------------------------------------------------------------------------- XML: xlsx

_SHEET, _META = "xl/worksheets/sheet1.xml", "xl/worksheets/sheet3.xml"
_CUSTOM = "docProps/custom.xml"
_xml_case("xxe_workbook.xlsx", "XXE in xl/workbook.xml", "xlsx", "xl/workbook.xml",
          lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri)))
_xml_case("xxe_sheet.xlsx", "XXE in the form sheet, replacing an answer", "xlsx", _SHEET, _x)
_xml_case("xxe_meta_sheet.xlsx", "XXE in the hidden metadata sheet, replacing the form id (no "
          "custom properties, so the sheet is read)", "xlsx", _META,
          lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri), b"rp1"), drop=_CUSTOM)
_xml_case("xxe_utf16_meta_sheet.xlsx", "XXE in a UTF-16 metadata sheet (no custom properties)",
          "xlsx", _META, lambda c, x: F.declared(F.with_dtd(x, F.xxe(c.canary_uri), b"rp1"),
                                                 "UTF-16").decode().encode("utf-16"),
          drop=_CUSTOM)
_xml_case("xxe_meta_sheet_inert.xlsx", "XXE in the hidden metadata sheet while the custom "
          "properties say who the return is (the sheet is not parsed: inert)", "xlsx", _META,
          lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri), b"rp1"), expect=READ)
_xml_case("xxe_styles.xlsx", "XXE in xl/styles.xml", "xlsx", "xl/styles.xml",
          lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri)))
_xml_case("xxe_custom.xlsx", "XXE in docProps/custom.xml (refused; the metadata sheet says "
          "who the return is)", "xlsx", _CUSTOM,
          lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri), b"rp1"), expect=ANY)
_xml_case("xxe_content_types.xlsx", "XXE in [Content_Types].xml", "xlsx", "[Content_Types].xml",
          lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri)))
_xml_case("xxe_workbook_rels.xlsx", "XXE in xl/_rels/workbook.xml.rels", "xlsx",
          "xl/_rels/workbook.xml.rels", lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri)))
_xml_case("xxe_package_rels.xlsx", "XXE in _rels/.rels", "xlsx", "_rels/.rels",
          lambda c, x: F.with_dtd(x, F.xxe(c.canary_uri)))
_xml_case("dtd_network_sheet.xlsx", "an external entity on an http:// host in the form sheet",
          "xlsx", _SHEET, lambda c, x: F.with_dtd(x, F.xxe(c.net), c.needle))
_xml_case("laughs_sheet.xlsx", "billion laughs in the form sheet", "xlsx", _SHEET,
          lambda c, x: F.with_dtd(x, F.laughs(), c.needle))
_xml_case("laughs_workbook.xlsx", "billion laughs in xl/workbook.xml", "xlsx", "xl/workbook.xml",
          lambda c, x: F.with_dtd(x, F.laughs()))
_xml_case("deep_sheet.xlsx", "100,000 nested elements in the form sheet", "xlsx", _SHEET,
          lambda c, x: F.nested(x, b"</sheetData>", 100_000, b"row"),
          fragment="not well-formed|depth|nested", stored=True)
_xml_case("unclosed_cells_sheet.xlsx", "300,000 unclosed '<c r=\"' in the form sheet (a "
          "pattern that ran to the next '>' from each would take minutes)", "xlsx", _SHEET,
          lambda c, x: x.replace(b"</sheetData>", b'<c r="' * 300_000 + b"</sheetData>", 1),
          fragment="not well-formed", stored=True)


def _shared_strings(ctx: Ctx, name: str, path: Path, sst: bytes) -> None:
    """The base workbook with a sharedStrings part whose first string is the crime ref."""
    m = ctx.parts("xlsx", name)
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    m["xl/sharedStrings.xml"] = sst.replace(b"<sst>", b"<sst " + ns + b' uniqueCount="1">')
    m["xl/_rels/workbook.xml.rels"] = m["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" '
        b'Id="rId99"/></Relationships>')
    m["[Content_Types].xml"] = m["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    sheet = m[_SHEET]
    at = sheet.index(b">" + ctx.needle + b"<")
    at = sheet.rindex(b"<is>", 0, at)
    old = sheet[at:sheet.index(b"</is>", at) + 5]
    start = sheet.rindex(b"<c ", 0, at)
    head = sheet[start:at].replace(b't="inlineStr"', b't="s"')
    m[_SHEET] = sheet[:start] + head + b"<v>0</v>" + sheet[at + len(old):]
    F.write_zip(path, m)


@case("xxe_shared_strings.xlsx", "XXE in xl/sharedStrings.xml (an answer's string)",
      REJECTED, "DTD|entit")
def _xxe_sst(ctx: Ctx, path: Path) -> None:
    sst = F.with_dtd(b"<sst><si><t>NEEDLE</t></si></sst>", F.xxe(ctx.canary_uri), b"NEEDLE")
    _shared_strings(ctx, path.name, path, sst)


@case("laughs_shared_strings.xlsx", "billion laughs in xl/sharedStrings.xml", REJECTED,
      "DTD|entit")
def _laughs_sst(ctx: Ctx, path: Path) -> None:
    sst = F.with_dtd(b"<sst><si><t>NEEDLE</t></si></sst>", F.laughs(), b"NEEDLE")
    _shared_strings(ctx, path.name, path, sst)


@case("shared_strings_plain.xlsx", "control: the same workbook with a plain shared string",
      READ)
def _plain_sst(ctx: Ctx, path: Path) -> None:
    _shared_strings(ctx, path.name, path, b"<sst><si><t>" + ctx.needle + b"</t></si></sst>")


@case("xxe_custom_no_meta.xlsx", "metadata sheet deleted and an XXE in custom.xml", REJECTED,
      "DTD|entit")
def _xxe_custom_nometa(ctx: Ctx, path: Path) -> None:
    m = ctx.parts("xlsx", path.name)
    wb = m["xl/workbook.xml"]
    start = wb.index(b'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                     b'relationships" name="bluestone"')
    end = wb.index(b"/>", start) + 2
    m["xl/workbook.xml"] = wb[:start] + wb[end:]
    m["docProps/custom.xml"] = F.with_dtd(m["docProps/custom.xml"], F.xxe(ctx.canary_uri),
                                          b"rp1")
    F.write_zip(path, m)


# --------------------------------------------------------------------------- identity

def _identity_case(name: str, kind: str, field_name: str, value: bytes,
                   expect: tuple[str, ...], fragment: str = "") -> None:
    fmt = Path(name).suffix.lstrip(".")

    def build(ctx: Ctx, path: Path) -> None:
        m = ctx.parts(fmt, name)
        old = {"form": b"rp1", "version": b"1.0", "instance": ctx.iid(name).encode()}[field_name]
        parts = ("docProps/custom.xml", _META) if fmt == "xlsx" else ("docProps/custom.xml",)
        for part in parts:
            m[part] = m[part].replace(b">" + old + b"<", b">" + value + b"<", 1)
        F.write_zip(path, m, stored=frozenset(parts))
    case(name, kind, expect, fragment, reader=fmt)(build)


_identity_case("unknown_form.docx", "a form id no catalog knows", "form", b"rp99", REJECTED,
               "unknown form")
_identity_case("huge_form_id.docx", "a 1 MB form id", "form", b"F" * 1_000_000, REJECTED,
               "unknown form")
_identity_case("tampered_version.xlsx", "a version that was never issued", "version", b"9.9",
               REJECTED, "no version")
_identity_case("empty_instance.docx", "the instance id removed", "instance", b"", ISSUES,
               "no instance id")
_identity_case("formula_instance.xlsx", "a formula (DDE) as the instance id", "instance",
               b"=cmd|' /C calc'!A0", READS)
_identity_case("traversal_instance.docx", "a path as the instance id", "instance",
               b"../../../../etc/passwd", READS)
_identity_case("huge_instance.xlsx", "a 1 MB instance id", "instance", b"I" * 1_000_000, REJECTED,
               "instance id")
