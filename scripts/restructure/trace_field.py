"""Which modules handle one field id on its way from spec to report (run at a repo root).

Generates rp1 in docx, xlsx and pdf, fills each with sample answers, collates (one worker,
in-process profiling of the parent and of the reader), exports; a module counts when one of its
functions is called with the field id, or an object whose id/key is the field id, in its
arguments or locals at call time.
"""
from __future__ import annotations

import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

FIELD = sys.argv[1] if len(sys.argv) > 1 else "review_date"
ROOT = str(Path.cwd() / "bluestone_forms")
hits: dict[str, set[str]] = defaultdict(set)


def mentions(v: object) -> bool:
    if isinstance(v, str):
        return v == FIELD or v.startswith(FIELD + ".") or v == "bs_" + FIELD
    if getattr(v, "id", None) == FIELD or getattr(v, "key", None) == FIELD:
        return True
    if isinstance(v, dict) and len(v) < 400:
        return FIELD in v
    return False


def prof(frame, event, arg):  # type: ignore[no-untyped-def]
    if event != "call":
        return
    fn = frame.f_code.co_filename
    if not fn.startswith(ROOT):
        return
    for v in list(frame.f_locals.values()):
        try:
            if mentions(v):
                mod = fn[len(ROOT) + 1:]
                hits[stage].add(mod)
                return
        except Exception:
            return


stage = "load"
sys.setprofile(prof)
from bluestone_forms import api, formats  # noqa: E402

try:
    from bluestone_forms.samples import sample_values  # noqa: E402
except ImportError:
    raise
out = Path(tempfile.mkdtemp())
stage = "generate"
paths = api.generate(["rp1"], ["docx", "xlsx", "pdf"], out / "pack")
stage = "fill"
rng = random.Random(1)
cat = api.catalog_with([])
spec = cat.get("rp1")
inbox = out / "in"
inbox.mkdir()
for p in paths:
    fmt = p.suffix.lstrip(".")
    vals = sample_values(spec, rng, fill=1.0)
    formats.module(fmt).fill(p, vals, inbox / p.name, instance_id=None)
stage = "read"
for p in sorted(inbox.iterdir()):
    formats.read(p, catalog=cat)
stage = "collate"
api.collate([inbox], out / "o", workers=1)
sys.setprofile(None)
all_mods = set()
for st in ("load", "generate", "fill", "read", "collate"):
    print(f"{st:9} {len(hits[st]):3}  {' '.join(sorted(hits[st]))}")
    all_mods |= hits[st]
print(f"total distinct modules handling {FIELD!r}: {len(all_mods)}")
