"""Where the packaged data lives: shipped specs and templates.

In a wheel they are under `bluestone_forms/_data/`; in a source checkout (editable install)
they are the top-level `form_specs/` and `templates/` folders.
"""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _data(name: str) -> Path:
    packed = _PKG / "_data" / name
    if packed.is_dir():
        return packed
    return _PKG.parent / name


def specs_dir() -> Path:
    return _data("form_specs")


def templates_dir() -> Path:
    return _data("templates")


def shipped_spec_files() -> list[Path]:
    return sorted(specs_dir().glob("*.yaml"))
