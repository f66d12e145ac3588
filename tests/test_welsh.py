"""Welsh and bilingual forms: every format round-trips whatever language it was printed in."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from strategies import record_values

from bluestone_forms import formats
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.loader import load_spec

SPEC_FILE = Path(__file__).parent / "specs" / "welsh.yaml"
DEFAULT = load_spec(SPEC_FILE)
CATALOG = Catalog([DEFAULT])


@pytest.mark.parametrize("lang", ["cy", "cy+en", "en+cy"])
@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_welsh_spec_roundtrips_in_every_format(tmp_path: Path, fmt: str, lang: str) -> None:
    spec = load_spec(SPEC_FILE, lang)
    mod = formats.module(fmt)
    template = mod.write(spec, tmp_path / f"t{formats.EXTENSIONS[fmt]}")

    @settings(max_examples=5)
    @given(record_values(spec))
    def check(vals: dict[str, Any]) -> None:
        out = tmp_path / f"filled{formats.EXTENSIONS[fmt]}"
        mod.fill(template, vals, out, spec=spec)
        result = formats.read(out, catalog=CATALOG)
        assert result.issues == []
        assert result.records[0].values == vals

    check()


def test_welsh_labels_are_in_the_chosen_language() -> None:
    cy = load_spec(SPEC_FILE, "cy")
    assert cy.title == "Sesiwn les"
    assert cy.field("officer").label == "Enw'r swyddog"
    assert [c.label for c in cy.options(cy.field("welfare_raised"))] == ["Ie", "Na"]
    both = load_spec(SPEC_FILE, "cy+en")
    assert both.field("officer").label == "Enw'r swyddog / Officer's name"


def test_welsh_bilingual_paper_form_shows_both_languages(tmp_path: Path) -> None:
    spec = load_spec(SPEC_FILE, "cy+en")
    pdf = formats.module("paper").write_paper(spec, tmp_path / "paper.pdf")
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    for en, cy in [("Officer's name", "Enw'r swyddog"), ("Support offered", "Cymorth a gynigiwyd"),
                   ("Occupational Health", "Iechyd Galwedigaethol"),
                   ("This record is confidential.", "Mae'r cofnod hwn yn gyfrinachol.")]:
        assert en in text
        assert cy in text


@pytest.mark.parametrize(("lang", "tag"), [("cy", "cy-GB"), ("cy+en", "cy-GB"), ("en", "en-GB")])
def test_welsh_documents_carry_the_language_they_are_printed_in(
    tmp_path: Path, lang: str, tag: str,
) -> None:
    """Screen readers pick their voice by the document's language; spelling checks too."""
    import zipfile

    import pikepdf

    spec = load_spec(SPEC_FILE, lang)
    pdf = formats.module("pdf").write(spec, tmp_path / "f.pdf")
    paper = formats.module("paper").write_paper(spec, tmp_path / "p.pdf")
    for path in (pdf, paper):
        with pikepdf.open(path) as doc:
            assert str(doc.Root.Lang) == tag
    docx = formats.module("docx").write(spec, tmp_path / "f.docx")
    with zipfile.ZipFile(docx) as z:
        styles = z.read("word/styles.xml").decode()
    assert f'w:lang w:val="{tag}"' in styles
