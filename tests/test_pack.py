"""Writing a pack with every core (`pack.run`): the same files as one process writes, in the
same order, and a job that fails in a worker raises its own error here."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from bluestone_forms import api, pack
from bluestone_forms.formats.pdf import _fields as fields


def test_pack_in_workers_writes_every_file_in_order(tmp_path: Path) -> None:
    assert pack.workers_for(4) >= 1
    paths = api.generate(["rp1", "pausepoint"], ["docx", "pdf", "paper"], tmp_path)
    assert [p.name for p in paths] == [
        "rp1-v1.0.docx", "rp1-v1.0.pdf", "rp1-v1.0-paper.pdf",
        "pausepoint-v1.0.docx", "pausepoint-v1.0.pdf", "pausepoint-v1.0-paper.pdf",
    ]
    for path in paths:
        assert path.stat().st_size > 1000
        if path.suffix == ".pdf":
            with pikepdf.open(path) as pdf:
                ident = fields.read_identity(pdf)
            assert ident.form_id == path.name.split("-v")[0]


def _fails(spec: object, path: Path) -> Path:
    raise ValueError(f"cannot write {path.name}")


def _writes(spec: object, path: Path) -> Path:
    path.write_text(str(spec))
    return path


def test_a_job_failing_in_a_worker_raises_its_own_error(tmp_path: Path) -> None:
    jobs = [pack.Write("pdf", _writes, "a", tmp_path / "a.pdf"),
            pack.Write("paper", _fails, "b", tmp_path / "b.pdf"),
            pack.Write("docx", _writes, "c", tmp_path / "c.docx")]
    if pack.workers_for(2) < 2:
        pytest.skip("one core: no workers")
    with pytest.raises(ValueError, match=r"cannot write b\.pdf"):
        pack.run(jobs)
    assert (tmp_path / "a.pdf").read_text() == "a"


def test_jobs_of_a_pack_come_back_in_order(tmp_path: Path) -> None:
    jobs = [pack.Write(fmt, _writes, name, tmp_path / name)
            for fmt, name in (("pdf", "1"), ("docx", "2"), ("paper", "3"), ("xlsx", "4"))]
    assert pack.run(jobs) == [tmp_path / n for n in "1234"]
    assert [(tmp_path / n).read_text() for n in "1234"] == list("1234")
