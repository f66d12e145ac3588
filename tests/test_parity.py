"""Every format says the same thing: each shipped spec (and the test specs) is generated as
Word, Excel, fillable PDF and paper, and what each generated file shows a person is read back
from the file itself (Word's XML, Excel's cells and input messages, the PDFs' text and field
options) and compared: the same questions with the same numbers, the same routing, the same
choices, the same guidance and hints, the same attribution.

Each form is generated once per test process (`made`), whichever test asks first.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pikepdf
import pytest
from lxml import etree
from strategies import specs_under_test

from bluestone_forms import formats
from bluestone_forms.answers.slots import slots
from bluestone_forms.formats.pdf import _choice as _pdf_choice
from bluestone_forms.spec.loader import load_spec
from bluestone_forms.spec.model import FormSpec
from bluestone_forms.spec.wording import Wording

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="pdftotext (poppler-utils) is not installed")

# Questions with tick limits, so "Tick at least 2" is checked in every format.
LIMITS = load_spec(Path(__file__).parent / "specs" / "ticks.yaml")
SPECS = [*specs_under_test(), LIMITS]
IDS = [s.id for s in SPECS]
FORMATS = ("docx", "xlsx", "pdf", "paper")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass
class Shown:
    """What one generated file shows: its text without any whitespace (renderers break lines
    anywhere), and each answer box's choices where the file lists them."""

    text: str
    choices: dict[str, list[str]] = field(default_factory=dict)
    prompts: dict[str, str] = field(default_factory=dict)  # Excel's input messages by slot

    def has(self, phrase: str) -> bool:
        return bare(phrase) in self.text


def bare(text: str) -> str:
    """Text without whitespace or hyphens: pdftotext joins a word broken at a line-end hyphen
    ("self-" / "assessment" comes back "selfassessment")."""
    return re.sub(r"[\s\-\u00ad]+", "", text)


def docx_shown(path: Path) -> Shown:
    texts: list[str] = []
    choices: dict[str, list[str]] = {}
    with zipfile.ZipFile(path) as z:
        parts = [n for n in z.namelist() if re.fullmatch(r"word/(document|footer\d*)\.xml", n)]
        for name in parts:
            root = etree.fromstring(z.read(name), PARSER)
            texts += ["".join(p.itertext()) for p in root.iter(f"{W}p")]
            for sdt in root.iter(f"{W}sdt"):
                tag = sdt.find(f"{W}sdtPr/{W}tag")
                items = sdt.findall(f".//{W}listItem")
                if tag is not None and items:  # the empty first item is Word's "Choose an item"
                    choices[tag.get(f"{W}val")] = [i.get(f"{W}displayText") for i in items
                                                   if i.get(f"{W}val")]
    return Shown(bare("".join(texts)), choices)


def xlsx_shown(path: Path, spec: FormSpec) -> Shown:
    wb = openpyxl.load_workbook(path)
    ws = wb["Form"]
    texts = [str(c.value) for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.row > 1 and c.column > 1]
    texts += [ws.oddHeader.left.text or "", ws.oddFooter.left.text or ""]
    cells = {n: wb.defined_names[n].attr_text.split("!")[1].replace("$", "")
             for n in wb.defined_names if n.startswith("bs_")}
    choices: dict[str, list[str]] = {}
    prompts: dict[str, str] = {}
    for s in slots(spec):
        ref = cells["bs_" + s.key]
        dv = next(d for d in ws.data_validations.dataValidation if ref in d.sqref)
        prompts[s.key] = dv.prompt or ""
        if s.kind in ("choice", "rating"):
            choices[s.key] = list_items(wb, dv.formula1)
    return Shown(bare("".join(texts)), choices, prompts)


def list_items(wb: openpyxl.Workbook, formula: str) -> list[str]:
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, cells = formula.split("!")
    return [str(c[0].value) for c in wb[sheet][cells.replace("$", "")]]


def pdf_shown(path: Path) -> Shown:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    choices: dict[str, list[str]] = {}

    def walk(f: pikepdf.Dictionary, parent: str) -> None:
        name = ".".join(p for p in (parent, str(f.get("/T", ""))) if p)
        if "/Opt" in f:  # each option [export value, shown text]; "" is no answer
            opts = [str(o[1]) if isinstance(o, pikepdf.Array) else str(o) for o in f.Opt]
            choices[name] = [o for o in opts if o]
        elif _pdf_choice.is_radio(str(f.get("/FT", "")), int(f.get("/Ff", 0))):
            choices[name] = _pdf_choice.states(f)  # the buttons' on-states, in order
            return
        for kid in f.get("/Kids", []):
            walk(kid, name)

    with pikepdf.open(path) as pdf:
        for f in pdf.Root.AcroForm.Fields if "/AcroForm" in pdf.Root else []:
            walk(f, "")
    return Shown(bare(text), choices)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Callable[[FormSpec], dict[str, Shown]]:
    """Each spec generated in every format once per process, and read back."""
    done: dict[str, dict[str, Shown]] = {}
    root = tmp_path_factory.mktemp("parity")

    def make(spec: FormSpec) -> dict[str, Shown]:
        if spec.id not in done:
            out = root / spec.id
            out.mkdir()
            docx = formats.module("docx").write(spec, out / "form.docx")
            xlsx = formats.module("xlsx").write(spec, out / "form.xlsx")
            pdf = formats.module("pdf").write(spec, out / "form.pdf")
            paper = formats.module("paper").write_paper(spec, out / "paper.pdf")
            done[spec.id] = {"docx": docx_shown(docx), "xlsx": xlsx_shown(xlsx, spec),
                             "pdf": pdf_shown(pdf), "paper": pdf_shown(paper)}
        return done[spec.id]

    return make


