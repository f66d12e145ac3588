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
from .cli_store import store_group
from .cli_translate import translate_group
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


main.add_command(translate_group(_clean_errors))


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
@click.option("--prefill", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Mail merge: one form per row of this CSV (columns = field ids; "
                   "recipient columns start with 'recipient' or '_'), plus register.csv.")
@click.option("--layout", type=click.Choice(["form", "register"]), default="form",
              show_default=True,
              help="Excel only: a form per workbook, or a register with one row per return.")
@click.option("--lang", help="Language of a multilingual spec: 'cy' for Welsh, 'cy+en' or "
                            "'en+cy' for both (bilingual). Default: the spec's own default.")
@click.option("--word-protection", type=click.Choice(["enforce", "ready", "off"]),
              default="enforce", show_default=True,
              help="Word only: 'filling in forms' protection on; 'ready' records it without "
                   "switching it on (for forms filled in LibreOffice 7.4, which can crash "
                   "typing into an enforced form); 'off' leaves it out.")
@_clean_errors
def generate_cmd(specs: tuple[str, ...], formats: tuple[str, ...], out: Path,
                 prefill: Path | None, lang: str | None, layout: str,
                 word_protection: str) -> None:
    """Make fillable forms from SPECS (shipped spec ids such as rp1, or YAML files)."""
    for path in api.generate(specs, formats, out, prefill, lang, layout, word_protection):
        click.echo(str(path))


@main.command("read")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--spec", "spec_paths", multiple=True, type=click.Path(path_type=Path),
              help="Also recognise forms of these spec files or folders.")
@_clean_errors
def read_cmd(files: tuple[Path, ...], spec_paths: tuple[Path, ...]) -> None:
    """Read completed forms: records as JSON on stdout, issues on stderr; exit 1 on issues."""
    records, problems, notes = api.read_files(files, spec_paths)
    click.echo(json.dumps(records, indent=2, ensure_ascii=False))
    for line in [*notes, *problems]:
        click.echo(line, err=True)
    if problems:
        sys.exit(1)


class _Progress:
    """A progress bar on a terminal (click's own); nothing when output is redirected."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.bar: Any = None
        self.done = 0

    def __enter__(self) -> _Progress:
        return self

    def __call__(self, done: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.what, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@main.command("collate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), required=True,
              help="Folder for the store, workbook, CSVs and report.")
@click.option("--store", "store_path", envvar="BLUESTONE_FORMS_STORE", metavar="PATH|URL",
              help="The store: an SQLite file, or postgresql://USER@HOST/DB for a shared "
                   "server [default: $BLUESTONE_FORMS_STORE, else OUTPUT/bluestone.sqlite].")
@click.option("--spec", "spec_paths", multiple=True, type=click.Path(path_type=Path),
              help="Also recognise forms of these spec files or folders.")
@click.option("--include-names", is_flag=True,
              help="Keep the names a spec marks (e.g. PausePoint's officer); default: "
                   "pseudonyms.")
@click.option("--include-special-category", "include_special", is_flag=True,
              help="Keep special-category free text a spec marks (e.g. PausePoint's "
                   "wellbeing notes) in the workbook and CSVs; default: withheld.")
@click.option("--workers", type=click.IntRange(1, 64),
              help="Reader processes [default: cores + 1].")
@click.option("--read-timeout", type=click.FloatRange(0.1, 3600), metavar="SECONDS",
              help="Reject a file that takes longer than this to read "
                   "[default: $BLUESTONE_READ_TIMEOUT or 30].")
@click.option("--register", "registers", multiple=True,
              type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="A register.csv from a mail merge, to report returns still outstanding "
                   "and write chase-list.csv.")
@_clean_errors
def collate_cmd(paths: tuple[Path, ...], out: Path, store_path: str | None,
                spec_paths: tuple[Path, ...], include_names: bool, include_special: bool,
                workers: int | None,
                read_timeout: float | None, registers: tuple[Path, ...]) -> None:
    """Read every return under PATHS (folders, zip archives, .eml, mbox and Outlook .msg
    mail) into one store, then write the collated workbook, CSVs and summary report (and,
    with --register, chase-list.csv). Exit 1 when any file was rejected, or not stored
    (a return of a force the store's role may not write)."""
    store: Path | str = store_path or out / "bluestone.sqlite"
    with _Progress("Reading returns") as progress:
        summary = api.collate_returns(paths, store, spec_paths, workers, progress, registers,
                                      read_timeout, review_dir=out)
    # after the progress bar has stopped its thread, so the report can be written meanwhile
    outputs = api.export(store, out, spec_paths, include_names, include_special)
    click.echo(summary.line())
    click.echo(f"workbook: {outputs.workbook}\nreport:   {outputs.report}\n"
               f"html:     {outputs.html_report}\ncsv:      {outputs.csv_dir}")
    chase = api.chase_list(store, out) if registers else None
    if chase:
        click.echo(f"chase:    {chase[0]} ({chase[1]} returns outstanding)")
    for line in summary.not_stored:  # another force's returns: in no sheet, so said here
        click.echo(f"not stored: {line}", err=True)
    if summary.rejected or summary.not_stored:
        sys.exit(1)


@main.command("export")
@click.option("--store", "store_path", envvar="BLUESTONE_FORMS_STORE", required=True,
              metavar="PATH|URL", help="The store a collation made: its SQLite file, or a "
              "postgresql:// URL [default: $BLUESTONE_FORMS_STORE].")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), required=True,
              help="Folder for the workbook, CSVs and report.")
