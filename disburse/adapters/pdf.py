"""Printable documents: a Jinja template of ``disburse/web/templates/pdf/`` rendered to PDF with WeasyPrint.

The templates are official documents, written in Chinese only (see ``docs/pdf.md``); they use
Debian's Noto CJK fonts (``fonts-noto-cjk``) through fontconfig, and WeasyPrint embeds the glyphs
it uses. Nothing is fetched while rendering: the documents carry their styles inline and the URL
fetcher refuses every URL, so text people typed cannot make the server load anything.
"""

from functools import cache
from pathlib import Path
from typing import Any, NoReturn

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "web" / "templates" / "pdf"


class ExternalResource(Exception):
    """A document asked for a resource from outside; printable documents have none."""


def _refuse(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ExternalResource(f"printable documents load nothing: {url}")


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_html(template: str, context: dict[str, Any]) -> str:
    """The document's HTML: ``template`` (a file of ``templates/pdf/``) filled with ``context``."""
    return _environment().get_template(template).render(**context)


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """The document as PDF bytes (A4; page size and margins are set by the templates' CSS)."""
    from weasyprint import HTML  # imported on first use: it loads Pango, which only documents need

    return bytes(HTML(string=render_html(template, context), base_url=str(TEMPLATES),
                      url_fetcher=_refuse).write_pdf())
