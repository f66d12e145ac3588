"""Real clients typing into the Word form: LibreOffice Writer's own key events.

One soffice (tests/realclient/writer_driver.py, run by Debian's python3-uno) opens the
generated Word form of each spec, clicks every answer box (its placeholder selected) and
types into it with the UI-test service's TYPE action: plain typing, Enter, Shift+Enter, and
text pasted from the clipboard; it ticks tick boxes; then saves as .docx. Every answer must
read back exactly. No answer is tidied up or flag cleared between typing and reading.

The specs: rp1, case_review, statutory_review_quality and ld_self_assessment (between them
every field type a shipped spec uses), and the test spec kitchen_sink for `decimal` and
`time`, which no shipped spec uses.
"""

from __future__ import annotations

import copy
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from realclient import harness
from realclient.plans import plan
from strategies import specs_under_test

from bluestone_forms.answers.records import flatten
from bluestone_forms.answers.slots import slots
from bluestone_forms.formats import docx
from bluestone_forms.formats.ooxml import wordml as X
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.model import FormSpec

pytestmark = pytest.mark.slow  # LibreOffice typing: left out of the quick lane

SPECS = {s.id: s for s in specs_under_test()}
CATALOG = Catalog(list(SPECS.values()))
SHIPPED = ("rp1", "case_review", "statutory_review_quality", "ld_self_assessment")
TYPED = (*SHIPPED, "kitchen_sink")


def _field_types(spec: FormSpec) -> set[str]:
    return {f.type for section in spec.sections for f in section.fields}


