"""The translation round trip: export a workbook, fill it as a translator, import it, and get a
Welsh and a bilingual form in every format that reads back."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from form_text import form_text
from openpyxl import load_workbook
from welsh_rp1 import TEST_MARK, WELSH, fill_workbook

from bluestone_forms import formats
from bluestone_forms.answers.validate import validate
from bluestone_forms.cli import main
from bluestone_forms.errors import SpecError
from bluestone_forms.formats import row_height
from bluestone_forms.resources import specs_dir
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.loader import load_spec
from bluestone_forms.spec.texts import form_texts
from bluestone_forms.spec.translate import export_workbook, import_workbook, raw_spec

RP1 = specs_dir() / "rp1.yaml"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_translate_generate_in_welsh_names_the_missing_texts_and_the_command() -> None:
    code, _, err = run("generate", "rp1", "--lang", "cy", "-o", "output/never")
    assert code == 1
    assert "no Welsh (cy) text for 116 of 116 texts (form.title, form.description, " in err
    assert "start a translation with: bluestone-forms translate export rp1 --lang cy" in err
    assert not Path("output/never").exists()


def test_translate_export_is_a_workbook_a_translator_fills(tmp_path: Path) -> None:
    out, total, done = export_workbook(RP1, "cy", tmp_path / "rp1-cy.xlsx")
    data, _ = raw_spec(RP1)
    assert (total, done) == (len(form_texts(data)), 0)
    ws = load_workbook(out)["Translate"]
    assert [c.value for c in ws[1]] == ["Key", "Kind of text", "Question", "English text",
                                        "Limit", "Welsh (cy)"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert len(rows) == total
    crime = rows["field.crime_ref.label"]
    assert [c.value for c in crime[1:5]] == ["question", "Q1 Crime reference",
                                             "Crime reference", None]
    assert rows["form.title"][4].value == 255  # the Word title property holds 255
    assert rows["choices.attendees.others"][2].value.startswith("answer in list 'attendees' (Q5")
    assert rows["field.point_1_notes.label"][2].value == "Q8 Notes"
    assert ws.protection.sheet
    for r in ws.iter_rows(min_row=2):
        assert [c.protection.locked for c in r] == [True] * 5 + [False]
        height = ws.row_dimensions[r[0].row].height
        widths = [ws.column_dimensions[c.column_letter].width for c in r]
        need = max(row_height(str(c.value or ""), w) for c, w in zip(r, widths, strict=True))
        assert height is not None
        assert height >= need, r[0].value


def test_translate_import_lists_missing_and_stale_texts(tmp_path: Path) -> None:
    book = fill_workbook(export_workbook(RP1, "cy", tmp_path / "w.xlsx")[0], keep=10)
    wb = load_workbook(book)
    wb["Translate"].cell(3, 4).value = "An English text since changed"  # form.description
    wb.save(book)
    done = import_workbook(RP1, book, tmp_path / "rp1-cy.yaml")
    assert done.stale == ["form.description"]
    assert done.translated == 9
    assert len(done.missing) == done.total - 9
    assert done.missing[0].key == "form.description"
    with pytest.raises(SpecError, match=r"no Welsh \(cy\) text for 107 of 116 texts"):
        load_spec(done.path, "cy")
    english = load_spec(done.path)  # the English copy is as before
    assert english.title == load_spec(RP1).title


@pytest.fixture(scope="module")
def translated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("tr")
    book = fill_workbook(export_workbook(RP1, "cy", tmp / "rp1-cy.xlsx")[0])
    code, out, err = run("translate", "import", "rp1", str(book), "-o", str(tmp / "rp1.yaml"))
    assert (code, err) == (0, "")
    assert out.strip().endswith("116 of 116 texts translated")
    return tmp / "rp1.yaml"


def test_translate_import_keeps_the_spec_readable(translated: Path) -> None:
    text = translated.read_text(encoding="utf-8")
    assert text.startswith("# rp1: Reflective Practice checklist\n")
    assert "languages:\n  - en\n  - cy\n" in text
    assert "label:\n          en: Crime reference\n          cy: Cyfeirnod trosedd\n" in text
    assert load_spec(translated, "cy").title == WELSH["form.title"]


WELSH_WORDS = ("(gofynnol)", "Atebwch os mai “Ie", "SWYDDOGOL-SENSITIF", "C1 Cyfeirnod trosedd")


@pytest.mark.parametrize("fmt", formats.WRITERS)
def test_translate_bilingual_form_reads_back_in_every_format(
    translated: Path, tmp_path: Path, fmt: str,
) -> None:
    """A cy+en rp1: Welsh first, then the English; the Welsh wording table on it; filled in
    and read back to the same valid record (paper: printed in both languages)."""
    spec = load_spec(translated, "cy+en")
    catalog = Catalog([load_spec(translated)])
    mod = formats.module(fmt)
    path = tmp_path / f"rp1{formats.EXTENSIONS[fmt]}"
    (mod.write_paper if fmt == "paper" else mod.write)(spec, path)
    text = form_text(path, fmt)
    for words in (*WELSH_WORDS, "Cyfeirnod trosedd / Crime reference", "Themâu ar gyfer DPP"):
        assert words in text, words
    assert text.index("Manylion yr achos") < text.index("Case details")
    assert TEST_MARK + "Case and victim needs" in text
    if fmt == "paper":
        return
    vals = sample_values(spec, random.Random(15), crime_ref="Tŷ Dŵr 2026/15",
                         attendees=["supervisor", "others"], welfare_raised="yes")
    filled = mod.fill(path, vals, tmp_path / f"filled{formats.EXTENSIONS[fmt]}", spec=spec)
    result = formats.read(filled, catalog=catalog)
    assert result.issues == []
    record = result.records[0]
    assert record.values == vals
    assert validate(record, catalog.get("rp1")) == []


def test_translate_welsh_only_form_has_the_welsh_wording(translated: Path, tmp_path: Path) -> None:
    spec = load_spec(translated, "cy")
    path = formats.module("pdf").write(spec, tmp_path / "rp1.pdf")
    text = form_text(path, "pdf")
    for words in WELSH_WORDS:
        assert words in text
    for english in ("(required)", "Answer if", "OFFICIAL-SENSITIVE", "Crime reference"):
        assert english not in text
