"""Page templates (Jinja2, autoescaped) shared by the web pages and the documents the rooms
make (the print page of a national report): one environment on ``presentation/templates``."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(str(resources.files("target87.presentation") / "templates"))
STATIC = Path(str(resources.files("target87.presentation") / "static"))  # the web serves it


def static(path: str) -> str:
    """An asset's address: root-relative, never an absolute URL, so that a page kept in a cache
    loads its assets from whichever host name the site answers on."""
    return f"/static/{path}"


@cache
def environment() -> Environment:
    """The templates' environment: HTML autoescaped, ``static()`` at hand."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "xml"]),
    )
    env.globals["static"] = static
    return env


def render_template(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
