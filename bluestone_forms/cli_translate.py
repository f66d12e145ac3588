"""`bluestone-forms translate`: the translation round trip of a spec's texts (`translate`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .errors import BluestoneError


def _spec_path(spec: str) -> Path:
    """A shipped spec id (rp1) or a spec file -> the file."""
    from .resources import specs_dir

    p = Path(spec)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    shipped = specs_dir() / f"{spec}.yaml"
    if shipped.is_file():
        return shipped
    known = ", ".join(sorted(x.stem for x in specs_dir().glob("*.yaml")))
    raise BluestoneError(f"no shipped spec '{spec}' and no such file; known: {known}")


def translate_group(clean: Callable[[Any], Any]) -> click.Group:
    """The `translate` command group; `clean` turns errors into one-line messages (cli's)."""
    group = click.Group("translate", help="Translate a spec's texts: export a workbook for a "
                        "translator, import the translations back into the spec.")
    group.add_command(click.command("export")(clean(export_cmd)))
    group.add_command(click.command("import")(clean(import_cmd)))
    return group


@click.argument("spec")
@click.option("--lang", required=True, help="The language to translate into, e.g. cy (Welsh).")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path),
              help="The workbook to write [default: output/translate/SPEC-LANG.xlsx].")
def export_cmd(spec: str, lang: str, out: Path | None) -> None:
    """Write a workbook with one row per text of SPEC (a shipped spec id or a YAML file): its
    key, kind, question, English text, any length limit and a column for the translation."""
    from .spec.translate import export_workbook

    path = _spec_path(spec)
    target = out or Path("output/translate") / f"{path.stem}-{lang}.xlsx"
    written, total, done = export_workbook(path, lang, target)
    click.echo(f"{written}: {total} texts, {done} already translated")


@click.argument("spec")
@click.argument("workbook", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), required=True,
              help="The spec file to write, with the translations in it.")
def import_cmd(spec: str, workbook: Path, out: Path) -> None:
    """Write SPEC with the translations of WORKBOOK into OUTPUT, and list the texts still
    missing (exit 1 while any are, or any translation is stale: its English has changed)."""
    from .spec.translate import import_workbook

    done = import_workbook(_spec_path(spec), workbook, out)
    click.echo(f"{done.path}: {done.translated} of {done.total} texts translated")
    for key in done.stale:
        click.echo(f"stale    {key}: its English has changed since the export; check it",
                   err=True)
    for t in done.missing:
        english = " ".join(str(t.value).split())
        click.echo(f"missing  {t.key}: {english[:70]}{'…' if len(english) > 70 else ''}",
                   err=True)
    if done.missing or done.stale:
        click.echo(f"{len(done.missing)} missing, {len(done.stale)} stale", err=True)
        sys.exit(1)
