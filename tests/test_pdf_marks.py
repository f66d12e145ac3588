"""The BDC scanner against pikepdf's own parse of the same content streams, its refusals, and
the pikepdf path taken where it refuses."""

from __future__ import annotations

import io

import pikepdf
import pytest

from bluestone_forms import pdf_marks, render

PAGE = ('<html lang="en-GB"><head><title>t</title><style>@page { @bottom-center { '
        'content: "Page " counter(page) } }</style></head><body><h1>Title (with) \\ marks</h1>'
        '<table><tr><th>A</th><td>x</td></tr></table>'
        + "".join(f"<p>Paragraph {i} BDC (not an operator)</p>" for i in range(60))
        + "</body></html>")


def _parsed(data: bytes) -> list[tuple[bytes, int | None]]:
    """(tag, MCID) of each BDC, as pikepdf parses the stream."""
    out: list[tuple[bytes, int | None]] = []
    with pikepdf.new() as pdf:
        ops = list(pikepdf.parse_content_stream(pdf.make_stream(data)))
    for operands, op in ops:
        if str(op) == "BDC":
            props = operands[1]
            mcid = props.get("/MCID") if isinstance(props, pikepdf.Dictionary) else None
            out.append((str(operands[0])[1:].encode(), None if mcid is None else int(mcid)))
    return out


def _scanned(data: bytes) -> list[tuple[bytes, int | None]]:
    found = pdf_marks.marks(data)
    assert found is not None
    return [(m.tag, m.mcid) for m in found]


def test_marks_agree_with_pikepdf_on_weasyprint_streams() -> None:
    buf = io.BytesIO()
    render.html_document(PAGE).write_pdf(buf, pdf_variant="pdf/ua-1")
    with pikepdf.open(buf) as pdf:
        datas = [s.read_bytes() for page in pdf.pages for s in pdf_marks.streams(page)]
    assert len(datas) >= 2
    counted = 0
    for data in datas:
        assert _scanned(data) == _parsed(data)
        counted += len(_parsed(data))
    assert counted > 60


@pytest.mark.parametrize("data", [
    b"BT (a (nested) \\) BDC) Tj ET /P <</MCID 3>> BDC (x) Tj EMC",
    b"<4244 43> Tj % a comment: /P <</MCID 9>> BDC\n/Span<</MCID 12>>BDC EMC",
    b"/P <</MCID 4>> BDC [<0BDC> 3 <00BD 0B1>] TJ EMC",
    b"/Artifact <</Type /Pagination>> BDC EMC /P /MC0 BDC EMC /BI 1 Tf",
    b"/P <<>> BDC EMC /Figure <</MCID 0 /Lang /en>> BDC EMC",
])
def test_marks_step_over_strings_comments_and_names(data: bytes) -> None:
    assert _scanned(data) == _parsed(data)


@pytest.mark.parametrize("data", [
    b"q BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI Q /P <</MCID 1>> BDC EMC",
    b"/Span <</ActualText (x) /MCID 2>> BDC EMC",
    b"/Span <</MCID 2 /D <</X 1>> >> BDC EMC",
])
def test_marks_refuse_what_they_cannot_be_sure_of(data: bytes) -> None:
    assert pdf_marks.marks(data) is None


def test_as_artifacts_remarks_only_the_loose() -> None:
    data = b"/P <</MCID 0>> BDC (a) Tj EMC\n/P <</MCID 1>> BDC (b) Tj EMC"
    found = pdf_marks.marks(data)
    assert found is not None
    out = pdf_marks.as_artifacts(data, [found[1]])
    assert _parsed(out) == [(b"P", 0), (b"Artifact", None)]


@pytest.mark.parametrize("inline_image", [False, True], ids=["scanned", "parsed"])
def test_loose_finds_and_remarks_the_same_either_way(inline_image: bool) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    image = b"q BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI Q\n" if inline_image else b""
    stream = pdf.make_stream(image + b"/P <</MCID 0>> BDC EMC /P <</MCID 1>> BDC EMC "
                             b"/P /MC0 BDC EMC /Artifact BMC EMC")
    page.obj.Contents = stream
    assert (pdf_marks.marks(stream.read_bytes()) is None) == inline_image
    tagged = {(page.obj.objgen, 0)}
    assert pdf_marks.loose(page, stream, tagged) == [1, None]
    assert pdf_marks.loose(page, stream, tagged, mend=True) == [1, None]
    assert [t for t, _ in _parsed(stream.read_bytes())] == [b"P", b"Artifact", b"P"]
    assert pdf_marks.loose(page, stream, tagged) == [None]
