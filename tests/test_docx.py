"""The Word format: what the form offers a person, round trips through fill, LibreOffice and
LibreOffice's own API, and every kind of damaged, tampered or foreign file becoming a clear
error or issue."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import docx as python_docx
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from lxml import etree
from strategies import apply_relevance, field_value, record_values, specs_under_test

from bluestone_forms import formats
from bluestone_forms.answers import values
from bluestone_forms.answers.records import empty_values
from bluestone_forms.answers.slots import Slot, slots
from bluestone_forms.errors import ReturnError
from bluestone_forms.formats import docx
from bluestone_forms.formats.docx import _layout as layout
from bluestone_forms.formats.ooxml import wordml as X
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.spec.model import FormSpec, SelectManyField, TableField

SPECS = specs_under_test()
CATALOG = Catalog(SPECS)
IDS = [s.id for s in SPECS]
SINK = next(s for s in SPECS if s.id == "kitchen_sink")
NS = {"w": X.W, "w14": X.W14}
UNO_PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One blank form per spec under test."""
    folder = tmp_path_factory.mktemp("docx-forms")
    return {s.id: docx.write(s, folder / f"{s.id}.docx") for s in SPECS}


# --------------------------------------------------------------------------- helpers


def document_xml(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read("word/document.xml"))


def rewrite_part(src: Path, dst: Path, name: str, edit: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info.filename, edit(data) if info.filename == name else data)
    return dst


def edit_document(src: Path, dst: Path, edit: Callable[[etree._Element], None]) -> Path:
    def change(data: bytes) -> bytes:
        root = etree.fromstring(data)
        edit(root)
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    return rewrite_part(src, dst, "word/document.xml", change)


def control_of(root: etree._Element, key: str) -> etree._Element:
    found = root.xpath("//w:sdt[w:sdtPr/w:tag/@w:val=$k]", namespaces=NS, k=key)
    assert len(found) == 1, key
    return found[0]


@st.composite
def full_tables(draw: Any, spec: FormSpec) -> dict[str, Any]:
    """Valid values with every row of every table used."""
    vals = draw(record_values(spec))
    for f in spec.answerable():
        if isinstance(f, TableField):
            rows: list[dict[str, Any]] = []
            while len(rows) < f.max_rows:
                rows += draw(field_value(spec, f).filter(bool))
            vals[f.id] = rows[: f.max_rows]
    return apply_relevance(spec, vals)


def examples(strategy: Any, n: int) -> list[Any]:
    """`n` values drawn by Hypothesis, for tests that batch many files into one LibreOffice
    run (drawing them all inside one example would overflow Hypothesis's buffer)."""
    out: list[Any] = []

    @settings(max_examples=n, database=None, phases=[Phase.generate])
    @given(strategy)
    def collect(value: Any) -> None:
        out.append(value)

    collect()
    return out


def soffice(files: Sequence[Path], target: str, out: Path) -> None:
    """Convert many files in one LibreOffice run, with a profile of its own."""
    profile = out.parent / f"lo-profile-{uuid.uuid4().hex}"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile.as_uri()}",
         "--convert-to", target, "--outdir", str(out), *map(str, files)],
        check=True, capture_output=True, timeout=600,
    )
    shutil.rmtree(profile, ignore_errors=True)


def assert_reads(path: Path, expected: Mapping[str, Any]) -> None:
    result = docx.read(path, catalog=CATALOG)
    assert [str(i) for i in result.issues] == []
    assert result.records[0].values == expected


# --------------------------------------------------------------------------- what the form offers


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_write_has_heading_per_section_and_a_control_per_slot(
    spec: FormSpec, templates: dict[str, Path]
) -> None:
    path = templates[spec.id]
    document = python_docx.Document(str(path))
    styled = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Title", spec.title) in styled
    assert [t for s, t in styled if s == "Heading 1"] == [s.title for s in spec.sections]
    root = document_xml(path)
    names = set(root.xpath("//w:bookmarkStart/@w:name", namespaces=NS))
    for s in slots(spec):
        sdt = control_of(root, s.key)
        assert X.bookmark_name(s.key) in names
        pr = sdt.find(X.SDT_PR)
        assert pr.find(X.ALIAS) is not None
        assert pr.find(f"{X.w('lock')}").get(X.VAL) == "sdtLocked"
        kind = X.describe(sdt).kind
        assert kind == layout.WIDGETS[s.kind][0]
        if s.kind in ("choice", "rating"):
            items = pr.xpath("w:dropDownList/w:listItem/@w:displayText", namespaces=NS)
            assert items == ["Choose an item", *values.choice_texts(s)]
        if s.kind == "date":
            assert pr.find(f"{X.DATE}/{X.w('dateFormat')}").get(X.VAL) == "dd/MM/yyyy"
        if s.kind != "flag":
            assert X.describe(sdt).placeholder
            assert X.describe(sdt).text == layout.placeholder(s)


