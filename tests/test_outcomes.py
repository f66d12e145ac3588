"""Every path found gets its one true outcome, with a message a supervisor can act on.

Each case is made the way it happens: a PDF flattened by pdftk, a PDF exported from the Word
and Excel forms by LibreOffice, a return relabelled as another form, a lock file sent again
under its real name, FIFOs, sockets and links, and a workbook whose shared strings exhaust
the reader's memory ceiling. One collation of one inbox holds most of them.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from formcache import form as cached_form

from bluestone_forms import api, formats
from bluestone_forms.answers.records import new_instance_id
from bluestone_forms.cli import main
from bluestone_forms.formats.common import SLOTS
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.store.core import Store

RP1 = Catalog.shipped().get("rp1")
HAS_PDFTK = shutil.which("pdftk") is not None
HAS_SOFFICE = shutil.which("soffice") is not None
BIG_SST_ENTRIES = 2_000_000


def _fill(templates: Path, fmt: str, out: Path, seed: int) -> Path:
    template = templates / f"rp1{formats.EXTENSIONS[fmt]}"
    if not template.exists():
        cached_form(RP1, fmt, template, instance_id="inst-rp1")
    out.parent.mkdir(parents=True, exist_ok=True)
    formats.module(fmt).fill(template, sample_values(RP1, random.Random(seed)), out,
                             instance_id=new_instance_id())
    return out


def _rezip(path: Path, out: Path, change: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    parts.update(change)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out


def relabel_office(path: Path, out: Path, form_id: str) -> Path:
    """The form id in the custom document properties changed (File > Properties > Custom)."""
    with zipfile.ZipFile(path) as z:
        custom = z.read("docProps/custom.xml")
    custom, n = re.subn(rb'(name="bluestone:form-id"[^>]*><vt:lpwstr[^>]*>)[^<]*',
                        rb"\g<1>" + form_id.encode(), custom)
    assert n == 1
    return _rezip(path, out, {"docProps/custom.xml": custom})


def relabel_pdf(path: Path, out: Path, form_id: str, keep_fingerprint: bool = True) -> Path:
    """The form id in the PDF's document information changed (as a PDF editor would)."""
    with pikepdf.open(path) as pdf:
        pdf.docinfo[pikepdf.Name("/bluestone:form-id")] = pikepdf.String(form_id)
        if not keep_fingerprint:  # a file made before fingerprints were written
            del pdf.docinfo[pikepdf.Name("/" + SLOTS)]
            del pdf.Root.Metadata
        pdf.save(out)
    return out


def big_shared_strings(path: Path, out: Path, entries: int = BIG_SST_ENTRIES) -> Path:
    """The workbook with a shared string table of `entries` strings, its crime reference
    one of them (so reading the form must load the table)."""
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    body = b"".join(b"<si><t>%d</t></si>" % (i * 7919 % 1_000_003) for i in range(entries))
    with zipfile.ZipFile(path) as z:
        rels = z.read("xl/_rels/workbook.xml.rels")
        types = z.read("[Content_Types].xml")
        sheet = z.read("xl/worksheets/sheet1.xml")
    sheet, n = re.subn(rb'(<c r="C11" s="\d+") t="inlineStr"><is><t[^>]*>[^<]*</t></is></c>',
                       rb'\1 t="s"><v>0</v></c>', sheet, count=1)
    assert n == 1, "the crime reference cell moved"
    return _rezip(path, out, {
        "xl/sharedStrings.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n<sst ' + ns
        + b' count="%d" uniqueCount="%d">' % (entries, entries) + body + b"</sst>",
        "xl/_rels/workbook.xml.rels": rels.replace(
            b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats'
            b'.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            b"</Relationships>"),
        "[Content_Types].xml": types.replace(
            b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'),
        "xl/worksheets/sheet1.xml": sheet,
    })


def soffice_pdf(src: Path, out_dir: Path, profile: Path) -> Path:
    """File > Export as PDF, done by LibreOffice itself (its own profile, headless)."""
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out_dir), str(src)],
                   check=True, capture_output=True, timeout=180)
    return out_dir / (src.stem + ".pdf")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outcomes")


