"""The PDF reader's quick way in (`formats/pdf/_xref.py`): a return whose cross-reference is
classic tables is opened without scanning every byte for object streams, with qpdf's repair
off; anything else, and anything qpdf warns about, is read the careful way, with the same
result as before."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pikepdf
import pytest

from bluestone_forms.errors import ReturnError
from bluestone_forms.formats import pdf as pdf_format
from bluestone_forms.formats.pdf import _open, _xref
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog

CATALOG = Catalog.shipped()


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("xref")
    spec = CATALOG.get("rp1")
    template = pdf_format.write(spec, folder / "rp1.pdf")
    return pdf_format.fill(template, sample_values(spec, random.Random(7)),
                           folder / "filled.pdf", catalog=CATALOG)


def _classic(data: bytes) -> bool:
    return _xref.classic_only(None, data, len(data), data[-_open.TAIL_BYTES:])


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file the careful way scanned byte by byte."""
    seen: list[str] = []
    real = _open.check_structure_streams

    def counted(data: bytes, file: str) -> None:
        seen.append(file)
        real(data, file)

    monkeypatch.setattr(_open, "check_structure_streams", counted)
    return seen


def test_a_filled_form_is_read_without_the_byte_scan(filled: Path, scans: list[str]) -> None:
    assert _classic(filled.read_bytes())
    result = pdf_format.read(filled, catalog=CATALOG)
    assert scans == []
    assert result.issues == []
    # the same with the bytes given, as collation's workers give them
    again = pdf_format.read(filled, catalog=CATALOG, data=filled.read_bytes())
    assert scans == []
    assert again.records[0].values == result.records[0].values


def test_object_streams_take_the_careful_way_and_read_the_same(
        filled: Path, tmp_path: Path, scans: list[str]) -> None:
    packed = tmp_path / "packed.pdf"
    with pikepdf.open(filled) as pdf:
        pdf.save(packed, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    assert not _classic(packed.read_bytes())
    quick = pdf_format.read(filled, catalog=CATALOG)
    careful = pdf_format.read(packed, catalog=CATALOG)
    assert scans == [str(packed)]
    assert careful.records[0].values == quick.records[0].values
    assert careful.issues == []


def test_a_damaged_classic_file_is_repaired_the_careful_way(
        filled: Path, tmp_path: Path, scans: list[str]) -> None:
    data = filled.read_bytes()
    head, _, tail = data.rpartition(b"startxref")
    table = head.rfind(b"xref")
    # the offset of object 1 (the catalog) moved by three bytes: qpdf without its repair
    # finds no object there
    entry = head.index(b"\n", head.index(b"\n", table) + 1) + 1 + 1 * 20
    offset = int(head[entry:entry + 10])
    bad = head[:entry] + f"{offset + 3:010d}".encode() + head[entry + 10:]
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(bad + b"startxref" + tail)
    result = pdf_format.read(damaged, catalog=CATALOG)
    assert scans == [str(damaged)]
    assert result.records[0].values == pdf_format.read(filled, catalog=CATALOG).records[0].values
    assert any("damaged and repaired" in i.message for i in result.issues)


def test_what_is_not_classic_tables_is_not_trusted(filled: Path) -> None:
    data = filled.read_bytes()
    head, _, tail = data.rpartition(b"trailer")
    # a hybrid file: the trailer names a cross-reference stream
    assert not _classic(head + b"trailer\n<< /XRefStm 10" + tail.split(b"<<", 1)[1])
    # an escaped name in the trailer could be anything
    assert not _classic(head + b"trailer\n<< /XRef#53tm 10" + tail.split(b"<<", 1)[1])
    # an update appended with a cross-reference stream (qpdf would inflate it)
    at = len(data)
    update = (b"\n999 0 obj\n<< /Type /XRef /Size 1000 /Filter /FlateDecode /Length 0 >>\n"
              b"stream\n\nendstream\nendobj\nstartxref\n" + str(at + 1).encode() + b"\n%%EOF\n")
    assert not _classic(data + update)
    # a /Prev that loops, or points at nothing
    start = int(data.rpartition(b"startxref")[2].split()[0])
    looped = re.sub(rb"trailer\s*<<", b"trailer << /Prev " + str(start).encode(), data)
    assert looped != data
    assert not _classic(looped)
    nowhere = re.sub(rb"trailer\s*<<", b"trailer << /Prev 12", data)
    assert not _classic(nowhere)


def test_the_size_and_ends_are_checked_on_the_quick_way(filled: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(filled.read_bytes()[:-400])
    with pytest.raises(ReturnError, match="truncated"):
        pdf_format.read(cut, catalog=CATALOG)
    monkeypatch.setattr(_open, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ReturnError, match="at most"):
        pdf_format.read(filled, catalog=CATALOG)
