"""The toolkit's own words in Welsh: the cy wording table is complete, really Welsh, and is what
a Welsh form says in every format."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from form_text import form_text
from openpyxl import load_workbook

from bluestone_forms import formats
from bluestone_forms.spec import expr
from bluestone_forms.spec.loader import load_spec
from bluestone_forms.spec.wording import EN, PLACEHOLDERS, Wording
from bluestone_forms.spec.wording_cy import CY, CY_PLACEHOLDERS, SAME_AS_ENGLISH

SPEC = load_spec(Path(__file__).parent / "specs" / "welsh.yaml", "cy")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize(("en", "cy"), [(EN, CY), (PLACEHOLDERS, CY_PLACEHOLDERS)])
def test_welsh_wording_table_has_every_phrase_in_welsh(en: dict[str, str],
                                                       cy: dict[str, str]) -> None:
    assert set(cy) == set(en)
    same = {k for k in en if cy[k] == en[k]}
    assert same <= SAME_AS_ENGLISH, f"still English: {sorted(same - SAME_AS_ENGLISH)}"
    for key in en:  # the same blanks to fill in, so every phrase formats in both languages
        assert _fields(cy[key]) == _fields(en[key]), key


def test_welsh_wording_uses_the_terms_of_public_bodies_in_wales() -> None:
    words = Wording(SPEC)
    assert words.required() == "(gofynnol)"
    assert words.phrase("tick_one") == "Ticiwch un."
    assert words.page(1, 2) == "Tudalen 1 o 2"
    assert [words.phrase(k) for k in ("name", "signature", "date")] == [
        "Enw", "Llofnod", "Dyddiad"]
    assert words.marking() == "SWYDDOGOL-SENSITIF"
    assert words.number(SPEC.field("officer")) == "C1"
    assert [c.label for c in SPEC.options(SPEC.field("welfare_raised"))] == ["Ie", "Na"]


@pytest.mark.parametrize(("rule", "welsh"), [
    ("a == 'yes'", "os mai “Ie” yw'r ateb i “A”"),
    ("a != 'no' and b", "os nad “Na” yw'r ateb i “A” ac os atebwyd “B”"),
    ("'x' in m or n >= 3", "os dewiswyd “X” yn “M” neu os yw “N” yn “3” neu fwy"),
    ("'x' not in m", "os na ddewiswyd “X” yn “M”"),
    ("n < 2", "os yw “N” yn llai na “2”"),
    ("not (a == 'yes')", "oni bai (os mai “Ie” yw'r ateb i “A”)"),
])
def test_welsh_wording_routing_rules_in_welsh(rule: str, welsh: str) -> None:
    labels = {"yes": "Ie", "no": "Na", "x": "X"}
    said = expr.describe(expr.parse(rule), str.upper, lambda _f, code: labels.get(code, code), CY)
    assert said == welsh
    assert expr.describe(expr.parse("a == 'yes'"), str.upper, lambda _f, c: c) == "“A” is “yes”"


def _english_phrases() -> set[str]:
    """The words of every English phrase, between its blanks (4 letters or more)."""
    out = set()
    for table in (EN, PLACEHOLDERS):
        for text in table.values():
            for part in re.split(r"\{[^}]*\}", text):
                out.update(re.findall(r"[A-Za-z][A-Za-z' -]{2,}[A-Za-z]", part))
    return out


@pytest.mark.parametrize("fmt", [*formats.WRITERS, "register"])
def test_welsh_form_prints_no_english_toolkit_phrase(tmp_path: Path, fmt: str) -> None:
    """A form whose spec texts are all Welsh: any English on it would be the toolkit's. The
    identity line ("Form id v1.0 · instance …") is the same in every language: readers find a
    return by it."""
    path = tmp_path / f"f{formats.EXTENSIONS.get(fmt, '.xlsx')}"
    if fmt == "register":
        formats.module("xlsx").write(SPEC, path, layout="register")
    elif fmt == "paper":
        formats.module("paper").write_paper(SPEC, path)
    else:
        formats.module(fmt).write(SPEC, path)
    text = re.sub(r"Form \S+ v[\d.]+ · instance [-0-9a-f]+", "",
                  form_text(path, "xlsx" if fmt == "register" else fmt))
    for welsh in ("Enw'r swyddog", "SWYDDOGOL-SENSITIF", *(() if fmt == "register" else (
            "C1 Enw'r swyddog", "(gofynnol)", "Atebwch os mai “Ie” yw'r ateb i",
            "Ticiwch bob un sy'n berthnasol.", "Ticiwch un."))):
        assert welsh in text, welsh
    english = [w for w in _english_phrases()
               if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE)]
    assert english == []


def test_welsh_wording_names_the_open_government_licence_in_welsh() -> None:
    ogl = SPEC.source.model_copy(update={"licence": "Open Government Licence v3.0"})
    words = Wording(SPEC.model_copy(update={"source": ogl}))
    assert "Trwydded: Trwydded Llywodraeth Agored v3.0." in words.attribution()
    assert "Open Government" not in words.attribution()


@pytest.mark.parametrize(("lang", "error", "prompt"), [
    ("cy", "Disgwylir rhif cyfan o 0 i 200.", "Rhif cyfan o 0 i 200."),
    ("cy+en", "Disgwylir rhif cyfan o 0 i 200. / Expected a whole number from 0 to 200.",
     "Rhif cyfan o 0 i 200. / A whole number from 0 to 200."),
    ("en", "Expected a whole number from 0 to 200.", "A whole number from 0 to 200."),
])
def test_welsh_excel_error_alerts_and_input_messages_are_worded_per_language(
        tmp_path: Path, lang: str, error: str, prompt: str) -> None:
    """Each language's own sentence, never one language's words inside the other's."""
    spec = load_spec(Path(__file__).parent / "specs" / "welsh.yaml", lang)
    path = formats.module("xlsx").write(spec, tmp_path / "f.xlsx")
    ws = load_workbook(path)["Form"]
    (dv,) = [d for d in ws.data_validations.dataValidation if d.type == "whole"]
    assert (dv.error, dv.prompt) == (error, prompt)
    assert dv.errorTitle.startswith({"en": "Not accepted: Open cases"}.get(
        lang, "Heb ei dderbyn: Achosion agored"))
