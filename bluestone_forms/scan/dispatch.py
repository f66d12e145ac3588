"""The collation's door for scanned returns: which files are scans, and reading them all.

A file is a scan when it is an image (PNG, JPEG, TIFF) or a PDF of page images without a form
(as office scanners write them). Scans are read in worker processes, and grouped together
since a return's pages may be spread over several files; then each file's result goes
through the collation's own `ingest`, one transaction each.
The review workbook sits beside the store: read before, written again after.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..collate.file_result import FileResult
from ..spec.catalog import Catalog
from . import batch, images, review

IMAGE = re.compile(rb"/Subtype\s*/Image\b")
ACROFORM = re.compile(rb"/AcroForm\b")
CHUNK = 1 << 20
# Why a small first read: every PDF found is looked at here, in the collating process, before
# any is read (on a re-run too); a 700 KB fillable form read whole cost ~2 ms of the run's one
# serial process, and its /AcroForm is in the first few hundred bytes (issue 19).
FIRST = 1 << 12


def is_scan(path: Path) -> bool:
    """Whether the collation should read this file as a scanned paper return.

    A PDF is a scan when it holds page images (as scanners write) and no form. Decided from
    the bytes alone, in the collating process, so a hostile PDF is never parsed here: an
    image's dictionary is a stream's and cannot hide in a compressed object stream. A PDF
    with no image (our fillable form, a damaged or hostile file) goes to the PDF reader."""
    if images.is_image(path):
        return True
    if path.suffix.lower() != ".pdf":
        return False
    image = False
    tail = b""
    size = FIRST  # a form's /AcroForm is in its catalog, which writers put first
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(size):
                window = tail + chunk
                if ACROFORM.search(window):
                    return False
                image = image or IMAGE.search(window) is not None
                tail = window[-64:]
                size = CHUNK
    except OSError:
        return False
    return image


def review_path(store_path: Path) -> Path:
    return store_path.parent / review.FILE_NAME


def collate_scans(sources: Sequence[tuple[str, Path]], catalog: Catalog, store_path: Path,
                  ingest: Callable[[FileResult], None], workers: int = 1,
                  page_seconds: float = batch.PAGE_SECONDS) -> dict[str, int]:
    """Read the scanned files, ingest one result per file (and per unreadable page), and
    write the review workbook of what is still to key. Returns counts for the summary."""
    if not sources:
        return {"results": 0, "review_items": 0, "review_pending": 0, "awaiting": 0}
    path = review_path(store_path)
    keyed = review.read(path)
    found = batch.read_files(sources, catalog, workers, isolate=True,
                             page_seconds=page_seconds)
    results = batch.file_results(found, keyed)
    for res in results:
        ingest(res)
    items = found.items()
    review.write(items, path, keyed)
    pending = sum(r.pending for r in results)
    return {"results": len(results), "review_items": len(items), "review_pending": pending,
            "awaiting": sum(1 for r in results if r.pending)}


def read_scans(paths: Sequence[Path], catalog: Catalog, workers: int = 1,
               page_seconds: float = batch.PAGE_SECONDS
               ) -> tuple[list[dict[str, Any]], list[str]]:
    """`read` on scanned files: each return's record as far as the tick boxes decide it, and
    a problem line per page not identified, per item to review, per issue."""
    found = batch.read_files([(str(p), p) for p in paths], catalog, workers, isolate=True,
                             page_seconds=page_seconds)  # as collate reads them
    records: list[dict[str, Any]] = []
    problems = [f"{f.name}: {f.error}" for f in found.files if f.error]
    problems += [f"{p.where}: {p.error}" for p in found.unidentified]
    for ret in found.returns.values():
        record, issues, _ = ret.record({}, partial=True)
        assert record is not None
        records.append(record.as_json())
        problems += [f"{i.where}: question {i.number} '{i.question}'"
                     + (f" ({i.detail})" if i.kind == "mark" else "")
                     + f": {i.why}; awaiting review (collate writes the review workbook)"
                     for i in ret.items()]
        problems += [str(i) for i in issues]
    return records, problems
