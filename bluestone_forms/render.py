"""Sealed rendering: Jinja2 HTML from the package's templates, and HTML -> PDF with WeasyPrint.

Why sealed: every string a template prints comes from a spec or a return, i.e. from any force,
so it is untrusted. Templates autoescape, so a label holding `<img src="file:///etc/passwd">`
is printed as text. WeasyPrint fetches what HTML and CSS point at (stylesheets, images,
fonts, attachments) through a URL fetcher; ours serves only files under the package's
`templates/` folder and refuses everything else (other files, `http:`, `data:`, `ftp:`),
so neither a template nor a value can make a rendering read the file system or the network
(RELIABILITY.md §7). Fonts are named in CSS (DejaVu Sans, Liberation Sans from Debian) and
found by fontconfig, never downloaded.

Used by the PDF form and the paper form; the report and the guide reuse it.
"""

from __future__ import annotations

import io
import mimetypes
import warnings
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, BinaryIO, cast
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
import pikepdf

with warnings.catch_warnings():
    # WeasyPrint 70 warns at import when Debian's libharfbuzz-subset0 is absent; it then
    # subsets fonts with fontTools instead, which gives the same PDF.
    warnings.filterwarnings("ignore", message="HarfBuzz-Subset", category=DeprecationWarning)
    import weasyprint
    from weasyprint.urls import URLFetcherResponse

from . import pdf_ua
from .resources import templates_dir

# What a template may pull in: stylesheets, fonts and images of our own, nothing executable.
SERVED_SUFFIXES = frozenset({".css", ".ttf", ".otf", ".woff", ".woff2", ".png", ".svg"})
MAX_ASSET_BYTES = 8 * 1024 * 1024


class SealedFetcher(weasyprint.URLFetcher):  # type: ignore[misc]
    """A WeasyPrint URL fetcher that serves only files under one folder (the templates).

    `served` and `refused` list every URL asked for, so a test can prove nothing outside was
    read. A refusal raises ValueError, which WeasyPrint logs and skips (the image or
    stylesheet is simply absent); it never stops the rendering.
    """

    def __init__(self, root: Path | None = None) -> None:
        super().__init__(
            timeout=1, allowed_protocols=("file",), allow_redirects=False, fail_on_errors=False
        )
        self.root = (root or templates_dir()).resolve()
        self.served: list[str] = []
        self.refused: list[str] = []

    def local_path(self, url: str) -> Path | None:
        """The file a URL names if it may be served, else None."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            return None
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            return None
        if not path.is_relative_to(self.root) or not path.is_file():
            return None
        if path.suffix.lower() not in SERVED_SUFFIXES:
            return None
        return path

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self.local_path(url)
        if path is None or path.stat().st_size > MAX_ASSET_BYTES:
            self.refused.append(url)
            raise ValueError(f"not served: {url[:200]!r} (only the package's own templates)")
        self.served.append(url)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": kind})


@lru_cache(maxsize=4)
def environment(root: Path | None = None) -> jinja2.Environment:
    """The Jinja2 environment over the templates folder: autoescaping, strict undefined."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root or templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(template: str, **context: Any) -> str:
    """A template of the templates folder rendered with `context` (every value escaped)."""
    return environment().get_template(template).render(**context)


def html_document(html: str, fetcher: SealedFetcher | None = None) -> weasyprint.HTML:
    """WeasyPrint's HTML for a rendered page, resolving relative links in the templates."""
    fetcher = fetcher or SealedFetcher()
    return weasyprint.HTML(
        string=html, base_url=fetcher.root.as_uri() + "/", url_fetcher=fetcher
    )


def _options(forms: bool, variant: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {"pdf_forms": forms}
    if variant:
        options["pdf_variant"] = variant
    return options


def layout(
    html: str, *, forms: bool = False, variant: str | None = None,
    fetcher: SealedFetcher | None = None,
) -> Any:
    """Lay out the pages (a weasyprint Document) without writing the PDF yet."""
    return html_document(html, fetcher).render(**_options(forms, variant))


def save(
    document: Any, target: str | Path | IO[bytes], *, forms: bool = False,
    variant: str | None = None,
) -> None:
    """Write a laid-out document as PDF (give the same `forms` and `variant` as to layout)."""
    document.write_pdf(target, **_options(forms, variant))


def write_pdf(
    html: str, target: str | Path | IO[bytes], *, forms: bool = False,
    variant: str | None = None, fetcher: SealedFetcher | None = None,
) -> None:
    """Render HTML to a PDF: AcroForm fields from inputs when `forms`, a variant such as
    "pdf/ua-1" (tagged) when given; a PDF/UA claim is kept only where it holds (`pdf_ua`)."""
    if variant != "pdf/ua-1":
        html_document(html, fetcher).write_pdf(target, **_options(forms, variant))
        return
    buf = io.BytesIO()
    html_document(html, fetcher).write_pdf(buf, **_options(forms, variant))
    buf.seek(0)
    with pikepdf.open(buf) as pdf:
        pdf_ua.finish(pdf)
        pdf.save(target if isinstance(target, str | Path) else cast(BinaryIO, target))