def test_write_marks_every_page_and_identifies_itself(tmp_path: Path) -> None:
    spec = next(s for s in SPECS if s.source.licence) if any(
        s.source.licence for s in SPECS) else SINK
    a = docx.write(spec, tmp_path / "a.docx")
    b = docx.write(spec, tmp_path / "b.docx", instance_id="fixed-id")
    document = python_docx.Document(str(b))
    section = document.sections[0]
    assert spec.protective_marking in section.header.paragraphs[0].text
    footer = "\n".join(p.text for p in section.footer.paragraphs)
    assert spec.protective_marking in footer
    assert f"Form {spec.id} v{spec.version} · instance fixed-id" in footer
    if spec.source.licence:
        assert spec.source.licence in footer
    core = document.core_properties
    assert (core.subject, core.identifier) == (f"{spec.id} {spec.version}", "fixed-id")
    with zipfile.ZipFile(b) as z:
        custom = z.read("docProps/custom.xml").decode()
        settings_xml = z.read("word/settings.xml").decode()
    assert "bluestone:form-id" in custom
    assert "fixed-id" in custom
    assert '<w:documentProtection w:edit="forms" w:enforcement="1"/>' in settings_xml
    ids = {docx.read(p, catalog=CATALOG).records[0].instance_id for p in (a, b)}
    assert len(ids) == 2
    assert "fixed-id" in ids


@pytest.mark.parametrize(("mode", "expected"), [("ready", '"0"'), ("off", None)])
def test_write_protection_modes(tmp_path: Path, mode: str, expected: str | None) -> None:
    path = docx.write(SINK, tmp_path / "f.docx", protect=mode)
    with zipfile.ZipFile(path) as z:
        text = z.read("word/settings.xml").decode()
    if expected is None:
        assert "documentProtection" not in text
    else:
        assert f'w:edit="forms" w:enforcement={expected}' in text
    with pytest.raises(ValueError, match="protect"):
        docx.write(SINK, tmp_path / "g.docx", protect="password")


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@given(data=st.data())
def test_fill_then_read_gives_back_every_value(
    spec: FormSpec, data: st.DataObject, templates: dict[str, Path], tmp_path: Path
) -> None:
    vals = data.draw(record_values(spec) | full_tables(spec))
    out = docx.fill(templates[spec.id], vals, tmp_path / f"{uuid.uuid4().hex}.docx",
                    catalog=CATALOG)
    assert_reads(out, vals)


@given(data=st.data())
@settings(max_examples=5)
def test_write_prefilled_reads_back(data: st.DataObject, tmp_path: Path) -> None:
    vals = data.draw(record_values(SINK))
    path = docx.write(SINK, tmp_path / f"{uuid.uuid4().hex}.docx", values=vals)
    assert_reads(path, vals)


