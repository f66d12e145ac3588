"""A batch of scanned files read together: pages grouped into returns by their QR codes.

Pages of one return may be in several files and in any order; several forms may be mixed.
What each file comes to (for the collation's one outcome per file) is in `file_results`:
the file holding a return's first page carries its record (or "awaiting review"); a page
that cannot be identified or straightened is an outcome of its own ("FILE [page N]").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalog import Catalog
from ..errors import ReturnError
from . import images
from .pages import PageRead, read_page
from .returns import PROVENANCE, ReviewItem, ScanReturn

ReturnsKey = tuple[str, str, str]

READER = "scan"


@dataclass
class ScannedFile:
    name: str
    disk: Path
    pages: list[PageRead] = field(default_factory=list)
    error: str = ""


@dataclass
class Batch:
    files: list[ScannedFile]
    returns: dict[ReturnsKey, ScanReturn]

    def items(self) -> list[ReviewItem]:
        return [i for r in self.returns.values() for i in r.items()]

    @property
    def unidentified(self) -> list[PageRead]:
        return [p for f in self.files for p in f.pages if p.error]


def read_files(sources: Iterable[tuple[str, Path]], catalog: Catalog) -> Batch:
    """Read every page of every scanned file, and group the pages into returns."""
    files: list[ScannedFile] = []
    for name, disk in sources:
        f = ScannedFile(name, disk)
        try:
            for n, image in enumerate(images.pages(disk), start=1):
                f.pages.append(read_page(image, name, n, catalog))
        except ReturnError as exc:
            f.error = exc.message
        except (OSError, ValueError, MemoryError) as exc:
            f.error = f"the scan cannot be read ({type(exc).__name__}: {exc})"
        files.append(f)
    return Batch(files, group(p for f in files for p in f.pages))


def group(pages: Iterable[PageRead]) -> dict[ReturnsKey, ScanReturn]:
    """Identified pages by (form, version, instance id); a page scanned twice is noted."""
    out: dict[ReturnsKey, ScanReturn] = {}
    for p in pages:
        if p.error or p.pid is None or p.spec is None:
            continue
        key = (p.pid.form_id, p.pid.version, p.pid.instance_id)
        ret = out.setdefault(key, ScanReturn(p.spec, p.pid.instance_id))
        if p.pid.page in ret.pages:
            ret.duplicates.append(p)
        else:
            ret.pages[p.pid.page] = p
    return out


def _digest(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def file_results(batch: Batch, resolutions: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One result per scanned file and per unreadable page, in the shape `collate.ingest`
    takes: records and issues, an error, or `pending` (items still to review)."""
    by_file: dict[str, dict[str, Any]] = {}
    out: list[dict[str, Any]] = []
    for f in batch.files:
        sha, size = _digest(f.disk)
        res: dict[str, Any] = {"path": f.name, "sha256": sha, "size": size, "reader": READER}
        if f.error:
            res["error"] = f.error
        elif not f.pages:
            res["error"] = "the scan has no pages"
        elif all(p.error for p in f.pages):
            res["error"] = ("no page is a readable bluestone paper form: "
                            + "; ".join(f"page {p.index}: {p.error}" for p in f.pages[:3]))
        else:
            res.update(records=[], issues=[], pending=0, pages=len(f.pages))
        by_file[f.name] = res
        out.append(res)
        for p in f.pages:
            if p.error and "error" not in res:
                out.append({"path": f"{f.name} [page {p.index}]", "sha256": f"{sha}:{p.index}",
                            "size": 0, "reader": READER, "error": f"page {p.index}: {p.error}"})
    for ret in batch.returns.values():
        res = by_file[ret.first_file]
        record, issues, pending = ret.record(dict(resolutions))
        if record is None:
            res["pending"] += pending
            res["message"] = (f"read, awaiting review: {res['pending']} mark(s) or "
                              "handwritten answer(s) to key in the review workbook")
            continue
        if not res["pending"]:
            keyed = len(record.meta["keyed"])
            res["message"] = (f"{PROVENANCE}: {keyed} answer(s) keyed in the review workbook"
                              if keyed else "read from scan: every answer a tick box")
        res["records"].append({**record.as_json(), "modified": None,
                               "provenance": record.meta["provenance"]})
        res["issues"].extend(
            {"field": i.field, "message": i.message, "value": i.value, "where": i.where,
             "row": i.row} for i in issues)
    for res in out:
        if "error" not in res and not res.get("message"):
            res["message"] = ("read from scan: its pages belong to returns whose first page "
                              "is in another file")
    return out
