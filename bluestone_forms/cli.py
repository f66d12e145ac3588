"""The `bluestone-forms` command. Each command parses its arguments, makes one call into the
Python API and prints; only BluestoneError becomes a clean message and a non-zero exit."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import api
from .errors import BluestoneError, SpecError

F = TypeVar("F", bound=Callable[..., Any])


def _clean_errors(fn: F) -> F:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SpecError as exc:
            for p in exc.problems:
                click.echo(str(p), err=True)
            click.echo(f"{len(exc.problems)} problem(s) found", err=True)
            sys.exit(1)
        except BluestoneError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bluestone-forms")
def main() -> None:
    """Make, send out, read back and collate the forms of the Operation Soteria Bluestone
    model for RASSO investigations, from declarative YAML specs."""


@main.command("specs")
def specs_cmd() -> None:
    """List the shipped form specs: id, version, title and number of questions."""
    for row in api.list_specs():
        click.echo(f"{row['id']:<26} {row['version']:<6} {row['fields']:>4}  {row['title']}")


@main.command("check")
@click.argument("specs", nargs=-1, required=True, type=click.Path(path_type=Path))
@_clean_errors
def check_cmd(specs: tuple[Path, ...]) -> None:
    """Check spec files; print every problem with file and line, exit 1 if any."""
    for spec in api.check_specs(specs):
        click.echo(f"ok  {spec.id} {spec.version}: {spec.title}")


@main.command("schema")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file.")
def schema_cmd(output: Path | None) -> None:
    """Print the JSON Schema of the spec language (for editor completion and checks)."""
    text = api.spec_schema_text()
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command("generate")
@click.argument("specs", nargs=-1, required=True)
@click.option(
    "-f", "--format", "formats", multiple=True, default=("docx", "xlsx", "pdf", "paper"),
    type=click.Choice(["docx", "xlsx", "pdf", "paper"]), show_default=True,
    help="Format(s) to make; repeat the option for several.",
)
@click.option("-o", "--output", "out", type=click.Path(path_type=Path),
              default=Path("output/forms"), show_default=True,
              help="Folder to write the forms into.")
@_clean_errors
def generate_cmd(specs: tuple[str, ...], formats: tuple[str, ...], out: Path) -> None:
    """Make fillable forms from SPECS (shipped spec ids such as rp1, or YAML files)."""
    for path in api.generate(specs, formats, out):
        click.echo(str(path))


@main.command("read")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--spec", "spec_paths", multiple=True, type=click.Path(path_type=Path),
              help="Also recognise forms of these spec files or folders.")
@_clean_errors
def read_cmd(files: tuple[Path, ...], spec_paths: tuple[Path, ...]) -> None:
    """Read completed forms: records as JSON on stdout, issues on stderr; exit 1 on issues."""
    records, problems = api.read_files(files, spec_paths)
    click.echo(json.dumps(records, indent=2, ensure_ascii=False))
    for line in problems:
        click.echo(line, err=True)
    if problems:
        sys.exit(1)
