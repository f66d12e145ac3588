"""A zip member's bytes straight from a package in memory (`formats.ooxml.members`), and the
package's one-call read of small parts: same bytes as zipfile, and every lie refused."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pytest
from hostile import forge as F

from bluestone_forms.errors import ReturnError
from bluestone_forms.formats.ooxml import members
from bluestone_forms.formats.ooxml.package import RATIO_GRACE_BYTES, Package

XML = b'<?xml version="1.0"?><a>' + b"<b>text</b>" * 500 + b"</a>"


def _zip(entries: list[F.Entry], tmp_path: Path) -> tuple[bytes, zipfile.ZipFile]:
    path = F.forge_zip(tmp_path / "m.zip", entries)
    data = path.read_bytes()
    return data, zipfile.ZipFile(io.BytesIO(data))


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_whole_and_pieces_give_zipfiles_bytes(tmp_path: Path, method: int) -> None:
    data, z = _zip([F.entry("a.xml", XML, method=method), F.entry("empty", b"", method=method)],
                   tmp_path)
    for info in z.infolist():
        want = z.read(info)
        assert members.whole(data, info) == want
        assert b"".join(members.pieces(data, info, 1000)) == want
        assert all(len(p) <= 1000 for p in members.pieces(data, info, 1000))


@pytest.mark.parametrize("declared", [len(XML) - 1, 10, len(XML) + 1, 0])
def test_a_member_whose_declared_size_lies_is_damaged(tmp_path: Path, declared: int) -> None:
    e = F.entry("a.xml", XML)
    e.size = declared
    data, z = _zip([e], tmp_path)
    info = z.getinfo("a.xml")
    with pytest.raises(zipfile.BadZipFile, match="CRC-32 or size"):
        members.whole(data, info)
    with pytest.raises(zipfile.BadZipFile, match="CRC-32 or size"):
        b"".join(members.pieces(data, info, 1 << 16))


def test_one_call_inflates_no_more_than_declared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    """A member declaring 100 bytes that inflates to 50 MB: one byte past the declared size
    is the most ever made."""
    e = F.entry("bomb", b"\x00" * (50 * 1024 * 1024))
    e.size = 100
    data, z = _zip([e], tmp_path)
    made: list[int] = []
    real = zlib.decompressobj

    class Counting:
        def __init__(self, *args: int) -> None:
            self.d = real(*args)

        def decompress(self, span: memoryview, limit: int = 0) -> bytes:
            out = self.d.decompress(span, limit)
            made.append(len(out))
            return out

    monkeypatch.setattr(members.zlib, "decompressobj", Counting)
    with pytest.raises(zipfile.BadZipFile):
        members.whole(data, z.getinfo("bomb"))
    assert made == [101]


def test_wrong_crc_name_truncation_and_encryption_are_refused(tmp_path: Path) -> None:
    e = F.entry("a.xml", XML)
    e.crc ^= 1
    data, z = _zip([e], tmp_path)
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        members.whole(data, z.getinfo("a.xml"))
    data, z = _zip([F.entry("a.xml", XML)], tmp_path)
    info = z.getinfo("a.xml")
    with pytest.raises(zipfile.BadZipFile, match="truncated"):
        members.whole(data[:40], info)
    renamed = data.replace(b"a.xml", b"b.xml", 1)  # the local header's name only
    with pytest.raises(zipfile.BadZipFile, match="names"):
        members.whole(renamed, info)
    with pytest.raises(zipfile.BadZipFile, match="magic"):
        members.whole(b"\x00" * len(data), info)
    info.flag_bits |= 0x1
    with pytest.raises(NotImplementedError):
        members.whole(data, info)


def _package(tmp_path: Path, entries: list[F.Entry]) -> Package:
    path = F.forge_zip(tmp_path / "p.docx", entries)
    return Package(path, "docx", path.read_bytes())


def test_package_read_is_the_same_either_way(tmp_path: Path) -> None:
    pkg = _package(tmp_path, [F.entry("a.xml", XML), F.entry("s.xml", XML, method=0)])
    for name in ("a.xml", "s.xml"):
        assert pkg.read(name) == XML == b"".join(pkg.chunks(name, 100))


def test_package_read_of_a_lying_small_part_is_a_return_error(tmp_path: Path) -> None:
    e = F.entry("a.xml", XML)
    e.size = 1000
    with pytest.raises(ReturnError, match="damaged"):
        _package(tmp_path, [e]).read("a.xml")
    with pytest.raises(ReturnError, match="missing"):
        _package(tmp_path, [F.entry("a.xml", XML)]).read("b.xml")


def test_package_read_keeps_the_ratio_limit(tmp_path: Path) -> None:
    """A part declaring its true size at more than the ratio allows is read in counted
    pieces, and stopped as a zip bomb, as before."""
    big = b" " * (RATIO_GRACE_BYTES * 4)
    with pytest.raises(ReturnError, match="suspiciously"):
        _package(tmp_path, [F.entry("a.xml", big)]).read("a.xml")


def test_a_sheet_read_in_one_call_is_never_one_parsed_in_slices() -> None:
    """`_sheet.sheet_cells` reads a small sheet in one call; a sheet large enough to be
    parsed a slice at a time is never that small."""
    from bluestone_forms.formats.xlsx._sheet import BIG_SHEET_BYTES

    assert members.ONE_CALL_BYTES <= BIG_SHEET_BYTES


def test_package_whole_says_which_parts_read_in_one_call(tmp_path: Path) -> None:
    pkg = _package(tmp_path, [F.entry("a.xml", XML), F.entry("z.xml", b" " * 400_000)])
    assert pkg.whole("a.xml")
    assert not pkg.whole("z.xml")  # beyond the ratio: counted as it inflates
    assert not pkg.whole("missing.xml")
