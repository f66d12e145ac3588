"""The command line: each command is one call into the API, with help and clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bluestone_forms import api
from bluestone_forms.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_cli_every_command_has_help() -> None:
    runner = CliRunner()
    assert isinstance(main, click.Group)
    for name, command in main.commands.items():
        assert command.help, f"{name} has no help"
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, result.output
        assert "Usage: main" in result.output or "Usage:" in result.output


def test_cli_specs_lists_every_shipped_spec() -> None:
    result = CliRunner().invoke(main, ["specs"])
    assert result.exit_code == 0
    ids = {line.split()[0] for line in result.output.splitlines()}
    assert {"rp1", "rp6", "case_review", "pausepoint", "ld_self_assessment",
            "statutory_review_quality"} <= ids


def test_cli_check_passes_on_shipped_specs() -> None:
    files = sorted(str(p) for p in (REPO / "form_specs").glob("*.yaml"))
    result = CliRunner().invoke(main, ["check", *files])
    assert result.exit_code == 0, result.output
    assert result.output.count("ok  ") == len(files)


def test_cli_check_reports_every_error_with_file_and_line() -> None:
    broken = sorted(str(p) for p in (REPO / "tests" / "specs" / "broken").glob("*.yaml"))
    result = CliRunner().invoke(main, ["check", *broken])
    assert result.exit_code == 1
    for f in broken:
        assert f"{f}:" in result.output
    assert "Traceback" not in result.output


def test_cli_schema_is_the_shipped_schema_and_not_stale() -> None:
    shipped = (REPO / "form_specs" / "spec.schema.json").read_text(encoding="utf-8")
    assert shipped == api.spec_schema_text(), (
        "form_specs/spec.schema.json is stale: run `bluestone-forms schema -o "
        "form_specs/spec.schema.json`"
    )
    result = CliRunner().invoke(main, ["schema"])
    assert json.loads(result.output)["title"] == "Bluestone form spec"


def test_cli_schema_accepts_every_shipped_spec() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    schema = api.spec_schema()
    for path in sorted((REPO / "form_specs").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        jsonschema.validate(_dates_as_text(data), schema)


def _dates_as_text(data: object) -> object:
    import datetime as dt

    if isinstance(data, dict):
        return {k: _dates_as_text(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_dates_as_text(v) for v in data]
    if isinstance(data, dt.date):
        return data.isoformat()
    return data


def test_cli_generate_unknown_spec_is_a_clean_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["generate", "rp9", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert "no shipped spec 'rp9'" in result.output


def test_cli_readme_reference_matches_help() -> None:
    from bluestone_forms._docs import END, START, cli_reference

    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert block == cli_reference().strip(), (
        "README's CLI reference is stale: run `python -m bluestone_forms._docs`"
    )


@pytest.mark.parametrize(("mode", "expected"),
                         [("enforce", 'w:enforcement="1"'), ("ready", 'w:enforcement="0"'),
                          ("off", None)])
def test_cli_generate_word_protection_reaches_forms_and_mail_merge(
        tmp_path: Path, mode: str, expected: str | None) -> None:
    import zipfile

    csv = tmp_path / "cases.csv"
    csv.write_text("recipient_name,crime_ref\nDS Patel,AS-10001-26\n", encoding="utf-8")
    made = []
    for extra in ([], ["--prefill", str(csv)]):
        out = tmp_path / mode / str(len(extra))
        result = CliRunner().invoke(main, ["generate", "rp1", "-f", "docx", "-o", str(out),
                                           "--word-protection", mode, *extra])
        assert result.exit_code == 0, result.output
        made += list(out.glob("*.docx"))
    assert len(made) == 2
    for path in made:
        with zipfile.ZipFile(path) as z:
            settings = z.read("word/settings.xml").decode()
        if expected is None:
            assert "documentProtection" not in settings, path
        else:
            assert expected in settings, path
