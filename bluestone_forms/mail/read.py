"""`bluestone-forms read` on a mail file: each attachment read as a return, with where it
came from; messages with no return, and those that cannot be read, are problems."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from .. import formats
from ..catalog import Catalog
from ..errors import ReturnError
from .walk import Found, expand


def read_mail(path: Path, catalog: Catalog) -> tuple[list[dict[str, Any]], list[str]]:
    """Records (as JSON data, each with a "mail" provenance object) and problem lines."""
    records: list[dict[str, Any]] = []
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bluestone-read-mail-") as tmp:
        found = Found()
        expand(path, Path(tmp), found)
        for line in found.lines:
            if line.outcome != "message":
                problems.append(f"{line.name}: {line.message}")
        for c in found.candidates:
            if c.disk.suffix == ".zip":
                problems.append(f"{c.name}: an attached zip archive; `collate` unpacks it")
                continue
            try:
                result = formats.read(c.disk, catalog=catalog)
            except ReturnError as exc:
                problems.append(f"{c.name}: {exc.message}")
                continue
            for r in result.records:
                records.append({**r.as_json(), "mail": c.provenance.as_json()})
            problems.extend(f"{c.name}: {str(i).split(': ', 1)[-1]}" for i in result.issues)
    return records, problems