@pytest.fixture(scope="module")
def inbox(work: Path) -> Path:
    """One folder of every case (those needing pdftk or LibreOffice only where installed)."""
    t, box, outside = work / "templates", work / "in", work / "outside"
    t.mkdir()
    docx = _fill(t, "docx", box / "good.docx", 1)
    xlsx = _fill(t, "xlsx", box / "good.xlsx", 2)
    pdf = _fill(t, "pdf", box / "good.pdf", 3)
    # content before extension
    shutil.copy(_fill(t, "docx", work / "x" / "r.docx", 4), box / "renamed.doc")
    (box / "legacy.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088))
    # relabelled as rp2 (rp1's answer boxes are all in rp2, so only the fingerprint tells)
    relabel_office(_fill(t, "docx", work / "x" / "rl.docx", 5), box / "relabelled.docx", "rp2")
    relabel_office(_fill(t, "xlsx", work / "x" / "rl.xlsx", 6), box / "relabelled.xlsx", "rp2")
    relabel_pdf(_fill(t, "pdf", work / "x" / "rl.pdf", 7), box / "relabelled.pdf", "rp2")
    relabel_pdf(_fill(t, "pdf", work / "x" / "old.pdf", 8), box / "relabelled-old.pdf",
                "rp2", keep_fingerprint=False)
    # a lock file's name first (rejected), the same bytes under a readable name after
    (box / "a").mkdir()
    (box / "b").mkdir()
    shutil.copy(_fill(t, "docx", work / "x" / "lock.docx", 9), box / "a" / "~$form.docx")
    shutil.copy(work / "x" / "lock.docx", box / "b" / "form.docx")
    # what is not a regular file, and links
    os.mkfifo(box / "pipe.docx")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(box / "sock.pdf"))
    sock.close()
    (box / "gone.docx").symlink_to("nowhere.docx")
    _fill(t, "docx", outside / "real.docx", 10)
    (box / "outside.docx").symlink_to(outside / "real.docx")
    (box / "alias.docx").symlink_to(box / "good.docx")
    (box / "loop").symlink_to(box)
    # memory
    big_shared_strings(xlsx, box / "big.xlsx")
    if HAS_PDFTK:
        subprocess.run(["pdftk", str(pdf), "output", str(box / "flat.pdf"), "flatten"],
                       check=True, timeout=120)
    if HAS_SOFFICE:
        export = work / "export"
        export.mkdir()
        shutil.copy(docx, export / "word-form.docx")
        shutil.copy(xlsx, export / "excel-form.xlsx")
        for src in (export / "word-form.docx", export / "excel-form.xlsx"):
            shutil.copy(soffice_pdf(src, export, work / "lo-profile"), box / f"{src.stem}.pdf")
    return box


