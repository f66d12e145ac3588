"""PDF/UA-1, rule by rule, on every PDF the toolkit writes: the fillable form and the paper
form of every shipped spec (and the test specs), the collated report and the guide.

Each rule is read from the file with pikepdf: table headers with /Scope; furniture (marking,
identity footer, "Page x of y") as artifacts, proved by printing the page without its
artifacts (furniture gone) and without its tagged content (furniture still there); form
fields in Form elements with an OBJR and a tooltip naming the question; lists L → LI →
(Lbl, LBody); links flagged for print in Link elements. The claim (pdfuaid:part) is there
exactly where the rules hold, and removed where one does not.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
import pytest
from formcache import form as cached_form
from strategies import specs_under_test

from bluestone_forms import api, guide, pdf_ua
from bluestone_forms.answers.slots import slot_map
from bluestone_forms.formats import pdf as pdf_format
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.model import FormSpec

SPECS = specs_under_test()
IDS = [s.id for s in SPECS]
SINK = next(s for s in SPECS if s.id == "kitchen_sink")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="pdftotext (poppler-utils) is not installed")


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> Callable[[FormSpec], tuple[Path, Path]]:
    """Each spec's fillable and paper form, rendered once for the module."""
    folder = tmp_path_factory.mktemp("ua-forms")
    made: dict[str, tuple[Path, Path]] = {}

    def get(spec: FormSpec) -> tuple[Path, Path]:
        if spec.id not in made:
            # the same blank forms test_pdf checks (made once a run: tests/formcache.py)
            form = cached_form(spec, "pdf", folder / f"{spec.id}.pdf",
                               instance_id=f"inst-{spec.id}")
            paper = cached_form(spec, "paper", folder / f"{spec.id}-paper.pdf", instance_id="ua")
            made[spec.id] = (form, paper)
        return made[spec.id]

    return get


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The guide, and the report of a collation of a few filled forms."""
    folder = tmp_path_factory.mktemp("ua-docs")
    out = {"guide": next(p for p in guide.write_guide(folder / "guide") if p.suffix == ".pdf")}
    returns = folder / "returns"
    rng = random.Random(15)
    for spec in (s for s in SPECS if s.id in ("rp1", "case_review", "pausepoint")):
        template = cached_form(spec, "pdf", folder / f"{spec.id}.pdf",
                               instance_id=f"inst-{spec.id}")
        for n in range(2):
            pdf_format.fill(template, sample_values(spec, rng), returns / f"{spec.id}-{n}.pdf",
                            instance_id=f"{spec.id}-{n}")
    api.collate([returns], folder / "collated")
    out["report"] = folder / "collated" / "bluestone-report.pdf"
    return out


def _all(forms: Callable[[FormSpec], tuple[Path, Path]],
         documents: dict[str, Path]) -> Iterator[tuple[str, Path]]:
    for spec in SPECS:
        form, paper = forms(spec)
        yield f"{spec.id} form", form
        yield f"{spec.id} paper", paper
    yield from documents.items()


def _elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return list(pdf_ua.elements(pdf))


# ----------------------------------------------------------------- the rules, one by one


def test_ua_table_headers_have_scope(forms: Callable[[FormSpec], tuple[Path, Path]],
                                     documents: dict[str, Path]) -> None:
    seen = 0
    for name, path in _all(forms, documents):
        with pikepdf.open(path) as pdf:
            for e in _elements(pdf):
                if e.S != pikepdf.Name.TH:
                    continue
                seen += 1
                attrs = e.A if isinstance(e.A, pikepdf.Array) else [e.A]
                scopes = [a.Scope for a in attrs if "/Scope" in a]
                assert scopes in ([pikepdf.Name.Column], [pikepdf.Name.Row]), name
                row = e.P
                head = str(row.P.S) == "/THead"
                assert (scopes[0] == pikepdf.Name.Column) == (
                    head or all(c.S == pikepdf.Name.TH for c in row.K)), name
    assert seen > 20  # the kitchen sink's tables (both forms) and the report's


def _without(path: Path, out: Path, *, artifacts: bool) -> str:
    """The page text once either the artifacts or the tagged content are left out."""
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            kept: list[pikepdf.ContentStreamInstruction] = []
            depth, drop = 0, 0
            for operands, op in pikepdf.parse_content_stream(page):
                name = str(op)
                if name in ("BDC", "BMC"):
                    depth += 1
                    is_artifact = operands[0] == pikepdf.Name.Artifact
                    if not drop and is_artifact == artifacts:
                        drop = depth
                    if drop:
                        continue
                elif name == "EMC":
                    if drop:
                        if drop == depth:
                            drop = 0
                        depth -= 1
                        continue
                    depth -= 1
                elif drop and name in ("Tj", "TJ", "'", '"'):
                    continue
                kept.append(pikepdf.ContentStreamInstruction(operands, op))
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(kept))
        pdf.save(out)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], check=True,
                          capture_output=True, text=True).stdout


@needs_poppler
@pytest.mark.parametrize("spec", [s for s in SPECS if s.id in ("pausepoint", "kitchen_sink")],
                         ids=["pausepoint", "kitchen_sink"])
def test_ua_furniture_is_artifact(spec: FormSpec, forms: Callable[[FormSpec], tuple[Path, Path]],
                                  tmp_path: Path) -> None:
    """Marking, identity and "Page x of y" are artifacts: gone when the artifacts are left
    out, still there when the tagged content is."""
    for path in forms(spec):
        with pikepdf.open(path) as pdf:
            pages = len(pdf.pages)
        content = _without(path, tmp_path / "content.pdf", artifacts=True)
        furniture = _without(path, tmp_path / "furniture.pdf", artifacts=False)
        assert re.findall(r"Page \d+ of \d+", furniture) == [
            f"Page {n} of {pages}" for n in range(1, pages + 1)]
        assert "Page 1 of" not in content
        assert furniture.count(spec.protective_marking) >= 2 * pages
        assert content.count(spec.protective_marking) < pages  # not on every page as content
        assert f"{spec.id} v{spec.version}" in " ".join(furniture.split())
        assert f"{spec.id} v{spec.version}" not in " ".join(content.split())


def test_ua_form_fields_tagged_with_tooltips(
        forms: Callable[[FormSpec], tuple[Path, Path]]) -> None:
    for spec in SPECS:
        path = forms(spec)[0]
        by_key = slot_map(spec)
        with pikepdf.open(path) as pdf:
            holders = {k.Obj.objgen: e for e in _elements(pdf) for k in pdf_ua._kids(e)
                       if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"}
            widgets = [a for p in pdf.pages for a in p.Annots if a.Subtype == "/Widget"]
            assert widgets, spec.id
            for w in widgets:
                assert str(holders[w.objgen].S) == "/Form", spec.id
                field = w if "/T" in w else w.Parent
                name = []
                node = field
                while node is not None:
                    name.insert(0, str(node.T))
                    node = node.get("/Parent")
                assert str(field.TU).startswith(by_key[".".join(name)].label), spec.id
                assert int(w.F) & pdf_ua.PRINT


def test_ua_lists_are_items_with_label_and_body(
        forms: Callable[[FormSpec], tuple[Path, Path]], documents: dict[str, Path]) -> None:
    lists = 0
    for name, path in _all(forms, documents):
        with pikepdf.open(path) as pdf:
            for e in _elements(pdf):
                kids = [k for k in pdf_ua._kids(e) if isinstance(k, pikepdf.Dictionary)
                        and "/S" in k]
                if e.S == pikepdf.Name.L:
                    lists += 1
                    assert kids, name
                    assert {str(k.S) for k in kids} <= {"/LI", "/Caption"}, name
                    assert len(kids) == len(pdf_ua._kids(e)), name
                if e.S == pikepdf.Name.LI:
                    assert kids, name
                    assert {str(k.S) for k in kids} <= {"/Lbl", "/LBody"}, name
                if e.S in (pikepdf.Name.Lbl, pikepdf.Name.LBody):
                    assert e.P.S == pikepdf.Name.LI, name
                if e.S not in (pikepdf.Name.TD, pikepdf.Name.TH):
                    assert pdf_ua._kids(e), f"{name}: an empty {e.S} element"
    assert lists > 30  # the paper forms' tick lists and the guide's lists


def test_ua_links_printable_and_tagged(documents: dict[str, Path]) -> None:
    with pikepdf.open(documents["guide"]) as pdf:
        holders = {k.Obj.objgen: e for e in _elements(pdf) for k in pdf_ua._kids(e)
                   if isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/OBJR"}
        links = [a for p in pdf.pages for a in p.get("/Annots", []) if a.Subtype == "/Link"]
        assert len(links) >= 40
        for link in links:
            assert int(link.F) & 4
            assert str(holders[link.objgen].S) == "/Link"
            assert "/StructParent" in link


# ----------------------------------------------------------------- the claim


def test_ua_claim_on_every_pdf_where_every_check_passes(
        forms: Callable[[FormSpec], tuple[Path, Path]], documents: dict[str, Path]) -> None:
    outputs = list(_all(forms, documents))
    assert len(outputs) == 2 * len(SPECS) + 2
    for name, path in outputs:
        with pikepdf.open(path) as pdf:
            assert pdf_ua.check(pdf) == [], name
            assert pdf_ua.claims(pdf), name
            assert pdf.Root.MarkInfo.Marked is True, name
            assert str(pdf.Root.Lang), name


def test_ua_claim_removed_when_a_check_fails(
        forms: Callable[[FormSpec], tuple[Path, Path]], tmp_path: Path) -> None:
    """A field without a tooltip cannot be mended: the claim goes, the rest stays."""
    with pikepdf.open(forms(SINK)[0]) as pdf:
        assert pdf_ua.claims(pdf)
        widget = next(a for a in pdf.pages[0].Annots if a.Subtype == "/Widget")
        field = widget if "/T" in widget else widget.Parent
        del field["/TU"]
        problems = pdf_ua.finish(pdf)
        assert problems == ["page 1: a form field without a tooltip (/TU)"]
        assert not pdf_ua.claims(pdf)
        pdf.save(tmp_path / "no-claim.pdf")
    with pikepdf.open(tmp_path / "no-claim.pdf") as pdf:
        xmp = pdf.Root.Metadata.read_bytes()
        assert b"pdfuaid" not in xmp.replace(b'xmlns:pdfuaid="', b"")
        assert b"bluestone" in xmp  # the identity metadata is kept


def test_ua_mend_fixes_what_weasyprint_leaves(tmp_path: Path) -> None:
    """WeasyPrint's own pdf/ua-1 output breaks each rule; `mend` puts each right."""
    from bluestone_forms import render

    html = ('<html lang="en-GB"><head><title>t</title><style>@page { @bottom-center { '
            'content: "Page " counter(page) } } .m { position: running(m) } '
            '@page { @top-center { content: element(m) } }</style></head><body>'
            '<div class="m">OFFICIAL</div><table><thead><tr><th>A</th><th>B</th></tr>'
            '</thead><tbody><tr><th scope="row">1</th><td>x</td></tr></tbody></table>'
            '<ul><li>one<ul><li>inner</li></ul></li></ul><p><a href="https://x.invalid/">'
            'link</a></p></body></html>')
    buf = tmp_path / "raw.pdf"
    render.html_document(html).write_pdf(buf, pdf_variant="pdf/ua-1")
    with pikepdf.open(buf) as pdf:
        before = pdf_ua.check(pdf)
        assert any("TH" in p for p in before)
        assert any("artifact" in p for p in before)
        assert any("Print flag" in p for p in before)
        assert any("list (L)" in p for p in before)
        pdf_ua.mend(pdf)
        assert pdf_ua.check(pdf) == []
