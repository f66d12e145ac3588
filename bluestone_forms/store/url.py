"""A store's URL: which engine it names, whether it may be used as given, and how it is shown.

Why refuse a password in a URL given on the command line: a command line is kept in the shell's
history, in scripts and in the process list (`ps`) for every user of the machine to read. A
password comes from libpq's own places instead: `~/.pgpass` (or the file PGPASSFILE names), a
service file (`?service=NAME`, from `~/.pg_service.conf` or PGSERVICEFILE), or PGPASSWORD. The
environment variable BLUESTONE_FORMS_STORE may hold a URL with a password: it is as private as
PGPASSWORD, which libpq reads from the same environment. Whatever its source, a URL is only
ever shown masked (`postgresql://user:***@host/db`), and its password is in no message.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote_plus, urlsplit, urlunsplit

from ..errors import BluestoneError

ENV_VAR = "BLUESTONE_FORMS_STORE"
SERVER_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_MASK = "***"
_WHERE_PASSWORDS_GO = (
    "put the password in ~/.pgpass (host:port:database:role:password, mode 0600), in a "
    "service file (?service=NAME) or in PGPASSWORD"
)


class StoreUrlError(BluestoneError):
    """A store URL that cannot be used as given (a password on the command line, a bad form)."""


def is_server_url(value: str) -> bool:
    """True for a PostgreSQL URL (`postgresql://…`), False for anything else (a SQLite path)."""
    scheme, sep, _ = value.partition("://")
    return bool(sep) and scheme.lower() in SERVER_SCHEMES


def has_password(url: str) -> bool:
    """True when the URL carries a password, in its user part or as `?password=…`."""
    parts = urlsplit(url)
    if parts.password is not None:
        return True
    return any(k.lower() == "password" for k, _ in parse_qsl(parts.query, keep_blank_values=True))


def masked(url: str) -> str:
    """The URL with any password replaced by `***`, fit to print or log.

    A value that is not a server URL (a SQLite path) is returned as it is.
    """
    if not is_server_url(url):
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _, hostport = netloc.rpartition("@")
        user = userinfo.partition(":")[0]
        netloc = f"{user}:{_MASK}@{hostport}"
    query = "&".join(
        f"{item.partition('=')[0]}={_MASK}" if _is_password(item) else item
        for item in parts.query.split("&")
    ) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _is_password(item: str) -> bool:
    return unquote_plus(item.partition("=")[0]).strip().lower() == "password"


def checked_url(url: str, *, from_command_line: bool) -> str:
    """`url` if it may be used as given, else a StoreUrlError saying where a password goes.

    Why both flags: a URL typed on the command line must not carry a password (see the module
    docstring); one from BLUESTONE_FORMS_STORE may.
    """
    if not is_server_url(url):
        raise StoreUrlError(
            f"{masked(url)}: not a PostgreSQL URL; expected postgresql://ROLE@HOST:PORT/DATABASE"
        )
    if from_command_line and has_password(url):
        raise StoreUrlError(
            f"{masked(url)}: a password is not taken from the command line (it would stay in "
            f"the shell history and the process list); give the URL without it and "
            f"{_WHERE_PASSWORDS_GO}"
        )
    return url


def engine_url(url: str) -> str:
    """The URL SQLAlchemy is given: the same server, with psycopg 3 as its driver."""
    scheme, _, rest = url.partition("://")
    if scheme.lower() in SERVER_SCHEMES:
        return f"postgresql+psycopg://{rest}"
    return url


def url_role(url: str) -> str | None:
    """The role a URL names, or None when libpq picks it (PGUSER, a service file, the OS user)."""
    return urlsplit(url).username or None


def password_hint() -> str:
    """Where a password is kept instead of on the command line (for messages)."""
    return _WHERE_PASSWORDS_GO