def _found(box: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(box):
        for name in sorted(dirs + files):
            path = Path(folder) / name
            if not (path.is_dir() and not path.is_symlink()):
                yield path


@pytest.fixture(scope="module")
def collated(inbox: Path, work: Path) -> dict[str, tuple[str, str]]:
    out = work / "out"
    run = CliRunner().invoke(main, ["collate", str(inbox), "-o", str(out), "--workers", "2"])
    assert run.exit_code == 1, run.output  # rejected files: exit 1
    with Store(out / "bluestone.sqlite") as s:
        files = s.files()
    outcomes = {str(Path(f["path"]).relative_to(inbox)): (f["outcome"], f["message"] or "")
                for f in files}
    assert len(outcomes) == len(files), "a path has more than one outcome"
    return outcomes


def test_every_path_found_gets_exactly_one_outcome(
    inbox: Path, collated: dict[str, tuple[str, str]]
) -> None:
    assert sorted(collated) == sorted(str(p.relative_to(inbox)) for p in _found(inbox))


def test_what_is_not_a_regular_file_is_never_opened(collated: dict[str, tuple[str, str]]) -> None:
    assert collated["pipe.docx"] == ("rejected", "not a regular file (a named pipe (FIFO)); "
                                                 "it was not opened")
    assert collated["sock.pdf"] == ("rejected", "not a regular file (a socket); it was not "
                                                "opened")
    outcome, message = collated["gone.docx"]
    assert outcome == "rejected"
    assert "a link to nowhere.docx, which does not exist (a dangling link)" in message


def test_links_lead_only_inside_the_folders_given(
    work: Path, collated: dict[str, tuple[str, str]]
) -> None:
    outcome, message = collated["outside.docx"]
    assert outcome == "rejected"
    assert f"a link to {work / 'outside' / 'real.docx'}, outside the folders given; it is " \
           "not followed" in message
    # a link to a return inside is read; it and its target are the same bytes (one duplicate)
    assert sorted([collated["alias.docx"][0], collated["good.docx"][0]]) == ["duplicate", "read"]
    assert collated["loop"] == ("rejected", "a link to a folder; it is not followed (collate "
                                            "the folder itself)")


def test_the_content_decides_the_reader(collated: dict[str, tuple[str, str]]) -> None:
    assert collated["renamed.doc"] == ("read", "read as a Word document (.docx), which it is, "
                                              "though it is named .doc")
    outcome, message = collated["legacy.doc"]
    assert outcome == "rejected"
    assert "legacy Word 97-2003 .doc file; save it as .docx" in message


def test_a_docx_named_doc_is_read_with_a_note(inbox: Path) -> None:
    records, problems, notes = api.read_files([inbox / "renamed.doc"])
    assert [r["form_id"] for r in records] == ["rp1"]
    assert problems == []
    assert notes == [f"{inbox / 'renamed.doc'}: note: read as a Word document (.docx), which "
                     "it is, though it is named .doc"]


@pytest.mark.parametrize("name", ["relabelled.docx", "relabelled.xlsx", "relabelled.pdf",
                                  "relabelled-old.pdf"])
def test_a_relabelled_return_is_refused_naming_both_forms(
    collated: dict[str, tuple[str, str]], name: str
) -> None:
    outcome, message = collated[name]
    assert outcome == "rejected"
    assert message.startswith("the file says it is form rp2 v1.0, but its answer boxes are "
                              "those of form rp1 v1.0; its identity was changed"), message


def test_a_rejection_never_makes_a_later_copy_a_duplicate(
    collated: dict[str, tuple[str, str]],
) -> None:
    assert collated["a/~$form.docx"] == ("rejected", "an Office lock file, not a return")
    assert collated["b/form.docx"] == ("read", "")


def test_resent_under_a_readable_name_is_read_on_the_next_run(work: Path) -> None:
    box, out = work / "resend", work / "resend-out"
    _fill(work / "templates", "docx", box / "~$rp1 return.docx", 11)
    runner = CliRunner()
    first = runner.invoke(main, ["collate", str(box), "-o", str(out), "--workers", "1"])
    assert first.exit_code == 1
    (box / "~$rp1 return.docx").rename(box / "rp1 return.docx")
    second = runner.invoke(main, ["collate", str(box), "-o", str(out), "--workers", "1"])
    assert second.exit_code == 0, second.output
    with Store(out / "bluestone.sqlite") as s:
        rows = {Path(f["path"]).name: f["outcome"] for f in s.files()}
        assert len(list(s.records())) == 1
    assert rows == {"~$rp1 return.docx": "rejected", "rp1 return.docx": "read"}


def test_too_large_for_the_memory_ceiling_says_so(
    inbox: Path, collated: dict[str, tuple[str, str]]
) -> None:
    want = ("too large to read within 512 MB (the memory one return may use); a form return "
            "is far smaller: send the form itself again")
    assert collated["big.xlsx"] == ("rejected", want)
    # `read` runs under the same ceiling, in a worker: same words, never "not well-formed"
    records, problems, _ = api.read_files([inbox / "big.xlsx"])
    assert (records, problems) == ([], [f"{inbox / 'big.xlsx'}: {want}"])


@pytest.mark.pdftk
def test_a_flattened_pdf_is_refused_never_collated_empty(
    collated: dict[str, tuple[str, str]],
) -> None:
    outcome, message = collated["flat.pdf"]
    assert outcome == "rejected"
    assert message.startswith("this PDF was flattened, so its answer boxes are gone: send the "
                              "filled form itself")


@pytest.mark.libreoffice
def test_a_pdf_exported_from_the_word_or_excel_form_says_which_and_what_to_send(
    collated: dict[str, tuple[str, str]],
) -> None:
    outcome, message = collated["word-form.pdf"]
    assert outcome == "rejected"
    assert re.fullmatch(r"this PDF was exported from the Word version of form rp1 v1\.0 "
                        r"\(instance [0-9a-f-]{36}\); a PDF made that way keeps only the "
                        r"printed page, not the answers: send the filled Word file \(\.docx\) "
                        r"itself", message), message
    outcome, message = collated["excel-form.pdf"]
    assert outcome == "rejected"
    assert "exported from the Excel version of form rp1 v1.0" in message
    assert message.endswith("send the filled Excel file (.xlsx) itself")
    assert "not a bluestone form" not in message


def test_read_never_opens_a_fifo_or_a_device(inbox: Path) -> None:
    records, problems, _ = api.read_files([inbox / "pipe.docx", Path("/dev/null"),
                                           inbox / "good.docx"])
    assert len(records) == 1
    assert problems == [f"{inbox / 'pipe.docx'}: not a regular file (a named pipe (FIFO)); it "
                        "was not opened",
                        "/dev/null: not a regular file (a character device); it was not opened"]