def test_fill_stores_values_as_word_does(templates: dict[str, Path], tmp_path: Path) -> None:
    by_kind = {s.kind: s for s in reversed(slots(SINK))}
    long = by_kind["long_text"].field.id
    date = by_kind["date"]
    vals = {long: "first line\nsecond line\n\nfourth", date.field.id: values.decode(
        date, "29/02/2024")}
    flag = by_kind["flag"]
    vals[flag.field.id] = [flag.part]
    choice = next(s for s in slots(SINK) if s.kind == "choice" and s.row is None)
    vals[choice.field.id] = choice.options[-1].code
    out = docx.fill(templates[SINK.id], vals, tmp_path / "f.docx", catalog=CATALOG)
    root = document_xml(out)
    text = control_of(root, long)
    assert text.find(X.SDT_PR).find(X.SHOWING_PLACEHOLDER) is None
    content = text.find(X.SDT_CONTENT)
    assert len(content.findall(f".//{X.BR}")) == 3
    assert [t.text for t in content.iter(X.T)] == ["first line", "second line", "fourth"]
    picker = control_of(root, date.key).find(X.SDT_PR).find(X.DATE)
    assert picker.get(X.FULL_DATE) == "2024-02-29T00:00:00Z"
    assert X.describe(control_of(root, date.key)).text == "29/02/2024"
    box = control_of(root, flag.key)
    assert box.xpath("string(.//w14:checked/@w14:val)", namespaces=NS) == "1"
    assert X.describe(box).checked is True
    assert "".join(box.find(X.SDT_CONTENT).itertext()) == "☒"
    drop = control_of(root, choice.key)
    assert X.describe(drop).text == choice.options[-1].label
    assert drop.find(X.SDT_PR).find(X.DROPDOWN).get(X.w("lastValue")) == choice.options[-1].label
    before = docx.read(templates[SINK.id], catalog=CATALOG).records[0].instance_id
    assert docx.read(out, catalog=CATALOG).records[0].instance_id == before


@given(data=st.data())
@settings(max_examples=5)
def test_read_matches_by_bookmark_when_tags_are_gone(
    data: st.DataObject, templates: dict[str, Path], tmp_path: Path
) -> None:
    """LibreOffice drops w:tag; the hidden bookmarks alone must find every control."""
    vals = data.draw(full_tables(SINK))
    filled = docx.fill(templates[SINK.id], vals, tmp_path / "f.docx", catalog=CATALOG)

    def strip(root: etree._Element) -> None:
        for tag in root.iter(X.TAG):
            tag.getparent().remove(tag)

    assert_reads(edit_document(filled, tmp_path / "untagged.docx", strip), vals)


