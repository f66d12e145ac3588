"""The walk of one field: every module of the package that handles one field on its way from
spec to report (issue 14's note). Run at a repository root, on that tree's code:

    PYTHONPATH=$PWD python scripts/trace_field.py [SPEC] [FIELD]      # default: rp1 review_date

What it does, all through the public API (so it runs on older trees too): loads the spec,
generates the Word, Excel, PDF and paper forms, fills one return per fillable format (the
field given a value of its own), reads each return back, collates them (reader workers
included: they are forked and traced too) and exports the workbook, the CSVs and both reports.

A module counts in a stage when a function of it, while it runs, holds the field: the field's
model object, its id (or a slot key under it: `review_date`, `actions.owner`, `bs_review_date`),
the value given to it in the return (as itself, ISO text or dd/mm/yyyy), or a mapping keyed by
the id, or a short sequence holding one of these, in its arguments, locals or return value. A
function is watched line by line until it shows one (then its module is counted, and that
module is no longer watched in that stage). Filling stands in for the person with Word,
Excel or a PDF reader: it is listed but left out of the spec-to-report total.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path
from types import FrameType
from typing import Any

SPEC = sys.argv[1] if len(sys.argv) > 1 else "rp1"
FIELD = sys.argv[2] if len(sys.argv) > 2 else "review_date"
ROOT = str(Path.cwd() / "bluestone_forms") + os.sep
STAGES = ("load", "generate", "fill", "read", "collate", "export")
WORD = re.compile(rf"(?<![\w.]){re.escape(FIELD)}(?![\w])")
HITS = Path(tempfile.mkstemp(prefix="trace-field-", suffix=".txt")[1])

state: dict[str, Any] = {"stage": "load", "obj": None, "values": ()}
seen: set[tuple[str, str]] = set()


def _key(s: str) -> bool:
    return s == FIELD or s.startswith(FIELD + ".") or s == "bs_" + FIELD or (
        len(s) < 160 and WORD.search(s) is not None and " " in s)  # a rule naming it


def holds(v: object, depth: int = 0) -> bool:
    if v is None or isinstance(v, (bool, int, float, bytes)):
        return False
    if isinstance(v, str):
        return _key(v) or v in state["values"]
    if isinstance(v, (dt.date, dt.time)):
        return v in state["values"]
    if v is state["obj"]:
        return True
    if isinstance(v, dict):
        if len(v) > 2000:
            return False
        if FIELD in v or any(isinstance(k, str) and k.startswith(FIELD + ".") for k in v):
            return True
        return depth < 1 and any(holds(x, depth + 1) for x in list(v.values())[:200])
    if isinstance(v, (list, tuple, set, frozenset)):
        return depth < 1 and len(v) <= 2000 and any(holds(x, depth + 1) for x in list(v)[:200])
    for attr in ("id", "key", "slot", "field_id", "field"):
        try:
            a = getattr(v, attr, None)
        except Exception:
            return False
        if isinstance(a, str) and (a == FIELD or a.startswith(FIELD + ".")):
            return True
    vals = getattr(v, "values", None)
    return isinstance(vals, dict) and depth < 1 and holds(vals, depth + 1)


def _hit(module: str) -> None:
    key = (state["stage"], module)
    if key in seen:
        return
    seen.add(key)
    with HITS.open("a", encoding="utf-8") as f:  # forked reader workers append here too
        f.write(f"{key[0]} {key[1]}\n")


def _look(frame: FrameType, module: str, extra: object = None) -> bool:
    try:
        found = any(holds(v) for v in list(frame.f_locals.values())) or holds(extra)
    except Exception:
        return False
    if found:
        _hit(module)
    return found


def _global(frame: FrameType, event: str, arg: object) -> Any:
    fn = frame.f_code.co_filename
    if not fn.startswith(ROOT):
        return None
    module = fn[len(ROOT):]
    if (state["stage"], module) in seen or _look(frame, module):
        return None

    def local(frame: FrameType, event: str, arg: object) -> Any:
        if (state["stage"], module) in seen:
            return None
        if event in ("line", "return") and _look(frame, module, arg if event == "return"
                                                 else None):
            return None
        return local

    return local


def given_value(spec: Any) -> tuple[object, tuple[object, ...]]:
    """A value of the field's own kind that no other answer has, and the forms it is seen in."""
    field = next(f for f in spec.fields() if f.id == FIELD)
    kind = getattr(field, "type", "")
    if kind == "date":
        d = dt.date(2026, 3, 17)
        return d, (d, dt.datetime(2026, 3, 17), "2026-03-17", "17/03/2026")
    if kind == "time":
        t = dt.time(7, 43)
        return t, (t, "07:43")
    if kind in ("text", "long_text"):
        s = "Traced answer 7q3"
        return s, (s,)
    return None, ()  # a choice: its value is a code every choice question shares; id only


def main() -> None:
    threading.settrace(_global)
    sys.settrace(_global)
    from bluestone_forms import api, formats
    from bluestone_forms.samples import sample_values

    cat = api.catalog_with([])
    spec = cat.get(SPEC)
    state["obj"] = next(f for f in spec.fields() if f.id == FIELD)
    value, state["values"] = given_value(spec)
    out = Path(tempfile.mkdtemp(prefix="trace-field-"))
    state["stage"] = "generate"
    paths = api.generate([SPEC], ["docx", "xlsx", "pdf", "paper"], out / "pack")
    state["stage"] = "fill"
    inbox = out / "in"
    inbox.mkdir()
    fixed = {FIELD: value} if value is not None else {}
    if SPEC == "rp1":  # so the follow-up that shows review_date fires, and the report shows it
        fixed.update(welfare_raised="yes", pausepoint_referral="no")
    for p in paths:
        if p.stem.endswith("-paper"):
            continue
        vals = sample_values(spec, random.Random(1), fill=1.0, **fixed)
        formats.module(p.suffix.lstrip(".")).fill(p, vals, inbox / p.name, instance_id=None)
    state["stage"] = "read"
    for p in sorted(inbox.iterdir()):
        formats.read(p, catalog=cat)
    state["stage"] = "collate"
    store = out / "o" / "bluestone.sqlite"
    api.collate_returns([inbox], store, workers=1)
    state["stage"] = "export"
    api.export(store, out / "o")
    sys.settrace(None)
    threading.settrace(None)  # type: ignore[arg-type]
    by_stage: dict[str, set[str]] = defaultdict(set)
    for line in HITS.read_text(encoding="utf-8").splitlines():
        stage, module = line.split(" ", 1)
        by_stage[stage].add(module)
    HITS.unlink()
    path: set[str] = set()
    print(f"{SPEC}.{FIELD} (given {value!r}), on {Path.cwd()}")
    for st in STAGES:
        mods = sorted(by_stage[st])
        print(f"{st:9} {len(mods):3}  {' '.join(mods)}")
        if st != "fill":
            path |= by_stage[st]
    only_fill = by_stage["fill"] - path
    print(f"spec to report: {len(path)} modules (filling adds {len(only_fill)} more: "
          f"{' '.join(sorted(only_fill)) or '-'})")
    print("  " + "\n  ".join(sorted(path)))


if __name__ == "__main__":
    main()