def missing(shown: dict[str, Shown], phrases: list[str]) -> dict[str, list[str]]:
    """Per format, the phrases its file does not show (empty lists left out)."""
    gaps = {fmt: [p for p in phrases if not shown[fmt].has(p)] for fmt in FORMATS}
    return {fmt: gap for fmt, gap in gaps.items() if gap}


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_parity_every_format_numbers_the_same_questions(
        spec: FormSpec, made: Callable[[FormSpec], dict[str, Shown]]) -> None:
    words = Wording(spec)
    headings = [words.heading(f, marker=False) for f in spec.answerable()]
    assert missing(made(spec), headings) == {}
    numbers = [words.number(f) for f in spec.answerable()]
    assert len(set(numbers)) == len(numbers)


def test_parity_criteria_keep_their_own_numbers(
        made: Callable[[FormSpec], dict[str, Shown]]) -> None:
    spec = next(s for s in SPECS if s.id == "ld_self_assessment")
    c17 = spec.field("c17_rating")
    shown = made(spec)
    for fmt in FORMATS:
        assert shown[fmt].has(f"Q17.1 {c17.label}"), fmt
        assert not shown[fmt].has("Q85"), fmt


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_parity_every_format_shows_the_same_routing(
        spec: FormSpec, made: Callable[[FormSpec], dict[str, Shown]]) -> None:
    words = Wording(spec)
    rules = {f.id: words.answer_if(f) for f in spec.answerable() if words.answer_if(f)}
    shown = made(spec)
    assert missing(shown, list(rules.values())) == {}
    for s in slots(spec):  # and on the Excel answer cell itself
        if s.field.id in rules:
            assert bare(rules[s.field.id][:150]) in bare(shown["xlsx"].prompts[s.key]), s.key


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_parity_every_format_offers_the_same_choices(
        spec: FormSpec, made: Callable[[FormSpec], dict[str, Shown]]) -> None:
    shown = made(spec)
    for s in slots(spec):
        if s.kind in ("choice", "rating"):
            lists = {fmt: shown[fmt].choices.get(s.key) for fmt in ("docx", "xlsx", "pdf")}
            assert lists["docx"], s.key
            radio = _pdf_choice.state_names(s)  # a radio button's on-state per option text
            assert lists["pdf"] in (lists["docx"], [radio[t] for t in lists["docx"]]), s.key
            assert lists["xlsx"] == lists["docx"], s.key
            labels = [o.label for o in s.options]
            assert missing({**shown, "docx": shown["paper"], "xlsx": shown["paper"],
                            "pdf": shown["paper"]}, labels) == {}, s.key
        elif s.kind == "flag":  # a tick box per option of a select-many question
            assert missing(shown, [s.options[0].label]) == {}, s.key


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_parity_every_format_gives_the_same_guidance_and_hints(
        spec: FormSpec, made: Callable[[FormSpec], dict[str, Shown]]) -> None:
    words = Wording(spec)
    texts = [t for f in spec.answerable() for t in (*words.hints(f), *words.guidance(f))]
    assert missing(made(spec), texts) == {}


def test_parity_tick_limits_are_worded_alike(
        made: Callable[[FormSpec], dict[str, Shown]]) -> None:
    shown = made(LIMITS)
    assert missing(shown, ["Tick at least 2.", "Tick up to 2.", "Tick between 1 and 2.",
                           "Tick 2."]) == {}
    for fmt in FORMATS:  # only the question without limits says "Tick all that apply"
        assert shown[fmt].text.count(bare("Tick all that apply.")) == 1, fmt


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_parity_every_format_carries_the_same_attribution(
        spec: FormSpec, made: Callable[[FormSpec], dict[str, Shown]]) -> None:
    credit = Wording(spec).attribution()
    shown = made(spec)
    if not spec.source.licence:
        assert credit == ""
        return
    assert spec.source.url
    assert spec.source.url in credit
    assert missing(shown, [credit]) == {}


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_parity_every_format_says_tick_one_by_each_single_choice(
        spec: FormSpec, made: Callable[[FormSpec], dict[str, Shown]]) -> None:
    """The choice instruction of a single choice ("Tick one.": radio buttons in the PDF, a
    drop-down in Word and Excel, tick boxes on paper) is printed once per such question, in
    every format: no format leaves it out, none prints it twice."""
    words = Wording(spec)
    ones = [f for f in spec.answerable() if words.tick_one(f)]
    shown = made(spec)
    counts = {fmt: shown[fmt].text.count(bare(words.phrase("tick_one"))) for fmt in FORMATS}
    assert counts == dict.fromkeys(FORMATS, len(ones))
    assert all(words.tick_one(f) in words.hints(f) for f in ones)
