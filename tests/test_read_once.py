"""A worker reads each return from disk once: the bytes it hashes are the bytes its reader
parses, and the result carries the hash, size and stat of that same open file (issue 19)."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from formcache import form as cached_form

from bluestone_forms import formats
from bluestone_forms.collate import workers as _collate_read
from bluestone_forms.samples import sample_values
from bluestone_forms.spec.catalog import Catalog


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("once")
    spec = Catalog.shipped().get("rp1")
    out = {}
    for fmt in formats.FORMATS:
        blank = cached_form(spec, fmt, folder / f"blank{formats.EXTENSIONS[fmt]}",
                            instance_id="inst-rp1")
        vals = sample_values(spec, random.Random(7))
        out[fmt] = formats.module(fmt).fill(blank, vals, folder / f"rp1{formats.EXTENSIONS[fmt]}")
    return out


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_the_result_carries_hash_size_and_stat_of_the_bytes_read(
    returns: dict[str, Path], fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = returns[fmt]
    opened: list[str] = []
    real_open = Path.open

    def counting_open(self: Path, *args: object, **kw: object) -> object:
        if self == path:
            opened.append(str(args[0] if args else kw.get("mode", "r")))
        return real_open(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", counting_open)
    res = _collate_read.read_one(path.name, str(path))
    monkeypatch.undo()
    assert res.error is None
    assert len(res.records) == 1
    data = path.read_bytes()
    st = path.stat()
    assert res.sha256 == hashlib.sha256(data).hexdigest()
    assert res.size == len(data)
    assert (res.mtime_ns, res.inode, res.ctime_ns) == (st.st_mtime_ns, st.st_ino,
                                                       st.st_ctime_ns)
    # hashing, sniffing and reading share one read of the file (qpdf, below pikepdf, still
    # opens a PDF by its path: measured twice as fast as handing it the bytes)
    assert opened == ["rb"]


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_reading_from_bytes_read_already_gives_the_same_result(
    returns: dict[str, Path], fmt: str
) -> None:
    path = returns[fmt]
    data = path.read_bytes()
    assert formats.sniff(path, data) == formats.sniff(path) == fmt
    mod = formats.module(fmt)
    assert mod.read(path, data=data) == mod.read(path)
