"""Settling asks the store only about instances that already have a standing return (issue
19): a batch asks once which of its instances are in, and a return of a new instance costs no
settling query. The outcomes are those of settling every instance: a correction supersedes
its older return, two returns saved at the same time conflict, on either engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from test_store import _engine, _inbox

from bluestone_forms.collate.run import collate
from bluestone_forms.store.core import Store


def test_only_instances_already_in_are_settled(store_url: Path | str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    made = _inbox(tmp_path / "in", tmp_path / "templates")
    asked: list[str] = []
    real = Store.instance_records

    def counted(self: Store, instance_id: str) -> Any:
        asked.append(instance_id)
        return real(self, instance_id)

    monkeypatch.setattr(Store, "instance_records", counted)
    collate([tmp_path / "in"], store_url, workers=2)
    with _engine(store_url).connect() as c:
        outcome = {Path(p).stem: o for p, o in c.execute(text("SELECT path, outcome FROM files"))}
        several = {str(i) for (i,) in c.execute(text(
            "SELECT instance_id FROM records GROUP BY instance_id "
            "HAVING count(DISTINCT file_id) > 1"))}
    assert outcome["fix-old"] == "superseded"
    assert outcome["fix-new"] == "read"
    assert outcome["clash-a"] == outcome["clash-b"] == "conflict"
    assert outcome["r2"] == "read"
    assert len(several) == 2  # the correction's instance and the conflict's
    assert sorted(asked) == sorted(several)  # each asked about once: by its second return
    assert len(made) > len(asked)
