"""The public pages' charts as files and as embeddable pages (``web.site.figures``):

- ``/charts/home/<chart>.<svg|png|csv>``, ``/charts/countries/<code>/<chart>.<...>``,
  ``/charts/explore/<chart>.<...>?series=...&sex=...`` (the explorer's own parameters);
- ``/embed/home/<chart>``, ``/embed/countries/<code>/<chart>``, ``/embed/explore/<chart>?...``.

Each is built by the same function as its page's chart (``dashboard.home_figures``,
``countries.country_figures``, ``explore.explore_view``): a file shows what the page shows.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from target87.web.public import countries, dashboard, explore
from target87.web.site.figures import chart_file, embed_page
from target87.web.site.language import choose
from target87.web.site.render import session

router = APIRouter(include_in_schema=False)


def _home(request: Request):
    def build():
        with session(request) as s:
            return dashboard.build_home_figures(s, choose(request)[0])

    return build


def _country(request: Request, code: str):
    def build():
        with session(request) as s:
            return countries.build_country_figures(s, code, choose(request)[0])

    return build


def _explore(request: Request):
    def build():
        asked = explore.asked_view(request.query_params)
        with session(request) as s:
            return explore.explore_view(s, choose(request)[0], asked)["figures"]

    return build


@router.get("/charts/home/{chart_id}.{fmt}")
def home_chart(request: Request, chart_id: str, fmt: str):
    return chart_file(request, "/", chart_id, fmt, _home(request))


@router.get("/charts/countries/{code}/{chart_id}.{fmt}")
def country_chart(request: Request, code: str, chart_id: str, fmt: str):
    return chart_file(request, f"/countries/{code}", chart_id, fmt, _country(request, code))


@router.get("/charts/explore/{chart_id}.{fmt}")
def explore_chart(request: Request, chart_id: str, fmt: str):
    return chart_file(request, "/explore", chart_id, fmt, _explore(request))


@router.get("/embed/home/{chart_id}")
def home_embed(request: Request, chart_id: str):
    return embed_page(request, "/", chart_id, _home(request))


@router.get("/embed/countries/{code}/{chart_id}")
def country_embed(request: Request, code: str, chart_id: str):
    return embed_page(request, f"/countries/{code}", chart_id, _country(request, code))


@router.get("/embed/explore/{chart_id}")
def explore_embed(request: Request, chart_id: str):
    return embed_page(request, "/explore", chart_id, _explore(request))
