"""A reader bug keeps its traceback: only what a damaged file raises reads as "damaged".

A fault is injected inside each reader (past the file's parsing) in the collating process;
the reader processes, forked from it, inherit it. The file it hits is rejected as a fault in
the toolkit, with its traceback in the store's audit, the log and `read`'s problems, while a
truncated file of the same format still reads as damaged.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bluestone_forms import api, formats
from bluestone_forms.collate.run import collate
from bluestone_forms.spec.catalog import Catalog
from bluestone_forms.store.core import Store

# A function inside each reader, past the file's parsing: a fault there is a bug, not damage.
_INNER = {"docx": "bluestone_forms.formats.ooxml.wordml.answers",
          "xlsx": "bluestone_forms.formats.xlsx._read.locate_form",
          "pdf": "bluestone_forms.formats.pdf._fields.raw_value"}


@pytest.mark.parametrize("fmt", formats.FORMATS)
def test_reader_bug_keeps_its_traceback_a_truncated_file_reads_as_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    fmt: str,
) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    spec = Catalog.shipped().get("rp1")
    good = formats.module(fmt).write(spec, inbox / f"good{formats.EXTENSIONS[fmt]}")
    data = good.read_bytes()
    (inbox / f"cut{formats.EXTENSIONS[fmt]}").write_bytes(data[: len(data) // 2])

    def injected_bug(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("injected")

    monkeypatch.setattr(_INNER[fmt], injected_bug)  # the forked reader process inherits it
    collate([inbox], tmp_path / "s.sqlite", workers=1)
    with Store(tmp_path / "s.sqlite") as s:
        lines = {Path(f["path"]).stem: (f["outcome"], f["message"]) for f in s.files()}
        audit = [tuple(r) for r in s.db.execute("SELECT action, detail FROM audit")]
    assert lines["cut"][0] == "rejected"
    assert re.search(r"damaged|truncated", lines["cut"][1])
    assert "reader failed" not in lines["cut"][1]
    outcome, message = lines["good"]
    assert outcome == "rejected"
    assert message.startswith("the reader failed on this file (KeyError: 'injected')")
    assert "damaged" not in message
    faults = [detail for action, detail in audit if action == "reader fault"]
    assert len(faults) == 1
    assert "Traceback (most recent call last)" in faults[0]
    assert "in injected_bug" in faults[0]
    assert any("in injected_bug" in r.getMessage() for r in caplog.records)
    _, problems, _ = api.read_files([good], timeout=30)  # `read`: the same, on stderr
    assert len(problems) == 1
    assert "KeyError" in problems[0]
    assert "in injected_bug" in problems[0]
