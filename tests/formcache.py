"""Blank forms for the tests: each made once per run, shared by the xdist workers, kept for
the next run while nothing it depends on has changed.

A blank form is a function of its spec, the toolkit's code and templates, the installed
libraries, the system's fonts and the writer's arguments (its instance id included). The cache
key is a SHA-256 of all of these, so any change to any of them makes the form afresh with the
real writer; nothing is ever shared between two different inputs. A form is made under a lock
(the other worker waits for it rather than making it too), published by an atomic rename, and
every caller gets its own copy, which it may change freely.

The cache is `output/test-forms/` (git-ignored). `BLUESTONE_TEST_FORM_CACHE=0` turns it off: every
form is made afresh in place, as the tests did before.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from bluestone_forms import formats
from bluestone_forms.spec.model import FormSpec

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "output" / "test-forms"
ENABLED = os.environ.get("BLUESTONE_TEST_FORM_CACHE", "1") != "0"
_HASHED = ("bluestone_forms", "templates")  # the code and what it renders forms with


@cache
def environment_digest() -> str:
    """The code, templates, every installed distribution's version and the fonts."""
    h = hashlib.sha256()
    for top in _HASHED:
        for p in sorted((REPO / top).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(REPO)).encode() + b"\0" + p.read_bytes() + b"\0")
    dists = sorted(f"{d.metadata['Name']}=={d.version}"
                   for d in importlib.metadata.distributions())
    h.update("\n".join(dists).encode())
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True, check=False).stdout \
        if shutil.which("fc-list") else ""
    h.update("\n".join(sorted(fonts.splitlines())).encode())
    return h.hexdigest()


def cached(parts: tuple[Any, ...], suffix: str, make: Callable[[Path], object],
           dest: Path) -> Path:
    """`dest`, holding what `make(path)` writes for these `parts` (made once, then copied)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not ENABLED:
        make(dest)
        return dest
    key = hashlib.sha256(repr((environment_digest(), *parts)).encode()).hexdigest()[:32]
    CACHE.mkdir(parents=True, exist_ok=True)
    kept = CACHE / f"{key}{suffix}"
    if not kept.exists():
        with (CACHE / f"{key}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # the other worker waits, then finds it made
            if not kept.exists():
                part = CACHE / f"{key}.{os.getpid()}.part{suffix}"
                make(part)
                part.replace(kept)
    shutil.copyfile(kept, dest)
    return dest


def form(spec: FormSpec, fmt: str, dest: Path, *, instance_id: str, **opts: Any) -> Path:
    """The blank form of `spec` in `fmt` (docx, xlsx, pdf, or paper for the paper PDF), as
    `formats.module(fmt).write(spec, dest, instance_id=..., **opts)` writes it. The instance id
    is required: a form made with a fresh random id is not the same form twice."""
    mod = formats.module("pdf" if fmt == "paper" else fmt)
    write = mod.write_paper if fmt == "paper" else mod.write
    parts = (fmt, spec.model_dump_json(), instance_id, sorted(opts.items()))
    return cached(parts, dest.suffix,
                  lambda p: write(spec, p, instance_id=instance_id, **opts), dest)
