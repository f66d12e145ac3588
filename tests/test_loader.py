"""The loader: every broken spec in tests/specs/broken names its file, line and problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bluestone_forms.errors import SpecError
from bluestone_forms.spec.loader import load_spec, load_spec_text

BROKEN = sorted((Path(__file__).parent / "specs" / "broken").glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (\d+): (.+)$")


def _expectations(path: Path) -> list[tuple[int, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _EXPECT.match(line)
        if m:
            out.append((int(m[1]), m[2]))
    return out


def test_loader_broken_corpus_is_large_enough() -> None:
    assert len(BROKEN) >= 15


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_loader_broken_spec_names_file_line_and_problem(path: Path) -> None:
    expectations = _expectations(path)
    assert expectations, f"{path.name} has no '# expect:' line"
    with pytest.raises(SpecError) as info:
        load_spec(path)
    text = str(info.value)
    for line, message in expectations:
        wanted = f"{path}:{line}: "
        heads = [ln for ln in text.splitlines() if ln.startswith(wanted)]
        assert heads, f"no error at line {line}:\n{text}"
        assert any(message in h for h in heads), f"expected {message!r} at line {line}:\n{text}"


def test_loader_error_shows_offending_line() -> None:
    text = 'id: x\ntitle: T\nversion: "1.0"\nsource: {seed: s, title: T}\nsections:\n' \
           "  - id: s\n    title: S\n    fields:\n      - {id: a, type: dat, label: A}\n"
    with pytest.raises(SpecError) as info:
        load_spec_text(text, "f.yaml")
    lines = str(info.value).splitlines()
    assert lines[0].startswith("f.yaml:9: sections[0].fields[0].type: 'dat' is not a field type")
    assert lines[1].strip() == "- {id: a, type: dat, label: A}"


def test_loader_reports_every_error_not_just_the_first() -> None:
    path = next(p for p in BROKEN if p.stem == "many_errors_at_once")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert len(info.value.problems) >= 3


def test_loader_keeps_dates_as_strings_until_the_model_parses_them() -> None:
    text = (
        'id: x\ntitle: T\nversion: "1.0"\nsource: {seed: s, title: T, date: 2021-04-01}\n'
        "sections:\n  - id: s\n    title: S\n    fields:\n"
        "      - {id: d, type: date, label: D, min: 2021-04-01}\n"
    )
    spec = load_spec_text(text, "f.yaml")
    assert spec.source.date == "2021-04-01"
    import datetime as dt

    assert spec.field("d").min == dt.date(2021, 4, 1)  # type: ignore[union-attr]


def test_loader_accepts_quoted_yes_and_true_false() -> None:
    text = (
        'id: x\ntitle: "Yes"\nversion: "1.0"\nsource: {seed: s, title: T}\n'
        "sections:\n  - id: s\n    title: S\n    fields:\n"
        "      - {id: a, type: text, label: 'no', required: true}\n"
    )
    spec = load_spec_text(text, "f.yaml")
    assert spec.title == "Yes"
    assert spec.field("a").required is True


def test_loader_empty_and_unreadable_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SpecError, match=r"empty\.yaml: the file is empty"):
        load_spec(empty)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"id: x\n\xff\xfe")
    with pytest.raises(SpecError, match=r"bin\.yaml:2: not UTF-8"):
        load_spec(binary)
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(tmp_path / "missing.yaml")
