"""The Supervisors' Guide: its data, the content it reads from the specs, the PDF and the Word file.

The printed guide must hold every RP checklist point exactly as the RP specs word it, every step
of the four-step process and every wellbeing support option, so the tests pull the text back out
of the files (pdftotext for the PDF, word/document.xml for the .docx) and compare it with the
specs' labels and the data, whitespace-normalised.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from lxml import etree

from bluestone_forms import guide
from bluestone_forms.resources import specs_dir
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.loader import load_spec, load_spec_text
from bluestone_forms.spec.model import YesNoNAField

SEEDS = Path(__file__).resolve().parent / "data" / "seeds"
RP_IDS = [f"rp{n}" for n in range(1, 7)]
RP_POINT_COUNTS = {1: 3, 2: 7, 3: 5, 4: 5, 5: 4, 6: 8}  # FORMS.md §1: a guard on the reading
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def norm(text: str) -> str:
    """Whitespace squeezed; a line break after a hyphen, dash or slash (where a line may wrap
    inside a word) is not a space."""
    return re.sub(r"(?<=[-–—/])\s+", "", " ".join(text.split()))


def pdftotext(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", *pages, "-enc", "UTF-8", str(path), "-"],
                         check=True, capture_output=True, text=True)
    return out.stdout


def docx_paragraphs(path: Path) -> list[str]:
    """The text of every paragraph in word/document.xml (tables included), in order."""
    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"),
                                etree.XMLParser(resolve_entities=False, no_network=True))
    return ["".join(p.itertext()) for p in root.iter(f"{W}p")]


def expected_texts(g: guide.Guide) -> list[str]:
    """Everything a reader must find in the guide, read from the specs and the data."""
    catalog = Catalog.shipped()
    out = []
    for form_id in RP_IDS:
        spec = catalog.get(form_id)
        out += [f.label for f in spec.fields()
                if isinstance(f, YesNoNAField) and re.fullmatch(r"point_\d+", f.id)]
        out.append(spec.title.split(": ", 1)[1])
    out += [f"{s.name}" for s in g.data.process.steps]
    out += [s.description for s in g.data.process.steps]
    options = catalog.get("pausepoint").choice_lists["support_options"]
    out += [c.label for c in options if c.code != "other"]
    out += [*g.shared.cultural, g.shared.welfare_note, *g.pausepoint, g.shared.agree]
    out += [q for group in g.shared.als for q in group.questions]
    out += [item for item, _ in g.shared.cover]
    return out


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return guide.write_guide(tmp_path_factory.mktemp("guide"))


@pytest.fixture(scope="module")
def built() -> guide.Guide:
    return guide.build()


# --------------------------------------------------------------------------- data and content


def test_load_data_validates_the_shipped_file() -> None:
    data = guide.load_data()
    assert [s.name for s in data.process.steps] == [
        "Presenting the case", "Asking peer questions", "Ideas for a way forward",
        "Reflection and action planning",
    ]
    assert guide.data_path().parent.name == "guide"
    assert guide.data_path() not in specs_dir().glob("*.yaml")  # never read as a form spec


def test_load_data_refuses_an_unknown_key(tmp_path: Path) -> None:
    text = guide.data_path().read_text(encoding="utf-8")
    bad = tmp_path / "guide.yaml"
    bad.write_text(text.replace("how_to_use:", "how_to_uze:", 1), encoding="utf-8")
    with pytest.raises(guide.GuideError, match=r"guide\.yaml: .*how_to_uze.*Extra inputs"):
        guide.load_data(bad)


def test_load_data_refuses_bad_yaml(tmp_path: Path) -> None:
    bad = tmp_path / "guide.yaml"
    bad.write_text("document: [unclosed\n", encoding="utf-8")
    with pytest.raises(guide.GuideError, match="not valid YAML"):
        guide.load_data(bad)


def test_build_reads_points_and_stages_from_the_rp_specs(built: guide.Guide) -> None:
    assert [p.code for p in built.points] == [i.upper() for i in RP_IDS]
    for point in built.points:
        spec = Catalog.shipped().get(f"rp{point.number}")
        assert point.stage in spec.title
        labels = [" ".join(f.label.split()) for f in spec.fields()
                  if isinstance(f, YesNoNAField) and f.id.startswith("point_")]
        assert list(point.points) == labels
        assert len(point.points) == RP_POINT_COUNTS[point.number]


def test_build_reads_shared_content_and_support_options(built: guide.Guide) -> None:
    assert built.support == (
        "Employee Assistance Programme", "Occupational Health", "TRiM", "Peer support",
        "Oscar Kilo", "Mental Health First Aid",
    )
    assert [g.name for g in built.shared.als] == [
        "Aim", "Reflections", "After action review /Identifying specific recommendations",
        "Wellbeing",
    ]
    assert len(built.shared.cover) == 3
    assert len(built.shared.cultural) == 3
    assert built.pausepoint_lead.startswith("PausePoint:")
    assert len(built.pausepoint) == 4
    assert [s.seed for s, _ in built.sources] == [
        "000_01d2359642822016.txt", "001_b6a91323581473fa.txt",
    ]


def _catalog_with(form_id: str, old: str, new: str) -> Catalog:
    specs = [load_spec(specs_dir() / f"{i}.yaml") for i in [*RP_IDS, "pausepoint"] if i != form_id]
    text = (specs_dir() / f"{form_id}.yaml").read_text(encoding="utf-8")
    assert old in text
    return Catalog([*specs, load_spec_text(text.replace(old, new, 1), f"{form_id}.yaml")])


def test_build_refuses_rp_specs_that_disagree_on_shared_content() -> None:
    catalog = _catalog_with("rp4", "Learning points should be recorded for subsequent wider",
                            "Learning points must be recorded for subsequent wider")
    with pytest.raises(guide.GuideError, match=r"rp4.*cultural differs from spec 'rp1'"):
        guide.build(catalog=catalog)


def test_build_refuses_an_rp_title_without_its_stage() -> None:
    catalog = _catalog_with("rp2", 'title: "Reflective Practice Point 2:', 'title: "RP 2 -')
    with pytest.raises(guide.GuideError, match=r"spec 'rp2': title"):
        guide.build(catalog=catalog)


def test_build_refuses_a_missing_spec() -> None:
    catalog = Catalog([load_spec(specs_dir() / f"{i}.yaml") for i in RP_IDS])
    with pytest.raises(guide.GuideError, match="pausepoint"):
        guide.build(catalog=catalog)


def test_data_seed_wording_is_verbatim() -> None:
    seed0 = norm((SEEDS / "000_01d2359642822016.txt").read_text(encoding="utf-8").replace("*", ""))
    seed1 = norm((SEEDS / "001_b6a91323581473fa.txt").read_text(encoding="utf-8").replace("*", ""))
    d = guide.load_data()
    for step in d.process.steps:
        assert norm(f"{step.name} – {step.description}") in seed1
    in_seed1 = [d.document.title, d.process.intro, d.wellbeing_products, d.support_lead, d.contact]
    in_seed0 = [d.core_purpose.lead, *d.core_purpose.items, d.investigation_map,
                d.learning.question, d.learning.answer]
    for text in in_seed1:
        assert norm(text) in seed1, text
    for text in in_seed0:
        assert norm(text) in seed0, text
    for ack in d.acknowledgements:
        for line in ack.lines:
            assert norm(line) in (seed0 if ack.spec == "rp1" else seed1), line


# --------------------------------------------------------------------------- the PDF


def test_write_guide_returns_the_pdf_and_the_docx(made: tuple[Path, Path]) -> None:
    pdf, word = made
    assert (pdf.suffix, word.suffix) == (".pdf", ".docx")
    assert pdf.stat().st_size > 10_000
    assert word.stat().st_size > 10_000


def test_pdf_holds_every_point_step_and_support_option(
    made: tuple[Path, Path], built: guide.Guide
) -> None:
    text = norm(pdftotext(made[0]))
    missing = [t for t in expected_texts(built) if norm(t) not in text]
    assert not missing


def test_pdf_is_tagged_a4_in_english_with_headings(made: tuple[Path, Path]) -> None:
    with pikepdf.open(made[0]) as pdf:
        root = pdf.Root
        assert bool(root.MarkInfo.Marked) is True
        assert "/StructTreeRoot" in root
        assert str(root.Lang) == "en-GB"
        assert [round(float(x)) for x in pdf.pages[0].MediaBox] == [0, 0, 595, 842]
        tags: set[str] = set()
        stack = [root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
            elif isinstance(node, pikepdf.Dictionary):
                if "/S" in node:
                    tags.add(str(node.S))
                if "/K" in node:
                    stack.append(node.K)
        assert {"/H1", "/H2", "/H3", "/L", "/LI", "/Link"} <= tags
        assert "/Outlines" in root  # bookmarks from the headings


def test_pdf_contents_list_gives_the_right_pages(
    made: tuple[Path, Path], built: guide.Guide
) -> None:
    first = pdftotext(made[0], 1)
    assert "Contents" in first
    listed = dict(re.findall(r"^(.+?) ?\.{3,} ?(\d+)$", first, re.M))
    expected = [t for _, title, subs in built.contents() for t in [title, *(s for _, s in subs)]]
    assert [norm(t) for t in listed] == [norm(t) for t in expected]
    with pikepdf.open(made[0]) as pdf:
        pages = len(pdf.pages)
    for title, page in listed.items():
        assert 2 <= int(page) <= pages
        heading = title.split(": ", 1)[-1]  # an RP card shows its code and stage apart
        assert norm(heading) in norm(pdftotext(made[0], int(page))), (title, page)


def test_pdf_pages_carry_page_x_of_y(made: tuple[Path, Path]) -> None:
    with pikepdf.open(made[0]) as pdf:
        pages = len(pdf.pages)
    assert f"Page 2 of {pages}" in pdftotext(made[0], 2)
    assert "Page 1 of" not in pdftotext(made[0], 1)  # not on the cover


def test_guide_html_loads_nothing_but_its_stylesheet(built: guide.Guide) -> None:
    html = guide.html(built)
    assert html.startswith("<!DOCTYPE html>\n<html lang=\"en-GB\">")
    assert re.findall(r'(?:href|src)="([^"#]+)"', html) == ["guide.css"]


# --------------------------------------------------------------------------- the Word file


def test_docx_holds_every_point_step_and_support_option(
    made: tuple[Path, Path], built: guide.Guide
) -> None:
    text = norm("\n".join(docx_paragraphs(made[1])))
    missing = [t for t in expected_texts(built) if norm(t) not in text]
    assert not missing


def test_docx_has_headings_lists_tables_and_properties(
    made: tuple[Path, Path], built: guide.Guide
) -> None:
    doc = Document(str(made[1]))
    by_style: dict[str, list[str]] = {}
    for p in doc.paragraphs:
        by_style.setdefault(p.style.name if p.style else "", []).append(p.text)
    assert by_style["Heading 1"] == [built.data.document.title]
    assert by_style["Heading 2"] == [title for _, title, _ in built.contents()]
    assert {f"{p.code}: {p.stage}" for p in built.points} <= set(by_style["Heading 3"])
    assert len(by_style["List Number"]) == len(built.data.process.steps)
    assert set(built.support) <= set(by_style["List Bullet"])
    assert len(doc.tables) == len(built.points)
    for table, point in zip(doc.tables, built.points, strict=True):
        assert [r.cells[1].text for r in table.rows[1:]] == list(point.points)
    props = doc.core_properties
    assert props.title == built.data.document.title
    assert props.author
    assert props.subject
    assert props.language == "en-GB"
    width, height = doc.sections[0].page_width, doc.sections[0].page_height
    assert width is not None
    assert height is not None
    assert (round(width.mm), round(height.mm)) == (210, 297)


@pytest.mark.libreoffice
def test_docx_contents_get_page_numbers_in_libreoffice(
    made: tuple[Path, Path], built: guide.Guide, tmp_path: Path
) -> None:
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(made[1])],
        check=True, capture_output=True, timeout=180,
    )
    converted = tmp_path / "supervisors_guide.pdf"
    first = pdftotext(converted, 1)
    listed = re.findall(r"^(.+?)\.{3,}(\d+)$", first, re.M)
    assert [norm(t) for t, _ in listed] == [norm(t) for _, t, _ in built.contents()]
    numbers = [int(n) for _, n in listed]
    assert numbers == sorted(numbers)
    assert numbers[0] >= 2
    text = norm(pdftotext(converted))
    assert not [t for t in expected_texts(built) if norm(t) not in text]
