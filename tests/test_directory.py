"""A plain zip's central directory read from its bytes (`formats.ooxml.directory`): the same
entries as zipfile's, and None (zipfile's turn) for anything not plain."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hostile import forge as F

from bluestone_forms.errors import ReturnError
from bluestone_forms.formats.ooxml import directory
from bluestone_forms.formats.ooxml.package import Package

PARTS = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>" * 300,
         "docProps/caf\u00e9.xml": b"<p/>", "empty/": b""}


def _zip(path: Path, **kw: object) -> bytes:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in PARTS.items():
            z.writestr(zipfile.ZipInfo(name, (2026, 3, 4, 5, 6, 8)), data)
        for k, v in kw.items():
            setattr(z, k, v)
    return path.read_bytes()


def test_a_plain_directory_reads_as_zipfile_reads_it(tmp_path: Path) -> None:
    data = _zip(tmp_path / "a.docx")
    got = directory.read(data)
    assert got is not None
    z = zipfile.ZipFile(io.BytesIO(data))
    assert got.start_dir == z.start_dir
    assert len(got.members) == len(z.infolist())
    for mine, theirs in zip(got.members, z.infolist(), strict=True):
        for attr in ("filename", "orig_filename", "date_time", "compress_type", "flag_bits",
                     "CRC", "compress_size", "file_size", "header_offset"):
            assert getattr(mine, attr) == getattr(theirs, attr), attr
    assert got.by_name["word/document.xml"] is got.members[1]


def test_what_is_not_plain_is_left_to_zipfile(tmp_path: Path) -> None:
    plain = _zip(tmp_path / "a.docx")
    assert directory.read(_zip(tmp_path / "c.docx", comment=b"hello")) is None
    assert directory.read(b"junk" + plain) is None  # prepended bytes move every offset
    assert directory.read(plain[:-30]) is None
    assert directory.read(b"") is None
    entry = F.entry("a.xml", b"<a/>")
    forged = F.forge_zip(tmp_path / "f.zip", [entry]).read_bytes()
    assert directory.read(forged) is not None
    entry.size = 0xFFFFFFFF  # a Zip64 size
    assert directory.read(F.forge_zip(tmp_path / "g.zip", [entry]).read_bytes()) is None
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as z:
        info = zipfile.ZipInfo("a.xml")
        info.extra = b"\x99\x99\x02\x00ab"
        z.writestr(info, b"<a/>")
    assert directory.read((tmp_path / "x.zip").read_bytes()) is None


def test_a_directory_whose_count_disagrees_is_left_to_zipfile(tmp_path: Path) -> None:
    data = bytearray(_zip(tmp_path / "a.docx"))
    at = len(data) - 22
    data[at + 8:at + 12] = (3).to_bytes(2, "little") * 2  # 3 entries declared, 4 there
    assert directory.read(bytes(data)) is None


def test_a_member_needing_a_later_zip_version_is_refused_as_zipfile_refuses_it(
        tmp_path: Path) -> None:
    """A central directory entry whose "version needed to extract" zipfile does not read
    (24.4, as one flipped byte made it in a fresh-clone CI run) is left to zipfile, which
    refuses it: the return is damaged, not read past the field."""
    data = bytearray(_zip(tmp_path / "a.docx"))
    data[data.find(b"PK\x01\x02") + 6] = 244
    (tmp_path / "v.docx").write_bytes(bytes(data))
    assert directory.read(bytes(data)) is None
    with pytest.raises(ReturnError, match=r"zip file version 24\.4"):
        Package(tmp_path / "v.docx", "docx")


@pytest.mark.parametrize("comment", [b"", b"a comment"])
def test_package_reads_parts_either_way(tmp_path: Path, comment: bytes) -> None:
    path = tmp_path / "a.docx"
    data = _zip(path, comment=comment)
    pkg = Package(path, "docx", data)
    assert (pkg._dir is None) == bool(comment)
    assert pkg.names() == list(PARTS)
    for name, body in PARTS.items():
        assert pkg.read(name) == body
    assert pkg.has("word/document.xml")
    assert not pkg.has("nope")
    with pytest.raises(ReturnError, match="missing"):
        pkg.read("nope")
    pkg.close()