def test_identity_from_footer_when_properties_are_gone(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    src = templates[SINK.id]
    bare = tmp_path / "bare.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(bare, "w") as zout:
        for info in zin.infolist():
            if info.filename not in ("docProps/custom.xml", "docProps/core.xml"):
                zout.writestr(info.filename, zin.read(info))
    expected = docx.read(src, catalog=CATALOG).records[0].instance_id
    assert docx.read(bare, catalog=CATALOG).records[0].instance_id == expected


# --------------------------------------------------------------------------- LibreOffice


@pytest.mark.libreoffice
def test_libreoffice_resave_keeps_every_answer(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    """Every spec, filled with random values (twice, and once with every table row used),
    re-saved by LibreOffice in one batch, reads back exactly; so do the re-saved blank forms."""
    batch = tmp_path / "batch"
    batch.mkdir()
    expected: dict[str, dict[str, Any]] = {}
    for spec in SPECS:
        drawn = examples(record_values(spec), 2) + examples(full_tables(spec), 1)
        for n, vals in enumerate(drawn):
            name = f"{spec.id}-{n}.docx"
            docx.fill(templates[spec.id], vals, batch / name, catalog=CATALOG)
            expected[name] = vals
        shutil.copy(templates[spec.id], batch / f"{spec.id}-blank.docx")
        expected[f"{spec.id}-blank.docx"] = docx.read(
            templates[spec.id], catalog=CATALOG).records[0].values
    soffice(sorted(batch.iterdir()), 'docx:MS Word 2007 XML', batch / "lo")
    for name, vals in expected.items():
        result = docx.read(batch / "lo" / name, catalog=CATALOG)
        assert result.records[0].values == vals, name
        if not name.endswith("-blank.docx"):
            assert [str(i) for i in result.issues] == [], name


def _label_texts(spec: FormSpec) -> list[str]:
    out = [spec.title, spec.protective_marking]
    for section in spec.sections:
        out.append(section.title)
        for f in section.fields:
            if f.label:
                out.append(f.label)
            if isinstance(f, TableField):
                out.extend(c.label for c in f.columns)
            if isinstance(f, SelectManyField):
                out.extend(c.label for c in spec.options(f))
    return out


@pytest.mark.libreoffice
def test_pdf_of_every_form_shows_every_label(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    soffice([templates[s.id] for s in SPECS], "pdf", tmp_path / "pdf")
    for spec in SPECS:
        pdf = tmp_path / "pdf" / f"{spec.id}.pdf"
        text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], check=True,
                              capture_output=True, text=True).stdout
        def norm(t: str) -> str:  # a line may break after a hyphen
            return re.sub(r"-\s+", "-", " ".join(t.split()))

        flat = norm(text)
        missing = [label for label in _label_texts(spec) if norm(label) not in flat]
        assert missing == [], spec.id
        assert f"Form {spec.id} v{spec.version}" in flat


# a LibreOffice API script: tries typing outside the controls, fills every bookmarked
# control, saves
UNO_FILL = r'''
import json, sys
sys.path.insert(0, sys.argv[4])  # tests/realclient: the harness's soffice start and walk
import uno
from writer_driver import connect, paragraphs, pv

jobs, port, profile = json.load(open(sys.argv[1], encoding="utf-8")), sys.argv[2], sys.argv[3]
proc, ctx = connect(port, profile)
smgr = ctx.ServiceManager
desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
report = []

def put(portion, kind, e):
    if kind == "TextField":  # LibreOffice 7.4 shows a plain-text control as an input field
        portion.TextField.Content = e["text"]
        return
    cc = portion.ContentControl
    old = cc.getAnchor().getString()
    if cc.Checkbox:
        new = cc.CheckedState if e["checked"] else cc.UncheckedState
        cc.Checked = bool(e["checked"])
    elif not e["text"]:
        return
    else:
        new = e["text"]  # "\n" becomes a line break inside the control
        cc.ShowingPlaceHolder = False
    cc.setString(new)  # inserts before the old content, which is then removed
    anchor = cc.getAnchor()
    cursor = anchor.getText().createTextCursorByRange(anchor.getEnd())
    cursor.goLeft(len(old), True)
    cursor.setString("")
    if cc.Date and e["date"]:
        cc.CurrentDate = e["date"]

try:
    for job in jobs:
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["in"]), "_blank", 0,
                                           (pv("Hidden", True),))
        # a person typing outside the answer boxes, with editing restricted to the form
        # (checked before the API edits below, after which LibreOffice 7.4 lets the
        # dispatcher insert at the very start: an API artefact, not what a person can do)
        frame = doc.getCurrentController().getFrame()
        before = doc.getText().getString()[:200]
        doc.getCurrentController().getViewCursor().gotoStart(False)
        dispatcher.executeDispatch(frame, ".uno:InsertText", "", 0, (pv("Text", "XYZ"),))
        blocked = doc.getText().getString()[:200] == before
        entries, last, done = job["entries"], None, 0
        for par in list(paragraphs(doc.getText())):
            portions = par.createEnumeration()
            while portions.hasMoreElements():
                portion = portions.nextElement()
                kind = portion.TextPortionType
                if kind == "Bookmark" and portion.IsStart:
                    last = portion.Bookmark.getName()
                elif kind in ("TextField", "ContentControl") and last in entries:
                    put(portion, kind, entries[last])
                    done += 1
                    last = None
        doc.storeToURL(uno.systemPathToFileUrl(job["out"]),
                       (pv("FilterName", "MS Word 2007 XML"),))
        doc.close(True)
        report.append({"filled": done, "outside_blocked": blocked})
    print(json.dumps(report))
finally:
    try:
        desktop.terminate()
    except Exception:
        pass
    proc.wait(timeout=120)
'''


def _has_uno() -> bool:
    if not Path(UNO_PYTHON).exists() or shutil.which("soffice") is None:
        return False
    probe = subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.libreoffice
def test_libreoffice_api_fills_the_controls(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    """LibreOffice 7.4's own API types into every control of a protected form (plain-text
    controls arrive there as input fields, the rest as content controls); typing outside
    them is refused; the saved file reads back exactly. One LibreOffice session for all."""
    if not _has_uno():
        pytest.skip("python3-uno is not installed for /usr/bin/python3")
    work = tmp_path / "uno"
    work.mkdir()
    jobs, expected = [], []
    for spec in SPECS:
        for n, vals in enumerate(examples(full_tables(spec), 1) + examples(
                record_values(spec), 1)):
            entries = {X.bookmark_name(k): {"text": e.text, "checked": e.checked,
                                            "date": e.full_date}
                       for k, e in docx._entries(spec, vals).items()}
            out = work / f"{spec.id}-{n}.docx"
            jobs.append({"in": str(templates[spec.id]), "out": str(out), "entries": entries})
            expected.append((spec, out, vals))
    job_file = work / "jobs.json"
    job_file.write_text(json.dumps(jobs), encoding="utf-8")
    script = work / "uno_fill.py"
    script.write_text(UNO_FILL, encoding="utf-8")
    port = str(random.randint(20000, 40000))
    run = subprocess.run([UNO_PYTHON, str(script), str(job_file), port, str(work / "profile"),
                          str(Path(__file__).parent / "realclient")],
                         capture_output=True, text=True, timeout=600, check=True)
    report = json.loads(run.stdout.strip().splitlines()[-1])
    for (spec, out, vals), got in zip(expected, report, strict=True):
        assert got["filled"] == len(slots(spec))
        assert got["outside_blocked"]
        assert_reads(out, vals)


# --------------------------------------------------------------------------- bad returns


def _required_text_slot(spec: FormSpec) -> Slot:
    return next(s for s in slots(spec) if s.kind == "text" and s.field.required and s.row is None
                and spec.relevance(s.field) is None)


def test_deleted_control_is_an_issue_naming_file_field_and_box(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    target = _required_text_slot(SINK)
    other = next(s for s in slots(SINK) if s.kind == "date" and s.row is None)

    def delete(root: etree._Element) -> None:
        for key in (target.key, other.key):
            sdt = control_of(root, key)
            sdt.getparent().remove(sdt)

    path = edit_document(templates[SINK.id], tmp_path / "deleted.docx", delete)
    issues = docx.read(path, catalog=CATALOG).issues
    for s in (target, other):
        issue = next(i for i in issues if i.field == s.key)
        assert "missing" in issue.message
        assert issue.file == str(path)
        assert issue.where == f"the box “{s.label}”"


def test_answer_typed_outside_the_control_reads_as_missing(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    target = _required_text_slot(SINK)

    def type_beside(root: etree._Element) -> None:
        sdt = control_of(root, target.key)
        run = etree.SubElement(sdt.getparent(), X.R)
        etree.SubElement(run, X.T).text = "typed beside the box"

    path = edit_document(templates[SINK.id], tmp_path / "outside.docx", type_beside)
    issues = [i for i in docx.read(path, catalog=CATALOG).issues if i.field == target.key]
    assert len(issues) == 1
    assert "required" in issues[0].message
    assert issues[0].where == f"the box “{target.label}”"


def test_form_of_another_id_or_version_is_refused(tmp_path: Path) -> None:
    path = docx.write(SINK, tmp_path / "sink.docx")
    with pytest.raises(ReturnError, match="unknown form 'kitchen_sink'"):
        docx.read(path, catalog=Catalog([s for s in SPECS if s.id != SINK.id]))
    newer = SINK.model_copy(update={"version": "9.9"})
    path = docx.write(newer, tmp_path / "newer.docx")
    with pytest.raises(ReturnError, match=r"no version '9\.9'"):
        docx.read(path, catalog=CATALOG)


def _not_a_form(tmp_path: Path) -> Path:
    path = tmp_path / "letter.docx"
    python_docx.Document().save(str(path))
    return path


def _truncated(tmp_path: Path, templates: dict[str, Path]) -> Path:
    data = templates[SINK.id].read_bytes()
    path = tmp_path / "truncated.docx"
    path.write_bytes(data[: len(data) // 2])
    return path


def _garbage_zip(tmp_path: Path, templates: dict[str, Path]) -> Path:
    path = tmp_path / "garbage.docx"
    path.write_bytes(b"PK\x03\x04" + bytes(random.Random(4).randrange(256) for _ in range(4000)))
    return path


def _broken_xml(tmp_path: Path, templates: dict[str, Path]) -> Path:
    return rewrite_part(templates[SINK.id], tmp_path / "broken.docx", "word/document.xml",
                        lambda data: data[: len(data) // 3])


def _entity(tmp_path: Path, templates: dict[str, Path]) -> Path:
    bomb = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaa">]>'
    return rewrite_part(templates[SINK.id], tmp_path / "entity.docx", "word/document.xml",
                        lambda data: bomb + data[data.index(b"?>") + 2:])


def _ole(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000)
    return path


def _macro(tmp_path: Path, templates: dict[str, Path], name: str) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(templates[SINK.id]) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml",
                                    b"document.macroEnabled.main+xml")
            zout.writestr(info.filename, data)
        zout.writestr("word/vbaProject.bin", b"\0" * 100)
    return path


def _workbook(tmp_path: Path) -> Path:
    import openpyxl

    path = tmp_path / "book.docx"
    openpyxl.Workbook().save(path)
    return path


BAD: dict[str, tuple[Callable[[Path, dict[str, Path]], Path], str]] = {
    "not a form": (lambda t, f: _not_a_form(t), "no form id"),
    "truncated zip": (_truncated, "damaged or truncated"),
    "corrupt zip": (_garbage_zip, "damaged or truncated|not a .docx"),
    "broken xml": (_broken_xml, "not well-formed"),
    "dtd and entity": (_entity, "DTD"),
    ".doc": (lambda t, f: _ole(t, "old.doc"), r"legacy|\.doc"),
    ".doc renamed .docx": (lambda t, f: _ole(t, "old.docx"), "legacy binary"),
    ".docm": (lambda t, f: _macro(t, f, "macro.docm"), "macro"),
    "macros in a .docx": (lambda t, f: _macro(t, f, "macro.docx"), "macro"),
    "a workbook": (lambda t, f: _workbook(t), "Excel|not a Word|no form id|not a bluestone"),
    "empty file": (lambda t, f: (t / "empty.docx").touch() or t / "empty.docx", "not a"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_file_is_a_clear_return_error(
    case: str, templates: dict[str, Path], tmp_path: Path
) -> None:
    make, message = BAD[case]
    path = make(tmp_path, templates)
    for reader in (lambda p: docx.read(p, catalog=CATALOG),
                   lambda p: formats.read(p, catalog=CATALOG)):
        with pytest.raises(ReturnError) as info:
            reader(path)
        assert info.value.file == str(path)
        assert re.search(message, info.value.message), info.value.message


def test_fill_with_instance_id_gives_the_copy_its_own_identity(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    out = docx.fill(templates[SINK.id], {}, tmp_path / "copy.docx", catalog=CATALOG,
                    instance_id="merge-0001")
    assert docx.read(out, catalog=CATALOG).records[0].instance_id == "merge-0001"
    document = python_docx.Document(str(out))
    assert document.core_properties.identifier == "merge-0001"
    footer = "\n".join(p.text for p in document.sections[0].footer.paragraphs)
    assert f"Form {SINK.id} v{SINK.version} · instance merge-0001" in footer


def test_fill_with_a_spec_needs_no_catalog_and_checks_the_form(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    out = docx.fill(templates[SINK.id], {}, tmp_path / "a.docx", spec=SINK)
    assert docx.read(out, catalog=CATALOG).records[0].form_id == SINK.id
    other = next(s for s in SPECS if s.id != SINK.id)
    with pytest.raises(ReturnError, match="not"):
        docx.fill(templates[SINK.id], {}, tmp_path / "b.docx", spec=other)


def test_an_answer_that_is_exactly_its_placeholder_reads_as_no_answer(
    templates: dict[str, Path], tmp_path: Path,
) -> None:
    """The documented rule (LibreOffice drops w:showingPlcHdr, so the placeholder's text is all
    that tells it from an answer): text equal to the box's placeholder is no answer."""
    spec = next(s for s in SPECS if any(isinstance(f, TableField) for f in s.answerable()))
    table = next(f for f in spec.answerable() if isinstance(f, TableField))
    text_col = next(c for c in table.columns if c.type in ("text", "long_text"))
    vals = empty_values(spec)
    vals[table.id] = [{c.id: ("Type here" if c is text_col else None) for c in table.columns}]
    out = docx.fill(templates[spec.id], vals, tmp_path / "p.docx", catalog=CATALOG)
    assert docx.read(out, catalog=CATALOG).records[0].values[table.id] == []