def test_the_typed_specs_cover_every_field_type() -> None:
    """Every field type of any shipped spec is typed into; kitchen_sink adds the rest."""
    shipped = set().union(*(_field_types(s) for s in Catalog.shipped()))
    typed = set().union(*(_field_types(SPECS[i]) for i in SHIPPED))
    assert shipped - {"note"} <= typed
    every = _field_types(SPECS["kitchen_sink"])
    assert every - typed - {"note"} <= {"decimal", "time"}


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every form typed into in one LibreOffice session; spec id -> (plan, read result)."""
    harness.require_office()
    work = tmp_path_factory.mktemp("writer")
    jobs, plans = [], {}
    for sid in TYPED:
        spec = SPECS[sid]
        # protect="ready": with the editing restriction enforced, Writer 7.4 aborts when a
        # key replaces a selected placeholder (docs/VERIFIED.md)
        form = docx.write(spec, work / f"{sid}-form.docx", protect="ready")
        plans[sid] = plan(spec)
        jobs.append({"in": str(form), "out": str(work / f"{sid}-typed.docx"),
                     "boxes": {X.bookmark_name(t.slot.key): t.steps
                               for t in plans[sid] if t.steps}})
    # a second session: the saved rp1 opened again, two answers typed over, one cleared
    second = {"in": jobs[0]["out"], "out": str(work / "rp1-second.docx"),
              "boxes": {X.bookmark_name(k): steps for k, steps in SECOND.items()}}
    report = harness.run_driver("writer_driver.py", [*jobs, second], work)
    out: dict[str, Any] = {}
    for sid, job, done in zip(TYPED, jobs, report[:-1], strict=True):
        assert done["typed"] == len(job["boxes"]), sid  # every box was found in Writer
        out[sid] = (plans[sid], docx.read(job["out"], catalog=CATALOG))
    assert report[-1]["typed"] == len(SECOND)
    out["second"] = docx.read(second["out"], catalog=CATALOG)
    return out


SECOND: dict[str, list[list[str]]] = {
    "crime_ref": [["type", "DC 9999/26"]],
    "point_1_notes": [["type", "Rewritten"], ["key", "RETURN"], ["type", "in a second session"]],
    "unit": [["key", "DELETE"]],  # the answer selected and deleted: no answer
}


@pytest.mark.libreoffice
def test_a_second_editing_session_reads_back(typed: dict[str, Any]) -> None:
    """A typed form opened again in Writer: what is typed over replaces the old answer, a
    deleted answer is no answer, everything else is as first typed."""
    spec = SPECS["rp1"]
    first = flatten(spec, typed["rp1"][1].records[0].values)
    got = flatten(spec, typed["second"].records[0].values)
    assert got["crime_ref"] == "DC 9999/26"
    assert got["point_1_notes"] == "Rewritten\nin a second session"
    assert got["unit"] is None
    assert {k: v for k, v in got.items() if k not in SECOND} == {
        k: v for k, v in first.items() if k not in SECOND}


@pytest.mark.libreoffice
@pytest.mark.parametrize("sid", TYPED)
def test_every_typed_answer_reads_back(typed: dict[str, Any], sid: str) -> None:
    steps, result = typed[sid]
    spec = SPECS[sid]
    got = flatten(spec, result.records[0].values)
    lost = [(t.slot.key, t.route, t.expected, got.get(t.slot.key))
            for t in steps if got.get(t.slot.key) != t.expected]
    assert lost == []
    assert len(steps) == len(slots(spec))
    # answers given to questions that do not apply are flagged, nothing else
    assert [i.message for i in result.issues if "applies only if" not in i.message] == []


@pytest.mark.libreoffice
def test_typed_answers_recovered_per_route(
    typed: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """The closing figures: typed answers recovered per route (Word, LibreOffice 7.4)."""
    sent: Counter[str] = Counter()
    back: Counter[str] = Counter()
    for sid in TYPED:
        steps, result = typed[sid]
        got = flatten(SPECS[sid], result.records[0].values)
        for t in steps:
            if t.steps:
                sent[t.route] += 1
                back[t.route] += got.get(t.slot.key) == t.expected
    with capsys.disabled():
        print("\nWord form typed in LibreOffice Writer 7.4, answers recovered per route:")
        for route in sorted(sent):
            print(f"  {route:12} {back[route]:4} of {sent[route]:4}")
    assert {"type", "enter", "shift_enter", "paste", "type_paste", "click"} <= set(sent)
    assert back == sent


# ------------------------------------------------------------ the placeholder rule, no soffice


def _control(spec: FormSpec, key: str, text: str, tmp: Path, *, flag: bool) -> Path:
    """The generated form with one control's placeholder run replaced by `text`, keeping
    w:showingPlcHdr (if `flag`) and the PlaceholderText style, as Writer 7.4 saves typing."""
    form = docx.write(spec, tmp / "form.docx", protect="off")
    with zipfile.ZipFile(form) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    sdt = next(t.getparent().getparent() for t in root.iter(X.TAG) if t.get(X.VAL) == key)
    pr = sdt.find(X.SDT_PR)
    if not flag:
        for el in pr.findall(X.SHOWING_PLACEHOLDER):
            pr.remove(el)
    run = next(sdt.iter(X.R))
    keep = copy.deepcopy(run)
    keep.find(X.T).text = text
    run.addnext(keep)
    run.find(X.T).text = ""
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True,
                                                encoding="UTF-8", standalone=True)
    out = tmp / "typed.docx"
    with zipfile.ZipFile(out, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    return out


@pytest.mark.parametrize("flag", [True, False])
def test_typed_text_counts_whatever_the_placeholder_flag(tmp_path: Path, flag: bool) -> None:
    spec = SPECS["rp1"]
    path = _control(spec, "crime_ref", "DC 4411/26", tmp_path, flag=flag)
    assert docx.read(path, catalog=CATALOG).records[0].values["crime_ref"] == "DC 4411/26"


@pytest.mark.parametrize("flag", [True, False])
def test_only_the_controls_own_placeholder_is_no_answer(tmp_path: Path, flag: bool) -> None:
    spec = SPECS["rp1"]
    own = next(t for t in plan(spec) if t.slot.key == "crime_ref")
    text = docx.layout.placeholder(own.slot)
    path = _control(spec, "crime_ref", text, tmp_path, flag=flag)
    result = docx.read(path, catalog=CATALOG)
    assert result.records[0].values["crime_ref"] is None
    assert any(i.field == "crime_ref" and "required" in i.message for i in result.issues)
    # another control's placeholder text is an answer here (however odd)
    path = _control(spec, "crime_ref", "Choose an item", tmp_path, flag=flag)
    assert docx.read(path, catalog=CATALOG).records[0].values["crime_ref"] == "Choose an item"


def _edited(spec: FormSpec, tmp: Path, edit: Any) -> Path:
    """The generated form with word/document.xml changed by `edit(root)`."""
    form = docx.write(spec, tmp / "form.docx", protect="off")
    with zipfile.ZipFile(form) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    root = etree.fromstring(parts["word/document.xml"])
    edit(root)
    parts["word/document.xml"] = etree.tostring(root, xml_declaration=True,
                                                encoding="UTF-8", standalone=True)
    out = tmp / "edited.docx"
    with zipfile.ZipFile(out, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    return out


def _sdt(root: Any, key: str) -> Any:
    return next(t.getparent().getparent() for t in root.iter(X.TAG) if t.get(X.VAL) == key)


def _empty_it(sdt: Any) -> None:
    content = sdt.find(X.SDT_CONTENT)
    for run in content.iter(X.R):
        for t in run.findall(X.T):
            run.remove(t)


@pytest.mark.parametrize("styled", [True, False])
def test_text_pasted_just_before_an_empty_control(tmp_path: Path, styled: bool) -> None:
    """As LibreOffice 7.4 pastes over a selected placeholder: the control emptied, the text
    in front of it in PlaceholderText style. Unstyled text there is not an answer."""

    def paste(root: Any) -> None:
        sdt = _sdt(root, "crime_ref")
        _empty_it(sdt)
        run = etree.Element(X.R)
        if styled:
            props = etree.SubElement(run, X.w("rPr"))
            etree.SubElement(props, X.R_STYLE).set(X.VAL, X.PLACEHOLDER_STYLE)
        etree.SubElement(run, X.T).text = "DC 4411/26"
        sdt.addprevious(run)

    result = docx.read(_edited(SPECS["rp1"], tmp_path, paste), catalog=CATALOG)
    assert result.records[0].values["crime_ref"] == ("DC 4411/26" if styled else None)


def test_text_pasted_after_a_signoff_caption(tmp_path: Path) -> None:
    """LibreOffice appends the pasted name to the "Name: " caption's run."""

    def paste(root: Any) -> None:
        sdt = _sdt(root, "supervisor_signoff.name")
        _empty_it(sdt)
        caption = sdt.getprevious()
        while caption.tag != X.R:
            caption = caption.getprevious()
        caption.find(X.T).text = "Name: DS Priya Shah"

    result = docx.read(_edited(SPECS["rp1"], tmp_path, paste), catalog=CATALOG)
    assert result.records[0].values["supervisor_signoff"]["name"] == "DS Priya Shah"