@click.option("--spec", "spec_paths", multiple=True, type=click.Path(path_type=Path),
              help="Spec files or folders of forms that are not shipped.")
@click.option("--include-names", is_flag=True,
              help="Keep the names a spec marks (e.g. PausePoint's officer); default: "
                   "pseudonyms.")
@click.option("--include-special-category", "include_special", is_flag=True,
              help="Keep special-category free text a spec marks (e.g. PausePoint's "
                   "wellbeing notes) in the workbook and CSVs; default: withheld.")
@_clean_errors
def export_cmd(store_path: str, out: Path, spec_paths: tuple[Path, ...],
               include_names: bool, include_special: bool) -> None:
    """Rebuild the workbook, CSVs and reports from the store alone."""
    outputs = api.export(store_path, out, spec_paths, include_names, include_special)
    click.echo(f"workbook: {outputs.workbook}\nreport:   {outputs.report}\n"
               f"html:     {outputs.html_report}\ncsv:      {outputs.csv_dir}")


@main.command("demo")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), default=Path("output"),
              show_default=True, help="Folder for pack/, returns/ and collated/.")
@click.option("--workers", type=click.IntRange(1, 64), help="Reader processes [default: cores].")
@_clean_errors
def demo_cmd(out: Path, workers: int | None) -> None:
    """The main job on the shipped specs: generate every form in every format, make sample
    returns from several forces (a live risk, invalid answers, a duplicate, a zip, a corrupt
    file), collate them and write the workbook and report. Exit 0 when all went as intended."""
    from .demo import demo

    with _Progress("Reading returns") as progress:
        result = demo(out, workers=workers, progress=progress)
    click.echo(f"pack:     {len(result.pack)} files in {out / 'pack'}")
    click.echo(f"returns:  {len(result.returns)} files in {out / 'returns'}")
    click.echo(result.summary.line())
    click.echo(f"workbook: {result.outputs.workbook}\nreport:   {result.outputs.report}\n"
               f"html:     {result.outputs.html_report}\ncsv:      {result.outputs.csv_dir}")
    if not result.as_intended:
        click.echo(f"error: expected {result.expected_rejections} rejected file(s), got "
                   f"{result.summary.rejected}", err=True)
        sys.exit(1)


@main.command("guide")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path),
              default=Path("output/guide"), show_default=True,
              help="Folder for the PDF and the Word document.")
@_clean_errors
def guide_cmd(out: Path) -> None:
    """Print the Supervisors' Guide to Reflective Practice: a tagged A4 PDF and an editable
    Word document, with the checklist points taken from the RP specs."""
    from .guide import write_guide

    for path in write_guide(out):
        click.echo(str(path))


main.add_command(store_group(_clean_errors))
