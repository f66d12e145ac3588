"""The `bluestone-forms store` commands: set up a shared PostgreSQL store and who sees what.

`store init URL` creates the schema and each force's row-level security; `store grant` and
`store revoke` tie a login role to its force(s), or make it a hub. The URL may come from
BLUESTONE_FORMS_STORE instead; a password never comes from the command line (store_url).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click
from click.core import ParameterSource

from .errors import BluestoneError
from .spec.catalog import Catalog
from .store.url import ENV_VAR, checked_url, is_server_url, masked

if TYPE_CHECKING:
    from sqlalchemy import MetaData

# store_access (SQLAlchemy, psycopg) is imported inside the commands: every other command of
# the CLI starts without loading them.


def store_metadata() -> MetaData:
    """The store's schema (`bluestone_forms.store.schema.metadata`)."""
    module = importlib.import_module(".store.schema", __package__)
    return cast("MetaData", module.metadata)


def _typed(param: str) -> bool:
    """True when the running command's `param` came from the command line, not the env."""
    source = click.get_current_context().get_parameter_source(param)
    return source is not ParameterSource.ENVIRONMENT


def checked_store(value: str | None, param: str = "store") -> str | None:
    """The value of a store option of the running command (`param`), checked.

    A PostgreSQL URL typed on the command line must carry no password (StoreUrlError); one
    from BLUESTONE_FORMS_STORE may. A SQLite path, or None, is returned as it is. Call it in
    the command's body, where the CLI turns the error into one line and exit 1.
    """
    if value is None or not is_server_url(value):
        return value
    return checked_url(value, from_command_line=_typed(param))


def _url(url: str) -> str:
    """The URL argument: a PostgreSQL URL, with no password if typed on the command line."""
    return checked_url(url, from_command_line=_typed("url"))


def _forces(codes: tuple[str, ...], hub: bool, spec_paths: tuple[Path, ...]) -> list[str] | None:
    """The force codes asked for, checked against the specs; None for a hub."""
    if hub == bool(codes):
        raise click.UsageError("give --force CODE (one or more) or --hub, not both or neither")
    if hub:
        return None
    catalog = Catalog.shipped()
    if spec_paths:
        catalog = Catalog([*catalog.forms(), *Catalog.from_paths(spec_paths).forms()])
    from .store.access import spec_forces

    known = spec_forces(catalog)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise BluestoneError(f"unknown force code(s) {', '.join(unknown)}; the specs' forces "
                             f"are: {', '.join(sorted(known))}")
    return sorted(set(codes))


url_argument = click.argument("url", envvar=ENV_VAR, metavar="URL")
force_option = click.option("--force", "codes", multiple=True, metavar="CODE",
                            help="A force code from the specs' forces list; repeat for several.")
role_option = click.option("--role", required=True, help="An existing login role.")


def store_group(clean: Callable[[Any], Any]) -> click.Group:
    """The `store` command group; `clean` turns errors into one-line messages (cli's)."""
    group = click.Group("store", help=(
        "Set up a shared PostgreSQL store where each force's role sees only its own returns. "
        "URL (postgresql://ROLE@HOST:PORT/DATABASE, or $BLUESTONE_FORMS_STORE) carries no "
        "password: libpq takes it from ~/.pgpass, a service file or PGPASSWORD."))
    for name, cmd in (("init", init_cmd), ("grant", grant_cmd), ("revoke", revoke_cmd)):
        group.add_command(click.command(name)(clean(cmd)))
    return group


@url_argument
def init_cmd(url: str) -> None:
    """Create the store's tables and each force's row-level security; run it as the role
    that will own the store (it becomes a hub)."""
    from .store.access import init_report, init_store

    url = _url(url)
    click.echo(init_report(url, init_store(url, store_metadata())))


@url_argument
@force_option
@role_option
@click.option("--hub", is_flag=True, help="Let the role read and write every force's rows.")
@click.option("--spec", "spec_paths", multiple=True, type=click.Path(path_type=Path),
              help="Also take force codes from these spec files or folders.")
def grant_cmd(url: str, codes: tuple[str, ...], role: str, hub: bool,
              spec_paths: tuple[Path, ...]) -> None:
    """Let an existing login role read and write its force's rows only (or, with --hub,
    every force's)."""
    from .store.access import grant_access, in_transaction

    url = _url(url)
    forces = _forces(codes, hub, spec_paths)
    metadata = store_metadata()
    in_transaction(url, lambda conn: grant_access(conn, metadata, role, forces))
    what = "every force's rows (hub)" if forces is None else \
        f"the rows of {', '.join(forces)} only"
    click.echo(f"role '{role}' may read and write {what} in {masked(url)}")


@url_argument
@force_option
@role_option
def revoke_cmd(url: str, codes: tuple[str, ...], role: str) -> None:
    """Take a role's force(s) away (without --force: all of them, and its grants)."""
    from .store.access import in_transaction, revoke_access

    url = _url(url)
    metadata = store_metadata()
    forces: Collection[str] | None = codes or None
    taken = in_transaction(url, lambda conn: revoke_access(conn, metadata, role, forces))
    click.echo(f"role '{role}': {taken} force grant(s) taken in {masked(url)}")
